// Day numbers against a day-by-day reference over 1970..2400, known dates to year 9999, leap years, and
// the RTC decoder on good registers in every mode and on each kind of garbage a real RTC can show.
#include "time/calendar.h"

#include <gtest/gtest.h>

namespace {

using namespace calendar;

// Deliberately naive: the rule as the calendar states it, and a table, nothing shared with the library.
bool reference_is_leap(int year) {
    if (year % 400 == 0)
        return true;
    if (year % 100 == 0)
        return false;
    return year % 4 == 0;
}
int reference_month_length(int year, int month) {
    static const int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && reference_is_leap(year) ? 29 : lengths[month - 1];
}

CivilDate date(int year, int month, int day) {
    return {year, static_cast<uint8_t>(month), static_cast<uint8_t>(day)};
}

TEST(Calendar, EveryDayFrom1970To2400RoundTripsAgainstADayByDayCount) {
    CivilDate current = date(1970, 1, 1);
    int64_t day_number = 0;
    while (current.year <= 2400) {
        auto days = days_since_epoch(current);
        ASSERT_FALSE(days.is_error()) << current.year << "-" << int(current.month) << "-" << int(current.day);
        ASSERT_EQ(days.value(), day_number)
            << current.year << "-" << int(current.month) << "-" << int(current.day);
        auto back = date_from_days_since_epoch(day_number);
        ASSERT_FALSE(back.is_error()) << day_number;
        ASSERT_EQ(back.value(), current) << day_number;

        ++day_number;
        if (current.day < reference_month_length(current.year, current.month)) {
            ++current.day;
        } else if (current.month < 12) {
            current.day = 1;
            ++current.month;
        } else {
            current = date(current.year + 1, 1, 1);
        }
    }
    EXPECT_EQ(day_number, 157'420); // 1970-01-01 .. 2401-01-01
}

TEST(Calendar, KnownDayNumbersAcrossTheWholeRange) {
    struct Known {
        CivilDate date;
        int64_t days;
    } const known[] = {
        {date(1970, 1, 1), 0},      {date(1969, 12, 31), -1},    {date(2000, 3, 1), 11'017},
        {date(2024, 1, 1), 19'723}, {date(2038, 1, 19), 24'855}, {date(9999, 12, 31), 2'932'896},
        {date(0, 1, 1), -719'528},  {date(1, 1, 1), -719'162},   {date(1600, 2, 29), -135'081},
    };
    for (const Known& entry : known) {
        EXPECT_EQ(days_since_epoch(entry.date).value(), entry.days) << entry.date.year;
        EXPECT_EQ(date_from_days_since_epoch(entry.days).value(), entry.date) << entry.days;
    }
}

TEST(Calendar, LeapYearsFollowTheGregorianRule) {
    EXPECT_TRUE(is_leap_year(2000));
    EXPECT_FALSE(is_leap_year(2100));
    EXPECT_FALSE(is_leap_year(1900));
    EXPECT_TRUE(is_leap_year(2024));
    EXPECT_FALSE(is_leap_year(2023));
    EXPECT_TRUE(is_leap_year(2400));
    EXPECT_FALSE(days_since_epoch(date(2000, 2, 29)).is_error());
    EXPECT_EQ(days_since_epoch(date(2100, 2, 29)).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(days_since_epoch(date(2023, 2, 29)).error().code(), ktl::Errno::InvalidArgument);
    // 2100-02-28 is followed directly by March 1st.
    EXPECT_EQ(days_since_epoch(date(2100, 3, 1)).value() - days_since_epoch(date(2100, 2, 28)).value(), 1);
    EXPECT_EQ(days_in_month(2000, 2), 29);
    EXPECT_EQ(days_in_month(2100, 2), 28);
}

TEST(Calendar, ImpossibleDatesAndYearsOutOfRangeAreErrors) {
    for (CivilDate bad : {date(2024, 0, 1), date(2024, 13, 1), date(2024, 4, 31), date(2024, 1, 0),
                          date(2024, 1, 32), date(2024, 6, 31), date(-1, 1, 1), date(10'000, 1, 1)})
        EXPECT_TRUE(days_since_epoch(bad).is_error())
            << bad.year << "-" << int(bad.month) << "-" << int(bad.day);
    EXPECT_EQ(date_from_days_since_epoch(2'932'897).error().code(), ktl::Errno::OutOfRange);
    EXPECT_EQ(date_from_days_since_epoch(-719'529).error().code(), ktl::Errno::OutOfRange);
    EXPECT_TRUE(date_from_days_since_epoch(INT64_MAX).is_error());
    EXPECT_TRUE(date_from_days_since_epoch(INT64_MIN).is_error());
    EXPECT_TRUE(civil_time_from_seconds(INT64_MIN).is_error());
    EXPECT_TRUE(civil_time_from_seconds(INT64_MAX).is_error());
}

TEST(Calendar, SecondsRoundTripIncludingBeforeTheEpoch) {
    CivilTime time{date(2024, 2, 29), 13, 30, 45};
    EXPECT_EQ(seconds_since_epoch(time).value(), 1'709'213'445);
    EXPECT_EQ(civil_time_from_seconds(1'709'213'445).value(), time);
    CivilTime before{date(1969, 12, 31), 23, 59, 59};
    EXPECT_EQ(seconds_since_epoch(before).value(), -1);
    EXPECT_EQ(civil_time_from_seconds(-1).value(), before);
    EXPECT_TRUE(seconds_since_epoch({date(2024, 1, 1), 24, 0, 0}).is_error());
    EXPECT_TRUE(seconds_since_epoch({date(2024, 1, 1), 0, 60, 0}).is_error());
    EXPECT_TRUE(seconds_since_epoch({date(2024, 1, 1), 0, 0, 60}).is_error());
}

TEST(CalendarBcd, EveryByteDecodesOnlyWhenBothDigitsAreDecimal) {
    for (int value = 0; value < 256; ++value) {
        auto decoded = decode_bcd(static_cast<uint8_t>(value));
        bool valid = (value >> 4) <= 9 && (value & 0xf) <= 9;
        ASSERT_EQ(!decoded.is_error(), valid) << value;
        if (valid) {
            EXPECT_EQ(decoded.value(), (value >> 4) * 10 + (value & 0xf));
        }
    }
}

constexpr uint8_t bcd_24_hour = RtcRegisters::status_b_24_hour;
constexpr uint8_t binary_24_hour = RtcRegisters::status_b_24_hour | RtcRegisters::status_b_binary;
constexpr uint8_t bcd_12_hour = 0;
constexpr uint8_t binary_12_hour = RtcRegisters::status_b_binary;

// 2024-02-29 13:30:45 as QEMU shows it by default (BCD, 24-hour).
RtcRegisters leap_day_registers() {
    RtcRegisters registers;
    registers.seconds = 0x45;
    registers.minutes = 0x30;
    registers.hours = 0x13;
    registers.day_of_month = 0x29;
    registers.month = 0x02;
    registers.year = 0x24;
    registers.status_b = bcd_24_hour;
    return registers;
}

const CivilTime leap_day_time{date(2024, 2, 29), 13, 30, 45};

TEST(CalendarRtc, DecodesBcdAndBinaryIn24HourMode) {
    EXPECT_EQ(decode_rtc(leap_day_registers()).value(), leap_day_time);
    RtcRegisters binary{45, 30, 13, 29, 2, 24, binary_24_hour, false, 0};
    EXPECT_EQ(decode_rtc(binary).value(), leap_day_time);
}

TEST(CalendarRtc, TwelveHourModeUsesBit7ForPmWithTwelveMeaningNoonOrMidnight) {
    struct Case {
        uint8_t raw;
        bool binary;
        uint8_t hour;
    } const cases[] = {
        {0x12, false, 0},     {0x01, false, 1},      {0x11, false, 11}, {0x92, false, 12},
        {0x81, false, 13},    {0x91, false, 23},     {12, true, 0},     {0x80 | 12, true, 12},
        {0x80 | 1, true, 13}, {0x80 | 11, true, 23},
    };
    for (const Case& entry : cases) {
        RtcRegisters registers = leap_day_registers();
        registers.status_b = entry.binary ? binary_12_hour : bcd_12_hour;
        if (entry.binary) {
            registers = {45, 30, entry.raw, 29, 2, 24, binary_12_hour, false, 0};
        } else {
            registers.hours = entry.raw;
        }
        auto decoded = decode_rtc(registers);
        ASSERT_FALSE(decoded.is_error()) << int(entry.raw);
        EXPECT_EQ(decoded.value().hour, entry.hour) << int(entry.raw);
    }
}

TEST(CalendarRtc, CenturyRegisterSetsTheCenturyElseItIs20xx) {
    RtcRegisters registers = leap_day_registers();
    EXPECT_EQ(decode_rtc(registers).value().date.year, 2024);
    registers.has_century = true;
    registers.century = 0x20;
    EXPECT_EQ(decode_rtc(registers).value().date.year, 2024);
    registers.century = 0x21; // 2124 is a leap year too
    EXPECT_EQ(decode_rtc(registers).value().date.year, 2124);
    registers.century = 0x19;
    registers.year = 0x96;
    EXPECT_EQ(decode_rtc(registers).value().date.year, 1996);
    registers.status_b = binary_24_hour;
    registers = {45, 30, 13, 29, 2, 0, binary_24_hour, true, 20};
    EXPECT_EQ(decode_rtc(registers).value().date.year, 2000);
}

TEST(CalendarRtc, EachKindOfGarbageIsAnError) {
    struct Case {
        const char* what;
        void (*corrupt)(RtcRegisters&);
    } const cases[] = {
        {"seconds digit A", [](RtcRegisters& r) { r.seconds = 0x4a; }},
        {"seconds 60", [](RtcRegisters& r) { r.seconds = 0x60; }},
        {"minutes 60", [](RtcRegisters& r) { r.minutes = 0x60; }},
        {"minutes tens F", [](RtcRegisters& r) { r.minutes = 0xf0; }},
        {"hour 24", [](RtcRegisters& r) { r.hours = 0x24; }},
        {"hour 25", [](RtcRegisters& r) { r.hours = 0x25; }},
        {"PM bit in 24-hour mode", [](RtcRegisters& r) { r.hours = 0x81; }},
        {"12-hour hour 0", [](RtcRegisters& r) { r.status_b = bcd_12_hour, r.hours = 0x00; }},
        {"12-hour hour 13", [](RtcRegisters& r) { r.status_b = bcd_12_hour, r.hours = 0x13; }},
        {"12-hour PM hour 0", [](RtcRegisters& r) { r.status_b = bcd_12_hour, r.hours = 0x80; }},
        {"day 0", [](RtcRegisters& r) { r.day_of_month = 0x00; }},
        {"day 32", [](RtcRegisters& r) { r.day_of_month = 0x32; }},
        {"April 31st", [](RtcRegisters& r) { r.month = 0x04, r.day_of_month = 0x31; }},
        {"February 30th", [](RtcRegisters& r) { r.day_of_month = 0x30; }},
        {"February 29th of 2023", [](RtcRegisters& r) { r.year = 0x23; }},
        {"February 29th of 2100",
         [](RtcRegisters& r) { r.has_century = true, r.century = 0x21, r.year = 0x00; }},
        {"month 0", [](RtcRegisters& r) { r.month = 0x00; }},
        {"month 13", [](RtcRegisters& r) { r.month = 0x13; }},
        {"month digit C", [](RtcRegisters& r) { r.month = 0x0c; }},
        {"year digit A", [](RtcRegisters& r) { r.year = 0xa0; }},
        {"century 0", [](RtcRegisters& r) { r.has_century = true, r.century = 0x00; }},
        {"century 18", [](RtcRegisters& r) { r.has_century = true, r.century = 0x18; }},
        {"century digit F", [](RtcRegisters& r) { r.has_century = true, r.century = 0x2f; }},
        {"year 1969", [](RtcRegisters& r) { r.has_century = true, r.century = 0x19, r.year = 0x69; }},
        {"binary seconds 60", [](RtcRegisters& r) { r = {60, 30, 13, 29, 2, 24, binary_24_hour, false, 0}; }},
        {"binary year 100", [](RtcRegisters& r) { r = {45, 30, 13, 29, 2, 100, binary_24_hour, false, 0}; }},
        {"binary hour 24", [](RtcRegisters& r) { r = {45, 30, 24, 29, 2, 24, binary_24_hour, false, 0}; }},
        {"binary month 13", [](RtcRegisters& r) { r = {45, 30, 13, 29, 13, 24, binary_24_hour, false, 0}; }},
        {"all ones (no RTC)",
         [](RtcRegisters& r) { r = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, false, 0}; }},
    };
    for (const Case& entry : cases) {
        RtcRegisters registers = leap_day_registers();
        entry.corrupt(registers);
        auto decoded = decode_rtc(registers);
        ASSERT_TRUE(decoded.is_error()) << entry.what;
        EXPECT_EQ(decoded.error().code(), ktl::Errno::InvalidArgument) << entry.what;
    }
}

// Every value of every register, in every mode: an error or a date that is itself valid.
TEST(CalendarRtc, AnyRegisterValueGivesAnErrorOrAValidTime) {
    for (uint8_t status_b : {bcd_24_hour, binary_24_hour, bcd_12_hour, binary_12_hour}) {
        for (int field = 0; field < 7; ++field) {
            for (int value = 0; value < 256; ++value) {
                RtcRegisters registers = leap_day_registers();
                registers.status_b = status_b;
                registers.has_century = field == 6;
                uint8_t* fields[] = {&registers.seconds,      &registers.minutes, &registers.hours,
                                     &registers.day_of_month, &registers.month,   &registers.year,
                                     &registers.century};
                *fields[field] = static_cast<uint8_t>(value);
                auto decoded = decode_rtc(registers);
                if (decoded.is_error())
                    continue;
                const CivilTime& time = decoded.value();
                EXPECT_TRUE(is_valid_date(time.date));
                EXPECT_GE(time.date.year, 1970);
                EXPECT_FALSE(seconds_since_epoch(time).is_error());
            }
        }
    }
}

} // namespace
