// The MCFG table (PCI Firmware 3.x §4.1.2): where each PCI segment group's ECAM window lies in
// physical memory and which buses it decodes, checked as hostile input.
//
// Documented choices:
//  * An entry's base address is that of bus 0 of its segment (as the specification says), even when
//    its first bus is higher; region_base()/region_size() give the part that decodes its buses.
//  * Entries are rejected (counted, never kept) when their bus range is reversed, their base is 0 or
//    not 1 MiB aligned, the window would pass 2^64, or they claim a bus of a segment an earlier kept
//    entry already covers. What is left can be mapped without further checks.
//  * Trailing bytes that do not make a whole 16-byte entry are ignored and flagged.
//  * More entries than max_regions are counted in `dropped`.
#pragma once

#include "acpi/tables.h"
#include "ktl/error_or.h"
#include "ktl/fixed_vector.h"

#include <cstddef>
#include <cstdint>

namespace acpi {

struct EcamRegion {
    uint64_t base = 0; // bus 0's configuration space in this segment
    uint16_t segment = 0;
    uint8_t start_bus = 0;
    uint8_t end_bus = 0;

    // The physical address and size of the part that decodes start_bus..end_bus (1 MiB a bus).
    uint64_t region_base() const { return base + (uint64_t(start_bus) << 20); }
    uint64_t region_size() const { return (uint64_t(end_bus) - start_bus + 1) << 20; }
    bool contains(uint16_t segment_group, uint8_t bus) const {
        return segment_group == segment && bus >= start_bus && bus <= end_bus;
    }
};

struct Mcfg {
    static constexpr size_t max_regions = 16;
    static constexpr size_t header_size = 44; // table header and 8 reserved bytes
    static constexpr size_t entry_size = 16;

    ktl::FixedVector<EcamRegion, max_regions> regions; // in table order
    size_t rejected = 0;                               // insane entries (see above)
    size_t dropped = 0;                                // sane ones beyond max_regions
    bool trailing_bytes = false;

    // The region decoding `bus` of `segment`, or nullptr.
    const EcamRegion* find(uint16_t segment, uint8_t bus) const;
    // The region of `segment` with the lowest start bus, or nullptr.
    const EcamRegion* first_of_segment(uint16_t segment) const;
};

// Resets `out` and fills it. InvalidArgument for a wrong signature or a table shorter than its
// 44-byte header; a table with no entries parses to no regions.
ktl::ErrorOr<void> parse_mcfg(const Table& table, Mcfg& out);

} // namespace acpi
