// The benchmark's operations (see operations.h). Each checks its own results; a check that fails
// says so on stderr and the operation reports ok == false.
#include "operations.h"

#include "sys/raw_syscall.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bench {

namespace {

long page_size() {
    static const long size = sysconf(_SC_PAGESIZE);
    return size;
}

bool fail(const char* operation, const char* what) {
    fprintf(stderr, "bench %s: %s\n", operation, what);
    return false;
}

bool fail_errno(const char* operation, const char* call, int error) {
    fprintf(stderr, "bench %s: %s failed: %s\n", operation, call, strerror(error));
    return false;
}

Outcome failed() {
    return Outcome{false, 0};
}

// A timer for the measured part of an operation.
class Stopwatch {
public:
    void start() { m_started = monotonic_ns(); }
    void stop() { m_elapsed += monotonic_ns() - m_started; }
    Outcome done() const { return Outcome{true, m_elapsed}; }

private:
    uint64_t m_started = 0;
    uint64_t m_elapsed = 0;
};

constexpr size_t kMunmapBytes = 64ul << 20;

// Starts `self --child NAME ARGS...` with the given fds as its stdin and stdout (-1: inherited).
pid_t spawn_helper(const char* operation, const char* self, const char* name, const char* arg, int stdin_fd,
                   int stdout_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
    if (stdout_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    const char* argv[] = {self, "--child", name, arg, nullptr};
    pid_t pid = -1;
    fflush(nullptr); // unflushed output would otherwise be written twice
    int error = posix_spawn(&pid, self, &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        fail_errno(operation, "posix_spawn", error);
        return -1;
    }
    return pid;
}

// Waits for `pid`; true iff it exited with `expected_status`.
bool reap(const char* operation, pid_t pid, int expected_status) {
    int status = 0;
    pid_t got;
    do {
        got = waitpid(pid, &status, 0);
    } while (got == -1 && errno == EINTR);
    if (got != pid)
        return fail_errno(operation, "waitpid", errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != expected_status) {
        fprintf(stderr, "bench %s: child %d ended with status %#x, expected exit %d\n", operation, pid,
                status, expected_status);
        return false;
    }
    return true;
}

// The status the `exit` helper ends with: its pid tells that it really ran as that process.
int exit_status_for(pid_t pid) {
    return static_cast<int>(pid % 128);
}

int child_exit() {
    _exit(exit_status_for(getpid()));
}

// Reads bytes from stdin and answers each with its complement on stdout, until end of file.
int child_echo() {
    unsigned char byte;
    for (;;) {
        ssize_t got = read(STDIN_FILENO, &byte, 1);
        if (got == 0)
            return 0;
        if (got != 1)
            return 2;
        byte = static_cast<unsigned char>(~byte);
        if (write(STDOUT_FILENO, &byte, 1) != 1)
            return 3;
    }
}

// Says it is ready on stdout, then yields `count` times.
int child_yield(long count) {
    if (write(STDOUT_FILENO, "r", 1) != 1)
        return 2;
    for (long i = 0; i < count; ++i) {
        if (sched_yield() != 0)
            return 3;
    }
    return 0;
}

} // namespace

uint64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(now.tv_nsec);
}

Outcome null_syscall(long count) {
    const long pid = getpid();
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        if (sys::syscall_getpid() != pid)
            return fail("syscall-null", "getpid through syscall returned another pid"), failed();
    }
    watch.stop();
    return watch.done();
}

Outcome int80_null_syscall(long count, long number) {
    const long pid = getpid();
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        if (sys::int80_getpid(number) != pid)
            return fail("int80-null", "getpid through int $0x80 returned another pid"), failed();
    }
    watch.stop();
    return watch.done();
}

namespace {

template <typename Read>
Outcome read_clock(const char* operation, long count, Read read) {
    uint64_t previous = 0;
    uint64_t first = 0;
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        uint64_t now = read();
        if (now == 0 || now < previous)
            return fail(operation, "the clock failed or went backwards"), failed();
        if (i == 0)
            first = now;
        previous = now;
    }
    watch.stop();
    if (count > 1000 && previous == first)
        return fail(operation, "the clock never advanced"), failed();
    return watch.done();
}

