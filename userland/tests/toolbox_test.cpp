// The utilities of /bin/toolbox run as a shell would run them, on blog_os and on Linux alike: each test
// works in a fresh directory under /tmp and checks what a utility printed (stdout and stderr together)
// and its exit status. The detailed comparison with GNU is the host test userland-linux.toolbox-vs-gnu;
// this one shows the same binary works on the kernel (exec through /bin symlinks, fork for -exec and
// xargs, directory reading, /proc).
#include "test/test.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

// The /bin beside this program's /tests: "/bin" on blog_os, ROOT/bin when init runs us on the host.
const char* bin_directory() {
    static char directory[PATH_MAX];
    if (directory[0] == '\0') {
        // Absolute, because the tests change directory.
        if (realpath(test::self_path(), directory) == nullptr)
            snprintf(directory, sizeof(directory), "%s", test::self_path());
        char* slash = strrchr(directory, '/');
        if (slash != nullptr)
            *slash = '\0';
        slash = strrchr(directory, '/');
        if (slash != nullptr)
            *slash = '\0';
        strncat(directory, "/bin", sizeof(directory) - strlen(directory) - 1);
    }
    return directory;
}

struct Result {
    int status = -1; // exit status, or -1 if it did not exit
    char output[8192] = {};
};

// Runs /bin/UTILITY ARGS... in the current directory and collects its output.
Result run(std::initializer_list<const char*> words) {
    Result result;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", bin_directory(), *words.begin());
    const char* argv[32] = {};
    size_t count = 0;
    for (const char* word : words)
        argv[count++] = word;
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0)
        return result;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 2);
    posix_spawn_file_actions_addclose(&actions, pipe_ends[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_ends[1]);
    pid_t child;
    int error = posix_spawn(&child, path, &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_ends[1]);
    if (error != 0) {
        snprintf(result.output, sizeof(result.output), "posix_spawn %s: %s", path, strerror(error));
        close(pipe_ends[0]);
        return result;
    }
    size_t used = 0;
    for (;;) {
        ssize_t got = read(pipe_ends[0], result.output + used, sizeof(result.output) - 1 - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        used += static_cast<size_t>(got);
    }
    close(pipe_ends[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

void write_file(const char* path, const char* text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        (void)!write(fd, text, strlen(text));
        close(fd);
    }
}

// A fresh directory to work in for one test, removed (with the toolbox's rm -r) at the end.
class Scratch {
public:
    Scratch() {
        bin_directory(); // resolved before leaving the starting directory
        if (mkdtemp(m_directory) == nullptr || chdir(m_directory) != 0)
            m_directory[0] = '\0';
    }
    ~Scratch() {
        if (m_directory[0] == '\0' || chdir("/") != 0)
            return;
        run({"rm", "-rf", m_directory});
    }
    bool ok() const { return m_directory[0] != '\0'; }

private:
    char m_directory[32] = "/tmp/toolbox-test-XXXXXX";
};

TEST(echo_and_cat_print_their_text) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    Result echo = run({"echo", "hello", "world"});
    EXPECT_EQ(echo.status, 0);
    EXPECT_STREQ(echo.output, "hello world\n");
    write_file("a", "one\ntwo\n");
    Result cat = run({"cat", "a", "a"});
    EXPECT_EQ(cat.status, 0);
    EXPECT_STREQ(cat.output, "one\ntwo\none\ntwo\n");
}

TEST(mkdir_touch_and_ls_build_and_show_a_tree) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    EXPECT_EQ(run({"mkdir", "-p", "d/sub"}).status, 0);
    EXPECT_EQ(run({"touch", "d/sub/f", "d/b", "d/a"}).status, 0);
    Result ls = run({"ls", "-R", "d"});
    EXPECT_EQ(ls.status, 0);
    EXPECT_STREQ(ls.output, "d:\na\nb\nsub\n\nd/sub:\nf\n");
    Result long_listing = run({"ls", "-ld", "d"});
    EXPECT_EQ(long_listing.status, 0);
    EXPECT_EQ(strncmp(long_listing.output, "drwx", 4), 0);
}

TEST(a_missing_file_is_reported_in_gnu_words) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    Result ls = run({"ls", "missing"});
    EXPECT_EQ(ls.status, 2);
    EXPECT_STREQ(ls.output, "ls: cannot access 'missing': No such file or directory\n");
    Result rm = run({"rm", "missing"});
    EXPECT_EQ(rm.status, 1);
    EXPECT_STREQ(rm.output, "rm: cannot remove 'missing': No such file or directory\n");
}

