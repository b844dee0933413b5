// Ending the system: halt, power off, restart — what reboot(2) asks for. Each logs as Linux does
// ("Power down", "Restarting system"), syncs the file systems, then tries the machine's ways in
// order (ACPI first, the PC's legacy ones after) and, if the machine is still running, halts.
// Call them from a task, never an interrupt handler: they may sleep (a second caller sleeps for good).
#pragma once

#include "ktl/string_view.h"

namespace power {

// Stops every processor with interrupts off after "System halted.".
[[noreturn]] void halt();
// ACPI S5; halts (saying so) when that is missing or fails.
[[noreturn]] void power_off();
// The FADT reset register, then 0xCF9, the keyboard controller and a triple fault. `command` (from
// LINUX_REBOOT_CMD_RESTART2) is only logged; empty for a plain restart.
[[noreturn]] void restart(ktl::StringView command = {});

// What every way down does first: each mounted file system written back (FileSystem::power_off, so
// a disk still mounted is marked clean), then every block device. For the kernel's own stop when
// the first process ends, which leaves QEMU without going through reboot(2).
void sync_for_shutdown();

// Ctrl-Alt-Del's meaning (LINUX_REBOOT_CMD_CAD_ON/OFF): stored for the keyboard driver to consult.
void set_ctrl_alt_del_reboots(bool enabled);
bool ctrl_alt_del_reboots();

} // namespace power
