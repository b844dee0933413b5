// A kernel module file (.ko): an ELF64 x86-64 relocatable object (ET_REL), parsed as hostile input.
// parse() checks everything once, up front: the header, every section header (in the file, no two
// overlapping, sane alignment), every name, the one symbol table (each symbol's section index and
// value) and every relocation section's links. What it returns can then be read without checks.
// Relocation entries themselves are checked when applied (linker.h), since only that knows the types.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"
#include "ktl/vector.h"
#include "module/diagnostic.h"

#include <cstddef>
#include <cstdint>

namespace module {

namespace elf_constants {
inline constexpr uint32_t sht_null = 0, sht_progbits = 1, sht_symtab = 2, sht_strtab = 3, sht_rela = 4,
                          sht_nobits = 8, sht_rel = 9, sht_group = 17, sht_symtab_shndx = 18;
inline constexpr uint64_t shf_write = 0x1, shf_alloc = 0x2, shf_execinstr = 0x4, shf_tls = 0x400;
inline constexpr uint16_t shn_undef = 0, shn_loreserve = 0xff00, shn_abs = 0xfff1, shn_common = 0xfff2,
                          shn_xindex = 0xffff;
inline constexpr uint8_t stb_local = 0, stb_global = 1, stb_weak = 2;
inline constexpr uint8_t stt_notype = 0, stt_object = 1, stt_func = 2, stt_section = 3, stt_file = 4,
                         stt_common = 5, stt_tls = 6, stt_gnu_ifunc = 10;
inline constexpr uint16_t et_rel = 1, em_x86_64 = 62;
} // namespace elf_constants

struct SectionHeader {
    ktl::StringView name;
    uint32_t name_offset = 0;
    uint32_t type = 0;
    uint64_t flags = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint32_t link = 0;
    uint32_t info = 0;
    uint64_t alignment = 1; // a power of two, at least 1
    uint64_t entry_size = 0;

    bool is_allocated() const { return flags & elf_constants::shf_alloc; }
    bool has_file_bytes() const {
        return type != elf_constants::sht_nobits && type != elf_constants::sht_null;
    }
};

struct Symbol {
    ktl::StringView name;
    uint64_t value = 0;
    uint64_t size = 0;
    uint16_t section = 0; // SHN_UNDEF, SHN_ABS or a checked index below section_count()
    uint8_t binding = 0;  // STB_*
    uint8_t type = 0;     // STT_*
};

struct Relocation {
    uint64_t offset = 0;
    uint32_t type = 0;
    uint32_t symbol = 0;
    int64_t addend = 0;
};

class ObjectFile {
public:
    // Bounds on what the loader accepts, far above what a compiler makes for one module.
    static constexpr size_t max_sections = 4096;
    static constexpr uint64_t max_alignment = 4096;

    static ktl::ErrorOr<ObjectFile> parse(ktl::ByteReader file, Diagnostic& diagnostic);

    size_t section_count() const { return m_sections.size(); }
    const SectionHeader& section(size_t index) const { return m_sections[index]; }
    // A section's bytes in the file (empty for SHT_NOBITS and SHT_NULL).
    ktl::ByteReader section_bytes(size_t index) const;
    // The first section with this name, or -1.
    long find_section(ktl::StringView name) const;

    size_t symbol_count() const { return m_symbols.size(); }
    const Symbol& symbol(size_t index) const { return m_symbols[index]; }

    // Relocation `index` of SHT_RELA section `section` (whose entries parse() sized and linked).
    Relocation relocation(size_t section, size_t index) const;
    size_t relocation_count(size_t section) const { return m_sections[section].size / 24; }

private:
    ktl::ByteReader m_file;
    ktl::Vector<SectionHeader> m_sections;
    ktl::Vector<Symbol> m_symbols;
};

// The ELF name of an x86-64 relocation type ("R_X86_64_PC32"), or nullptr for a number without one.
const char* relocation_name(uint32_t type);

} // namespace module
