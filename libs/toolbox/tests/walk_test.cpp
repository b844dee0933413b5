// Tree walks over a real temporary tree: order, depth, pruning and the errors a vanished path gives.
#include "toolbox/walk.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace {

class Recorder final : public toolbox::TreeVisitor {
public:
    bool enter(const char* path, const struct stat& status, int depth) override {
        log += "+" + std::string(path) + "@" + std::to_string(depth) + " ";
        return prune.empty() || std::string(path).find(prune) == std::string::npos;
    }
    void leave(const char* path, const struct stat&, int) override { log += "-" + std::string(path) + " "; }
    void failed(const char* path, int error_number) override {
        log += "!" + std::string(path) + ":" + std::to_string(error_number) + " ";
    }
    std::string log;
    std::string prune;
};

class ToolboxWalk : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/toolbox-walk-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        root = pattern;
        ASSERT_EQ(chdir(root.c_str()), 0);
        ASSERT_EQ(mkdir("t", 0755), 0);
        ASSERT_EQ(mkdir("t/b", 0755), 0);
        close(open("t/c", O_CREAT | O_WRONLY, 0644));
        close(open("t/a", O_CREAT | O_WRONLY, 0644));
        close(open("t/b/x", O_CREAT | O_WRONLY, 0644));
    }
    void TearDown() override {
        ASSERT_EQ(chdir("/"), 0);
        std::string command = "rm -rf " + root;
        ASSERT_EQ(system(command.c_str()), 0);
    }
    std::string root;
};

TEST_F(ToolboxWalk, SortedWalkVisitsParentsBeforeChildrenInNameOrder) {
    Recorder recorder;
    EXPECT_TRUE(toolbox::walk_tree("t", recorder, {.sorted = true}));
    EXPECT_EQ(recorder.log, "+t@0 +t/a@1 +t/b@1 +t/b/x@2 -t/b +t/c@1 -t ");
}

TEST_F(ToolboxWalk, ReturningFalseFromEnterSkipsADirectory) {
    Recorder recorder;
    recorder.prune = "t/b";
    EXPECT_TRUE(toolbox::walk_tree("t/", recorder, {.sorted = true}));
    EXPECT_EQ(recorder.log, "+t/@0 +t/a@1 +t/b@1 +t/c@1 -t/ ");
}

TEST_F(ToolboxWalk, AMissingRootIsReportedWithItsErrno) {
    Recorder recorder;
    EXPECT_FALSE(toolbox::walk_tree("missing", recorder, {}));
    EXPECT_EQ(recorder.log, "!missing:" + std::to_string(ENOENT) + " ");
}

TEST(ToolboxPaths, JoinAddsOneSlashAndBaseNameDropsTrailingOnes) {
    char out[64];
    ASSERT_TRUE(toolbox::join_path(out, sizeof(out), "a", "b"));
    EXPECT_STREQ(out, "a/b");
    ASSERT_TRUE(toolbox::join_path(out, sizeof(out), "a/", "b"));
    EXPECT_STREQ(out, "a/b");
    EXPECT_FALSE(toolbox::join_path(out, 3, "a", "b"));
    toolbox::base_name("x/y/", out, sizeof(out));
    EXPECT_STREQ(out, "y");
    toolbox::base_name("/", out, sizeof(out));
    EXPECT_STREQ(out, "/");
    toolbox::base_name("plain", out, sizeof(out));
    EXPECT_STREQ(out, "plain");
}

} // namespace
