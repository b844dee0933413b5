// Crashes on purpose and checks they are reported, with registers, and end the run with status 1.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using testing::HasSubstr;

namespace {

e2e::RunResult crash(const std::string& kind, const std::string& firmware = "bios") {
    return e2e::run_kernel("crash-" + kind + "-" + firmware,
                           {"--firmware=" + firmware, "--test", "--cmdline=crash=" + kind, "--timeout=120"});
}

// The line number of the first line of `path` (relative to the source tree) containing `text`.
int source_line_of(const std::string& path, const std::string& text) {
    auto lines = e2e::lines_of(e2e::read_file(std::string(BLOG_OS_SOURCE_DIR) + "/" + path));
    for (size_t index = 0; index < lines.size(); ++index)
        if (lines[index].find(text) != std::string::npos)
            return static_cast<int>(index + 1);
    return -1;
}

// The backtrace names `function` at `path`:`line`, as a debugger would.
void expect_backtrace_frame(const std::string& serial, const std::string& function, const std::string& path,
                            const std::string& line_text) {
    int line = source_line_of(path, line_text);
    ASSERT_GT(line, 0) << line_text << " not found in " << path;
    EXPECT_THAT(serial, HasSubstr("backtrace:"));
    EXPECT_THAT(serial, testing::ContainsRegex("#[0-9]+ +0x[0-9a-f]+ " + function + "\\+0x[0-9a-f]+ at " +
                                               path + ":" + std::to_string(line)));
}

void expect_register_dump(const std::string& serial) {
    for (const char* name : {"RAX=", "RBX=", "RSP=", "RIP=", "RFLAGS=", "CR2=", "CR3="})
        EXPECT_THAT(serial, HasSubstr(name));
}

TEST(Crash, InvalidOpcodeIsReportedWithRegistersAndExitsOne) {
    auto run = crash("invalid-opcode");
    EXPECT_EQ(run.exit_code, 1) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("KERNEL PANIC: Invalid Opcode (#UD) at rip 0xffffffff8"));
    EXPECT_THAT(run.serial, HasSubstr("registers at the exception"));
    expect_register_dump(run.serial);
}

TEST(Crash, PageFaultNamesTheAddressAndTheAccess) {
    auto run = crash("page-fault", "uefi");
    EXPECT_EQ(run.exit_code, 1) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("Page Fault (#PF)"));
    EXPECT_THAT(run.serial, HasSubstr("address 0xdead000: non-present page on write in kernel mode"));
    expect_register_dump(run.serial);
    expect_backtrace_frame(run.serial, "debug::crash_with_page_fault", "kernel/debug/crash.cpp",
                           "*unmapped = 1;");
}

TEST(Crash, GeneralProtectionAndDivideErrorAreReported) {
    auto protection = crash("general-protection");
    EXPECT_EQ(protection.exit_code, 1);
    EXPECT_THAT(protection.serial, HasSubstr("General Protection Fault (#GP)"));
    auto divide = crash("divide-error");
    EXPECT_EQ(divide.exit_code, 1);
    EXPECT_THAT(divide.serial, HasSubstr("Divide Error (#DE)"));
}

TEST(Crash, KernelStackOverflowIsReportedWithTheStacksOwner) {
    // Runs off the guarded "boot" stack: the page fault cannot push its frame, so a double fault on
    // its own stack reports the overflow instead of a triple fault.
    auto run = crash("stack-overflow", "uefi");
    EXPECT_EQ(run.exit_code, 1) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("Double Fault (#DF)"));
    EXPECT_THAT(run.serial, HasSubstr("kernel stack overflow: stack 'boot' ran into its guard page"));
    expect_register_dump(run.serial);
    // The backtrace starts in the runaway recursion and is cut at the frame limit.
    expect_backtrace_frame(run.serial, "debug::recurse_without_end", "kernel/debug/crash.cpp",
                           "return recurse_without_end(depth + 1)");
    EXPECT_THAT(run.serial, HasSubstr("(unwinding stopped: frame limit reached)"));
}

TEST(Crash, HeapDoubleFreeAndOverrunAreReportedWithTheCaller) {
    auto twice = crash("double-free");
    EXPECT_EQ(twice.exit_code, 1) << twice.runner_errors;
    EXPECT_THAT(twice.serial,
                testing::ContainsRegex("kernel heap: double free of 0x[0-9a-f]+ \\(called from 0xffffffff8"));
#ifndef NDEBUG
    // Redzones exist in debug builds only.
    auto overrun = crash("heap-overrun");
    EXPECT_EQ(overrun.exit_code, 1) << overrun.runner_errors;
    EXPECT_THAT(overrun.serial,
                HasSubstr("kernel heap: write past the end (or before the start) of a block"));
#endif
}

