// The platform's periodic timer, which drives time::on_timer_tick().
#pragma once

#include <cstdint>

namespace arch {
void start_periodic_timer(uint32_t frequency_hz);
}
