// A read-only view of an ELF64 little-endian file: its header, sections and symbols, validated as
// hostile input (every offset, size and index checked before use). Used for the kernel's own debug
// information (a boot module) and, later, for user programs.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace elf {

struct Section {
    ktl::StringView name;
    uint32_t type = 0;
    uint64_t flags = 0;
    uint64_t address = 0;  // where it is loaded (sh_addr)
    ktl::ByteReader bytes; // empty for SHT_NOBITS
};

struct Symbol {
    ktl::StringView name;
    uint64_t value = 0;
    uint64_t size = 0;
    uint8_t type = 0; // STT_*
};

class ElfFile {
public:
    static constexpr uint32_t section_type_nobits = 8;
    static constexpr uint32_t section_type_symtab = 2;
    static constexpr uint8_t symbol_type_function = 2;

    // Checks the identification, the header and the section header table; sections are checked when
    // looked up. InvalidArgument (ENOEXEC for a non-ELF) on anything malformed.
    static ktl::ErrorOr<ElfFile> parse(ktl::ByteReader file);

    uint16_t type() const { return m_type; }       // ET_EXEC 2, ET_DYN 3
    uint16_t machine() const { return m_machine; } // EM_X86_64 62
    uint64_t entry() const { return m_entry; }
    size_t section_count() const { return m_section_count; }

    ktl::ErrorOr<Section> section(size_t index) const;
    // The first section with this name; NoEntry if none.
    ktl::ErrorOr<Section> section_by_name(ktl::StringView name) const;

    // The function symbol containing `address` (value <= address < value + size, or the closest
    // preceding one with size 0); NoEntry if none. Linear in the symbol count.
    ktl::ErrorOr<Symbol> function_containing(uint64_t address) const;

private:
    ktl::ByteReader m_file;
    uint16_t m_type = 0, m_machine = 0;
    uint64_t m_entry = 0;
    uint64_t m_section_headers_offset = 0;
    size_t m_section_count = 0;
    size_t m_section_names_index = 0;
};

} // namespace elf
