// mkinitrd: a temporary tree packed and parsed back with cpio::Archive; the same bytes whatever the
// host's mtimes, umask and creation order; special files refused by name; the output file rewritten
// only when its content changes; the command line.
#include "cpio/archive.h"
#include "pack_directory.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string as_string(ktl::StringView view) {
    return std::string(view.data(), view.length());
}
std::string as_string(ktl::ByteReader bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_file(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(stream), {});
}

class PackDirectory : public testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/blog_os_mkinitrd_XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        m_work = pattern;
        m_tree = m_work / "tree";
        fs::create_directory(m_tree);
    }
    void TearDown() override { fs::remove_all(m_work); }

    // Made out of order on purpose: the archive must be sorted regardless.
    void make_sample_tree() {
        write_file(m_tree / "init", "#!/bin/sh\n");
        fs::permissions(m_tree / "init", fs::perms(0700));
        fs::create_directories(m_tree / "etc");
        write_file(m_tree / "etc" / "motd", "hello\n");
        fs::permissions(m_tree / "etc" / "motd", fs::perms(0600));
        write_file(m_tree / "etc" / "empty", "");
        fs::create_directories(m_tree / "bin");
        write_file(m_tree / "bin" / "hello", std::string("\x7f"
                                                         "ELF\0\1\2",
                                                         7));
        fs::permissions(m_tree / "bin" / "hello", fs::perms(0751));
        fs::create_symlink("hello", m_tree / "bin" / "sh");
        fs::create_directory_symlink("../etc", m_tree / "bin" / "etc-link");
        fs::create_directories(m_tree / "bin" / "a-b");
        fs::create_hard_link(m_tree / "etc" / "motd", m_tree / "etc" / "motd.hard");
    }

    cpio::Archive parse(const mkinitrd::PackResult& packed) {
        EXPECT_EQ(packed.error, "");
        cpio::Problem problem = cpio::Problem::None;
        auto archive = cpio::Archive::parse(ktl::ByteReader(packed.archive.data(), packed.archive.size()),
                                            cpio::default_max_entries, &problem);
        EXPECT_FALSE(archive.is_error()) << cpio::problem_name(problem);
        return archive.release_value();
    }

    fs::path m_work, m_tree;
};

TEST_F(PackDirectory, EveryEntryComesBackSortedWithNormalisedModes) {
    make_sample_tree();
    auto packed = mkinitrd::pack_directory(m_tree.string());
    auto archive = parse(packed);

    struct Expected {
        const char* name;
        uint32_t mode;
        std::string data;
    };
    // Byte order within each directory, a directory before its contents ("a-b" < "etc-link" < "hello").
    const Expected expected[] = {
        {"bin", 040755, ""},
        {"bin/a-b", 040755, ""},
        {"bin/etc-link", 0120777, "../etc"}, // not followed
        {"bin/hello", 0100755,
         std::string("\x7f"
                     "ELF\0\1\2",
                     7)},
        {"bin/sh", 0120777, "hello"},
        {"etc", 040755, ""},
        {"etc/empty", 0100644, ""},
        {"etc/motd", 0100644, "hello\n"},      // 0600 on the host: only the x bits are kept
        {"etc/motd.hard", 0100644, "hello\n"}, // a copy, not a link group
        {"init", 0100744, "#!/bin/sh\n"},      // 0700: user x bit only
    };
    ASSERT_EQ(archive.entry_count(), std::size(expected));
    EXPECT_EQ(packed.entries, std::size(expected));
    size_t index = 0;
    for (const cpio::Entry& entry : archive) {
        const Expected& want = expected[index];
        SCOPED_TRACE(want.name);
        EXPECT_EQ(as_string(entry.raw_name), want.name);
        EXPECT_EQ(entry.mode, want.mode);
        EXPECT_EQ(as_string(entry.data), want.data);
        EXPECT_EQ(entry.nlink, entry.is_directory() ? 2u : 1u);
        EXPECT_EQ(entry.inode, index + 1);
        EXPECT_EQ(entry.mtime, 0u);
        EXPECT_EQ(entry.uid, 0u);
        EXPECT_EQ(entry.gid, 0u);
        ++index;
    }
}

