// Mechanism #1 over a model of the chipset's port pair, and ECAM over a memory window: both reach the
// right registers, refuse what they cannot reach, and carry a whole scan of a recorded machine.
#include "pci/access.h"
#include "pci/scan.h"
#include "recorded_machine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

namespace {

using namespace pci;
using namespace pci::testing;

// The host bridge's side of 0xCF8/0xCFC: a latched address dword, then data accesses at CFC..CFF
// reaching the selected register (bits 7:2 of the latch) plus the port's byte offset.
class ChipsetPorts : public PortIo {
public:
    explicit ChipsetPorts(FakeConfigSpace& space) : m_space(space) {}

    uint8_t in8(uint16_t port) override {
        ++accesses;
        return enabled(port) ? m_space.read8(selected(), register_for(port)) : 0xff;
    }
    uint16_t in16(uint16_t port) override {
        ++accesses;
        return enabled(port) ? m_space.read16(selected(), register_for(port)) : 0xffff;
    }
    uint32_t in32(uint16_t port) override {
        ++accesses;
        if (port == mechanism1_address_port)
            return m_latch;
        return enabled(port) ? m_space.read32(selected(), register_for(port)) : 0xffffffff;
    }
    void out8(uint16_t port, uint8_t value) override {
        ++accesses;
        if (enabled(port))
            m_space.write8(selected(), register_for(port), value);
    }
    void out16(uint16_t port, uint16_t value) override {
        ++accesses;
        if (enabled(port))
            m_space.write16(selected(), register_for(port), value);
    }
    void out32(uint16_t port, uint32_t value) override {
        ++accesses;
        if (port == mechanism1_address_port)
            m_latch = value;
        else if (enabled(port))
            m_space.write32(selected(), register_for(port), value);
    }

    size_t accesses = 0;

private:
    bool enabled(uint16_t port) const {
        return (m_latch & 0x80000000) && port >= mechanism1_data_port && port < mechanism1_data_port + 4;
    }
    Address selected() const {
        return Address{0, uint8_t(m_latch >> 16), uint8_t((m_latch >> 11) & 0x1f),
                       uint8_t((m_latch >> 8) & 7)};
    }
    uint16_t register_for(uint16_t port) const {
        return uint16_t((m_latch & 0xfc) + (port - mechanism1_data_port));
    }

