// Whole scans of configuration spaces recorded from QEMU 7.2 `pc` and `q35` (tests/data/record.sh):
// every function QEMU was given is found with its ids, class, BARs and capabilities, behind a PCI
// bridge and a PCIe root port too, nothing anomalous is reported, and the scan leaves the space as it was.
#include "pci/pattern.h"
#include "pci/scan.h"
#include "recorded_machine.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace {

using namespace pci;
using namespace pci::testing;

// q35 was recorded through ECAM (4096-byte spaces), pc through the ports.
std::unique_ptr<ScanResult> scan_recording(const char* path, FakeConfigSpace& space) {
    EXPECT_TRUE(load_recording(path, space)) << path;
    space.extended = path == std::string(BLOG_OS_PCI_QEMU_Q35);
    auto result = std::make_unique<ScanResult>();
    scan(space, *result);
    return result;
}

struct Expected {
    Address address;
    uint16_t vendor;
    uint16_t device;
    uint32_t class_triple;
};

void expect_functions(const ScanResult& result, std::initializer_list<Expected> expected) {
    ASSERT_EQ(result.functions.size(), expected.size());
    size_t index = 0;
    for (const Expected& want : expected) {
        const Function& got = result.functions[index++];
        char name[13];
        format_address(want.address, name);
        SCOPED_TRACE(name);
        EXPECT_EQ(got.address, want.address);
        EXPECT_EQ(got.vendor_id, want.vendor);
        EXPECT_EQ(got.device_id, want.device);
        EXPECT_EQ(got.class_triple(), want.class_triple);
    }
}

void expect_clean(const ScanResult& result) {
    EXPECT_EQ(result.anomalies.bridge_loops, 0u);
    EXPECT_EQ(result.anomalies.unconfigured_bridges, 0u);
    EXPECT_EQ(result.anomalies.dropped_functions, 0u);
    EXPECT_EQ(result.anomalies.functions_with_anomalies, 0u);
}

const Bar* bar_at(const Function* function, uint8_t index) {
    if (!function)
        return nullptr;
    for (const Bar& bar : function->bars)
        if (bar.index == index)
            return &bar;
    return nullptr;
}

TEST(PciQemuPc, FindsEveryFunctionInScanOrder) {
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_PC, space);
    expect_functions(*result, {
                                  {{0, 0, 0, 0}, 0x8086, 0x1237, 0x060000}, // i440FX host bridge
                                  {{0, 0, 1, 0}, 0x8086, 0x7000, 0x060100}, // PIIX3 ISA (multifunction)
                                  {{0, 0, 1, 1}, 0x8086, 0x7010, 0x010180}, // PIIX3 IDE
                                  {{0, 0, 1, 3}, 0x8086, 0x7113, 0x068000}, // PIIX4 ACPI
                                  {{0, 0, 2, 0}, 0x1234, 0x1111, 0x030000}, // std VGA
                                  {{0, 0, 3, 0}, 0x8086, 0x100e, 0x020000}, // e1000
                                  {{0, 0, 4, 0}, 0x1b36, 0x0002, 0x070002}, // pci-serial
                                  {{0, 0, 5, 0}, 0x1af4, 0x1005, 0x00ff00}, // virtio-rng (transitional)
                                  {{0, 0, 6, 0}, 0x1b36, 0x0001, 0x060400}, // pci-bridge
                                  {{0, 1, 0, 0}, 0x1b36, 0x0002, 0x070002}, // pci-serial behind it
                              });
    EXPECT_EQ(result->buses_scanned, 2u);
    expect_clean(*result);
    EXPECT_EQ(space.bar_probes_while_decoding, 0u);
}

TEST(PciQemuPc, IdentityAndInterruptOfTheE1000) {
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_PC, space);
    const Function* nic = result->find({0, 0, 3, 0});
    ASSERT_NE(nic, nullptr);
    EXPECT_EQ(nic->revision, 0x03);
    EXPECT_EQ(nic->subsystem_vendor_id, 0x1af4);
    EXPECT_EQ(nic->subsystem_id, 0x1100);
    EXPECT_EQ(nic->interrupt_line, 11);
    EXPECT_EQ(nic->interrupt_pin, 1);
    EXPECT_FALSE(nic->multifunction);
    EXPECT_TRUE(result->find({0, 0, 1, 0})->multifunction);
}

