// The HPET description table ("HPET", IA-PC HPET specification 1.0a §3.2.4): where the timer block
// is and what its capabilities word says.
#pragma once

#include "acpi/tables.h"
#include "ktl/error_or.h"

#include <cstdint>

namespace acpi {

struct Hpet {
    uint32_t event_timer_block_id = 0; // a copy of the block's capabilities register bits 31:0
    GenericAddress base;               // always system memory once parsed
    uint8_t hpet_number = 0;
    uint16_t minimum_tick = 0; // minimum clock ticks for periodic mode without lost interrupts
    uint8_t page_protection = 0;

    uint8_t hardware_revision() const { return event_timer_block_id & 0xff; }
    unsigned comparator_count() const { return ((event_timer_block_id >> 8) & 0x1f) + 1; }
    bool counter_is_64_bit() const { return event_timer_block_id & (1u << 13); }
    bool legacy_replacement_capable() const { return event_timer_block_id & (1u << 15); }
    uint16_t pci_vendor_id() const { return static_cast<uint16_t>(event_timer_block_id >> 16); }
};

// InvalidArgument for a wrong signature, a table shorter than 56 bytes or a zero base address;
// NotSupported when the base is not in system memory (the spec allows nothing else).
ktl::ErrorOr<Hpet> parse_hpet(const Table& table);

} // namespace acpi
