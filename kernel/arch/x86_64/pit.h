// The 8253/8254 programmable interval timer, channel 0: the periodic tick until the local APIC timer
// takes over.
#pragma once

#include <cstdint>

namespace x86_64 {

inline constexpr uint32_t pit_base_frequency_hz = 1193182;

// Programs channel 0 as a rate generator at `frequency_hz` and routes IRQ 0 to the clock.
void start_pit(uint32_t frequency_hz);

} // namespace x86_64
