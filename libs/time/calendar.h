// Civil dates and the PC's CMOS real-time clock, as pure arithmetic: the kernel reads the RTC's
// registers, this decides what date they mean. The registers are hostile input (a dead battery, a
// firmware that left garbage, a read torn by an update): anything out of range is an error, never a
// date that is merely wrong.
//
// Documented choices:
//  * Dates are proleptic Gregorian; day numbers count from 1970-01-01 (day 0), negative before it.
//    Every function here is exact for years 0..9999 and rejects years outside that range.
//  * Seconds are 0..59: the RTC never shows a leap second, so 60 is as invalid as 61.
//  * Without a century register the RTC's two-digit year means 20xx (2000..2099). With one, the
//    century must be 19..99 and the resulting year at least 1970: a machine's clock before the epoch
//    is a clock that was never set.
#pragma once

#include "ktl/error_or.h"

#include <cstdint>

namespace calendar {

inline constexpr int32_t first_supported_year = 0, last_supported_year = 9999;
inline constexpr int64_t seconds_per_day = 86'400;

struct CivilDate {
    int32_t year = 1970;
    uint8_t month = 1; // 1..12
    uint8_t day = 1;   // 1..days_in_month
    constexpr bool operator==(const CivilDate&) const = default;
};

struct CivilTime {
    CivilDate date;
    uint8_t hour = 0, minute = 0, second = 0; // 0..23, 0..59, 0..59
    constexpr bool operator==(const CivilTime&) const = default;
};

constexpr bool is_leap_year(int32_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}
// 28..31, or 0 for a month outside 1..12.
uint8_t days_in_month(int32_t year, uint8_t month);
bool is_valid_date(const CivilDate& date);

// Days since 1970-01-01; InvalidArgument for an impossible date or a year out of range.
ktl::ErrorOr<int64_t> days_since_epoch(const CivilDate& date);
// The date `days` after 1970-01-01; OutOfRange outside years 0..9999.
ktl::ErrorOr<CivilDate> date_from_days_since_epoch(int64_t days);

// Seconds since 1970-01-01T00:00:00 (UTC, no leap seconds, as POSIX counts).
ktl::ErrorOr<int64_t> seconds_since_epoch(const CivilTime& time);
ktl::ErrorOr<CivilTime> civil_time_from_seconds(int64_t seconds);

// Two BCD digits to 0..99; InvalidArgument when either nibble is above 9.
ktl::ErrorOr<uint8_t> decode_bcd(uint8_t bcd);

// The MC146818 registers as read, before any interpretation.
struct RtcRegisters {
    static constexpr uint8_t status_b_24_hour = 1u << 1; // clear: 12-hour, PM in hours bit 7
    static constexpr uint8_t status_b_binary = 1u << 2;  // clear: values are BCD
    static constexpr uint8_t hour_pm_bit = 1u << 7;

    uint8_t seconds = 0, minutes = 0, hours = 0, day_of_month = 0, month = 0, year = 0;
    uint8_t status_b = 0;
    bool has_century = false; // the FADT named a century register and it was read
    uint8_t century = 0;
    constexpr bool operator==(const RtcRegisters&) const = default;
};

// The date and time the registers show; InvalidArgument for any field out of its range (a BCD nibble
// above 9, hour 25, month 13, April 31st, February 29th of a common year, ...).
ktl::ErrorOr<CivilTime> decode_rtc(const RtcRegisters& registers);

} // namespace calendar
