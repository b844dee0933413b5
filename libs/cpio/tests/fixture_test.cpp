// The checked-in archives made by GNU cpio (data/make_fixtures.sh): every field of every entry, both
// magics, lookups, hard links. These never skip, whether or not the cpio tool is installed.
#include "cpio/archive.h"
#include "newc_builder.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <vector>

namespace {

using cpio_test::as_string;

std::vector<uint8_t> read_fixture(const char* name) {
    std::ifstream stream(std::string(BLOG_OS_CPIO_TEST_DATA) + "/" + name, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(stream), {});
}

struct Expected {
    const char* name;
    uint32_t mode;
    uint32_t nlink;
    size_t size;
};

// In archive order; inodes are renumbered from 0 by --reproducible.
const Expected expected_entries[] = {
    {"", 040755, 4, 0},
    {"bin", 040755, 2, 0},
    {"bin/sh", 0120777, 1, 5},
    {"etc", 040755, 3, 0},
    {"etc/deep", 041777, 3, 0},
    {"etc/deep/er", 040755, 2, 0},
    {"etc/deep/er/one", 0100644, 1, 1},
    {"etc/empty", 0100644, 1, 0},
    {"etc/fifo", 010644, 1, 0},
    {"etc/motd", 0100640, 2, 0}, // a hard link: the data is on the last name
    {"etc/motd.link", 0100640, 2, 19},
    {"etc/pattern.bin", 0100644, 1, 1000},
    {"init", 0100755, 1, 21},
};

class Fixture : public testing::TestWithParam<const char*> {};

TEST_P(Fixture, EveryFieldOfEveryEntry) {
    auto bytes = read_fixture(GetParam());
    ASSERT_EQ(bytes.size(), 3072u); // GNU cpio pads to 512-byte blocks
    auto archive = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size()));
    ASSERT_FALSE(archive.is_error());
    ASSERT_EQ(archive.value().entry_count(), std::size(expected_entries));
    size_t index = 0;
    for (const cpio::Entry& entry : archive.value()) {
        const Expected& expected = expected_entries[index];
        SCOPED_TRACE(expected.name);
        EXPECT_EQ(as_string(entry.name), expected.name);
        EXPECT_EQ(as_string(entry.raw_name), index == 0 ? "." : expected.name);
        EXPECT_TRUE(entry.has_safe_name);
        EXPECT_EQ(entry.mode, expected.mode);
        EXPECT_EQ(entry.permissions(), expected.mode & 07777);
        EXPECT_EQ(entry.nlink, expected.nlink);
        EXPECT_EQ(entry.size(), expected.size);
        EXPECT_EQ(entry.inode, index == 10 ? 9u : (index > 10 ? index - 1 : index));
        EXPECT_EQ(entry.uid, 0u);
        EXPECT_EQ(entry.gid, 0u);
        EXPECT_EQ(entry.mtime, 1700000000u);
        EXPECT_EQ(entry.devmajor | entry.devminor | entry.rdevmajor | entry.rdevminor, 0u);
        ++index;
    }
    EXPECT_EQ(index, std::size(expected_entries));
}

TEST_P(Fixture, TypesContentsAndSymlinkTarget) {
    auto bytes = read_fixture(GetParam());
    auto archive = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size())).release_value();
    auto root = archive.find("/").release_value();
    EXPECT_TRUE(root.is_root());
    EXPECT_TRUE(root.is_directory());

    auto sh = archive.find("/bin/sh").release_value();
    EXPECT_TRUE(sh.is_symlink());
    EXPECT_EQ(as_string(sh.symlink_target()), "/init");

    auto init = archive.find("init").release_value();
    EXPECT_TRUE(init.is_regular());
    EXPECT_EQ(as_string(init.data), "#!/bin/sh\necho hello\n");
    EXPECT_EQ(as_string(init.symlink_target()), ""); // not a symlink

    auto pattern = archive.find("./etc/pattern.bin").release_value();
    ASSERT_EQ(pattern.size(), 1000u);
    for (size_t i = 0; i < 1000; ++i)
        ASSERT_EQ(pattern.data.data()[i], (i * 7 + 3) % 251) << i;
    // Data is a view into the archive, not a copy.
    EXPECT_GE(pattern.data.data(), bytes.data());
    EXPECT_LE(pattern.data.data() + pattern.size(), bytes.data() + bytes.size());

    EXPECT_TRUE(archive.find("etc/fifo").release_value().is_fifo());
    EXPECT_TRUE(archive.find("etc/empty").release_value().is_regular());
    EXPECT_EQ(archive.find("etc/empty").release_value().size(), 0u);
    EXPECT_TRUE(archive.find("etc/deep/").release_value().is_directory());
    EXPECT_EQ(archive.find("etc/nothing").error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(archive.find("TRAILER!!!").error().code(), ktl::Errno::NoEntry);
}

