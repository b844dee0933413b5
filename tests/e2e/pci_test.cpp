// The boot-time PCI scan against what QEMU was given: extra devices on bus 0, a PCI-to-PCI bridge
// and a device behind it (the bus the firmware numbered), on pc and q35, under both firmwares.
#include "e2e_support.h"

#include <cstdio>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <regex>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using testing::ContainsRegex;
using testing::HasSubstr;

namespace {

struct Machine {
    const char* name;
    std::vector<std::string> arguments;
    const char* mechanism;              // how the kernel says it reaches configuration space
    std::vector<std::string> built_ins; // the machine's own functions, "[vendor:device] class 0x…"
};

// Every function the boot scan logged, as "[vendor:device] class 0x…", sorted.
std::multiset<std::string> scanned_functions(const std::string& serial) {
    static const std::regex line(
        "0000:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7] (\\[[0-9a-f]{4}:[0-9a-f]{4}\\] class 0x[0-9a-f]{6})");
    std::multiset<std::string> found;
    for (auto match = std::sregex_iterator(serial.begin(), serial.end(), line);
         match != std::sregex_iterator(); ++match)
        found.insert((*match)[1]);
    return found;
}
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
    // The whole list, not only the additions: the machine's own functions and what QEMU was given,
    // each once, and nothing else.
    std::multiset<std::string> expected(GetParam().built_ins.begin(), GetParam().built_ins.end());
    for (const char* given : {"[1b36:0002] class 0x070002", "[1af4:1005] class 0x00ff00",
                              "[1b36:0001] class 0x060400", "[1b36:0002] class 0x070002"})
        expected.insert(given);
    EXPECT_EQ(scanned_functions(run.serial), expected);
}

// QEMU 7's pc (i440FX, PIIX3 with its IDE and ACPI functions, std VGA, e1000) and q35 (MCH, VGA,
// e1000e, ICH9 LPC, AHCI and SMBus); the runner adds nothing else.
const std::vector<std::string> pc_functions = {"[8086:1237] class 0x060000", "[8086:7000] class 0x060100",
                                               "[8086:7010] class 0x010180", "[8086:7113] class 0x068000",
                                               "[1234:1111] class 0x030000", "[8086:100e] class 0x020000"};
const std::vector<std::string> q35_functions = {"[8086:29c0] class 0x060000", "[1234:1111] class 0x030000",
                                                "[8086:10d3] class 0x020000", "[8086:2918] class 0x060100",
                                                "[8086:2922] class 0x010601", "[8086:2930] class 0x0c0500"};

INSTANTIATE_TEST_SUITE_P(
    Machines, PciBootScan,
    testing::Values(Machine{"DirectBiosPc",
                            {"--direct", "--firmware=bios"},
                            "configuration through ports 0xCF8/0xCFC (no usable MCFG table)",
                            pc_functions},
                    Machine{"UefiQ35",
                            {"--iso=" BLOG_OS_ISO, "--firmware=uefi", "--machine=q35"},
                            "configuration through ECAM at 0xb0000000, buses 00-ff (MCFG)",
                            q35_functions},
                    // As Linux: the command line keeps to the ports.
                    Machine{"DirectBiosQ35NoMmconf",
                            {"--direct", "--firmware=bios", "--machine=q35", "--cmdline=pci=nommconf"},
                            "configuration through ports 0xCF8/0xCFC (pci=nommconf)",
                            q35_functions}),
    [](const auto& info) { return std::string(info.param.name); });

} // namespace

namespace {

// A FIFO pair QEMU's `pipe` chardev opens as PREFIX.in (what the guest receives) and PREFIX.out
// (what it sends); removed with the test.
class ChardevPipe {
public:
    explicit ChardevPipe(const std::string& prefix) : m_prefix(prefix) {
        std::remove((prefix + ".in").c_str());
        std::remove((prefix + ".out").c_str());
        m_ok = mkfifo((prefix + ".in").c_str(), 0600) == 0 && mkfifo((prefix + ".out").c_str(), 0600) == 0;
    }
    ~ChardevPipe() {
        std::remove((m_prefix + ".in").c_str());
        std::remove((m_prefix + ".out").c_str());
    }
    bool ok() const { return m_ok; }

private:
    std::string m_prefix;
    bool m_ok;
};

} // namespace

