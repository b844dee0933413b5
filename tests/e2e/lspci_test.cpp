// lspci inside blog_os, on the machine userland/toolbox/tests/lspci/record.sh recorded under Linux
// (QEMU pc with a pci-serial, a virtio-rng-pci and a pci-bridge with a pci-serial behind it): what
// it prints from blog_os's /sys is what pciutils printed from Linux's.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

using testing::HasSubstr;

namespace {

// "### lspci ARGS" headers and the lines after each, up to the next header.
std::map<std::string, std::string> sections(const std::string& text) {
    std::map<std::string, std::string> found;
    std::istringstream lines(text);
    std::string line, current;
    bool inside = false;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.rfind("### ", 0) == 0) {
            current = line.substr(4);
            inside = true;
            found[current];
        } else if (inside) {
            found[current] += line + "\n";
        }
    }
    return found;
}

TEST(Lspci, PrintsFromBlogOsSysfsWhatPciutilsPrintedFromLinuxForTheSameMachine) {
    auto run = e2e::run_kernel("lspci", {"--direct", "--firmware=bios", "--timeout=120", "--qemu-arg=-device",
                                         "--qemu-arg=pci-serial,addr=0x4", "--qemu-arg=-device",
                                         "--qemu-arg=virtio-rng-pci,addr=0x5", "--qemu-arg=-device",
                                         "--qemu-arg=pci-bridge,id=b1,chassis_nr=1,addr=0x10",
                                         "--qemu-arg=-device", "--qemu-arg=pci-serial,bus=b1,addr=0x3",
                                         "--cmdline=init=/bin/sh -- /tests/scripts/lspci.sh"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    ASSERT_THAT(run.serial, HasSubstr("### done"));
    std::ifstream file(BLOG_OS_SOURCE_DIR "/userland/toolbox/tests/lspci/expected.txt");
    std::stringstream text;
    text << file.rdbuf();
    auto linux_output = sections(text.str());
    auto blog_os_output = sections(run.serial.substr(run.serial.find("### lspci")));
    for (const char* arguments : {"lspci ", "lspci -n", "lspci -nn", "lspci -k"}) {
        ASSERT_TRUE(linux_output.count(arguments)) << arguments;
        EXPECT_EQ(blog_os_output[arguments], linux_output[arguments]) << arguments;
    }
    // -v: the registers and capabilities read through /sys/.../config and resource.
    const std::string& verbose = blog_os_output["lspci -v"];
    EXPECT_THAT(verbose, HasSubstr("00:05.0 Unclassified device [00ff]: Red Hat, Inc. Virtio RNG\n"
                                   "\tSubsystem: Red Hat, Inc. Device 0004\n"));
    EXPECT_THAT(verbose, HasSubstr("\tCapabilities: [98] MSI-X: Enable- Count=2 Masked-\n"
                                   "\tCapabilities: [84] Vendor Specific Information: VirtIO: <unknown>\n"));
    EXPECT_THAT(verbose, HasSubstr("\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
                                   "\tI/O behind bridge: c000-cfff [size=4K] [16-bit]\n"));
    EXPECT_THAT(verbose, HasSubstr("\tI/O ports at d070 [size=8]\n"));
    EXPECT_THAT(verbose, HasSubstr("\tKernel driver in use: serial\n"));
}

} // namespace
