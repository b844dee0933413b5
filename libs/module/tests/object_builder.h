// Builds ELF64 x86-64 relocatable objects in memory for the loader's tests: sections, symbols and
// RELA entries as given, so each test states exactly the file it feeds the parser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace module::test {

inline constexpr uint64_t text_flags = 0x6, rodata_flags = 0x2, data_flags = 0x3;

class ObjectBuilder {
public:
    // Returns the section index.
    int add_section(const std::string& name, uint32_t type, uint64_t flags, std::vector<uint8_t> bytes,
                    uint64_t alignment = 16, uint64_t nobits_size = 0);
    // Returns the symbol index (1-based; 0 is the null symbol).
    uint32_t add_symbol(const std::string& name, uint16_t section, uint64_t value, uint8_t binding = 1,
                        uint8_t type = 0);
    void add_relocation(int section, uint64_t offset, uint32_t type, uint32_t symbol, int64_t addend = 0);

    std::vector<uint8_t> build() const;
    // Where build() puts section `index`'s header in the file (to corrupt one field).
    size_t section_header_offset(const std::vector<uint8_t>& file, int index) const;

private:
    struct Section {
        std::string name;
        uint32_t type;
        uint64_t flags;
        std::vector<uint8_t> bytes;
        uint64_t alignment;
        uint64_t nobits_size;
    };
    struct SymbolEntry {
        std::string name;
        uint16_t section;
        uint64_t value;
        uint8_t binding, type;
    };
    struct RelocationEntry {
        uint64_t offset;
        uint32_t type, symbol;
        int64_t addend;
    };
    std::vector<Section> m_sections;
    std::vector<SymbolEntry> m_symbols;
    std::vector<std::pair<int, RelocationEntry>> m_relocations;
};

} // namespace module::test
