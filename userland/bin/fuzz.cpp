// fuzz: throws random file-system calls with hostile arguments at the kernel. The kernel must answer
// every one with a result or an errno and stay up; the e2e test boots this as init and checks that it
// finishes. Usage: fuzz SEED CALLS.
//
// Everything happens chrooted in a scratch directory, so no call can touch the rest of the system,
// and nothing may block: descriptors are non-blocking, timeouts zero, lock waits non-waiting, and
// the calls that could make a descriptor blocking again are left out. Memory calls stay inside an
// arena of their own, so the program never unmaps itself. Its output descriptor is kept out of
// reach of close and dup2.
#include "sys/raw_syscall.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr int output_fd = 1000;
constexpr uint64_t arena_size = 16 << 20;
constexpr uint64_t guard_size = 32 * 4096; // after the arena: struct writes near its end land here

uint64_t state = 1;
uint64_t next_random() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}
uint64_t below(uint64_t limit) {
    return limit ? next_random() % limit : 0;
}

char* arena = nullptr;
char buffer[1 << 16];

const char* const paths[] = {"a",  "b",         "d",        "d/e",   "d/e/f",  "l",    "p",
                             ".",  "..",        "/",        "/a",    "d/../a", "x/",   "a/",
                             "l/", "missing/x", "../../..", "d//e/", "dev",    "proc", "m"};

long number() {
    switch (below(8)) {
    case 0:
        return 0;
    case 1:
        return -1;
    case 2:
        return static_cast<long>(next_random());
    case 3:
        return static_cast<long>(below(1 << 20));
    case 4:
        return 0x7fffffffffffffffl;
    case 5:
        return static_cast<long>(below(65536));
    default:
        return static_cast<long>(below(16));
    }
}

// A pointer argument for small structures the kernel writes (stat, statx, statfs: at most 256
// bytes): mostly good, sometimes hostile.
long pointer() {
    switch (below(10)) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return static_cast<long>(0xffff800000000000ull);
    case 3:
        return reinterpret_cast<long>(arena + below(arena_size)); // maybe unmapped by now
    case 4:
        return reinterpret_cast<long>(arena + arena_size - below(64)); // runs into the guard
    case 5:
        return static_cast<long>(0x7ffffffff000ull - below(16));
    default:
        return reinterpret_cast<long>(buffer + below(64));
    }
}

// A buffer and its length: a good buffer gets a length that fits it (the program must not let the
// kernel overwrite its own memory); a hostile one gets any length.
void buffer_argument(long& address, long& size) {
    switch (below(8)) {
    case 0:
        address = below(2) ? 0 : static_cast<long>(0xffff800000000000ull);
        size = number();
        return;
    case 1: {
        uint64_t offset = below(arena_size);
        address = reinterpret_cast<long>(arena + offset);
        size = static_cast<long>(below(arena_size - offset + 1));
        return;
    }
    default: {
        uint64_t offset = below(64);
        address = reinterpret_cast<long>(buffer + offset);
        size = static_cast<long>(below(sizeof buffer - offset + 1));
        return;
    }
    }
}

long path() {
    if (below(8) == 0)
        return pointer();
    return reinterpret_cast<long>(paths[below(sizeof paths / sizeof paths[0])]);
}

// A descriptor: mostly ones that exist, never the output.
long descriptor() {
    long fd = below(8) == 0 ? number() : static_cast<long>(below(24));
    if (fd == 1 || fd == 2 || fd == output_fd)
        fd = 3;
    return fd;
}

long directory_fd() {
    return below(3) == 0 ? descriptor() : -100; // AT_FDCWD
}

// open's flags with O_NONBLOCK always set (a FIFO's open must not wait).
long open_flags() {
    return static_cast<long>((next_random() & 0x7fffff) | O_NONBLOCK);
}

