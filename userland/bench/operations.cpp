// The benchmark's operations (see operations.h). Each checks its own results; a check that fails
// says so on stderr and the operation reports ok == false.
#include "operations.h"
#include "support.h"

#include "sys/raw_syscall.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

Outcome fork_wait(long count) {
    const pid_t own = getpid();
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(exit_status_for(getpid()));
        if (pid < 0)
            return fail_errno("fork-wait", "fork", errno), failed();
        if (pid == own)
            return fail("fork-wait", "the child got the parent's pid"), failed();
        if (!reap("fork-wait", pid, exit_status_for(pid)))
            return failed();
    }
    watch.stop();
    return watch.done();
}

Outcome thread_create_join(long count) {
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        pthread_t thread;
        int error = pthread_create(
            &thread, nullptr, [](void* argument) -> void* { return argument; },
            reinterpret_cast<void*>(i + 1));
        if (error != 0)
            return fail_errno("thread-create-join", "pthread_create", error), failed();
        void* result = nullptr;
        if (pthread_join(thread, &result) != 0 || reinterpret_cast<long>(result) != i + 1)
            return fail("thread-create-join", "pthread_join gave the wrong value"), failed();
    }
    watch.stop();
    return watch.done();
}

Outcome fork_exec_wait(const char* self, long count) {
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            const char* argv[] = {self, "--child", "exit_now", nullptr};
            execve(self, const_cast<char* const*>(argv), environ);
            _exit(127);
        }
        if (pid < 0)
            return fail_errno("fork-exec-wait", "fork", errno), failed();
        if (!reap("fork-exec-wait", pid, exit_status_for(pid)))
            return failed();
    }
    watch.stop();
    return watch.done();
}

Outcome fork_touched(long count) {
    void* memory = mmap(nullptr, kMunmapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        return fail_errno("fork-64m", "mmap", errno), failed();
    auto* bytes = static_cast<volatile unsigned char*>(memory);
    const size_t page = static_cast<size_t>(page_size());
    for (size_t offset = 0; offset < kMunmapBytes; offset += page)
        bytes[offset] = static_cast<unsigned char>(offset / page);
    Stopwatch watch;
    bool ok = true;
    for (long round = 0; round < count && ok; ++round) {
        watch.start();
        pid_t pid = fork();
        if (pid == 0) {
            // The child sees the parent's bytes, then writes one page of its own.
            bool same = bytes[kMunmapBytes / 2] == static_cast<unsigned char>(kMunmapBytes / 2 / page);
            bytes[0] = 0xff;
            _exit(same ? 0 : 1);
        }
        if (pid < 0) {
            munmap(memory, kMunmapBytes);
            return fail_errno("fork-64m", "fork", errno), failed();
        }
        ok = reap("fork-64m", pid, 0);
        watch.stop();
        if (ok && bytes[0] != 0)
            ok = fail("fork-64m", "the child's write reached the parent's memory");
    }
    munmap(memory, kMunmapBytes);
    return ok ? watch.done() : failed();
}

namespace {

volatile sig_atomic_t g_signals_handled;

void count_signal(int) {
    g_signals_handled = g_signals_handled + 1;
}

long futex(volatile uint32_t* word, int operation, uint32_t value) {
    return sys::raw_syscall(SYS_futex, reinterpret_cast<long>(word), operation, value, 0);
}

constexpr int kFutexWait = 0, kFutexWake = 1;

// Waits (shared futex) until *word holds `wanted`.
void wait_for_value(volatile uint32_t* word, uint32_t wanted) {
    for (;;) {
        uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        if (seen == wanted)
            return;
        futex(word, kFutexWait, seen); // EAGAIN when it changed meanwhile: look again
    }
}

} // namespace

Outcome signal_round_trip(long count) {
    struct sigaction action {
    }, saved{};
    action.sa_handler = count_signal;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR1, &action, &saved) != 0)
        return fail_errno("signal-roundtrip", "sigaction", errno), failed();
    g_signals_handled = 0;
    const pid_t self = getpid();
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i)
        kill(self, SIGUSR1); // delivered on the way out of kill itself
    watch.stop();
    sigaction(SIGUSR1, &saved, nullptr);
    if (g_signals_handled != count)
        return fail("signal-roundtrip", "not every signal reached its handler"), failed();
    return watch.done();
}

