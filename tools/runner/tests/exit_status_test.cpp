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
    EXPECT_EQ(static_cast<int>(RunnerExit::QemuKilled), 10);
}

} // namespace
