// The interrupt interface generic code sees: the saved-register frame, IRQ handlers, fault catching.
#pragma once

#include "ktl/error_or.h"
#include "ktl/format.h"

#include <cstdint>

namespace arch {

// Registers as the entry stub saved them, lowest address first; the tail is the CPU's own frame.
struct InterruptFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;

    bool from_user_mode() const { return (cs & 3) == 3; }
};
static_assert(sizeof(InterruptFrame) == 22 * 8);

// The registers of the function this is written in, as an InterruptFrame: rip, rsp, rbp, the other
// callee-saved registers, rflags and the segments (the caller-saved ones read as zero). Always inlined,
// so the frame it describes is the caller's own and stays valid while that caller runs.
[[gnu::always_inline]] inline InterruptFrame capture_current_registers() {
    InterruptFrame frame{};
    asm volatile("mov %%rbx, %0\n mov %%rbp, %1\n mov %%rsp, %2\n mov %%r12, %3\n mov %%r13, %4\n"
                 "mov %%r14, %5\n mov %%r15, %6\n lea (%%rip), %%rax\n mov %%rax, %7\n pushfq\n pop %8\n"
                 : "=m"(frame.rbx), "=m"(frame.rbp), "=m"(frame.rsp), "=m"(frame.r12), "=m"(frame.r13),
                   "=m"(frame.r14), "=m"(frame.r15), "=m"(frame.rip), "=m"(frame.rflags)
                 :
                 : "rax", "memory");
    uint16_t code_segment, stack_segment;
    asm volatile("mov %%cs, %0\n mov %%ss, %1" : "=r"(code_segment), "=r"(stack_segment));
    frame.cs = code_segment;
    frame.ss = stack_segment;
    return frame;
}

// Installs the IDT, remaps and masks the legacy PICs. Device interrupts are registered through
// kernel/irq (irq/irq.h), which sits on arch/interrupt_controller.h.
void initialize_interrupts();

using IrqHandler = void (*)(InterruptFrame&);

// Prints every register of `frame`, four to a line, plus the control registers.
void write_register_dump(ktl::FormatSink& sink, const InterruptFrame& frame);

// A fault raised while `function(argument)` runs is reported here instead of crashing the kernel.
struct CaughtFault {
    uint8_t vector = 0;
    uint64_t error_code = 0;
    uint64_t faulting_address = 0; // CR2, for page faults
    uint64_t instruction_pointer = 0;
};
// Returns true and fills `fault` if an exception interrupted `function`; false if it returned normally.
// Preemption is off meanwhile (the catch belongs to the CPU), so `function` must not sleep.
bool run_catching_faults(void (*function)(void*), void* argument, CaughtFault& fault);

template <typename Callable>
bool run_catching_faults(Callable& callable, CaughtFault& fault) {
    return run_catching_faults([](void* erased) { (*static_cast<Callable*>(erased))(); }, &callable, fault);
}

const char* exception_name(uint64_t vector);

// Called with the interrupted context on every `int3` before it returns (debugging aids and tests).
using BreakpointObserver = void (*)(const InterruptFrame& frame);
void set_breakpoint_observer(BreakpointObserver observer);

// Page faults and double faults pass their faulting address here, so memory management can add what
// it knows (e.g. "kernel stack overflow: stack 'boot' ran into its guard page").
using FaultAddressDescriber = void (*)(ktl::FormatSink& sink, uint64_t address);
void set_fault_address_describer(FaultAddressDescriber describer);

// The stacks the CPU switches to: one per critical exception (double fault, NMI, machine check) and
// the one used on entry from ring 3.
enum class CriticalStack : uint8_t { DoubleFault, NonMaskable, MachineCheck };
void set_critical_stack(CriticalStack stack, uint64_t top);
void set_ring0_entry_stack(uint64_t top);

// Moves execution to a fresh stack for good: `function` runs on `top` and must not return.
[[noreturn]] inline void run_on_stack(uint64_t top, void (*function)()) {
    asm volatile("mov %0, %%rsp\n xor %%ebp, %%ebp\n call *%1\n ud2" ::"r"(top), "r"(function) : "memory");
    __builtin_unreachable();
}

// Runs after every hardware interrupt's handler, on the interrupted context's stack, with interrupts
// off: the scheduler preempts from here.
using InterruptReturnHook = void (*)(InterruptFrame& frame);
void set_interrupt_return_hook(InterruptReturnHook hook);

// Runs last before every return to ring 3 (after a system call, an interrupt or a fault), with
// interrupts off: signals are delivered from here.
using UserReturnHook = void (*)(InterruptFrame& frame);
void set_user_return_hook(UserReturnHook hook);

// Counts of interrupts seen per vector, for tests and statistics: summed over CPUs, and one CPU's.
uint64_t interrupt_count(uint8_t vector);
uint64_t interrupt_count_on(uint32_t cpu, uint8_t vector);

} // namespace arch
