// How the way QEMU ended becomes the runner's exit status and the lines it prints about it. Pure, so the
// whole table is unit-tested.
#pragma once

#include "qemu/exit_codes.h"

#include <string>
#include <vector>

namespace runner {

struct QemuTermination {
    enum class Kind { Exited, Signaled };
    Kind kind = Kind::Exited;
    int value = 0; // Exit status or signal number.

    static QemuTermination exited(int status) { return {Kind::Exited, status}; }
    static QemuTermination signaled(int signal) { return {Kind::Signaled, signal}; }
};

struct ExitDecision {
    qemu::RunnerExit code = qemu::RunnerExit::Success;
    std::vector<std::string> messages; // Each printed on stderr as one line.

    int status() const { return static_cast<int>(code); }
};

// Why QEMU's machine shut down, from QMP's SHUTDOWN event ("reason"); Unknown without one.
enum class ShutdownReason { Unknown, GuestPowerOff, GuestReset, Host };
ShutdownReason shutdown_reason_from_qmp(const std::string& reason);

// QEMU ended by itself (not killed by the runner). test_mode: --test, where an exit without a report
// means the guest reset or powered off (a triple fault under -no-reboot) rather than a user closing QEMU.
// Outside --test, status 0 is a success (an ACPI power-off, or the user closing QEMU) unless the reason
// says the guest reset the machine: GuestReset.
ExitDecision map_qemu_exit(QemuTermination termination, bool test_mode,
                           ShutdownReason reason = ShutdownReason::Unknown);

// What a run that wanted --expect texts (and maybe a screenshot) ends with when QEMU exits first: a mapped
// success becomes a failure naming what never came. screenshot_problem is empty when there is none.
ExitDecision apply_unmet_goals(ExitDecision decision, const std::vector<std::string>& missing_expectations,
                               const std::string& screenshot_problem);

} // namespace runner