TEST(cp_mv_ln_and_rm_change_the_tree) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    write_file("a", "text\n");
    EXPECT_EQ(run({"mkdir", "d"}).status, 0);
    EXPECT_EQ(run({"cp", "a", "d/copy"}).status, 0);
    EXPECT_EQ(run({"cp", "-r", "d", "e"}).status, 0);
    EXPECT_EQ(run({"mv", "e/copy", "moved"}).status, 0);
    EXPECT_EQ(run({"ln", "-s", "moved", "link"}).status, 0);
    EXPECT_STREQ(run({"cat", "link"}).output, "text\n");
    EXPECT_EQ(run({"rm", "-r", "d", "e"}).status, 0);
    EXPECT_STREQ(run({"ls"}).output, "a\nlink\nmoved\n");
    EXPECT_EQ(run({"chmod", "600", "a"}).status, 0);
    EXPECT_STREQ(run({"stat", "-c", "%a %s %F", "a"}).output, "600 5 regular file\n");
}

TEST(text_utilities_count_select_and_order_lines) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    write_file("n", "10\n9\n100\n9\nabc\n");
    EXPECT_STREQ(run({"wc", "-l", "n"}).output, "5 n\n");
    EXPECT_STREQ(run({"head", "-n", "2", "n"}).output, "10\n9\n");
    EXPECT_STREQ(run({"tail", "-n", "1", "n"}).output, "abc\n");
    EXPECT_STREQ(run({"sort", "-n", "n"}).output, "abc\n9\n9\n10\n100\n");
    EXPECT_STREQ(run({"sort", "-u", "n"}).output, "10\n100\n9\nabc\n");
    EXPECT_STREQ(run({"grep", "-n", "9", "n"}).output, "2:9\n4:9\n");
    EXPECT_EQ(run({"grep", "-q", "zzz", "n"}).status, 1);
    EXPECT_STREQ(run({"seq", "2", "4"}).output, "2\n3\n4\n");
}

TEST(find_walks_and_runs_commands) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    EXPECT_EQ(run({"mkdir", "-p", "x/y"}).status, 0);
    write_file("x/y/file", "found\n");
    EXPECT_STREQ(run({"find", ".", "-type", "f"}).output, "./x/y/file\n");
    EXPECT_STREQ(run({"find", "x", "-name", "file", "-exec", "cat", "{}", ";"}).output, "found\n");
}

TEST(test_and_true_false_give_statuses) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    EXPECT_EQ(run({"test", "-d", "."}).status, 0);
    EXPECT_EQ(run({"[", "1", "-lt", "2", "]"}).status, 0);
    EXPECT_EQ(run({"test", "-f", "missing"}).status, 1);
    EXPECT_EQ(run({"true"}).status, 0);
    EXPECT_EQ(run({"false"}).status, 1);
}

TEST(system_readers_show_processes_and_the_kernel) {
    Result ps = run({"ps"});
    EXPECT_EQ(ps.status, 0);
    EXPECT_EQ(strncmp(ps.output, "    PID TTY          TIME CMD\n", 29), 0);
    Result uname = run({"uname", "-s"});
    EXPECT_EQ(uname.status, 0);
    EXPECT_TRUE(strcmp(uname.output, "blog_os\n") == 0 || strcmp(uname.output, "Linux\n") == 0);
    Result uptime = run({"uptime"});
    EXPECT_EQ(uptime.status, 0);
    EXPECT_TRUE(strstr(uptime.output, " up ") != nullptr);
}

} // namespace
