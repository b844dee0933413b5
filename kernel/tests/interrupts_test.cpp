// Interrupt plumbing: which controller is in charge and how it is programmed, spurious IRQs 7 and 15,
// vectors nobody handles, the driver API (exclusive and shared lines, every shared handler asked,
// "nobody cared"), /proc/interrupts, global constructors.
#include "arch/interrupt_controller.h"
#include "arch/interrupts.h"
#include "arch/io.h"
#include "arch/x86_64/io_apic.h"
#include "arch/x86_64/pic.h"
#include "irq/irq.h"
#include "ktl/string_builder.h"
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

// On the PIC: IRQ 2 (cascade to the slave) and 4 (COM1 input, for the debug keys) open, and IRQ 0 if
// it ticks; the rest closed until a driver asks.
uint8_t expected_master_pic_mask() {
    return time::clock_info().tick_vector == x86_64::pic_vector_base ? 0xea : 0xeb;
}

constexpr uint64_t redirection_masked = 1u << 16, redirection_level = 1u << 15,
                   redirection_active_low = 1u << 13;

// `int` takes its vector as an immediate: the vectors IRQ 5 / GSI 5 may have on either controller.
void raise_software_interrupt(uint8_t vector) {
    if (vector == x86_64::pic_vector_base + 5)
        asm volatile("int $37");
    else if (vector == x86_64::io_apic_vector_base + 5)
        asm volatile("int $0x35");
}

bool line_masked(uint32_t line) {
    if (arch::io_apic_in_charge())
        return x86_64::io_apic_read_entry(line) & redirection_masked;
    uint16_t port = line < 8 ? 0x21 : 0xa1;
    return arch::in8(port) & (1 << (line % 8));
}

struct Calls {
    int first = 0, second = 0;
};

} // namespace

KTEST(global_constructors_ran_before_kernel_code) {
    KEXPECT_EQ(constructed_at_boot.value, 42);
}

KTEST(the_pic_is_fully_masked_once_the_io_apic_is_in_charge) {
    if (arch::io_apic_in_charge()) {
        KEXPECT_EQ(arch::in8(0x21), 0xff);
        KEXPECT_EQ(arch::in8(0xa1), 0xff);
        KEXPECT_EQ(arch::line_controller_name(), ktl::StringView("IO-APIC"));
    } else {
        KEXPECT_EQ(arch::in8(0x21), expected_master_pic_mask());
        KEXPECT_EQ(arch::in8(0xa1), 0xff);
        KEXPECT_EQ(arch::line_controller_name(), ktl::StringView("XT-PIC"));
    }
}

KTEST(io_apic_routes_the_pit_through_its_override_and_com1_on_its_own_pin) {
    if (!arch::io_apic_in_charge())
        return; // noapic, or a machine without one: the PIC test above covers it
    // QEMU's MADT: ISA IRQ 0 is GSI 2 (edge, high); IRQ 4 has no override.
    arch::LineRoute pit = arch::isa_route(0);
    KEXPECT_EQ(pit.line, 2u);
    KEXPECT(pit.trigger == arch::Trigger::Edge);
    uint64_t com1 = x86_64::io_apic_read_entry(4);
    KEXPECT_EQ(com1 & 0xff, x86_64::io_apic_vector_base + 4u);
    KEXPECT_EQ(com1 & (redirection_masked | redirection_level | redirection_active_low), 0u);
    uint64_t timer = x86_64::io_apic_read_entry(2);
    bool pit_ticks = time::clock_info().tick_vector == x86_64::io_apic_vector_base + 2;
    KEXPECT_EQ((timer & redirection_masked) == 0, pit_ticks);
    // Pins no driver asked for stay masked.
    KEXPECT(x86_64::io_apic_read_entry(5) & redirection_masked);
    KEXPECT(x86_64::io_apic_read_entry(13) & redirection_masked);
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
    uint64_t before = arch::interrupt_count(0xd0);
    asm volatile("int $0xd0");
    asm volatile("int $0xd0");
    KEXPECT_EQ(arch::interrupt_count(0xd0), before + 2);
}

KTEST(irq_requests_reject_bad_lines_and_a_second_exclusive_owner) {
    auto handler = [](void*) { return irq::Result::Handled; };
    KEXPECT_EQ(irq::request_isa(16, handler, nullptr, "test").error().code(), ktl::Errno::InvalidArgument);
    KEXPECT_EQ(irq::request_isa(2, handler, nullptr, "test").error().code(), ktl::Errno::InvalidArgument);
    KEXPECT_EQ(irq::request_gsi(200, irq::Trigger::Edge, irq::Polarity::ActiveHigh, handler, nullptr, "test")
                   .error()
                   .code(),
               ktl::Errno::InvalidArgument);
    // IRQ 5 has no device on QEMU's pc or q35.
    auto first = irq::request_isa(5, handler, nullptr, "test");
    KASSERT(!first.is_error());
    KEXPECT(!line_masked(arch::isa_route(5).line));
    KEXPECT_EQ(irq::request_isa(5, handler, nullptr, "test").error().code(), ktl::Errno::Busy);
    KEXPECT_EQ(irq::request_isa(5, handler, nullptr, "test", irq::Sharing::Shared).error().code(),
               ktl::Errno::Busy);
    first.value().release();
    KEXPECT(line_masked(arch::isa_route(5).line));
    // Released: free for the next owner.
    auto again = irq::request_isa(5, handler, nullptr, "test");
    KEXPECT(!again.is_error());
}

