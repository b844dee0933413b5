// `make gdb` as a script: QEMU waits before the firmware, gdb has the kernel's symbols at their run
// addresses, and the project's commands work once stopped in the kernel.
#include "e2e_support.h"

#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

using testing::HasSubstr;

namespace {

TEST(Gdb, SessionStopsAtKernelEntryWithProjectCommands) {
    std::string script = e2e::test_log_path("gdb-session.gdb");
    std::ofstream(script) << "source " BLOG_OS_SOURCE_DIR "/tools/gdb/blog_os.gdb\n"
                          << "blog-break-entry\n"
                          << "bt 1\n"
                          << "blog-walk $pc\n"
                          << "blog-tests\n"
                          << "hbreak debug::install_debug_keys\n" // just after the scheduler starts
                          << "continue\n"
                          << "blog-tasks\n"
                          << "kill\n"
                          << "quit\n";
    auto run = e2e::run_kernel("gdb", {"--firmware=bios", "--gdb", "--gdb-script=" + script});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.runner_output, HasSubstr("QEMU is stopped before the firmware"));
    EXPECT_THAT(run.runner_output, HasSubstr("Breakpoint 1, kernel_entry (multiboot_magic=920085129"));
    EXPECT_THAT(run.runner_output, HasSubstr("at kernel/main.cpp:"));
    // The kernel's text is mapped by the boot tables with 2 MiB pages at 0xffffffff80000000.
    EXPECT_THAT(run.runner_output, HasSubstr("PML4[511]"));
    EXPECT_THAT(run.runner_output, HasSubstr("(2 MiB page)"));
    EXPECT_THAT(run.runner_output, HasSubstr("breakpoint_returns_to_the_next_instruction"));
    EXPECT_THAT(run.runner_output, testing::ContainsRegex("[0-9]+ kernel tests"));
    EXPECT_THAT(run.runner_output,
                testing::ContainsRegex("0 idle +Runnable +resumes at 0x[0-9a-f]+ <thread_start_trampoline>"));
    EXPECT_THAT(run.runner_output, testing::ContainsRegex("1 boot +Running +running now"));
    // The terminal's input task starts just before the debug keys are installed: not yet run, or
    // already waiting for its first byte, depending on whether a tick came in between.
    EXPECT_THAT(run.runner_output, testing::ContainsRegex("2 tty-input +(Runnable|Blocked)"));
    EXPECT_THAT(run.runner_output, HasSubstr("3 tasks"));
}

} // namespace
