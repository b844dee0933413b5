// The wall clock: the RTC under QEMU shows the host's (recent) time, realtime_ns advances exactly as
// monotonic_ns does, a fresh RTC read agrees with it, and set_realtime_ns steps it.
#include "arch/cpu.h"
#include "test/ktest.h"
#include "time/calendar.h"
#include "time/clock.h"
#include "time/rtc.h"

namespace {

constexpr uint64_t ms = 1'000'000, second = 1'000'000'000;
constexpr int64_t first_of_2024 = 1'704'067'200; // 2024-01-01T00:00:00Z

// A realtime and a monotonic reading with no tick (and no task switch) between them.
void read_both(uint64_t& realtime, uint64_t& monotonic) {
    arch::InterruptDisabler no_tick;
    realtime = time::realtime_ns();
    monotonic = time::monotonic_ns();
}

void spin_for_monotonic_ns(uint64_t duration) {
    uint64_t start = time::monotonic_ns();
    while (time::monotonic_ns() - start < duration)
        arch::wait_for_interrupt();
}

uint64_t distance(uint64_t a, uint64_t b) {
    return a > b ? a - b : b - a;
}

} // namespace

KTEST(realtime_rtc_shows_a_valid_recent_date) {
    auto now = time::read_rtc();
    KASSERT(!now.is_error());
    KEXPECT(calendar::is_valid_date(now.value().date));
    KEXPECT(now.value().date.year >= 2024 && now.value().date.year < 2100);
}

KTEST(realtime_clock_reads_a_date_after_2024_01_01) {
    uint64_t now = time::realtime_ns();
    KEXPECT(now / second >= static_cast<uint64_t>(first_of_2024));
    auto civil = calendar::civil_time_from_seconds(static_cast<int64_t>(now / second));
    KASSERT(!civil.is_error());
    KEXPECT(civil.value().date.year >= 2024);
}

KTEST(realtime_advances_with_the_monotonic_clock) {
    uint64_t realtime_before, monotonic_before, realtime_after, monotonic_after;
    read_both(realtime_before, monotonic_before);
    spin_for_monotonic_ns(100 * ms);
    read_both(realtime_after, monotonic_after);
    uint64_t by_realtime = realtime_after - realtime_before,
             by_monotonic = monotonic_after - monotonic_before;
    KEXPECT(by_realtime >= 100 * ms);
    // Same clock plus a constant: only the reads' own order separates the two intervals.
    KEXPECT(distance(by_realtime, by_monotonic) < ms);
}

// Re-synchronizes first: the wall clock carries the RTC's second forward on the monotonic clock, which
// under a starved TCG QEMU loses ticks against the host's time, so the agreement is checked over one
// second since synchronizing rather than over however long the tests took to get here.
KTEST(realtime_agrees_with_a_fresh_rtc_read_within_2_seconds) {
    time::initialize_realtime_clock();
    spin_for_monotonic_ns(second);
    auto rtc_seconds = time::read_rtc_seconds();
    KASSERT(!rtc_seconds.is_error());
    uint64_t realtime = time::realtime_ns();
    uint64_t rtc = static_cast<uint64_t>(rtc_seconds.value()) * second;
    if (distance(realtime, rtc) >= 2 * second)
        ktest::fail(__FILE__, __LINE__, "realtime {} ns, RTC {} s: {} ns apart", realtime,
                    rtc_seconds.value(), distance(realtime, rtc));
}

KTEST(realtime_set_steps_the_clock_then_rtc_restores_it) {
    constexpr uint64_t year_2001 = 1'000'000'000 * second;
    time::set_realtime_ns(year_2001);
    uint64_t after_set = time::realtime_ns();
    KEXPECT(after_set >= year_2001 && after_set - year_2001 < second);
    // Below the monotonic clock's own value: the offset wraps, the reading must not.
    time::set_realtime_ns(5);
    uint64_t near_epoch = time::realtime_ns();
    KEXPECT(near_epoch >= 5 && near_epoch < second);
    time::initialize_realtime_clock();
    KEXPECT(time::realtime_ns() / second >= static_cast<uint64_t>(first_of_2024));
}
