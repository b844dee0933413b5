// The IDT vectors above the exceptions and the legacy PIC's 32..47, and the handlers for them.
#pragma once

#include "arch/interrupts.h"

#include <cstdint>

namespace x86_64 {

inline constexpr uint8_t apic_timer_vector = 0x40;
// On older APICs the low four bits of the spurious vector are hard-wired to 1, so 0xff is the safe choice.
inline constexpr uint8_t apic_spurious_vector = 0xff;

// Runs `handler` when `vector` (48..255) is raised. The handler acknowledges the interrupt itself where
// its source needs that (an APIC vector writes the APIC's EOI register). One handler a vector; nullptr
// removes it.
ktl::ErrorOr<void> set_vector_handler(uint8_t vector, arch::IrqHandler handler);

} // namespace x86_64
