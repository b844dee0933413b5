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
bool ns_from_tsc; // set (after tsc_clock) and cleared with interrupts off: boot, the watchdog, tests

arch::TimerSources sources;

// The TSC watchdog, as Linux's clocksource watchdog: a TSC used because a hypervisor provides it, though
// the CPU does not call it invariant, is compared every half second with a free-running counter that
// shares nothing with it (the HPET). If the two disagree, the clock goes back to the tick clock and the
// vDSO to system calls. Touched only by the tick (interrupts off) and by the switches (interrupts off).
struct TscWatchdog {
    bool armed = false;
    uint64_t reference_period_fs = 0;
    uint64_t last_cycles = 0, last_reference = 0;
    uint64_t next_check_tick = 0;
    uint64_t checks = 0, skipped = 0, max_deviation_ns = 0;
};
TscWatchdog watchdog;
constexpr uint64_t watchdog_interval_ticks = tick_rate_hz / 2;
// TSC reads around the HPET read further apart than this: the vCPU was descheduled in between, so the
// pair says nothing about the clocks; the next tick tries again.
constexpr uint64_t watchdog_max_read_window_ns = 50'000;
bool watchdog_wanted;                           // use_tsc() chose the TSC on the watchdog's condition
constexpr uint64_t watchdog_report_checks = 60; // a debug log line every 30 s

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

uint64_t cycles_to_ns(uint64_t cycles) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(cycles) * tsc_clock.multiplier) >>
                                 tsc_shift);
}

// Statistics start again with each arming: they describe the TSC now in use.
void arm_watchdog() {
    watchdog = TscWatchdog{};
    watchdog.armed = true;
    watchdog.reference_period_fs = arch::reference_counter_period_fs();
    watchdog.last_cycles = arch::read_cycle_counter();
    watchdog.last_reference = arch::read_reference_counter();
    watchdog.next_check_tick = tick_count + watchdog_interval_ticks;
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
    if (sources.cycle_counter_invariant)
        return true;
    // A hypervisor's TSC that is not called invariant (QEMU's TCG never says so, though its TSC follows
    // the host's): trusted as Linux trusts it there, only while it keeps agreeing with the HPET.
    watchdog_wanted = sources.cycle_counter_virtual && arch::reference_counter_period_fs() != 0;
    return watchdog_wanted;
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
    if (watchdog_wanted)
        arm_watchdog();
}

// Interrupts off. The tick clock continues from the TSC clock's reading plus one tick: a reading taken
// from the TSC just before this, by a task this interrupt preempted, can be no later than that.
void switch_to_tick_clock() {
    uint64_t now = tsc_clock_ns();
    uint64_t count = tick_count;
    tick_base_ns = now + tick_period_ns;
    tick_base_count = count;
    if (__atomic_load_n(&tick_clock_latest_ns, __ATOMIC_RELAXED) < tick_base_ns)
        __atomic_store_n(&tick_clock_latest_ns, tick_base_ns, __ATOMIC_RELAXED);
    __atomic_store_n(&ns_from_tsc, false, __ATOMIC_RELEASE);
    publish_tick_clock(); // the vDSO makes system calls from the next read on
    watchdog.armed = false;
}

// From the tick, interrupts off: one comparison every half second (later if ticks were lost, as the
// two counters measure the interval themselves).
void run_watchdog(uint64_t count) {
    if (!watchdog.armed || count < watchdog.next_check_tick)
        return;
    uint64_t before = arch::read_cycle_counter();
    uint64_t reference = arch::read_reference_counter();
    uint64_t after = arch::read_cycle_counter();
    if (cycles_to_ns(after - before) > watchdog_max_read_window_ns) {
        ++watchdog.skipped;
        watchdog.next_check_tick = count + 1;
        return;
    }
    uint64_t cycles = before + (after - before) / 2;
    uint64_t tsc_ns = cycles_to_ns(cycles - watchdog.last_cycles);
    uint64_t reference_ns = static_cast<uint64_t>(
        static_cast<unsigned __int128>(arch::reference_counter_delta(watchdog.last_reference, reference)) *
        watchdog.reference_period_fs / 1'000'000);
    watchdog.last_cycles = cycles;
    watchdog.last_reference = reference;
    watchdog.next_check_tick = count + watchdog_interval_ticks;
    // A 32-bit HPET wraps after 2^32 counts: an interval half that long (ticks stalled for many
    // seconds) may hide a wrap, so it only starts the next interval.
    uint64_t wrap_ns = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << 32) *
                                             watchdog.reference_period_fs / 1'000'000);
    if (tsc_ns > wrap_ns / 2) {
        ++watchdog.skipped;
        return;
    }
    ++watchdog.checks;
    uint64_t deviation = tsc_ns > reference_ns ? tsc_ns - reference_ns : reference_ns - tsc_ns;
    if (deviation > watchdog.max_deviation_ns)
        watchdog.max_deviation_ns = deviation;
    if (watchdog.checks % watchdog_report_checks == 0)
        klog::debug(log_subsystem, "TSC watchdog: {} checks ({} skipped), largest TSC-HPET difference {} ns",
                    watchdog.checks, watchdog.skipped, watchdog.max_deviation_ns);
    if (!tsc_agrees_with_reference(tsc_ns, reference_ns)) {
        switch_to_tick_clock();
        klog::warn(log_subsystem,
                   "the TSC counted {} ns while the HPET counted {} ns: no longer using the TSC, back to {}",
                   tsc_ns, reference_ns, sources.tick_clock);
    }
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
                   sources.cycle_counter_invariant ? " (invariant)"
                   : watchdog_wanted ? " (a hypervisor's, not reported invariant: checked against the HPET)"
                                     : " (not reported invariant)");
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
            sources.cycle_counter_invariant,
            watchdog.armed,
            watchdog.checks,
            watchdog.skipped,
            watchdog.max_deviation_ns};
}

bool tsc_agrees_with_reference(uint64_t tsc_ns, uint64_t reference_ns) {
    uint64_t deviation = tsc_ns > reference_ns ? tsc_ns - reference_ns : reference_ns - tsc_ns;
    return deviation <= reference_ns / 16; // Linux's threshold: 31.25 ms over its 0.5 s interval
}

void stop_using_tsc() {
    arch::InterruptDisabler no_tick;
    if (__atomic_load_n(&ns_from_tsc, __ATOMIC_ACQUIRE))
        switch_to_tick_clock();
}

void make_tsc_watchdog_see_a_jump(uint64_t ns) {
    arch::InterruptDisabler no_tick;
    if (!watchdog.armed)
        return;
    // As if the TSC had counted `ns` more than the HPET since the last check; due at the next tick.
    watchdog.last_cycles -=
        static_cast<uint64_t>((static_cast<unsigned __int128>(ns) << tsc_shift) / tsc_clock.multiplier);
    watchdog.next_check_tick = tick_count + 1;
}

void resume_using_tsc() {
    if (sources.cycle_counter_hz != 0 && !__atomic_load_n(&ns_from_tsc, __ATOMIC_ACQUIRE))
        switch_to_tsc();
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
    run_watchdog(count);
    // The _COARSE clocks: the monotonic clock as of this tick, never ahead of a later fine reading. The
    // tick clock's value at a tick is exact and needs no timer read (an emulated MMIO read under TCG).
    // SMP: only the CPU that keeps time (this one, the boot CPU) may publish, as it alone counts ticks.
    publish_tick(__atomic_load_n(&ns_from_tsc, __ATOMIC_ACQUIRE) ? tsc_clock_ns() : tick_clock_ns_at(count));
    sched::on_timer_tick();
}

} // namespace time
