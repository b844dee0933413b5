// Links a parsed object at kernel-like addresses (module space just below the top of memory, exports
// in the kernel image) into host buffers, for the loader tests.
#pragma once

#include "module/linker.h"

#include <map>
#include <string>
#include <vector>

namespace module::test {

inline constexpr uint64_t text_address = 0xffffffffc0000000;
inline constexpr uint64_t read_only_address = 0xffffffffc0100000;
inline constexpr uint64_t data_address = 0xffffffffc0200000;
inline constexpr uint64_t kernel_function = 0xffffffff80123450;
inline constexpr uint64_t far_away = 0xffffc00000001000; // the kernel heap: out of PC32 reach

class MapResolver final : public SymbolResolver {
public:
    std::map<std::string, uint64_t> symbols{{"kernel_function", kernel_function}, {"far_object", far_away}};
    bool resolve(ktl::StringView name, uint64_t& address) override {
        auto found = symbols.find(std::string(name.data(), name.length()));
        if (found == symbols.end())
            return false;
        address = found->second;
        return true;
    }
};

struct Linked {
    std::vector<uint8_t> memory[area_count];
    Layout layout;
    Areas areas;
    const uint8_t* at(Area area, uint64_t offset) const { return memory[size_t(area)].data() + offset; }
};

// Parses, plans and links; on failure returns the error and leaves the message in `diagnostic`.
inline ktl::ErrorOr<void> link_bytes(const std::vector<uint8_t>& file, Linked& linked,
                                     Diagnostic& diagnostic) {
    MapResolver resolver;
    ObjectFile object = TRY(ObjectFile::parse(ktl::ByteReader(file.data(), file.size()), diagnostic));
    linked.layout = TRY(Layout::plan(object, diagnostic));
    const uint64_t addresses[area_count] = {text_address, read_only_address, data_address};
    for (size_t area = 0; area < area_count; ++area) {
        linked.memory[area].assign(linked.layout.area_size[area] + 1, 0xcc);
        linked.areas[area] = {linked.memory[area].data(), addresses[area]};
    }
    return link(object, linked.layout, linked.areas, resolver, diagnostic);
}

inline std::string message(const Diagnostic& diagnostic) {
    return std::string(diagnostic.text().data(), diagnostic.text().length());
}

} // namespace module::test
