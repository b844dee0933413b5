// /bin/bench: costs of the kernel's basic paths, one line each:
//   bench NAME: MEDIAN ns/op (min MIN, ROUNDS rounds of OPS ops)
// Null syscalls through `syscall` and `int $0x80`, an anonymous page fault, brk growth.
#include "sys/raw_syscall.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <sys/mman.h>
#include <unistd.h>

namespace {

constexpr int kRounds = 5;

uint64_t now_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(now.tv_nsec);
}

// Runs `round` (which performs `ops` operations and returns false on failure) kRounds times.
template <typename Round>
void measure(const char* name, long ops, Round round) {
    std::array<double, kRounds> per_op{};
    for (double& result : per_op) {
        uint64_t start = now_ns();
        if (!round()) {
            printf("bench %s: FAILED\n", name);
            return;
        }
        result = static_cast<double>(now_ns() - start) / static_cast<double>(ops);
    }
    std::sort(per_op.begin(), per_op.end());
    printf("bench %s: %.1f ns/op (min %.1f, %d rounds of %ld ops)\n", name, per_op[kRounds / 2], per_op[0],
           kRounds, ops);
    fflush(stdout);
}

} // namespace

int main() {
    const long page_size = sysconf(_SC_PAGESIZE);
    const long pid = sys::syscall_getpid();

    constexpr long kSyscalls = 1'000'000;
    measure("syscall-getpid", kSyscalls, [&] {
        for (long i = 0; i < kSyscalls; ++i) {
            if (sys::syscall_getpid() != pid)
                return false;
        }
        return true;
    });

    sys::System system = sys::detect_system();
    long int80_number = sys::int80_getpid_number(system);
    if (int80_number < 0) {
        printf("bench int80-getpid: skipped (int 0x80 numbering unknown on %s)\n", sys::system_name(system));
    } else {
        measure("int80-getpid", kSyscalls, [&] {
            for (long i = 0; i < kSyscalls; ++i) {
                if (sys::int80_getpid(int80_number) != pid)
                    return false;
            }
            return true;
        });
    }

    // Each round maps fresh pages so every touch is a first-touch fault.
    constexpr long kPages = 1024;
    measure("page-fault", kPages, [&] {
        size_t length = static_cast<size_t>(kPages * page_size);
        void* memory = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED)
            return false;
        auto* bytes = static_cast<volatile char*>(memory);
        for (long page = 0; page < kPages; ++page)
            bytes[page * page_size] = 1;
        munmap(memory, length);
        return true;
    });

    // One page of brk growth plus its first touch, then the break goes back to where it was.
    constexpr long kGrowths = 256;
    measure("brk-grow-page", kGrowths, [&] {
        const long start = sys::raw_syscall(SYS_brk, 0);
        long end = start;
        for (long i = 0; i < kGrowths; ++i) {
            long wanted = end + page_size;
            if (sys::raw_syscall(SYS_brk, wanted) != wanted)
                return false;
            reinterpret_cast<volatile char*>(end)[0] = 1;
            end = wanted;
        }
        return sys::raw_syscall(SYS_brk, start) == start;
    });
    return 0;
}
