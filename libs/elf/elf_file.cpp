// Layouts per the System V ABI gABI (ELF64): file header 64 bytes, section header 64, symbol 24.
#include "elf/elf_file.h"

namespace elf {

namespace {

constexpr size_t file_header_size = 64, section_header_size = 64, symbol_size = 24;
constexpr uint32_t section_type_null = 0;

ktl::ErrorOr<ktl::StringView> string_at(ktl::ByteReader table, uint64_t offset) {
    if (offset >= table.size())
        return ktl::Errno::InvalidArgument;
    const char* start = reinterpret_cast<const char*>(table.data() + offset);
    size_t length = 0;
    while (offset + length < table.size() && start[length] != '\0')
        ++length;
    if (offset + length == table.size())
        return ktl::Errno::InvalidArgument; // not terminated inside the table
    return ktl::StringView(start, length);
}

} // namespace

ktl::ErrorOr<ElfFile> ElfFile::parse(ktl::ByteReader file) {
    if (file.size() < file_header_size)
        return ktl::Errno::ExecFormat;
    if (TRY(file.read<uint32_t>(0)) != 0x464c457f) // "\x7fELF"
        return ktl::Errno::ExecFormat;
    if (TRY(file.read<uint8_t>(4)) != 2 || TRY(file.read<uint8_t>(5)) != 1) // 64-bit, little-endian
        return ktl::Errno::ExecFormat;
    ElfFile elf;
    elf.m_file = file;
    elf.m_type = TRY(file.read<uint16_t>(16));
    elf.m_machine = TRY(file.read<uint16_t>(18));
    elf.m_entry = TRY(file.read<uint64_t>(24));
    elf.m_section_headers_offset = TRY(file.read<uint64_t>(40));
    uint16_t entry_size = TRY(file.read<uint16_t>(58));
    elf.m_section_count = TRY(file.read<uint16_t>(60));
    elf.m_section_names_index = TRY(file.read<uint16_t>(62));
    if (elf.m_section_count == 0)
        return elf;
    if (entry_size != section_header_size || elf.m_section_names_index >= elf.m_section_count)
        return ktl::Errno::InvalidArgument;
    if (!file.contains(elf.m_section_headers_offset, elf.m_section_count * section_header_size))
        return ktl::Errno::InvalidArgument;
    return elf;
}

ktl::ErrorOr<Section> ElfFile::section(size_t index) const {
    if (index >= m_section_count)
        return ktl::Errno::InvalidArgument;
    ktl::ByteReader header =
        TRY(m_file.slice(m_section_headers_offset + index * section_header_size, section_header_size));
    Section section;
    section.type = TRY(header.read<uint32_t>(4));
    section.flags = TRY(header.read<uint64_t>(8));
    section.address = TRY(header.read<uint64_t>(16));
    uint64_t offset = TRY(header.read<uint64_t>(24));
    uint64_t size = TRY(header.read<uint64_t>(32));
    if (section.type != section_type_nobits && section.type != section_type_null)
        section.bytes = TRY(m_file.slice(offset, size));

    uint32_t name_offset = TRY(header.read<uint32_t>(0));
    if (index == m_section_names_index) {
        section.name = TRY(string_at(section.bytes, name_offset));
    } else {
        Section names = TRY(this->section(m_section_names_index));
        section.name = TRY(string_at(names.bytes, name_offset));
    }
    return section;
}

ktl::ErrorOr<Section> ElfFile::section_by_name(ktl::StringView name) const {
    for (size_t index = 1; index < m_section_count; ++index) {
        auto candidate = section(index);
        if (!candidate.is_error() && candidate.value().name == name)
            return candidate.release_value();
    }
    return ktl::Errno::NoEntry;
}

ktl::ErrorOr<Symbol> ElfFile::function_containing(uint64_t address) const {
    Section symbols = TRY(section_by_name(".symtab"));
    Section strings = TRY(section_by_name(".strtab"));
    bool found = false;
    Symbol best;
    for (size_t offset = 0; offset + symbol_size <= symbols.bytes.size(); offset += symbol_size) {
        uint8_t info = TRY(symbols.bytes.read<uint8_t>(offset + 4));
        uint16_t section_index = TRY(symbols.bytes.read<uint16_t>(offset + 6));
        if ((info & 0xf) != symbol_type_function || section_index == 0) // 0: undefined, an import
            continue;
        uint64_t value = TRY(symbols.bytes.read<uint64_t>(offset + 8));
        uint64_t size = TRY(symbols.bytes.read<uint64_t>(offset + 16));
        bool inside = size > 0 ? (address >= value && address - value < size) : (address >= value);
        if (!inside || (found && value < best.value) || (found && size == 0 && best.size > 0))
            continue;
        auto name = string_at(strings.bytes, TRY(symbols.bytes.read<uint32_t>(offset)));
        if (name.is_error())
            continue;
        best = Symbol{name.value(), value, size, static_cast<uint8_t>(info & 0xf)};
        found = true;
    }
    if (!found)
        return ktl::Errno::NoEntry;
    return best;
}

} // namespace elf
