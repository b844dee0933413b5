// chmod modes against a table of what POSIX chmod (and GNU's) does with each operand.
#include "toolbox/mode.h"

#include <gtest/gtest.h>

namespace {

mode_t apply(const char* spec, mode_t old, bool directory = false, mode_t umask_bits = 022) {
    mode_t result = 0;
    EXPECT_TRUE(toolbox::apply_mode(spec, old, directory, umask_bits, result)) << spec;
    return result;
}

TEST(ToolboxMode, OctalReplacesTheBits) {
    EXPECT_EQ(apply("755", 0600), 0755u);
    EXPECT_EQ(apply("4711", 0600), 04711u);
}

TEST(ToolboxMode, SymbolicClausesAddRemoveAndSet) {
    EXPECT_EQ(apply("u+x", 0644), 0744u);
    EXPECT_EQ(apply("go-r", 0644), 0600u);
    EXPECT_EQ(apply("a=r", 0755), 0444u);
    EXPECT_EQ(apply("u=rwx,g=rx,o=", 0), 0750u);
    EXPECT_EQ(apply("g=u", 0740), 0770u);
    EXPECT_EQ(apply("u+s,o+t", 0755), 05755u);
}

TEST(ToolboxMode, NoWhoLettersMeansAllButTheUmask) {
    EXPECT_EQ(apply("+w", 0444), 0644u);
    EXPECT_EQ(apply("+x", 0644), 0755u);
    EXPECT_EQ(apply("-w", 0666), 0466u);
}

TEST(ToolboxMode, CapitalXOnlyForDirectoriesOrExecutables) {
    EXPECT_EQ(apply("a+X", 0644), 0644u);
    EXPECT_EQ(apply("a+X", 0744), 0755u);
    EXPECT_EQ(apply("a+X", 0644, true), 0755u);
}

TEST(ToolboxMode, MalformedOperandsAreRejected) {
    mode_t result;
    EXPECT_FALSE(toolbox::apply_mode("89", 0, false, 0, result));
    EXPECT_FALSE(toolbox::apply_mode("u", 0, false, 0, result));
    EXPECT_FALSE(toolbox::apply_mode("u+q", 0, false, 0, result));
    EXPECT_FALSE(toolbox::apply_mode("77777", 0, false, 0, result));
    EXPECT_FALSE(toolbox::apply_mode("u+x,", 0, false, 0, result));
}

} // namespace
