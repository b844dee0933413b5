// The platform's timers: the periodic tick that drives time::on_timer_tick(), and what the clock needs
// to know about the CPU's cycle counter.
#pragma once

#include <cstdint>

namespace arch {

// Which timer ticks and what calibration measured.
struct TimerSources {
    const char* tick_source;      // the timer raising the tick
    uint8_t tick_vector;          // the interrupt vector the tick arrives on
    uint64_t tick_timer_hz;       // that timer's counting rate: fixed for the PIT, measured otherwise
    const char* tick_clock;       // how time between ticks is known: "ticks" or ticks plus a counter
    bool counts_between_ticks;    // ns_since_last_tick() reads a counter; otherwise it is always 0
    uint64_t cycle_counter_hz;    // the TSC's rate; 0 until measured or when the measurement was absurd
    bool cycle_counter_invariant; // the CPU promises a constant rate in every power state
    bool cycle_counter_virtual;   // a hypervisor runs this CPU (CPUID.1:ECX bit 31), so the TSC is its own
};

// Starts the boot-time tick (the PIT on x86-64), which needs nothing but the interrupt controller.
TimerSources start_periodic_timer(uint32_t frequency_hz);

// Needs the boot tick running, interrupts enabled and device memory mappable. Measures the cycle counter
// and the better tick timer (the local APIC's) against a reference, then moves the tick at `frequency_hz`
// there unless `keep_boot_tick` or the measurement makes no sense (logged).
TimerSources calibrate_timers(uint32_t frequency_hz, bool keep_boot_tick);

// Nanoseconds since the last tick read from the tick timer's own counter; 0 where it has none.
uint64_t ns_since_last_tick();

// A free-running counter that depends on neither the cycle counter nor interrupts (the HPET's main
// counter), to check the one against the other. reference_counter_period_fs() is 0 where there is none.
uint64_t reference_counter_period_fs();
uint64_t read_reference_counter();
// Counts from `earlier` to `later`, across the counter's wrap (a 32-bit HPET wraps every few minutes).
uint64_t reference_counter_delta(uint64_t earlier, uint64_t later);

} // namespace arch
