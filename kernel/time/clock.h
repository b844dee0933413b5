// Time since boot, counted by the periodic timer interrupt.
#pragma once

#include <cstdint>

namespace time {

inline constexpr uint32_t tick_rate_hz = 1000;

// Starts the platform timer at tick_rate_hz.
void start_clock();
uint64_t ticks();
uint64_t uptime_ns();
// Sleeps the CPU until `count` more ticks have passed; interrupts must be usable.
void wait_ticks(uint64_t count);

// For the timer driver.
void set_tick_period_ns(uint64_t period);
void on_timer_tick();

} // namespace time