TEST(PciQemuPc, BarsOfEveryKind) {
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_PC, space);
    // IDE: only the bus-master BAR 4; the legacy ports are not BARs.
    const Function* ide = result->find({0, 0, 1, 1});
    ASSERT_NE(ide, nullptr);
    ASSERT_EQ(ide->bars.size(), 1u);
    EXPECT_EQ(ide->bars[0].index, 4);
    EXPECT_EQ(ide->bars[0].kind, BarKind::Io);
    EXPECT_EQ(ide->bars[0].address, 0xd060u);
    EXPECT_EQ(ide->bars[0].size, 16u);

    const Bar* framebuffer = bar_at(result->find({0, 0, 2, 0}), 0);
    ASSERT_NE(framebuffer, nullptr);
    EXPECT_EQ(framebuffer->kind, BarKind::Memory32);
    EXPECT_TRUE(framebuffer->prefetchable);
    EXPECT_EQ(framebuffer->address, 0xfd000000u);
    EXPECT_EQ(framebuffer->size, 16u << 20);

    const Function* nic = result->find({0, 0, 3, 0});
    ASSERT_EQ(nic->bars.size(), 2u);
    EXPECT_EQ(nic->bars[0].kind, BarKind::Memory32);
    EXPECT_FALSE(nic->bars[0].prefetchable);
    EXPECT_EQ(nic->bars[0].size, 128u << 10);
    EXPECT_EQ(nic->bars[1].kind, BarKind::Io);
    EXPECT_EQ(nic->bars[1].size, 64u);

    const Function* rng = result->find({0, 0, 5, 0});
    ASSERT_NE(rng, nullptr);
    ASSERT_EQ(rng->bars.size(), 3u);
    const Bar* modern = bar_at(rng, 4);
    ASSERT_NE(modern, nullptr);
    EXPECT_EQ(modern->kind, BarKind::Memory64);
    EXPECT_TRUE(modern->prefetchable);
    EXPECT_EQ(modern->address, 0xfe200000u);
    EXPECT_EQ(modern->size, 16u << 10);
    EXPECT_EQ(bar_at(rng, 5), nullptr); // the upper half
}

TEST(PciQemuPc, CapabilitiesOfVirtioAndTheBridge) {
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_PC, space);
    const Function* rng = result->find({0, 0, 5, 0});
    ASSERT_EQ(rng->capabilities.size(), 6u);
    EXPECT_EQ(rng->capabilities[0].id, capability::msi_x);
    EXPECT_EQ(rng->capabilities[0].offset, 0x98);
    for (size_t index = 1; index < 6; ++index)
        EXPECT_EQ(rng->capabilities[index].id, capability::vendor_specific); // virtio structure pointers

    const Function* bridge = result->find({0, 0, 6, 0});
    ASSERT_NE(bridge, nullptr);
    EXPECT_TRUE(bridge->is_pci_bridge());
    EXPECT_EQ(bridge->primary_bus, 0);
    EXPECT_EQ(bridge->secondary_bus, 1);
    EXPECT_EQ(bridge->subordinate_bus, 1);
    ASSERT_NE(bridge->find_capability(capability::msi), nullptr);
    EXPECT_EQ(bridge->find_capability(capability::msi)->offset, 0x4c);
    // The bridge's own register BAR is 64-bit, spanning both of a type 1 header's BARs.
    ASSERT_EQ(bridge->bars.size(), 1u);
    EXPECT_EQ(bridge->bars[0].kind, BarKind::Memory64);
    EXPECT_EQ(bridge->bars[0].size, 256u);
}

TEST(PciQemuPc, PatternsPickTheirDevices) {
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_PC, space);
    auto count = [&](const char* text) {
        auto pattern = PciPattern::parse(text);
        EXPECT_FALSE(pattern.is_error()) << text;
        size_t matches = 0;
        for (const Function& function : result->functions)
            matches += pattern.value().matches(function);
        return matches;
    };
    EXPECT_EQ(count("0x1b36 0x0002"), 2u);             // both pci-serial, one behind the bridge
    EXPECT_EQ(count("* * * * 0x060000 0xffff00"), 1u); // host bridges
    EXPECT_EQ(count("* * * * 0x060000 0xff0000"), 4u); // every bridge
    EXPECT_EQ(count("0x1af4 * * 0x0004"), 1u);         // virtio by subsystem id (4 = entropy source)
}

TEST(PciQemuPc, ScanLeavesConfigurationSpaceAsItFoundIt) {
    FakeConfigSpace before;
    ASSERT_TRUE(load_recording(BLOG_OS_PCI_QEMU_PC, before));
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_PC, space);
    for (const Function& function : result->functions)
        EXPECT_EQ(space.get(function.address)->bytes, before.get(function.address)->bytes);
}

