#include "ktl/byte_reader.h"
#include "ktl/fixed_vector.h"
#include "ktl/path_components.h"
#include "ktl/string_view.h"

#include <gtest/gtest.h>

namespace {

TEST(FixedVector, AppendRemoveAndCapacity) {
    ktl::FixedVector<int, 3> numbers;
    EXPECT_FALSE(numbers.try_append(1).is_error());
    EXPECT_FALSE(numbers.try_append(2).is_error());
    EXPECT_FALSE(numbers.try_append(3).is_error());
    EXPECT_EQ(numbers.try_append(4).error().code(), ktl::Errno::NoSpace);
    numbers.remove(0);
    ASSERT_EQ(numbers.size(), 2u);
    EXPECT_EQ(numbers[0], 2);
    EXPECT_EQ(numbers[1], 3);
    auto copy = numbers;
    EXPECT_EQ(copy.size(), 2u);
}

TEST(ByteReader, ReadsLittleEndianInsideBoundsOnly) {
    const uint8_t bytes[] = {0x78, 0x56, 0x34, 0x12, 0xff};
    ktl::ByteReader reader(bytes, sizeof bytes);
    EXPECT_EQ(reader.read<uint32_t>(0).value(), 0x12345678u);
    EXPECT_EQ(reader.read<uint8_t>(4).value(), 0xffu);
    EXPECT_EQ(reader.read<int8_t>(4).value(), -1);
    EXPECT_TRUE(reader.read<uint32_t>(2).is_error());
    EXPECT_TRUE(reader.read<uint8_t>(5).is_error());
    EXPECT_TRUE(reader.read<uint8_t>(SIZE_MAX).is_error());
    EXPECT_TRUE(reader.slice(4, SIZE_MAX).is_error());
    EXPECT_EQ(reader.slice(1, 2).value().read<uint16_t>(0).value(), 0x3456u);
}

TEST(StringView, SearchAndCompare) {
    ktl::StringView text("loglevel=debug test");
    EXPECT_TRUE(text.starts_with("loglevel="));
    EXPECT_TRUE(text.ends_with("test"));
    EXPECT_EQ(text.find('='), 8u);
    EXPECT_EQ(text.find("test"), 15u);
    EXPECT_EQ(text.find("absent"), ktl::StringView::npos);
    EXPECT_EQ(text.substring(9, 5), ktl::StringView("debug"));
    EXPECT_EQ(text.substring(100), ktl::StringView(""));
}

} // namespace

TEST(PathComponents, SplitsOnSlashRunsAndMarksTheLastComponent) {
    ktl::PathComponents components("//a//b/./c/");
    EXPECT_TRUE(components.is_absolute());
    EXPECT_TRUE(components.has_trailing_slash());
    ktl::StringView component;
    bool is_last = true;
    const char* expected[] = {"a", "b", ".", "c"};
    for (size_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(components.next(component, is_last));
        EXPECT_TRUE(component == ktl::StringView(expected[i]));
        EXPECT_EQ(is_last, i == 3);
    }
    EXPECT_FALSE(components.next(component, is_last));
    ktl::PathComponents relative("x");
    EXPECT_FALSE(relative.is_absolute());
    EXPECT_FALSE(relative.has_trailing_slash());
    ASSERT_TRUE(relative.next(component, is_last));
    EXPECT_TRUE(is_last);
    ktl::PathComponents slashes("///");
    EXPECT_FALSE(slashes.next(component, is_last));
}