void call_one(long* totals) {
    long a[6] = {};
    long number_of_call = 0;
    switch (below(44)) {
    case 0:
        number_of_call = SYS_read, a[0] = descriptor(), buffer_argument(a[1], a[2]);
        break;
    case 1:
        number_of_call = SYS_write, a[0] = descriptor(), buffer_argument(a[1], a[2]);
        break;
    case 2:
        number_of_call = SYS_open, a[0] = path(), a[1] = open_flags(), a[2] = number();
        break;
    case 3:
        number_of_call = SYS_close, a[0] = descriptor();
        break;
    case 4:
        number_of_call = SYS_newfstatat, a[0] = directory_fd(), a[1] = path(), a[2] = pointer(),
        a[3] = below(0x2000);
        break;
    case 5:
        number_of_call = SYS_lseek, a[0] = descriptor(), a[1] = number(), a[2] = below(6);
        break;
    case 6:
        number_of_call = SYS_pread64, a[0] = descriptor(), buffer_argument(a[1], a[2]), a[3] = number();
        break;
    case 7:
        number_of_call = SYS_pwrite64, a[0] = descriptor(), buffer_argument(a[1], a[2]), a[3] = number();
        break;
    case 8: {
        // The vectors point at good buffers or hostile ones, as buffer_argument picks.
        static long vectors[8][2];
        for (auto& vector : vectors)
            buffer_argument(vector[0], vector[1]);
        number_of_call = SYS_readv, a[0] = descriptor(),
        a[1] = below(4) ? reinterpret_cast<long>(vectors) : pointer(), a[2] = below(9);
        break;
    }
    case 9:
        number_of_call = SYS_writev, a[0] = descriptor(), a[1] = pointer(), a[2] = below(8);
        break;
    case 10:
        number_of_call = SYS_pipe2, a[0] = pointer(), a[1] = O_NONBLOCK | (below(2) ? O_CLOEXEC : 0);
        break;
    case 11:
        number_of_call = SYS_dup, a[0] = descriptor();
        break;
    case 12:
        number_of_call = SYS_dup2, a[0] = descriptor(), a[1] = descriptor();
        break;
    case 13: {
        // fcntl without F_SETFL (it could clear O_NONBLOCK) and without the waiting lock commands.
        const long commands[] = {0, 1, 2, 3, 5, 6, 36, 37, 1030, 1031, 1032, 1033, 1034, 9999};
        number_of_call = SYS_fcntl, a[0] = descriptor(), a[1] = commands[below(14)],
        a[2] = below(2) ? number() : pointer();
        break;
    }
    case 14:
        number_of_call = SYS_flock, a[0] = descriptor(), a[1] = number() | 4;
        break; // LOCK_NB
    case 15:
        number_of_call = SYS_ftruncate, a[0] = descriptor(),
        a[1] = below(4) ? number() : static_cast<long>(below(1 << 16));
        break;
    case 16:
        number_of_call = SYS_truncate, a[0] = path(), a[1] = static_cast<long>(below(1 << 16));
        break;
    case 17:
        number_of_call = SYS_getdents64, a[0] = descriptor(), buffer_argument(a[1], a[2]);
        break;
    case 18:
        number_of_call = SYS_getcwd, buffer_argument(a[0], a[1]);
        break;
    case 19:
        number_of_call = SYS_mkdirat, a[0] = directory_fd(), a[1] = path(), a[2] = number();
        break;
    case 20:
        number_of_call = SYS_unlinkat, a[0] = directory_fd(), a[1] = path(),
        a[2] = below(2) ? 0x200 : number();
        break;
    case 21:
        number_of_call = SYS_renameat2, a[0] = directory_fd(), a[1] = path(), a[2] = directory_fd(),
        a[3] = path(), a[4] = below(8);
        break;
    case 22:
        number_of_call = SYS_linkat, a[0] = directory_fd(), a[1] = path(), a[2] = directory_fd(),
        a[3] = path(), a[4] = below(3) ? 0 : number();
        break;
    case 23:
        number_of_call = SYS_symlinkat, a[0] = path(), a[1] = directory_fd(), a[2] = path();
        break;
    case 24:
        number_of_call = SYS_readlinkat, a[0] = directory_fd(), a[1] = path(), buffer_argument(a[2], a[3]);
        break;
    case 25:
        number_of_call = SYS_fchmodat, a[0] = directory_fd(), a[1] = path(), a[2] = number();
        break;
    case 26:
        number_of_call = SYS_fchownat, a[0] = directory_fd(), a[1] = path(), a[2] = number(), a[3] = number(),
        a[4] = below(0x2000);
        break;
    // Device nodes only of the memory devices (1:0-10): a node of the console would print the
    // fuzz's bytes on it, kmsg would log them.
    case 27:
        number_of_call = SYS_mknodat, a[0] = directory_fd(), a[1] = path(), a[2] = number(),
        a[3] = (1 << 8) | static_cast<long>(below(11));
        break;
    case 28:
        number_of_call = SYS_faccessat2, a[0] = directory_fd(), a[1] = path(), a[2] = below(16),
        a[3] = below(0x2000);
        break;
    case 29:
        number_of_call = SYS_utimensat, a[0] = directory_fd(), a[1] = path(), a[2] = pointer(),
        a[3] = below(0x2000);
        break;
    case 30:
        number_of_call = SYS_statx, a[0] = directory_fd(), a[1] = path(), a[2] = below(0x8000),
        a[3] = number(), a[4] = pointer();
        break;
    case 31:
        number_of_call = SYS_fallocate, a[0] = descriptor(), a[1] = below(4),
        a[2] = static_cast<long>(below(1 << 20)), a[3] = static_cast<long>(below(1 << 18));
        break;
    case 32: {
        static const long zero[2] = {0, 0}; // timeouts are zero: nothing waits
        number_of_call = SYS_ppoll, a[0] = pointer(), a[1] = below(8), a[2] = reinterpret_cast<long>(zero),
        a[3] = 0, a[4] = 8;
        break;
    }
    case 33: {
        static long zero[2] = {0, 0};
        zero[0] = zero[1] = 0;
        number_of_call = SYS_select, a[0] = below(64), a[1] = pointer(), a[2] = pointer(), a[3] = pointer(),
        a[4] = reinterpret_cast<long>(zero);
        break;
    }
    case 34:
        number_of_call = SYS_sendfile, a[0] = descriptor(), a[1] = descriptor(),
        a[2] = below(2) ? 0 : pointer(), a[3] = number();
        break;
    case 35:
        number_of_call = SYS_copy_file_range, a[0] = descriptor(), a[1] = below(2) ? 0 : pointer(),
        a[2] = descriptor(), a[3] = below(2) ? 0 : pointer(), a[4] = number(), a[5] = below(4) ? 0 : 1;
        break;
    case 36:
        number_of_call = SYS_splice, a[0] = descriptor(), a[1] = below(2) ? 0 : pointer(),
        a[2] = descriptor(), a[3] = below(2) ? 0 : pointer(), a[4] = number(), a[5] = 2;
        break; // SPLICE_F_NONBLOCK
    case 37:
        number_of_call = SYS_memfd_create, a[0] = path(), a[1] = below(8);
        break;
    case 38:
        number_of_call = SYS_mmap, a[0] = reinterpret_cast<long>(arena + below(arena_size / 4096) * 4096),
        a[1] = static_cast<long>(below(16) * 4096 + below(2)), a[2] = below(8),
        a[3] = (below(3) + 1) | (below(2) ? MAP_FIXED : 0) | (below(4) ? 0 : MAP_ANONYMOUS),
        a[4] = descriptor(), a[5] = static_cast<long>(below(4) * 4096);
        break;
    case 39:
        number_of_call = SYS_mprotect, a[0] = reinterpret_cast<long>(arena + below(arena_size / 4096) * 4096),
        a[1] = static_cast<long>(below(16) * 4096), a[2] = below(8);
        break;
    case 40:
        number_of_call = SYS_mremap, a[0] = reinterpret_cast<long>(arena + below(arena_size / 4096) * 4096),
        a[1] = static_cast<long>(below(8) * 4096), a[2] = static_cast<long>((below(8) + 1) * 4096),
        a[3] = below(2), a[4] = 0;
        break;
    case 41:
        number_of_call = SYS_statfs, a[0] = path(), a[1] = pointer();
        break;
    case 42: {
        const char* const types[] = {"tmpfs", "proc", "devtmpfs", "nosuch", ""};
        number_of_call = SYS_mount, a[0] = path(), a[1] = path(),
        a[2] = reinterpret_cast<long>(types[below(5)]), a[3] = below(2) ? 0 : number(),
        a[4] = below(2) ? 0 : pointer();
        break;
    }
    default:
        number_of_call = SYS_umount2, a[0] = path(), a[1] = below(4) ? 0 : number();
        break;
    }
    if (number_of_call == SYS_dup2 && (a[1] == 1 || a[1] == 2))
        return;
    long result = sys::raw_syscall(number_of_call, a[0], a[1], a[2], a[3], a[4], a[5]);
    ++totals[result < 0 ? 1 : 0];
}

} // namespace

