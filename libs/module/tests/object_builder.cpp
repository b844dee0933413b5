#include "object_builder.h"

#include <cstring>
#include <map>

namespace module::test {

namespace {

template <typename T>
void put(std::vector<uint8_t>& out, size_t at, T value) {
    if (out.size() < at + sizeof value)
        out.resize(at + sizeof value);
    memcpy(out.data() + at, &value, sizeof value);
}

void align(std::vector<uint8_t>& out, size_t alignment) {
    while (out.size() % alignment)
        out.push_back(0);
}

struct Header {
    uint32_t name, type;
    uint64_t flags, address, offset, size;
    uint32_t link, info;
    uint64_t alignment, entry_size;
};

} // namespace

int ObjectBuilder::add_section(const std::string& name, uint32_t type, uint64_t flags,
                               std::vector<uint8_t> bytes, uint64_t alignment, uint64_t nobits_size) {
    m_sections.push_back({name, type, flags, std::move(bytes), alignment, nobits_size});
    return int(m_sections.size()); // index 0 is the null section
}

uint32_t ObjectBuilder::add_symbol(const std::string& name, uint16_t section, uint64_t value, uint8_t binding,
                                   uint8_t type) {
    m_symbols.push_back({name, section, value, binding, type});
    return uint32_t(m_symbols.size());
}

void ObjectBuilder::add_relocation(int section, uint64_t offset, uint32_t type, uint32_t symbol,
                                   int64_t addend) {
    m_relocations.push_back({section, {offset, type, symbol, addend}});
}

std::vector<uint8_t> ObjectBuilder::build() const {
    std::vector<uint8_t> out(64, 0);
    std::string names(1, '\0');
    auto add_name = [&](const std::string& name) {
        uint32_t offset = uint32_t(names.size());
        names += name;
        names.push_back('\0');
        return offset;
    };
    std::vector<Header> headers(1, Header{});
    for (const Section& section : m_sections) {
        align(out, section.alignment);
        Header header{add_name(section.name),
                      section.type,
                      section.flags,
                      0,
                      out.size(),
                      section.type == 8 ? section.nobits_size : section.bytes.size(),
                      0,
                      0,
                      section.alignment,
                      0};
        if (section.type != 8)
            out.insert(out.end(), section.bytes.begin(), section.bytes.end());
        headers.push_back(header);
    }
    size_t symtab_index = headers.size() + 0;
    // Relocation sections, one per target.
    std::map<int, std::vector<RelocationEntry>> by_target;
    for (const auto& [target, entry] : m_relocations)
        by_target[target].push_back(entry);
    size_t relocation_sections = by_target.size();
    symtab_index += relocation_sections;
    for (const auto& [target, entries] : by_target) {
        align(out, 8);
        Header header{add_name(".rela" + (target - 1 < int(m_sections.size()) && target >= 1
                                              ? m_sections[target - 1].name
                                              : std::string(".bad"))),
                      4,
                      0,
                      0,
                      out.size(),
                      entries.size() * 24,
                      uint32_t(symtab_index),
                      uint32_t(target),
                      8,
                      24};
        for (const RelocationEntry& entry : entries) {
            size_t at = out.size();
            put(out, at, entry.offset);
            put(out, at + 8, (uint64_t(entry.symbol) << 32) | entry.type);
            put(out, at + 16, entry.addend);
        }
        headers.push_back(header);
    }
    // Symbol table and its strings.
    std::string strings(1, '\0');
    align(out, 8);
    size_t symtab_offset = out.size();
    out.resize(out.size() + 24); // the null symbol
    for (const SymbolEntry& symbol : m_symbols) {
        size_t at = out.size();
        put(out, at, uint32_t(strings.size()));
        strings += symbol.name;
        strings.push_back('\0');
        put(out, at + 4, uint8_t(symbol.binding << 4 | symbol.type));
        put(out, at + 5, uint8_t(0));
        put(out, at + 6, symbol.section);
        put(out, at + 8, symbol.value);
        put(out, at + 16, uint64_t(0));
    }
    headers.push_back(Header{add_name(".symtab"), 2, 0, 0, symtab_offset, out.size() - symtab_offset,
                             uint32_t(symtab_index + 1), 1, 8, 24});
    headers.push_back(Header{add_name(".strtab"), 3, 0, 0, out.size(), strings.size(), 0, 0, 1, 0});
    out.insert(out.end(), strings.begin(), strings.end());
    size_t shstrtab_index = headers.size();
    uint32_t shstrtab_name = add_name(".shstrtab");
    headers.push_back(Header{shstrtab_name, 3, 0, 0, out.size(), names.size(), 0, 0, 1, 0});
    out.insert(out.end(), names.begin(), names.end());

    align(out, 8);
    size_t table = out.size();
    for (const Header& header : headers) {
        size_t at = out.size();
        put(out, at, header.name);
        put(out, at + 4, header.type);
        put(out, at + 8, header.flags);
        put(out, at + 16, header.address);
        put(out, at + 24, header.offset);
        put(out, at + 32, header.size);
        put(out, at + 40, header.link);
        put(out, at + 44, header.info);
        put(out, at + 48, header.alignment);
        put(out, at + 56, header.entry_size);
    }
    const uint8_t identification[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    memcpy(out.data(), identification, 16);
    put(out, 16, uint16_t(1));  // ET_REL
    put(out, 18, uint16_t(62)); // x86-64
    put(out, 20, uint32_t(1));
    put(out, 40, uint64_t(table));
    put(out, 52, uint16_t(64));
    put(out, 58, uint16_t(64));
    put(out, 60, uint16_t(headers.size()));
    put(out, 62, uint16_t(shstrtab_index));
    return out;
}

size_t ObjectBuilder::section_header_offset(const std::vector<uint8_t>& file, int index) const {
    uint64_t table;
    memcpy(&table, file.data() + 40, 8);
    return size_t(table) + size_t(index) * 64;
}

} // namespace module::test
