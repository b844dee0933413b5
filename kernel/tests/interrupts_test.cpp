// Interrupt plumbing: PIC masks, spurious IRQs 7 and 15, vectors nobody handles, global constructors.
#include "arch/interrupts.h"
#include "arch/io.h"
#include "test/ktest.h"
#include "time/clock.h"

namespace {

// A constructor the compiler cannot fold away: if .init_array were not walked, the value stays 0.
struct ConstructedAtBoot {
    ConstructedAtBoot() { value = *static_cast<volatile int*>(&seed) * 7; }
    int value = 0;
    static inline int seed = 6;
};
ConstructedAtBoot constructed_at_boot;

// IRQ 0 is open while the PIT is the tick; once the local APIC timer took over it is masked too.
// IRQ 2 (cascade to the slave) and 4 (COM1 input, for the debug keys) open, and IRQ 0 if it ticks.
uint8_t expected_master_pic_mask() {
    return time::clock_info().tick_vector == 32 ? 0xea : 0xeb;
}

} // namespace

KTEST(global_constructors_ran_before_kernel_code) {
    KEXPECT_EQ(constructed_at_boot.value, 42);
}

KTEST(pic_masks_everything_but_the_timer_cascade_and_com1) {
    // The rest stay closed until a driver asks.
    KEXPECT_EQ(arch::in8(0x21), expected_master_pic_mask());
    KEXPECT_EQ(arch::in8(0xa1), 0xff);
}

KTEST(spurious_irq_7_and_15_are_tolerated) {
    // A software `int` on those vectors looks exactly like a spurious IRQ: the in-service bit is clear.
    uint64_t before7 = arch::interrupt_count(32 + 7), before15 = arch::interrupt_count(32 + 15);
    uint8_t mask_before = arch::in8(0x21);
    asm volatile("int $39");
    asm volatile("int $47");
    KEXPECT_EQ(arch::interrupt_count(32 + 7), before7 + 1);
    KEXPECT_EQ(arch::interrupt_count(32 + 15), before15 + 1);
    // Treated as spurious, not as unhandled: the lines stay as they were (masked) and the timer still runs.
    KEXPECT_EQ(arch::in8(0x21), mask_before);
    uint8_t tick_vector = time::clock_info().tick_vector;
    uint64_t timer_before = arch::interrupt_count(tick_vector);
    for (int i = 0; i < 5 && arch::interrupt_count(tick_vector) == timer_before; ++i)
        asm volatile("sti; hlt");
    KEXPECT(arch::interrupt_count(tick_vector) > timer_before);
}

KTEST(vectors_without_a_handler_are_counted_and_survived) {
    uint64_t before = arch::interrupt_count(0x90);
    asm volatile("int $0x90");
    asm volatile("int $0x90");
    KEXPECT_EQ(arch::interrupt_count(0x90), before + 2);
}

KTEST(irq_handlers_reject_bad_lines_and_double_registration) {
    auto handler = [](arch::InterruptFrame&) {};
    KEXPECT(arch::set_irq_handler(16, handler).is_error());
    KEXPECT(arch::set_irq_handler(2, handler).is_error());
    // IRQ 5 has no device on QEMU's pc or q35; IRQ 0 may be free once the APIC timer ticks.
    KASSERT(!arch::set_irq_handler(5, handler).is_error());
    KEXPECT_EQ(arch::set_irq_handler(5, handler).error().code(), ktl::Errno::Busy);
    KEXPECT(!arch::set_irq_handler(5, nullptr).is_error());
    KEXPECT_EQ(arch::in8(0x21), expected_master_pic_mask());
}
