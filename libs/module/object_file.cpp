#include "module/object_file.h"

namespace module {

using namespace elf_constants;
using ktl::Errno;

namespace {

constexpr size_t header_size = 64;
constexpr size_t section_header_size = 64;
constexpr size_t symbol_size = 24;
constexpr size_t rela_size = 24;

// A NUL-terminated name at `offset` in string table `table`; the caller says what it names.
ktl::ErrorOr<ktl::StringView> read_string(ktl::ByteReader table, uint64_t offset) {
    if (offset >= table.size())
        return Errno::InvalidArgument;
    const char* start = reinterpret_cast<const char*>(table.data()) + offset;
    for (uint64_t length = 0; offset + length < table.size(); ++length)
        if (start[length] == '\0')
            return ktl::StringView(start, length);
    return Errno::InvalidArgument; // runs off the end of the table
}

bool is_power_of_two(uint64_t value) {
    return value != 0 && (value & (value - 1)) == 0;
}

struct FileRange {
    uint64_t start, end;
    long section; // -1: the ELF header, -2: the section header table
};

void describe_range(char* buffer, size_t capacity, long section) {
    if (section == -1)
        ktl::format_into(buffer, capacity, "the ELF header");
    else if (section == -2)
        ktl::format_into(buffer, capacity, "the section header table");
    else
        ktl::format_into(buffer, capacity, "section {}", section);
}

} // namespace

ktl::ErrorOr<ObjectFile> ObjectFile::parse(ktl::ByteReader file, Diagnostic& diagnostic) {
    if (file.size() < header_size)
        return diagnostic.fail(Errno::ExecFormat, "truncated: {} bytes, an ELF header needs 64", file.size());
    const uint8_t* identification = file.data();
    if (identification[0] != 0x7f || identification[1] != 'E' || identification[2] != 'L' ||
        identification[3] != 'F')
        return diagnostic.fail(Errno::ExecFormat, "not an ELF file (bad magic)");
    if (identification[4] != 2)
        return diagnostic.fail(Errno::ExecFormat, "wrong ELF class {}: need ELFCLASS64 (2)",
                               identification[4]);
    if (identification[5] != 1)
        return diagnostic.fail(Errno::ExecFormat, "wrong byte order {}: need little-endian (1)",
                               identification[5]);
    if (identification[6] != 1)
        return diagnostic.fail(Errno::ExecFormat, "wrong ELF version {}", identification[6]);

    uint16_t type = MUST(file.read<uint16_t>(16));
    uint16_t machine = MUST(file.read<uint16_t>(18));
    uint64_t section_table = MUST(file.read<uint64_t>(40));
    uint16_t header_bytes = MUST(file.read<uint16_t>(52));
    uint16_t section_entry = MUST(file.read<uint16_t>(58));
    uint16_t count = MUST(file.read<uint16_t>(60));
    uint16_t names_index = MUST(file.read<uint16_t>(62));
    if (type != et_rel)
        return diagnostic.fail(Errno::ExecFormat, "not a relocatable object: ELF type {}, need ET_REL (1)",
                               type);
    if (machine != em_x86_64)
        return diagnostic.fail(Errno::ExecFormat, "wrong machine {}: need x86-64 (62)", machine);
    if (header_bytes != header_size || section_entry != section_header_size)
        return diagnostic.fail(Errno::ExecFormat, "bad header sizes: e_ehsize {}, e_shentsize {}",
                               header_bytes, section_entry);
    if (count == 0)
        return diagnostic.fail(Errno::ExecFormat, "no section headers (extended numbering is not supported)");
    if (count > max_sections)
        return diagnostic.fail(Errno::ExecFormat, "{} sections: at most {}", count, max_sections);
    if (!file.contains(section_table, uint64_t(count) * section_header_size))
        return diagnostic.fail(Errno::ExecFormat,
                               "truncated: the section header table ({} entries at {}) "
                               "ends past the file's {} bytes",
                               count, section_table, file.size());
    if (names_index == shn_undef || names_index >= count)
        return diagnostic.fail(Errno::ExecFormat, "bad section name table index {}", names_index);

    ObjectFile object;
    object.m_file = file;
    if (object.m_sections.try_resize(count).is_error())
        return diagnostic.fail(Errno::NoMemory, "out of memory for {} section headers", count);

    // The headers, each range inside the file.
    for (size_t index = 0; index < count; ++index) {
        ktl::ByteReader entry =
            MUST(file.slice(section_table + index * section_header_size, section_header_size));
        SectionHeader& section = object.m_sections[index];
        section.name_offset = MUST(entry.read<uint32_t>(0));
        section.type = MUST(entry.read<uint32_t>(4));
        section.flags = MUST(entry.read<uint64_t>(8));
        section.offset = MUST(entry.read<uint64_t>(24));
        section.size = MUST(entry.read<uint64_t>(32));
        section.link = MUST(entry.read<uint32_t>(40));
        section.info = MUST(entry.read<uint32_t>(44));
        uint64_t alignment = MUST(entry.read<uint64_t>(48));
        section.entry_size = MUST(entry.read<uint64_t>(56));
        if (index == 0)
            continue; // the null section: its fields mean nothing here
        if (alignment == 0)
            alignment = 1;
        if (!is_power_of_two(alignment))
            return diagnostic.fail(Errno::ExecFormat, "section {}: alignment {} is not a power of two", index,
                                   alignment);
        if (alignment > max_alignment)
            return diagnostic.fail(Errno::ExecFormat, "section {}: alignment {} is above the page size",
                                   index, alignment);
        section.alignment = alignment;
        if (section.has_file_bytes() && !file.contains(section.offset, section.size))
            return diagnostic.fail(Errno::ExecFormat,
                                   "truncated: section {} ({} bytes at {}) ends past the file's {} bytes",
                                   index, section.size, section.offset, file.size());
        if (section.type == sht_nobits && section.size > (1ull << 32))
            return diagnostic.fail(Errno::ExecFormat, "section {}: {} bytes of zeros is too large", index,
                                   section.size);
        if ((section.flags & shf_tls) && section.is_allocated())
            return diagnostic.fail(Errno::ExecFormat, "section {}: thread-local storage is not supported",
                                   index);
    }

    // No two sections' bytes overlap each other, the ELF header or the header table: a file made to
    // alias one table with another is refused before anything reads it twice.
    {
        ktl::Vector<FileRange> ranges;
        if (ranges.try_reserve(count + 2).is_error())
            return diagnostic.fail(Errno::NoMemory, "out of memory checking section overlaps");
        MUST(ranges.try_append(FileRange{0, header_size, -1}));
        MUST(ranges.try_append(
            FileRange{section_table, section_table + uint64_t(count) * section_header_size, -2}));
        for (size_t index = 1; index < count; ++index) {
            const SectionHeader& section = object.m_sections[index];
            if (section.has_file_bytes() && section.size > 0)
                MUST(
                    ranges.try_append(FileRange{section.offset, section.offset + section.size, long(index)}));
        }
        // Insertion sort by start: a few dozen sections in practice, max_sections at worst.
        for (size_t i = 1; i < ranges.size(); ++i) {
            FileRange moving = ranges[i];
            size_t j = i;
            for (; j > 0 && ranges[j - 1].start > moving.start; --j)
                ranges[j] = ranges[j - 1];
            ranges[j] = moving;
        }
        for (size_t i = 1; i < ranges.size(); ++i) {
            if (ranges[i].start < ranges[i - 1].end) {
                char first[32], second[32];
                describe_range(first, sizeof first, ranges[i - 1].section);
                describe_range(second, sizeof second, ranges[i].section);
                return diagnostic.fail(Errno::ExecFormat, "overlapping sections: {} overlaps {}",
                                       ktl::StringView(second), ktl::StringView(first));
            }
        }
    }

    // Names.
    const SectionHeader& names = object.m_sections[names_index];
    if (names.type != sht_strtab)
        return diagnostic.fail(Errno::ExecFormat, "section name table {} is not a string table", names_index);
    ktl::ByteReader name_bytes = object.section_bytes(names_index);
    for (size_t index = 1; index < count; ++index) {
        auto name = read_string(name_bytes, object.m_sections[index].name_offset);
        if (name.is_error())
            return diagnostic.fail(Errno::ExecFormat, "section {}: name offset {} is outside the name table",
                                   index, object.m_sections[index].name_offset);
        object.m_sections[index].name = name.value();
    }

    // The one symbol table.
    long symbol_table = -1;
    for (size_t index = 1; index < count; ++index) {
        const SectionHeader& section = object.m_sections[index];
        if (section.type == sht_rel)
            return diagnostic.fail(Errno::ExecFormat,
                                   "section {} ({}): SHT_REL relocations are not used on x86-64", index,
                                   section.name);
        if (section.type == sht_symtab_shndx)
            return diagnostic.fail(Errno::ExecFormat,
                                   "extended section indices (SHT_SYMTAB_SHNDX) are not supported");
        if (section.type != sht_symtab)
            continue;
        if (symbol_table != -1)
            return diagnostic.fail(Errno::ExecFormat, "more than one symbol table (sections {} and {})",
                                   symbol_table, index);
        symbol_table = long(index);
    }
    if (symbol_table == -1)
        return diagnostic.fail(Errno::ExecFormat, "no symbol table");
    const SectionHeader& symbols = object.m_sections[symbol_table];
    if (symbols.entry_size != symbol_size || symbols.size % symbol_size != 0 || symbols.size == 0)
        return diagnostic.fail(Errno::ExecFormat, "symbol table: bad entry size {} or size {}",
                               symbols.entry_size, symbols.size);
    if (symbols.link == 0 || symbols.link >= count || object.m_sections[symbols.link].type != sht_strtab)
        return diagnostic.fail(Errno::ExecFormat,
                               "symbol table: its string table index {} is not a string table", symbols.link);
    ktl::ByteReader symbol_bytes = object.section_bytes(symbol_table);
    ktl::ByteReader symbol_names = object.section_bytes(symbols.link);
    size_t symbol_count = symbols.size / symbol_size;
    if (object.m_symbols.try_resize(symbol_count).is_error())
        return diagnostic.fail(Errno::NoMemory, "out of memory for {} symbols", symbol_count);
    for (size_t index = 1; index < symbol_count; ++index) {
        ktl::ByteReader entry = MUST(symbol_bytes.slice(index * symbol_size, symbol_size));
        uint32_t name_offset = MUST(entry.read<uint32_t>(0));
        uint8_t info = MUST(entry.read<uint8_t>(4));
        Symbol& symbol = object.m_symbols[index];
        symbol.binding = info >> 4;
        symbol.type = info & 0xf;
        symbol.section = MUST(entry.read<uint16_t>(6));
        symbol.value = MUST(entry.read<uint64_t>(8));
        symbol.size = MUST(entry.read<uint64_t>(16));
        auto name = read_string(symbol_names, name_offset);
        if (name.is_error())
            return diagnostic.fail(Errno::ExecFormat, "symbol {}: name offset {} is outside the string table",
                                   index, name_offset);
        symbol.name = name.value();
        if (symbol.type == stt_section && symbol.section < count)
            symbol.name = object.m_sections[symbol.section].name;
        if (symbol.section == shn_common || symbol.type == stt_common)
            return diagnostic.fail(Errno::ExecFormat, "common symbol {}: build with -fno-common",
                                   symbol.name);
        if (symbol.type == stt_tls)
            return diagnostic.fail(Errno::ExecFormat, "thread-local symbol {} is not supported", symbol.name);
        if (symbol.type == stt_gnu_ifunc)
            return diagnostic.fail(Errno::ExecFormat, "indirect function {} is not supported", symbol.name);
        if (symbol.binding != stb_local && symbol.binding != stb_global && symbol.binding != stb_weak)
            return diagnostic.fail(Errno::ExecFormat, "symbol {}: unknown binding {}", symbol.name,
                                   symbol.binding);
        if (symbol.section == shn_undef || symbol.section == shn_abs)
            continue;
        if (symbol.section >= count)
            return diagnostic.fail(Errno::ExecFormat, "symbol {} ({}): bad section index {:#x}", index,
                                   symbol.name, symbol.section);
        const SectionHeader& home = object.m_sections[symbol.section];
        if (symbol.value > home.size)
            return diagnostic.fail(Errno::ExecFormat,
                                   "symbol {}: value {:#x} is past the end of section {} ({} bytes)",
                                   symbol.name, symbol.value, symbol.section, home.size);
    }

    // Relocation sections: entry size, their symbol table, the section they patch.
    for (size_t index = 1; index < count; ++index) {
        const SectionHeader& section = object.m_sections[index];
        if (section.type != sht_rela)
            continue;
        if (section.entry_size != rela_size || section.size % rela_size != 0)
            return diagnostic.fail(Errno::ExecFormat,
                                   "section {} ({}): bad relocation entry size {} or size {}", index,
                                   section.name, section.entry_size, section.size);
        if (section.link != uint32_t(symbol_table))
            return diagnostic.fail(Errno::ExecFormat,
                                   "section {} ({}): linked to section {}, not the symbol table", index,
                                   section.name, section.link);
        if (section.info == 0 || section.info >= count)
            return diagnostic.fail(Errno::ExecFormat, "section {} ({}): bad target section index {}", index,
                                   section.name, section.info);
        uint32_t target_type = object.m_sections[section.info].type;
        if (target_type == sht_rela || target_type == sht_symtab || target_type == sht_strtab ||
            target_type == sht_null)
            return diagnostic.fail(Errno::ExecFormat,
                                   "section {} ({}): relocates section {}, which is not code or data", index,
                                   section.name, section.info);
    }
    return object;
}

ktl::ByteReader ObjectFile::section_bytes(size_t index) const {
    const SectionHeader& section = m_sections[index];
    if (!section.has_file_bytes())
        return {};
    return MUST(m_file.slice(section.offset, section.size));
}

long ObjectFile::find_section(ktl::StringView name) const {
    for (size_t index = 1; index < m_sections.size(); ++index)
        if (m_sections[index].name == name)
            return long(index);
    return -1;
}

Relocation ObjectFile::relocation(size_t section, size_t index) const {
    ktl::ByteReader entry = MUST(section_bytes(section).slice(index * rela_size, rela_size));
    uint64_t info = MUST(entry.read<uint64_t>(8));
    return {MUST(entry.read<uint64_t>(0)), uint32_t(info & 0xffffffff), uint32_t(info >> 32),
            MUST(entry.read<int64_t>(16))};
}

const char* relocation_name(uint32_t type) {
    static const char* const names[] = {
        "R_X86_64_NONE",
        "R_X86_64_64",
        "R_X86_64_PC32",
        "R_X86_64_GOT32",
        "R_X86_64_PLT32",
        "R_X86_64_COPY",
        "R_X86_64_GLOB_DAT",
        "R_X86_64_JUMP_SLOT",
        "R_X86_64_RELATIVE",
        "R_X86_64_GOTPCREL",
        "R_X86_64_32",
        "R_X86_64_32S",
        "R_X86_64_16",
        "R_X86_64_PC16",
        "R_X86_64_8",
        "R_X86_64_PC8",
        "R_X86_64_DTPMOD64",
        "R_X86_64_DTPOFF64",
        "R_X86_64_TPOFF64",
        "R_X86_64_TLSGD",
        "R_X86_64_TLSLD",
        "R_X86_64_DTPOFF32",
        "R_X86_64_GOTTPOFF",
        "R_X86_64_TPOFF32",
        "R_X86_64_PC64",
        "R_X86_64_GOTOFF64",
        "R_X86_64_GOTPC32",
        "R_X86_64_GOT64",
        "R_X86_64_GOTPCREL64",
        "R_X86_64_GOTPC64",
        "R_X86_64_GOTPLT64",
        "R_X86_64_PLTOFF64",
        "R_X86_64_SIZE32",
        "R_X86_64_SIZE64",
        "R_X86_64_GOTPC32_TLSDESC",
        "R_X86_64_TLSDESC_CALL",
        "R_X86_64_TLSDESC",
        "R_X86_64_IRELATIVE",
        "R_X86_64_RELATIVE64",
        nullptr,
        nullptr,
        "R_X86_64_GOTPCRELX",
        "R_X86_64_REX_GOTPCRELX",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : nullptr;
}

} // namespace module
