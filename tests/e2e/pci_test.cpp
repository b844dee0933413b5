// The boot-time PCI scan against what QEMU was given: extra devices on bus 0, a PCI-to-PCI bridge
// and a device behind it (the bus the firmware numbered), on pc and q35, under both firmwares.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using testing::ContainsRegex;
using testing::HasSubstr;

namespace {

struct Machine {
    const char* name;
    std::vector<std::string> arguments;
    const char* mechanism; // how the kernel says it reaches configuration space
};
class PciBootScan : public testing::TestWithParam<Machine> {};

TEST_P(PciBootScan, FindsTheDevicesQemuWasGivenIncludingThoseBehindABridge) {
    std::vector<std::string> arguments = GetParam().arguments;
    for (const char* device : {"pci-serial", "virtio-rng-pci", "pci-bridge,id=bridge1,chassis_nr=1,addr=0x10",
                               "pci-serial,bus=bridge1,addr=0x3"}) {
        arguments.push_back("--qemu-arg=-device");
        arguments.push_back(std::string("--qemu-arg=") + device);
    }
    arguments.push_back("--timeout=120");
    arguments.push_back("--expect=blog_os: boot complete");
    auto run = e2e::run_kernel(std::string("pci-") + GetParam().name, arguments);
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    // QEMU's ids: pci-serial 1b36:0002 (class 07 00 02), the bridge 1b36:0001 (06 04 00), virtio-rng
    // 1af4:1005 (legacy) with class ff 00 00.
    EXPECT_THAT(run.serial, ContainsRegex("0000:00:[0-9a-f]{2}\\.0 \\[1b36:0002\\] class 0x070002"));
    EXPECT_THAT(run.serial, ContainsRegex("0000:00:[0-9a-f]{2}\\.0 \\[1af4:1005\\] class 0x00ff00"));
    EXPECT_THAT(run.serial, HasSubstr("0000:00:10.0 [1b36:0001] class 0x060400 (PCI bridge)"));
    // Behind the bridge: whatever bus number the firmware gave it (not 0), slot 3.
    EXPECT_THAT(run.serial, ContainsRegex("0000:0[1-9a-f]:03\\.0 \\[1b36:0002\\] class 0x070002"));
    EXPECT_THAT(run.serial, ContainsRegex("\\[pci\\][^\n]* [0-9]+ functions on [2-9] buses"));
    EXPECT_THAT(run.serial, testing::Not(HasSubstr("malformed")));
    EXPECT_THAT(run.serial, testing::Not(HasSubstr("odd topology")));
    EXPECT_THAT(run.serial, HasSubstr(GetParam().mechanism));
    EXPECT_THAT(run.serial, ContainsRegex("\\[pci\\][^\n]* [0-9]+ functions in [0-9]+ us"));
}

INSTANTIATE_TEST_SUITE_P(
    Machines, PciBootScan,
    testing::Values(Machine{"DirectBiosPc",
                            {"--direct", "--firmware=bios"},
                            "configuration through ports 0xCF8/0xCFC (no usable MCFG table)"},
                    Machine{"UefiQ35",
                            {"--iso=" BLOG_OS_ISO, "--firmware=uefi", "--machine=q35"},
                            "configuration through ECAM at 0xb0000000, buses 00-ff (MCFG)"},
                    // As Linux: the command line keeps to the ports.
                    Machine{"DirectBiosQ35NoMmconf",
                            {"--direct", "--firmware=bios", "--machine=q35", "--cmdline=pci=nommconf"},
                            "configuration through ports 0xCF8/0xCFC (pci=nommconf)"}),
    [](const auto& info) { return std::string(info.param.name); });

} // namespace
