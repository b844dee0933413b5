// Archives no honest writer makes, built by hand: each field malformed in turn, sizes that run past
// the end or would overflow, unsafe names, caps, duplicates. Named after the attack they pin.
#include "cpio/archive.h"
#include "newc_builder.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

using cpio_test::as_string;
using cpio_test::BuilderEntry;
using cpio_test::hex8;
using cpio_test::NewcBuilder;

cpio::Problem parse_problem(const NewcBuilder& builder, size_t max_entries = cpio::default_max_entries) {
    cpio::Problem problem = cpio::Problem::None;
    auto archive = cpio::Archive::parse(builder.reader(), max_entries, &problem);
    EXPECT_EQ(archive.is_error(), problem != cpio::Problem::None);
    return problem;
}

BuilderEntry regular(const std::string& name, const std::string& data) {
    BuilderEntry entry;
    entry.name = name;
    entry.data = data;
    return entry;
}

TEST(Hostile, MinimalArchivesParse) {
    EXPECT_EQ(parse_problem(NewcBuilder().trailer()), cpio::Problem::None);
    EXPECT_EQ(parse_problem(NewcBuilder().file("a", "hello").trailer()), cpio::Problem::None);
}

TEST(Hostile, EmptyInputIsAMissingTrailer) {
    EXPECT_EQ(parse_problem(NewcBuilder()), cpio::Problem::MissingTrailer);
}