uint64_t to_ns(const timespec& time) {
    return static_cast<uint64_t>(time.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(time.tv_nsec);
}

} // namespace

Outcome clock_gettime_libc(long count) {
    return read_clock("clock_gettime-libc", count, [] {
        timespec now{};
        return clock_gettime(CLOCK_MONOTONIC, &now) == 0 ? to_ns(now) : 0;
    });
}

Outcome clock_gettime_raw(long count) {
    return read_clock("clock_gettime-syscall", count, [] {
        timespec now{};
        return sys::raw_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, sys::arg(&now)) == 0 ? to_ns(now) : 0;
    });
}

Outcome gettimeofday_libc(long count) {
    return read_clock("gettimeofday", count, [] {
        timeval now{};
        if (gettimeofday(&now, nullptr) != 0)
            return uint64_t{0};
        return static_cast<uint64_t>(now.tv_sec) * 1'000'000u + static_cast<uint64_t>(now.tv_usec);
    });
}

Outcome first_touch(long pages) {
    const size_t length = static_cast<size_t>(pages * page_size());
    void* memory = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        return fail_errno("page-fault", "mmap", errno), failed();
    auto* bytes = static_cast<volatile unsigned char*>(memory);
    Stopwatch watch;
    watch.start();
    for (long page = 0; page < pages; ++page)
        bytes[page * page_size()] = static_cast<unsigned char>(page | 1);
    watch.stop();
    bool ok = true;
    for (long page = 0; page < pages && ok; ++page) {
        ok = bytes[page * page_size()] == static_cast<unsigned char>(page | 1) &&
             bytes[page * page_size() + 1] == 0;
    }
    munmap(memory, length);
    if (!ok)
        return fail("page-fault", "a touched page did not read back"), failed();
    return watch.done();
}

Outcome munmap_touched(long count) {
    Stopwatch watch;
    for (long round = 0; round < count; ++round) {
        void* memory =
            mmap(nullptr, kMunmapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED)
            return fail_errno("munmap-64m", "mmap", errno), failed();
        auto* bytes = static_cast<volatile unsigned char*>(memory);
        for (size_t offset = 0; offset < kMunmapBytes; offset += static_cast<size_t>(page_size()))
            bytes[offset] = 0xa5;
        watch.start();
        int result = munmap(memory, kMunmapBytes);
        watch.stop();
        if (result != 0) {
            int error = errno;
            munmap(memory, kMunmapBytes);
            return fail_errno("munmap-64m", "munmap", error), failed();
        }
        // The range is free again only if munmap really removed it, and what comes back is fresh.
        void* again = mmap(memory, kMunmapBytes, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (again != memory) {
            if (again != MAP_FAILED)
                munmap(again, kMunmapBytes);
            return fail("munmap-64m", "the unmapped range could not be mapped again in place"), failed();
        }
        bool fresh = static_cast<volatile unsigned char*>(again)[kMunmapBytes / 2] == 0;
        munmap(again, kMunmapBytes);
        if (!fresh)
            return fail("munmap-64m", "memory mapped again kept the old contents"), failed();
    }
    return watch.done();
}

Outcome mmap_munmap_page(long count) {
    const size_t length = static_cast<size_t>(page_size());
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        void* memory = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED)
            return fail_errno("mmap-munmap", "mmap", errno), failed();
        if (reinterpret_cast<uintptr_t>(memory) % length != 0)
            return fail("mmap-munmap", "mmap returned an unaligned address"), failed();
        if (munmap(memory, length) != 0)
            return fail_errno("mmap-munmap", "munmap", errno), failed();
    }
    watch.stop();
    return watch.done();
}

Outcome brk_grow_page(long count) {
    const long start = sys::raw_syscall(SYS_brk, 0);
    long end = start;
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        long wanted = end + page_size();
        if (sys::raw_syscall(SYS_brk, wanted) != wanted)
            return fail("brk-grow", "brk did not grow by a page"), failed();
        reinterpret_cast<volatile char*>(end)[0] = 1;
        end = wanted;
    }
    watch.stop();
    bool read_back = reinterpret_cast<volatile char*>(end - page_size())[0] == 1;
    if (sys::raw_syscall(SYS_brk, start) != start)
        return fail("brk-grow", "brk did not shrink back"), failed();
    if (!read_back)
        return fail("brk-grow", "the last page did not read back"), failed();
    return watch.done();
}

