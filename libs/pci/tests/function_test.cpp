// One function read from configuration space: identity, BAR sizing of every kind (with decoding off and
// the original values restored), and the capability walk on good, looped and broken lists.
#include "fake_config_space.h"
#include "pci/function.h"

#include <gtest/gtest.h>

namespace {

using namespace pci;
using namespace pci::testing;

constexpr Address here{0, 0, 4, 0};

Function read(FakeConfigSpace& space, Address address = here) {
    Function function;
    read_function(space, address, function);
    return function;
}

FakeFunction& endpoint(FakeConfigSpace& space) {
    return space.add(here).ids(0x1234, 0x5678).class_code(0x02, 0x00, 0x00, 0x03).command(0x0007);
}

TEST(PciReadFunction, DecodesIdentityClassSubsystemAndInterrupt) {
    FakeConfigSpace space;
    endpoint(space).subsystem(0x1af4, 0x1100).interrupt(11, 1);
    Function function = read(space);
    EXPECT_EQ(function.vendor_id, 0x1234);
    EXPECT_EQ(function.device_id, 0x5678);
    EXPECT_EQ(function.class_code, 0x02);
    EXPECT_EQ(function.subclass, 0x00);
    EXPECT_EQ(function.revision, 0x03);
    EXPECT_EQ(function.class_triple(), 0x020000u);
    EXPECT_EQ(function.subsystem_vendor_id, 0x1af4);
    EXPECT_EQ(function.subsystem_id, 0x1100);
    EXPECT_EQ(function.interrupt_line, 11);
    EXPECT_EQ(function.interrupt_pin, 1);
    EXPECT_FALSE(function.multifunction);
    EXPECT_TRUE(function.bars.is_empty());
    EXPECT_TRUE(function.capabilities.is_empty());
}

TEST(PciBarSizing, IoBar) {
    FakeConfigSpace space;
    endpoint(space).io_bar(1, 0xc040, 64);
    Function function = read(space);
    ASSERT_EQ(function.bars.size(), 1u);
    EXPECT_EQ(function.bars[0].index, 1);
    EXPECT_EQ(function.bars[0].kind, BarKind::Io);
    EXPECT_EQ(function.bars[0].address, 0xc040u);
    EXPECT_EQ(function.bars[0].size, 64u);
}

TEST(PciBarSizing, IoBarDecodingOnlySixteenAddressBits) {
    FakeConfigSpace space;
    FakeFunction& fake = endpoint(space).io_bar(0, 0xc000, 32);
    fake.bar_writable[0] &= 0xffff; // upper half reads back as zero
    Function function = read(space);
    ASSERT_EQ(function.bars.size(), 1u);
    EXPECT_EQ(function.bars[0].size, 32u);
}

TEST(PciBarSizing, Memory32Bar) {
    FakeConfigSpace space;
    endpoint(space).memory32_bar(0, 0xfebc0000, 128 << 10);
    Function function = read(space);
    ASSERT_EQ(function.bars.size(), 1u);
    EXPECT_EQ(function.bars[0].kind, BarKind::Memory32);
    EXPECT_FALSE(function.bars[0].prefetchable);
    EXPECT_EQ(function.bars[0].address, 0xfebc0000u);
    EXPECT_EQ(function.bars[0].size, 128u << 10);
}

TEST(PciBarSizing, PrefetchableMemory32Bar) {
    FakeConfigSpace space;
    endpoint(space).memory32_bar(2, 0xfd000000, 16 << 20, true);
    Function function = read(space);
    ASSERT_EQ(function.bars.size(), 1u);
    EXPECT_TRUE(function.bars[0].prefetchable);
    EXPECT_EQ(function.bars[0].size, 16u << 20);
}

TEST(PciBarSizing, Memory64BarSpansTwoSlots) {
    FakeConfigSpace space;
    endpoint(space).memory64_bar(2, 0x8'0000'0000, 8ull << 30, true).io_bar(4, 0xc000, 8);
    Function function = read(space);
    ASSERT_EQ(function.bars.size(), 2u);
    EXPECT_EQ(function.bars[0].index, 2);
    EXPECT_EQ(function.bars[0].kind, BarKind::Memory64);
    EXPECT_TRUE(function.bars[0].prefetchable);
    EXPECT_EQ(function.bars[0].address, 0x8'0000'0000u);
    EXPECT_EQ(function.bars[0].size, 8ull << 30);
    // Slot 3 is the upper half, never a BAR of its own; slot 4 is the next one.
    EXPECT_EQ(function.bars[1].index, 4);
}

TEST(PciBarSizing, SmallMemory64BarBelow4GiB) {
    FakeConfigSpace space;
    endpoint(space).memory64_bar(0, 0xfe000000, 16 << 10, true);
    Function function = read(space);
    ASSERT_EQ(function.bars.size(), 1u);
    EXPECT_EQ(function.bars[0].address, 0xfe000000u);
    EXPECT_EQ(function.bars[0].size, 16u << 10);
}

TEST(PciBarSizing, Memory64BarInTheLastSlotIsAnAnomaly) {
    FakeConfigSpace space;
    endpoint(space).memory32_bar(0, 0xfeb00000, 4096);
    space.get(here)->set32(FakeFunction::bar_offset(5), 0xfe000004);
    space.get(here)->bar_writable[5] = 0xfffff000;
    Function function = read(space);
    EXPECT_EQ(function.bars.size(), 1u);
    EXPECT_TRUE(function.anomalies.bar_64bit_in_last_slot);
}

TEST(PciBarSizing, ReservedMemoryTypeIsNotSized) {
    FakeConfigSpace space;
    endpoint(space);
    space.get(here)->set32(FakeFunction::bar_offset(0), 0xfe000006);
    space.get(here)->bar_writable[0] = 0xfffff000;
    Function function = read(space);
    EXPECT_TRUE(function.bars.is_empty());
    EXPECT_TRUE(function.anomalies.bar_reserved_type);
}

TEST(PciBarSizing, RestoresBarsAndCommandAndProbesWithDecodingOff) {
    FakeConfigSpace space;
    endpoint(space)
        .io_bar(0, 0xc000, 32)
        .memory32_bar(1, 0xfebf0000, 4096)
        .memory64_bar(2, 0x1'2345'0000, 64 << 10, true);
    FakeFunction before = *space.get(here);
    Function function = read(space);
    EXPECT_EQ(function.bars.size(), 3u);
    EXPECT_EQ(space.bar_probes_while_decoding, 0u);
    EXPECT_EQ(space.get(here)->bytes, before.bytes);
}

TEST(PciBarSizing, BridgeHasTwoBarsAndNoSubsystemIds) {
    FakeConfigSpace space;
    FakeFunction& bridge = space.add(here).ids(0x1b36, 0x0001).class_code(0x06, 0x04, 0x00).header_type(0x01);
    bridge.memory32_bar(0, 0xfebf6000, 256).bridge_buses(0, 3, 5);
    bridge.set16(0x2c, 0xdead); // in a bridge header this is the I/O limit, not an id
    Function function = read(space);
    EXPECT_TRUE(function.is_pci_bridge());
    EXPECT_EQ(function.bars.size(), 1u);
    EXPECT_EQ(function.subsystem_vendor_id, 0);
    EXPECT_EQ(function.primary_bus, 0);
    EXPECT_EQ(function.secondary_bus, 3);
    EXPECT_EQ(function.subordinate_bus, 5);
    EXPECT_FALSE(function.anomalies.unexpected_bridge_class);
}

TEST(PciReadFunction, BridgeSubsystemIdsComeFromCapability0x0D) {
    FakeConfigSpace space;
    FakeFunction& bridge = space.add(here).ids(0x1b36, 0x000c).class_code(0x06, 0x04, 0x00).header_type(0x01);
    bridge.capabilities({{0x48, capability::msi_x}, {0x40, capability::pci_bridge_subsystem_vendor}});
    bridge.set16(0x44, 0x1af4);
    bridge.set16(0x46, 0x1100);
    Function function = read(space);
    EXPECT_EQ(function.subsystem_vendor_id, 0x1af4);
    EXPECT_EQ(function.subsystem_id, 0x1100);
}

TEST(PciCapabilities, WalksTheListInOrder) {
    FakeConfigSpace space;
    endpoint(space).capabilities({{0x98, 0x11}, {0x84, 0x09}, {0x60, 0x10}, {0x40, 0x05}});
    Function function = read(space);
    ASSERT_EQ(function.capabilities.size(), 4u);
    EXPECT_EQ(function.capabilities[0].id, capability::msi_x);
    EXPECT_EQ(function.capabilities[0].offset, 0x98);
    EXPECT_EQ(function.capabilities[3].id, capability::msi);
    EXPECT_EQ(function.capabilities[3].offset, 0x40);
    ASSERT_NE(function.find_capability(capability::pci_express), nullptr);
    EXPECT_EQ(function.find_capability(capability::pci_express)->offset, 0x60);
    EXPECT_EQ(function.find_capability(capability::sata), nullptr);
}

TEST(PciCapabilities, IgnoredWithoutTheStatusBit) {
    FakeConfigSpace space;
    endpoint(space).capabilities({{0x40, 0x05}});
    space.get(here)->set16(0x06, 0);
    EXPECT_TRUE(read(space).capabilities.is_empty());
}

TEST(PciCapabilities, ReservedLowPointerBitsAreMasked) {
    FakeConfigSpace space;
    endpoint(space).capabilities({{0x40, 0x05}, {0x50, 0x11}});
    space.get(here)->set8(0x34, 0x43);
    space.get(here)->set8(0x41, 0x52);
    Function function = read(space);
    ASSERT_EQ(function.capabilities.size(), 2u);
    EXPECT_EQ(function.capabilities[1].offset, 0x50);
}

TEST(PciCapabilities, LoopedListStopsAndIsReported) {
    FakeConfigSpace space;
    endpoint(space).capabilities({{0x40, 0x01}, {0x50, 0x05}, {0x60, 0x10}});
    space.get(here)->set8(0x61, 0x50); // 0x60 points back to 0x50
    Function function = read(space);
    EXPECT_EQ(function.capabilities.size(), 3u);
    EXPECT_TRUE(function.anomalies.capability_loop);
}

TEST(PciCapabilities, SelfLoopStops) {
    FakeConfigSpace space;
    endpoint(space).capabilities({{0x40, 0x05}});
    space.get(here)->set8(0x41, 0x40);
    Function function = read(space);
    EXPECT_EQ(function.capabilities.size(), 1u);
    EXPECT_TRUE(function.anomalies.capability_loop);
}

TEST(PciCapabilities, PointerIntoTheHeaderIsReported) {
    FakeConfigSpace space;
    endpoint(space).capabilities({{0x40, 0x05}});
    space.get(here)->set8(0x41, 0x10);
    Function function = read(space);
    EXPECT_EQ(function.capabilities.size(), 1u);
    EXPECT_TRUE(function.anomalies.capability_bad_pointer);
}

TEST(PciCapabilities, LongestPossibleListFitsAndEnds) {
    FakeConfigSpace space;
    FakeFunction& fake = endpoint(space).capabilities({{0x40, 0x09}});
    // Every dword from 0x40 to 0xFC, each pointing to the next, the last back to the first.
    for (unsigned offset = 0x40; offset <= 0xfc; offset += 4) {
        fake.set8(uint16_t(offset), 0x09);
        fake.set8(uint16_t(offset + 1), uint8_t(offset == 0xfc ? 0x40 : offset + 4));
    }
    Function function = read(space);
    EXPECT_EQ(function.capabilities.size(), Function::max_capabilities);
    EXPECT_TRUE(function.anomalies.capability_loop);
}

TEST(PciCapabilities, AllOnesHardwareTerminates) {
    // A function that reads 0xFF everywhere past its ids: the status bit is set and 0x34 is 0xFC -> 0xFC.
    FakeConfigSpace space;
    FakeFunction& fake = endpoint(space);
    for (unsigned offset = 0x06; offset < 0x100; ++offset)
        fake.set8(uint16_t(offset), 0xff);
    fake.set8(0x0e, 0x00);
    Function function = read(space);
    EXPECT_LE(function.capabilities.size(), 1u);
    EXPECT_TRUE(function.anomalies.capability_loop);
}

FakeFunction& pcie_endpoint(FakeConfigSpace& space) {
    space.extended = true;
    return endpoint(space).capabilities({{0x40, capability::pci_express}});
}

TEST(PciExtendedCapabilities, WalkedFrom0x100WithIdsVersionsAndOffsets) {
    FakeConfigSpace space;
    pcie_endpoint(space).extended_capabilities({{0x100, 0x0001, 2}, {0x148, 0x000d, 1}, {0x300, 0x0010, 1}});
    Function function = read(space);
    ASSERT_EQ(function.extended_capabilities.size(), 3u);
    EXPECT_EQ(function.extended_capabilities[0].id, extended_capability::advanced_error_reporting);
    EXPECT_EQ(function.extended_capabilities[0].version, 2);
    EXPECT_EQ(function.extended_capabilities[0].offset, 0x100);
    EXPECT_EQ(function.extended_capabilities[2].offset, 0x300);
    ASSERT_NE(function.find_extended_capability(extended_capability::access_control_services), nullptr);
    EXPECT_EQ(function.find_extended_capability(extended_capability::access_control_services)->offset, 0x148);
    EXPECT_FALSE(function.has_anomalies());
}

TEST(PciExtendedCapabilities, NotReadWithoutExtendedSpaceOrWithoutPciExpress) {
    FakeConfigSpace space;
    pcie_endpoint(space).extended_capabilities({{0x100, 0x0001, 2}});
    space.extended = false; // the port mechanism cannot reach 0x100
    EXPECT_TRUE(read(space).extended_capabilities.is_empty());

    FakeConfigSpace conventional;
    conventional.extended = true;
    endpoint(conventional).extended_capabilities({{0x100, 0x0001, 2}}); // no capability 0x10
    EXPECT_TRUE(read(conventional).extended_capabilities.is_empty());
}

TEST(PciExtendedCapabilities, EmptyOrAllOnesListHasNoEntries) {
    FakeConfigSpace space;
    pcie_endpoint(space);
    EXPECT_TRUE(read(space).extended_capabilities.is_empty());
    space.get(here)->set32(0x100, 0xffffffff);
    Function function = read(space);
    EXPECT_TRUE(function.extended_capabilities.is_empty());
    EXPECT_FALSE(function.has_anomalies());
}

TEST(PciExtendedCapabilities, LoopedListStopsAndIsReported) {
    FakeConfigSpace space;
    pcie_endpoint(space).extended_capabilities({{0x100, 0x0001, 2}, {0x200, 0x0003, 1}});
    space.get(here)->set32(0x200, space.get(here)->get32(0x200) | 0x100u << 20);
    Function function = read(space);
    EXPECT_EQ(function.extended_capabilities.size(), 2u);
    EXPECT_TRUE(function.anomalies.extended_capability_loop);
}

TEST(PciExtendedCapabilities, PointerIntoConventionalSpaceIsReported) {
    FakeConfigSpace space;
    pcie_endpoint(space).extended_capabilities({{0x100, 0x0001, 2}});
    space.get(here)->set32(0x100, space.get(here)->get32(0x100) | 0x40u << 20);
    Function function = read(space);
    EXPECT_EQ(function.extended_capabilities.size(), 1u);
    EXPECT_TRUE(function.anomalies.extended_capability_bad_pointer);
}

TEST(PciExtendedCapabilities, OverlongListStopsAtCapacity) {
    FakeConfigSpace space;
    FakeFunction& fake = pcie_endpoint(space);
    for (uint16_t offset = 0x100; offset < 0x1000; offset += 4) // 960 entries, each pointing to the next
        fake.set32(offset, 0x0009 | uint32_t(1) << 16 | uint32_t(offset + 4 < 0x1000 ? offset + 4 : 0) << 20);
    Function function = read(space);
    EXPECT_EQ(function.extended_capabilities.size(), Function::max_extended_capabilities);
    EXPECT_TRUE(function.anomalies.extended_capability_overflow);
}

} // namespace
