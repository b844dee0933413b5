// Segments and the task-state segment. The order suits `syscall`/`sysret`, which derive the user
// selectors from one base: kernel code, kernel data, user data, user code, TSS.
#pragma once

#include <cstddef>
#include <cstdint>

namespace x86_64 {

inline constexpr uint16_t kernel_code_selector = 0x08;
inline constexpr uint16_t kernel_data_selector = 0x10;
inline constexpr uint16_t user_data_selector = 0x18 | 3;
inline constexpr uint16_t user_code_selector = 0x20 | 3;
inline constexpr uint16_t tss_selector = 0x28;

// Interrupt stack table slots (1-based as the IDT encodes them): faults that must not run on a
// possibly broken stack get their own.
enum class InterruptStack : uint8_t { None = 0, DoubleFault = 1, NonMaskable = 2, MachineCheck = 3 };

struct [[gnu::packed]] TaskStateSegment {
    uint32_t reserved0;
    uint64_t privilege_stacks[3]; // rsp0..rsp2
    uint64_t reserved1;
    uint64_t interrupt_stacks[7]; // ist1..ist7
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base;
};
static_assert(sizeof(TaskStateSegment) == 104);

void initialize_gdt();
// The stack the CPU switches to when an interrupt arrives from ring 3.
void set_kernel_stack(uint64_t stack_top);
const TaskStateSegment& task_state_segment();
uint64_t interrupt_stack_top(InterruptStack stack);
// Replaces the boot-time interrupt stack with one from the stack allocator (with a guard page).
void set_interrupt_stack(InterruptStack stack, uint64_t top);

} // namespace x86_64
