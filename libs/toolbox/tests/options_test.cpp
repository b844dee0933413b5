// The option parser against the forms GNU utilities accept, and its messages for the ones they reject.
#include "toolbox/options.h"
#include "toolbox/program.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

using toolbox::LongOption;
using toolbox::OptionParser;

// Holds argv strings writable, as main() gets them.
struct Arguments {
    explicit Arguments(std::vector<std::string> words) : storage(std::move(words)) {
        for (auto& word : storage)
            pointers.push_back(word.data());
    }
    int count() const { return static_cast<int>(pointers.size()); }
    std::vector<std::string> storage;
    std::vector<char*> pointers;
};

// Everything next() returns as text: "l", "n=5", "help", "invalid"; then "|" and the operands.
std::string parse(std::vector<std::string> words, const char* spec, bool stop = false) {
    static const LongOption longs[] = {
        {"recursive", 'R', false}, {"lines", 'n', true}, {"reverse", 'r', false}};
    Arguments arguments(std::move(words));
    OptionParser parser(arguments.count(), arguments.pointers.data(), spec, longs, 3);
    if (stop)
        parser.stop_at_first_operand();
    std::string result;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == OptionParser::help)
            result += "help ";
        else if (code == OptionParser::invalid)
            result += "invalid ";
        else if (parser.argument() != nullptr)
            result += std::string(1, static_cast<char>(code)) + "=" + parser.argument() + " ";
        else
            result += std::string(1, static_cast<char>(code)) + " ";
    }
    result += "|";
    for (char* operand : parser.operands())
        result += std::string(" ") + operand;
    return result;
}

// The diagnostics of a parse, as the user would see them on stderr.
std::string diagnostics_of(std::vector<std::string> words, const char* spec) {
    char* text = nullptr;
    size_t size = 0;
    FILE* stream = open_memstream(&text, &size);
    toolbox::set_program_name("ls");
    toolbox::set_diagnostic_stream(stream);
    parse(std::move(words), spec);
    toolbox::set_diagnostic_stream(nullptr);
    fclose(stream);
    std::string result(text, size);
    free(text);
    return result;
}

TEST(ToolboxOptions, ClustersOfShortOptionsAreSplit) {
    EXPECT_EQ(parse({"ls", "-la", "-R"}, "laR"), "l a R |");
}

TEST(ToolboxOptions, AnArgumentMayBeAttachedOrSeparate) {
    EXPECT_EQ(parse({"head", "-n5", "-n", "7", "file"}, "n:"), "n=5 n=7 | file");
}

TEST(ToolboxOptions, OperandsMayComeBeforeOptionsLikeGnu) {
    EXPECT_EQ(parse({"ls", "dir", "-l"}, "l"), "l | dir");
}

TEST(ToolboxOptions, DoubleDashEndsOptions) {
    EXPECT_EQ(parse({"rm", "--", "-l", "x"}, "l"), "| -l x");
}

TEST(ToolboxOptions, ALoneDashIsAnOperand) {
    EXPECT_EQ(parse({"cat", "-", "-n"}, "n"), "n | -");
}

TEST(ToolboxOptions, TheFirstOperandCanEndOptions) {
    EXPECT_EQ(parse({"env", "-i", "ls", "-l"}, "il", true), "i | ls -l");
}

TEST(ToolboxOptions, LongOptionsTakeEqualsOrTheNextWordAndUniquePrefixes) {
    EXPECT_EQ(parse({"x", "--lines=3", "--lines", "4", "--rec", "--help"}, "n:R"), "n=3 n=4 R help |");
}

TEST(ToolboxOptions, AnAmbiguousPrefixIsRejected) {
    EXPECT_EQ(parse({"x", "--re"}, "Rr"), "invalid |");
}

TEST(ToolboxOptions, UnknownShortOptionIsReportedInGnuWords) {
    EXPECT_EQ(diagnostics_of({"ls", "-z"}, "l"),
              "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n");
}

TEST(ToolboxOptions, MissingArgumentIsReportedInGnuWords) {
    EXPECT_EQ(diagnostics_of({"ls", "-n"}, "n:"),
              "ls: option requires an argument -- 'n'\nTry 'ls --help' for more information.\n");
}

TEST(ToolboxOptions, UnknownLongOptionIsReportedInGnuWords) {
    EXPECT_EQ(diagnostics_of({"ls", "--bogus"}, "l"),
              "ls: unrecognized option '--bogus'\nTry 'ls --help' for more information.\n");
}

TEST(ToolboxProgram, QuoteUsesDoubleQuotesOnlyAroundASingleQuote) {
    EXPECT_STREQ(toolbox::quote("x"), "'x'");
    EXPECT_STREQ(toolbox::quote("it's"), "\"it's\"");
}

} // namespace
