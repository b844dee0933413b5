// Unmodified static Linux programs print through the console and their exit code is logged, as the
// seed logs it. The in-kernel tests check the exit codes; this checks what a user sees.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using testing::HasSubstr;

namespace {

TEST(Programs, MuslStaticAndStaticPieProgramsPrintAndExitZero) {
    auto run = e2e::run_kernel("musl-programs",
                               {"--firmware=bios", "--test", "--cmdline=test=program loglevel=debug"});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    // Once from the static and once from the static-PIE build; "6 1" shows TLS and bss at work.
    size_t first = run.serial.find("hello from a static program 6 1\n");
    ASSERT_NE(first, std::string::npos) << run.serial;
    EXPECT_NE(run.serial.find("hello from a static program 6 1\n", first + 1), std::string::npos);
    // The seed's words (a debug record for processes other than the first); the record's process
    // field says which process.
    EXPECT_THAT(run.serial,
                testing::ContainsRegex("\\[T[0-9]+\\]\\[P[0-9]+\\]\\[proc\\].* Process ending with code: 0"));
    EXPECT_THAT(run.serial,
                HasSubstr("cannot run '/bin/musl-dynamic': dynamically linked: needs an interpreter"));
}

} // namespace
