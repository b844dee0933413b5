// The order of the ways down, and what comes before them (see power.h).
#include "power/power.h"

#include "acpi/power.h"
#include "arch/cpu.h"
#include "arch/machine.h"
#include "block/block_cache.h"
#include "console/log.h"
#include "console/serial.h"
#include "fs/vfs.h"
#include "sync/mutex.h"

namespace power {

namespace {

// Linux's prefix for these lines. Logged as warnings: they are the last words on the screen too,
// which shows warnings and errors only once user space runs.
constexpr ktl::StringView log_subsystem = "reboot";

// Ctrl-Alt-Del reboots at once while set; Linux's default is on.
bool g_ctrl_alt_del_reboots = true;
// Held for good by the first caller, as Linux's system_transition_mutex: a racing reboot(2) sleeps
// here instead of stopping a processor the first one may still need.
constinit sync::Mutex g_transition;

// Called first by every way down; a later caller sleeps here for good.
void begin(ktl::StringView what, ktl::StringView command) {
    g_transition.lock(); // never unlocked
    if (command.is_empty())
        klog::warn(log_subsystem, "{}", what);
    else
        klog::warn(log_subsystem, "{} with command '{}'", what, command);
    sync_for_shutdown();
}

// The UART holds up to a FIFO of bytes after write() returns: let the last line reach the wire.
void drain_console() {
    console::com1().wait_until_sent();
    console::com2().wait_until_sent();
}

[[noreturn]] void stop_here() {
    klog::warn(log_subsystem, "System halted.");
    drain_console();
    arch::halt_forever();
}

} // namespace

void sync_for_shutdown() {
    fs::for_each_mount(
        [](const fs::Mount& mount, const fs::Path&) { (void)mount.file_system().power_off(); });
    block::sync_all();
}

void halt() {
    begin("System halted.", {});
    drain_console();
    arch::halt_forever();
}

void power_off() {
    begin("Power down", {});
    drain_console();
    ktl::Error error = acpi::enter_soft_off();
    klog::warn(log_subsystem, "ACPI power-off did not work ({})", error.name());
    stop_here();
}

void restart(ktl::StringView command) {
    begin("Restarting system", command);
    drain_console();
    ktl::Error error = acpi::reset_through_fadt();
    if (error.code() != ktl::Errno::NoEntry)
        klog::warn(log_subsystem, "the ACPI reset register did not reset the machine ({})", error.name());
    drain_console();
    arch::reset_through_legacy_paths();
}

void set_ctrl_alt_del_reboots(bool enabled) {
    __atomic_store_n(&g_ctrl_alt_del_reboots, enabled, __ATOMIC_RELAXED);
}

bool ctrl_alt_del_reboots() {
    return __atomic_load_n(&g_ctrl_alt_del_reboots, __ATOMIC_RELAXED);
}

} // namespace power
