// The address encodings of both access mechanisms, including the seed's offset-mask bug, checked through
// a model of the 0xCF8/0xCFC port pair decoding its address register the way the chipset does.
#include "fake_config_space.h"
#include "pci/config_space.h"
#include "pci/registers.h"

#include <gtest/gtest.h>

namespace {

using namespace pci;
using namespace pci::testing;

// The port pair as hardware sees it: a latched CF8 dword and data reads at CFC..CFF.
class PortPair {
public:
    explicit PortPair(FakeConfigSpace& space) : m_space(space) {}
    void write_address(uint32_t value) { m_address = value; }
    uint32_t read_data32() {
        if (!(m_address & 0x80000000))
            return 0xffffffff;
        Address address{0, uint8_t(m_address >> 16), uint8_t((m_address >> 11) & 0x1f),
                        uint8_t((m_address >> 8) & 0x7)};
        return m_space.read32(address, uint16_t(m_address & 0xfc)); // bits 1:0 are not a register index
    }
    uint8_t read_data8(uint16_t port) {
        return uint8_t(read_data32() >> (8 * (port - mechanism1_data_port)));
    }

private:
    FakeConfigSpace& m_space;
    uint32_t m_address = 0;
};

uint8_t read8_through_ports(PortPair& ports, Address address, uint16_t offset) {
    ports.write_address(mechanism1_address(address, offset));
    return ports.read_data8(mechanism1_data_port_for(offset));
}

TEST(PciMechanism1, EncodesEnableBusDeviceFunctionAndRegister) {
    EXPECT_EQ(mechanism1_address({0, 0, 0, 0}, 0x00), 0x80000000u);
    EXPECT_EQ(mechanism1_address({0, 0x12, 0x1f, 7}, 0x3c), 0x8012ff3cu);
    EXPECT_EQ(mechanism1_address({0, 1, 2, 3}, 0x0e), 0x8001130cu);
}

// Seed bug: the offset was masked with 0xF8, so register 0x0C (where the header type lives) read 0x08.
TEST(PciMechanism1, OffsetKeepsBit2SoRegister0x0CIsNotRegister0x08) {
    EXPECT_EQ(mechanism1_address({0, 0, 0, 0}, 0x0c) & 0xff, 0x0cu);
    EXPECT_EQ(mechanism1_address({0, 0, 0, 0}, 0x34) & 0xff, 0x34u);

    FakeConfigSpace space;
    space.add({0, 0, 1, 0}).ids(0x8086, 0x7000).class_code(0x06, 0x01, 0x00, 0x00).header_type(0x80);
    PortPair ports(space);
    EXPECT_EQ(read8_through_ports(ports, {0, 0, 1, 0}, reg::header_type), 0x80);
    EXPECT_EQ(read8_through_ports(ports, {0, 0, 1, 0}, reg::class_code), 0x06);
    EXPECT_EQ(read8_through_ports(ports, {0, 0, 1, 0}, reg::subclass), 0x01);
}

TEST(PciMechanism1, DataPortSelectsTheByteWithinTheDword) {
    EXPECT_EQ(mechanism1_data_port_for(0x0e), 0xcfe);
    EXPECT_EQ(mechanism1_data_port_for(0x3d), 0xcfd);
    EXPECT_EQ(mechanism1_data_port_for(0x10), 0xcfc);
}

TEST(PciEcam, OffsetIsBusDeviceFunctionAndTwelveBitRegister) {
    EXPECT_EQ(ecam_offset({0, 0, 0, 0}, 0), 0u);
    EXPECT_EQ(ecam_offset({0, 1, 2, 3}, 0x100), (1u << 20) | (2u << 15) | (3u << 12) | 0x100u);
    EXPECT_EQ(ecam_offset({0, 0xff, 0x1f, 7}, 0xffc), 0x0ffffffcu);
    // An MCFG entry whose bus range starts at 0x80 maps bus 0x81 one bus in.
    EXPECT_EQ(ecam_offset({0, 0x81, 0, 0}, 0, 0x80), 1u << 20);
}

TEST(PciAddress, FormatsLikeLinuxSysfs) {
    char text[13];
    format_address({0, 0, 0x1f, 2}, text);
    EXPECT_STREQ(text, "0000:00:1f.2");
    format_address({0x10, 0xab, 3, 7}, text);
    EXPECT_STREQ(text, "0010:ab:03.7");
}

TEST(PciFakeConfigSpace, AbsentFunctionsReadAllOnes) {
    FakeConfigSpace space;
    EXPECT_EQ(space.read16({0, 0, 0, 0}, 0), 0xffff);
    EXPECT_EQ(space.read32({0, 3, 4, 5}, 0x10), 0xffffffffu);
}

} // namespace
