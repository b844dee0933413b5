// The 8253/8254 programmable interval timer: channel 0 is the boot-time tick until the local APIC timer
// takes over; channel 2, polled, is the stopwatch the APIC timer and the TSC are calibrated with.
#pragma once

#include <cstdint>

namespace x86_64 {

inline constexpr uint32_t pit_base_frequency_hz = 1193182;

// Programs channel 0 as a rate generator at `frequency_hz` and routes IRQ 0 to the clock.
void start_pit(uint32_t frequency_hz);
// Masks IRQ 0 and leaves channel 0 waiting for a count that never comes: the tick moved elsewhere.
void stop_pit();
// The vector IRQ 0 arrives on now: 32 on the PIC, 0x32 once the I/O APIC routes it (GSI 2 on QEMU).
uint8_t pit_tick_vector();

// Channel 2 as a stopwatch, no interrupt involved: arm_pit_countdown() sets it to count `pit_clocks`
// periods of the PIT's input clock (at most 65535, about 54.9 ms) with the speaker off;
// start_pit_countdown() starts it with one port write, so a caller can read other clocks right around
// that moment; pit_countdown_finished() turns true once the count has run out.
void arm_pit_countdown(uint16_t pit_clocks);
void start_pit_countdown();
bool pit_countdown_finished();

} // namespace x86_64
