#include "allocation_failure.h"
#include "ktl/string.h"
#include "ktl/string_builder.h"

#include <gtest/gtest.h>

#include <cstring>

namespace {

TEST(String, OwnsANulTerminatedCopy) {
    char buffer[] = "console";
    auto string = MUST(ktl::String::try_create(ktl::StringView(buffer, 4)));
    buffer[0] = 'X';
    EXPECT_EQ(string.length(), 4u);
    EXPECT_STREQ(string.characters(), "cons");
    EXPECT_EQ(string, ktl::StringView("cons"));
    EXPECT_EQ(string.view(), ktl::StringView("cons"));
    auto clone = MUST(string.try_clone());
    EXPECT_NE(clone.characters(), string.characters());
    EXPECT_EQ(clone, string);
    ktl::String moved = std::move(string);
    EXPECT_TRUE(string.is_empty());
    EXPECT_EQ(moved, clone);
}

TEST(String, EmptyIsNeverNull) {
    ktl::String empty;
    EXPECT_STREQ(empty.characters(), "");
    auto created = MUST(ktl::String::try_create(""));
    EXPECT_TRUE(created.is_empty());
    EXPECT_STREQ(created.characters(), "");
    EXPECT_EQ(created, empty);
    EXPECT_EQ(created, ktl::StringView());
}

TEST(String, TryCreateReportsNoMemory) {
    ktl_test::FailAllocationsAfter fail(0);
    EXPECT_EQ(ktl::String::try_create("x").error().code(), ktl::Errno::NoMemory);
}

TEST(StringBuilder, AppendsAndFormats) {
    ktl::StringBuilder builder;
    MUST(builder.try_append("pid "));
    ktl::format_to(builder, "{} at {:#x}", 42, 0x1000u);
    MUST(builder.try_append('!'));
    EXPECT_EQ(builder.view(), ktl::StringView("pid 42 at 0x1000!"));
    EXPECT_EQ(builder.length(), 17u);
    EXPECT_FALSE(builder.has_failed());
    auto string = MUST(builder.try_build());
    EXPECT_STREQ(string.characters(), "pid 42 at 0x1000!");
    builder.clear();
    EXPECT_EQ(builder.length(), 0u);
    EXPECT_TRUE(MUST(builder.try_build()).is_empty());
}

TEST(StringBuilder, AFailedFormatWriteIsRemembered) {
    ktl::StringBuilder builder;
    {
        ktl_test::FailAllocationsAfter fail(0);
        ktl::format_to(builder, "{}", "lost");
    }
    EXPECT_TRUE(builder.has_failed());
    EXPECT_EQ(builder.try_build().error().code(), ktl::Errno::NoMemory);
    builder.clear();
    EXPECT_FALSE(builder.has_failed());
}

TEST(StringBuilder, AFailedAppendIsReportedAndChangesNothing) {
    ktl::StringBuilder builder;
    MUST(builder.try_append("abc"));
    ktl_test::FailAllocationsAfter fail(0);
    char long_text[64];
    std::memset(long_text, 'z', sizeof long_text);
    EXPECT_TRUE(builder.try_append(ktl::StringView(long_text, sizeof long_text)).is_error());
    EXPECT_EQ(builder.view(), ktl::StringView("abc"));
    EXPECT_FALSE(builder.has_failed()); // only FormatSink writes are sticky; this caller saw the error
}

} // namespace
