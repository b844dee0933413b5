#include "arch/x86_64/pit.h"

#include "arch/interrupts.h"
#include "arch/io.h"
#include "arch/timer.h"
#include "ktl/assert.h"
#include "time/clock.h"

namespace x86_64 {

namespace {
constexpr uint16_t channel0_data = 0x40, mode_command = 0x43;
constexpr uint8_t channel0_lobyte_hibyte_rate_generator = 0x34;

void on_pit_interrupt(arch::InterruptFrame&) {
    time::on_timer_tick();
}
} // namespace

void start_pit(uint32_t frequency_hz) {
    uint32_t divisor = pit_base_frequency_hz / frequency_hz;
    if (divisor > 0xffff)
        divisor = 0xffff;
    arch::out8(mode_command, channel0_lobyte_hibyte_rate_generator);
    arch::out8(channel0_data, divisor & 0xff);
    arch::out8(channel0_data, (divisor >> 8) & 0xff);
    // The true rate differs slightly from the request; the clock counts with the real one.
    time::set_tick_period_ns(1'000'000'000ull * divisor / pit_base_frequency_hz);
    MUST(arch::set_irq_handler(0, on_pit_interrupt));
}

} // namespace x86_64

namespace arch {
void start_periodic_timer(uint32_t frequency_hz) {
    x86_64::start_pit(frequency_hz);
}
} // namespace arch