Outcome spawn_wait(const char* self, long count) {
    const pid_t own = getpid();
    pid_t previous = own;
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        pid_t pid = spawn_helper("spawn-wait", self, "exit_now", nullptr, -1, -1);
        if (pid <= 0)
            return failed();
        if (pid == own || pid == previous)
            return fail("spawn-wait", "a child got a pid already in use"), failed();
        if (!reap("spawn-wait", pid, exit_status_for(pid)))
            return failed();
        previous = pid;
    }
    watch.stop();
    return watch.done();
}

namespace {

class Pipe {
public:
    bool open() { return pipe2(m_fds, O_CLOEXEC) == 0; }
    int read_end() const { return m_fds[0]; }
    int write_end() const { return m_fds[1]; }
    void close_read() { close_fd(m_fds[0]); }
    void close_write() { close_fd(m_fds[1]); }
    ~Pipe() {
        close_read();
        close_write();
    }

private:
    static void close_fd(int& fd) {
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    int m_fds[2] = {-1, -1};
};

} // namespace

Outcome pipe_ping_pong(const char* self, long count) {
    Pipe to_child, from_child;
    if (!to_child.open() || !from_child.open())
        return fail_errno("pipe-pingpong", "pipe2", errno), failed();
    pid_t pid =
        spawn_helper("pipe-pingpong", self, "echo", nullptr, to_child.read_end(), from_child.write_end());
    if (pid <= 0)
        return failed();
    to_child.close_read();
    from_child.close_write();
    bool ok = true;
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count && ok; ++i) {
        unsigned char sent = static_cast<unsigned char>(i * 7 + 1);
        unsigned char answer = 0;
        ok = write(to_child.write_end(), &sent, 1) == 1 && read(from_child.read_end(), &answer, 1) == 1 &&
             answer == static_cast<unsigned char>(~sent);
    }
    watch.stop();
    to_child.close_write(); // end of file: the child exits
    bool exited = reap("pipe-pingpong", pid, 0);
    if (!ok)
        return fail("pipe-pingpong", "a byte did not come back complemented"), failed();
    return exited ? watch.done() : failed();
}

Outcome yield_switch(const char* self, long count) {
    Pipe ready;
    if (!ready.open())
        return fail_errno("sched-yield", "pipe2", errno), failed();
    const long each = count / 2;
    char each_text[24];
    snprintf(each_text, sizeof each_text, "%ld", each);
    pid_t pid = spawn_helper("sched-yield", self, "yield", each_text, -1, ready.write_end());
    if (pid <= 0)
        return failed();
    ready.close_write();
    char byte = 0;
    if (read(ready.read_end(), &byte, 1) != 1 || byte != 'r') {
        reap("sched-yield", pid, 0);
        return fail("sched-yield", "the child never said it was ready"), failed();
    }
    Stopwatch watch;
    watch.start();
    bool ok = true;
    for (long i = 0; i < each && ok; ++i)
        ok = sched_yield() == 0;
    bool exited = reap("sched-yield", pid, 0);
    watch.stop();
    if (!ok)
        return fail("sched-yield", "sched_yield failed"), failed();
    return exited ? watch.done() : failed();
}

int run_child(const char* name, int argc, char** argv) {
    if (strcmp(name, "exit_now") == 0)
        return child_exit();
    if (strcmp(name, "echo") == 0)
        return child_echo();
    if (strcmp(name, "yield") == 0 && argc >= 1)
        return child_yield(strtol(argv[0], nullptr, 10));
    return -1;
}

long memory_in_use_kib() {
    struct sysinfo info {};
    if (sysinfo(&info) != 0)
        return -1;
    unsigned long unit = info.mem_unit ? info.mem_unit : 1;
    return static_cast<long>((info.totalram - info.freeram) * unit / 1024);
}

} // namespace bench
