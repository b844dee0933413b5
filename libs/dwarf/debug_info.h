// DWARF debug information (.debug_info, .debug_abbrev, .debug_line and friends, DWARF 2 to 5, 32- and
// 64-bit format) for the kernel's crash reports: address -> qualified function name, file:line:column
// and the chain of inlined calls. Everything is read on demand from the sections, without allocation;
// a lookup finds the unit through .debug_aranges (else the units' root DIEs), then reads that unit's DIEs
// about twice and its line program once, with about 4 KiB of stack (-fstack-usage, kernel flags). The
// sections are hostile input: anything malformed is an error, never an out-of-bounds read, an endless
// loop or undefined behaviour.
//
// Not supported: split DWARF (.dwo files; skeleton units find no functions), type units (skipped),
// compressed sections (SHF_COMPRESSED: NotSupported), DW_LNE_define_file, references into .debug_types
// or supplementary files, and segmented addresses.
#pragma once

#include "elf/elf_file.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/fixed_vector.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace dwarf {

// The debug sections of one executable; an absent section is an empty reader.
struct DebugSections {
    ktl::ByteReader info, abbrev, line, str, line_str, str_offsets, addr, rnglists, ranges, aranges;
};

// Finds them in an ELF file: NoEntry without .debug_info, NotSupported when it is compressed.
ktl::ErrorOr<DebugSections> debug_sections_of(const elf::ElfFile& file);

// A position in the source; the views point into the sections. `directory` is the line table's entry
// for the file (possibly relative to the unit's compilation directory), empty when unknown.
struct SourceLocation {
    ktl::StringView directory;
    ktl::StringView file;
    uint32_t line = 0; // 0: unknown
    uint32_t column = 0;
};

// One level of inlining: `function` (its DW_AT_name, unqualified) was inlined into its caller at
// `call_site`.
struct InlinedCall {
    ktl::StringView function;
    SourceLocation call_site;
};

inline constexpr size_t max_inline_depth = 8;

struct Symbolized {
    // Qualified name of the outermost function ("debug::crash_with_panic": namespaces, classes and the
    // name, no parameters; truncated to fit), always NUL-terminated. Unnamed namespaces print as
    // "(anonymous namespace)", unnamed classes as "{lambda}" (holding an operator() or g++'s _FUN) or
    // "{unnamed type}".
    char function[256];
    uint64_t function_start = 0; // low_pc of the outermost subprogram (the first range's start if none)
    SourceLocation location;     // the line of the address itself (the innermost inlined body if inlined)
    // Innermost first: which inlined function the address is in, and where it was inlined into its
    // caller; inlined[size-1] was inlined into `function`. Deeper chains keep their innermost levels.
    ktl::FixedVector<InlinedCall, max_inline_depth> inlined;
};

class DebugInfo {
public:
    DebugInfo() = default; // no sections: every lookup is NoEntry

    // Checks that .debug_info is a well-formed chain of unit headers with known versions, address sizes
    // and abbreviation offsets. NoEntry when .debug_info or .debug_abbrev is empty.
    static ktl::ErrorOr<DebugInfo> create(const DebugSections& sections);

    // NoEntry if no compilation unit or subprogram covers the address; InvalidArgument (or NotSupported)
    // on malformed data met on the way. `out` is overwritten, and only meaningful on success.
    ktl::ErrorOr<void> symbolize(uint64_t address, Symbolized& out) const;

    const DebugSections& sections() const { return m_sections; }

private:
    explicit DebugInfo(const DebugSections& sections) : m_sections(sections) {}

    DebugSections m_sections;
};

} // namespace dwarf
