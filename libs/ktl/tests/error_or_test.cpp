#include "ktl/assert.h"
#include "ktl/error_or.h"

#include <gtest/gtest.h>
#include <memory>

namespace {

ktl::ErrorOr<int> parse_digit(char character) {
    if (character < '0' || character > '9')
        return ktl::Errno::InvalidArgument;
    return character - '0';
}

ktl::ErrorOr<int> sum_digits(const char* text) {
    int sum = 0;
    for (; *text; ++text)
        sum += TRY(parse_digit(*text));
    return sum;
}

ktl::ErrorOr<void> check_positive(int value) {
    if (value <= 0)
        return ktl::Errno::OutOfRange;
    return {};
}

TEST(ErrorOr, ValueAndErrorPropagateThroughTry) {
    auto good = sum_digits("123");
    ASSERT_FALSE(good.is_error());
    EXPECT_EQ(good.value(), 6);
    auto bad = sum_digits("12x3");
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(bad.error().errno_value(), 22);
    EXPECT_STREQ(bad.error().name(), "EINVAL");
}

TEST(ErrorOr, VoidResults) {
    EXPECT_FALSE(check_positive(1).is_error());
    EXPECT_EQ(check_positive(0).error().code(), ktl::Errno::OutOfRange);
}

TEST(ErrorOr, MoveOnlyValuesAreMovedNotCopied) {
    ktl::ErrorOr<std::unique_ptr<int>> result = std::make_unique<int>(7);
    ASSERT_TRUE(result.has_value());
    std::unique_ptr<int> owned = result.release_value();
    EXPECT_EQ(*owned, 7);
}

TEST(ErrorOr, MustAbortsOnError) {
    EXPECT_DEATH({ (void)MUST(parse_digit('x')); }, "assertion failed");
    EXPECT_EQ(MUST(parse_digit('4')), 4);
}

TEST(ErrorOr, UnknownErrnoHasPlaceholderName) {
    EXPECT_STREQ(ktl::errno_name(static_cast<ktl::Errno>(4000)), "E?");
    EXPECT_STREQ(ktl::errno_name(ktl::Errno::NotImplemented), "ENOSYS");
}

} // namespace
