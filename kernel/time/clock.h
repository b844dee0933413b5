// Time since boot: the periodic tick (counted by time::on_timer_tick) and a nanosecond monotonic clock.
#pragma once

#include "ktl/string_view.h"

#include <cstdint>

namespace time {

inline constexpr uint32_t tick_rate_hz = 1000;

// Starts the boot tick at tick_rate_hz (the PIT): enough for early boot, and what calibrate_clock needs.
void start_clock();
// Once interrupts are on and device memory can be mapped: measures the better timers against the PIT and
// moves the tick (to the local APIC timer) and the nanosecond clock (to an invariant TSC, or to a
// hypervisor's TSC checked by a watchdog against the HPET) to the best ones. Overrides, from the command
// line: `tick_preference` "pit" keeps the PIT ticking; `ns_preference` "tsc" uses the TSC even if the CPU
// does not call it invariant, "ticks" never uses it. Empty: automatic.
void calibrate_clock(ktl::StringView tick_preference, ktl::StringView ns_preference);

uint64_t ticks();
// Nanoseconds since boot; never goes backwards. From the TSC where invariant, otherwise ticks plus the
// tick timer's progress since the last one (which holds still while interrupts are off past a tick).
uint64_t monotonic_ns();
// The smallest step monotonic_ns() takes: 1 with a counter between ticks, a whole tick without one.
uint64_t monotonic_resolution_ns();
// The monotonic deadline that is at least `duration_ns` of real time away. A clock that only counts
// ticks reads up to a tick behind real time, so the deadline gets one more step, as Linux adds a jiffy.
uint64_t deadline_after(uint64_t duration_ns);
// Nanoseconds since boot in whole ticks: cheap, moves only when a tick lands, within a tick of
// monotonic_ns. For timestamps that only need tick precision (the log).
uint64_t uptime_ns();
// Sleeps the CPU until `count` more ticks have passed; interrupts must be usable.
void wait_ticks(uint64_t count);

// What drives the clock, for logs and tests.
struct ClockInfo {
    const char* tick_source; // "PIT" or "local APIC timer"
    uint8_t tick_vector;     // the interrupt vector ticks arrive on
    uint64_t tick_hz;        // ticks per second asked for (tick_rate_hz)
    uint64_t tick_period_ns; // the real period the timer could be programmed to
    uint64_t tick_timer_hz;  // the tick timer's counting rate: fixed for the PIT, measured for the APIC
    const char* ns_source;   // "TSC", "ticks + APIC timer count" or "ticks"
    uint64_t tsc_hz;         // measured against the PIT; 0 before calibration or if absurd
    bool tsc_invariant;      // CPUID.80000007H:EDX bit 8
    bool tsc_watchdog;       // the TSC is in use on the watchdog's condition (see below)
    uint64_t tsc_watchdog_checks, tsc_watchdog_skipped, tsc_watchdog_max_deviation_ns;
};
ClockInfo clock_info();

// The TSC watchdog's rule, as Linux's: over one interval the TSC and the HPET may disagree by 1/16.
bool tsc_agrees_with_reference(uint64_t tsc_ns, uint64_t reference_ns);
// What the watchdog does when they do not: the tick clock takes over (one tick ahead of the TSC clock,
// so no reading goes back) and the vDSO makes system calls. resume_using_tsc() switches back, rebased on
// the tick clock. For tests; both with any interrupt state.
void stop_using_tsc();
void resume_using_tsc();
// For the watchdog's test: its next check, at the next tick, sees the TSC `ns` ahead of the HPET.
void make_tsc_watchdog_see_a_jump(uint64_t ns);

// For the timer driver.
void set_tick_period_ns(uint64_t period);
void on_timer_tick();

} // namespace time
