// Text forms of file metadata shared by ls, stat, du, df and free: permission strings, sizes in
// human units, and ls's two date forms. Pure functions of their arguments, so the tests pin them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <sys/types.h>

namespace toolbox {

// "drwxr-xr-x": the type letter and the nine permission letters with s/S, t/T (11 bytes with NUL).
void format_mode(mode_t mode, char out[11]);

// The type letter alone: '-', 'd', 'l', 'c', 'b', 'p', 's', or '?'.
char file_type_letter(mode_t mode);

// GNU's -h form, rounded up like ls, du and df: "512", "1.0K", "4.0K", "12K", "1.5M". `out` >= 16 bytes.
void format_human_size(uint64_t bytes, char* out, size_t out_size);

// ls -l's date: "Dec  7 11:16" within six months before `now`, "Dec  7  2025" otherwise.
// `when` is broken down already (localtime), `age_seconds` is now - mtime. `out` >= 16 bytes.
void format_listing_time(const struct tm& when, int64_t age_seconds, char* out, size_t out_size);

// English month abbreviation, locale-independent ("Jan" for 0).
const char* month_abbreviation(int month);
const char* weekday_abbreviation(int weekday);

} // namespace toolbox
