// The serial console typed at, as `make run` is: the runner runs on a pseudo-terminal (so it gives
// QEMU its terminal with signal=off) and the keys reach COM1. A line typed there reaches a job that
// took /dev/ttyS0 as its controlling terminal, Ctrl-T still lists the tasks, and Ctrl-C interrupts
// the job instead of killing QEMU.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>

using testing::HasSubstr;

namespace {

TEST(SerialConsole, TypedKeysReachTheForegroundJobAndCtrlCInterruptsIt) {
    e2e::InteractiveRunner runner({"--direct", "--firmware=bios", "--timeout=120",
                                   "--serial-log=" + e2e::test_log_path("e2e-serial-console.log"),
                                   "--cmdline=init=/tests/tty_test -- --child serial_console_job"});
    ASSERT_TRUE(runner.started());
    ASSERT_TRUE(runner.wait_for("Ctrl-A X")) << runner.output(); // the banner names the way out
    ASSERT_TRUE(runner.wait_for("serial job: ready")) << runner.output();
    ASSERT_TRUE(runner.type("\x14")); // Ctrl-T: the kernel lists its tasks, the job sees nothing
    ASSERT_TRUE(runner.wait_for("tty-input")) << runner.output();
    ASSERT_TRUE(runner.type("hello\r"));
    ASSERT_TRUE(runner.wait_for("serial job: read 'hello'")) << runner.output();
    ASSERT_TRUE(runner.type("\x03"));
    ASSERT_TRUE(runner.wait_for("serial job: ended by SIGINT")) << runner.output();
    EXPECT_EQ(runner.exit_code(), 0) << runner.output(); // init's exit stops the machine: QEMU survived ^C
}

} // namespace
