// The interrupt controllers as generic code sees them: device interrupt *lines* (the I/O APIC's
// global system interrupts, or the legacy PIC's IRQ 0-15 where there is no I/O APIC or with `noapic`),
// each with a fixed vector, and *message* vectors (MSI) allocated above them. kernel/irq builds the
// driver API on this; nothing else should need it.
#pragma once

#include "ktl/error_or.h"

#include <cstdint>

namespace arch {

enum class Trigger : uint8_t { Edge, Level };
enum class Polarity : uint8_t { ActiveHigh, ActiveLow };

// Where one controller input is and how it signals.
struct LineRoute {
    uint32_t line = 0; // the I/O APIC's GSI, or the PIC's IRQ number
    Trigger trigger = Trigger::Edge;
    Polarity polarity = Polarity::ActiveHigh;
};

// Vectors kernel/irq hands out for message-signalled interrupts: above every line's vector, below the
// local APIC's own (timer, spurious).
inline constexpr uint8_t first_message_vector = 0x60;
inline constexpr uint8_t last_message_vector = 0xdf;
// The local APIC's own, above every device (its timer's tick, and the spurious vector, whose low four
// bits are hard-wired to 1 on older APICs).
inline constexpr uint8_t local_timer_vector = 0xf0;
inline constexpr uint8_t spurious_vector = 0xff;
// Inside the message range but never handed out: the `int 0x80` system-call gate.
inline constexpr uint8_t reserved_message_vector = 0x80;

// Moves device lines from the PIC to the I/O APIC(s) the ACPI MADT describes, unless there is none or
// `use_pic` (the `noapic` command-line word). Needs device memory mapping and the ACPI tables. Returns
// whether the I/O APIC is now in charge; lines connected before must be connected again (their route
// and vector change).
bool start_io_apic(bool use_pic);
bool io_apic_in_charge();

// "IO-APIC" or "XT-PIC", as /proc/interrupts names them.
const char* line_controller_name();

// The route of ISA IRQ `irq` (0-15) after the firmware's interrupt source overrides: on QEMU, IRQ 0
// is GSI 2. ISA lines are edge-triggered and active high unless an override says otherwise.
LineRoute isa_route(uint8_t irq);

// The vector `line` arrives on; InvalidArgument if the controller has no such input.
ktl::ErrorOr<uint8_t> line_vector(uint32_t line);
// Programs the input as `route` says, masked. InvalidArgument for a line that does not exist or is
// reserved (the PIC's cascade, IRQ 2).
ktl::ErrorOr<void> connect_line(const LineRoute& route);
void mask_line(uint32_t line);
void unmask_line(uint32_t line);
// Acknowledges an interrupt of `line` once its handlers ran (the PIC's or the local APIC's EOI).
void end_of_line_interrupt(uint32_t line);
// Acknowledges a message-signalled interrupt (the local APIC's EOI).
void end_of_message_interrupt();

// The local APIC id message-signalled interrupts are sent to: the boot CPU's, chosen here alone
// (interrupt balancing across CPUs comes with SMP).
uint32_t message_destination_apic_id();

// Every vector from 32 up that is not the arch's own (syscall, APIC timer, spurious) goes here; it
// returns false when nothing is registered on the vector, so the arch can report and silence it.
using DeviceInterruptHandler = bool (*)(uint8_t vector);
void set_device_interrupt_handler(DeviceInterruptHandler handler);

} // namespace arch
