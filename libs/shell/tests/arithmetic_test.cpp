// $(( )): precedence, assignment, short circuits and errors.
#include <gtest/gtest.h>

#include "shell/arithmetic.h"

using shell::String;

namespace {

struct Variables {
    std::vector<std::pair<String, String>> values;
    shell::ArithmeticVariables callbacks{[this](std::string_view name) -> const String* {
                                             for (auto& [key, value] : values)
                                                 if (key.view() == name)
                                                     return &value;
                                             return nullptr;
                                         },
                                         [this](std::string_view name, long value) {
                                             for (auto& [key, old] : values)
                                                 if (key.view() == name) {
                                                     old = shell::to_string(value);
                                                     return;
                                                 }
                                             values.push_back({String(name), shell::to_string(value)});
                                         }};
};

long eval(std::string_view text, Variables& variables) {
    long result = 0;
    String error;
    EXPECT_TRUE(shell::evaluate_arithmetic(text, variables.callbacks, result, error)) << error.c_str();
    return result;
}

} // namespace

TEST(ShellArithmetic, PrecedenceFollowsC) {
    Variables v;
    EXPECT_EQ(eval("1 + 2 * 3", v), 7);
    EXPECT_EQ(eval("(1 + 2) * 3", v), 9);
    EXPECT_EQ(eval("1 << 2 + 1", v), 8);
    EXPECT_EQ(eval("5 & 3 | 8", v), 9);
    EXPECT_EQ(eval("1 < 2 == 1", v), 1);
    EXPECT_EQ(eval("-7 / 2", v), -3);
    EXPECT_EQ(eval("-7 % 3", v), -1);
    EXPECT_EQ(eval("!0 + ~0", v), 0);
    EXPECT_EQ(eval("0x1f + 010", v), 39);
    EXPECT_EQ(eval("2 > 1 ? 10 : 20", v), 10);
}

TEST(ShellArithmetic, AssignmentsAndVariables) {
    Variables v;
    v.values.push_back({"x", "4"});
    EXPECT_EQ(eval("x * 2", v), 8);
    EXPECT_EQ(eval("x += 3", v), 7);
    EXPECT_EQ(eval("y = x << 1", v), 14);
    EXPECT_EQ(eval("unset_var + 1", v), 1);
    EXPECT_EQ(v.values[0].second, "7");
}

TEST(ShellArithmetic, ShortCircuitSkipsSideEffectsAndErrors) {
    Variables v;
    EXPECT_EQ(eval("0 && (z = 1 / 0)", v), 0);
    EXPECT_EQ(eval("1 || (z = 5)", v), 1);
    EXPECT_TRUE(v.values.empty());
}

TEST(ShellArithmetic, ErrorsAreReported) {
    Variables v;
    long result = 0;
    String error;
    EXPECT_FALSE(shell::evaluate_arithmetic("1 / 0", v.callbacks, result, error));
    EXPECT_FALSE(shell::evaluate_arithmetic("1 +", v.callbacks, result, error));
    EXPECT_FALSE(shell::evaluate_arithmetic("(1", v.callbacks, result, error));
    EXPECT_FALSE(shell::evaluate_arithmetic("1 2", v.callbacks, result, error));
}
