#include "compact.h"

#include "toolbox/pci_ids.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace pciids {

namespace {

// Parses exactly `digits` hex digits at the start of `text`, leaving the rest.
bool take_hex(std::string_view& text, size_t digits, uint32_t& value) {
    if (text.size() < digits)
        return false;
    value = 0;
    for (size_t i = 0; i < digits; ++i) {
        char c = text[i];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0)
            return false;
        value = value << 4 | uint32_t(digit);
    }
    text.remove_prefix(digits);
    return true;
}

// The name after the id: at least one blank, then the text; false when there is none.
bool take_name(std::string_view text, std::string& name) {
    if (text.empty() || (text[0] != ' ' && text[0] != '\t'))
        return false;
    size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos)
        return false;
    size_t end = text.find_last_not_of(" \t");
    text = text.substr(start, std::min(end + 1 - start, max_name_length));
    name.clear();
    for (char c : text)
        name.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    return true;
}

template <typename T>
bool seen(const std::vector<T>& list, uint32_t id) {
    return std::any_of(list.begin(), list.end(), [&](const T& each) { return each.id == id; });
}

} // namespace

ParseReport parse(std::string_view text, Database& out) {
    ParseReport report;
    enum class Section { None, Vendor, Class } section = Section::None;
    Tree* top = nullptr; // the current vendor or class, if it was kept
    Node* middle = nullptr;
    // Lookups of "seen before" are linear per parent, but top-level ids go through a set of 65536.
    std::vector<bool> vendor_seen(65536), class_seen(256);
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty() || line[0] == '#' || line.find_first_not_of(" \t") == std::string_view::npos)
            continue;
        size_t depth = 0;
        while (depth < line.size() && depth < 3 && line[depth] == '\t')
            ++depth;
        std::string_view rest = line.substr(depth);
        uint32_t id = 0, low = 0;
        std::string name;
        if (depth == 0) {
            bool is_class = rest.size() >= 2 && rest[0] == 'C' && rest[1] == ' ';
            if (is_class)
                rest.remove_prefix(2);
            section = Section::None;
            top = nullptr;
            middle = nullptr;
            if (!take_hex(rest, is_class ? 2 : 4, id) || !take_name(rest, name)) {
                ++report.malformed_lines;
                continue;
            }
            std::vector<bool>& kept = is_class ? class_seen : vendor_seen;
            section = is_class ? Section::Class : Section::Vendor;
            if (kept[id]) {
                ++report.duplicates;
                continue;
            }
            kept[id] = true;
            std::vector<Tree>& list = is_class ? out.classes : out.vendors;
            list.push_back({id, std::move(name), {}});
            top = &list.back();
        } else if (depth == 1) {
            middle = nullptr;
            if (!take_hex(rest, section == Section::Class ? 2 : 4, id) || !take_name(rest, name)) {
                ++report.malformed_lines;
                continue;
            }
            if (!top) {
                ++report.orphans;
                continue;
            }
            if (seen(top->children, id)) {
                ++report.duplicates;
                continue;
            }
            top->children.push_back({id, std::move(name), {}});
            middle = &top->children.back();
        } else if (depth == 2) {
            bool parsed = section == Section::Class
                              ? take_hex(rest, 2, id)
                              : take_hex(rest, 4, id) && !rest.empty() && rest[0] == ' ' &&
                                    (rest.remove_prefix(1), take_hex(rest, 4, low));
            if (!parsed || !take_name(rest, name)) {
                ++report.malformed_lines;
                continue;
            }
            if (section == Section::Vendor)
                id = id << 16 | low;
            if (!middle) {
                ++report.orphans;
                continue;
            }
            if (seen(middle->children, id)) {
                ++report.duplicates;
                continue;
            }
            middle->children.push_back({id, std::move(name)});
        } else {
            ++report.malformed_lines;
        }
    }
    return report;
}