Outcome futex_ping_pong(long count) {
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return fail_errno("futex-wake", "mmap", errno), failed();
    auto* turn = static_cast<volatile uint32_t*>(page); // 1: the child's turn, 0: the parent's
    pid_t pid = fork();
    if (pid == 0) {
        for (long i = 0; i < count; ++i) {
            wait_for_value(turn, 1);
            __atomic_store_n(turn, 0u, __ATOMIC_RELEASE);
            futex(turn, kFutexWake, 1);
        }
        _exit(0);
    }
    if (pid < 0) {
        munmap(page, 4096);
        return fail_errno("futex-wake", "fork", errno), failed();
    }
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        __atomic_store_n(turn, 1u, __ATOMIC_RELEASE);
        futex(turn, kFutexWake, 1);
        wait_for_value(turn, 0);
    }
    watch.stop();
    bool ok = reap("futex-wake", pid, 0);
    munmap(page, 4096);
    return ok ? watch.done() : failed();
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

// Files.

namespace {

// An entry of getdents64's answer (Linux's struct linux_dirent64).
struct DirectoryEntry {
    uint64_t inode;
    int64_t next_offset;
    uint16_t length;
    uint8_t type;
    char name[1];
};

constexpr char kListingName[] = "listing";

void entry_name(char* name, size_t size, long index) {
    snprintf(name, size, "entry%04ld", index);
}

} // namespace

bool make_scratch_directory(char* path, unsigned long size) {
    // As Linux's /init the root is the initramfs (ramfs or tmpfs) and has no /tmp yet.
    const char* parent = "/tmp";
    if (mkdir(parent, 01777) != 0 && errno != EEXIST)
        parent = "";
    int last_error = 0;
    const char* const bases[] = {parent, ""};
    for (const char* base : bases) {
        for (int attempt = 0; attempt < 100; ++attempt) {
            int length = attempt == 0 ? snprintf(path, size, "%s/bench.%d", base, getpid())
                                      : snprintf(path, size, "%s/bench.%d-%d", base, getpid(), attempt);
            if (length <= 0 || static_cast<unsigned long>(length) >= size)
                return fail("files", "the scratch directory's path is too long");
            if (mkdir(path, 0755) == 0)
                return true;
            last_error = errno;
            if (last_error != EEXIST)
                break;
        }
        if (*base == '\0')
            break;
    }
    return fail_errno("files", "mkdir of a scratch directory", last_error);
}

bool remove_scratch_directory(const char* path) {
    if (rmdir(path) != 0)
        return fail_errno("files", "rmdir of the scratch directory (were files left in it?)", errno);
    return true;
}

Outcome file_write(const char* directory, long bytes, long passes) {
    constexpr const char* operation = "file-write-4k";
    if (!valid_size(operation, bytes))
        return failed();
    Path path(directory, "written");
    Fd fd(create_file(operation, path));
    if (!fd.valid())
        return failed();
    alignas(64) unsigned char block[kFileBlock];
    Stopwatch watch;
    bool ok = true;
    for (long pass = 0; pass < passes && ok; ++pass) {
        const uint64_t salt = new_salt() + static_cast<uint64_t>(pass);
        fill_block(block, salt, 0);
        if (lseek(fd.get(), 0, SEEK_SET) != 0) {
            ok = fail_errno(operation, "lseek", errno);
            break;
        }
        watch.start();
        for (long offset = 0; offset < bytes && ok; offset += kFileBlock) {
            stamp_block(block, salt, static_cast<uint64_t>(offset));
            ok = write(fd.get(), block, kFileBlock) == kFileBlock;
        }
        watch.stop();
        if (!ok) {
            fail_errno(operation, "write", errno);
            break;
        }
        // Every block reads back with its own first word and the rest as written.
        alignas(64) unsigned char got[kFileBlock];
        struct stat status {};
        ok = fstat(fd.get(), &status) == 0 && status.st_size == bytes;
        if (!ok) {
            fail(operation, "the file does not have the size written");
            break;
        }
        for (long offset = 0; offset < bytes && ok; offset += kFileBlock) {
            stamp_block(block, salt, static_cast<uint64_t>(offset));
            ok =
                pread(fd.get(), got, kFileBlock, offset) == kFileBlock && memcmp(got, block, kFileBlock) == 0;
        }
        if (!ok) {
            fail(operation, "a written block did not read back");
            break;
        }
        // Emptied for the next pass: the next one allocates its pages again.
        ok = ftruncate(fd.get(), 0) == 0 && fstat(fd.get(), &status) == 0 && status.st_size == 0;
        if (!ok)
            fail(operation, "ftruncate to 0 did not empty the file");
    }
    fd.reset();
    if (!remove_file(operation, path) || !ok)
        return failed();
    return watch.done();
}

