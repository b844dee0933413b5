// CommandLine tests: flags, key=value, quoting, overrides and the odd corners of splitting.
#include "boot/command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using boot::CommandLine;

std::string str(ktl::StringView view) {
    return std::string(view.data() ? view.data() : "", view.length());
}

std::vector<std::pair<std::string, std::string>> words_of(const CommandLine& line) {
    std::vector<std::pair<std::string, std::string>> words;
    line.for_each_word(
        [&](ktl::StringView key, ktl::StringView value) { words.emplace_back(str(key), str(value)); });
    return words;
}

using Words = std::vector<std::pair<std::string, std::string>>;

TEST(CommandLine, FlagsAndValues) {
    CommandLine line("quiet log=debug test=smoke nosmp");
    EXPECT_TRUE(line.has_flag("quiet"));
    EXPECT_TRUE(line.has_flag("nosmp"));
    EXPECT_FALSE(line.has_flag("log"));
    EXPECT_TRUE(line.has("log"));
    EXPECT_TRUE(line.has("quiet"));
    EXPECT_FALSE(line.has("lo"));
    EXPECT_FALSE(line.has("quiet2"));
    EXPECT_EQ(str(line.value_of("log")), "debug");
    EXPECT_EQ(str(line.value_of("test")), "smoke");
    EXPECT_EQ(str(line.value_of("missing", "fallback")), "fallback");
    EXPECT_EQ(str(line.value_of("quiet", "fallback")), "fallback"); // a flag has no value
    EXPECT_EQ(words_of(line), (Words{{"quiet", ""}, {"log", "debug"}, {"test", "smoke"}, {"nosmp", ""}}));
}

TEST(CommandLine, QuotedValues) {
    CommandLine line("title=\"hello world\" path=/boot \"whole=word quoted\" mid=a\"b c\"d");
    EXPECT_EQ(str(line.value_of("title")), "hello world");
    EXPECT_EQ(str(line.value_of("path")), "/boot");
    EXPECT_EQ(str(line.value_of("whole")), "word quoted");
    // A quote in the middle keeps spaces together but is not stripped.
    EXPECT_EQ(str(line.value_of("mid")), "a\"b c\"d");
    EXPECT_EQ(words_of(line).size(), 4u);
}

TEST(CommandLine, QuotedFlag) {
    CommandLine line("\"two words\" \"\"");
    EXPECT_TRUE(line.has_flag("two words"));
    EXPECT_EQ(words_of(line), (Words{{"two words", ""}, {"", ""}}));
}

TEST(CommandLine, EmptyQuotedValue) {
    CommandLine line("name=\"\" other=x");
    EXPECT_TRUE(line.has("name"));
    EXPECT_EQ(str(line.value_of("name", "fallback")), "");
    EXPECT_EQ(str(line.value_of("other")), "x");
}

TEST(CommandLine, UnterminatedQuoteRunsToTheEnd) {
    CommandLine line("a=1 title=\"no end here b=2");
    EXPECT_EQ(str(line.value_of("title")), "no end here b=2");
    EXPECT_FALSE(line.has("b"));
    EXPECT_EQ(words_of(line).size(), 2u);
}

TEST(CommandLine, LaterWordsOverride) {
    CommandLine line("log=info test=one log=debug log");
    EXPECT_EQ(str(line.value_of("log")), "debug"); // the bare `log` has no value to offer
    EXPECT_TRUE(line.has_flag("log"));
    CommandLine appended("log=info test=grub test=runner");
    EXPECT_EQ(str(appended.value_of("test")), "runner");
}

TEST(CommandLine, EmptyAndWhitespaceOnly) {
    for (const char* text : {"", " ", "   \t \n "}) {
        CommandLine line(text);
        EXPECT_TRUE(words_of(line).empty()) << text;
        EXPECT_FALSE(line.has(""));
        EXPECT_EQ(str(line.value_of("x", "fb")), "fb");
    }
    CommandLine null_view{ktl::StringView()};
    EXPECT_TRUE(words_of(null_view).empty());
}

TEST(CommandLine, LeadingTrailingAndRepeatedSpaces) {
    CommandLine line("   a=1    b   c=3  \t");
    EXPECT_EQ(words_of(line), (Words{{"a", "1"}, {"b", ""}, {"c", "3"}}));
    EXPECT_EQ(str(line.value_of("c")), "3");
}

TEST(CommandLine, EmptyValueIsNotAFlag) {
    CommandLine line("test= other");
    EXPECT_TRUE(line.has("test"));
    EXPECT_FALSE(line.has_flag("test"));
    EXPECT_EQ(str(line.value_of("test", "fallback")), "");
    EXPECT_TRUE(line.has_flag("other"));
    EXPECT_EQ(str(line.value_of("other", "fallback")), "fallback");
}

TEST(CommandLine, OnlyTheFirstEqualsSplits) {
    CommandLine line("expr=a=b =novalue");
    EXPECT_EQ(str(line.value_of("expr")), "a=b");
    EXPECT_EQ(str(line.value_of("")), "novalue");
}

TEST(CommandLine, ViewsPointIntoTheText) {
    const char text[] = "key=value";
    CommandLine line(text);
    EXPECT_EQ(line.value_of("key").data(), text + 4);
    EXPECT_EQ(line.text().data(), text);
}

TEST(CommandLine, BoundedByTheViewNotByNul) {
    const char text[] = "a=1 b=2";
    CommandLine line(ktl::StringView(text, 3));
    EXPECT_EQ(str(line.value_of("a")), "1");
    EXPECT_FALSE(line.has("b"));
}

} // namespace

TEST(CommandLine, WordsAfterADoubleDashBelongToTheFirstProgram) {
    boot::CommandLine line("loglevel=debug init=/bin/sh -- -c \"echo hi\" test=x");
    EXPECT_EQ(std::string(line.value_of("init").data(), line.value_of("init").length()), "/bin/sh");
    EXPECT_FALSE(line.has("test")); // after `--`: not the kernel's
    std::vector<std::string> arguments;
    line.for_each_program_argument(
        [&](ktl::StringView word) { arguments.emplace_back(word.data(), word.length()); });
    EXPECT_EQ(arguments, (std::vector<std::string>{"-c", "echo hi", "test=x"}));
}

TEST(CommandLine, NoDoubleDashMeansNoProgramArguments) {
    boot::CommandLine line("init=/init test");
    int count = 0;
    line.for_each_program_argument([&](ktl::StringView) { ++count; });
    EXPECT_EQ(count, 0);
    EXPECT_TRUE(line.has_flag("test"));
}
