// The compact pci.ids reader: the file is hostile until load() has checked every field that a lookup
// later trusts (record ranges inside their lists, name offsets inside the names, ids ascending).
#include "toolbox/pci_ids.h"

#include <cstring>

namespace toolbox::pci_ids {

namespace {

uint32_t u32_at(const uint8_t* at) {
    return uint32_t(at[0]) | uint32_t(at[1]) << 8 | uint32_t(at[2]) << 16 | uint32_t(at[3]) << 24;
}
uint16_t u16_at(const uint8_t* at) {
    return static_cast<uint16_t>(at[0] | at[1] << 8);
}

// Which list holds each list's children (list_count: none).
constexpr List child_list[list_count] = {Devices, Subsystems, list_count, Subclasses, ProgIfs, list_count};

} // namespace

size_t Names::record_size(List list) {
    switch (list) {
    case Subsystems:
        return subsystem_size;
    case ProgIfs:
        return prog_if_size;
    default:
        return parent_size;
    }
}

uint32_t Names::key_of(List list, uint32_t index) const {
    const uint8_t* at = record(list, index);
    switch (list) {
    case Subsystems:
        return uint32_t(u16_at(at)) << 16 | u16_at(at + 2);
    case Vendors:
    case Devices:
        return u16_at(at);
    default:
        return at[0];
    }
}

Names::Range Names::children_of(List list, uint32_t index) const {
    const uint8_t* at = record(list, index);
    return {u32_at(at + 8), u16_at(at + 2)};
}

const char* Names::name_of(List list, uint32_t index) const {
    return m_strings + u32_at(record(list, index) + 4);
}

bool Names::load(const uint8_t* data, size_t size) {
    m_data = nullptr;
    if (!data || size < header_size || std::memcmp(data, magic, sizeof magic) != 0)
        return false;
    uint64_t at = header_size;
    for (int list = 0; list < list_count; ++list) {
        m_counts[list] = u32_at(data + 8 + 4 * list);
        m_lists[list] = data + at;
        at += uint64_t(m_counts[list]) * record_size(List(list));
        if (at > size)
            return false;
    }
    m_strings_size = u32_at(data + 32);
    m_strings = reinterpret_cast<const char*>(data + at);
    // The names end the file, and the last one is terminated: every offset inside them has its NUL.
    if (at + m_strings_size != size || m_strings_size == 0 || m_strings[m_strings_size - 1] != '\0')
        return false;
    for (int each = 0; each < list_count; ++each) {
        List list = List(each);
        for (uint32_t index = 0; index < m_counts[list]; ++index) {
            if (u32_at(record(list, index) + 4) >= m_strings_size)
                return false;
            if (child_list[list] != list_count) {
                Range children = children_of(list, index);
                if (uint64_t(children.first) + children.count > m_counts[child_list[list]])
                    return false;
                // Children ascend within their parent, so lookups can bisect.
                for (uint32_t child = 1; child < children.count; ++child)
                    if (key_of(child_list[list], children.first + child - 1) >=
                        key_of(child_list[list], children.first + child))
                        return false;
            }
        }
    }
    // The top lists ascend too.
    const List tops[] = {Vendors, Classes};
    for (List list : tops)
        for (uint32_t index = 1; index < m_counts[list]; ++index)
            if (key_of(list, index - 1) >= key_of(list, index))
                return false;
    m_data = data;
    return true;
}

long Names::find(List list, Range range, uint32_t key) const {
    uint32_t low = range.first, high = range.first + range.count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        uint32_t found = key_of(list, middle);
        if (found == key)
            return middle;
        if (found < key)
            low = middle + 1;
        else
            high = middle;
    }
    return -1;
}

const char* Names::vendor(uint16_t vendor) const {
    if (!m_data)
        return nullptr;
    long index = find(Vendors, {0, m_counts[Vendors]}, vendor);
    return index < 0 ? nullptr : name_of(Vendors, index);
}

const char* Names::device(uint16_t vendor, uint16_t device) const {
    if (!m_data)
        return nullptr;
    long parent = find(Vendors, {0, m_counts[Vendors]}, vendor);
    long index = parent < 0 ? -1 : find(Devices, children_of(Vendors, parent), device);
    return index < 0 ? nullptr : name_of(Devices, index);
}

const char* Names::subsystem(uint16_t vendor, uint16_t device, uint16_t subvendor, uint16_t subdevice) const {
    if (!m_data)
        return nullptr;
    long parent = find(Vendors, {0, m_counts[Vendors]}, vendor);
    long owner = parent < 0 ? -1 : find(Devices, children_of(Vendors, parent), device);
    long index =
        owner < 0 ? -1 : find(Subsystems, children_of(Devices, owner), uint32_t(subvendor) << 16 | subdevice);
    return index < 0 ? nullptr : name_of(Subsystems, index);
}

const char* Names::class_name(uint8_t base_class) const {
    if (!m_data)
        return nullptr;
    long index = find(Classes, {0, m_counts[Classes]}, base_class);
    return index < 0 ? nullptr : name_of(Classes, index);
}

const char* Names::subclass(uint8_t base_class, uint8_t subclass) const {
    if (!m_data)
        return nullptr;
    long parent = find(Classes, {0, m_counts[Classes]}, base_class);
    long index = parent < 0 ? -1 : find(Subclasses, children_of(Classes, parent), subclass);
    return index < 0 ? nullptr : name_of(Subclasses, index);
}

const char* Names::prog_if(uint8_t base_class, uint8_t subclass, uint8_t prog_if) const {
    if (!m_data)
        return nullptr;
    long parent = find(Classes, {0, m_counts[Classes]}, base_class);
    long owner = parent < 0 ? -1 : find(Subclasses, children_of(Classes, parent), subclass);
    long index = owner < 0 ? -1 : find(ProgIfs, children_of(Subclasses, owner), prog_if);
    return index < 0 ? nullptr : name_of(ProgIfs, index);
}

} // namespace toolbox::pci_ids
