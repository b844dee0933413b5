// The local APIC in xAPIC mode (registers in one memory-mapped page): detection, software enable, end
// of interrupt and the APIC timer. Intel SDM vol. 3A, chapter "Advanced Programmable Interrupt
// Controller (APIC)".
#pragma once

#include "ktl/error_or.h"

#include <cstdint>

namespace x86_64 {

// The timer counts the bus (or core crystal) clock divided by this.
inline constexpr uint32_t apic_timer_divisor = 16;

// Checks CPUID, enables the APIC in IA32_APIC_BASE if the firmware left it off, maps its registers,
// software-enables it with the spurious vector and leaves its timer stopped. Logs why when it cannot
// (no APIC, or the firmware switched it to x2APIC mode, where the page is not decoded).
ktl::ErrorOr<void> initialize_local_apic();
bool local_apic_ready();
// This CPU's local APIC id (the ID register's bits 31:24), where interrupts are addressed to it.
uint32_t local_apic_id();

// Acknowledges the interrupt in service; every APIC-delivered vector but the spurious one needs it.
void apic_end_of_interrupt();

// One-shot, masked, from 0xffffffff: a stopwatch to read with apic_timer_current_count().
void apic_timer_start_countdown();
// Reloads `counts_per_period` and raises `vector` every time it reaches zero.
void apic_timer_start_periodic(uint8_t vector, uint32_t counts_per_period);
void apic_timer_stop();
uint32_t apic_timer_current_count();

} // namespace x86_64
