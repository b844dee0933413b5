// The periodic timer: ticks arrive, the uptime advances with them, and the tick source's vector drives it.
#include "arch/cpu.h"
#include "arch/interrupts.h"
#include "test/ktest.h"
#include "time/clock.h"

namespace {
// Ticks and uptime read with no tick in between.
void read_clock(uint64_t& ticks, uint64_t& uptime) {
    arch::InterruptDisabler no_tick;
    ticks = time::ticks();
    uptime = time::uptime_ns();
}
} // namespace

KTEST(timer_ticks_advance_uptime) {
    uint64_t ticks_before, uptime_before, ticks_after, uptime_after;
    read_clock(ticks_before, uptime_before);
    uint8_t tick_vector = time::clock_info().tick_vector;
    uint64_t tick_interrupts_before = arch::interrupt_count(tick_vector);
    time::wait_ticks(20);
    read_clock(ticks_after, uptime_after);
    uint64_t elapsed_ticks = ticks_after - ticks_before;
    KEXPECT(elapsed_ticks >= 20);
    KEXPECT(arch::interrupt_count(tick_vector) - tick_interrupts_before >= 20);
    // The PIT's divisor rounds the period to 999,847 ns at 1000 Hz; the APIC's count to within 0.01%.
    uint64_t elapsed_ns = uptime_after - uptime_before;
    KEXPECT(elapsed_ns >= elapsed_ticks * 999'000);
    KEXPECT(elapsed_ns <= elapsed_ticks * 1'001'000);
}

KTEST(uptime_never_goes_backwards) {
    uint64_t previous = time::uptime_ns();
    for (int i = 0; i < 10000; ++i) {
        uint64_t now = time::uptime_ns();
        KASSERT(now >= previous);
        previous = now;
    }
}
