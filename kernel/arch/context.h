// What the scheduler needs from the processor to run several threads of kernel execution: a stack
// switch that keeps the callee-saved registers, a first frame for a new thread, and the FPU/SSE
// register state each thread owns (the kernel itself never touches it: it is built
// general-registers-only, so the state only changes in user mode).
#pragma once

#include <cstddef>
#include <cstdint>

namespace arch {

// Saves the callee-saved registers on the current stack, stores the stack pointer in *save_to and
// continues on `next_stack_pointer`, which must come from an earlier switch or from
// prepare_thread_stack(). Interrupts must be disabled.
extern "C" void switch_stacks(uint64_t* save_to, uint64_t next_stack_pointer);

// Lays out a first frame on a fresh stack so switching to it calls `start(argument)`; `start` must
// not return. Returns the stack pointer to switch to.
uint64_t prepare_thread_stack(uint64_t stack_top, void (*start)(void*), void* argument);

// Turns on SSE (and XSAVE where the CPU has it) so user programs may use the vector registers.
void initialize_fpu();
size_t fpu_state_size();
inline constexpr size_t fpu_state_alignment = 64;
// The register state of a thread that has not run yet (x87 and SSE control words at their defaults).
void write_initial_fpu_state(void* area);
void save_fpu_state(void* area);
void restore_fpu_state(const void* area);
// Puts the registers in the initial state (execve, or a kernel thread that starts using them).
void load_initial_fpu_state();
const char* fpu_save_method(); // "xsave" or "fxsave", for the boot log

} // namespace arch
