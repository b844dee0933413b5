#include "time/clock.h"

#include "arch/cpu.h"
#include "arch/timer.h"
#include "sched/scheduler.h"

namespace time {

namespace {
// Written only by the tick interrupt; readers take a torn-free 64-bit load on x86-64.
volatile uint64_t tick_count;
uint64_t tick_period_ns;
} // namespace

void start_clock() {
    arch::start_periodic_timer(tick_rate_hz);
}

uint64_t ticks() {
    return tick_count;
}

uint64_t uptime_ns() {
    return tick_count * tick_period_ns;
}

void wait_ticks(uint64_t count) {
    uint64_t target = tick_count + count;
    while (tick_count < target)
        arch::wait_for_interrupt();
}

void set_tick_period_ns(uint64_t period) {
    tick_period_ns = period;
}

void on_timer_tick() {
    tick_count = tick_count + 1;
    sched::on_timer_tick();
}

} // namespace time
