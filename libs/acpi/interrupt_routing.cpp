// The checks behind plan_interrupt_routing; see the header for what is refused and why.
#include "acpi/interrupt_routing.h"

namespace acpi {

namespace {

constexpr uint64_t page_mask = ~uint64_t(0xfff);

bool ranges_overlap(uint32_t base_a, uint32_t count_a, uint32_t base_b, uint32_t count_b) {
    return uint64_t(base_a) < uint64_t(base_b) + count_b && uint64_t(base_b) < uint64_t(base_a) + count_a;
}

// Accepts `io_apic` into `out` unless something about it is wrong (reported).
void consider_io_apic(const Madt& madt, const IoApic& io_apic,
                      ktl::FunctionRef<uint32_t(const IoApic&)> pin_count_of,
                      ktl::FunctionRef<void(RoutingProblem, uint64_t)> report, InterruptRouting& out) {
    uint64_t address = io_apic.address;
    if (address == 0 || address % 16 != 0 || (address & page_mask) == (madt.local_apic_address & page_mask)) {
        report(RoutingProblem::IoApicBadAddress, address);
        return;
    }
    for (const IoApicPlan& accepted : out.io_apics) {
        if (accepted.address == address) {
            report(RoutingProblem::IoApicDuplicateAddress, address);
            return;
        }
    }
    uint32_t pins = pin_count_of(io_apic);
    if (pins == 0 || pins > InterruptRouting::max_pins_per_io_apic) {
        report(RoutingProblem::IoApicNoAnswer, address);
        return;
    }
    if (uint64_t(io_apic.gsi_base) + pins > 0xffffffffull) {
        report(RoutingProblem::IoApicGsiOverlap, io_apic.gsi_base);
        return;
    }
    for (const IoApicPlan& accepted : out.io_apics) {
        if (ranges_overlap(accepted.gsi_base, accepted.pin_count, io_apic.gsi_base, pins)) {
            report(RoutingProblem::IoApicGsiOverlap, io_apic.gsi_base);
            return;
        }
    }
    // Capacity equals the MADT list's, so this cannot fail.
    (void)out.io_apics.try_append(IoApicPlan{io_apic.id, io_apic.address, io_apic.gsi_base, pins});
}

void apply_override(const InterruptOverride& entry, ktl::FunctionRef<void(RoutingProblem, uint64_t)> report,
                    bool (&overridden)[InterruptRouting::isa_irqs], InterruptRouting& out) {
    if (entry.bus != 0) {
        report(RoutingProblem::OverrideNotIsa, entry.bus);
        return;
    }
    if (entry.source >= InterruptRouting::isa_irqs) {
        report(RoutingProblem::OverrideBadSource, entry.source);
        return;
    }
    if (!out.io_apic_for(entry.gsi)) {
        report(RoutingProblem::OverrideUnservedGsi, entry.gsi);
        return;
    }
    if (overridden[entry.source]) {
        report(RoutingProblem::OverrideDuplicate, entry.source);
        return;
    }
    overridden[entry.source] = true;
    if (entry.polarity == Polarity::Reserved || entry.trigger == TriggerMode::Reserved)
        report(RoutingProblem::OverrideReservedFlags, entry.source);
    // "Conforms to the bus" is the ISA default: active high, edge.
    out.isa[entry.source] =
        IsaRoute{entry.gsi, entry.polarity == Polarity::ActiveLow, entry.trigger == TriggerMode::Level};
}

} // namespace

const char* describe(RoutingProblem problem) {
    switch (problem) {
    case RoutingProblem::IoApicBadAddress:
        return "I/O APIC at an impossible address: skipped";
    case RoutingProblem::IoApicDuplicateAddress:
        return "I/O APIC listed twice at the same address: skipped";
    case RoutingProblem::IoApicNoAnswer:
        return "I/O APIC does not answer (no sane redirection-entry count): skipped";
    case RoutingProblem::IoApicGsiOverlap:
        return "I/O APIC's interrupt range overlaps another's: skipped";
    case RoutingProblem::MadtEntriesDropped:
        return "the MADT had more entries than its lists hold: the rest are ignored";
    case RoutingProblem::OverrideNotIsa:
        return "interrupt source override for a bus other than ISA: ignored";
    case RoutingProblem::OverrideBadSource:
        return "interrupt source override for an IRQ above 15: ignored";
    case RoutingProblem::OverrideUnservedGsi:
        return "interrupt source override to an interrupt no I/O APIC serves: ignored";
    case RoutingProblem::OverrideDuplicate:
        return "second interrupt source override for the same IRQ: ignored";
    case RoutingProblem::OverrideReservedFlags:
        return "interrupt source override with reserved polarity or trigger bits: ISA default used";
    }
    return "unknown routing problem";
}

const IoApicPlan* InterruptRouting::io_apic_for(uint32_t gsi) const {
    for (const IoApicPlan& plan : io_apics)
        if (plan.serves(gsi))
            return &plan;
    return nullptr;
}

void plan_interrupt_routing(const Madt& madt, ktl::FunctionRef<uint32_t(const IoApic&)> pin_count_of,
                            ktl::FunctionRef<void(RoutingProblem, uint64_t value)> report,
                            InterruptRouting& out) {
    out.io_apics.clear();
    for (uint8_t irq = 0; irq < InterruptRouting::isa_irqs; ++irq)
        out.isa[irq] = IsaRoute{irq, false, false};
    for (const IoApic& io_apic : madt.io_apics)
        consider_io_apic(madt, io_apic, pin_count_of, report, out);
    if (madt.dropped)
        report(RoutingProblem::MadtEntriesDropped, madt.dropped);
    bool overridden[InterruptRouting::isa_irqs] = {};
    for (const InterruptOverride& entry : madt.overrides)
        apply_override(entry, report, overridden, out);
}

} // namespace acpi
