// Metadata formatting (see format.h).
#include "toolbox/format.h"

#include <cstdio>
#include <sys/stat.h>

namespace toolbox {

char file_type_letter(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG:
        return '-';
    case S_IFDIR:
        return 'd';
    case S_IFLNK:
        return 'l';
    case S_IFCHR:
        return 'c';
    case S_IFBLK:
        return 'b';
    case S_IFIFO:
        return 'p';
    case S_IFSOCK:
        return 's';
    default:
        return '?';
    }
}

void format_mode(mode_t mode, char out[11]) {
    out[0] = file_type_letter(mode);
    const char letters[] = "rwxrwxrwx";
    for (int i = 0; i < 9; ++i)
        out[1 + i] = (mode & (0400 >> i)) ? letters[i] : '-';
    // The special bits share the execute column: lower case when execute is also set.
    if (mode & S_ISUID)
        out[3] = (mode & S_IXUSR) ? 's' : 'S';
    if (mode & S_ISGID)
        out[6] = (mode & S_IXGRP) ? 's' : 'S';
    if (mode & S_ISVTX)
        out[9] = (mode & S_IXOTH) ? 't' : 'T';
    out[10] = '\0';
}

void format_human_size(uint64_t bytes, char* out, size_t out_size) {
    if (bytes < 1024) {
        snprintf(out, out_size, "%llu", static_cast<unsigned long long>(bytes));
        return;
    }
    const char suffixes[] = "KMGTPE";
    int unit = 0;
    unsigned __int128 scale = 1024;
    while (unit < 5 && bytes >= scale * 1024) {
        scale *= 1024;
        ++unit;
    }
    // Below 10 units one decimal, rounded up; otherwise whole units, rounded up.
    unsigned __int128 tenths = (static_cast<unsigned __int128>(bytes) * 10 + scale - 1) / scale;
    if (tenths < 100) {
        snprintf(out, out_size, "%u.%u%c", static_cast<unsigned>(tenths / 10),
                 static_cast<unsigned>(tenths % 10), suffixes[unit]);
        return;
    }
    unsigned __int128 whole = (bytes + scale - 1) / scale;
    if (whole >= 1024 && unit < 5) {
        // 1023.1K rounds up to 1024K, which is written as the next unit.
        snprintf(out, out_size, "1.0%c", suffixes[unit + 1]);
        return;
    }
    snprintf(out, out_size, "%llu%c", static_cast<unsigned long long>(whole), suffixes[unit]);
}

const char* month_abbreviation(int month) {
    static const char* const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return month >= 0 && month < 12 ? names[month] : "???";
}

const char* weekday_abbreviation(int weekday) {
    static const char* const names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    return weekday >= 0 && weekday < 7 ? names[weekday] : "???";
}

void format_listing_time(const struct tm& when, int64_t age_seconds, char* out, size_t out_size) {
    // Half a Gregorian year, as GNU ls counts it; files from the future show their year too.
    constexpr int64_t six_months = 31556952 / 2;
    if (age_seconds >= 0 && age_seconds < six_months)
        snprintf(out, out_size, "%s %2d %02d:%02d", month_abbreviation(when.tm_mon), when.tm_mday,
                 when.tm_hour, when.tm_min);
    else
        snprintf(out, out_size, "%s %2d  %d", month_abbreviation(when.tm_mon), when.tm_mday,
                 when.tm_year + 1900);
}

} // namespace toolbox
