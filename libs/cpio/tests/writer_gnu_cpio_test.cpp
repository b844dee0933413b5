// The Writer's archives against the reference reader: GNU `cpio -i` extracts them into a temporary
// directory and the tree must be exactly what was written (paths, types, permissions, contents, symlink
// targets, mtimes). Skipped when cpio is not installed (Debian package "cpio").
#include "cpio/vector_sink.h"
#include "cpio/writer.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

bool have_cpio() {
    return std::system("command -v cpio >/dev/null 2>&1") == 0;
}

std::string read_file(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(stream), {});
}

ktl::StringView view_of(const std::string& text) {
    return ktl::StringView(text.data(), text.size());
}

ktl::ByteReader bytes_of(const std::string& text) {
    return ktl::ByteReader(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

struct Written {
    enum class Kind { Directory, File, Symlink } kind;
    uint32_t permissions;
    std::string content; // file data or symlink target
    uint32_t mtime = 0;
};

class GnuCpioExtracts : public testing::Test {
protected:
    void SetUp() override {
        if (!have_cpio())
            GTEST_SKIP() << "cpio is not installed (apt-get install cpio)";
        char pattern[] = "/tmp/blog_os_cpio_writer_XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        m_work = pattern;
        fs::create_directory(m_work / "out");
    }
    void TearDown() override {
        if (!m_work.empty())
            fs::remove_all(m_work);
    }

    void directory(const std::string& name, uint32_t permissions = 0755) {
        ASSERT_FALSE(m_writer.add_directory(view_of(name), {.permissions = permissions}).is_error()) << name;
        m_written[name] = {Written::Kind::Directory, permissions, ""};
    }
    void file(const std::string& name, const std::string& data, uint32_t permissions = 0644,
              uint32_t mtime = 0) {
        ASSERT_FALSE(
            m_writer.add_file(view_of(name), bytes_of(data), {.permissions = permissions, .mtime = mtime})
                .is_error())
            << name;
        m_written[name] = {Written::Kind::File, permissions, data, mtime};
    }
    void symlink(const std::string& name, const std::string& target) {
        ASSERT_FALSE(m_writer.add_symlink(view_of(name), view_of(target)).is_error()) << name;
        m_written[name] = {Written::Kind::Symlink, 0777, target};
    }

    // Runs cpio -i (-d: make directories, -m: keep mtimes) in out/ on the archive written so far.
    void extract() {
        ASSERT_FALSE(m_writer.finish().is_error());
        fs::path archive = m_work / "archive.cpio";
        std::ofstream(archive, std::ios::binary)
            .write(reinterpret_cast<const char*>(m_sink.bytes().data()),
                   static_cast<std::streamsize>(m_sink.bytes().size()));
        fs::path errors = m_work / "cpio.err";
        std::string command = "cd '" + (m_work / "out").string() +
                              "' && cpio -i -d -m --no-absolute-filenames < '" + archive.string() + "' 2> '" +
                              errors.string() + "'";
        ASSERT_EQ(std::system(command.c_str()), 0) << read_file(errors);
        // GNU cpio reports "N blocks" and nothing else on a clean archive: no warning about the format.
        EXPECT_EQ(read_file(errors).find("cpio:"), std::string::npos) << read_file(errors);
    }

    void check_tree() {
        fs::path root = m_work / "out";
        size_t seen = 0;
        for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
             ++it) {
            std::string name = it->path().lexically_relative(root).string(); // fs::relative follows symlinks
            SCOPED_TRACE(name);
            auto written = m_written.find(name);
            ASSERT_NE(written, m_written.end()) << "extracted but never written";
            ++seen;
            struct stat st {};
            ASSERT_EQ(lstat(it->path().c_str(), &st), 0);
            switch (written->second.kind) {
            case Written::Kind::Directory:
                EXPECT_TRUE(S_ISDIR(st.st_mode));
                EXPECT_EQ(st.st_mode & 07777, written->second.permissions);
                break;
            case Written::Kind::File:
                EXPECT_TRUE(S_ISREG(st.st_mode));
                EXPECT_EQ(st.st_mode & 07777, written->second.permissions);
                EXPECT_EQ(read_file(it->path()), written->second.content);
                EXPECT_EQ(st.st_mtime, static_cast<time_t>(written->second.mtime));
                EXPECT_EQ(st.st_nlink, 1u);
                break;
            case Written::Kind::Symlink:
                EXPECT_TRUE(S_ISLNK(st.st_mode));
                EXPECT_EQ(fs::read_symlink(it->path()).string(), written->second.content);
                break;
            }
        }
        EXPECT_EQ(seen, m_written.size());
    }

    fs::path m_work;
    cpio::VectorSink m_sink;
    cpio::Writer m_writer{m_sink};
    std::map<std::string, Written> m_written;
};

TEST_F(GnuCpioExtracts, TheTreeTheWriterDescribes) {
    directory("bin");
    file("bin/hello",
         "\x7f"
         "ELF not really",
         0755);
    symlink("bin/sh", "hello");
    symlink("bin/dangling", "../nowhere/at/all");
    directory("etc", 0750);
    file("etc/empty", "");
    file("etc/motd", "Welcome to blog_os\n", 0600, 1700000000);
    file("etc/name with spaces", "spaces");
    directory("etc/deep");
    directory("etc/deep/er");
    file("etc/deep/er/leaf", "leaf");
    std::mt19937 random(7);
    std::string noise(100 * 1024 + 3, '\0');
    for (char& byte : noise)
        byte = static_cast<char>(random());
    file("random.bin", noise);
    file("init", "#!/bin/sh\nexec /bin/sh\n", 0755);
    extract();
    check_tree();
}

TEST_F(GnuCpioExtracts, LongNamesAndEveryPadding) {
    // A 1,000-byte path of 100-byte components (NAME_MAX is 255), then names and sizes of every residue.
    std::string path;
    for (int level = 0; level < 9; ++level) {
        path += (path.empty() ? "" : "/") + std::string(99, static_cast<char>('a' + level));
        directory(path);
    }
    file(path + "/" + std::string(99, 'z'), "at the bottom");
    for (size_t length = 1; length <= 8; ++length)
        for (size_t size = 0; size <= 4; ++size)
            file("p" + std::string(length, 'n') + std::to_string(size), std::string(size, 'd'));
    extract();
    check_tree();
}

TEST_F(GnuCpioExtracts, AnEmptyArchive) {
    extract();
    check_tree();
}

} // namespace
