// The scan's rules (function 0 gates a device, the multifunction bit, bridges, several host
// controllers) with the seed's two scan bugs pinned, and hostile topologies that must end and be reported.
#include "fake_config_space.h"
#include "pci/scan.h"

#include <gtest/gtest.h>

#include <memory>

namespace {

using namespace pci;
using namespace pci::testing;

std::unique_ptr<ScanResult> run_scan(ConfigSpace& space) {
    auto result = std::make_unique<ScanResult>();
    scan(space, *result);
    return result;
}

FakeFunction& host_bridge(FakeConfigSpace& space) {
    return space.add({0, 0, 0, 0}).ids(0x8086, 0x1237).class_code(0x06, 0x00, 0x00);
}

FakeFunction& pci_bridge(FakeConfigSpace& space, Address address, uint8_t secondary) {
    return space.add(address)
        .ids(0x1b36, 0x0001)
        .class_code(0x06, 0x04, 0x00)
        .header_type(0x01)
        .bridge_buses(address.bus, secondary, secondary);
}

FakeFunction& endpoint(FakeConfigSpace& space, Address address, uint16_t device_id = 0x0002) {
    return space.add(address).ids(0x1b36, device_id).class_code(0x07, 0x00, 0x02);
}

TEST(PciScan, EmptySegmentScansBusZeroAndFindsNothing) {
    FakeConfigSpace space;
    auto result = run_scan(space);
    EXPECT_TRUE(result->functions.is_empty());
    EXPECT_EQ(result->buses_scanned, 1u);
}

TEST(PciScan, DeviceWithoutFunctionZeroIsSkipped) {
    FakeConfigSpace space;
    host_bridge(space);
    endpoint(space, {0, 0, 5, 1}); // function 1 alone: not a device
    auto result = run_scan(space);
    EXPECT_EQ(result->functions.size(), 1u);
    EXPECT_EQ(result->find({0, 0, 5, 1}), nullptr);
}

// Seed bug: the multifunction test was inverted, so single-function devices were probed on functions
// 1..7 (finding aliases of function 0 on hardware that ignores the function number) and real
// multifunction devices lost their other functions.
TEST(PciScan, MultifunctionBitOnFunctionZeroProbesFunctionsOneToSeven) {
    FakeConfigSpace space;
    host_bridge(space);
    endpoint(space, {0, 0, 1, 0}).header_type(0x80);
    endpoint(space, {0, 0, 1, 3});
    endpoint(space, {0, 0, 1, 7});
    auto result = run_scan(space);
    EXPECT_NE(result->find({0, 0, 1, 3}), nullptr);
    EXPECT_NE(result->find({0, 0, 1, 7}), nullptr);
    EXPECT_EQ(result->functions.size(), 4u);
}

TEST(PciScan, SingleFunctionDeviceAnsweringOnEveryFunctionIsScannedOnce) {
    FakeConfigSpace space;
    host_bridge(space);
    for (uint8_t function = 0; function < 8; ++function)
        endpoint(space, {0, 0, 2, function}); // multifunction bit clear on all of them
    auto result = run_scan(space);
    EXPECT_NE(result->find({0, 0, 2, 0}), nullptr);
    EXPECT_EQ(result->find({0, 0, 2, 1}), nullptr);
    EXPECT_EQ(result->functions.size(), 2u);
}

TEST(PciScan, MultifunctionBitOnlyCountsOnFunctionZero) {
    FakeConfigSpace space;
    host_bridge(space);
    endpoint(space, {0, 0, 3, 0});
    endpoint(space, {0, 0, 3, 1}).header_type(0x80);
    endpoint(space, {0, 0, 3, 2});
    auto result = run_scan(space);
    EXPECT_EQ(result->find({0, 0, 3, 1}), nullptr);
    EXPECT_EQ(result->find({0, 0, 3, 2}), nullptr);
}

// Seed bug: bridges were recognised by header type 2 (CardBus) instead of 1, so nothing behind a
// PCI-to-PCI bridge was ever found.
TEST(PciScan, PciToPciBridgeHeaderTypeOneIsFollowed) {
    FakeConfigSpace space;
    host_bridge(space);
    pci_bridge(space, {0, 0, 6, 0}, 1);
    endpoint(space, {0, 1, 0, 0});
    auto result = run_scan(space);
    EXPECT_NE(result->find({0, 1, 0, 0}), nullptr);
    EXPECT_EQ(result->buses_scanned, 2u);
}

TEST(PciScan, CardBusBridgeHeaderTypeTwoIsNotFollowedAsPciBridge) {
    FakeConfigSpace space;
    host_bridge(space);
    space.add({0, 0, 7, 0})
        .ids(0x104c, 0xac50)
        .class_code(0x06, 0x07, 0x00)
        .header_type(0x02)
        .bridge_buses(0, 2, 2);
    endpoint(space, {0, 2, 0, 0});
    auto result = run_scan(space);
    EXPECT_NE(result->find({0, 0, 7, 0}), nullptr);
    EXPECT_EQ(result->find({0, 2, 0, 0}), nullptr);
    EXPECT_EQ(result->buses_scanned, 1u);
}

TEST(PciScan, NestedBridgesAreFollowedDepthFirst) {
    FakeConfigSpace space;
    host_bridge(space);
    pci_bridge(space, {0, 0, 1, 0}, 1);
    pci_bridge(space, {0, 1, 0, 0}, 2);
    endpoint(space, {0, 2, 0, 0}, 0x1111);
    endpoint(space, {0, 0, 2, 0}, 0x2222);
    auto result = run_scan(space);
    ASSERT_EQ(result->functions.size(), 5u);
    EXPECT_EQ(result->functions[3].address, (Address{0, 2, 0, 0}));
    EXPECT_EQ(result->functions[4].address, (Address{0, 0, 2, 0}));
    EXPECT_EQ(result->buses_scanned, 3u);
}

TEST(PciScan, MultipleHostControllersEachOwnTheirBus) {
    FakeConfigSpace space;
    host_bridge(space).header_type(0x80);
    space.add({0, 0, 0, 1}).ids(0x8086, 0x1237).class_code(0x06, 0x00, 0x00);
    space.add({0, 0, 0, 3}).ids(0x8086, 0x1237).class_code(0x06, 0x00, 0x00);
    endpoint(space, {0, 1, 4, 0});
    endpoint(space, {0, 2, 4, 0}); // bus 2 has no host controller: unreachable
    endpoint(space, {0, 3, 4, 0});
    auto result = run_scan(space);
    EXPECT_NE(result->find({0, 1, 4, 0}), nullptr);
    EXPECT_EQ(result->find({0, 2, 4, 0}), nullptr);
    EXPECT_NE(result->find({0, 3, 4, 0}), nullptr);
    EXPECT_EQ(result->buses_scanned, 3u);
    EXPECT_EQ(result->anomalies.bridge_loops, 0u);
}

TEST(PciScan, BridgeBackToAnAlreadyScannedBusIsALoopNotFollowed) {
    FakeConfigSpace space;
    host_bridge(space);
    pci_bridge(space, {0, 0, 1, 0}, 1);
    pci_bridge(space, {0, 1, 0, 0}, 0); // secondary 0: unconfigured
    pci_bridge(space, {0, 1, 1, 0}, 1); // itself
    pci_bridge(space, {0, 1, 2, 0}, 2);
    pci_bridge(space, {0, 2, 0, 0}, 1); // back up
    auto result = run_scan(space);
    EXPECT_EQ(result->buses_scanned, 3u);
    EXPECT_EQ(result->anomalies.bridge_loops, 2u);
    EXPECT_EQ(result->anomalies.unconfigured_bridges, 1u);
    EXPECT_EQ(result->functions.size(), 6u);
}

TEST(PciScan, UnexpectedBridgeClassIsReported) {
    FakeConfigSpace space;
    host_bridge(space);
    pci_bridge(space, {0, 0, 1, 0}, 1).class_code(0x02, 0x00, 0x00);
    auto result = run_scan(space);
    ASSERT_NE(result->find({0, 0, 1, 0}), nullptr);
    EXPECT_TRUE(result->find({0, 0, 1, 0})->anomalies.unexpected_bridge_class);
    EXPECT_EQ(result->anomalies.functions_with_anomalies, 1u);
}

// Hostile hardware: every address answers as a multifunction bridge to the next bus (255 wraps to 0).
// The scan must end after 256 buses, keep what fits and count the rest.
class EverywhereBridges : public FakeConfigSpace {
public:
    EverywhereBridges() {
        m_answer.ids(0x1b36, 0x0001).class_code(0x06, 0x04, 0x00).header_type(0x81);
        m_answer.capabilities({{0x40, 0x05}});
        m_answer.set8(0x41, 0x40); // and a looped capability list, too
    }

protected:
    FakeFunction* find(Address address) override {
        m_answer.bridge_buses(address.bus, uint8_t(address.bus + 1), 0xff);
        return &m_answer;
    }

private:
    FakeFunction m_answer;
};

TEST(PciScan, DeviceAnsweringEverywhereEndsAndDropsWhatDoesNotFit) {
    EverywhereBridges space;
    auto result = run_scan(space);
    EXPECT_EQ(result->buses_scanned, 256u);
    EXPECT_EQ(result->functions.size(), ScanResult::max_functions);
    EXPECT_EQ(result->anomalies.dropped_functions, 256u * 32 * 8 - ScanResult::max_functions);
    EXPECT_GT(result->anomalies.bridge_loops, 0u);
}

TEST(PciScan, FromBusScansOnlyWhatIsBehindIt) {
    FakeConfigSpace space;
    host_bridge(space);
    pci_bridge(space, {0, 0x80, 0, 0}, 0x81);
    endpoint(space, {0, 0x81, 0, 0});
    auto result = std::make_unique<ScanResult>();
    scan_from_bus(space, *result, 0, 0x80);
    EXPECT_EQ(result->functions.size(), 2u);
    EXPECT_EQ(result->find({0, 0, 0, 0}), nullptr);
}

} // namespace
