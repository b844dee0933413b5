// Itanium C++ ABI demangler (the mangling of g++ and clang) for readable names in backtraces. The text
// matches binutils' c++filt: "(anonymous namespace)", "{lambda()#1}", "[clone .cold]", "char const*",
// "std::vector<int, std::allocator<int> >". No heap: the name is written into the caller's buffer, the
// parser's tables are fixed arrays, and the work is bounded for any input (see docs/debugging.md).
#pragma once

#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>

namespace demangle {

// Longest mangled name accepted; the parser's tables hold 16-bit offsets into it.
inline constexpr size_t max_mangled_length = 65535;

// Demangles `mangled` ("_Z..." with optional clone suffixes like ".cold") into `buffer`, NUL-terminated,
// and returns the text (without the NUL). Errors:
//   InvalidArgument  not a mangled name, malformed, or a form c++filt refuses too
//   NotSupported     well-formed but outside what this demangler handles (rare expression forms)
//   NoSpace          the text and its NUL do not fit in `capacity` bytes
//   Overflow         an internal bound was reached: nesting depth, table size or work
// On error the buffer's contents are unspecified; print the mangled name instead.
ktl::ErrorOr<ktl::StringView> demangle(ktl::StringView mangled, char* buffer, size_t capacity);

} // namespace demangle