TEST_F(PackDirectory, SameTreeSameBytesWhateverTheMtimesAndCreationOrder) {
    make_sample_tree();
    auto first = mkinitrd::pack_directory(m_tree.string());
    ASSERT_EQ(first.error, "");

    // The same tree made again elsewhere, in another order, with other mtimes and read/write bits.
    fs::path other = m_work / "other";
    fs::create_directories(other / "bin" / "a-b");
    fs::create_symlink("hello", other / "bin" / "sh");
    write_file(other / "bin" / "hello", std::string("\x7f"
                                                    "ELF\0\1\2",
                                                    7));
    fs::permissions(other / "bin" / "hello", fs::perms(0715));
    fs::create_directory_symlink("../etc", other / "bin" / "etc-link");
    fs::create_directories(other / "etc");
    write_file(other / "etc" / "motd.hard", "hello\n");
    write_file(other / "etc" / "motd", "hello\n");
    write_file(other / "etc" / "empty", "");
    write_file(other / "init", "#!/bin/sh\n");
    fs::permissions(other / "init", fs::perms(0744));
    fs::permissions(other / "etc", fs::perms(0700));
    fs::last_write_time(other / "init", fs::file_time_type::clock::now() - std::chrono::hours(1000));

    // A trailing slash on the root changes nothing either.
    auto second = mkinitrd::pack_directory(other.string() + "/");
    ASSERT_EQ(second.error, "");
    EXPECT_EQ(first.archive, second.archive);
}

TEST_F(PackDirectory, AnEmptyDirectoryGivesJustTheTrailer) {
    auto packed = mkinitrd::pack_directory(m_tree.string());
    EXPECT_EQ(parse(packed).entry_count(), 0u);
    EXPECT_EQ(packed.archive.size(), 124u);
}

TEST_F(PackDirectory, AFifoIsRefusedByName) {
    fs::create_directories(m_tree / "dev");
    ASSERT_EQ(mkfifo((m_tree / "dev" / "pipe").c_str(), 0600), 0);
    auto packed = mkinitrd::pack_directory(m_tree.string());
    EXPECT_EQ(packed.error, (m_tree / "dev" / "pipe").string() +
                                ": is a fifo; an initrd holds only regular files, directories and symlinks");
    EXPECT_TRUE(packed.archive.empty());
}

TEST_F(PackDirectory, ASocketIsRefusedByName) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = (m_tree / "sock").string();
    ASSERT_LT(path.size(), sizeof address.sun_path);
    std::copy(path.begin(), path.end(), address.sun_path);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    auto packed = mkinitrd::pack_directory(m_tree.string());
    ::close(fd);
    EXPECT_EQ(packed.error,
              path + ": is a socket; an initrd holds only regular files, directories and symlinks");
}

TEST_F(PackDirectory, AMissingRootOrAFileAsRootIsAnError) {
    auto missing = mkinitrd::pack_directory((m_work / "nothing").string());
    EXPECT_EQ(missing.error, (m_work / "nothing").string() + ": No such file or directory");
    write_file(m_work / "file", "x");
    auto file = mkinitrd::pack_directory((m_work / "file").string());
    EXPECT_EQ(file.error, (m_work / "file").string() + ": not a directory");
}

TEST_F(PackDirectory, ANameTheArchiveCannotHoldIsRefusedByName) {
    write_file(m_tree / "TRAILER!!!", "would end the archive early");
    auto packed = mkinitrd::pack_directory(m_tree.string());
    EXPECT_EQ(packed.error, (m_tree / "TRAILER!!!").string() + ": not a valid entry name (EINVAL)");
}

