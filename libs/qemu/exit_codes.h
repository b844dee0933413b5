// What the kernel and the runner agree on: the isa-debug-exit port and values, the runner's exit codes,
// and the marker lines the runner looks for on COM1.
#pragma once

#include <cstdint>

namespace qemu {

// isa-debug-exit: QEMU exits with (value << 1) | 1. Zero cannot be produced that way (it is what a
// triple fault gives under -no-reboot), so success is 0x10.
inline constexpr uint16_t debug_exit_port = 0xf4;

enum class KernelExit : uint32_t {
    Success = 0x10,
    Failure = 0x11,
    PanicWhileReporting = 0x12,
};

constexpr int qemu_status_for(KernelExit exit) {
    return static_cast<int>((static_cast<uint32_t>(exit) << 1) | 1);
}

// The runner's own exit status.
enum class RunnerExit : int {
    Success = 0,
    Failure = 1,
    PanicWhileReporting = 2,
    Unknown = 3,
    Timeout = 4,
    GuestReset = 5, // outside --test: the guest reset the machine, which -no-reboot turns into QEMU's exit
    QemuKilled = 10,
};

// fw_cfg file through which the runner passes the kernel command line, whatever the firmware.
inline constexpr const char* cmdline_fw_cfg_name = "opt/blog_os/cmdline";

// Printed on COM1 once the boot screen (banner and boot log) is drawn: the runner takes its screenshot then.
inline constexpr const char* banner_drawn_marker = "blog_os: banner drawn";
// Printed on COM1 when the kernel has finished booting (no test mode): the boot-log test waits for it.
inline constexpr const char* boot_complete_marker = "blog_os: boot complete";

} // namespace qemu
