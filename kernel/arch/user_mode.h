// Ring 3: leaving for it, and the two ways back in that are not plain interrupts, system calls and
// faults. Both `syscall` and `int 0x80` (a gate user code may use, taking the same 64-bit numbering)
// arrive as one InterruptFrame: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9, result to rax.
#pragma once

#include "arch/interrupts.h"

#include <cstdint>

namespace arch {

inline constexpr uint8_t syscall_vector = 0x80;

// Sets up the `syscall` MSRs, the per-CPU block that entry code finds through GS, and the int 0x80 gate.
void initialize_user_mode();

// Called with interrupts enabled for every system call; it writes the result to frame.rax.
using SyscallHandler = void (*)(InterruptFrame& frame);
void set_syscall_handler(SyscallHandler handler);
inline bool entered_by_syscall_instruction(const InterruptFrame& frame) {
    return frame.error_code == 1;
}
inline uint64_t syscall_argument(const InterruptFrame& frame, int index) {
    const uint64_t arguments[] = {frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9};
    return arguments[index];
}

// The user thread pointer (FS base on x86-64: TLS for musl and glibc); per task, loaded on switch.
void set_user_thread_pointer(uint64_t value);

// How user code can read the number of the CPU it runs on without a system call.
enum class UserCpuNumber : uint8_t {
    None,   // no instruction for it: getcpu must ask the kernel
    Rdtscp, // IA32_TSC_AUX is set and RDTSCP reads it
    Rdpid,  // IA32_TSC_AUX is set and RDPID (cheaper: no TSC read) reads it too
};
// Makes this CPU's number readable from user mode, in Linux's encoding ((node << 12) | cpu) in
// IA32_TSC_AUX, where the CPU has RDTSCP or RDPID. Each CPU must call it for itself before it runs user
// code, with its own number: user space trusts the value on whichever CPU it happens to run.
UserCpuNumber publish_user_cpu_number(uint32_t cpu, uint32_t node);

// The Linux signal number a user-mode exception delivers (SIGSEGV, SIGFPE, SIGILL, ...), so exit
// statuses read the same on both systems.
int fault_signal(const InterruptFrame& frame);
// What demand paging made of a page fault on a user address.
enum class PageFaultOutcome : uint8_t {
    Resolved,     // the page is there now: retry the access
    Refused,      // no mapping, or one that does not allow the access: SIGSEGV
    OutOfMemory,  // a page or a page table could not be had: the process is killed
    BeyondObject, // a file mapping's page past the end of its file: SIGBUS
};
// The signal with the siginfo Linux gives it: si_code and si_addr (CR2 for a page fault, the
// instruction for divide, invalid-opcode and floating-point errors, 0 for a general protection
// fault); SIGBUS with BUS_ADRERR for a page past the end of a mapped file. Read before interrupts
// go on.
struct FaultSignal {
    int signal;
    int32_t code;
    uint64_t address;
};
FaultSignal describe_user_fault(const InterruptFrame& frame,
                                PageFaultOutcome outcome = PageFaultOutcome::Refused);

// An exception raised in ring 3 goes here instead of the kernel's crash report.
// `outcome` says why the fault could not be resolved (Refused for faults other than page faults).
using UserFaultHandler = void (*)(InterruptFrame& frame, PageFaultOutcome outcome);
void set_user_fault_handler(UserFaultHandler handler);

inline constexpr uint64_t user_half_end_address = 0x0000'8000'0000'0000;

// Demand paging: a page fault on a user address (from user code, or from the user-copy routine)
// asks the resolver first; Resolved means the page is now there and the access is retried.
struct PageFaultAccess {
    bool write = false;
    bool instruction_fetch = false;
    bool present = false; // the page was present: a protection violation
};
using PageFaultResolver = PageFaultOutcome (*)(uint64_t address, PageFaultAccess access);
void set_page_fault_resolver(PageFaultResolver resolver);

// The fault-safe primitives (user_copy.S). The caller checks the range lies in the user half and
// holds a UserAccessScope. Copy and fill return the number of bytes NOT done (0 on success).
extern "C" uint64_t arch_copy_user(void* destination, const void* source, uint64_t length);
extern "C" uint64_t arch_fill_user(void* destination, uint8_t value, uint64_t length);
// The length of a NUL-terminated user string, `limit` if no NUL comes within it, -1 on a fault.
extern "C" int64_t arch_user_string_length(const char* string, uint64_t limit);
// One aligned 32-bit load, and a locked compare-exchange (futex words); 0, or -1 on a fault. The
// exchange leaves the value it found in *expected.
extern "C" int arch_user_load_u32(const uint32_t* address, uint32_t* value);
extern "C" int arch_user_compare_exchange_u32(uint32_t* address, uint32_t* expected, uint32_t desired);

// Returns to ring 3 with every register from `frame` (a new task that continues a copy of another's
// frame: clone); the frame may live anywhere on the current kernel stack.
extern "C" [[noreturn]] void return_to_user_mode(const InterruptFrame* frame);

} // namespace arch

// Leaves for ring 3 at `rip` with stack `rsp`, for good: the next entry starts again at the top of
// this task's kernel stack.
extern "C" [[noreturn]] void enter_user_mode(uint64_t rip, uint64_t rsp);
