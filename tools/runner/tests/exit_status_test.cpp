// The exit mapping table, including what unmet --expect texts and screenshots do to it.
#include "exit_status.h"

#include <gtest/gtest.h>

namespace {

using qemu::KernelExit;
using qemu::RunnerExit;
using runner::map_qemu_exit;
using runner::QemuTermination;

TEST(runner_exit_status, KernelReports) {
    EXPECT_EQ(qemu::qemu_status_for(KernelExit::Success), 33);
    EXPECT_EQ(qemu::qemu_status_for(KernelExit::Failure), 35);
    EXPECT_EQ(qemu::qemu_status_for(KernelExit::PanicWhileReporting), 37);
    for (bool test_mode : {false, true}) {
        auto success = map_qemu_exit(QemuTermination::exited(33), test_mode);
        EXPECT_EQ(success.code, RunnerExit::Success);
        EXPECT_TRUE(success.messages.empty());
        auto failure = map_qemu_exit(QemuTermination::exited(35), test_mode);
        EXPECT_EQ(failure.status(), 1);
        EXPECT_EQ(failure.messages, std::vector<std::string>{"runner: kernel reported failure"});
        EXPECT_EQ(map_qemu_exit(QemuTermination::exited(37), test_mode).status(), 2);
    }
}

TEST(runner_exit_status, ZeroMeansNoReportInTestModeOnly) {
    auto test = map_qemu_exit(QemuTermination::exited(0), true);
    EXPECT_EQ(test.status(), 3);
    EXPECT_EQ(test.messages, std::vector<std::string>{
                                 "runner: the machine stopped without reporting a result (triple fault?)"});
    auto interactive = map_qemu_exit(QemuTermination::exited(0), false);
    EXPECT_EQ(interactive.status(), 0);
    EXPECT_TRUE(interactive.messages.empty());
}

// QMP's SHUTDOWN reason tells an ACPI power-off from a reset that -no-reboot turned into an exit.
TEST(runner_exit_status, ZeroWithAShutdownReason) {
    using runner::ShutdownReason;
    EXPECT_EQ(runner::shutdown_reason_from_qmp("guest-shutdown"), ShutdownReason::GuestPowerOff);
    EXPECT_EQ(runner::shutdown_reason_from_qmp("guest-reset"), ShutdownReason::GuestReset);
    EXPECT_EQ(runner::shutdown_reason_from_qmp("host-qmp-quit"), ShutdownReason::Host);
    EXPECT_EQ(runner::shutdown_reason_from_qmp(""), ShutdownReason::Unknown);

    auto power_off = map_qemu_exit(QemuTermination::exited(0), false, ShutdownReason::GuestPowerOff);
    EXPECT_EQ(power_off.status(), 0);
    EXPECT_EQ(power_off.messages, std::vector<std::string>{"runner: the guest powered the machine off"});
    auto reset = map_qemu_exit(QemuTermination::exited(0), false, ShutdownReason::GuestReset);
    EXPECT_EQ(reset.status(), 5);
    EXPECT_EQ(reset.messages,
              std::vector<std::string>{"runner: the guest reset the machine (QEMU runs with -no-reboot)"});
    EXPECT_EQ(map_qemu_exit(QemuTermination::exited(0), false, ShutdownReason::Host).status(), 0);
    // Under --test neither is a result.
    EXPECT_EQ(map_qemu_exit(QemuTermination::exited(0), true, ShutdownReason::GuestReset).status(), 3);
    auto test_power_off = map_qemu_exit(QemuTermination::exited(0), true, ShutdownReason::GuestPowerOff);
    EXPECT_EQ(test_power_off.status(), 3);
    EXPECT_EQ(test_power_off.messages,
              std::vector<std::string>{"runner: the machine powered off without reporting a result"});
    // A status the kernel reported wins whatever the reason.
    EXPECT_EQ(map_qemu_exit(QemuTermination::exited(33), false, ShutdownReason::GuestReset).status(), 0);
}

TEST(runner_exit_status, UnknownStatusesAndSignals) {
    for (int status : {1, 2, 32, 34, 36, 255}) {
        auto decision = map_qemu_exit(QemuTermination::exited(status), true);
        EXPECT_EQ(decision.status(), 3) << status;
        EXPECT_EQ(decision.messages,
                  std::vector<std::string>{"runner: unknown exit status " + std::to_string(status)});
    }
    auto killed = map_qemu_exit(QemuTermination::signaled(9), false);
    EXPECT_EQ(killed.status(), 10);
    ASSERT_EQ(killed.messages.size(), 1u);
    EXPECT_NE(killed.messages[0].find("signal 9"), std::string::npos);
}

TEST(runner_exit_status, UnmetExpectationsTurnSuccessIntoFailure) {
    auto decision =
        runner::apply_unmet_goals(map_qemu_exit(QemuTermination::exited(33), true), {"a", "b c"}, "");
    EXPECT_EQ(decision.status(), 1);
    EXPECT_EQ(decision.messages, (std::vector<std::string>{"runner: expected text never appeared: a",
                                                           "runner: expected text never appeared: b c"}));
    // A user closing QEMU (status 0 outside --test) is a success that the missing text also overrides.
    EXPECT_EQ(runner::apply_unmet_goals(map_qemu_exit(QemuTermination::exited(0), false), {"a"}, "").status(),
              1);
}

TEST(runner_exit_status, UnmetGoalsLeaveOtherResultsAlone) {
    auto failure = runner::apply_unmet_goals(map_qemu_exit(QemuTermination::exited(37), true), {"a"}, "x");
    EXPECT_EQ(failure.status(), 2);
    EXPECT_EQ(failure.messages.size(), 1u);
    auto met = runner::apply_unmet_goals(map_qemu_exit(QemuTermination::exited(33), true), {}, "");
    EXPECT_EQ(met.status(), 0);
}

TEST(runner_exit_status, MissingScreenshotIsAnUnmetGoal) {
    auto decision = runner::apply_unmet_goals(map_qemu_exit(QemuTermination::exited(33), true), {},
                                              "screenshot failed: x");
    EXPECT_EQ(decision.status(), 1);
    EXPECT_EQ(decision.messages, std::vector<std::string>{"runner: screenshot failed: x"});
}

TEST(runner_exit_status, RunnerExitValues) {
    EXPECT_EQ(static_cast<int>(RunnerExit::Timeout), 4);
    EXPECT_EQ(static_cast<int>(RunnerExit::GuestReset), 5);
    EXPECT_EQ(static_cast<int>(RunnerExit::QemuKilled), 10);
}

} // namespace
