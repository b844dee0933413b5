// MSR and descriptor setup for ring 3 (Intel SDM vol. 3A §5.8.8 for SYSCALL/SYSRET, §6.14 for gates).
#include "arch/user_mode.h"

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/registers.h"
#include "arch/x86_64/syscall.h"

extern "C" void syscall_entry();

namespace x86_64 {

namespace {

constexpr uint32_t msr_star = 0xc0000081, msr_lstar = 0xc0000082, msr_fmask = 0xc0000084;
constexpr uint32_t msr_gs_base = 0xc0000101, msr_kernel_gs_base = 0xc0000102;
constexpr uint64_t efer_syscall_enable = 1;
// Cleared on `syscall`: interrupts (until the frame is saved), direction, trap and alignment check.
constexpr uint64_t syscall_cleared_flags = (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18);

// What syscall_entry.S finds at %gs:0, 8, 16.
struct CpuLocal {
    CpuLocal* self;
    uint64_t kernel_stack_top;
    uint64_t user_stack_scratch;
};
static_assert(__builtin_offsetof(CpuLocal, kernel_stack_top) == 8);
static_assert(__builtin_offsetof(CpuLocal, user_stack_scratch) == 16);

CpuLocal boot_cpu;

} // namespace

void set_cpu_kernel_stack(uint64_t top) {
    boot_cpu.kernel_stack_top = top;
}

void initialize_syscall_entry() {
    boot_cpu.self = &boot_cpu;
    // In the kernel GS is the CPU's block; user mode gets its own base and swapgs trades the two.
    write_msr(msr_gs_base, reinterpret_cast<uint64_t>(&boot_cpu));
    write_msr(msr_kernel_gs_base, 0);
    write_msr(msr_efer, read_msr(msr_efer) | efer_syscall_enable);
    // syscall loads CS from bits 47:32 (SS = +8); sysret loads SS from bits 63:48 + 8 and CS from +16,
    // which is why the GDT has user data before user code.
    uint64_t sysret_base = kernel_data_selector | 3;
    write_msr(msr_star, (uint64_t(kernel_code_selector) << 32) | (sysret_base << 48));
    write_msr(msr_lstar, reinterpret_cast<uint64_t>(syscall_entry));
    write_msr(msr_fmask, syscall_cleared_flags);
}

} // namespace x86_64

namespace arch {

int fault_signal(const InterruptFrame& frame) {
    constexpr int sigill = 4, sigtrap = 5, sigbus = 7, sigfpe = 8, sigsegv = 11;
    switch (frame.vector) {
    case 0:  // divide error
    case 16: // x87 floating-point error
    case 19: // SIMD floating-point exception
        return sigfpe;
    case 1: // debug
    case 3: // breakpoint
        return sigtrap;
    case 6: // invalid opcode
        return sigill;
    case 17: // alignment check
        return sigbus;
    default: // page fault, general protection, stack fault, ...
        return sigsegv;
    }
}

FaultSignal describe_user_fault(const InterruptFrame& frame, PageFaultOutcome outcome) {
    constexpr int32_t si_kernel = 0x80, segv_maperr = 1, segv_accerr = 2, fpe_intdiv = 1, fpe_fltdiv = 3,
                      fpe_fltovf = 4, fpe_fltund = 5, fpe_fltres = 6, fpe_fltinv = 7, ill_illopn = 2,
                      trap_trace = 2, bus_adraln = 1, bus_adrerr = 2;
    int signal = fault_signal(frame);
    if (frame.vector == 14 && outcome == PageFaultOutcome::BeyondObject)
        return {7, bus_adrerr, x86_64::read_cr2()}; // SIGBUS
    switch (frame.vector) {
    case 14: // page fault: present bit set means the access was refused, not unmapped
        return {signal, frame.error_code & 1 ? segv_accerr : segv_maperr, x86_64::read_cr2()};
    case 0:
        return {signal, fpe_intdiv, frame.rip};
    case 19: {
        uint32_t mxcsr = 0;
        asm volatile("stmxcsr %0" : "=m"(mxcsr));
        int32_t code = mxcsr & 1    ? fpe_fltinv
                       : mxcsr & 4  ? fpe_fltdiv
                       : mxcsr & 8  ? fpe_fltovf
                       : mxcsr & 16 ? fpe_fltund
                       : mxcsr & 32 ? fpe_fltres
                                    : fpe_fltinv;
        return {signal, code, frame.rip};
    }
    case 16:
        return {signal, fpe_fltinv, frame.rip};
    case 6:
        return {signal, ill_illopn, frame.rip};
    case 1:
        return {signal, trap_trace, frame.rip};
    case 3:
        return {signal, si_kernel, 0}; // int3 reports SI_KERNEL on Linux
    case 17:
        return {signal, bus_adraln, 0};
    default:
        return {signal, si_kernel, 0};
    }
}

namespace {
constexpr uint32_t msr_fs_base = 0xc0000100;
constexpr uint32_t msr_tsc_aux = 0xc0000103;
} // namespace

UserCpuNumber publish_user_cpu_number(uint32_t cpu, uint32_t node) {
    bool has_rdtscp = x86_64::cpuid(0x80000001).edx & (1u << 27);
    bool has_rdpid = x86_64::cpuid(0, 0).eax >= 7 && (x86_64::cpuid(7, 0).ecx & (1u << 22));
    if (!has_rdtscp && !has_rdpid)
        return UserCpuNumber::None; // IA32_TSC_AUX exists only with one of them
    x86_64::write_msr(msr_tsc_aux, (static_cast<uint64_t>(node) << 12) | (cpu & 0xfff));
    return has_rdpid ? UserCpuNumber::Rdpid : UserCpuNumber::Rdtscp;
}

void set_user_thread_pointer(uint64_t value) {
    x86_64::write_msr(msr_fs_base, value);
}

void initialize_user_mode() {
    x86_64::write_msr(msr_fs_base, 0); // firmware may have left anything there
    x86_64::initialize_syscall_entry();
    x86_64::open_syscall_gate();
}

} // namespace arch