TEST_P(Fixture, HardLinkGroupSharesTheDataOfItsLastMember) {
    auto bytes = read_fixture(GetParam());
    auto archive = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size())).release_value();
    auto first = archive.find("etc/motd").release_value();
    auto last = archive.find("etc/motd.link").release_value();
    EXPECT_TRUE(first.is_hard_link());
    EXPECT_EQ(first.inode, last.inode);
    EXPECT_EQ(first.size(), 0u);
    EXPECT_EQ(as_string(archive.hard_link_content(first).data), "Welcome to blog_os\n");
    EXPECT_EQ(as_string(archive.hard_link_content(last).data), "Welcome to blog_os\n");
    auto init = archive.find("init").release_value();
    EXPECT_EQ(archive.hard_link_content(init).offset, init.offset); // not a link: itself
}

INSTANTIATE_TEST_SUITE_P(BothMagics, Fixture, testing::Values("fixture_newc.cpio", "fixture_crc.cpio"));

TEST(Fixture, MagicsAreTheOnesAskedFor) {
    EXPECT_EQ(read_fixture("fixture_newc.cpio")[5], '1');
    EXPECT_EQ(read_fixture("fixture_crc.cpio")[5], '2');
}

TEST(Fixture, CorruptedChecksumIsAnIoError) {
    auto bytes = read_fixture("fixture_crc.cpio");
    auto archive = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size())).release_value();
    auto init = archive.find("init").release_value();
    bytes[init.data.data() - bytes.data()] ^= 0x20; // "#!" -> "\x03!": same length, other sum
    cpio::Problem problem;
    auto corrupt = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size()),
                                        cpio::default_max_entries, &problem);
    ASSERT_TRUE(corrupt.is_error());
    EXPECT_EQ(corrupt.error().code(), ktl::Errno::IoError);
    EXPECT_EQ(problem, cpio::Problem::ChecksumMismatch);

    // The same flip in the 070701 archive goes unnoticed: it has no checksum.
    auto plain = read_fixture("fixture_newc.cpio");
    plain[init.data.data() - bytes.data()] ^= 0x20;
    EXPECT_FALSE(cpio::Archive::parse(ktl::ByteReader(plain.data(), plain.size())).is_error());
}

TEST(Fixture, CursorWalksTheSameEntriesAndStopsAtTheTrailer) {
    auto bytes = read_fixture("fixture_newc.cpio");
    cpio::Cursor cursor(ktl::ByteReader(bytes.data(), bytes.size()));
    size_t count = 0;
    for (;;) {
        auto entry = cursor.next();
        if (entry.is_error()) {
            EXPECT_EQ(entry.error().code(), ktl::Errno::NoEntry);
            break;
        }
        EXPECT_EQ(as_string(entry.value().name), expected_entries[count].name);
        ++count;
    }
    EXPECT_EQ(count, std::size(expected_entries));
    EXPECT_TRUE(cursor.reached_trailer());
    EXPECT_EQ(cursor.problem(), cpio::Problem::None);
    EXPECT_EQ(cursor.next().error().code(), ktl::Errno::NoEntry); // and stays there
}

TEST(Fixture, ForEachVisitsEveryEntry) {
    auto bytes = read_fixture("fixture_newc.cpio");
    auto archive = cpio::Archive::parse(ktl::ByteReader(bytes.data(), bytes.size())).release_value();
    size_t regular_bytes = 0, count = 0;
    archive.for_each([&](const cpio::Entry& entry) {
        ++count;
        if (entry.is_regular())
            regular_bytes += entry.size();
    });
    EXPECT_EQ(count, archive.entry_count());
    EXPECT_EQ(regular_bytes, 1u + 19 + 1000 + 21);
}

} // namespace
