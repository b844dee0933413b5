// Line-oriented pieces of sort and friends: numeric comparison as `sort -n` does it and key fields
// as `sort -k` selects them, on string views so the tests need no files.
#pragma once

#include <cstddef>
#include <string_view>

namespace toolbox {

// sort -n: leading blanks, an optional '-', digits and an optional fraction; anything else counts as
// zero. Returns <0, 0 or >0.
int compare_numeric(std::string_view a, std::string_view b);

// One `-k F1[.C1][,F2[.C2]]` key; fields count from 1, a zero end field means "to the end of line".
struct SortKey {
    size_t start_field = 1;
    size_t start_char = 1;
    size_t end_field = 0;
    size_t end_char = 0; // 0: the end of end_field
    bool numeric = false;
    bool reverse = false;
};

// Parses "2", "2,2", "1.3,1.5", "2n", "3,3nr"; false when malformed.
bool parse_sort_key(const char* text, SortKey& key);

// The part of `line` the key selects. Without a separator, fields are runs of non-blanks and each
// field keeps its leading blanks, as in POSIX sort; with one, fields are split at every separator.
std::string_view extract_key(std::string_view line, const SortKey& key, int separator);

} // namespace toolbox
