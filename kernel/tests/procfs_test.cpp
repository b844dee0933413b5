// /proc read through the VFS, as a program's open and read would: the formats tools parse, and
// processes that come and go while /proc is read.
#include "fs/initrd.h"
#include "fs/vfs.h"
#include "ktl/string_builder.h"
#include "mm/statistics.h"
#include "proc/process.h"
#include "proc/uname.h"
#include "sched/scheduler.h"
#include "test/ktest.h"

#include <cstring>

namespace {

fs::Lookup root_lookup() {
    return fs::Lookup{fs::root_path(), fs::root_path(), {}, 022};
}

// The whole file, read in small pieces so the description's offset is exercised.
ktl::ErrorOr<ktl::String> read_file(ktl::StringView path, size_t piece = 100) {
    auto file = TRY(fs::open(root_lookup(), path, fs::open_read_only, 0));
    ktl::StringBuilder text;
    char buffer[512];
    for (;;) {
        size_t done =
            TRY(file->read(fs::IoBuffer::kernel(buffer), piece < sizeof buffer ? piece : sizeof buffer));
        if (done == 0)
            break;
        TRY(text.try_append(ktl::StringView(buffer, done)));
    }
    return text.try_build();
}

// The line starting with `prefix`, without its newline; empty if none.
ktl::StringView line_starting_with(ktl::StringView text, ktl::StringView prefix) {
    size_t position = 0;
    while (position < text.length()) {
        size_t end = text.find('\n', position);
        if (end == ktl::StringView::npos)
            end = text.length();
        ktl::StringView line = text.substring(position, end - position);
        if (line.starts_with(prefix))
            return line;
        position = end + 1;
    }
    return {};
}

// The line holding `needle`, without its newline; empty if none.
ktl::StringView line_containing(ktl::StringView text, ktl::StringView needle) {
    size_t at = text.find(needle);
    if (at == ktl::StringView::npos)
        return {};
    size_t start = at;
    while (start > 0 && text[start - 1] != '\n')
        --start;
    size_t end = text.find('\n', at);
    return text.substring(start, (end == ktl::StringView::npos ? text.length() : end) - start);
}

bool contains(ktl::StringView text, ktl::StringView needle) {
    return text.find(needle) != ktl::StringView::npos;
}

size_t count_of(ktl::StringView text, char character) {
    size_t count = 0;
    for (char at : text)
        count += at == character;
    return count;
}

// Starts /bin/ticker and waits until its process has entered the pid table (its first run does it).
ktl::ErrorOr<sched::TaskHandle> start_ticker(ktl::StringView ticks) {
    ktl::StringView argv[] = {"/bin/ticker", ticks};
    ktl::StringView envp[] = {"HOME=/", "PROCFS_TEST=1"};
    sched::TaskHandle task = TRY(proc::spawn_program("/bin/ticker", {argv, 2, envp, 2}));
    for (int attempt = 0; attempt < 1000; ++attempt) {
        if (!proc::with_process(task.id(), [](proc::Process&) {}).is_error())
            break;
        sched::sleep_for(100'000);
    }
    return task;
}

} // namespace

// /proc/mounts is Linux's link to self/mounts, so a kernel task (no self) reads a process's.
KTEST(proc_is_mounted_as_linux_mounts_it) {
    KASSERT(fs::has_initrd());
    KEXPECT(MUST(fs::read_link(root_lookup(), "/proc/mounts")) == "self/mounts");
    sched::TaskHandle ticker = MUST(start_ticker("20"));
    char path[64];
    ktl::String mounts = MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/mounts", ticker.id())));
    KEXPECT_EQ(ticker.join(), 0);
    KEXPECT(contains(mounts.view(), "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"));
    KEXPECT(contains(mounts.view(), "devtmpfs /dev devtmpfs rw,relatime,"));
    KEXPECT(contains(mounts.view(), " / tmpfs rw,relatime,size="));
    KEXPECT(contains(mounts.view(), ",mode=755 0 0\n"));
    ktl::String filesystems = MUST(read_file("/proc/filesystems"));
    KEXPECT(contains(filesystems.view(), "nodev\tproc\n"));
    KEXPECT(contains(filesystems.view(), "nodev\ttmpfs\n"));
    fs::FileSystemStatistics statistics;
    fs::Path proc_root = MUST(fs::resolve(root_lookup(), "/proc"));
    MUST(proc_root.inode().file_system().statistics(statistics));
    KEXPECT_EQ(statistics.type, 0x9fa0u);
}

KTEST(meminfo_total_is_the_frame_total_in_linux_columns) {
    ktl::String meminfo = MUST(read_file("/proc/meminfo"));
    char expected[64];
    uint64_t total_kib = mm::memory_statistics().frames.total_frames * 4;
    ktl::StringView want = ktl::format_into(expected, sizeof expected, "MemTotal:       {:>8} kB", total_kib);
    KEXPECT(line_starting_with(meminfo.view(), "MemTotal:") == want);
    KEXPECT(meminfo.view().starts_with("MemTotal:"));
    for (ktl::StringView field : {"MemFree:", "MemAvailable:", "Buffers:", "Cached:", "SwapTotal:",
                                  "SwapFree:", "Shmem:", "SReclaimable:"}) {
        ktl::StringView line = line_starting_with(meminfo.view(), field);
        KEXPECT(line.length() >= 27 && line.ends_with(" kB"));
        KEXPECT_EQ(line.find(':'), field.length() - 1);
    }
    KEXPECT(line_starting_with(meminfo.view(), "HugePages_Total:") == "HugePages_Total:       0");
}

KTEST(uptime_loadavg_and_stat_have_linux_shapes) {
    ktl::String uptime = MUST(read_file("/proc/uptime"));
    // "12.34 5.67\n": two numbers with hundredths.
    KEXPECT_EQ(count_of(uptime.view(), '.'), 2u);
    KEXPECT_EQ(count_of(uptime.view(), ' '), 1u);
    KEXPECT(uptime.view().ends_with("\n"));
    size_t dot = uptime.view().find('.');
    KEXPECT(dot != ktl::StringView::npos && uptime.view()[dot + 3] == ' ');

    ktl::String loadavg = MUST(read_file("/proc/loadavg"));
    KEXPECT(loadavg.view().starts_with("0.00 0.00 0.00 "));
    KEXPECT_EQ(count_of(loadavg.view(), '/'), 1u);

    ktl::String stat = MUST(read_file("/proc/stat"));
    KEXPECT(stat.view().starts_with("cpu  "));
    KEXPECT_EQ(count_of(line_starting_with(stat.view(), "cpu "), ' '), 11u); // "cpu " then 10 numbers
    for (ktl::StringView key :
         {"cpu0 ", "intr ", "ctxt ", "btime ", "processes ", "procs_running ", "procs_blocked "})
        KEXPECT(!line_starting_with(stat.view(), key).is_empty());
}

KTEST(identity_files_agree_with_uname) {
    ktl::String version = MUST(read_file("/proc/version"));
    char expected[128];
    KEXPECT(version.view().starts_with(ktl::format_into(expected, sizeof expected, "{} version {} ",
                                                        proc::uname::system_name, proc::uname::release)));
    KEXPECT(
        version.view().ends_with(ktl::format_into(expected, sizeof expected, "{}\n", proc::uname::version)));
    KEXPECT(MUST(read_file("/proc/sys/kernel/ostype")) ==
            ktl::format_into(expected, sizeof expected, "{}\n", proc::uname::system_name));
    KEXPECT(MUST(read_file("/proc/sys/kernel/osrelease")) ==
            ktl::format_into(expected, sizeof expected, "{}\n", proc::uname::release));
    KEXPECT(MUST(read_file("/proc/sys/kernel/hostname")) ==
            ktl::format_into(expected, sizeof expected, "{}\n", proc::uname::node_name));
    ktl::String command_line = MUST(read_file("/proc/cmdline"));
    KEXPECT(contains(command_line.view(), "test"));
    KEXPECT(command_line.view().ends_with("\n"));
    ktl::String cpuinfo = MUST(read_file("/proc/cpuinfo"));
    KEXPECT(cpuinfo.view().starts_with("processor\t: 0\nvendor_id\t: "));
    KEXPECT(line_starting_with(cpuinfo.view(), "flags\t\t: fpu").length() > 20);
    KEXPECT(!line_starting_with(cpuinfo.view(), "bogomips\t: ").is_empty());
}

// A kernel task is no process: it has no /proc/self, as Linux's kernel threads have none.
KTEST(self_names_no_process_for_a_kernel_task) {
    auto target = fs::read_link(root_lookup(), "/proc/self");
    KASSERT(target.is_error());
    KEXPECT_EQ(target.error().code(), ktl::Errno::NoEntry);
    KEXPECT(fs::open(root_lookup(), "/proc/self/stat", fs::open_read_only, 0).is_error());
}

KTEST(a_spawned_programs_files_describe_it) {
    KASSERT(fs::has_initrd());
    sched::TaskHandle ticker = MUST(start_ticker("60"));
    uint64_t pid = ticker.id();
    char path[64];

    ktl::String stat = MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/stat", pid)));
    char expected[64];
    KEXPECT(stat.view().starts_with(ktl::format_into(expected, sizeof expected, "{} (ticker) ", pid)));
    KEXPECT_EQ(count_of(stat.view(), ' '), 51u); // 52 fields
    KEXPECT(stat.view().ends_with("\n"));
    char state = stat.view()[stat.view().find(')') + 2];
    KEXPECT(state == 'R' || state == 'S');

    ktl::String status = MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/status", pid)));
    KEXPECT(status.view().starts_with("Name:\tticker\nUmask:\t0022\nState:\t"));
    KEXPECT(line_starting_with(status.view(), "Pid:") ==
            ktl::format_into(expected, sizeof expected, "Pid:\t{}", pid));
    KEXPECT(line_starting_with(status.view(), "PPid:") == "PPid:\t0");
    KEXPECT(line_starting_with(status.view(), "VmRSS:").ends_with(" kB"));
    KEXPECT(line_starting_with(status.view(), "SigBlk:").length() == 8 + 16);

    ktl::String statm = MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/statm", pid)));
    KEXPECT_EQ(count_of(statm.view(), ' '), 6u);
    KEXPECT(!statm.view().starts_with("0 "));

    ktl::String cmdline = MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/cmdline", pid)));
    KEXPECT(cmdline.view() == ktl::StringView("/bin/ticker\0"
                                              "60\0",
                                              15));
    ktl::String environ = MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/environ", pid)));
    KEXPECT(environ.view() == ktl::StringView("HOME=/\0PROCFS_TEST=1\0", 21));
    KEXPECT(MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/comm", pid))) == "ticker\n");
    KEXPECT(MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/task/{}/comm", pid, pid))) ==
            "ticker\n");

    KEXPECT(MUST(fs::read_link(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}/exe", pid))) ==
            "/bin/ticker");
    KEXPECT(MUST(fs::read_link(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}/cwd", pid))) ==
            "/");
    KEXPECT(MUST(fs::read_link(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}/fd/1", pid))) ==
            "/dev/console");

    // A walk through the links reaches the very files, as Linux's magic links do.
    fs::Path program =
        MUST(fs::resolve(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}/exe", pid)));
    KEXPECT(&program.inode() == &MUST(fs::resolve(root_lookup(), "/bin/ticker")).inode());
    fs::Path output =
        MUST(fs::resolve(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}/fd/1", pid)));
    KEXPECT(&output.inode() == &MUST(fs::resolve(root_lookup(), "/dev/console")).inode());

    ktl::String maps = MUST(read_file(ktl::format_into(path, sizeof path, "/proc/{}/maps", pid)));
    ktl::StringView stack = line_containing(maps.view(), "[stack]");
    KEXPECT(stack.ends_with(" [stack]"));
    KEXPECT_EQ(stack.find('['), 73u);
    KEXPECT(contains(maps.view(), " r-xp 00000000 "));
    KEXPECT(contains(maps.view(), "/bin/ticker\n"));
    KEXPECT(contains(maps.view(), "[vdso]\n"));

    // Listed in /proc, and its fd directory lists 0, 1 and 2.
    auto directory = MUST(fs::open(root_lookup(), "/proc", fs::open_read_only | fs::open_directory, 0));
    char entries[4096];
    size_t used = MUST(directory->read_directory(fs::IoBuffer::kernel(entries), sizeof entries));
    char name[24];
    ktl::StringView pid_name = ktl::format_into(name, sizeof name, "{}", pid);
    bool listed = false;
    for (size_t at = 0; at < used;) {
        uint16_t length;
        memcpy(&length, entries + at + 16, sizeof length);
        if (ktl::StringView(entries + at + 19) == pid_name)
            listed = true;
        at += length;
    }
    KEXPECT(listed);
    KEXPECT_EQ(ticker.join(), 0);
}

// The process goes while its directory is held open: later lookups fail with ENOENT, nothing crashes.
KTEST(a_process_that_has_gone_is_not_found) {
    KASSERT(fs::has_initrd());
    sched::TaskHandle ticker = MUST(start_ticker("2"));
    uint64_t pid = ticker.id();
    char path[64];
    auto directory = fs::open(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}", pid),
                              fs::open_read_only | fs::open_directory, 0);
    auto stat = fs::open(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}/stat", pid),
                         fs::open_read_only, 0);
    KEXPECT_EQ(ticker.join(), 0);
    sched::reap_exited_tasks_now();
    auto again = fs::open(root_lookup(), ktl::format_into(path, sizeof path, "/proc/{}/stat", pid),
                          fs::open_read_only, 0);
    KASSERT(again.is_error());
    KEXPECT_EQ(again.error().code(), ktl::Errno::NoEntry);
    if (!directory.is_error()) {
        char entries[1024];
        KEXPECT(directory.value()->read_directory(fs::IoBuffer::kernel(entries), sizeof entries).is_error());
        KEXPECT(fs::resolve(fs::Lookup{fs::root_path(), directory.value()->path(), {}, 022}, "status")
                    .is_error());
    }
    // A snapshot taken while it ran still reads whole.
    if (!stat.is_error()) {
        char text[64];
        size_t done = MUST(stat.value()->read(fs::IoBuffer::kernel(text), sizeof text));
        KEXPECT(done > 0);
    }
}

KTEST(a_snapshot_reads_the_same_after_a_seek) {
    auto file = MUST(fs::open(root_lookup(), "/proc/stat", fs::open_read_only, 0));
    char first[256], second[256];
    size_t first_length = MUST(file->read(fs::IoBuffer::kernel(first), sizeof first));
    KEXPECT_EQ(MUST(file->seek(0, fs::Whence::Set)), 0);
    size_t second_length = MUST(file->read(fs::IoBuffer::kernel(second), sizeof second));
    KEXPECT_EQ(first_length, second_length);
    KEXPECT(ktl::StringView(first, first_length) == ktl::StringView(second, second_length));
    KEXPECT(fs::open(root_lookup(), "/proc/meminfo", fs::open_write_only, 0).is_error());
}