TEST(PciQemuQ35, FindsTheDevicesBehindTheRootPortAndTheBridge) {
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_Q35, space);
    expect_functions(*result, {
                                  {{0, 0, 0, 0}, 0x8086, 0x29c0, 0x060000},  // MCH host bridge
                                  {{0, 0, 1, 0}, 0x1234, 0x1111, 0x030000},  // std VGA
                                  {{0, 0, 2, 0}, 0x8086, 0x10d3, 0x020000},  // e1000e
                                  {{0, 0, 3, 0}, 0x1b36, 0x0002, 0x070002},  // pci-serial
                                  {{0, 0, 4, 0}, 0x1b36, 0x000c, 0x060400},  // pcie-root-port
                                  {{0, 1, 0, 0}, 0x1af4, 0x1044, 0x00ff00},  // virtio-rng (modern)
                                  {{0, 0, 5, 0}, 0x1b36, 0x0001, 0x060400},  // pci-bridge
                                  {{0, 2, 0, 0}, 0x1b36, 0x0002, 0x070002},  // pci-serial behind it
                                  {{0, 0, 31, 0}, 0x8086, 0x2918, 0x060100}, // ICH9 LPC
                                  {{0, 0, 31, 2}, 0x8086, 0x2922, 0x010601}, // ICH9 AHCI
                                  {{0, 0, 31, 3}, 0x8086, 0x2930, 0x0c0500}, // ICH9 SMBus
                              });
    EXPECT_EQ(result->buses_scanned, 3u);
    expect_clean(*result);
    EXPECT_EQ(space.bar_probes_while_decoding, 0u);
}

TEST(PciQemuQ35, PciExpressCapabilitiesAndSixtyFourBitBars) {
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_Q35, space);
    const Function* e1000e = result->find({0, 0, 2, 0});
    ASSERT_NE(e1000e, nullptr);
    EXPECT_EQ(e1000e->bars.size(), 4u);
    ASSERT_NE(e1000e->find_capability(capability::pci_express), nullptr);
    EXPECT_EQ(e1000e->find_capability(capability::pci_express)->offset, 0xe0);
    EXPECT_NE(e1000e->find_capability(capability::msi), nullptr);
    EXPECT_NE(e1000e->find_capability(capability::msi_x), nullptr);
    EXPECT_NE(e1000e->find_capability(capability::power_management), nullptr);

    ASSERT_EQ(e1000e->extended_capabilities.size(), 2u);
    EXPECT_EQ(e1000e->extended_capabilities[0].id, extended_capability::advanced_error_reporting);
    EXPECT_EQ(e1000e->extended_capabilities[0].offset, 0x100);
    EXPECT_EQ(e1000e->extended_capabilities[0].version, 2);
    EXPECT_EQ(e1000e->extended_capabilities[1].id, extended_capability::device_serial_number);
    EXPECT_EQ(e1000e->extended_capabilities[1].offset, 0x140);

    const Function* port = result->find({0, 0, 4, 0});
    ASSERT_NE(port, nullptr);
    EXPECT_EQ(port->secondary_bus, 1);
    EXPECT_NE(port->find_capability(capability::pci_express), nullptr);
    EXPECT_EQ(port->subsystem_vendor_id, 0x1b36); // from its bridge subsystem capability
    EXPECT_EQ(port->subsystem_id, 0x0000);
    ASSERT_NE(port->find_extended_capability(extended_capability::access_control_services), nullptr);
    EXPECT_EQ(port->find_extended_capability(extended_capability::access_control_services)->offset, 0x148);

    const Function* rng = result->find({0, 1, 0, 0});
    ASSERT_NE(rng, nullptr);
    ASSERT_EQ(rng->bars.size(), 2u);
    EXPECT_EQ(rng->bars[0].kind, BarKind::Memory32);
    EXPECT_EQ(rng->bars[0].size, 4096u);
    EXPECT_EQ(rng->bars[1].index, 4);
    EXPECT_EQ(rng->bars[1].kind, BarKind::Memory64);
    EXPECT_TRUE(rng->bars[1].prefetchable);
    EXPECT_EQ(rng->bars[1].address, 0xfe200000u);
    EXPECT_EQ(rng->bars[1].size, 16u << 10);
    EXPECT_EQ(rng->capabilities.size(), 8u);
    ASSERT_NE(rng->find_capability(capability::pci_express), nullptr);
    EXPECT_EQ(rng->find_capability(capability::pci_express)->offset, 0x40);

    const Function* ahci = result->find({0, 0, 31, 2});
    ASSERT_NE(ahci, nullptr);
    EXPECT_NE(ahci->find_capability(capability::sata), nullptr);
    ASSERT_EQ(ahci->bars.size(), 2u);
    EXPECT_EQ(ahci->bars[1].index, 5); // ABAR
    EXPECT_EQ(ahci->bars[1].size, 4096u);
}

TEST(PciQemuQ35, ScanLeavesConfigurationSpaceAsItFoundIt) {
    FakeConfigSpace before;
    ASSERT_TRUE(load_recording(BLOG_OS_PCI_QEMU_Q35, before));
    FakeConfigSpace space;
    auto result = scan_recording(BLOG_OS_PCI_QEMU_Q35, space);
    for (const Function& function : result->functions)
        EXPECT_EQ(space.get(function.address)->bytes, before.get(function.address)->bytes);
}

TEST(PciRecording, MissingFileIsReported) {
    FakeConfigSpace space;
    EXPECT_FALSE(load_recording("/nonexistent/recording.txt", space));
}

} // namespace
