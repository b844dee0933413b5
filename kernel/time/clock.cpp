// The tick count, the tick clock (ticks times the period, rebased whenever the period changes) and the
// TSC clock (cycles scaled by a fixed-point multiplier); monotonic_ns() reads whichever was chosen.
#include "time/clock.h"

#include "arch/cpu.h"
#include "arch/timer.h"
#include "console/log.h"
#include "sched/scheduler.h"
#include "time/clock_page.h"

namespace time {

namespace {

constexpr ktl::StringView log_subsystem = "clock";

// Written only by the tick interrupt; readers take a torn-free 64-bit load on x86-64.
volatile uint64_t tick_count;
// The tick clock reads tick_base_ns at tick tick_base_count and tick_period_ns per tick after it.
uint64_t tick_base_ns, tick_base_count, tick_period_ns;
// The highest value the interpolated tick clock has returned.
uint64_t tick_clock_latest_ns;

// vdso::tsc_to_ns with these fields, the very computation the vDSO makes from the clock page; 32 fraction
// bits lose well under a nanosecond a second.
constexpr unsigned tsc_shift = 32;
vdso::TscClock tsc_clock;
bool ns_from_tsc; // set once, with interrupts off, after tsc_clock

arch::TimerSources sources;

uint64_t tick_clock_ns_at(uint64_t count) {
    return tick_base_ns + (count - tick_base_count) * tick_period_ns;
}

uint64_t tick_clock_ns() {
    uint64_t count, since_tick;
    do {
        count = tick_count;
        since_tick = arch::ns_since_last_tick();
    } while (count != tick_count);
    if (tick_period_ns != 0 && since_tick >= tick_period_ns)
        since_tick = tick_period_ns - 1;
    uint64_t now = tick_clock_ns_at(count) + since_tick;
    // The timer's counter restarts before its interrupt is taken (or while interrupts are off), so a
    // read can see the new period with the old tick count: hold the last value rather than go back.
    uint64_t latest = __atomic_load_n(&tick_clock_latest_ns, __ATOMIC_RELAXED);
    while (now > latest)
        if (__atomic_compare_exchange_n(&tick_clock_latest_ns, &latest, now, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return now;
    return latest;
}

uint64_t tsc_clock_ns() {
    return vdso::tsc_to_ns(tsc_clock, arch::read_cycle_counter());
}

bool use_tsc(ktl::StringView ns_preference) {
    if (sources.cycle_counter_hz == 0)
        return false;
    if (ns_preference == "ticks")
        return false;
    if (ns_preference == "tsc") {
        if (!sources.cycle_counter_invariant)
            klog::warn(log_subsystem,
                       "clocksource=tsc: using the TSC though the CPU does not report it invariant");
        return true;
    }
    if (!ns_preference.is_empty())
        klog::warn(log_subsystem, "unknown clocksource '{}' (use tsc or ticks); choosing automatically",
                   ns_preference);
    return sources.cycle_counter_invariant;
}

void switch_to_tsc() {
    arch::InterruptDisabler no_tick;
    tsc_clock.multiplier = static_cast<uint64_t>(
        (static_cast<unsigned __int128>(1'000'000'000) << tsc_shift) / sources.cycle_counter_hz);
    tsc_clock.shift = tsc_shift;
    // Continues from the tick clock's reading, so the switch cannot step back.
    tsc_clock.base_ns = tick_clock_ns();
    tsc_clock.base_cycles = arch::read_cycle_counter();
    __atomic_store_n(&ns_from_tsc, true, __ATOMIC_RELEASE);
    // From here on user space may read the same clock through the vDSO.
    publish_tsc_clock(tsc_clock);
}

} // namespace

void start_clock() {
    sources = arch::start_periodic_timer(tick_rate_hz);
}

void calibrate_clock(ktl::StringView tick_preference, ktl::StringView ns_preference) {
    if (!tick_preference.is_empty() && tick_preference != "pit" && tick_preference != "apic")
        klog::warn(log_subsystem, "unknown tick '{}' (use pit or apic); choosing automatically",
                   tick_preference);
    sources = arch::calibrate_timers(tick_rate_hz, tick_preference == "pit");
    if (use_tsc(ns_preference)) {
        switch_to_tsc();
        klog::info(log_subsystem, "tick: {} at {} Hz; nanoseconds: TSC at {} Hz{}", sources.tick_source,
                   tick_rate_hz, sources.cycle_counter_hz,
                   sources.cycle_counter_invariant ? " (invariant)" : " (not reported invariant)");
    } else {
        klog::info(log_subsystem, "tick: {} at {} Hz; nanoseconds: {} (TSC at {} Hz, {})",
                   sources.tick_source, tick_rate_hz, sources.tick_clock, sources.cycle_counter_hz,
                   sources.cycle_counter_invariant ? "invariant" : "not reported invariant");
    }
}

uint64_t ticks() {
    return tick_count;
}

uint64_t monotonic_ns() {
    return __atomic_load_n(&ns_from_tsc, __ATOMIC_ACQUIRE) ? tsc_clock_ns() : tick_clock_ns();
}

uint64_t monotonic_resolution_ns() {
    bool counts_between_ticks =
        __atomic_load_n(&ns_from_tsc, __ATOMIC_ACQUIRE) || sources.counts_between_ticks;
    return counts_between_ticks || tick_period_ns == 0 ? 1 : tick_period_ns;
}

uint64_t deadline_after(uint64_t duration_ns) {
    uint64_t resolution = monotonic_resolution_ns();
    uint64_t now = monotonic_ns();
    uint64_t margin = resolution > 1 ? resolution : 0;
    uint64_t limit = ~uint64_t(0) - now - margin;
    return now + margin + (duration_ns < limit ? duration_ns : limit);
}

uint64_t uptime_ns() {
    return tick_clock_ns_at(tick_count);
}

void wait_ticks(uint64_t count) {
    uint64_t target = tick_count + count;
    while (tick_count < target)
        arch::wait_for_interrupt();
}

ClockInfo clock_info() {
    return {sources.tick_source,
            sources.tick_vector,
            tick_rate_hz,
            tick_period_ns,
            sources.tick_timer_hz,
            ns_from_tsc ? "TSC" : sources.tick_clock,
            sources.cycle_counter_hz,
            sources.cycle_counter_invariant};
}

void set_tick_period_ns(uint64_t period) {
    // Rebased at the current tick so a new period changes only the time still to come.
    arch::InterruptDisabler no_tick;
    uint64_t count = tick_count;
    tick_base_ns = tick_clock_ns_at(count);
    tick_base_count = count;
    tick_period_ns = period;
}

void on_timer_tick() {
    uint64_t count = tick_count + 1;
    tick_count = count;
    // The _COARSE clocks: the monotonic clock as of this tick, never ahead of a later fine reading. The
    // tick clock's value at a tick is exact and needs no timer read (an emulated MMIO read under TCG).
    // SMP: only the CPU that keeps time (this one, the boot CPU) may publish, as it alone counts ticks.
    publish_tick(__atomic_load_n(&ns_from_tsc, __ATOMIC_ACQUIRE) ? tsc_clock_ns() : tick_clock_ns_at(count));
    sched::on_timer_tick();
}

} // namespace time
