// Names for PCI ids, from a compact form of Debian's pci.ids that tools/pciids writes at build time
// (/usr/share/misc/pci.ids.compact in the initrd). The file is read whole and checked once (every
// count, range, offset and ordering); lookups are binary searches that hand out pointers into it.
//
// Layout (little-endian): a 40-byte header, then the vendors, devices, subsystems, classes,
// subclasses and programming interfaces as fixed-size records, each list sorted by id, and last the
// names, NUL-terminated. A vendor (device, class, subclass) names its children by first index and
// count. docs/pci.md says why this form.
#pragma once

#include <cstddef>
#include <cstdint>

namespace toolbox::pci_ids {

inline constexpr char magic[8] = {'P', 'C', 'I', 'I', 'D', 'S', '1', '\0'};
inline constexpr size_t header_size = 40; // magic, six counts, strings size, reserved
inline constexpr size_t parent_size =
    12; // vendor, device, class, subclass: id, child count, name, first child
inline constexpr size_t subsystem_size = 8; // subvendor, subdevice, name
inline constexpr size_t prog_if_size = 8;   // id, 3 reserved, name
inline constexpr size_t max_children = 0xffff;

enum List { Vendors, Devices, Subsystems, Classes, Subclasses, ProgIfs, list_count };

class Names {
public:
    // Checks `data` (kept, not copied) and makes it the source of names; false, with no names
    // afterwards, when anything about it is wrong.
    bool load(const uint8_t* data, size_t size);
    bool loaded() const { return m_data != nullptr; }

    // nullptr when unknown.
    const char* vendor(uint16_t vendor) const;
    const char* device(uint16_t vendor, uint16_t device) const;
    const char* subsystem(uint16_t vendor, uint16_t device, uint16_t subvendor, uint16_t subdevice) const;
    const char* class_name(uint8_t base_class) const;
    const char* subclass(uint8_t base_class, uint8_t subclass) const;
    const char* prog_if(uint8_t base_class, uint8_t subclass, uint8_t prog_if) const;

private:
    struct Range {
        uint32_t first = 0, count = 0;
    };
    // The index of the record of `list` in `range` whose key is `key`, or -1.
    long find(List list, Range range, uint32_t key) const;
    uint32_t key_of(List list, uint32_t index) const;
    Range children_of(List list, uint32_t index) const;
    const char* name_of(List list, uint32_t index) const;
    const uint8_t* record(List list, uint32_t index) const {
        return m_lists[list] + size_t(index) * record_size(list);
    }
    static size_t record_size(List list);

    const uint8_t* m_data = nullptr;
    const uint8_t* m_lists[list_count] = {};
    uint32_t m_counts[list_count] = {};
    const char* m_strings = nullptr;
    uint32_t m_strings_size = 0;
};

} // namespace toolbox::pci_ids
