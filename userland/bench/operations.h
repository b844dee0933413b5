// The operations /bin/bench times, each checking that it really happened (pids differ, pages read
// back, the pipe carried the bytes, files hold what was written), so that a kernel which skips the
// work cannot look fast.
//
// Every operation runs `count` times and reports how long the part it measures took: some time only
// a step (munmap of memory touched beforehand). Failures print one line on stderr saying what was
// wrong and come back with ok == false.
//
// The spawning operations start the program at `self` with `--child NAME`: the benchmark program
// and its test program both understand run_child() below, so each can be its own helper.
#pragma once

#include <cstdint>

namespace bench {

struct Outcome {
    bool ok = false;
    uint64_t elapsed_ns = 0; // the measured part of all `count` operations together
};

[[nodiscard]] uint64_t monotonic_ns();

// System calls.
Outcome null_syscall(long count);                    // getpid through `syscall`
Outcome int80_null_syscall(long count, long number); // getpid through `int $0x80` (number: the ABI's)
Outcome clock_gettime_libc(long count);              // CLOCK_MONOTONIC through libc (and a vDSO)
Outcome clock_gettime_raw(long count);               // CLOCK_MONOTONIC through `syscall`
Outcome gettimeofday_libc(long count);

// Memory.
Outcome first_touch(long pages);      // one write fault per page of a fresh anonymous mapping
Outcome munmap_touched(long count);   // munmap of 64 MiB whose every page was touched first
Outcome mmap_munmap_page(long count); // mmap + munmap of one page
Outcome brk_grow_page(long count);    // the break one page higher, and its first touch

// Processes: `self` is the path of a program that understands `--child`.
Outcome spawn_wait(const char* self, long count);     // posix_spawn + wait4 of a program that exits
Outcome pipe_ping_pong(const char* self, long count); // one-byte round trips to a child
Outcome yield_switch(const char* self, long count);   // sched_yield between two processes, per yield
Outcome fork_wait(long count);                        // fork + wait4 of a child that exits at once
Outcome fork_exec_wait(const char* self, long count); // fork, execve of `self --child exit_now`, wait4
Outcome fork_touched(long count);       // fork + wait4 of a child, the parent with 64 MiB touched
Outcome signal_round_trip(long count);  // kill(2) to itself, the handler runs and returns
Outcome futex_ping_pong(long count);    // FUTEX_WAKE round trips with a forked child (shared page)
Outcome thread_create_join(long count); // pthread_create + pthread_join of a thread that returns at once

// Files. Each operation makes what it needs under `directory` (a scratch directory from
// make_scratch_directory), times only the calls it names, checks the results untimed (every byte
// read back, written or mapped is the file's) and removes what it made again. They need a file
// system; without one (ENOSYS) they fail like any other check.
constexpr long kFileBlock = 4096; // the size of every read and write

// A fresh directory for the file operations, `/tmp/bench.PID` (making /tmp, mode 01777, if it is
// missing) or else `/bench.PID`; its path goes to `path`. False, with a line on stderr, if neither
// could be made.
bool make_scratch_directory(char* path, unsigned long size);
bool remove_scratch_directory(const char* path); // empty again, then removed

// file_write times the writes of each pass, not the check after it or the ftruncate to 0 that
// makes the next pass allocate again; file_page_fault times the first read of each page of a
// MAP_SHARED mapping, not mmap and munmap.
Outcome file_write(const char* directory, long bytes, long passes); // `bytes` in 4 KiB writes, per pass
Outcome file_read(const char* directory, long bytes, long passes);  // a file of `bytes` in 4 KiB reads
Outcome open_close(const char* directory, long count);              // open + close of an existing file
Outcome stat_deep(const char* directory, long count);               // stat of a file 8 directories down
Outcome create_unlink(const char* directory, long count);           // O_CREAT|O_EXCL, close, unlink
Outcome file_page_fault(const char* directory, long pages);         // read fault on a mapped file page

// The directory list_directory lists, `directory/listing` with `entries` empty files, is made and
// removed apart from it: making a thousand files takes longer than listing them.
bool make_listing(const char* directory, long entries);
bool remove_listing(const char* directory, long entries);
// Lists it `count` times from offset 0 (lseek) to the end; the names are checked once, untimed.
Outcome list_directory(const char* directory, long entries, long count);

// Disk, in disk_operations.cpp: files on a block device's file system (ext2 on a virtio disk the host
// attached), remounted where a metric must start with nothing cached. Rates are timed to the end of
// the fsync that makes them durable; checks and removals are not timed.
class Disk {
public:
    // Loads the kernel modules `module_list` names, one path a line (Linux's virtio and ext2 drivers:
    // blog_os has them built in, pass null), mounts devtmpfs on /dev if `device` is not there yet,
    // waits for it, and mounts it at `mount_point`. False, with a line on stderr, if any step fails.
    bool attach(const char* device, const char* type, const char* mount_point, const char* module_list);
    bool detach(); // unmounted again
    // umount and mount: the next reads come from the device, not from a cache.
    bool remount(const char* operation);
    const char* mount_point() const { return m_mount_point; }

private:
    const char* m_device = nullptr;
    const char* m_type = nullptr;
    const char* m_mount_point = nullptr;
    bool m_mounted = false;
};

constexpr long kDiskChunk = 1l << 20; // the size of the sequential reads and writes

Outcome disk_write_sequential(Disk& disk, long bytes); // a new file, 1 MiB writes and fsync
// The file both read metrics read, made once: `bytes` of salted contents, fsync'ed.
bool make_disk_file(Disk& disk, long bytes, uint64_t& salt);
Outcome disk_read_sequential(Disk& disk, long bytes, uint64_t salt);         // 1 MiB reads, cold
Outcome disk_read_random(Disk& disk, long bytes, uint64_t salt, long count); // 4 KiB preads, cold
bool remove_disk_file(Disk& disk);
Outcome disk_create_delete(Disk& disk, long files); // `files` creates with 4 KiB each, then their unlinks
Outcome disk_fsync(Disk& disk, long count);         // a 4 KiB pwrite and fsync of one file
// As disk_fsync while another file has `busy_bytes` dirty (rewritten before each, untimed): what
// fsync costs when it must not wait for the rest of the disk.
Outcome disk_fsync_busy(Disk& disk, long count, long busy_bytes);

// Shells, in shell_operations.cpp: `shell` is the argv that starts one (null-terminated, at most five
// words), given `-c SCRIPT`, PATH=/bin:/usr/bin and nothing else; `metric` names it in failure lines.
// The whole run of the shell is timed.
Outcome shell_true_loop(const char* metric, const char* const* shell, long commands); // /bin/true, counted
Outcome shell_sort_pipeline(const char* metric, const char* const* shell,
                            long numbers); // seq | sort -n | wc -l

// The helpers the process operations start as `self --child NAME ARGS...`: exit_now, echo, yield.
// argv holds the ARGS. Returns the exit status, or -1 if NAME is not one of them.
int run_child(const char* name, int argc, char** argv);

// Memory in use right now, in KiB (sysinfo: total RAM less free RAM), or -1.
long memory_in_use_kib();

} // namespace bench
