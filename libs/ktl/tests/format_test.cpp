#include "ktl/format.h"

#include <gtest/gtest.h>
#include <string>

namespace {

std::string formatted(ktl::StringView format_string, const auto&... args) {
    char buffer[1024];
    return std::string(ktl::format_into(buffer, sizeof buffer, format_string, args...).data());
}

struct Point {
    int x, y;
};
void format_value(ktl::FormatSink& sink, const ktl::FormatSpec&, const Point& point) {
    ktl::format_to(sink, "({}, {})", point.x, point.y);
}

TEST(Format, PlainValues) {
    EXPECT_EQ(formatted("a{}b{}c", 1, "two"), "a1btwoc");
    EXPECT_EQ(formatted("{} {} {}", -42, true, 'x'), "-42 true x");
    EXPECT_EQ(formatted("{}", static_cast<uint64_t>(18446744073709551615ull)), "18446744073709551615");
    EXPECT_EQ(formatted("{}", INT64_MIN), "-9223372036854775808");
}

TEST(Format, HexBinaryAndPadding) {
    EXPECT_EQ(formatted("{:x}", 255), "ff");
    EXPECT_EQ(formatted("{:X}", 255), "FF");
    EXPECT_EQ(formatted("{:#x}", 255), "0xff");
    EXPECT_EQ(formatted("{:016x}", 0xdeadu), "000000000000dead");
    EXPECT_EQ(formatted("{:#018x}", 0xdeadu), "0x000000000000dead");
    EXPECT_EQ(formatted("{:b}", 5), "101");
    EXPECT_EQ(formatted("{:o}", 0755), "755"); // tmpfs's mode= in /proc/mounts
    EXPECT_EQ(formatted("{:#o}", 0755), "0755");
    EXPECT_EQ(formatted("\\{:03o}", 32), "\\040"); // /proc/mounts' escape of a space
    EXPECT_EQ(formatted("[{:>5}]", 42), "[   42]");
    EXPECT_EQ(formatted("[{:<5}]", "ab"), "[ab   ]");
    EXPECT_EQ(formatted("[{:5}]", 7), "[    7]");
    EXPECT_EQ(formatted("[{:5}]", "ab"), "[ab   ]");
    EXPECT_EQ(formatted("[{:05}]", -7), "[-0007]");
}

TEST(Format, PointersNullStringsAndCustomTypes) {
    EXPECT_EQ(formatted("{}", reinterpret_cast<void*>(0x1000)), "0x1000");
    EXPECT_EQ(formatted("{}", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(formatted("p={}", Point{3, -4}), "p=(3, -4)");
}

TEST(Format, BracesAndMalformedPlaceholders) {
    EXPECT_EQ(formatted("{{}}"), "{}");
    EXPECT_EQ(formatted("{} {}", 1), "1 {?}");
    EXPECT_EQ(formatted("unterminated {", 1), "unterminated {");
    EXPECT_EQ(formatted("{:99999999999x}", 1).size(), 512u);
}

TEST(Format, BufferTruncatesAndTerminates) {
    char buffer[6];
    ktl::StringView text = ktl::format_into(buffer, sizeof buffer, "hello world");
    EXPECT_EQ(std::string(text.data(), text.length()), "hello");
    EXPECT_EQ(buffer[5], '\0');
    ktl::BufferSink sink(buffer, 3);
    ktl::format_to(sink, "{}", 12345);
    EXPECT_TRUE(sink.truncated());
    EXPECT_EQ(sink.length(), 3u);
}

} // namespace
