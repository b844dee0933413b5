// PIT programming per the Intel 8254 datasheet: channel 0 as a rate generator (mode 2) for the tick,
// channel 2 in mode 0 (interrupt on terminal count) with its gate and output on port 0x61.
#include "arch/x86_64/pit.h"

#include "arch/interrupts.h"
#include "arch/io.h"
#include "arch/x86_64/pic.h"
#include "irq/irq.h"
#include "ktl/assert.h"
#include "time/clock.h"

namespace x86_64 {

namespace {
constexpr uint16_t channel0_data = 0x40, channel2_data = 0x42, mode_command = 0x43;
constexpr uint16_t system_control_port_b = 0x61;
constexpr uint8_t channel0_lobyte_hibyte_rate_generator = 0x34;
constexpr uint8_t channel0_lobyte_hibyte_terminal_count = 0x30;
constexpr uint8_t channel2_lobyte_hibyte_terminal_count = 0xb0;
constexpr uint8_t port_b_channel2_gate = 0x01, port_b_speaker_data = 0x02, port_b_channel2_output = 0x20;

uint8_t countdown_high_byte; // the second half of the count arm_pit_countdown() was given
irq::Registration tick_interrupt;

irq::Result on_pit_interrupt(void*) {
    time::on_timer_tick();
    return irq::Result::Handled;
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
    tick_interrupt = MUST(irq::request_isa(0, on_pit_interrupt, nullptr, "timer"));
}

void stop_pit() {
    tick_interrupt.release();
    // A mode command without the count that must follow it halts the counter.
    arch::out8(mode_command, channel0_lobyte_hibyte_terminal_count);
}

uint8_t pit_tick_vector() {
    return tick_interrupt.is_active() ? tick_interrupt.vector() : pic_vector_base;
}

void arm_pit_countdown(uint16_t pit_clocks) {
    // Gate high so the channel counts; speaker data off so nothing beeps.
    arch::out8(system_control_port_b,
               static_cast<uint8_t>((arch::in8(system_control_port_b) & ~port_b_speaker_data) |
                                    port_b_channel2_gate));
    arch::out8(mode_command, channel2_lobyte_hibyte_terminal_count);
    arch::out8(channel2_data, pit_clocks & 0xff);
    countdown_high_byte = static_cast<uint8_t>(pit_clocks >> 8);
}

void start_pit_countdown() {
    arch::out8(channel2_data, countdown_high_byte); // counting starts with the high byte
}

bool pit_countdown_finished() {
    return arch::in8(system_control_port_b) & port_b_channel2_output;
}

} // namespace x86_64