Outcome file_read(const char* directory, long bytes, long passes) {
    constexpr const char* operation = "file-read-4k";
    if (!valid_size(operation, bytes))
        return failed();
    Path path(directory, "read");
    Fd fd(create_file(operation, path));
    if (!fd.valid())
        return failed();
    const uint64_t salt = new_salt();
    bool ok = write_contents(operation, fd.get(), salt, bytes);
    alignas(64) unsigned char block[kFileBlock];
    Stopwatch watch;
    for (long pass = 0; pass < passes && ok; ++pass) {
        if (lseek(fd.get(), 0, SEEK_SET) != 0) {
            ok = fail_errno(operation, "lseek", errno);
            break;
        }
        watch.start();
        for (long offset = 0; offset < bytes && ok; offset += kFileBlock) {
            ok = read(fd.get(), block, kFileBlock) == kFileBlock &&
                 first_word(block) == file_word(salt, static_cast<uint64_t>(offset)) &&
                 first_word(block + kFileBlock - 8) ==
                     file_word(salt, static_cast<uint64_t>(offset + kFileBlock - 8));
        }
        watch.stop();
        if (!ok) {
            fail(operation, "a read came back short or from the wrong place");
            break;
        }
        unsigned char extra = 0;
        if (read(fd.get(), &extra, 1) != 0)
            ok = fail(operation, "the file did not end where it was written to");
    }
    // The quick checks above look at two words a block; every byte once, untimed.
    ok = ok && contents_match(operation, fd.get(), salt, bytes);
    fd.reset();
    if (!remove_file(operation, path) || !ok)
        return failed();
    return watch.done();
}

Outcome open_close(const char* directory, long count) {
    constexpr const char* operation = "open-close";
    Path path(directory, "opened");
    struct stat made {};
    {
        Fd fd(create_file(operation, path));
        if (!fd.valid())
            return failed();
        if (fstat(fd.get(), &made) != 0)
            return fail_errno(operation, "fstat", errno), failed();
    }
    bool ok = true;
    // The file opened is the one made.
    {
        Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat opened {};
        ok = fd.valid() && fstat(fd.get(), &opened) == 0 && opened.st_ino == made.st_ino &&
             opened.st_dev == made.st_dev;
        if (!ok)
            fail(operation, "opening the file by its path gave another file");
    }
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count && ok; ++i) {
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            ok = fail_errno(operation, "open", errno);
            break;
        }
        if (close(fd) != 0)
            ok = fail_errno(operation, "close", errno);
    }
    watch.stop();
    if (!remove_file(operation, path) || !ok)
        return failed();
    return watch.done();
}

Outcome stat_deep(const char* directory, long count) {
    constexpr const char* operation = "stat-depth8";
    constexpr int kDepth = 8;
    constexpr long kSize = 100;
    // directory/d1/d2/.../d8/file
    char levels[kDepth][256];
    int made = 0;
    bool ok = true;
    for (; made < kDepth && ok; ++made) {
        Path level(made == 0 ? directory : levels[made - 1], "d");
        if (!level.fits()) {
            ok = fail(operation, "the path is too long");
            break;
        }
        int length = snprintf(levels[made], sizeof levels[made], "%s%d", level.c_str(), made + 1);
        if (length <= 0 || static_cast<size_t>(length) >= sizeof levels[made]) {
            ok = fail(operation, "the path is too long");
            break;
        }
        if (mkdir(levels[made], 0755) != 0) {
            ok = fail_errno(operation, "mkdir", errno);
            break;
        }
    }
    Path path(made > 0 ? levels[made - 1] : directory, "file");
    struct stat expected {};
    Stopwatch watch;
    if (ok) {
        Fd fd(create_file(operation, path));
        char bytes[kSize] = {};
        ok = fd.valid() && write(fd.get(), bytes, kSize) == kSize && fstat(fd.get(), &expected) == 0;
        if (fd.valid() && !ok)
            fail_errno(operation, "write or fstat", errno);
        if (fd.valid()) {
            fd.reset();
            watch.start();
            for (long i = 0; i < count && ok; ++i) {
                struct stat status {};
                ok = stat(path.c_str(), &status) == 0 && status.st_ino == expected.st_ino &&
                     status.st_dev == expected.st_dev && S_ISREG(status.st_mode) && status.st_size == kSize;
            }
            watch.stop();
            if (!ok)
                fail(operation, "stat failed or described another file");
            if (!remove_file(operation, path))
                ok = false;
        }
    }
    while (made > 0) {
        if (rmdir(levels[--made]) != 0)
            ok = fail_errno(operation, "rmdir", errno);
    }
    return ok ? watch.done() : failed();
}

