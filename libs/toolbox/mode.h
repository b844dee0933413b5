// chmod's MODE operand (and mkdir -m's): octal, or POSIX symbolic clauses such as "u+x,go-w", "a=rX",
// "g=u". Pure, so the tests check it against a table.
#pragma once

#include <sys/types.h>

namespace toolbox {

// The mode `spec` turns `old` into; false when `spec` is malformed. `umask_bits` masks clauses with no
// who letters, as POSIX says; X sets execute only for directories or when some execute bit is set.
bool apply_mode(const char* spec, mode_t old, bool is_directory, mode_t umask_bits, mode_t& result);

} // namespace toolbox
