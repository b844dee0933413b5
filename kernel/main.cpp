// From the first C++ instruction to a running kernel: console, CPU tables, boot information, clock,
// then either the in-kernel tests or the idle loop.
#include "acpi/acpi.h"
#include "arch/cpu.h"
#include "arch/interrupts.h"
#include "arch/machine.h"
#include "arch/user_mode.h"
#include "arch/x86_64/gdt.h"
#include "block/block_device.h"
#include "block/ramdisk.h"
#include "boot/boot_info.h"
#include "boot/command_line.h"
#include "boot/fw_cfg.h"
#include "boot/multiboot2.h"
#include "boot/pvh.h"
#include "bus/pci.h"
#include "bus/pci_bus.h"
#include "bus/platform.h"
#include "console/console.h"
#include "console/log.h"
#include "debug/benchmarks.h"
#include "debug/crash.h"
#include "debug/debug_keys.h"
#include "debug/panic.h"
#include "debug/symbols.h"
#include "dev/bochs_display.h"
#include "dev/memory_devices.h"
#include "device/device.h"
#include "device/device_classes.h"
#include "fs/devfs/devfs.h"
#include "fs/ext2/ext2fs.h"
#include "fs/initrd.h"
#include "fs/procfs/procfs.h"
#include "fs/sysfs/sysfs.h"
#include "fs/vfs.h"
#include "irq/irq.h"
#include "mm/direct_map.h"
#include "mm/memory.h"
#include "mm/reclaim.h"
#include "mm/stacks.h"
#include "mm/statistics.h"
#include "mm/user_memory.h"
#include "power/power.h"
#include "proc/process.h"
#include "qemu/exit_codes.h"
#include "random/random.h"
#include "sched/scheduler.h"
#include "syscalls/syscalls.h"
#include "test/ktest.h"
#include "time/clock.h"
#include "time/rtc.h"
#include "tty/tty.h"
#include "tty/virtual_terminal.h"
#include "vdso/vdso.h"

extern "C" void (*const __init_array_start[])();
extern "C" void (*const __init_array_end[])();
extern "C" const char __kernel_physical_start[], __kernel_physical_end[];
extern "C" const char __kernel_virtual_start[], __kernel_virtual_end[];

