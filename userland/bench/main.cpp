// /bin/bench: the benchmark `make bench` boots as /init on blog_os and on Linux (the same static
// binary), and that runs as an ordinary program too. It prints one line a metric,
//
//   bench-result NAME VALUE UNIT DESCRIPTION
//
// VALUE being the median of five rounds (three for the shell rows), between `bench: started` and `bench:
// done, N results, M failed` (the host's markers: tools/bench reads them, and times the first from QEMU's
// start). `bench --child NAME ...` is one of the helpers the process metrics start (operations.h).
#include "operations.h"

#include "sys/raw_syscall.h"

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace {

constexpr int kRounds = 5;
// The shell rows take seconds a round under TCG: three rounds give their median.
constexpr int kShellRounds = 3;
// What `bench: done` announces, so the host can tell a line lost on the way from one never printed.
int results_printed = 0;

// Runs `round` `rounds` times (at most kRounds) and prints the median of `value(elapsed_ns)` over
// them. Returns false if a round failed.
template <typename Value, typename Round>
bool measure_value(const char* name, const char* unit, const char* description, Value value, Round round,
                   int rounds = kRounds) {
    std::array<double, kRounds> results{};
    for (int index = 0; index < rounds; ++index) {
        double& result = results[index];
        bench::Outcome outcome = round();
        if (!outcome.ok) {
            printf("bench-failed %s\n", name);
            fflush(stdout);
            return false;
        }
        result = value(outcome.elapsed_ns);
    }
    std::sort(results.begin(), results.begin() + rounds);
    printf("bench-result %s %.3f %s %s\n", name, results[rounds / 2], unit, description);
    fflush(stdout);
    ++results_printed;
    return true;
}

// The median time per operation, divided by `scale` (1000 for microseconds).
template <typename Round>
bool measure(const char* name, const char* unit, double scale, long operations, const char* description,
             Round round, int rounds = kRounds) {
    return measure_value(
        name, unit, description,
        [=](uint64_t elapsed_ns) {
            return static_cast<double>(elapsed_ns) / static_cast<double>(operations) / scale;
        },
        round, rounds);
}

// The median rate in MiB/s of `bytes` a round (higher is better: tools/bench knows by the unit).
template <typename Round>
bool measure_throughput(const char* name, long bytes, const char* description, Round round) {
    return measure_value(
        name, "MiB/s", description,
        [=](uint64_t elapsed_ns) {
            double seconds = static_cast<double>(elapsed_ns > 0 ? elapsed_ns : 1) / 1e9;
            return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
        },
        round);
}

void say(const char* line) {
    // write(2): the marker must come out whole and at once, whatever stdio buffers.
    (void)!write(STDOUT_FILENO, line, strlen(line));
}

} // namespace

