// The files about the whole system: /proc/meminfo, uptime, loadavg, stat, cpuinfo, version, mounts,
// filesystems, modules, cmdline, interrupts and sys/kernel/*.
#include "arch/cpu_info.h"
#include "arch/interrupts.h"
#include "block/block_cache.h"
#include "block/block_device.h"
#include "fs/procfs/generators.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs.h"
#include "irq/irq.h"
#include "mm/stacks.h"
#include "mm/statistics.h"
#include "module/module.h"
#include "proc/shared_pages.h"
#include "proc/uname.h"
#include "sched/scheduler.h"
#include "time/clock.h"
#include "time/rtc.h"

namespace fs::procfs {

namespace {

ktl::StringView kernel_command_line;

constexpr uint64_t user_hz = 100; // USER_HZ: what times in /proc/stat count in
constexpr uint64_t ns_per_user_tick = 1'000'000'000 / user_hz;
constexpr uint64_t pid_max = 4'194'304; // what Linux allows on 64-bit with many CPUs

// Linux's show_val_kb: the label and its colon left-aligned in 16 columns, the value in 8.
void write_kilobytes(ktl::StringBuilder& out, ktl::StringView label, uint64_t kilobytes) {
    ktl::format_to(out, "{:<16}{:>8} kB\n", label, kilobytes);
}

void write_meminfo(ktl::StringBuilder& out) {
    mm::MemoryStatistics memory = mm::memory_statistics();
    constexpr uint64_t kib_per_frame = mm::frame_size / 1024;
    uint64_t total = memory.frames.total_frames * kib_per_frame;
    uint64_t free = memory.frames.free_frames * kib_per_frame;
    // tmpfs files (the root file system among them) are shared memory, counted in Cached as Linux
    // counts shmem; shared program pages are the page cache of the programs' files.
    uint64_t shmem = tmpfs::page_count() * kib_per_frame;
    uint64_t program_pages = proc::shared_program_page_count() * kib_per_frame;
    uint64_t cached = shmem + program_pages;
    uint64_t slab = memory.heap.bytes_reserved / 1024;
    uint64_t kernel_stacks = memory.kernel_stacks * (mm::default_kernel_stack_size / 1024);
    write_kilobytes(out, "MemTotal:", total);
    write_kilobytes(out, "MemFree:", free);
    // Nothing is reclaimed yet: what is free is all there is.
    write_kilobytes(out, "MemAvailable:", free);
    write_kilobytes(out, "Buffers:", 0);
    write_kilobytes(out, "Cached:", cached);
    write_kilobytes(out, "SwapCached:", 0);
    write_kilobytes(out, "Active:", cached);
    write_kilobytes(out, "Inactive:", 0);
    write_kilobytes(out, "Active(anon):", shmem);
    write_kilobytes(out, "Inactive(anon):", 0);
    write_kilobytes(out, "Active(file):", program_pages);
    write_kilobytes(out, "Inactive(file):", 0);
    write_kilobytes(out, "Unevictable:", 0);
    write_kilobytes(out, "Mlocked:", 0);
    write_kilobytes(out, "SwapTotal:", 0);
    write_kilobytes(out, "SwapFree:", 0);
    write_kilobytes(out, "Zswap:", 0);
    write_kilobytes(out, "Zswapped:", 0);
    write_kilobytes(out, "Dirty:", block::dirty_pages_total() * 4); // pages waiting for write-back
    write_kilobytes(out, "Writeback:", 0);
    write_kilobytes(out, "AnonPages:", 0);
    write_kilobytes(out, "Mapped:", program_pages);
    write_kilobytes(out, "Shmem:", shmem);
    write_kilobytes(out, "KReclaimable:", 0);
    write_kilobytes(out, "Slab:", slab);
    write_kilobytes(out, "SReclaimable:", 0);
    write_kilobytes(out, "SUnreclaim:", slab);
    write_kilobytes(out, "KernelStack:", kernel_stacks);
    write_kilobytes(out, "PageTables:", 0);
    write_kilobytes(out, "SecPageTables:", 0);
    write_kilobytes(out, "NFS_Unstable:", 0);
    write_kilobytes(out, "Bounce:", 0);
    write_kilobytes(out, "WritebackTmp:", 0);
    write_kilobytes(out, "CommitLimit:", total / 2); // no swap, overcommit_ratio 50
    write_kilobytes(out, "Committed_AS:", 0);
    write_kilobytes(out, "VmallocTotal:", 34359738367); // Linux's x86-64 vmalloc area
    write_kilobytes(out, "VmallocUsed:", 0);
    write_kilobytes(out, "VmallocChunk:", 0);
    write_kilobytes(out, "Percpu:", 0);
    ktl::format_to(out, "HardwareCorrupted: {:>5} kB\n", 0);
    write_kilobytes(out, "AnonHugePages:", 0);
    write_kilobytes(out, "ShmemHugePages:", 0);
    write_kilobytes(out, "ShmemPmdMapped:", 0);
    write_kilobytes(out, "FileHugePages:", 0);
    write_kilobytes(out, "FilePmdMapped:", 0);
    ktl::format_to(out, "{:<16}{:>8}\n", "HugePages_Total:", 0);
    ktl::format_to(out, "{:<16}{:>8}\n", "HugePages_Free:", 0);
    ktl::format_to(out, "{:<16}{:>8}\n", "HugePages_Rsvd:", 0);
    ktl::format_to(out, "{:<16}{:>8}\n", "HugePages_Surp:", 0);
    write_kilobytes(out, "Hugepagesize:", 2048);
    write_kilobytes(out, "Hugetlb:", 0);
    write_kilobytes(out, "DirectMap4k:", 0);
    write_kilobytes(out, "DirectMap2M:", 0);
    write_kilobytes(out, "DirectMap1G:", 0);
}

// "12.34": seconds with hundredths, as Linux prints uptime.
void write_seconds(ktl::StringBuilder& out, uint64_t ns) {
    uint64_t hundredths = ns / 10'000'000;
    ktl::format_to(out, "{}.{:02}", hundredths / 100, hundredths % 100);
}

void write_uptime(ktl::StringBuilder& out) {
    uint64_t now = time::monotonic_ns();
    sched::CpuTimes times = sched::cpu_times();
    write_seconds(out, now);
    out.write(" ");
    write_seconds(out, times.idle_ns);
    out.write("\n");
}

void write_loadavg(ktl::StringBuilder& out) {
    // No load average is kept yet: Linux's format with zeros, and the task counts it also carries.
    sched::TaskCounts counts = sched::task_counts();
    ktl::format_to(out, "0.00 0.00 0.00 {}/{} {}\n", counts.runnable, counts.total, counts.last_id);
}

void write_stat(ktl::StringBuilder& out) {
    sched::CpuTimes times = sched::cpu_times();
    uint64_t user = times.user_ns / ns_per_user_tick;
    uint64_t system = times.system_ns / ns_per_user_tick;
    uint64_t idle = times.idle_ns / ns_per_user_tick;
    // user nice system idle iowait irq softirq steal guest guest_nice; one processor.
    ktl::format_to(out, "cpu  {} 0 {} {} 0 0 0 0 0 0\n", user, system, idle);
    ktl::format_to(out, "cpu0 {} 0 {} {} 0 0 0 0 0 0\n", user, system, idle);
    uint64_t total_interrupts = 0;
    for (unsigned vector = 0; vector < 256; ++vector)
        total_interrupts += arch::interrupt_count(static_cast<uint8_t>(vector));
    // The total, then the ISA IRQs 0-15 wherever the controller delivers them.
    ktl::format_to(out, "intr {}", total_interrupts);
    for (uint8_t isa_irq = 0; isa_irq < 16; ++isa_irq)
        ktl::format_to(out, " {}", irq::isa_interrupt_count(isa_irq));
    out.write("\n");
    ktl::format_to(out, "ctxt {}\n", sched::statistics().context_switches);
    uint64_t boot_seconds = (time::realtime_ns() - time::monotonic_ns()) / 1'000'000'000;
    ktl::format_to(out, "btime {}\n", boot_seconds);
    sched::TaskCounts counts = sched::task_counts();
    ktl::format_to(out, "processes {}\n", counts.last_id);
    ktl::format_to(out, "procs_running {}\n", counts.runnable);
    ktl::format_to(out, "procs_blocked 0\n"); // tasks in I/O wait: none wait on devices yet
    ktl::format_to(out, "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
}

void write_version(ktl::StringBuilder& out) {
    ktl::format_to(out, "{} version {} (root@{}) (gcc version {}) {}\n", proc::uname::system_name,
                   proc::uname::release, proc::uname::node_name, __VERSION__, proc::uname::version);
}

void write_filesystems(ktl::StringBuilder& out) {
    for_each_file_system_type([&](ktl::StringView type, bool requires_device) {
        ktl::format_to(out, "{}\t{}\n", requires_device ? "" : "nodev", type);
    });
}

// Linux's format: each disk followed by its partitions, sizes in KiB; empty devices left out.
void write_partitions(ktl::StringBuilder& out) {
    ktl::format_to(out, "major minor  #blocks  name\n\n");
    auto line = [&](block::BlockDevice& device) {
        ktl::format_to(out, "{:>4}  {:>7} {:>10} {}\n", device.major(), device.minor(), device.size() / 1024,
                       device.name());
    };
    block::for_each_device([&](block::BlockDevice& disk) {
        if (disk.whole_disk() || disk.size() == 0)
            return;
        line(disk);
        block::for_each_device([&](block::BlockDevice& partition) {
            if (partition.whole_disk() == &disk && partition.size() != 0)
                line(partition);
        });
    });
}

// Linux's mangle(): space, tab, newline and backslash as octal escapes, so a line splits on spaces.
void write_escaped(ktl::StringBuilder& out, ktl::StringView text) {
    for (char character : text) {
        if (character == ' ' || character == '\t' || character == '\n' || character == '\\')
            ktl::format_to(out, "\\{:03o}", static_cast<unsigned>(static_cast<unsigned char>(character)));
        else
            out.write_char(character);
    }
}

// The file system's options with the mount's flags after the first ("rw" or "ro"), in Linux's order:
// "rw,nosuid,nodev,noexec,relatime,size=…".
void write_mount_options(ktl::StringBuilder& out, const Mount& mount) {
    ktl::StringBuilder options;
    mount.file_system().describe_options(options);
    ktl::StringView text = options.view();
    size_t comma = text.find(',');
    ktl::StringView rest = comma == ktl::StringView::npos ? ktl::StringView() : text.substring(comma);
    out.write(mount.is_read_only() ? "ro" : "rw");
    uint64_t flags = mount.flags();
    if (flags & mount_no_set_uid)
        out.write(",nosuid");
    if (flags & mount_no_devices)
        out.write(",nodev");
    if (flags & mount_no_execute)
        out.write(",noexec");
    if (flags & mount_synchronous)
        out.write(",sync");
    if (flags & mount_no_access_time)
        out.write(",noatime");
    else if (!(flags & mount_strict_access_time))
        out.write(",relatime"); // Linux's default
    out.write(rest);
}

} // namespace

void set_kernel_command_line(ktl::StringView text) {
    kernel_command_line = text;
}

void write_mounts(ktl::StringBuilder& out) {
    Path root = root_path();
    for_each_mount([&](const Mount& mount, const Path& mount_point) {
        auto where = path_name(mount_point, root);
        if (where.is_error())
            return;
        write_escaped(out, mount.source().is_empty() ? ktl::StringView("none") : mount.source());
        out.write(" ");
        write_escaped(out, where.value().view());
        ktl::format_to(out, " {} ", mount.file_system().type_name());
        write_mount_options(out, mount);
        out.write(" 0 0\n");
    });
}

ktl::ErrorOr<void> generate_system_file(Kind kind, ktl::StringBuilder& out) {
    switch (kind) {
    case Kind::Meminfo:
        write_meminfo(out);
        break;
    case Kind::Uptime:
        write_uptime(out);
        break;
    case Kind::Loadavg:
        write_loadavg(out);
        break;
    case Kind::Stat:
        write_stat(out);
        break;
    case Kind::Interrupts:
        irq::write_proc_interrupts(out);
        break;
    case Kind::Cpuinfo:
        arch::write_cpu_info(out, time::clock_info().tsc_hz);
        break;
    case Kind::Version:
        write_version(out);
        break;
    case Kind::Filesystems:
        write_filesystems(out);
        break;
    case Kind::Modules:
        module::write_proc_modules(out);
        break;
    case Kind::Partitions:
        write_partitions(out);
        break;
    case Kind::Cmdline:
        ktl::format_to(out, "{}\n", kernel_command_line);
        break;
    case Kind::Hostname:
        ktl::format_to(out, "{}\n", proc::uname::node_name);
        break;
    case Kind::Ostype:
        ktl::format_to(out, "{}\n", proc::uname::system_name);
        break;
    case Kind::Osrelease:
        ktl::format_to(out, "{}\n", proc::uname::release);
        break;
    case Kind::PidMax:
        ktl::format_to(out, "{}\n", pid_max);
        break;
    default:
        return ktl::Errno::InvalidArgument;
    }
    if (out.has_failed())
        return ktl::Errno::NoMemory;
    return {};
}

} // namespace fs::procfs
