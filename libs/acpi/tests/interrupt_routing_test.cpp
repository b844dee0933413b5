// The I/O APIC and ISA routing plan: QEMU's real MADT gives IRQ 0 on GSI 2 and IRQs 5, 9, 10, 11
// level-triggered; a hostile MADT loses only the entries that do not add up, each reported.
#include "acpi/interrupt_routing.h"
#include "acpi_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

namespace {

using namespace acpi;
using namespace acpi::testing;

struct Reported {
    RoutingProblem problem;
    uint64_t value;
};

struct Planner {
    std::unique_ptr<Madt> madt = std::make_unique<Madt>();
    InterruptRouting routing;
    std::vector<Reported> reports;
    uint32_t pins = 24;

    void plan() {
        reports.clear();
        plan_interrupt_routing(
            *madt, [&](const IoApic&) { return pins; },
            [&](RoutingProblem problem, uint64_t value) {
                reports.push_back({problem, value});
            },
            routing);
    }
    bool reported(RoutingProblem problem) const {
        for (const Reported& report : reports)
            if (report.problem == problem)
                return true;
        return false;
    }
};

IoApic io_apic(uint8_t id, uint32_t address, uint32_t gsi_base) {
    IoApic entry;
    entry.id = id;
    entry.address = address;
    entry.gsi_base = gsi_base;
    return entry;
}

InterruptOverride override_of(uint8_t source, uint32_t gsi, Polarity polarity = Polarity::Conforms,
                              TriggerMode trigger = TriggerMode::Conforms, uint8_t bus = 0) {
    InterruptOverride entry;
    entry.bus = bus;
    entry.source = source;
    entry.gsi = gsi;
    entry.polarity = polarity;
    entry.trigger = trigger;
    return entry;
}

TEST(InterruptRouting, QemuQ35MadtRoutesThePitToGsi2AndPciIrqsLevelTriggered) {
    std::ifstream file(BLOG_OS_ACPI_QEMU_TABLES, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    FakeMemory memory;
    memory.write(0x1fe0000, bytes);
    auto tables = std::make_unique<AcpiTables>();
    ASSERT_FALSE(tables->discover(memory, 0x1fe2297, 0, 0).is_error());
    Planner planner;
    ASSERT_FALSE(parse_madt(tables->find("APIC").value(), *planner.madt).is_error());
    planner.plan();
    EXPECT_TRUE(planner.reports.empty());
    ASSERT_EQ(planner.routing.io_apics.size(), 1u);
    EXPECT_EQ(planner.routing.io_apics[0].address, 0xfec00000u);
    EXPECT_EQ(planner.routing.io_apics[0].pin_count, 24u);
    EXPECT_EQ(planner.routing.isa[0].gsi, 2u);
    EXPECT_FALSE(planner.routing.isa[0].level_triggered);
    for (uint8_t irq : {5, 9, 10, 11}) {
        EXPECT_EQ(planner.routing.isa[irq].gsi, irq);
        EXPECT_TRUE(planner.routing.isa[irq].level_triggered) << int(irq);
        EXPECT_FALSE(planner.routing.isa[irq].active_low) << int(irq);
    }
    for (uint8_t irq : {1, 4, 8, 12, 14}) {
        EXPECT_EQ(planner.routing.isa[irq].gsi, irq);
        EXPECT_FALSE(planner.routing.isa[irq].level_triggered);
    }
}

TEST(InterruptRouting, RefusesImpossibleAddressesAndKeepsTheRest) {
    Planner planner;
    planner.madt->local_apic_address = 0xfee00000;
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(0, 0, 0)).is_error());
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(1, 0xfec00004, 0)).is_error());
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(2, 0xfee00000, 0)).is_error());
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(3, 0xfec00000, 0)).is_error());
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(4, 0xfec00000, 100)).is_error());
    planner.plan();
    ASSERT_EQ(planner.routing.io_apics.size(), 1u);
    EXPECT_EQ(planner.routing.io_apics[0].id, 3);
    EXPECT_EQ(planner.reports.size(), 4u);
    EXPECT_TRUE(planner.reported(RoutingProblem::IoApicBadAddress));
    EXPECT_TRUE(planner.reported(RoutingProblem::IoApicDuplicateAddress));
}

TEST(InterruptRouting, RefusesOverlappingGsiRangesAndSilentChips) {
    Planner planner;
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(0, 0xfec00000, 0)).is_error());
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(1, 0xfec01000, 23)).is_error()); // overlaps
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(2, 0xfec02000, 24)).is_error()); // adjacent
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(3, 0xfec03000, 0xfffffff0)).is_error()); // wraps
    planner.plan();
    ASSERT_EQ(planner.routing.io_apics.size(), 2u);
    EXPECT_EQ(planner.routing.io_apics[1].gsi_base, 24u);
    EXPECT_EQ(planner.reports.size(), 2u);
    EXPECT_TRUE(planner.reported(RoutingProblem::IoApicGsiOverlap));
    EXPECT_EQ(planner.routing.io_apic_for(47), &planner.routing.io_apics[1]);
    EXPECT_EQ(planner.routing.io_apic_for(48), nullptr);

    for (uint32_t pins : {0u, 241u, 256u}) {
        planner.pins = pins;
        planner.plan();
        EXPECT_TRUE(planner.routing.io_apics.is_empty()) << pins;
        EXPECT_TRUE(planner.reported(RoutingProblem::IoApicNoAnswer)) << pins;
    }
}

TEST(InterruptRouting, IgnoresOverridesThatDoNotAddUp) {
    Planner planner;
    ASSERT_FALSE(planner.madt->io_apics.try_append(io_apic(0, 0xfec00000, 0)).is_error());
    auto& overrides = planner.madt->overrides;
    ASSERT_FALSE(overrides.try_append(override_of(0, 2)).is_error());
    ASSERT_FALSE(overrides.try_append(override_of(0, 5)).is_error()); // a second for IRQ 0
    ASSERT_FALSE(overrides.try_append(override_of(16, 16)).is_error());
    ASSERT_FALSE(
        overrides.try_append(override_of(3, 3, Polarity::Conforms, TriggerMode::Conforms, 1)).is_error());
    ASSERT_FALSE(overrides.try_append(override_of(4, 99)).is_error());
    ASSERT_FALSE(overrides.try_append(override_of(9, 9, Polarity::ActiveLow, TriggerMode::Level)).is_error());
    ASSERT_FALSE(overrides.try_append(override_of(7, 7, Polarity::Reserved, TriggerMode::Level)).is_error());
    planner.plan();
    EXPECT_EQ(planner.routing.isa[0].gsi, 2u);
    EXPECT_EQ(planner.routing.isa[3].gsi, 3u);
    EXPECT_EQ(planner.routing.isa[4].gsi, 4u);
    EXPECT_TRUE(planner.routing.isa[9].active_low);
    EXPECT_TRUE(planner.routing.isa[9].level_triggered);
    EXPECT_FALSE(planner.routing.isa[7].active_low);
    EXPECT_TRUE(planner.routing.isa[7].level_triggered);
    EXPECT_TRUE(planner.reported(RoutingProblem::OverrideDuplicate));
    EXPECT_TRUE(planner.reported(RoutingProblem::OverrideBadSource));
    EXPECT_TRUE(planner.reported(RoutingProblem::OverrideNotIsa));
    EXPECT_TRUE(planner.reported(RoutingProblem::OverrideUnservedGsi));
    EXPECT_TRUE(planner.reported(RoutingProblem::OverrideReservedFlags));
    EXPECT_EQ(planner.reports.size(), 5u);
}

} // namespace