bool make_listing(const char* directory, long entries) {
    constexpr const char* operation = "getdents-1000";
    Path listing(directory, kListingName);
    if (!listing.fits())
        return fail(operation, "the path is too long");
    if (mkdir(listing.c_str(), 0755) != 0)
        return fail_errno(operation, "mkdir", errno);
    for (long i = 0; i < entries; ++i) {
        char name[32];
        entry_name(name, sizeof name, i);
        Path entry(listing.c_str(), name);
        int fd = open(entry.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail_errno(operation, "open(O_CREAT|O_EXCL) of an entry", errno);
        close(fd);
    }
    return true;
}

bool remove_listing(const char* directory, long entries) {
    constexpr const char* operation = "getdents-1000";
    Path listing(directory, kListingName);
    bool ok = true;
    for (long i = 0; i < entries; ++i) {
        char name[32];
        entry_name(name, sizeof name, i);
        Path entry(listing.c_str(), name);
        if (unlink(entry.c_str()) != 0 && errno != ENOENT)
            ok = fail_errno(operation, "unlink of an entry", errno);
    }
    if (rmdir(listing.c_str()) != 0 && errno != ENOENT) // never made: nothing to remove
        ok = fail_errno(operation, "rmdir", errno);
    return ok;
}

namespace {

// One listing from offset 0 to the end: the number of entries, or -1. With `seen` (entries + 2
// flags) it also checks the names: `.`, `..` and every entry exactly once.
long list_once(const char* operation, int fd, long entries, unsigned char* seen) {
    alignas(8) char buffer[32768];
    if (lseek(fd, 0, SEEK_SET) != 0)
        return fail_errno(operation, "lseek to the start", errno), -1;
    long found = 0;
    for (;;) {
        long got = sys::raw_syscall(SYS_getdents64, fd, sys::arg(buffer), sizeof buffer);
        if (got < 0)
            return fail_errno(operation, "getdents64", static_cast<int>(-got)), -1;
        if (got == 0)
            return found;
        for (long at = 0; at < got;) {
            const auto* entry = reinterpret_cast<const DirectoryEntry*>(buffer + at);
            if (entry->length == 0 || at + entry->length > got)
                return fail(operation, "getdents64 returned a malformed entry"), -1;
            ++found;
            if (seen) {
                const char* name = entry->name;
                long index = -1;
                char expected[32];
                if (strcmp(name, ".") == 0) {
                    index = entries;
                } else if (strcmp(name, "..") == 0) {
                    index = entries + 1;
                } else if (strncmp(name, "entry", 5) == 0) {
                    index = strtol(name + 5, nullptr, 10);
                    entry_name(expected, sizeof expected, index);
                    if (index < 0 || index >= entries || strcmp(expected, name) != 0)
                        index = -1;
                }
                if (index < 0)
                    return fail(operation, "the listing has a name that was never made"), -1;
                if (seen[index]++)
                    return fail(operation, "the listing has a name twice"), -1;
            }
            at += entry->length;
        }
    }
}

} // namespace

Outcome list_directory(const char* directory, long entries, long count) {
    constexpr const char* operation = "getdents-1000";
    Path listing(directory, kListingName);
    Fd fd(open(listing.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno(operation, "open(O_DIRECTORY)", errno), failed();
    // Every name once, untimed; then the timed listings count.
    auto* seen = static_cast<unsigned char*>(calloc(static_cast<size_t>(entries) + 2, 1));
    if (!seen)
        return fail(operation, "out of memory"), failed();
    long found = list_once(operation, fd.get(), entries, seen);
    free(seen);
    if (found != entries + 2) {
        if (found >= 0)
            fail(operation, "the listing does not have every entry, . and ..");
        return failed();
    }
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        found = list_once(operation, fd.get(), entries, nullptr);
        if (found != entries + 2) {
            if (found >= 0)
                fail(operation, "a listing did not have entries + 2 names");
            return failed();
        }
    }
    watch.stop();
    return watch.done();
}

Outcome create_unlink(const char* directory, long count) {
    constexpr const char* operation = "create-unlink";
    Path path(directory, "created");
    if (!path.fits())
        return fail(operation, "the path is too long"), failed();
    // Untimed, the semantics the loop relies on: O_EXCL refuses an existing name, and after unlink
    // the name is gone.
    {
        Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        if (!fd.valid())
            return fail_errno(operation, "open(O_CREAT|O_EXCL)", errno), failed();
        struct stat status {};
        bool regular = stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode);
        int again = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        int again_error = errno;
        if (again >= 0)
            close(again);
        fd.reset();
        if (!remove_file(operation, path))
            return failed();
        if (!regular)
            return fail(operation, "the created file is not there as a regular file"), failed();
        if (again >= 0 || again_error != EEXIST)
            return fail(operation, "O_EXCL did not refuse an existing file with EEXIST"), failed();
        if (stat(path.c_str(), &status) == 0 || errno != ENOENT)
            return fail(operation, "the name is still there after unlink"), failed();
    }
    // Each O_EXCL create succeeds only if the last unlink removed the name; each unlink only if the
    // create made it.
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail_errno(operation, "open(O_CREAT|O_EXCL)", errno), failed();
        if (close(fd) != 0)
            return fail_errno(operation, "close", errno), failed();
        if (unlink(path.c_str()) != 0)
            return fail_errno(operation, "unlink of the file just created", errno), failed();
    }
    watch.stop();
    struct stat status {};
    if (stat(path.c_str(), &status) == 0 || errno != ENOENT)
        return fail(operation, "the name is still there after the last unlink"), failed();
    return watch.done();
}

