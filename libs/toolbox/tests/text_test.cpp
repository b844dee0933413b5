// sort -n's comparison and sort -k's key fields, on the cases where naive versions go wrong.
#include "toolbox/text.h"

#include <gtest/gtest.h>

namespace {

using toolbox::compare_numeric;
using toolbox::extract_key;
using toolbox::parse_sort_key;
using toolbox::SortKey;

TEST(ToolboxSortNumeric, ComparesByValueNotText) {
    EXPECT_LT(compare_numeric("9", "10"), 0);
    EXPECT_GT(compare_numeric("100", "99"), 0);
    EXPECT_EQ(compare_numeric("007", "7"), 0);
    EXPECT_EQ(compare_numeric("  7", "7"), 0);
}

TEST(ToolboxSortNumeric, NegativesAndFractions) {
    EXPECT_LT(compare_numeric("-5", "-3"), 0);
    EXPECT_LT(compare_numeric("-1", "0"), 0);
    EXPECT_EQ(compare_numeric("-0", "0"), 0);
    EXPECT_GT(compare_numeric("1.5", "1.25"), 0);
    EXPECT_EQ(compare_numeric("2.50", "2.5"), 0);
}

TEST(ToolboxSortNumeric, TextWithoutANumberIsZero) {
    EXPECT_EQ(compare_numeric("abc", "0"), 0);
    EXPECT_LT(compare_numeric("abc", "1"), 0);
    EXPECT_GT(compare_numeric("abc", "-1"), 0);
}

TEST(ToolboxSortKeys, ParseFieldsCharactersAndFlags) {
    SortKey key;
    ASSERT_TRUE(parse_sort_key("2", key));
    EXPECT_EQ(key.start_field, 2u);
    EXPECT_EQ(key.end_field, 0u);
    ASSERT_TRUE(parse_sort_key("1.3,2.4nr", key));
    EXPECT_EQ(key.start_char, 3u);
    EXPECT_EQ(key.end_field, 2u);
    EXPECT_EQ(key.end_char, 4u);
    EXPECT_TRUE(key.numeric);
    EXPECT_TRUE(key.reverse);
    EXPECT_FALSE(parse_sort_key("0", key));
    EXPECT_FALSE(parse_sort_key("x", key));
    EXPECT_FALSE(parse_sort_key("1,", key));
}

TEST(ToolboxSortKeys, BlankSeparatedFieldsKeepTheirLeadingBlanks) {
    SortKey key;
    ASSERT_TRUE(parse_sort_key("2,2", key));
    EXPECT_EQ(extract_key("a  b c", key, -1), "  b");
    ASSERT_TRUE(parse_sort_key("2", key));
    EXPECT_EQ(extract_key("a  b c", key, -1), "  b c");
    ASSERT_TRUE(parse_sort_key("5", key));
    EXPECT_EQ(extract_key("a b", key, -1), "");
}

TEST(ToolboxSortKeys, ASeparatorSplitsAtEveryOccurrence) {
    SortKey key;
    ASSERT_TRUE(parse_sort_key("3,3", key));
    EXPECT_EQ(extract_key("a::c:d", key, ':'), "c");
    ASSERT_TRUE(parse_sort_key("2,2", key));
    EXPECT_EQ(extract_key("a::c:d", key, ':'), "");
}

TEST(ToolboxSortKeys, CharacterPositionsWithinFields) {
    SortKey key;
    ASSERT_TRUE(parse_sort_key("1.2,1.3", key));
    EXPECT_EQ(extract_key("abcd efg", key, -1), "bc");
}

} // namespace
