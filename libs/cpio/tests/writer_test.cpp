// cpio::Writer: what it writes comes back through Archive::parse field by field, byte-identically on a
// second run, with every entry 4-aligned; names and targets the reader would refuse are refused here.
#include "cpio/archive.h"
#include "cpio/vector_sink.h"
#include "cpio/writer.h"
#include "newc_builder.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

using cpio_test::as_string;

ktl::ByteReader bytes_of(const std::string& text) {
    return ktl::ByteReader(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

ktl::StringView view_of(const std::string& text) {
    return ktl::StringView(text.data(), text.size());
}

cpio::Archive parse(const cpio::VectorSink& sink) {
    cpio::Problem problem = cpio::Problem::None;
    auto archive = cpio::Archive::parse(sink.reader(), cpio::default_max_entries, &problem);
    EXPECT_FALSE(archive.is_error()) << cpio::problem_name(problem);
    return archive.release_value();
}

// The size newc gives an entry: header and name padded to 4, then the data padded to 4.
size_t entry_size(size_t name_length, size_t data_size) {
    auto align4 = [](size_t n) { return (n + 3) & ~size_t{3}; };
    return align4(110 + name_length + 1) + align4(data_size);
}
constexpr size_t trailer_size = 124; // 110 + "TRAILER!!!" + NUL = 121, padded

void write_sample(cpio::Writer& writer) {
    ASSERT_FALSE(writer.add_directory("bin").is_error());
    ASSERT_FALSE(writer
                     .add_file("bin/hello",
                               bytes_of("\x7f"
                                        "ELF pretend"),
                               {.permissions = 0755})
                     .is_error());
    ASSERT_FALSE(writer.add_symlink("bin/sh", "hello").is_error());
    ASSERT_FALSE(writer.add_directory("etc", {.permissions = 0700}).is_error());
    ASSERT_FALSE(writer.add_file("etc/empty", {}).is_error());
    ASSERT_FALSE(writer.add_file("init", bytes_of("#!/bin/sh\n"), {.permissions = 04755}).is_error());
    ASSERT_FALSE(writer.finish().is_error());
}

TEST(CpioWriter, EveryEntryComesBackThroughTheReader) {
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    write_sample(writer);
    EXPECT_EQ(writer.entries_written(), 6u);
    EXPECT_EQ(writer.bytes_written(), sink.bytes().size());

    struct Expected {
        const char* name;
        uint32_t mode;
        uint32_t nlink;
        std::string data;
    };
    const Expected expected[] = {
        {"bin", 040755, 2, ""},
        {"bin/hello", 0100755, 1,
         "\x7f"
         "ELF pretend"},
        {"bin/sh", 0120777, 1, "hello"},
        {"etc", 040700, 2, ""},
        {"etc/empty", 0100644, 1, ""},
        {"init", 0104755, 1, "#!/bin/sh\n"},
    };
    auto archive = parse(sink);
    ASSERT_EQ(archive.entry_count(), std::size(expected));
    size_t index = 0;
    for (const cpio::Entry& entry : archive) {
        const Expected& want = expected[index];
        SCOPED_TRACE(want.name);
        EXPECT_EQ(as_string(entry.name), want.name);
        EXPECT_EQ(as_string(entry.raw_name), want.name); // no leading "/" or "./"
        EXPECT_EQ(entry.mode, want.mode);
        EXPECT_EQ(entry.nlink, want.nlink);
        EXPECT_EQ(as_string(entry.data), want.data);
        EXPECT_EQ(entry.inode, index + 1); // in order, from 1
        EXPECT_EQ(entry.mtime, 0u);
        EXPECT_EQ(entry.uid, 0u);
        EXPECT_EQ(entry.gid, 0u);
        EXPECT_EQ(entry.devmajor, 0u);
        EXPECT_EQ(entry.rdevmajor, 0u);
        EXPECT_EQ(entry.check, 0u);
        EXPECT_EQ(entry.offset % 4, 0u);
        ++index;
    }
    EXPECT_TRUE(archive.find("bin/sh").release_value().is_symlink());
    EXPECT_EQ(as_string(archive.find("/bin/sh").release_value().symlink_target()), "hello");
    EXPECT_FALSE(archive.find("bin/hello").release_value().is_hard_link());
}

TEST(CpioWriter, OutputIsByteIdenticalAcrossRuns) {
    cpio::VectorSink first, second;
    cpio::Writer first_writer(first), second_writer(second);
    write_sample(first_writer);
    write_sample(second_writer);
    EXPECT_EQ(first.bytes(), second.bytes());
}

TEST(CpioWriter, HeaderIsTheOneGnuCpioWouldWrite) {
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    ASSERT_FALSE(
        writer
            .add_file("a", bytes_of("xyz"),
                      {.permissions = 0644, .mtime = 0x6553f100, .inode = 0x2a, .uid = 1000, .gid = 100})
            .is_error());
    ASSERT_FALSE(writer.finish().is_error());
    std::string bytes(sink.bytes().begin(), sink.bytes().end());
    // Upper-case hex, as GNU cpio 2.13 writes it; "a\0" ends at 112, already aligned.
    std::string expected = "070701"
                           "0000002A"
                           "000081A4"
                           "000003E8"
                           "00000064"
                           "00000001"
                           "6553F100"
                           "00000003"
                           "00000000"
                           "00000000"
                           "00000000"
                           "00000000"
                           "00000002"
                           "00000000";
    expected += std::string("a\0", 2);
    expected += std::string("xyz\0", 4);
    expected += "070701"
                "00000000"
                "00000000"
                "00000000"
                "00000000"
                "00000001"
                "00000000"
                "00000000"
                "00000000"
                "00000000"
                "00000000"
                "00000000"
                "0000000B"
                "00000000"
                "TRAILER!!!";
    expected += std::string("\0\0\0\0", 4); // the NUL, then 121 padded to 124
    EXPECT_EQ(bytes, expected);
}

TEST(CpioWriter, GivenInodesAndMtimesAreKeptAndAutomaticOnesCountOn) {
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    ASSERT_FALSE(writer.add_file("one", {}).is_error());
    ASSERT_FALSE(
        writer.add_file("given", {}, {.permissions = 0600, .mtime = 1700000000, .inode = 77}).is_error());
    ASSERT_FALSE(writer.add_file("two", {}).is_error());
    ASSERT_FALSE(writer.finish().is_error());
    auto archive = parse(sink);
    EXPECT_EQ(archive.find("one").release_value().inode, 1u);
    auto given = archive.find("given").release_value();
    EXPECT_EQ(given.inode, 77u);
    EXPECT_EQ(given.mtime, 1700000000u);
    EXPECT_EQ(given.mode, 0100600u);
    EXPECT_EQ(archive.find("two").release_value().inode, 2u);
}

TEST(CpioWriter, AnEmptyArchiveIsJustTheTrailer) {
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    ASSERT_FALSE(writer.finish().is_error());
    EXPECT_EQ(sink.bytes().size(), trailer_size);
    EXPECT_EQ(parse(sink).entry_count(), 0u);
}

TEST(CpioWriter, EveryNameAndDataLengthIsPaddedToFourBytes) {
    // Name lengths 1..8 and data sizes 0..8 cover every residue of both paddings.
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    size_t expected_size = 0;
    std::vector<std::pair<std::string, std::string>> written;
    for (size_t name_length = 1; name_length <= 8; ++name_length) {
        for (size_t data_size = 0; data_size <= 8; ++data_size) {
            std::string name(name_length, static_cast<char>('a' + data_size));
            std::string data(data_size, static_cast<char>(0xa0 + name_length));
            if (name_length > 1)
                name[0] = static_cast<char>('0' + name_length); // unique names
            ASSERT_FALSE(writer.add_file(view_of(name), bytes_of(data)).is_error()) << name;
            expected_size += entry_size(name_length, data_size);
            EXPECT_EQ(writer.bytes_written(), expected_size);
            written.emplace_back(name, data);
        }
    }
    ASSERT_FALSE(writer.finish().is_error());
    EXPECT_EQ(sink.bytes().size(), expected_size + trailer_size);
    EXPECT_EQ(sink.bytes().size() % 4, 0u);
    // Archive::parse refuses non-zero padding, so this also proves every padding byte is zero.
    auto archive = parse(sink);
    ASSERT_EQ(archive.entry_count(), written.size());
    size_t index = 0;
    for (const cpio::Entry& entry : archive) {
        EXPECT_EQ(as_string(entry.name), written[index].first);
        EXPECT_EQ(as_string(entry.data), written[index].second);
        ++index;
    }
}

TEST(CpioWriter, NamesUpToTheReadersLimitOf4095BytesAndNoLonger) {
    // 4095 bytes + NUL = namesize 4096, the most Archive::parse (and Linux) accept.
    std::string longest;
    while (longest.size() < cpio::max_entry_name_length)
        longest += "component/";
    longest.resize(cpio::max_entry_name_length);
    ASSERT_NE(longest.back(), '/');
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    ASSERT_FALSE(writer.add_file(view_of(longest), bytes_of("deep")).is_error());
    EXPECT_EQ(writer.add_file(view_of(longest + "x"), {}).error().code(), ktl::Errno::NameTooLong);
    std::string long_target(cpio::max_symlink_target_length, 't');
    ASSERT_FALSE(writer.add_symlink("link", view_of(long_target)).is_error());
    EXPECT_EQ(writer.add_symlink("link2", view_of(long_target + "t")).error().code(),
              ktl::Errno::NameTooLong);
    ASSERT_FALSE(writer.finish().is_error());

    auto archive = parse(sink);
    auto entry = archive.find(view_of(longest)).release_value();
    EXPECT_EQ(entry.name.length(), 4095u);
    EXPECT_EQ(as_string(entry.data), "deep");
    EXPECT_EQ(archive.find("link").release_value().symlink_target().length(), 4095u);
}

TEST(CpioWriter, NamesTheReaderWouldRefuseAreRefused) {
    const std::string bad_names[] = {
        "",     "/init", "./init", "//init",     ".",      "..", "a/../b", "a/./b",
        "a//b", "a/",    "../up",  "TRAILER!!!", "bin/..", "./", "/",      std::string("nul\0inside", 10),
    };
    for (const std::string& name : bad_names) {
        SCOPED_TRACE(name);
        EXPECT_FALSE(cpio::is_writable_name(view_of(name)));
        cpio::VectorSink sink;
        cpio::Writer writer(sink);
        EXPECT_EQ(writer.add_file(view_of(name), {}).error().code(), ktl::Errno::InvalidArgument);
        EXPECT_EQ(writer.add_directory(view_of(name)).error().code(), ktl::Errno::InvalidArgument);
        EXPECT_EQ(writer.add_symlink(view_of(name), "x").error().code(), ktl::Errno::InvalidArgument);
        EXPECT_TRUE(sink.bytes().empty()); // nothing half-written
    }
    for (const char* good : {"init", "bin/hello", ".hidden", "a..b", "TRAILER!!!x", "dir/...", "with space"})
        EXPECT_TRUE(cpio::is_writable_name(good)) << good;
}

TEST(CpioWriter, BadPermissionsAndSymlinkTargetsAreRefused) {
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    EXPECT_EQ(writer.add_file("f", {}, {.permissions = 0100644}).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(writer.add_directory("d", {.permissions = 010000}).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(writer.add_symlink("s", "").error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(writer.add_symlink("s", ktl::StringView("a\0b", 3)).error().code(),
              ktl::Errno::InvalidArgument);
    EXPECT_TRUE(sink.bytes().empty());
    EXPECT_EQ(writer.entries_written(), 0u);
}

TEST(CpioWriter, NothingCanBeAddedAfterFinish) {
    cpio::VectorSink sink;
    cpio::Writer writer(sink);
    ASSERT_FALSE(writer.finish().is_error());
    EXPECT_TRUE(writer.is_finished());
    size_t size = sink.bytes().size();
    EXPECT_EQ(writer.add_file("late", {}).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(writer.finish().error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(sink.bytes().size(), size);
}

// A sink that fails once it holds `limit` bytes, as a full disk or an exhausted buffer would.
class LimitedSink final : public cpio::ByteSink {
public:
    explicit LimitedSink(size_t limit) : m_limit(limit) {}
    ktl::ErrorOr<void> write(ktl::ByteReader bytes) override {
        if (m_size + bytes.size() > m_limit)
            return ktl::Errno::NoSpace;
        m_size += bytes.size();
        return {};
    }

private:
    size_t m_limit;
    size_t m_size = 0;
};

TEST(CpioWriter, ASinkErrorIsReturnedAndSticks) {
    LimitedSink sink(150);
    cpio::Writer writer(sink);
    ASSERT_FALSE(writer.add_directory("d").is_error()); // 112 bytes
    EXPECT_EQ(writer.add_file("f", bytes_of("data")).error().code(), ktl::Errno::NoSpace);
    // Half an entry is out: everything after must fail the same way, the trailer included.
    EXPECT_EQ(writer.add_directory("e").error().code(), ktl::Errno::NoSpace);
    EXPECT_EQ(writer.finish().error().code(), ktl::Errno::NoSpace);
    EXPECT_FALSE(writer.is_finished());
}

} // namespace
