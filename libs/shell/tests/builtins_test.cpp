// echo, printf and test: output and status from arguments alone.
#include <gtest/gtest.h>

#include "shell/builtins.h"

using shell::String;

namespace {

std::string echo(std::vector<String> argv) {
    String out;
    shell::builtin_echo(argv, out);
    return out.c_str();
}

std::string printf_(std::vector<String> argv) {
    String out, error;
    shell::builtin_printf(argv, out, error);
    return std::string(out.data(), out.size());
}

int test(std::vector<String> argv) {
    String error;
    return shell::builtin_test(argv, error);
}

} // namespace

TEST(ShellBuiltins, EchoInterpretsEscapesLikeDash) {
    EXPECT_EQ(echo({"echo", "a", "b"}), "a b\n");
    EXPECT_EQ(echo({"echo", "-n", "x"}), "x");
    EXPECT_EQ(echo({"echo", "a\\tb\\n"}), "a\tb\n\n");
    EXPECT_EQ(echo({"echo", "\\0101", "stop\\cgone", "never"}), "A stop");
    EXPECT_EQ(echo({"echo", "-e"}), "-e\n");
}

TEST(ShellBuiltins, PrintfReusesItsFormat) {
    EXPECT_EQ(printf_({"printf", "%s=%d\\n", "a", "1", "b", "2"}), "a=1\nb=2\n");
    EXPECT_EQ(printf_({"printf", "%5s|%-3d|%03d|%x", "r", "7", "7", "255"}), "    r|7  |007|ff");
    EXPECT_EQ(printf_({"printf", "%b", "a\\0101\\c", "ignored"}), "aA");
    EXPECT_EQ(printf_({"printf", "%d %s|", "'A"}), "65 |");
    EXPECT_EQ(printf_({"printf", "100%%"}), "100%");
}

TEST(ShellBuiltins, TestFollowsPosixArgumentCounts) {
    EXPECT_EQ(test({"test"}), 1);
    EXPECT_EQ(test({"test", "-n"}), 0);
    EXPECT_EQ(test({"test", "!", "-z"}), 1);
    EXPECT_EQ(test({"[", "a", "=", "a", "]"}), 0);
    EXPECT_EQ(test({"[", "a", "=", "a"}), 2);
    EXPECT_EQ(test({"test", "3", "-lt", "10"}), 0);
    EXPECT_EQ(test({"test", "(", "x", "=", "y", ")", "-o", "-d", "/"}), 0);
    EXPECT_EQ(test({"test", "!", "a", "=", "a", "-a", "b"}), 1);
    EXPECT_EQ(test({"test", "1", "-eq", "one"}), 2);
}
