// GDT and TSS setup; the descriptors follow the Intel SDM vol. 3A §3.4.5 and §8.2.3 layouts.
#include "arch/x86_64/gdt.h"

namespace x86_64 {

namespace {

constexpr uint64_t descriptor_present = 1ull << 47;
constexpr uint64_t descriptor_code_or_data = 1ull << 44;
constexpr uint64_t descriptor_executable = 1ull << 43;
constexpr uint64_t descriptor_writable = 1ull << 41;
constexpr uint64_t descriptor_long_mode = 1ull << 53;
constexpr uint64_t descriptor_granularity_4k = 1ull << 55;
constexpr uint64_t descriptor_limit_max = 0xffffull | (0xfull << 48);
constexpr uint64_t descriptor_user = 3ull << 45;

constexpr uint64_t kernel_code = descriptor_present | descriptor_code_or_data | descriptor_executable |
                                 descriptor_long_mode | descriptor_granularity_4k | descriptor_limit_max;
constexpr uint64_t kernel_data = descriptor_present | descriptor_code_or_data | descriptor_writable |
                                 descriptor_granularity_4k | descriptor_limit_max;

constexpr size_t interrupt_stack_size = 16 * 1024;

struct [[gnu::packed]] DescriptorTablePointer {
    uint16_t limit;
    uint64_t base;
};

alignas(16) uint64_t global_descriptor_table[7];
alignas(16) TaskStateSegment tss;
// Used until the memory manager hands out stacks with guard pages.
alignas(16) uint8_t interrupt_stacks[3][interrupt_stack_size];

} // namespace

void initialize_gdt() {
    global_descriptor_table[0] = 0;
    global_descriptor_table[1] = kernel_code;
    global_descriptor_table[2] = kernel_data;
    global_descriptor_table[3] = kernel_data | descriptor_user;
    global_descriptor_table[4] = kernel_code | descriptor_user;

    for (int i = 0; i < 3; ++i)
        tss.interrupt_stacks[i] = reinterpret_cast<uint64_t>(interrupt_stacks[i] + interrupt_stack_size);
    tss.io_map_base = sizeof(TaskStateSegment); // no I/O permission bitmap: ring 3 gets no ports

    uint64_t base = reinterpret_cast<uint64_t>(&tss);
    uint64_t limit = sizeof(TaskStateSegment) - 1;
    uint64_t available_64bit_tss = 0x9ull << 40;
    global_descriptor_table[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | available_64bit_tss |
                                 descriptor_present | ((base >> 24 & 0xff) << 56);
    global_descriptor_table[6] = base >> 32;

    DescriptorTablePointer pointer{sizeof(global_descriptor_table) - 1,
                                   reinterpret_cast<uint64_t>(global_descriptor_table)};
    asm volatile("lgdt %0\n"
                 "pushq %1\n"
                 "leaq 1f(%%rip), %%rax\n"
                 "pushq %%rax\n"
                 "lretq\n"
                 "1:\n"
                 "mov %2, %%ds\n"
                 "mov %2, %%es\n"
                 "mov %2, %%ss\n"
                 "ltr %w3\n"
                 :
                 : "m"(pointer), "i"(kernel_code_selector), "r"(static_cast<uint64_t>(kernel_data_selector)),
                   "r"(static_cast<uint64_t>(tss_selector))
                 : "rax", "memory");
}

void set_kernel_stack(uint64_t stack_top) {
    tss.privilege_stacks[0] = stack_top;
}

const TaskStateSegment& task_state_segment() {
    return tss;
}

void set_interrupt_stack(InterruptStack stack, uint64_t top) {
    if (stack != InterruptStack::None)
        tss.interrupt_stacks[static_cast<int>(stack) - 1] = top;
}

uint64_t interrupt_stack_top(InterruptStack stack) {
    if (stack == InterruptStack::None)
        return 0;
    return tss.interrupt_stacks[static_cast<int>(stack) - 1];
}

} // namespace x86_64
