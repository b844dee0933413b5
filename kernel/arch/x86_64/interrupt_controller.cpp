// arch/interrupt_controller.h on x86-64: device lines on the legacy PIC (vectors 32-47) until
// start_io_apic() moves them to the I/O APIC (GSI g on vector 0x30 + g), message vectors above that.
#include "arch/interrupt_controller.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/io_apic.h"
#include "arch/x86_64/pic.h"
#include "console/log.h"

namespace x86_64 {
namespace {
// Written once at boot, with interrupts off, before any line is connected again.
bool io_apic_active;
} // namespace
} // namespace x86_64

namespace arch {

using namespace x86_64;

bool start_io_apic(bool use_pic) {
    if (use_pic) {
        klog::info("ioapic", "noapic: device interrupts stay on the legacy PIC");
        return false;
    }
    if (initialize_local_apic().is_error()) {
        klog::warn("ioapic", "no local APIC to deliver to: device interrupts stay on the legacy PIC");
        return false;
    }
    if (!initialize_io_apics())
        return false;
    mask_all_pic_lines();
    io_apic_active = true;
    klog::info("ioapic", "the I/O APIC is in charge of device interrupts; both 8259s masked");
    return true;
}

bool io_apic_in_charge() {
    return io_apic_active;
}

const char* line_controller_name() {
    return io_apic_active ? "IO-APIC" : "XT-PIC";
}

LineRoute isa_route(uint8_t irq) {
    if (!io_apic_active || irq >= acpi::InterruptRouting::isa_irqs)
        return {irq, Trigger::Edge, Polarity::ActiveHigh};
    const acpi::IsaRoute& route = io_apic_routing().isa[irq];
    return {route.gsi, route.level_triggered ? Trigger::Level : Trigger::Edge,
            route.active_low ? Polarity::ActiveLow : Polarity::ActiveHigh};
}

ktl::ErrorOr<uint8_t> line_vector(uint32_t line) {
    if (io_apic_active) {
        if (!io_apic_serves(line))
            return ktl::Errno::InvalidArgument;
        return static_cast<uint8_t>(io_apic_vector_base + line);
    }
    if (line >= 16)
        return ktl::Errno::InvalidArgument;
    return static_cast<uint8_t>(pic_vector_base + line);
}

ktl::ErrorOr<void> connect_line(const LineRoute& route) {
    uint8_t vector = TRY(line_vector(route.line));
    if (io_apic_active) {
        io_apic_program(route.line, vector, route, message_destination_apic_id());
        return {};
    }
    if (route.line == 2)
        return ktl::Errno::InvalidArgument; // the slave PIC's cascade
    mask_irq(static_cast<uint8_t>(route.line));
    set_pic_level_triggered(static_cast<uint8_t>(route.line), route.trigger == Trigger::Level);
    return {};
}

void mask_line(uint32_t line) {
    if (io_apic_active)
        io_apic_set_masked(line, true);
    else if (line < 16)
        mask_irq(static_cast<uint8_t>(line));
}

void unmask_line(uint32_t line) {
    if (io_apic_active)
        io_apic_set_masked(line, false);
    else if (line < 16)
        unmask_irq(static_cast<uint8_t>(line));
}

void end_of_line_interrupt(uint32_t line) {
    if (io_apic_active)
        apic_end_of_interrupt();
    else if (line < 16)
        end_of_interrupt(static_cast<uint8_t>(line));
}

void end_of_message_interrupt() {
    if (local_apic_ready())
        apic_end_of_interrupt();
}

uint32_t message_destination_apic_id() {
    if (!local_apic_ready())
        (void)initialize_local_apic();
    return local_apic_ready() ? local_apic_id() : 0;
}

} // namespace arch
