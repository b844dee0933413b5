// Everything that turns RunnerOptions into QEMU's argv. Pure: what depends on the machine (the chosen
// accelerator, DISPLAY, the temporary QMP socket, the gdb port) arrives in a QemuPlan made by main.cpp.
#pragma once

#include "options.h"

#include <string>
#include <string_view>
#include <vector>

namespace runner {

inline constexpr const char* qemu_binary = "qemu-system-x86_64";

// The decisions taken at run time that the argv depends on.
struct QemuPlan {
    Accel accel = Accel::Tcg;   // Already resolved: Kvm or Tcg.
    std::string boot_iso;       // The image to boot when it is not options.iso (--initrd's copy).
    std::string initrd_archive; // With --linux or --direct: the archive for -initrd (packed if a directory).
    std::string json_log_path;
    std::string qmp_socket_path;
    std::string debug_log_path; // Used with --debug-int.
    int gdb_port = 0;           // Used with --gdb.
    bool display_available = false;
    // COM1 is the runner's terminal (qemu_stdin_is_terminal): Ctrl-C goes to the guest, and QEMU's
    // monitor shares the line behind Ctrl-A (Ctrl-A X quits, Ctrl-A C switches to the monitor).
    bool interactive = false;
};

// COM2's file: "x/serial.log" -> "x/serial.json.log", anything else gets ".json" appended.
std::string json_log_path_for(std::string_view serial_log);

// The directory holding the serial log ("." for a bare file name), where --debug-int's log goes.
std::string directory_of(std::string_view path);

// QEMU's option syntax splits on commas; a literal comma inside a value is written twice.
std::string escape_qemu_option_value(std::string_view value);

// The command line the kernel gets: --test puts the word "test" in front unless a "test" or "test=..."
// word is already there.
std::string effective_cmdline(const RunnerOptions& options);

// Linux's command line under --linux: COM1 is its console unless the caller chose one.
std::string linux_cmdline(std::string_view cmdline);

// Whether COM1 gets the runner's terminal as input: only for an interactive run on a tty.
bool qemu_stdin_is_terminal(const RunnerOptions& options, bool stdin_is_tty);

// Whether QEMU should show no window: --headless/--test, or no X display to show one on.
bool use_display_none(const RunnerOptions& options, bool display_available);

// auto means kvm only where it can run guests: a kvm_intel or kvm_amd module is listed in /proc/modules
// (other providers of /dev/kvm, such as kvm_pvm, cannot) and /dev/kvm opens read-write.
Accel resolve_accel(Accel requested, std::string_view proc_modules, bool kvm_device_usable);

std::vector<std::string> build_qemu_argv(const RunnerOptions& options, const QemuPlan& plan);

// The path inside every ISO where GRUB finds the initrd (iso/grub.cfg loads it as module "initrd").
inline constexpr const char* iso_initrd_path = "/boot/initrd.cpio";

// xorriso copying base_iso to output_iso with iso_initrd_path replaced by initrd_file. "-boot_image any
// replay" carries GRUB's BIOS and EFI boot setup over (El Torito entries, the GRUB MBR, the EFI system
// partition image in the GPT); "-hfsplus off" drops grub-mkrescue's HFS+ tree for Macs, with which
// libisofs 1.5.4 fails ("GPT partitions 1 and 2 overlap").
std::vector<std::string> build_xorriso_replace_argv(const std::string& base_iso,
                                                    const std::string& initrd_file,
                                                    const std::string& output_iso);

// The gdb command line for --gdb; gdb_script is left out when empty.
std::vector<std::string> build_gdb_argv(const std::string& kernel, int port, const std::string& gdb_script);

} // namespace runner