int main(int argc, char** argv) {
    state = argc > 1 ? strtoull(argv[1], nullptr, 10) * 2 + 1 : 1; // odd: never the fixed point 0
    long calls = argc > 2 ? strtol(argv[2], nullptr, 10) : 20000;
    // Output survives whatever the calls do to descriptors 0 to 999.
    if (dup2(1, output_fd) != output_fd)
        return 2;
    close(0); // the terminal: a read of it would wait
    // A write to a pipe whose reader the calls closed raises SIGPIPE, which would end the run as on
    // Linux: the EPIPE is what the fuzzer wants to see.
    signal(SIGPIPE, SIG_IGN);
    mkdir("/tmp", 01777);
    char root[64];
    snprintf(root, sizeof root, "/tmp/fuzz.%d", getpid());
    if (mkdir(root, 0755) != 0 || chroot(root) != 0 || chdir("/") != 0) {
        dprintf(output_fd, "fuzz: cannot make the scratch root %s: %s\n", root, strerror(errno));
        return 1;
    }
    arena = static_cast<char*>(
        mmap(nullptr, arena_size + guard_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (arena == MAP_FAILED || mprotect(arena + arena_size, guard_size, PROT_NONE) != 0)
        return 1;
    mkdir("d", 0755);
    mkdir("d/e", 0755);
    close(open("a", O_CREAT | O_WRONLY, 0644));
    symlink("a", "l");
    mknod("p", S_IFIFO | 0644, 0);
    memset(buffer, 'f', sizeof buffer);
    long totals[2] = {};
    for (long i = 0; i < calls; ++i)
        call_one(totals);
    dprintf(output_fd, "fuzz: done, %ld calls (%ld succeeded, %ld failed), seed %s\n", calls, totals[0],
            totals[1], argc > 1 ? argv[1] : "1");
    return 0;
}