TEST_F(PackDirectory, WriteIfChangedKeepsAnIdenticalFileUntouched) {
    fs::path output = m_work / "initrd.cpio";
    std::string error;
    std::vector<uint8_t> bytes = {'a', 'b', 'c'};
    EXPECT_EQ(mkinitrd::write_if_changed(output.string(), bytes, error), mkinitrd::WriteOutcome::Written);
    EXPECT_EQ(read_file(output), "abc");
    auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(1);
    fs::last_write_time(output, old_time);

    EXPECT_EQ(mkinitrd::write_if_changed(output.string(), bytes, error), mkinitrd::WriteOutcome::Unchanged);
    EXPECT_EQ(fs::last_write_time(output), old_time);

    bytes.push_back('d');
    EXPECT_EQ(mkinitrd::write_if_changed(output.string(), bytes, error), mkinitrd::WriteOutcome::Written);
    EXPECT_EQ(read_file(output), "abcd");
    EXPECT_NE(fs::last_write_time(output), old_time);
    // Same size, other content: still rewritten.
    bytes[0] = 'X';
    EXPECT_EQ(mkinitrd::write_if_changed(output.string(), bytes, error), mkinitrd::WriteOutcome::Written);
    EXPECT_EQ(read_file(output), "Xbcd");
    // Nothing left behind beside it.
    EXPECT_EQ(std::distance(fs::directory_iterator(m_work), fs::directory_iterator()),
              2); // tree, initrd.cpio

    EXPECT_EQ(mkinitrd::write_if_changed((m_work / "no" / "dir").string(), bytes, error),
              mkinitrd::WriteOutcome::Failed);
    EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

TEST_F(PackDirectory, CommandLineWritesOnceThenStaysQuiet) {
    make_sample_tree();
    std::string output = (m_work / "out.cpio").string();
    std::string out, err;
    EXPECT_EQ(mkinitrd::run_mkinitrd({"--output=" + output, m_tree.string()}, out, err), 0);
    EXPECT_EQ(err, "");
    auto packed = mkinitrd::pack_directory(m_tree.string());
    EXPECT_EQ(out, "mkinitrd: wrote " + output + " (10 entries, " + std::to_string(packed.archive.size()) +
                       " bytes)\n");
    EXPECT_EQ(read_file(output), std::string(packed.archive.begin(), packed.archive.end()));

    out.clear();
    EXPECT_EQ(mkinitrd::run_mkinitrd({"--output", output, m_tree.string()}, out, err), 0);
    EXPECT_EQ(out, ""); // unchanged
}

TEST_F(PackDirectory, CommandLineErrors) {
    ASSERT_EQ(mkfifo((m_tree / "fifo").c_str(), 0600), 0);
    std::string out, err;
    EXPECT_EQ(mkinitrd::run_mkinitrd({"--output=" + (m_work / "x").string(), m_tree.string()}, out, err), 1);
    EXPECT_EQ(err, "mkinitrd: " + (m_tree / "fifo").string() +
                       ": is a fifo; an initrd holds only regular files, directories and symlinks\n");
    EXPECT_FALSE(fs::exists(m_work / "x"));

    auto usage = [](std::vector<std::string> args) {
        std::string out, err;
        int status = mkinitrd::run_mkinitrd(args, out, err);
        EXPECT_EQ(status, 64) << err;
        return err.substr(0, err.find('\n'));
    };
    EXPECT_EQ(usage({"dir"}), "mkinitrd: --output=FILE is required");
    EXPECT_EQ(usage({"--output=x"}), "mkinitrd: DIR is required");
    EXPECT_EQ(usage({"--output"}), "mkinitrd: --output needs a value");
    EXPECT_EQ(usage({"--output=x", "a", "b"}), "mkinitrd: one DIR only, not 'a' and 'b'");
    EXPECT_EQ(usage({"--verbose"}), "mkinitrd: unknown option '--verbose'");

    out.clear();
    EXPECT_EQ(mkinitrd::run_mkinitrd({"--help"}, out, err), 0);
    EXPECT_EQ(out.rfind("usage: mkinitrd --output=FILE DIR\n", 0), 0u);
}

} // namespace