// Lock misuse panics with the reason and a backtrace to the offending line instead of hanging.
TEST(Crash, LockMisuseIsCaughtWithABacktrace) {
    struct Case {
        const char* kind;
        const char* message;
        const char* function;
    } const cases[] = {
        {"spinlock-deadlock", "deadlock: this task already holds the spinlock",
         "debug::crash_with_spinlock_deadlock"},
        {"unlock-not-held", "unlocking a spinlock this task does not hold",
         "debug::crash_with_unlock_not_held"},
        {"sleep-holding-spinlock", "would sleep while holding a spinlock",
         "debug::crash_with_sleep_holding_spinlock"},
        {"yield-holding-spinlock", "would sleep while holding a spinlock",
         "debug::crash_with_yield_holding_spinlock"},
        {"mutex-deadlock", "deadlock: this task already holds the mutex", "debug::crash_with_mutex_deadlock"},
    };
    for (const Case& each : cases) {
        SCOPED_TRACE(each.kind);
        auto run = crash(each.kind);
        EXPECT_EQ(run.exit_code, 1) << run.runner_errors;
        EXPECT_THAT(run.serial, HasSubstr(each.message));
        EXPECT_THAT(run.serial, HasSubstr("task 1 'boot'"));
        // The lock's own code is inlined, so the function is a frame or the one it is inlined into.
        EXPECT_THAT(run.serial,
                    testing::ContainsRegex(std::string("(#[0-9]+ +0x[0-9a-f]+|inlined into) ") +
                                           each.function + "\\+0x[0-9a-f]+ at kernel/debug/crash.cpp:"));
    }
}

TEST(Crash, PanicNamesItsMessageFileAndLine) {
    auto run = crash("panic");
    EXPECT_EQ(run.exit_code, 1) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("KERNEL PANIC: deliberate panic requested on the command line"));
    EXPECT_THAT(run.serial, HasSubstr("kernel/debug/crash.cpp:"));
    EXPECT_THAT(run.serial, HasSubstr("crash_with_panic"));
    EXPECT_THAT(run.serial, HasSubstr("registers at the panic"));
    expect_backtrace_frame(run.serial, "debug::crash_with_panic", "kernel/debug/crash.cpp",
                           "panic(\"deliberate panic requested");
    // The crash record on COM2 carries the backtrace and the last log lines.
    EXPECT_THAT(run.json_log,
                testing::ContainsRegex("\\{\"level\":\"PANIC\",.*\"backtrace\":\\[\\{\"pc\":\"0x"));
    EXPECT_THAT(run.json_log, HasSubstr("\"function\":\"debug::crash_with_panic\""));
    EXPECT_THAT(run.json_log, HasSubstr("\"recent_log\":[\""));
}

TEST(Crash, UnknownCrashKindPanicsWithTheKnownList) {
    auto run = crash("sideways");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.serial, HasSubstr("crash=sideways did not crash (known kinds: panic, page-fault"));
}

TEST(KernelTests, AFailingTestIsReportedAndFailsTheRun) {
    auto run = e2e::run_kernel("ktest-fails",
                               {"--firmware=bios", "--test",
                                "--cmdline=test=fails_on_purpose_to_check_the_harness", "--timeout=60"});
    EXPECT_EQ(run.exit_code, 1) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("got 4, want 5"));
    EXPECT_THAT(run.serial, HasSubstr("test fails_on_purpose_to_check_the_harness ... FAILED"));
    EXPECT_THAT(run.serial, HasSubstr("0 passed, 1 failed"));
}

TEST(KernelTests, AnExceptionInsideATestFailsTheRunNamingTheTest) {
    auto run = e2e::run_kernel(
        "ktest-exception", {"--firmware=bios", "--test",
                            "--cmdline=test=fails_on_purpose_with_an_unexpected_exception", "--timeout=60"});
    EXPECT_EQ(run.exit_code, 1) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("Invalid Opcode (#UD)"));
    EXPECT_THAT(run.serial,
                HasSubstr("while running kernel test 'fails_on_purpose_with_an_unexpected_exception'"));
}

TEST(KernelTests, AFilterSelectsBySubstringAndAnEmptySelectionFails) {
    auto run = e2e::run_kernel("ktest-filter",
                               {"--firmware=bios", "--test", "--cmdline=test=breakpoint", "--timeout=60"});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("running 1 kernel test matching breakpoint"));
    EXPECT_THAT(run.serial, HasSubstr("1 passed, 0 failed"));

    auto none = e2e::run_kernel("ktest-none",
                                {"--firmware=bios", "--test", "--cmdline=test=no_such_test", "--timeout=60"});
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_THAT(none.serial, HasSubstr("no kernel test matches 'no_such_test'"));
}

} // namespace