    FakeConfigSpace& m_space;
    uint32_t m_latch = 0;
};

TEST(PciMechanism1Access, ReadsAndWritesEveryWidthAtTheRightRegister) {
    FakeConfigSpace space;
    space.add({0, 0, 1, 0}).ids(0x8086, 0x7000).class_code(0x06, 0x01, 0x00, 0x00).header_type(0x80);
    ChipsetPorts ports(space);
    Mechanism1ConfigSpace config(ports);
    EXPECT_EQ(config.read32({0, 0, 1, 0}, 0x00), 0x70008086u);
    EXPECT_EQ(config.read16({0, 0, 1, 0}, 0x02), 0x7000);
    EXPECT_EQ(config.read8({0, 0, 1, 0}, 0x0e), 0x80); // the register the seed could not reach
    EXPECT_EQ(config.read8({0, 0, 1, 0}, 0x0b), 0x06);
    config.write16({0, 0, 1, 0}, 0x04, 0x0007);
    config.write8({0, 0, 1, 0}, 0x3c, 11);
    config.write32({0, 0, 1, 0}, 0x40, 0xdeadbeef);
    EXPECT_EQ(space.get({0, 0, 1, 0})->get16(0x04), 0x0007);
    EXPECT_EQ(space.get({0, 0, 1, 0})->get8(0x3c), 11);
    EXPECT_EQ(space.get({0, 0, 1, 0})->get32(0x40), 0xdeadbeefu);
    EXPECT_EQ(config.read16({0, 0, 2, 0}, 0x00), 0xffff); // absent
}

TEST(PciMechanism1Access, WhatThePortsCannotReachReadsAllOnesWithoutTouchingThem) {
    FakeConfigSpace space;
    space.add({0, 0, 0, 0}).ids(0x8086, 0x1237);
    ChipsetPorts ports(space);
    Mechanism1ConfigSpace config(ports);
    EXPECT_FALSE(config.has_extended_space());
    EXPECT_EQ(config.read32({1, 0, 0, 0}, 0x00), 0xffffffffu);  // another segment
    EXPECT_EQ(config.read32({0, 0, 0, 0}, 0x100), 0xffffffffu); // extended space
    EXPECT_EQ(config.read16({0, 0, 0, 0}, 0xff), 0xffff);       // past the end
    EXPECT_EQ(config.read32({0, 0, 0, 0}, 0x02), 0xffffffffu);  // misaligned
    EXPECT_EQ(config.read16({0, 0, 32, 0}, 0x00), 0xffff);      // no device 32
    config.write32({0, 0, 0, 0}, 0x100, 0);
    EXPECT_EQ(ports.accesses, 0u);
}

TEST(PciMechanism1Access, ScansTheRecordedPcThroughThePorts) {
    FakeConfigSpace space;
    ASSERT_TRUE(load_recording(BLOG_OS_PCI_QEMU_PC, space));
    FakeConfigSpace before = space;
    ChipsetPorts ports(space);
    Mechanism1ConfigSpace config(ports);
    auto result = std::make_unique<ScanResult>();
    scan(config, *result);
    ASSERT_EQ(result->functions.size(), 10u);
    EXPECT_NE(result->find({0, 0, 1, 3}), nullptr); // PIIX ACPI: found because 0x0E reads right
    EXPECT_NE(result->find({0, 1, 0, 0}), nullptr); // behind the bridge
    const Function* rng = result->find({0, 0, 5, 0});
    ASSERT_NE(rng, nullptr);
    ASSERT_EQ(rng->bars.size(), 3u);
    EXPECT_EQ(rng->bars[2].size, 16u << 10);
    EXPECT_EQ(space.bar_probes_while_decoding, 0u);
    for (const Function& function : result->functions)
        EXPECT_EQ(space.get(function.address)->bytes, before.get(function.address)->bytes);
}

// A window of `buses` buses filled like hardware: all ones where no function is.
std::vector<uint8_t> ecam_window(FakeConfigSpace& recording, std::initializer_list<Address> functions,
                                 uint8_t start_bus, uint8_t buses) {
    std::vector<uint8_t> window(EcamConfigSpace::window_size(start_bus, uint8_t(start_bus + buses - 1)),
                                0xff);
    for (Address address : functions) {
        const FakeFunction* function = recording.get(address);
        std::memcpy(window.data() + ecam_offset(address, 0, start_bus), function->bytes.data(),
                    ConfigSpace::extended_size);
    }
    return window;
}

TEST(PciEcamAccess, ScansTheRecordedQ35WithExtendedCapabilities) {
    FakeConfigSpace recording;
    ASSERT_TRUE(load_recording(BLOG_OS_PCI_QEMU_Q35, recording));
    std::initializer_list<Address> functions = {{0, 0, 0, 0},  {0, 0, 1, 0},  {0, 0, 2, 0}, {0, 0, 3, 0},
                                                {0, 0, 4, 0},  {0, 1, 0, 0},  {0, 0, 5, 0}, {0, 2, 0, 0},
                                                {0, 0, 31, 0}, {0, 0, 31, 2}, {0, 0, 31, 3}};
    std::vector<uint8_t> window = ecam_window(recording, functions, 0, 3);
    std::vector<uint8_t> before = window;
    EcamConfigSpace config(0, 0, 2, window.data());
    EXPECT_TRUE(config.has_extended_space());
    auto result = std::make_unique<ScanResult>();
    scan(config, *result);
    ASSERT_EQ(result->functions.size(), functions.size());
    size_t index = 0;
    for (Address address : functions)
        EXPECT_EQ(result->functions[index++].address, address);
    const Function* port = result->find({0, 0, 4, 0});
    ASSERT_NE(port, nullptr);
    EXPECT_NE(port->find_extended_capability(extended_capability::access_control_services), nullptr);
    // Plain memory is no device: BAR probes stick, but every byte is restored.
    EXPECT_EQ(window, before);
}

TEST(PciEcamAccess, AddressesOutsideTheWindowReadAllOnes) {
    std::vector<uint8_t> window(EcamConfigSpace::window_size(0x80, 0x81), 0);
    EcamConfigSpace config(1, 0x80, 0x81, window.data());
    window[ecam_offset({1, 0x81, 2, 3}, 0x10, 0x80)] = 0x42;
    EXPECT_EQ(config.read8({1, 0x81, 2, 3}, 0x10), 0x42);
    EXPECT_EQ(config.read8({1, 0x80, 0, 0}, 0x00), 0);
    EXPECT_EQ(config.read8({1, 0x7f, 0, 0}, 0x00), 0xff);           // below the window
    EXPECT_EQ(config.read8({1, 0x82, 0, 0}, 0x00), 0xff);           // above it
    EXPECT_EQ(config.read8({0, 0x80, 0, 0}, 0x00), 0xff);           // another segment
    EXPECT_EQ(config.read32({1, 0x80, 0, 0}, 0x0ffe), 0xffffffffu); // misaligned at the end
    EXPECT_EQ(config.read32({1, 0x80, 0, 0}, 0x0ffc), 0u);
    config.write32({1, 0x81, 31, 7}, 0xffc, 0x12345678);
    EXPECT_EQ(config.read32({1, 0x81, 31, 7}, 0xffc), 0x12345678u);
    EXPECT_EQ(window.back(), 0x12);
}

} // namespace