TEST(Hostile, MissingTrailerIsAnError) {
    EXPECT_EQ(parse_problem(NewcBuilder().file("a", "x").file("b", "y")), cpio::Problem::MissingTrailer);
    // The Cursor still hands out the entries before the end.
    NewcBuilder builder;
    builder.file("a", "x");
    cpio::Cursor cursor(builder.reader());
    EXPECT_FALSE(cursor.next().is_error());
    EXPECT_EQ(cursor.next().error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(cursor.problem(), cpio::Problem::MissingTrailer);
}

TEST(Hostile, OtherCpioFormatsAreBadMagic) {
    for (const char* magic : {"070707", "070700", "070703", "171717",
                              "\xc7\x71"
                              "0000"}) {
        NewcBuilder builder;
        builder.add_raw(regular("a", "x"), cpio_test::header_fields(regular("a", "x")), magic).trailer();
        EXPECT_EQ(parse_problem(builder), cpio::Problem::BadMagic) << magic;
    }
}

TEST(Hostile, EveryFieldMustBeEightHexDigits) {
    const std::vector<std::string> bad_fields = {"0000000g",
                                                 "-0000001",
                                                 "+0000001",
                                                 " 0000001",
                                                 "0000001 ",
                                                 "0x000001",
                                                 std::string("\0"
                                                             "0000001",
                                                             8),
                                                 "0000000\xff"};
    for (size_t field = 0; field < 13; ++field) {
        for (const std::string& bad : bad_fields) {
            BuilderEntry entry = regular("a", "x");
            auto fields = cpio_test::header_fields(entry);
            ASSERT_EQ(bad.size(), 8u);
            fields[field] = bad;
            NewcBuilder builder;
            builder.add_raw(entry, fields).trailer();
            EXPECT_EQ(parse_problem(builder), cpio::Problem::BadHexField) << field << " '" << bad << "'";
        }
    }
}

TEST(Hostile, UpperCaseHexIsAccepted) {
    BuilderEntry entry = regular("a", "x");
    entry.mtime = 0xabcdef12;
    auto fields = cpio_test::header_fields(entry);
    fields[5] = "ABCDEF12";
    NewcBuilder builder;
    builder.add_raw(entry, fields).trailer();
    auto archive = cpio::Archive::parse(builder.reader()).release_value();
    EXPECT_EQ(archive.find("a").release_value().mtime, 0xabcdef12u);
}

TEST(Hostile, NameSizeZeroOrBeyondPathMax) {
    BuilderEntry entry = regular("a", "x");
    auto fields = cpio_test::header_fields(entry);
    fields[11] = hex8(0);
    EXPECT_EQ(parse_problem(NewcBuilder().add_raw(entry, fields).trailer()), cpio::Problem::BadNameSize);
    for (uint32_t size : {4097u, 0x10000u, 0xffffffffu}) {
        fields[11] = hex8(size);
        EXPECT_EQ(parse_problem(NewcBuilder().add_raw(entry, fields).trailer()), cpio::Problem::BadNameSize);
    }
    // 4095 characters and the NUL are fine.
    EXPECT_EQ(parse_problem(NewcBuilder().file(std::string(4095, 'n'), "").trailer()), cpio::Problem::None);
    EXPECT_EQ(parse_problem(NewcBuilder().file(std::string(4096, 'n'), "").trailer()),
              cpio::Problem::BadNameSize);
}

TEST(Hostile, NameMustEndInItsOnlyNul) {
    BuilderEntry entry = regular("abc", "x");
    auto fields = cpio_test::header_fields(entry);
    fields[11] = hex8(3); // "abc" without its NUL: the name ends in 'c'
    EXPECT_EQ(parse_problem(NewcBuilder().add_raw(entry, fields).trailer()), cpio::Problem::BadName);
    // A NUL inside would make "etc\0../x" look like "etc" to C code and something else here.
    EXPECT_EQ(parse_problem(NewcBuilder().add(regular(std::string("etc\0../x", 8), "x")).trailer()),
              cpio::Problem::BadName);
}

TEST(Hostile, FileSizeNearFourGigabytesDoesNotWrap) {
    for (uint32_t size : {0xffffffffu, 0xfffffffdu, 0x80000000u, 1000u}) {
        BuilderEntry entry = regular("a", "xyz");
        auto fields = cpio_test::header_fields(entry);
        fields[6] = hex8(size);
        EXPECT_EQ(parse_problem(NewcBuilder().add_raw(entry, fields).trailer()), cpio::Problem::Truncated)
            << size;
    }
}

TEST(Hostile, NonZeroPaddingIsRejected) {
    NewcBuilder after_name;
    after_name.file("ab", "x"); // 110 + 3 = 113: three bytes of padding after the name
    std::string bytes = after_name.bytes();
    bytes[114] = 'P';
    EXPECT_EQ(parse_problem(NewcBuilder().raw(bytes).trailer()), cpio::Problem::BadPadding);

    NewcBuilder after_data;
    after_data.file("abc", "x"); // name ends at 114, data at 116..117, padding to 120
    bytes = after_data.bytes();
    bytes[bytes.size() - 1] = 'P';
    EXPECT_EQ(parse_problem(NewcBuilder().raw(bytes).trailer()), cpio::Problem::BadPadding);
}

TEST(Hostile, PaddingMissingAtTheEndIsTruncation) {
    NewcBuilder builder;
    builder.file("abc", "x");
    std::string bytes = builder.bytes();
    bytes.pop_back(); // the padding after the data
    EXPECT_EQ(parse_problem(NewcBuilder().raw(bytes)), cpio::Problem::Truncated);
}

TEST(Hostile, UnknownFileTypesAreRejected) {
    for (uint32_t mode : {0000644u, 0030644u, 0050644u, 0070644u, 0110644u, 0150644u, 0170644u}) {
        BuilderEntry entry = regular("a", "");
        entry.mode = mode;
        EXPECT_EQ(parse_problem(NewcBuilder().add(entry).trailer()), cpio::Problem::BadFileType) << mode;
    }
}

TEST(Hostile, DataOnlyOnFilesAndSymlinks) {
    for (uint32_t mode : {040755u, 020644u, 060644u, 010644u, 0140644u}) {
        BuilderEntry entry = regular("a", "data");
        entry.mode = mode;
        EXPECT_EQ(parse_problem(NewcBuilder().add(entry).trailer()), cpio::Problem::UnexpectedData) << mode;
        entry.data.clear();
        EXPECT_EQ(parse_problem(NewcBuilder().add(entry).trailer()), cpio::Problem::None) << mode;
    }
}

TEST(Hostile, DeviceNumbersAndTypeHelpers) {
    BuilderEntry tty = regular("dev/ttyS0", "");
    tty.mode = 020620;
    tty.rdevmajor = 4;
    tty.rdevminor = 64;
    BuilderEntry disk = regular("dev/sda", "");
    disk.mode = 060660;
    disk.rdevmajor = 8;
    BuilderEntry socket = regular("run/socket", "");
    socket.mode = 0140755;
    NewcBuilder builder;
    builder.add(tty).add(disk).add(socket).trailer();
    auto archive = cpio::Archive::parse(builder.reader()).release_value();
    auto entry = archive.find("/dev/ttyS0").release_value();
    EXPECT_TRUE(entry.is_char_device());
    EXPECT_EQ(entry.type(), cpio::FileType::CharDevice);
    EXPECT_EQ(entry.rdevmajor, 4u);
    EXPECT_EQ(entry.rdevminor, 64u);
    EXPECT_EQ(entry.permissions(), 0620u);
    EXPECT_TRUE(archive.find("dev/sda").release_value().is_block_device());
    EXPECT_TRUE(archive.find("run/socket").release_value().is_socket());
}

TEST(Hostile, SymlinkTargetMustBeAPath) {
    EXPECT_EQ(parse_problem(NewcBuilder().file("l", "", 0120777).trailer()), cpio::Problem::BadSymlinkTarget);
    EXPECT_EQ(parse_problem(NewcBuilder().file("l", std::string("a\0b", 3), 0120777).trailer()),
              cpio::Problem::BadSymlinkTarget);
    EXPECT_EQ(parse_problem(NewcBuilder().file("l", std::string(4096, 'a'), 0120777).trailer()),
              cpio::Problem::BadSymlinkTarget);
    EXPECT_EQ(parse_problem(NewcBuilder().file("l", std::string(4095, 'a'), 0120777).trailer()),
              cpio::Problem::None);
}

TEST(Hostile, PathTraversalNamesRejectTheArchiveButTheCursorFlagsThem) {
    for (const char* name : {"..", "../etc/passwd", "a/../../b", "a/..", "/..", "./../x", "a//b", "a/./b",
                             "a/", "a/b/.", "bin//"}) {
        NewcBuilder builder;
        builder.file("ok", "x").file(name, "evil").trailer();
        cpio::Problem problem;
        auto archive = cpio::Archive::parse(builder.reader(), cpio::default_max_entries, &problem);
        ASSERT_TRUE(archive.is_error()) << name;
        EXPECT_EQ(archive.error().code(), ktl::Errno::InvalidArgument);
        EXPECT_EQ(problem, cpio::Problem::UnsafeName) << name;

        cpio::Cursor cursor(builder.reader());
        EXPECT_TRUE(cursor.next().release_value().has_safe_name);
        auto evil = cursor.next().release_value();
        EXPECT_FALSE(evil.has_safe_name) << name;
        EXPECT_EQ(as_string(evil.raw_name), name);
        EXPECT_EQ(cursor.next().error().code(), ktl::Errno::NoEntry);
    }
}

TEST(Hostile, NamesThatLookOddButAreSafe) {
    for (const char* name : {"...", "..a", "a..", ".hidden", "a/.b/..c", "TRAILER!!", "TRAILER!!!x"}) {
        EXPECT_TRUE(cpio::is_safe_name(name)) << name;
        EXPECT_EQ(parse_problem(NewcBuilder().file(name, "x").trailer()), cpio::Problem::None) << name;
    }
}

TEST(Hostile, NormalisationOfLeadingDotSlashAndRoot) {
    EXPECT_EQ(as_string(cpio::normalise_name("./bin/sh")), "bin/sh");
    EXPECT_EQ(as_string(cpio::normalise_name("/bin/sh")), "bin/sh");
    EXPECT_EQ(as_string(cpio::normalise_name(".//./bin")), "bin");
    EXPECT_EQ(as_string(cpio::normalise_name(".")), "");
    EXPECT_EQ(as_string(cpio::normalise_name("./")), "");
    EXPECT_EQ(as_string(cpio::normalise_name("/")), "");
    EXPECT_EQ(as_string(cpio::normalise_name("..")), "..");
    EXPECT_EQ(as_string(cpio::normalise_name(".a")), ".a");

    NewcBuilder builder;
    builder.directory(".").directory("./bin").file("./bin/sh", "elf").file("/init", "init").trailer();
    auto archive = cpio::Archive::parse(builder.reader()).release_value();
    for (const char* path : {"/init", "init", "./init", "//init"})
        EXPECT_EQ(as_string(archive.find(path).release_value().data), "init") << path;
    for (const char* path : {"bin/sh", "/bin/sh", "./bin/sh"})
        EXPECT_EQ(as_string(archive.find(path).release_value().data), "elf") << path;
    for (const char* path : {"", "/", ".", "./"})
        EXPECT_TRUE(archive.find(path).release_value().is_root()) << path;
    EXPECT_TRUE(archive.find("bin/").release_value().is_directory());
    EXPECT_TRUE(archive.find("bin/sh/").release_value().is_regular()); // the trailing "/" is dropped
    EXPECT_TRUE(archive.find("Init").is_error());
}

TEST(Hostile, DuplicateNamesLastOneWins) {
    NewcBuilder builder;
    builder.file("etc/motd", "first")
        .file("./etc/motd", "second")
        .file("/etc/motd", "third")
        .file("x", "y")
        .trailer();
    auto archive = cpio::Archive::parse(builder.reader()).release_value();
    EXPECT_EQ(archive.entry_count(), 4u);
    EXPECT_EQ(as_string(archive.find("etc/motd").release_value().data), "third");
}

TEST(Hostile, EntryCountIsCapped) {
    NewcBuilder builder;
    for (int i = 0; i < 10; ++i)
        builder.file("f" + std::to_string(i), "");
    builder.trailer();
    EXPECT_EQ(parse_problem(builder, 10), cpio::Problem::None);
    EXPECT_EQ(parse_problem(builder, 9), cpio::Problem::TooManyEntries);
    EXPECT_EQ(parse_problem(builder, 0), cpio::Problem::TooManyEntries);
    // The cap given to parse() also bounds iteration.
    auto archive = cpio::Archive::parse(builder.reader(), 10).release_value();
    size_t count = 0;
    for (const cpio::Entry& entry : archive) {
        (void)entry;
        ++count;
    }
    EXPECT_EQ(count, 10u);
}

TEST(Hostile, BytesAfterTheTrailerAreIgnored) {
    NewcBuilder builder;
    builder.file("a", "x").trailer().raw(std::string(512, '\0')).raw("garbage that is not cpio");
    auto archive = cpio::Archive::parse(builder.reader()).release_value();
    EXPECT_EQ(archive.entry_count(), 1u);
    // A trailer with its padding cut off still ends the archive.
    std::string exact = NewcBuilder().file("a", "x").bytes() + "070701" + std::string(11 * 8, '0') +
                        "0000000b" + "00000000" + "TRAILER!!!" + std::string(1, '\0');
    EXPECT_EQ(parse_problem(NewcBuilder().raw(exact)), cpio::Problem::None);
}

TEST(Hostile, ChecksumIsVerifiedForRegularFilesOnly) {
    BuilderEntry file = regular("f", "hello");
    file.crc = true;
    EXPECT_EQ(parse_problem(NewcBuilder().add(file).trailer()), cpio::Problem::None);
    auto fields = cpio_test::header_fields(file);
    fields[12] = hex8(cpio_test::byte_sum("hello") + 1);
    EXPECT_EQ(parse_problem(NewcBuilder().add_raw(file, fields).trailer()), cpio::Problem::ChecksumMismatch);
    // The sum is of unsigned bytes and wraps modulo 2^32: 16843010 bytes of 0xff sum to 2^32 + 254.
    BuilderEntry big = regular("big", std::string(16843010, '\xff'));
    big.crc = true;
    ASSERT_EQ(cpio_test::byte_sum(big.data), 254u);
    EXPECT_EQ(parse_problem(NewcBuilder().add(big).trailer()), cpio::Problem::None);
    // A symlink's check field is ignored, as GNU cpio writes 0 there.
    BuilderEntry link = regular("l", "target");
    link.mode = 0120777;
    link.crc = true;
    fields = cpio_test::header_fields(link);
    fields[12] = hex8(12345);
    EXPECT_EQ(parse_problem(NewcBuilder().add_raw(link, fields).trailer()), cpio::Problem::None);
    // The 070701 check field is not a checksum and is ignored.
    BuilderEntry plain = regular("p", "hello");
    fields = cpio_test::header_fields(plain);
    fields[12] = hex8(7);
    EXPECT_EQ(parse_problem(NewcBuilder().add_raw(plain, fields).trailer()), cpio::Problem::None);
}

TEST(Hostile, HardLinkGroupsNeedTheSameInodeAndDevice) {
    BuilderEntry a = regular("a", ""), b = regular("b", "shared"), c = regular("c", "other device");
    a.inode = b.inode = c.inode = 7;
    a.nlink = b.nlink = c.nlink = 2;
    c.devminor = 1;
    NewcBuilder builder;
    builder.add(a).add(b).add(c).trailer();
    auto archive = cpio::Archive::parse(builder.reader()).release_value();
    EXPECT_EQ(as_string(archive.hard_link_content(archive.find("a").release_value()).data), "shared");
    EXPECT_EQ(as_string(archive.hard_link_content(archive.find("c").release_value()).data), "other device");
}

TEST(Hostile, ProblemNamesAreDistinct) {
    EXPECT_STREQ(cpio::problem_name(cpio::Problem::ChecksumMismatch), "checksum mismatch");
    EXPECT_STREQ(cpio::problem_name(cpio::Problem::UnsafeName), "unsafe name");
    EXPECT_STREQ(cpio::problem_name(static_cast<cpio::Problem>(200)), "?");
}

TEST(Hostile, CursorStaysStuckOnAnError) {
    NewcBuilder builder;
    builder.file("a", "x").raw("070701nothex").trailer();
    cpio::Cursor cursor(builder.reader());
    size_t bad_offset = builder.bytes().find("070701nothex");
    EXPECT_FALSE(cursor.next().is_error());
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(cursor.next().error().code(), ktl::Errno::InvalidArgument);
        EXPECT_EQ(cursor.problem(), cpio::Problem::BadHexField);
        EXPECT_EQ(cursor.offset(), bad_offset);
    }
    EXPECT_EQ(cursor.entries_read(), 1u);
}

} // namespace
