// BootInfo queries over the sanitized memory map.
#include "boot/boot_info.h"

namespace boot {

const char* memory_type_name(MemoryType type) {
    switch (type) {
    case MemoryType::Usable:
        return "usable";
    case MemoryType::Reserved:
        return "reserved";
    case MemoryType::AcpiReclaimable:
        return "ACPI reclaimable";
    case MemoryType::AcpiNvs:
        return "ACPI NVS";
    case MemoryType::Defective:
        return "defective";
    }
    return "unknown";
}

uint64_t BootInfo::usable_bytes() const {
    uint64_t total = 0;
    for (const MemoryRegion& region : memory_map)
        if (region.type == MemoryType::Usable)
            total += region.length; // regions are disjoint and below 2^64, so this cannot wrap
    return total;
}

uint64_t BootInfo::highest_usable_address() const {
    // The map is sorted and non-overlapping, so the last Usable region ends highest.
    for (size_t i = memory_map.size(); i > 0; --i)
        if (memory_map[i - 1].type == MemoryType::Usable)
            return memory_map[i - 1].end();
    return 0;
}

uint64_t BootInfo::highest_address() const {
    return memory_map.is_empty() ? 0 : memory_map[memory_map.size() - 1].end();
}

} // namespace boot