namespace {

constexpr ktl::StringView log_subsystem = "boot";
// The Multiboot2 information is at most a few pages; anything claiming more is corrupt.
constexpr uint32_t max_boot_info_size = 1 << 20;

boot::BootInfo boot_info;
char command_line_text[2048];
ktl::StringView command_line_view;
// root= mounted a disk's file system as the root: the first program comes from there.
bool root_from_device = false;

constexpr size_t boot_stack_size = 64 * 1024;
constexpr size_t critical_stack_size = 16 * 1024;

void run_global_constructors() {
    for (auto constructor = __init_array_start; constructor != __init_array_end; ++constructor)
        (*constructor)();
}

// Text (KiB/MiB/GiB) for a byte count, e.g. "511 MiB".
struct HumanSize {
    uint64_t bytes;
};
void format_value(ktl::FormatSink& sink, const ktl::FormatSpec&, const HumanSize& size) {
    constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    uint64_t value = size.bytes;
    int unit = 0;
    while ((value >= 1024 * 10 || (value >= 1024 && value % 1024 == 0)) && unit < 4) {
        value /= 1024;
        ++unit;
    }
    ktl::format_to(sink, "{} {}", value, units[unit]);
}

void log_boot_warnings(const boot::BootWarnings& warnings) {
    for (boot::BootWarning warning : warnings.list)
        klog::warn(log_subsystem, "boot information: {}", boot::describe(warning));
    if (warnings.dropped)
        klog::warn(log_subsystem, "boot information: {} more warnings not shown", warnings.dropped);
}

// Physical memory as the PVH parser may read it: what the boot direct map covers (the first 4 GiB).
ktl::ErrorOr<ktl::ByteReader> read_direct_mapped(const void*, uint64_t address, size_t length) {
    uint64_t limit = mm::direct_map_size();
    if (address > limit || length > limit - address)
        return ktl::Errno::InvalidArgument;
    return ktl::ByteReader(mm::physical_to_virtual<const uint8_t>(address), length);
}

// Booted through PVH (QEMU's -kernel): ebx pointed at a hvm_start_info.
void parse_pvh_boot_info(uint32_t start_info_physical) {
    boot::BootWarnings warnings;
    boot::PvhError error;
    auto result = boot::parse_pvh(boot::PhysicalMemory{nullptr, read_direct_mapped}, start_info_physical,
                                  boot_info, warnings, error);
    if (result.is_error())
        debug::panic("the PVH start information at {:#x} is unusable: {}; cannot continue",
                     start_info_physical, boot::describe(error));
    log_boot_warnings(warnings);
}

void parse_boot_info(uint32_t magic, uint32_t info_physical) {
    if (magic == boot::pvh_start_magic)
        return parse_pvh_boot_info(info_physical);
    if (magic != boot::multiboot2_bootloader_magic)
        debug::panic("not booted by a Multiboot2 or PVH loader (magic {:#x})", magic);
    if (info_physical % 8 != 0 || info_physical == 0)
        debug::panic("Multiboot2 information at a misaligned address {:#x}", info_physical);
    uint32_t declared_size = *mm::physical_to_virtual<const uint32_t>(info_physical);
    if (declared_size < 16 || declared_size > max_boot_info_size)
        debug::panic("Multiboot2 information claims an impossible size of {} bytes", declared_size);
    if (uint64_t(info_physical) + declared_size > mm::direct_map_size())
        debug::panic("Multiboot2 information at {:#x} (+{} bytes) lies outside the direct map", info_physical,
                     declared_size);
    ktl::ByteReader bytes(mm::physical_to_virtual<const uint8_t>(info_physical), declared_size);
    boot::BootWarnings warnings;
    auto result = boot::parse_multiboot2(bytes, info_physical, boot_info, warnings);
    if (result.is_error())
        debug::panic("the Multiboot2 information is malformed ({}); cannot continue", result.error().name());
    log_boot_warnings(warnings);
}

// RAM of every kind and the framebuffer; reserved holes (QEMU reports one just below 1 TiB) are
// device space that the memory manager maps on request.
uint64_t highest_direct_mapped_address() {
    uint64_t highest = 0;
    for (const boot::MemoryRegion& region : boot_info.memory_map)
        if (region.type != boot::MemoryType::Reserved && region.type != boot::MemoryType::Defective &&
            region.end() > highest)
            highest = region.end();
    if (boot_info.has_framebuffer) {
        const boot::FramebufferInfo& framebuffer = boot_info.framebuffer;
        uint64_t end = framebuffer.physical_address + uint64_t(framebuffer.pitch) * framebuffer.height;
        if (end > highest)
            highest = end;
    }
    return highest;
}

// The loader's command line (GRUB's, or QEMU's -append under PVH) first, then the runner's (fw_cfg),
// so the runner's words win.
boot::CommandLine assemble_command_line() {
    ktl::BufferSink text(command_line_text, sizeof command_line_text - 1);
    text.write(ktl::StringView(boot_info.command_line));
    char from_fw_cfg[1024];
    auto fw_cfg = boot::read_fw_cfg_file(qemu::cmdline_fw_cfg_name, from_fw_cfg, sizeof from_fw_cfg);
    if (!fw_cfg.is_error()) {
        if (text.length() > 0)
            text.write(" ");
        text.write(ktl::StringView(from_fw_cfg, fw_cfg.value()));
    }
    command_line_text[text.length()] = '\0';
    command_line_view = text.view();
    return boot::CommandLine(command_line_view);
}

// What the screen shows of the log once boot is over: Linux's console loglevel, errors and warnings.
int console_loglevel = 5;

// `loglevel=` takes a name (which records are made at all) or, as Linux's, a number 0-8 (which of
// them the screen shows after boot: those whose priority is below it).
void apply_log_level(const boot::CommandLine& command_line) {
    ktl::StringView requested = command_line.value_of("loglevel");
    if (requested.is_empty())
        return;
    klog::Level level;
    if (requested.length() == 1 && requested[0] >= '0' && requested[0] <= '8')
        console_loglevel = requested[0] - '0';
    else if (klog::parse_level(requested, level))
        klog::set_max_level(level);
    else
        klog::warn(log_subsystem, "unknown loglevel '{}' (use 0-8, error, warn, info, debug or trace)",
                   requested);
}

void start_framebuffer_console() {
    if (!boot_info.has_framebuffer) {
        klog::info("console", "no framebuffer from the loader: serial console only");
        return;
    }
    const boot::FramebufferInfo& framebuffer = boot_info.framebuffer;
    uint64_t end = framebuffer.physical_address + uint64_t(framebuffer.pitch) * framebuffer.height;
    if (end > mm::direct_map_size()) {
        klog::warn("console", "framebuffer at {:#x} lies outside the direct map; serial console only",
                   framebuffer.physical_address);
        return;
    }
    if (!console::initialize_framebuffer(framebuffer,
                                         mm::physical_to_virtual<uint8_t>(framebuffer.physical_address))) {
        klog::warn("console", "cannot draw on a {} bpp framebuffer of kind {}; serial console only",
                   framebuffer.bits_per_pixel, static_cast<int>(framebuffer.kind));
        return;
    }
    klog::info("console", "framebuffer {}x{}, {} bpp, pitch {}, at {:#x}", framebuffer.width,
               framebuffer.height, framebuffer.bits_per_pixel, framebuffer.pitch,
               framebuffer.physical_address);
}

void log_boot_info() {
    klog::info(log_subsystem, "loaded by '{}', command line '{}'", boot_info.loader_name, command_line_text);
    uint64_t kernel_size = __kernel_physical_end - __kernel_physical_start;
    klog::info(log_subsystem, "kernel: physical {:#x}..{:#x}, virtual {:#x}..{:#x}, {}",
               reinterpret_cast<uint64_t>(__kernel_physical_start),
               reinterpret_cast<uint64_t>(__kernel_physical_end),
               reinterpret_cast<uint64_t>(__kernel_virtual_start),
               reinterpret_cast<uint64_t>(__kernel_virtual_end), HumanSize{kernel_size});
    if (boot_info.modules.is_empty())
        klog::info(log_subsystem, "ramdisk: none");
    for (const boot::BootModule& module : boot_info.modules)
        klog::info(log_subsystem, "ramdisk/module '{}': physical {:#x}, {} bytes", module.name, module.start,
                   module.end - module.start);
    klog::info(log_subsystem, "memory map ({} regions, {} usable):", boot_info.memory_map.size(),
               HumanSize{boot_info.usable_bytes()});
    for (const boot::MemoryRegion& region : boot_info.memory_map)
        klog::info(log_subsystem, "  {:#014x}..{:#014x} {:>10} {}", region.base, region.end(),
                   HumanSize{region.length}, boot::memory_type_name(region.type));
    if (boot_info.has_rsdp)
        klog::info(log_subsystem, "ACPI RSDP revision {}: RSDT {:#x}, XSDT {:#x}{}", boot_info.rsdp.revision,
                   boot_info.rsdp.rsdt_address, boot_info.rsdp.xsdt_address,
                   boot_info.rsdp.checksum_ok ? "" : " (bad checksum)");
    else
        klog::warn(log_subsystem, "no ACPI RSDP from the loader");
    klog::info(log_subsystem, "direct map: {} of physical address space at {:#x}",
               HumanSize{mm::direct_map_size()}, mm::direct_map_base);
}

mm::KernelStack boot_stack;

// Stacks with guard pages for the rest of boot and for the exceptions that get their own.
uint64_t install_guarded_stacks() {
    struct {
        const char* owner;
        size_t size;
    } const wanted[] = {{"boot", boot_stack_size},
                        {"double-fault", critical_stack_size},
                        {"nmi", critical_stack_size},
                        {"machine-check", critical_stack_size},
                        {"ring0-entry", critical_stack_size}};
    uint64_t tops[5];
    for (int i = 0; i < 5; ++i) {
        auto stack = mm::allocate_kernel_stack(wanted[i].owner, wanted[i].size);
        if (stack.is_error())
            debug::panic("cannot allocate the {} stack: {}", wanted[i].owner, stack.error().name());
        tops[i] = stack.value().top;
        if (i == 0)
            boot_stack = stack.value();
    }
    arch::set_critical_stack(arch::CriticalStack::DoubleFault, tops[1]);
    arch::set_critical_stack(arch::CriticalStack::NonMaskable, tops[2]);
    arch::set_critical_stack(arch::CriticalStack::MachineCheck, tops[3]);
    arch::set_ring0_entry_stack(tops[4]);
    return tops[0];
}

// The first process ended: nothing is left to run the system, so it stops, as Linux panics.
[[noreturn]] void on_first_process_exit(int wait_status) {
    int signal = proc::terminating_signal(wait_status);
    klog::info(log_subsystem, "the first process ended ({} {}): stopping", signal ? "signal" : "code",
               signal ? signal : proc::exit_code_of(wait_status));
    power::sync_for_shutdown(); // what it wrote to disks is kept, as a reboot(2) would keep it
    arch::exit_emulator(proc::shell_status(wait_status) == 0 ? qemu::KernelExit::Success
                                                             : qemu::KernelExit::Failure);
}

// The boot task becomes the first process: `init=` (default /init) from the root, with the
// command line's words after `--` as its arguments. Returns if there is nothing to start.
void start_first_process(const boot::CommandLine& command_line) {
    ktl::StringView path = command_line.value_of("init", "/init");
    if (!fs::has_initrd() && !root_from_device) {
        klog::warn(log_subsystem, "no initrd and no root=: no first process to start");
        return;
    }
    constexpr size_t max_arguments = 64;
    ktl::StringView argv[max_arguments] = {path};
    size_t argc = 1;
    command_line.for_each_program_argument([&](ktl::StringView word) {
        if (argc < max_arguments)
            argv[argc++] = word;
    });
    ktl::StringView envp[] = {"HOME=/", "TERM=linux", "PATH=/bin:/sbin:/usr/bin"};
    ktl::Error error = proc::become_first_process(path, {argv, argc, envp, 3}, on_first_process_exit);
    klog::error(log_subsystem, "cannot start {}: {}", path, error.name());
}

// devtmpfs on /dev (with devpts), proc on /proc and sysfs on /sys of the root, making the
// directories (and /tmp) where the root lacks them.
void mount_system_directories() {
    fs::Path root = fs::root_path();
    if (root.is_null())
        return;
    fs::Lookup lookup{root, root, {}, 0};
    auto made = fs::make_directory(lookup, "/dev", 0755);
    if (made.is_error() && made.error().code() != ktl::Errno::Exists)
        klog::error(log_subsystem, "no /dev: {}", made.error().name());
    auto dev = fs::resolve(lookup, "/dev");
    if (dev.is_error() || fs::mount("devtmpfs", dev.value(), "devtmpfs", 0, "").is_error())
        klog::error(log_subsystem, "cannot mount devtmpfs on /dev");
    tty::mount_devpts();
    for (ktl::StringView directory :
         {ktl::StringView("/tmp"), ktl::StringView("/proc"), ktl::StringView("/sys")}) {
        auto created = fs::make_directory(lookup, directory, directory == "/tmp" ? 01777 : 0555);
        if (created.is_error() && created.error().code() != ktl::Errno::Exists)
            klog::warn(log_subsystem, "no {}: {}", directory, created.error().name());
    }
    // Where Linux's init mounts it, with the same flags: "proc /proc proc rw,nosuid,nodev,noexec".
    auto proc_directory = fs::resolve(lookup, "/proc");
    if (proc_directory.is_error() ||
        fs::mount("proc", proc_directory.value(), "proc",
                  fs::mount_no_set_uid | fs::mount_no_devices | fs::mount_no_execute, "")
            .is_error())
        klog::error(log_subsystem, "cannot mount proc on /proc");
    auto sys_directory = fs::resolve(lookup, "/sys");
    if (sys_directory.is_error() ||
        fs::mount("sysfs", sys_directory.value(), "sysfs",
                  fs::mount_no_set_uid | fs::mount_no_devices | fs::mount_no_execute, "")
            .is_error())
        klog::error(log_subsystem, "cannot mount sysfs on /sys");
}

// root=/dev/vda: the disk's file system becomes the root, mounted over the initrd's tmpfs (which
// stays below it, as Linux's rootfs), with /dev, /proc and /sys mounted on it again. `ro` mounts it
// read-only; rootfstype= may only say ext2. A root that cannot be mounted leaves the initrd's.
void mount_root_device(const boot::CommandLine& command_line) {
    ktl::StringView root = command_line.value_of("root", "");
    if (root.is_empty())
        return;
    ktl::StringView type = command_line.value_of("rootfstype", "ext2");
    if (type != "ext2") {
        klog::error(log_subsystem, "root={}: rootfstype={} is not known, staying on the initrd", root, type);
        return;
    }
    ktl::StringView name = root.starts_with("/dev/") ? root.substring(5) : root;
    ktl::RefPtr<block::BlockDevice> device = block::find_device(name);
    if (!device) {
        klog::error(log_subsystem, "root={}: no such block device, staying on the initrd", root);
        return;
    }
    const bool read_only = command_line.has_flag("ro");
    auto file_system = fs::ext2fs::mount_device(device, read_only);
    fs::Path old_root = fs::root_path();
    if (file_system.is_error() || old_root.is_null() ||
        fs::attach(file_system.release_value(), &old_root, root,
                   read_only ? static_cast<uint64_t>(fs::mount_read_only) : 0)
            .is_error()) {
        klog::error(log_subsystem, "root={}: cannot mount it, staying on the initrd", root);
        return;
    }
    klog::info(log_subsystem, "root is {} (ext2, {})", root, read_only ? "read-only" : "read-write");
    root_from_device = true;
    mount_system_directories();
}

// The root tmpfs with the initrd unpacked into it, devfs at /dev and procfs at /proc.
void start_file_systems() {
    mm::start_reclaim();
    fs::initialize_vfs();
    fs::devfs::register_type();
    fs::procfs::register_type(command_line_view);
    fs::sysfs::register_type();
    dev::register_memory_devices();
    tty::register_terminal_devices();
    fs::unpack_initrd(boot_info);
    fs::ext2fs::register_type();
    mount_system_directories();
}

// The rest of boot, on the guarded "boot" stack.
[[noreturn]] void continue_boot() {
    sched::initialize(boot_stack);
    time::initialize_realtime_clock();
    vdso::initialize(); // after the clock has chosen its source and set the wall clock
    random::initialize();
    syscalls::initialize();
    mm::install_demand_paging();
    tty::initialize_serial_input();
    debug::install_debug_keys();
    fs::sysfs::initialize();
    device::start_device_classes();
    bus::platform::add_devices();
    boot::CommandLine command_line(command_line_view);
    bus::pci::initialize(command_line);
    bus::pci::add_devices();
    start_file_systems();
    block::initialize();
    block::create_ram_disks(command_line);
    dev::set_video_option(boot::CommandLine(command_line_view).value_of("video"));
    device::register_builtin_drivers();
    mount_root_device(command_line);
    mm::MemoryStatistics memory = mm::memory_statistics();
    klog::info("mm", "ready: {} free of {}, heap {} in use, {} kernel stacks",
               HumanSize{memory.frames.free_frames * 4096}, HumanSize{memory.frames.total_frames * 4096},
               HumanSize{memory.heap.bytes_allocated}, memory.kernel_stacks);

    if (command_line.has("crash"))
        debug::crash_on_purpose(command_line.value_of("crash"));
    if (command_line.has_flag("bench"))
        debug::run_benchmarks();
    if (command_line.has_flag("test") || command_line.has("test"))
        ktest::run_tests(command_line.value_of("test"));

    // The screen is complete now: a screenshot taken at this marker shows the whole boot log.
    if (console::has_framebuffer()) {
        console::write_serial_only(qemu::banner_drawn_marker);
        console::write_serial_only("\n");
    }
    if (command_line.has_flag("ps"))
        sched::log_task_list();
    // The screen becomes the virtual terminals' before the first program runs.
    tty::start_virtual_terminals(console_loglevel);
    console::print("{}\n", qemu::boot_complete_marker);
    start_first_process(command_line);
    // Boot's work is done; the task stays (it owns the boot stack) but never runs again, and the idle
    // task halts the processor until there is something to do.
    for (;;) {
        sched::mark_current_blocked();
        sched::block();
    }
}

} // namespace

