// The exit mapping table; see exit_status.h.
#include "exit_status.h"

#include <cstring>

namespace runner {

using qemu::KernelExit;
using qemu::RunnerExit;

ShutdownReason shutdown_reason_from_qmp(const std::string& reason) {
    if (reason == "guest-shutdown")
        return ShutdownReason::GuestPowerOff;
    if (reason == "guest-reset")
        return ShutdownReason::GuestReset;
    if (reason.starts_with("host-"))
        return ShutdownReason::Host;
    return ShutdownReason::Unknown;
}

ExitDecision map_qemu_exit(QemuTermination termination, bool test_mode, ShutdownReason reason) {
    if (termination.kind == QemuTermination::Kind::Signaled) {
        const char* name = strsignal(termination.value);
        return {RunnerExit::QemuKilled,
                {"runner: QEMU was killed by signal " + std::to_string(termination.value) + " (" +
                 (name ? name : "unknown") + ")"}};
    }
    int status = termination.value;
    if (status == qemu::qemu_status_for(KernelExit::Success))
        return {RunnerExit::Success, {}};
    if (status == qemu::qemu_status_for(KernelExit::Failure))
        return {RunnerExit::Failure, {"runner: kernel reported failure"}};
    if (status == qemu::qemu_status_for(KernelExit::PanicWhileReporting))
        return {RunnerExit::PanicWhileReporting, {"runner: kernel panicked while reporting its result"}};
    if (status == 0) {
        if (test_mode)
            return {RunnerExit::Unknown,
                    {reason == ShutdownReason::GuestPowerOff
                         ? "runner: the machine powered off without reporting a result"
                         : "runner: the machine stopped without reporting a result (triple fault?)"}};
        if (reason == ShutdownReason::GuestReset)
            return {RunnerExit::GuestReset,
                    {"runner: the guest reset the machine (QEMU runs with -no-reboot)"}};
        if (reason == ShutdownReason::GuestPowerOff)
            return {RunnerExit::Success, {"runner: the guest powered the machine off"}};
        return {RunnerExit::Success, {}}; // The user closed QEMU.
    }
    return {RunnerExit::Unknown, {"runner: unknown exit status " + std::to_string(status)}};
}

ExitDecision apply_unmet_goals(ExitDecision decision, const std::vector<std::string>& missing_expectations,
                               const std::string& screenshot_problem) {
    if (decision.code != RunnerExit::Success || (missing_expectations.empty() && screenshot_problem.empty()))
        return decision;
    decision.code = RunnerExit::Failure;
    for (const auto& text : missing_expectations)
        decision.messages.push_back("runner: expected text never appeared: " + text);
    if (!screenshot_problem.empty())
        decision.messages.push_back("runner: " + screenshot_problem);
    return decision;
}

} // namespace runner
