// The operations /bin/bench times, each checking that it really happened (pids differ, pages read
// back, the pipe carried the bytes), so that a kernel which skips the work cannot look fast.
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

// The helpers the process operations start as `self --child NAME ARGS...`: exit_now, echo, yield.
// argv holds the ARGS. Returns the exit status, or -1 if NAME is not one of them.
int run_child(const char* name, int argc, char** argv);

// Memory in use right now, in KiB (sysinfo: total RAM less free RAM), or -1.
long memory_in_use_kib();

} // namespace bench
