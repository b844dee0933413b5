// The runner's command line: every option parsed and validated into RunnerOptions. Pure: nothing here
// touches the file system, so the tests can feed it any argument list.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runner {

enum class Firmware { Uefi, Bios };
enum class Machine { Pc, Q35 };
enum class Accel { Auto, Kvm, Tcg };

const char* firmware_name(Firmware firmware);
const char* machine_name(Machine machine);
const char* accel_name(Accel accel);

// Where OVMF lives on Debian (package ovmf).
inline constexpr const char* ovmf_path = "/usr/share/ovmf/OVMF.fd";
#ifdef BLOG_OS_DEFAULT_INITRD
// The build's initrd archive, which --direct boots when --initrd is not given.
inline constexpr const char* default_initrd_path = BLOG_OS_DEFAULT_INITRD;
#else
inline constexpr const char* default_initrd_path = "";
#endif
// --test runs get a timeout unless the user gives one, so a hung kernel cannot stall a test suite.
inline constexpr int default_test_timeout_seconds = 120;
// Bad usage is not a kernel result: it gets sysexits' EX_USAGE, outside qemu::RunnerExit's range.
inline constexpr int usage_exit_code = 64;

// Keys typed into the guest (--send-keys) once COM1 has shown `after` (empty: at once), counted
// from when the previous step's keys were sent.
struct KeyStep {
    std::string after;
    std::string keys; // keys.h's syntax, checked when parsed
};

// A disk image given with --disk: a virtio-blk-pci device over QEMU's -drive.
struct DiskImage {
    std::string path;
    std::string format; // "raw" or "qcow2"
    bool read_only = false;
};

// "IMAGE", "IMAGE,format=qcow2", "IMAGE,readonly": the format from the suffix, else the file's
// extension (.qcow2), else raw. Returns an error text, empty on success.
std::string parse_disk(std::string_view text, DiskImage& disk);

struct RunnerOptions {
    std::string iso;
    std::string kernel;
    std::string initrd; // A directory or an archive; empty: the ISO's own /boot/initrd.cpio.
    // A Linux kernel image booted instead of the ISO (QEMU's -kernel), to compare with Linux under
    // the same QEMU options: --initrd becomes -initrd, --cmdline becomes -append.
    std::string linux_kernel;
    // Boot `kernel` directly with QEMU's -kernel (PVH) instead of the ISO through GRUB: --initrd (or
    // the build's initrd.cpio) becomes -initrd; --cmdline goes through fw_cfg as usual. SeaBIOS only.
    bool direct = false;
    std::string serial_log = "serial.log";
    Firmware firmware = Firmware::Uefi;
    Machine machine = Machine::Pc;
    std::string memory = "512M";
    std::optional<int> smp;
    std::string cmdline;
    bool test = false;
    bool headless = false;
    std::optional<int> timeout_seconds; // As given; see effective_timeout_seconds().
    std::string screenshot;
    std::vector<std::string> expectations;
    std::vector<KeyStep> key_steps;
    std::string next_keys_after; // --keys-after waiting for its --send-keys
    bool gdb = false;
    std::string gdb_script;
    bool debug_int = false;
    Accel accel = Accel::Auto;
    std::vector<std::string> qemu_args;
    std::vector<DiskImage> disks; // --disk, in order: /dev/vda, /dev/vdb, …
    bool help = false;

    // 0 means no timeout. --test implies one; --gdb never has one (a debugging session takes its time).
    int effective_timeout_seconds() const;
    bool boots_linux() const { return !linux_kernel.empty(); }
    // Either way QEMU loads the kernel itself and no ISO is involved.
    bool boots_without_iso() const { return boots_linux() || direct; }
    // --test implies --headless.
    bool is_headless() const { return headless || test; }
};

struct ParseResult {
    RunnerOptions options;
    std::string error; // Empty on success.
};

// args excludes argv[0]. default_gdb_script is the compiled-in path used when --gdb-script is absent.
ParseResult parse_options(const std::vector<std::string>& args, std::string_view default_gdb_script);

// Accepts a number of MiB ("1024") or a number with an M/G/T suffix ("128M", "4g"); never zero.
bool is_valid_memory_size(std::string_view text);

std::string usage_text();

} // namespace runner
