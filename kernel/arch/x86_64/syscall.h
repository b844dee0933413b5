// The `syscall` instruction's setup and the per-CPU block its entry code reads through GS.
#pragma once

#include <cstdint>

namespace x86_64 {
void initialize_syscall_entry();
// The stack `syscall` switches to; kept equal to TSS.RSP0 (the running task's kernel stack).
void set_cpu_kernel_stack(uint64_t top);
// Makes vector 0x80 reachable from ring 3 (interrupts.cpp owns the IDT).
void open_syscall_gate();
} // namespace x86_64
