// Archives made at test time by the real GNU cpio (`cpio -o -H newc` and `-H crc`) from a tree the
// test creates, every field checked against lstat() of the source. Skipped when cpio is not
// installed (Debian package "cpio"); the checked-in fixtures cover the core checks regardless.
#include "cpio/archive.h"
#include "newc_builder.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using cpio_test::as_string;

bool have_cpio() {
    return std::system("command -v cpio >/dev/null 2>&1") == 0;
}

std::string read_file(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(stream), {});
}

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

class RealCpio : public testing::Test {
protected:
    void SetUp() override {
        if (!have_cpio())
            GTEST_SKIP() << "cpio is not installed (apt-get install cpio)";
        char pattern[] = "/tmp/blog_os_cpio_XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        m_work = pattern;
        m_tree = m_work / "tree";
        fs::create_directories(m_tree / "etc" / "deep" / "er");
        fs::create_directories(m_tree / "bin");
        write_file(m_tree / "init", "#!/bin/sh\nexec /bin/sh\n");
        fs::permissions(m_tree / "init", fs::perms(0755));
        write_file(m_tree / "etc" / "motd", "Welcome\n");
        write_file(m_tree / "etc" / "empty", "");
        write_file(m_tree / "etc" / "deep" / "er" / "leaf", "deep leaf");
        std::mt19937 random(2024);
        std::string noise(100 * 1024, '\0');
        for (char& byte : noise)
            byte = static_cast<char>(random());
        write_file(m_tree / "bin" / "random.bin", noise);
        fs::create_symlink("../init", m_tree / "bin" / "sh");
        fs::create_hard_link(m_tree / "etc" / "motd", m_tree / "etc" / "motd.hard");
        ASSERT_EQ(mkfifo((m_tree / "etc" / "fifo").c_str(), 0600), 0);
    }
    void TearDown() override {
        if (!m_work.empty())
            fs::remove_all(m_work);
    }

    std::vector<uint8_t> archive(const char* format) {
        fs::path out = m_work / (std::string(format) + ".cpio");
        std::string command = "cd '" + m_tree.string() + "' && find . | cpio -o -H " + format +
                              " --quiet > '" + out.string() + "'";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        std::string bytes = read_file(out);
        return std::vector<uint8_t>(bytes.begin(), bytes.end());
    }

    // Every entry against lstat() of its source, and every source file present in the archive.
    void check_against_stat(const cpio::Archive& archive) {
        size_t seen = 0;
        std::map<uint32_t, std::vector<cpio::Entry>> link_groups;
        for (const cpio::Entry& entry : archive) {
            std::string name = as_string(entry.name);
            SCOPED_TRACE(name);
            EXPECT_TRUE(entry.has_safe_name);
            struct stat st {};
            ASSERT_EQ(lstat((m_tree / name).c_str(), &st), 0);
            EXPECT_EQ(entry.mode, st.st_mode);
            EXPECT_EQ(entry.uid, st.st_uid);
            EXPECT_EQ(entry.gid, st.st_gid);
            EXPECT_EQ(entry.nlink, st.st_nlink);
            EXPECT_EQ(entry.mtime, static_cast<uint32_t>(st.st_mtime));
            EXPECT_EQ(entry.inode, static_cast<uint32_t>(st.st_ino));
            EXPECT_EQ(entry.devmajor, major(st.st_dev));
            EXPECT_EQ(entry.devminor, minor(st.st_dev));
            EXPECT_EQ(entry.rdevmajor, major(st.st_rdev));
            EXPECT_EQ(entry.rdevminor, minor(st.st_rdev));
            if (entry.is_symlink()) {
                EXPECT_EQ(as_string(entry.symlink_target()), fs::read_symlink(m_tree / name).string());
            } else if (entry.is_hard_link()) {
                link_groups[entry.inode].push_back(entry);
                EXPECT_EQ(as_string(archive.hard_link_content(entry).data), read_file(m_tree / name));
            } else if (entry.is_regular()) {
                EXPECT_EQ(as_string(entry.data), read_file(m_tree / name));
            } else {
                EXPECT_EQ(entry.size(), 0u);
            }
            ++seen;
        }
        size_t on_disk = 1; // the root itself
        for (auto it = fs::recursive_directory_iterator(m_tree); it != fs::recursive_directory_iterator();
             ++it)
            ++on_disk;
        EXPECT_EQ(seen, on_disk);
        EXPECT_EQ(archive.entry_count(), on_disk);
        // GNU cpio writes the data of a link group once, on its last member.
        ASSERT_EQ(link_groups.size(), 1u);
        const auto& group = link_groups.begin()->second;
        ASSERT_EQ(group.size(), 2u);
        EXPECT_EQ(group[0].size(), 0u);
        EXPECT_EQ(as_string(group[1].data), "Welcome\n");
    }

    fs::path m_work, m_tree;
};

TEST_F(RealCpio, NewcEveryFieldMatchesStat) {
    auto bytes = archive("newc");
    auto archive = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size()));
    ASSERT_FALSE(archive.is_error());
    check_against_stat(archive.value());
    EXPECT_TRUE(archive.value().find(".").release_value().is_root());
    EXPECT_EQ(archive.value().find("/bin/random.bin").release_value().size(), 100u * 1024);
    EXPECT_EQ(archive.value().find("etc/empty").release_value().size(), 0u);
    EXPECT_TRUE(archive.value().find("etc/fifo").release_value().is_fifo());
}

TEST_F(RealCpio, CrcEveryFieldMatchesStatAndAFlippedByteIsCaught) {
    auto bytes = archive("crc");
    ASSERT_GT(bytes.size(), 6u);
    EXPECT_EQ(bytes[5], '2');
    auto archive = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size()));
    ASSERT_FALSE(archive.is_error());
    check_against_stat(archive.value());

    auto random = archive.value().find("bin/random.bin").release_value();
    size_t middle = static_cast<size_t>(random.data.data() - bytes.data()) + random.size() / 2;
    bytes[middle] ^= 0x01;
    cpio::Problem problem;
    auto corrupt = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size()),
                                        cpio::default_max_entries, &problem);
    ASSERT_TRUE(corrupt.is_error());
    EXPECT_EQ(corrupt.error().code(), ktl::Errno::IoError);
    EXPECT_EQ(problem, cpio::Problem::ChecksumMismatch);
}

} // namespace
