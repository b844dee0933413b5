// The GDT, TSS and IDT the CPU is really using, read back with sgdt/str/sidt.
#include "arch/interrupts.h"
#include "arch/x86_64/gdt.h"
#include "test/ktest.h"

namespace {

struct [[gnu::packed]] TablePointer {
    uint16_t limit;
    uint64_t base;
};

TablePointer loaded_gdt() {
    TablePointer pointer;
    asm volatile("sgdt %0" : "=m"(pointer));
    return pointer;
}

TablePointer loaded_idt() {
    TablePointer pointer;
    asm volatile("sidt %0" : "=m"(pointer));
    return pointer;
}

uint64_t descriptor(uint16_t selector) {
    return reinterpret_cast<const uint64_t*>(loaded_gdt().base)[selector >> 3];
}

} // namespace

KTEST(gdt_has_kernel_and_user_segments_in_sysret_order) {
    KASSERT_EQ(static_cast<int>(loaded_gdt().limit), 7 * 8 - 1);
    uint64_t kernel_code = descriptor(x86_64::kernel_code_selector);
    uint64_t user_code = descriptor(x86_64::user_code_selector);
    uint64_t user_data = descriptor(x86_64::user_data_selector);
    KEXPECT(kernel_code & (1ull << 53));     // long mode
    KEXPECT_EQ((kernel_code >> 45) & 3, 0u); // DPL 0
    KEXPECT_EQ((user_code >> 45) & 3, 3u);   // DPL 3
    KEXPECT(user_code & (1ull << 43));       // executable
    KEXPECT(!(user_data & (1ull << 43)));    // data
    KEXPECT_EQ((user_data >> 45) & 3, 3u);
    // sysret derives SS = base + 8 and CS = base + 16 from one selector base.
    KEXPECT_EQ(x86_64::user_data_selector & ~3, x86_64::kernel_data_selector + 8);
    KEXPECT_EQ(x86_64::user_code_selector & ~3, x86_64::kernel_data_selector + 16);

    uint16_t code_segment;
    asm volatile("mov %%cs, %0" : "=r"(code_segment));
    KEXPECT_EQ(code_segment, x86_64::kernel_code_selector);
}

KTEST(task_register_holds_the_tss_with_distinct_interrupt_stacks) {
    uint16_t task_register;
    asm volatile("str %0" : "=r"(task_register));
    KASSERT_EQ(task_register, x86_64::tss_selector);
    uint64_t low = descriptor(x86_64::tss_selector);
    uint64_t high = reinterpret_cast<const uint64_t*>(loaded_gdt().base)[(x86_64::tss_selector >> 3) + 1];
    uint64_t base = ((low >> 16) & 0xffffff) | (((low >> 56) & 0xff) << 24) | (high << 32);
    KEXPECT_EQ(base, reinterpret_cast<uint64_t>(&x86_64::task_state_segment()));
    KEXPECT_EQ((low >> 40) & 0xf, 0xbu); // busy 64-bit TSS once loaded
    uint64_t double_fault = x86_64::interrupt_stack_top(x86_64::InterruptStack::DoubleFault);
    uint64_t nmi = x86_64::interrupt_stack_top(x86_64::InterruptStack::NonMaskable);
    uint64_t machine_check = x86_64::interrupt_stack_top(x86_64::InterruptStack::MachineCheck);
    KEXPECT(double_fault != 0 && nmi != 0 && machine_check != 0);
    KEXPECT(double_fault != nmi && nmi != machine_check && double_fault != machine_check);
    KEXPECT_EQ(double_fault % 16, 0u);
}

KTEST(idt_has_a_present_gate_for_every_vector) {
    TablePointer idt = loaded_idt();
    KASSERT_EQ(static_cast<int>(idt.limit), 256 * 16 - 1);
    const uint64_t* gates = reinterpret_cast<const uint64_t*>(idt.base);
    for (int vector = 0; vector < 256; ++vector) {
        uint64_t low = gates[vector * 2];
        uint64_t high = gates[vector * 2 + 1];
        uint64_t handler = (low & 0xffff) | (((low >> 48) & 0xffff) << 16) | (high << 32);
        KEXPECT(low & (1ull << 47));
        KEXPECT_EQ((low >> 16) & 0xffff, x86_64::kernel_code_selector);
        KEXPECT(handler >= 0xffffffff80000000);
        if (ktest::current_test_failed())
            return;
    }
    // Faults that must not trust the current stack use their own.
    KEXPECT_EQ((gates[8 * 2] >> 32) & 7, 1u);
    KEXPECT_EQ((gates[2 * 2] >> 32) & 7, 2u);
    KEXPECT_EQ((gates[18 * 2] >> 32) & 7, 3u);
    KEXPECT_EQ((gates[14 * 2] >> 32) & 7, 0u);
}