extern "C" [[noreturn]] void kernel_entry(uint32_t multiboot_magic, uint32_t multiboot_info_physical) {
    run_global_constructors();
    console::initialize_serial();
    x86_64::initialize_gdt();
    arch::initialize_interrupts();
    irq::initialize();
    arch::initialize_user_mode();

    parse_boot_info(multiboot_magic, multiboot_info_physical);
    boot::CommandLine command_line = assemble_command_line();
    bool test_mode = command_line.has_flag("test") || command_line.has("test");
    debug::set_exit_on_panic(test_mode);
    apply_log_level(command_line);

    mm::finish_early_paging(highest_direct_mapped_address());
    start_framebuffer_console();
    time::start_clock();
    arch::enable_interrupts();
    klog::info(log_subsystem, "blog_os starting: clock at {} Hz, interrupts on", time::tick_rate_hz);
    log_boot_info();

    mm::initialize_memory(boot_info, highest_direct_mapped_address());
    // The APIC's registers need map_mmio; calibration needs the PIT tick and interrupts, both on by now.
    acpi::initialize_tables(boot_info);                  // before calibration, which looks for the HPET
    irq::start_io_apic(command_line.has_flag("noapic")); // the MADT says where; the PIT's IRQ 0 moves
    time::calibrate_clock(command_line.value_of("tick"), command_line.value_of("clocksource"));
    debug::initialize_kernel_symbols(boot_info);
    arch::run_on_stack(install_guarded_stacks(), continue_boot);
}
