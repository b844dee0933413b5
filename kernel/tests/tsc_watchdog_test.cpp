// The TSC watchdog: its rule, that it really compares a hypervisor's TSC with the HPET when it is the
// clock, and that leaving the TSC (what the watchdog does on a disagreement) and coming back neither
// steps the clock back nor leaves the vDSO reading a clock the kernel no longer uses.
#include "console/log.h"
#include "test/ktest.h"
#include "time/clock.h"
#include "time/clock_page.h"
#include "time/rtc.h"

namespace {
constexpr uint64_t ms = 1'000'000;

bool clock_is_tsc() {
    return time::clock_info().ns_source == ktl::StringView("TSC");
}
} // namespace

KTEST(tsc_watchdog_tolerates_a_sixteenth_of_the_interval) {
    KEXPECT(time::tsc_agrees_with_reference(500 * ms, 500 * ms));
    KEXPECT(time::tsc_agrees_with_reference(500 * ms + 31'250'000, 500 * ms));
    KEXPECT(time::tsc_agrees_with_reference(500 * ms - 31'250'000, 500 * ms));
    KEXPECT(!time::tsc_agrees_with_reference(500 * ms + 31'250'001, 500 * ms));
    KEXPECT(!time::tsc_agrees_with_reference(0, 500 * ms));
    KEXPECT(!time::tsc_agrees_with_reference(2 * 500 * ms, 500 * ms)); // a TSC running at double speed
}

KTEST(tsc_watchdog_compares_a_hypervisors_tsc_with_the_hpet) {
    time::ClockInfo before = time::clock_info();
    if (!before.tsc_watchdog)
        return; // an invariant TSC, a forced choice, no hypervisor or no HPET: nothing to watch
    KEXPECT(clock_is_tsc());
    KEXPECT(!before.tsc_invariant);
    time::wait_ticks(1100); // two half-second intervals and some
    time::ClockInfo after = time::clock_info();
    KEXPECT(after.tsc_watchdog_checks + after.tsc_watchdog_skipped > before.tsc_watchdog_checks);
    KEXPECT(after.tsc_watchdog); // still trusted
    KEXPECT(after.tsc_watchdog_max_deviation_ns < 500 * ms / 16);
    klog::info("test", "TSC watchdog: {} checks, {} skipped, largest TSC-HPET difference {} ns per interval",
               after.tsc_watchdog_checks, after.tsc_watchdog_skipped, after.tsc_watchdog_max_deviation_ns);
}

KTEST(tsc_watchdog_leaves_a_tsc_that_disagrees_with_the_hpet) {
    if (!time::clock_info().tsc_watchdog)
        return;
    uint64_t before = time::monotonic_ns();
    time::make_tsc_watchdog_see_a_jump(100 * ms);
    time::wait_ticks(5); // the check is due at the next tick; a few more for a skipped one
    KEXPECT(!clock_is_tsc());
    KEXPECT(!time::clock_info().tsc_watchdog);
    KEXPECT_EQ(vdso::load(time::clock_page().clock_mode), static_cast<uint32_t>(vdso::clock_mode_syscall));
    uint64_t after = time::monotonic_ns();
    KEXPECT(after >= before);
    time::resume_using_tsc(); // the rest of the run keeps the clock it booted with
    KEXPECT(clock_is_tsc());
    KEXPECT(time::clock_info().tsc_watchdog);
    KEXPECT(time::monotonic_ns() >= after);
}

KTEST(leaving_the_tsc_and_returning_never_steps_the_clock_back) {
    if (!clock_is_tsc())
        return;
    bool watched = time::clock_info().tsc_watchdog;
    uint64_t monotonic = time::monotonic_ns();
    uint64_t realtime = time::realtime_ns();
    time::stop_using_tsc();
    KEXPECT(!clock_is_tsc());
    KEXPECT_EQ(vdso::load(time::clock_page().clock_mode), static_cast<uint32_t>(vdso::clock_mode_syscall));
    uint64_t on_ticks = time::monotonic_ns();
    KEXPECT(on_ticks >= monotonic);
    KEXPECT(time::realtime_ns() >= realtime);
    KEXPECT(on_ticks - monotonic < 50 * ms); // at most a tick ahead, plus the time the test took
    time::wait_ticks(3);
    uint64_t later = time::monotonic_ns();
    KEXPECT(later > on_ticks);
    time::resume_using_tsc();
    KEXPECT(clock_is_tsc());
    KEXPECT_EQ(time::clock_info().tsc_watchdog, watched);
    KEXPECT_EQ(vdso::load(time::clock_page().clock_mode), static_cast<uint32_t>(vdso::clock_mode_tsc));
    uint64_t back_on_tsc = time::monotonic_ns();
    KEXPECT(back_on_tsc >= later);
    KEXPECT(back_on_tsc - later < 50 * ms);
}