namespace {

class Writer {
public:
    void u8(uint8_t value) { m_bytes.push_back(value); }
    void u16(uint16_t value) {
        u8(value & 0xff);
        u8(value >> 8);
    }
    void u32(uint32_t value) {
        u16(value & 0xffff);
        u16(value >> 16);
    }
    void parent(uint32_t id, size_t children, const std::string& name, size_t first) {
        u16(static_cast<uint16_t>(id)); // a class id is the low byte, the high one 0
        u16(static_cast<uint16_t>(children));
        u32(name_offset(name));
        u32(static_cast<uint32_t>(first));
    }
    uint32_t name_offset(const std::string& name) {
        auto [where, added] = m_offsets.try_emplace(name, static_cast<uint32_t>(m_strings.size()));
        if (added)
            m_strings.insert(m_strings.end(), name.c_str(), name.c_str() + name.size() + 1);
        return where->second;
    }
    std::vector<uint8_t> m_bytes;
    std::vector<char> m_strings;
    std::unordered_map<std::string, uint32_t> m_offsets;
};

template <typename T>
void sort_by_id(std::vector<T>& list) {
    std::sort(list.begin(), list.end(), [](const T& a, const T& b) { return a.id < b.id; });
}

} // namespace

std::vector<uint8_t> write_compact(Database database) {
    size_t counts[toolbox::pci_ids::list_count] = {};
    for (int side = 0; side < 2; ++side) {
        std::vector<Tree>& tops = side == 0 ? database.vendors : database.classes;
        sort_by_id(tops);
        counts[side == 0 ? toolbox::pci_ids::Vendors : toolbox::pci_ids::Classes] += tops.size();
        for (Tree& top : tops) {
            if (top.children.size() > toolbox::pci_ids::max_children)
                return {};
            sort_by_id(top.children);
            counts[side == 0 ? toolbox::pci_ids::Devices : toolbox::pci_ids::Subclasses] +=
                top.children.size();
            for (Node& node : top.children) {
                if (node.children.size() > toolbox::pci_ids::max_children)
                    return {};
                sort_by_id(node.children);
                counts[side == 0 ? toolbox::pci_ids::Subsystems : toolbox::pci_ids::ProgIfs] +=
                    node.children.size();
            }
        }
    }
    Writer writer;
    writer.name_offset(""); // offset 0: never used by a record, keeps the names non-empty
    std::vector<uint8_t> lists[toolbox::pci_ids::list_count];
    for (int side = 0; side < 2; ++side) {
        const std::vector<Tree>& tops = side == 0 ? database.vendors : database.classes;
        int top_list = side == 0 ? toolbox::pci_ids::Vendors : toolbox::pci_ids::Classes;
        size_t next_middle = 0, next_leaf = 0;
        for (const Tree& top : tops) {
            writer.m_bytes.clear();
            writer.parent(top.id, top.children.size(), top.name, next_middle);
            lists[top_list].insert(lists[top_list].end(), writer.m_bytes.begin(), writer.m_bytes.end());
            next_middle += top.children.size();
            for (const Node& node : top.children) {
                writer.m_bytes.clear();
                writer.parent(node.id, node.children.size(), node.name, next_leaf);
                lists[top_list + 1].insert(lists[top_list + 1].end(), writer.m_bytes.begin(),
                                           writer.m_bytes.end());
                next_leaf += node.children.size();
                for (const Leaf& leaf : node.children) {
                    writer.m_bytes.clear();
                    if (side == 0) {
                        writer.u16(static_cast<uint16_t>(leaf.id >> 16));
                        writer.u16(static_cast<uint16_t>(leaf.id));
                    } else {
                        writer.u32(leaf.id);
                    }
                    writer.u32(writer.name_offset(leaf.name));
                    lists[top_list + 2].insert(lists[top_list + 2].end(), writer.m_bytes.begin(),
                                               writer.m_bytes.end());
                }
            }
        }
    }
    writer.m_bytes.clear();
    for (char c : toolbox::pci_ids::magic)
        writer.u8(static_cast<uint8_t>(c));
    for (size_t count : counts)
        writer.u32(static_cast<uint32_t>(count));
    writer.u32(static_cast<uint32_t>(writer.m_strings.size()));
    writer.u32(0);
    for (const std::vector<uint8_t>& list : lists)
        writer.m_bytes.insert(writer.m_bytes.end(), list.begin(), list.end());
    writer.m_bytes.insert(writer.m_bytes.end(), writer.m_strings.begin(), writer.m_strings.end());
    return writer.m_bytes;
}

} // namespace pciids
