// From the MADT to the routing the kernel programs: which I/O APICs to trust, which global system
// interrupts (GSIs) each serves, and where each ISA IRQ arrives with which trigger and polarity after
// the interrupt source overrides. The MADT is hostile input: anything that does not add up is
// refused, reported through `report`, and the rest still works.
//
// Refused I/O APICs: address 0, not 16-byte aligned (IOREGSEL/IOWIN), on the local APIC's page, the
// same address twice, a pin count outside 1..240 (the redirection-entry field read back; an absent
// chip reads all ones), a GSI range that wraps or overlaps one already accepted.
// Ignored overrides: a bus other than ISA (0), a source above 15, a GSI no accepted I/O APIC serves,
// a second override of the same source. Reserved polarity or trigger values fall back to the ISA
// default (active high, edge), reported.
#pragma once

#include "acpi/madt.h"
#include "ktl/fixed_vector.h"
#include "ktl/function_ref.h"

#include <cstdint>

namespace acpi {

struct IoApicPlan {
    uint8_t id = 0;
    uint32_t address = 0;
    uint32_t gsi_base = 0;
    uint32_t pin_count = 0;
    bool serves(uint32_t gsi) const { return gsi >= gsi_base && gsi - gsi_base < pin_count; }
};

struct IsaRoute {
    uint32_t gsi = 0;
    bool active_low = false;
    bool level_triggered = false;
};

enum class RoutingProblem : uint8_t {
    IoApicBadAddress,
    IoApicDuplicateAddress,
    IoApicNoAnswer, // pin count outside 1..240
    IoApicGsiOverlap,
    MadtEntriesDropped, // the MADT had more entries than its lists hold (`value` says how many)
    OverrideNotIsa,
    OverrideBadSource,
    OverrideUnservedGsi,
    OverrideDuplicate,
    OverrideReservedFlags,
};
const char* describe(RoutingProblem problem);

struct InterruptRouting {
    static constexpr uint32_t max_pins_per_io_apic = 240;
    static constexpr uint8_t isa_irqs = 16;

    ktl::FixedVector<IoApicPlan, Madt::max_io_apics> io_apics;
    IsaRoute isa[isa_irqs];

    // The accepted I/O APIC serving `gsi`, or nullptr.
    const IoApicPlan* io_apic_for(uint32_t gsi) const;
};

// `pin_count_of` reads an I/O APIC's redirection-entry count (the version register's field + 1), or
// returns 0 when it cannot. `report` gets each problem with the entry's address, source or GSI.
void plan_interrupt_routing(const Madt& madt, ktl::FunctionRef<uint32_t(const IoApic&)> pin_count_of,
                            ktl::FunctionRef<void(RoutingProblem, uint64_t value)> report,
                            InterruptRouting& out);

} // namespace acpi
