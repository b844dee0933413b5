// Wall-clock time: the CMOS real-time clock read once, then carried forward by the monotonic clock.
// This is what CLOCK_REALTIME, gettimeofday and time() report.
#pragma once

#include "ktl/error_or.h"
#include "time/calendar.h"

#include <cstdint>

namespace time {

// Reads the RTC now, waiting out an update and reading until two passes agree; an error when there is
// no RTC, it never settles, or it shows an impossible date (see libs/time/calendar.h).
ktl::ErrorOr<calendar::CivilTime> read_rtc();
// read_rtc() as seconds since 1970-01-01 UTC (the RTC is taken to keep UTC, as QEMU's does by default).
ktl::ErrorOr<int64_t> read_rtc_seconds();

// Sets the wall clock from the RTC; after the monotonic clock is calibrated. Without a usable RTC it
// warns and starts at 0 (1970-01-01). Calling it again re-synchronizes with the RTC.
void initialize_realtime_clock();
// Nanoseconds since 1970-01-01 UTC. Initializes from the RTC on first use if boot has not. Steps only
// when set_realtime_ns (or a re-synchronization) steps it; otherwise advances with monotonic_ns.
uint64_t realtime_ns();
// CLOCK_REALTIME_COARSE and time(): the wall clock as of the last tick, from the clock page as the vDSO
// reads it. Initializes like realtime_ns().
uint64_t realtime_coarse_ns();
// For clock_settime: from now on realtime_ns() continues from `ns`.
void set_realtime_ns(uint64_t ns);

} // namespace time