int main(int argc, char** argv) {
    const uint64_t started_ns = bench::monotonic_ns();
    if (argc >= 3 && strcmp(argv[1], "--child") == 0)
        return bench::run_child(argv[2], argc - 3, argv + 3);
    say("bench: started\n");
    // As init a SIGPIPE would end the machine (Linux panics); a dead helper shows as a failed check.
    signal(SIGPIPE, SIG_IGN);

    const bool is_init = getpid() == 1;
    // Before the benchmark allocates anything of its own.
    const long memory_kib = bench::memory_in_use_kib();
    const char* self = argv[0];

    utsname name{};
    uname(&name);
    printf("bench-info system %s %s\n", name.sysname, name.release);
    const sys::System system = sys::detect_system();
    int failures = 0;
    auto count = [&failures](bool ok) { failures += ok ? 0 : 1; };

    constexpr long kSyscalls = 100'000;
    count(measure("syscall-null", "ns", 1, kSyscalls, "null syscall (getpid through syscall)",
                  [] { return bench::null_syscall(kSyscalls); }));
    // Linux's int $0x80 is the 32-bit ABI, a different path: compared through syscall only.
    if (system == sys::System::BlogOs) {
        long number = sys::int80_getpid_number(system);
        count(measure("int80-null", "ns", 1, kSyscalls, "null syscall (getpid through int 0x80)",
                      [number] { return bench::int80_null_syscall(kSyscalls, number); }));
    }
    count(measure("clock_gettime-libc", "ns", 1, kSyscalls, "clock_gettime(MONOTONIC) through libc",
                  [] { return bench::clock_gettime_libc(kSyscalls); }));
    count(measure("clock_gettime-syscall", "ns", 1, kSyscalls, "clock_gettime(MONOTONIC) as a raw syscall",
                  [] { return bench::clock_gettime_raw(kSyscalls); }));
    count(measure("gettimeofday", "ns", 1, kSyscalls, "gettimeofday through libc",
                  [] { return bench::gettimeofday_libc(kSyscalls); }));

    constexpr long kPages = 1024;
    count(measure("page-fault", "ns", 1, kPages, "first touch of an anonymous page",
                  [] { return bench::first_touch(kPages); }));
    count(measure("munmap-64m", "us", 1000, 1, "munmap of 64 MiB, every page touched",
                  [] { return bench::munmap_touched(1); }));
    constexpr long kMappings = 10'000;
    count(measure("mmap-munmap", "ns", 1, kMappings, "mmap + munmap of one page",
                  [] { return bench::mmap_munmap_page(kMappings); }));
    constexpr long kGrowths = 256;
    count(measure("brk-grow", "ns", 1, kGrowths, "brk growth by a page, and its first touch",
                  [] { return bench::brk_grow_page(kGrowths); }));

    constexpr long kSpawns = 50;
    count(measure("spawn-wait", "us", 1000, kSpawns, "posix_spawn + wait of a small program",
                  [self] { return bench::spawn_wait(self, kSpawns); }));
    constexpr long kRoundTrips = 2'000;
    count(measure("pipe-pingpong", "us", 1000, kRoundTrips, "pipe round trip between two processes",
                  [self] { return bench::pipe_ping_pong(self, kRoundTrips); }));
    constexpr long kForks = 50;
    count(measure("fork-wait", "us", 1000, kForks, "fork + exit + wait of a small program",
                  [] { return bench::fork_wait(kForks); }));
    count(measure("fork-exec-wait", "us", 1000, kForks, "fork + execve + exit + wait of a small program",
                  [self] { return bench::fork_exec_wait(self, kForks); }));
    count(measure("thread-create-join", "us", 1000, kForks, "pthread_create + pthread_join of a thread",
                  [] { return bench::thread_create_join(kForks); }));
    constexpr long kBigForks = 5;
    count(measure("fork-64m", "us", 1000, kBigForks, "fork + exit + wait with 64 MiB touched",
                  [] { return bench::fork_touched(kBigForks); }));
    constexpr long kSignals = 5'000;
    count(measure("signal-roundtrip", "ns", 1, kSignals, "signal to itself, handler and sigreturn",
                  [] { return bench::signal_round_trip(kSignals); }));
    constexpr long kFutexRoundTrips = 2'000;
    count(measure("futex-wake", "us", 1000, kFutexRoundTrips, "futex wake round trip between two processes",
                  [] { return bench::futex_ping_pong(kFutexRoundTrips); }));
    constexpr long kYields = 20'000;
    count(measure("sched-yield", "ns", 1, kYields, "sched_yield between two processes, per yield",
                  [self] { return bench::yield_switch(self, kYields); }));

    // Shells (docs/benchmarks.md): Debian's busybox ash and our /bin/sh, the same binaries on both
    // kernels. Under ash the pipeline's commands are busybox's applets, under our sh our utilities.
    const char* const ash[] = {"/bin/busybox", "ash", nullptr};
    const char* const sh[] = {"/bin/sh", nullptr};
    constexpr long kCommands = 1'000;
    count(measure(
        "ash-true-loop", "us", 1000, kCommands, "busybox ash: a loop of 1000 /bin/true, per command",
        [&ash] { return bench::shell_true_loop("ash-true-loop", ash, kCommands); }, kShellRounds));
    count(measure(
        "sh-true-loop", "us", 1000, kCommands, "our sh: a loop of 1000 /bin/true, per command",
        [&sh] { return bench::shell_true_loop("sh-true-loop", sh, kCommands); }, kShellRounds));
    constexpr long kNumbers = 100'000;
    count(measure(
        "ash-sort-pipeline", "ms", 1e6, 1, "busybox ash: seq 1 100000 | sort -n | wc -l (applets)",
        [&ash] { return bench::shell_sort_pipeline("ash-sort-pipeline", ash, kNumbers); }, kShellRounds));
    count(measure(
        "sh-sort-pipeline", "ms", 1e6, 1, "our sh: seq 1 100000 | sort -n | wc -l (our utilities)",
        [&sh] { return bench::shell_sort_pipeline("sh-sort-pipeline", sh, kNumbers); }, kShellRounds));

    // Files, in a scratch directory on the root file system (tmpfs or ramfs on both kernels). Without
    // one every file metric fails: none may go missing unnoticed.
    char directory[128] = {};
    const bool have_directory = bench::make_scratch_directory(directory, sizeof directory);
    auto in_directory = [have_directory](auto operation) {
        return [have_directory, operation] { return have_directory ? operation() : bench::Outcome{}; };
    };
    constexpr long kFileBytes = 1l << 20;
    constexpr long kWritePasses = 2;
    constexpr long kReadPasses = 4;
    count(measure_throughput(
        "file-write-4k", kFileBytes * kWritePasses, "4 KiB writes to a tmpfs file",
        in_directory([&directory] { return bench::file_write(directory, kFileBytes, kWritePasses); })));
    count(measure_throughput(
        "file-read-4k", kFileBytes * kReadPasses, "4 KiB reads of a tmpfs file",
        in_directory([&directory] { return bench::file_read(directory, kFileBytes, kReadPasses); })));
    constexpr long kOpens = 1'000;
    count(measure("open-close", "ns", 1, kOpens, "open + close of an existing file",
                  in_directory([&directory] { return bench::open_close(directory, kOpens); })));
    constexpr long kStats = 1'000;
    count(measure("stat-depth8", "ns", 1, kStats, "stat of a file 8 directories deep",
                  in_directory([&directory] { return bench::stat_deep(directory, kStats); })));
    constexpr long kEntries = 1'000;
    constexpr long kListings = 10;
    const bool have_listing = have_directory && bench::make_listing(directory, kEntries);
    count(measure("getdents-1000", "us", 1000, kListings, "getdents64 listing of 1000 entries",
                  [&directory, have_listing] {
                      return have_listing ? bench::list_directory(directory, kEntries, kListings)
                                          : bench::Outcome{};
                  }));
    if (have_directory && !bench::remove_listing(directory, kEntries))
        count(false);
    constexpr long kCreates = 200;
    count(measure("create-unlink", "ns", 1, kCreates, "create + unlink of an empty file",
                  in_directory([&directory] { return bench::create_unlink(directory, kCreates); })));
    constexpr long kFilePages = 256;
    count(measure("file-page-fault", "ns", 1, kFilePages, "read fault on a page of a mapped tmpfs file",
                  in_directory([&directory] { return bench::file_page_fault(directory, kFilePages); })));
    if (have_directory && !bench::remove_scratch_directory(directory))
        count(false);

    // Disk: the host attaches one only with a file naming it (docs/benchmarks.md), then every disk
    // metric must run. Linux loads its virtio and ext2 drivers from the initrd; blog_os has them built in.
    char disk_device[64] = {};
    char disk_type[16] = {};
    if (FILE* file = fopen("/etc/bench-disk", "r")) {
        const bool named = fscanf(file, "%63s %15s", disk_device, disk_type) == 2;
        fclose(file);
        bench::Disk disk;
        const char* modules = system == sys::System::Linux ? "/lib/modules/bench/order" : nullptr;
        const bool attached = named && disk.attach(disk_device, disk_type, "/mnt", modules);
        auto on_disk = [attached](auto operation) {
            return [attached, operation] { return attached ? operation() : bench::Outcome{}; };
        };
        constexpr long kDiskFileBytes = 64l << 20;
        count(measure_throughput(
            "disk-write-seq", kDiskFileBytes, "sequential 1 MiB writes of 64 MiB + fsync",
            on_disk([&disk] { return bench::disk_write_sequential(disk, kDiskFileBytes); })));
        uint64_t salt = 0;
        const bool have_file = attached && bench::make_disk_file(disk, kDiskFileBytes, salt);
        auto with_file = [have_file](auto operation) {
            return [have_file, operation] { return have_file ? operation() : bench::Outcome{}; };
        };
        count(measure_throughput(
            "disk-read-seq", kDiskFileBytes, "sequential 1 MiB reads of 64 MiB, after a remount",
            with_file([&disk, salt] { return bench::disk_read_sequential(disk, kDiskFileBytes, salt); })));
        constexpr long kRandomReads = 1'000;
        count(measure("disk-read-random-4k", "us", 1000, kRandomReads, "random 4 KiB reads, after a remount",
                      with_file([&disk, salt] {
                          return bench::disk_read_random(disk, kDiskFileBytes, salt, kRandomReads);
                      })));
        if (have_file && !bench::remove_disk_file(disk))
            count(false);
        constexpr long kSmallFiles = 1'000;
        count(measure("disk-create-delete", "us", 1000, kSmallFiles,
                      "create (4 KiB written) and delete, per file",
                      on_disk([&disk] { return bench::disk_create_delete(disk, kSmallFiles); })));
        constexpr long kSyncs = 100;
        count(measure("disk-fsync", "us", 1000, kSyncs, "4 KiB pwrite + fsync",
                      on_disk([&disk] { return bench::disk_fsync(disk, kSyncs); })));
        constexpr long kBusySyncs = 8;
        constexpr long kBusyBytes = 32l << 20;
        count(measure("disk-fsync-busy", "us", 1000, kBusySyncs,
                      "4 KiB pwrite + fsync, another file with 32 MiB dirty",
                      on_disk([&disk] { return bench::disk_fsync_busy(disk, kBusySyncs, kBusyBytes); })));
        if (attached && !disk.detach())
            count(false);
        if (!named) {
            printf("bench-failed disk (/etc/bench-disk does not say DEVICE TYPE)\n");
            count(false);
        }
    }

    // Boot metrics mean something only when this program is the system's first.
    if (is_init) {
        printf("bench-result boot-guest %.3f ms boot to init, guest CLOCK_MONOTONIC\n",
               static_cast<double>(started_ns) / 1e6);
        ++results_printed;
        if (memory_kib >= 0) {
            printf("bench-result memory-used %ld KiB memory in use after boot (sysinfo total - free)\n",
                   memory_kib);
            ++results_printed;
        }
    }
    printf("bench: done, %d results, %d failed\n", results_printed, failures);
    fflush(stdout);

    // Linux panics when init exits: power off instead. blog_os stops the machine with init's status.
    if (is_init && system == sys::System::Linux) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return failures == 0 ? 0 : 1;
}
