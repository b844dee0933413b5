// Day numbers by the era method (400-year cycles of 146097 days, years starting in March so the leap
// day falls last); see docs/interrupts.md "Wall-clock time" for why the RTC is decoded this strictly.
#include "time/calendar.h"

namespace calendar {

namespace {

constexpr int64_t days_per_era = 146'097;                  // 400 Gregorian years
constexpr int64_t days_from_0000_03_01_to_epoch = 719'468; // 0000-03-01 .. 1970-01-01

// Floor division for the era of a possibly negative year or day count.
constexpr int64_t floor_divide(int64_t value, int64_t divisor) {
    return (value >= 0 ? value : value - (divisor - 1)) / divisor;
}

bool year_in_range(int64_t year) {
    return year >= first_supported_year && year <= last_supported_year;
}

// A register in the RTC's current format: BCD unless status B says binary.
ktl::ErrorOr<uint8_t> decode_field(uint8_t raw, bool binary) {
    if (binary)
        return raw;
    return decode_bcd(raw);
}

ktl::ErrorOr<uint8_t> decode_field_in_range(uint8_t raw, bool binary, uint8_t lowest, uint8_t highest) {
    uint8_t value = TRY(decode_field(raw, binary));
    if (value < lowest || value > highest)
        return ktl::Errno::InvalidArgument;
    return value;
}

ktl::ErrorOr<uint8_t> decode_hour(uint8_t raw, uint8_t status_b) {
    bool binary = status_b & RtcRegisters::status_b_binary;
    if (status_b & RtcRegisters::status_b_24_hour)
        return decode_field_in_range(raw, binary, 0, 23);
    // 12-hour mode: 1..12 with the PM flag in bit 7; 12 AM is midnight and 12 PM is noon.
    bool pm = raw & RtcRegisters::hour_pm_bit;
    uint8_t hour = TRY(decode_field_in_range(raw & ~RtcRegisters::hour_pm_bit, binary, 1, 12));
    return static_cast<uint8_t>(hour % 12 + (pm ? 12 : 0));
}

} // namespace

uint8_t days_in_month(int32_t year, uint8_t month) {
    constexpr uint8_t lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && is_leap_year(year))
        return 29;
    return lengths[month - 1];
}

bool is_valid_date(const CivilDate& date) {
    return year_in_range(date.year) && date.day >= 1 && date.day <= days_in_month(date.year, date.month);
}

ktl::ErrorOr<int64_t> days_since_epoch(const CivilDate& date) {
    if (!is_valid_date(date))
        return ktl::Errno::InvalidArgument;
    int64_t year = date.year - (date.month <= 2 ? 1 : 0); // the year that began on the last March 1st
    int64_t era = floor_divide(year, 400);
    int64_t year_of_era = year - era * 400;                                                     // 0..399
    int64_t month_from_march = date.month > 2 ? date.month - 3 : date.month + 9;                // 0..11
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + date.day - 1;                      // 0..365
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year; // 0..146096
    return era * days_per_era + day_of_era - days_from_0000_03_01_to_epoch;
}

ktl::ErrorOr<CivilDate> date_from_days_since_epoch(int64_t days) {
    // Bounded first so the arithmetic below cannot overflow on hostile input.
    constexpr int64_t first_day = -719'528, last_day = 2'932'896; // 0000-01-01, 9999-12-31
    if (days < first_day || days > last_day)
        return ktl::Errno::OutOfRange;
    int64_t shifted = days + days_from_0000_03_01_to_epoch;
    int64_t era = floor_divide(shifted, days_per_era);
    int64_t day_of_era = shifted - era * days_per_era; // 0..146096
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;
    CivilDate date;
    date.day = static_cast<uint8_t>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    date.month = static_cast<uint8_t>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    date.year = static_cast<int32_t>(year_of_era + era * 400 + (date.month <= 2 ? 1 : 0));
    return date;
}

ktl::ErrorOr<int64_t> seconds_since_epoch(const CivilTime& time) {
    if (time.hour > 23 || time.minute > 59 || time.second > 59)
        return ktl::Errno::InvalidArgument;
    int64_t days = TRY(days_since_epoch(time.date));
    return days * seconds_per_day + time.hour * 3600 + time.minute * 60 + time.second;
}

ktl::ErrorOr<CivilTime> civil_time_from_seconds(int64_t seconds) {
    int64_t days = floor_divide(seconds, seconds_per_day);
    int64_t second_of_day = seconds - days * seconds_per_day;
    CivilTime time;
    time.date = TRY(date_from_days_since_epoch(days));
    time.hour = static_cast<uint8_t>(second_of_day / 3600);
    time.minute = static_cast<uint8_t>(second_of_day / 60 % 60);
    time.second = static_cast<uint8_t>(second_of_day % 60);
    return time;
}

ktl::ErrorOr<uint8_t> decode_bcd(uint8_t bcd) {
    uint8_t tens = bcd >> 4, ones = bcd & 0xf;
    if (tens > 9 || ones > 9)
        return ktl::Errno::InvalidArgument;
    return static_cast<uint8_t>(tens * 10 + ones);
}

ktl::ErrorOr<CivilTime> decode_rtc(const RtcRegisters& registers) {
    bool binary = registers.status_b & RtcRegisters::status_b_binary;
    CivilTime time;
    time.second = TRY(decode_field_in_range(registers.seconds, binary, 0, 59));
    time.minute = TRY(decode_field_in_range(registers.minutes, binary, 0, 59));
    time.hour = TRY(decode_hour(registers.hours, registers.status_b));
    time.date.day = TRY(decode_field_in_range(registers.day_of_month, binary, 1, 31));
    time.date.month = TRY(decode_field_in_range(registers.month, binary, 1, 12));
    uint8_t year_of_century = TRY(decode_field_in_range(registers.year, binary, 0, 99));
    int32_t century = 20;
    if (registers.has_century)
        century = TRY(decode_field_in_range(registers.century, binary, 19, 99));
    time.date.year = century * 100 + year_of_century;
    if (time.date.year < 1970 || !is_valid_date(time.date))
        return ktl::Errno::InvalidArgument;
    return time;
}

} // namespace calendar