KTEST(a_shared_line_asks_every_handler_and_releases_one_at_a_time) {
    Calls calls;
    auto first_handler = [](void* context) {
        ++static_cast<Calls*>(context)->first;
        return irq::Result::NotMine;
    };
    auto second_handler = [](void* context) {
        ++static_cast<Calls*>(context)->second;
        return irq::Result::Handled;
    };
    arch::LineRoute route = arch::isa_route(5);
    auto first = irq::request_gsi(route.line, irq::Trigger::Level, irq::Polarity::ActiveHigh, first_handler,
                                  &calls, "first", irq::Sharing::Shared);
    KASSERT(!first.is_error());
    auto second = irq::request_gsi(route.line, irq::Trigger::Level, irq::Polarity::ActiveHigh, second_handler,
                                   &calls, "second", irq::Sharing::Shared);
    KASSERT(!second.is_error());
    // Another trigger on a shared line, or an exclusive request, is refused.
    KEXPECT_EQ(irq::request_gsi(route.line, irq::Trigger::Edge, irq::Polarity::ActiveHigh, second_handler,
                                &calls, "third", irq::Sharing::Shared)
                   .error()
                   .code(),
               ktl::Errno::InvalidArgument);
    KEXPECT_EQ(irq::request_gsi(route.line, irq::Trigger::Level, irq::Polarity::ActiveHigh, second_handler,
                                &calls, "third")
                   .error()
                   .code(),
               ktl::Errno::Busy);
    uint8_t vector = first.value().vector();
    KEXPECT_EQ(second.value().vector(), vector);

    ktl::StringBuilder text;
    irq::write_proc_interrupts(text);
    KEXPECT(text.view().find("-fasteoi   first, second\n") != ktl::StringView::npos);

    raise_software_interrupt(vector);
    KEXPECT_EQ(calls.first, 1);
    KEXPECT_EQ(calls.second, 1);
    first.value().release();
    raise_software_interrupt(vector);
    KEXPECT_EQ(calls.first, 1);
    KEXPECT_EQ(calls.second, 2);
    KEXPECT(!line_masked(route.line));
    second.value().release();
    KEXPECT(line_masked(route.line));
}

KTEST(a_line_nobody_claims_is_masked_until_a_new_handler_comes) {
    auto never_mine = [](void*) { return irq::Result::NotMine; };
    arch::LineRoute route = arch::isa_route(5);
    auto registration = irq::request_gsi(route.line, irq::Trigger::Level, irq::Polarity::ActiveHigh,
                                         never_mine, nullptr, "nobody", irq::Sharing::Shared);
    KASSERT(!registration.is_error());
    uint8_t vector = registration.value().vector();
    for (int i = 0; i < 999; ++i)
        raise_software_interrupt(vector);
    KEXPECT(!irq::silenced(vector));
    KEXPECT(!line_masked(route.line));
    raise_software_interrupt(vector);
    KEXPECT(irq::silenced(vector));
    KEXPECT(line_masked(route.line));
    KEXPECT_EQ(irq::unclaimed_count(vector), 1000u);
    auto handled = [](void*) { return irq::Result::Handled; };
    auto newcomer = irq::request_gsi(route.line, irq::Trigger::Level, irq::Polarity::ActiveHigh, handled,
                                     nullptr, "newcomer", irq::Sharing::Shared);
    KASSERT(!newcomer.is_error());
    KEXPECT(!irq::silenced(vector));
    KEXPECT(!line_masked(route.line));
}

KTEST(proc_interrupts_names_the_controller_the_lines_and_the_local_timer) {
    ktl::StringBuilder text;
    irq::write_proc_interrupts(text);
    ktl::StringView view = text.view();
    KEXPECT(view.starts_with("           CPU0"));
    bool io_apic = arch::io_apic_in_charge();
    // COM1 is ISA IRQ 4 on pin 4 of either controller.
    KEXPECT(view.find(io_apic ? " IO-APIC   4-edge      ttyS0\n" : "  XT-PIC   4-edge      ttyS0\n") !=
            ktl::StringView::npos);
    KEXPECT(view.find("LOC: ") != ktl::StringView::npos);
    KEXPECT(view.find("  Local timer interrupts\n") != ktl::StringView::npos);
    KEXPECT(view.find("ERR: ") != ktl::StringView::npos);
}
