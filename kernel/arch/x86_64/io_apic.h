// The I/O APIC (Intel 82093AA datasheet; ACPI MADT for where they are): each chip's pins are a range
// of global system interrupts (GSIs); a redirection entry per pin says vector, trigger, polarity,
// destination and mask. Only reached through arch/interrupt_controller.h.
#pragma once

#include "acpi/interrupt_routing.h"
#include "arch/interrupt_controller.h"

#include <cstdint>

namespace x86_64 {

// GSI g arrives on vector io_apic_vector_base + g; GSIs from max_io_apic_lines up stay masked.
inline constexpr uint8_t io_apic_vector_base = 0x30;
inline constexpr uint32_t max_io_apic_lines = arch::first_message_vector - io_apic_vector_base;

// Finds, maps and checks the MADT's I/O APICs, masks every pin and plans the ISA routes. False (logged)
// when there is no MADT or no usable I/O APIC; then nothing was changed.
bool initialize_io_apics();

const acpi::InterruptRouting& io_apic_routing();
bool io_apic_serves(uint32_t gsi);
// The redirection entry for `gsi`: vector, trigger and polarity, physical destination
// `destination_apic_id`, masked.
void io_apic_program(uint32_t gsi, uint8_t vector, const arch::LineRoute& route,
                     uint32_t destination_apic_id);
void io_apic_set_masked(uint32_t gsi, bool masked);
// The raw redirection entry (low dword in bits 31:0), for tests and the log.
uint64_t io_apic_read_entry(uint32_t gsi);

} // namespace x86_64
