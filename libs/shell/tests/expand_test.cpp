// Word expansion against a fake host: quoting, parameters, splitting and patterns.
#include <gtest/gtest.h>

#include "shell/expand.h"

using shell::String;

namespace {

class FakeHost : public shell::ExpansionHost {
public:
    const String* lookup(std::string_view name) override {
        for (auto& [key, value] : variables)
            if (key.view() == name)
                return &value;
        return nullptr;
    }
    const std::vector<String>& positional_parameters() override { return positional; }
    bool assign(std::string_view name, const String& value) override {
        for (auto& [key, old] : variables)
            if (key.view() == name) {
                old = value;
                return true;
            }
        variables.push_back({String(name), value});
        return true;
    }
    bool command_substitution(std::string_view source, String& output) override {
        output = String("<") + source + ">\n\n";
        return true;
    }
    void report_error(std::string_view message) override { errors += message; }
    bool option_nounset() override { return nounset; }

    std::vector<std::pair<String, String>> variables{{"x", "a b"}, {"e", ""}, {"p", "dir/file.tar.gz"}};
    std::vector<String> positional{"one", "two three"};
    String errors;
    bool nounset = false;
};

std::vector<std::string> fields(FakeHost& host, std::vector<String> words) {
    shell::Expander expander(host);
    std::vector<String> out;
    EXPECT_TRUE(expander.expand_words(words, out));
    std::vector<std::string> result;
    for (const String& field : out)
        result.emplace_back(field.c_str());
    return result;
}

using Fields = std::vector<std::string>;

} // namespace

TEST(ShellExpand, QuotingDecidesSplitting) {
    FakeHost host;
    EXPECT_EQ(fields(host, {"$x"}), (Fields{"a", "b"}));
    EXPECT_EQ(fields(host, {"\"$x\""}), (Fields{"a b"}));
    EXPECT_EQ(fields(host, {"'$x'"}), (Fields{"$x"}));
    EXPECT_EQ(fields(host, {"\\$x"}), (Fields{"$x"}));
    EXPECT_EQ(fields(host, {"$e"}), (Fields{}));
    EXPECT_EQ(fields(host, {"\"$e\""}), (Fields{""}));
}

TEST(ShellExpand, AtAndStar) {
    FakeHost host;
    EXPECT_EQ(fields(host, {"\"$@\""}), (Fields{"one", "two three"}));
    EXPECT_EQ(fields(host, {"\"$*\""}), (Fields{"one two three"}));
    EXPECT_EQ(fields(host, {"$@"}), (Fields{"one", "two", "three"}));
    EXPECT_EQ(fields(host, {"x\"$@\"y"}), (Fields{"xone", "two threey"}));
    host.positional.clear();
    EXPECT_EQ(fields(host, {"\"$@\""}), (Fields{}));
}

TEST(ShellExpand, ParameterOperators) {
    FakeHost host;
    EXPECT_EQ(fields(host, {"${u:-def}", "${e-set}", "${x:+alt}", "${#p}"}), (Fields{"def", "alt", "15"}));
    EXPECT_EQ(fields(host, {"${p%.*}", "${p%%.*}", "${p#*/}", "${p##*.}"}),
              (Fields{"dir/file.tar", "dir/file", "file.tar.gz", "gz"}));
    EXPECT_EQ(fields(host, {"${n:=new}", "$n"}), (Fields{"new", "new"}));
    shell::Expander expander(host);
    std::vector<String> out;
    EXPECT_FALSE(expander.expand_words({"${u:?gone}"}, out));
    EXPECT_EQ(host.errors, "u: gone");
}

TEST(ShellExpand, CommandSubstitutionDropsTrailingNewlines) {
    FakeHost host;
    EXPECT_EQ(fields(host, {"\"$(cmd arg)\""}), (Fields{"<cmd arg>"}));
    EXPECT_EQ(fields(host, {"`cmd`"}), (Fields{"<cmd>"}));
}

TEST(ShellExpand, ArithmeticSeesVariables) {
    FakeHost host;
    host.variables.push_back({"n", "6"});
    EXPECT_EQ(fields(host, {"$((n * 7))", "$(( $n + 1 ))"}), (Fields{"42", "7"}));
}

TEST(ShellExpand, NonWhitespaceSeparatorsDelimitEmptyFields) {
    FakeHost host;
    host.variables.push_back({"IFS", ":"});
    host.variables.push_back({"v", ":a::b:"});
    EXPECT_EQ(fields(host, {"$v"}), (Fields{"", "a", "", "b"}));
}

TEST(ShellExpand, PatternsEscapeQuotedCharacters) {
    FakeHost host;
    shell::Expander expander(host);
    String pattern;
    ASSERT_TRUE(expander.expand_pattern("a*'*'\"?\"", pattern));
    EXPECT_EQ(pattern, "a*\\*\\?");
}

TEST(ShellExpand, ReadSplitsWithTheLastFieldTakingTheRest) {
    auto split = shell::Expander::split_fields("  a  b c  ", " \t\n", 2);
    ASSERT_EQ(split.size(), 2u);
    EXPECT_EQ(split[0], "a");
    EXPECT_EQ(split[1], "b c");
}
