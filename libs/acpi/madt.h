// The MADT ("APIC", ACPI 6.x §5.2.12): local APIC address, processors, I/O APICs, interrupt source
// overrides and local APIC NMI lines, decoded into fixed-capacity lists.
//
// Documented choices:
//  * Processor local APIC (type 0) and local x2APIC (type 9) entries go into one `processors` list in
//    table order; likewise local APIC NMI (type 4) and local x2APIC NMI (type 10) into `local_nmis`.
//  * An entry with length < 2 or running past the table end stops parsing: what came before is kept
//    and `malformed` is set. An entry of a known type that is too short for its fields is skipped
//    and counted in `short_entries`. Unknown types are skipped.
//  * Entries beyond a list's capacity are counted in `dropped`, never silently lost.
#pragma once

#include "acpi/tables.h"
#include "ktl/error_or.h"
#include "ktl/fixed_vector.h"

#include <cstddef>
#include <cstdint>

namespace acpi {

// MPS INTI flags (polarity bits 1:0, trigger mode bits 3:2); "conforms" means the bus default.
enum class Polarity : uint8_t { Conforms = 0, ActiveHigh = 1, Reserved = 2, ActiveLow = 3 };
enum class TriggerMode : uint8_t { Conforms = 0, Edge = 1, Reserved = 2, Level = 3 };

struct ProcessorApic {
    uint32_t processor_uid = 0;
    uint32_t apic_id = 0;
    bool enabled = false;        // usable now
    bool online_capable = false; // disabled, but may be brought online later
    bool x2apic = false;         // came from a type 9 entry (32-bit ids)
};

struct IoApic {
    uint8_t id = 0;
    uint32_t address = 0;
    uint32_t gsi_base = 0; // first global system interrupt it serves
};

struct InterruptOverride {
    uint8_t bus = 0;    // 0 = ISA
    uint8_t source = 0; // the bus-relative IRQ
    uint32_t gsi = 0;
    Polarity polarity = Polarity::Conforms;
    TriggerMode trigger = TriggerMode::Conforms;
};

struct LocalNmi {
    static constexpr uint32_t all_processors = 0xffffffff; // 0xff in a type 4 entry is widened
    uint32_t processor_uid = 0;
    uint8_t lint = 0; // LINT0 or LINT1
    Polarity polarity = Polarity::Conforms;
    TriggerMode trigger = TriggerMode::Conforms;
};

struct Madt {
    static constexpr size_t max_processors = 256;
    static constexpr size_t max_io_apics = 16;
    static constexpr size_t max_overrides = 48;
    static constexpr size_t max_local_nmis = 64;

    uint64_t local_apic_address = 0; // the type 5 override wins over the 32-bit header field
    bool local_apic_address_overridden = false;
    bool pc_at_compatible = false; // dual 8259s present: mask them before using the APIC

    ktl::FixedVector<ProcessorApic, max_processors> processors;
    ktl::FixedVector<IoApic, max_io_apics> io_apics;
    ktl::FixedVector<InterruptOverride, max_overrides> overrides;
    ktl::FixedVector<LocalNmi, max_local_nmis> local_nmis;

    size_t dropped = 0;       // entries that did not fit their list
    size_t short_entries = 0; // known types too short for their fields (skipped)
    bool malformed = false;   // an entry length < 2 or past the table end stopped the walk
};

// Fills `out` (reset first) from `table`. InvalidArgument when the signature is not "APIC" or the
// table is shorter than its fixed part (44 bytes). By reference: a Madt is ~4 KiB.
ktl::ErrorOr<void> parse_madt(const Table& table, Madt& out);

} // namespace acpi