Outcome file_page_fault(const char* directory, long pages) {
    constexpr const char* operation = "file-page-fault";
    if (page_size() != kFileBlock)
        return fail(operation, "pages are not 4 KiB"), failed();
    const long bytes = pages * kFileBlock;
    if (!valid_size(operation, bytes))
        return failed();
    Path path(directory, "mapped");
    Fd fd(create_file(operation, path));
    if (!fd.valid())
        return failed();
    const uint64_t salt = new_salt();
    if (!write_contents(operation, fd.get(), salt, bytes)) {
        fd.reset();
        remove_file(operation, path);
        return failed();
    }
    void* memory = mmap(nullptr, static_cast<size_t>(bytes), PROT_READ, MAP_SHARED, fd.get(), 0);
    if (memory == MAP_FAILED) {
        int error = errno;
        fd.reset();
        remove_file(operation, path);
        return fail_errno(operation, "mmap", error), failed();
    }
    const auto* mapped = static_cast<const volatile unsigned char*>(memory);
    uint64_t wrong = 0;
    Stopwatch watch;
    watch.start();
    for (long page = 0; page < pages; ++page) {
        const long offset = page * kFileBlock;
        // One byte a page, read: the fault maps the file's page. It must be the file's byte.
        wrong |= mapped[offset] ^ static_cast<unsigned char>(file_word(salt, static_cast<uint64_t>(offset)));
    }
    watch.stop();
    // Every byte of the mapping is the file's, untimed.
    bool same = wrong == 0;
    alignas(64) unsigned char expected[kFileBlock];
    for (long offset = 0; offset < bytes && same; offset += kFileBlock) {
        fill_block(expected, salt, static_cast<uint64_t>(offset));
        same = memcmp(expected, static_cast<const unsigned char*>(memory) + offset, kFileBlock) == 0;
    }
    bool unmapped = munmap(memory, static_cast<size_t>(bytes)) == 0;
    int unmap_error = errno;
    fd.reset();
    bool removed = remove_file(operation, path);
    if (!same)
        return fail(operation, "a mapped page does not hold the file's bytes"), failed();
    if (!unmapped)
        return fail_errno(operation, "munmap", unmap_error), failed();
    return removed ? watch.done() : failed();
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
