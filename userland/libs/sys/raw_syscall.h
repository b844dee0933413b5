// Raw system calls: the kernel's return value as is (-errno on failure), no libc, no errno, no TLS.
// Tests use them to check what the kernel returns where libc would hide it (brk, bad pointers), and
// code that has moved the FS base uses them because errno lives in TLS.
#pragma once

#include <sys/syscall.h>

namespace sys {

// The `syscall` instruction: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; the CPU
// clobbers rcx and r11.
inline long raw_syscall(long number, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                        long a5 = 0) {
    long result;
    register long r10 asm("r10") = a3;
    register long r8 asm("r8") = a4;
    register long r9 asm("r9") = a5;
    asm volatile("syscall"
                 : "=a"(result)
                 : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                 : "rcx", "r11", "memory");
    return result;
}

template <typename T>
long arg(T* pointer) {
    return reinterpret_cast<long>(pointer);
}

// Which kernel we run on decides what `int $0x80` means: blog_os takes the 64-bit numbering there,
// Linux the 32-bit ABI (getpid is 20 instead of 39).
enum class System { BlogOs, Linux, Unknown };
[[nodiscard]] System detect_system();
[[nodiscard]] const char* system_name(System system);

// getpid's number for `int $0x80` on `system`, or -1 when unknown.
[[nodiscard]] long int80_getpid_number(System system);

// One getpid through `int $0x80` with the number from int80_getpid_number().
inline long int80_getpid(long number) {
    long result;
    // The 32-bit ABI on Linux preserves everything but rax; be conservative for other kernels.
    asm volatile("int $0x80" : "=a"(result) : "a"(number) : "rcx", "r8", "r9", "r10", "r11", "memory");
    return result;
}

inline long syscall_getpid() {
    return raw_syscall(SYS_getpid);
}

} // namespace sys