// Two QEMU pci-serial ports, one behind a bridge: the serial driver binds both, they are /dev/ttyS4
// and /dev/ttyS5, a line written to one reaches the host and a line the host sends arrives by
// interrupt; sysfs shows each function with Linux's attributes, its driver and its tty; unbinding
// through sysfs takes the port away and binding brings it back.
TEST(PciSerial, PortsBecomeTerminalsThatCarryBytesBothWaysAndSysfsShowsThem) {
    const std::string prefix = e2e::test_log_path("pci-serial-fifo");
    ChardevPipe pipe(prefix);
    ASSERT_TRUE(pipe.ok());
    // The guest says "ready" on the port, then waits for a line; the host answers once it reads it.
    std::string sent_by_guest;
    std::thread host([&] {
        int out = open((prefix + ".out").c_str(), O_RDONLY);
        if (out < 0)
            return;
        char buffer[256];
        for (ssize_t n;
             sent_by_guest.find("ready") == std::string::npos && (n = read(out, buffer, sizeof buffer)) > 0;)
            sent_by_guest.append(buffer, static_cast<size_t>(n));
        int in = open((prefix + ".in").c_str(), O_WRONLY);
        if (in >= 0) {
            const char line[] = "typed-on-the-host\r";
            (void)!write(in, line, sizeof line - 1);
            close(in);
        }
        for (ssize_t n; (n = read(out, buffer, sizeof buffer)) > 0;)
            sent_by_guest.append(buffer, static_cast<size_t>(n));
        close(out);
    });
    auto run =
        e2e::run_kernel("pci-serial", {"--direct", "--firmware=bios", "--timeout=120", "--qemu-arg=-chardev",
                                       "--qemu-arg=pipe,id=port0,path=" + prefix, "--qemu-arg=-device",
                                       "--qemu-arg=pci-serial,chardev=port0,addr=0x4", "--qemu-arg=-device",
                                       "--qemu-arg=pci-bridge,id=bridge1,chassis_nr=1,addr=0x10",
                                       "--qemu-arg=-device", "--qemu-arg=pci-serial,bus=bridge1,addr=0x3",
                                       "--cmdline=init=/bin/sh -- /tests/scripts/pci-serial.sh"});
    host.join();
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("pci 0000:00:04.0 0x1b36 0x0002 0x070002 "
                                      "../../../devices/pci0000:00/0000:00:04.0 "
                                      "driver=../../../bus/pci/drivers/serial\n"));
    // Behind the bridge, its directory is inside the bridge's, as on Linux.
    EXPECT_THAT(run.serial, ContainsRegex("pci 0000:0[1-9a-f]:03\\.0 0x1b36 0x0002 0x070002 "
                                          "\\.\\./\\.\\./\\.\\./devices/pci0000:00/0000:00:10\\.0/"
                                          "0000:0[1-9a-f]:03\\.0 driver=\\.\\./\\.\\./\\.\\./\\.\\./bus/pci/"
                                          "drivers/serial\n"));
    EXPECT_THAT(run.serial, HasSubstr("pci 0000:00:00.0 0x8086 0x1237 0x060000 "
                                      "../../../devices/pci0000:00/0000:00:00.0 driver=\n"));
    EXPECT_THAT(run.serial, HasSubstr("tty ttyS0 4:64 ../../devices/platform/serial8250/tty/ttyS0\n"));
    EXPECT_THAT(run.serial, HasSubstr("tty ttyS4 4:68 ../../devices/pci0000:00/0000:00:04.0/tty/ttyS4\n"));
    EXPECT_THAT(run.serial, ContainsRegex("tty ttyS5 4:69 \\.\\./\\.\\./devices/pci0000:00/0000:00:10\\.0/"
                                          "0000:0[1-9a-f]:03\\.0/tty/ttyS5\n"));
    EXPECT_THAT(run.serial, HasSubstr("got: typed-on-the-host\n"));
    EXPECT_THAT(run.serial, HasSubstr("unbound: /dev/ttyS4 absent, driver=\n"));
    EXPECT_THAT(run.serial, HasSubstr("bound again: /dev/ttyS4 4:68\n"));
    EXPECT_THAT(run.serial, HasSubstr("second bind refused\n"));
    EXPECT_THAT(sent_by_guest, HasSubstr("ready\r\n"));
    EXPECT_THAT(sent_by_guest, HasSubstr("bye\r\n"));
    EXPECT_THAT(sent_by_guest, testing::Not(HasSubstr("typed-on-the-host"))); // -echo held
}
