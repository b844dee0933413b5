// virtio-rng through the virtio-PCI transport, as a user sees it: the virtio_rng module (which init
// loads at boot; these runs start a shell instead, so they insmod it) drives QEMU's entropy device on
// pc and q35, through its modern (virtio 1.x capabilities) and its legacy (I/O BAR 0) interface. It
// finds and negotiates it, /dev/hwrng gives bytes that are not constant and differ between reads, and
// the random pool is credited. rmmod unbinds and insmod binds again. Without the device the module
// loads and nothing about virtio is logged above debug level.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

using testing::ContainsRegex;
using testing::HasSubstr;

namespace {

struct RngSetup {
    const char* name;
    const char* machine;
    const char* device;    // the -device argument
    const char* interface; // what the driver logs
};
class VirtioRng : public testing::TestWithParam<RngSetup> {};
void PrintTo(const RngSetup& setup, std::ostream* out) {
    *out << setup.name;
}

// The hex bytes od printed between two markers: only its own lines (" 3f a0 …"), since kernel log
// lines may land between them (even in the middle of a marker's line). The last `begin` is the
// shell's: the boot log's command line has the markers too.
std::vector<int> bytes_between(const std::string& serial, const std::string& begin, const std::string& end) {
    size_t from = serial.rfind(begin);
    size_t to = serial.find(end, from == std::string::npos ? 0 : from);
    std::vector<int> bytes;
    if (from == std::string::npos || to == std::string::npos)
        return bytes;
    static const std::regex od_line("^( [0-9a-f]{2})+$");
    for (const std::string& line :
         e2e::lines_of(serial.substr(from + begin.size(), to - from - begin.size()))) {
        if (!std::regex_match(line, od_line))
            continue;
        for (size_t i = 1; i + 2 <= line.size(); i += 3)
            bytes.push_back(std::stoi(line.substr(i, 2), nullptr, 16));
    }
    return bytes;
}

size_t occurrences(const std::string& text, const std::string& part) {
    size_t count = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++count;
    return count;
}

TEST_P(VirtioRng, HwrngGivesRandomBytesAndThePoolIsCredited) {
    const RngSetup& setup = GetParam();
    auto run = e2e::run_kernel(
        std::string("virtio-rng-") + setup.name,
        {"--direct", "--firmware=bios", std::string("--machine=") + setup.machine, "--timeout=120",
         "--qemu-arg=-device", std::string("--qemu-arg=") + setup.device,
         "--cmdline=init=/bin/sh -- -c \"insmod /lib/modules/virtio_rng.ko; ls -l /dev/hwrng; echo first:; "
         "od -An -tx1 -N64 /dev/hwrng; "
         "echo second:; od -An -tx1 -N64 /dev/hwrng; echo end:; grep virtio-rng /proc/interrupts\""});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, ContainsRegex(std::string("\\[virtio_rng\\][^\n]* 0000:00:[0-9a-f]{2}\\.0: ") +
                                          setup.interface + " interface[^\n]*completions by MSI-X"));
    EXPECT_THAT(run.serial,
                ContainsRegex("\\[hwrng\\][^\n]* 64 bytes mixed into the random pool \\(512 bits"));
    EXPECT_THAT(run.serial, ContainsRegex("crw------- +1 +0 +0 +10, +183 [^\n]*/dev/hwrng"));
    // Completions came by MSI-X: the queue's vector counted them.
    EXPECT_THAT(run.serial,
                ContainsRegex("[1-9][0-9]* +PCI-MSIX-0000:00:[0-9a-f]{2}\\.0 +1-edge +virtio-rng-q0"));
    // The markers on lines of their own (the command line in the boot log has them too).
    std::vector<int> first = bytes_between(run.serial, "first:", "second:");
    std::vector<int> second = bytes_between(run.serial, "second:", "end:");
    ASSERT_EQ(first.size(), 64u) << run.serial;
    ASSERT_EQ(second.size(), 64u) << run.serial;
    EXPECT_NE(first, second);
    // 64 random bytes take at least 30 distinct values but for a chance far below 1e-20.
    EXPECT_GE(std::set<int>(first.begin(), first.end()).size(), 30u);
    EXPECT_GE(std::set<int>(second.begin(), second.end()).size(), 30u);
    EXPECT_THAT(run.serial, testing::Not(ContainsRegex("\\[virtio[^\n]*\\[(ERROR|WARN)")));
}

INSTANTIATE_TEST_SUITE_P(
    Machines, VirtioRng,
    testing::Values(RngSetup{"PcModern", "pc", "virtio-rng-pci,disable-legacy=on", "virtio 1.x"},
                    RngSetup{"PcLegacy", "pc", "virtio-rng-pci,disable-modern=on", "legacy"},
                    RngSetup{"Q35Modern", "q35", "virtio-rng-pci,disable-legacy=on", "virtio 1.x"},
                    RngSetup{"Q35Legacy", "q35", "virtio-rng-pci,disable-modern=on", "legacy"},
                    // Transitional (QEMU's default): both interfaces, the driver takes the modern one.
                    RngSetup{"PcTransitional", "pc", "virtio-rng-pci", "virtio 1.x"}),
    [](const auto& info) { return std::string(info.param.name); });

// The device model's unbind and bind: the device goes (and /dev/hwrng with it), then comes back and
// reads again. Then the module's removal: refused while /dev/hwrng is open, then the driver, /dev/hwrng
// and /sys/module/virtio_rng go, and insmod brings them back with the device bound and interrupting.
TEST(VirtioRngBinding, UnbindAndRmmodRemoveHwrngAndBindAndInsmodBringItBack) {
    auto run = e2e::run_kernel(
        "virtio-rng-bind",
        {"--direct", "--firmware=bios", "--timeout=120", "--qemu-arg=-device", "--qemu-arg=virtio-rng-pci",
         "--cmdline=init=/bin/sh -- -c \"insmod /lib/modules/virtio_rng.ko; cd "
         "/sys/bus/pci/drivers/virtio-rng; "
         "d=$(ls -d 0000:*); echo $d; echo $d > unbind; ls /dev/hwrng; echo $d > bind; echo again:; "
         "od -An -tx1 -N16 /dev/hwrng; echo end:; cd /; cat /sys/module/virtio_rng/initstate; "
         "exec 3</dev/hwrng; rmmod virtio_rng; echo refcnt=$(cat /sys/module/virtio_rng/refcnt); exec 3<&-; "
         "rmmod virtio_rng; "
         "ls /dev/hwrng; ls /sys/bus/pci/drivers/virtio-rng; ls /sys/module/virtio_rng; "
         "insmod /lib/modules/virtio_rng.ko; echo third:; od -An -tx1 -N16 /dev/hwrng; echo done:; "
         "grep virtio-rng /proc/interrupts\""});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("'/dev/hwrng': No such file or directory"));
    EXPECT_EQ(bytes_between(run.serial, "again:", "end:").size(), 16u) << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("\nlive\n"));
    // An open /dev/hwrng holds the module: rmmod says so until it is closed.
    EXPECT_THAT(run.serial, HasSubstr("rmmod: ERROR: Module virtio_rng is in use\nrefcnt=1\n"));
    EXPECT_EQ(occurrences(run.serial, "'/dev/hwrng': No such file or directory"), 2u) << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("'/sys/bus/pci/drivers/virtio-rng': No such file or directory"));
    EXPECT_THAT(run.serial, HasSubstr("'/sys/module/virtio_rng': No such file or directory"));
    EXPECT_EQ(bytes_between(run.serial, "third:", "done:").size(), 16u) << run.serial;
    EXPECT_THAT(run.serial,
                ContainsRegex("[1-9][0-9]* +PCI-MSIX-0000:00:[0-9a-f]{2}\\.0 +1-edge +virtio-rng-q0"));
    EXPECT_THAT(run.serial, testing::Not(ContainsRegex("\\[virtio[^\n]*\\[(ERROR|WARN)")));
}

TEST(VirtioRngAbsent, WithoutTheDeviceTheModuleLoadsNothingIsLoggedAndThereIsNoHwrng) {
    auto run = e2e::run_kernel(
        "virtio-rng-absent",
        {"--direct", "--firmware=bios", "--timeout=120",
         "--cmdline=init=/bin/sh -- -c \"insmod /lib/modules/virtio_rng.ko && echo "
         "loaded:; echo bound=$(ls /sys/bus/pci/drivers/virtio-rng | grep -c 0000:); ls /dev/hwrng; "
         "echo end:\""});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("\nloaded:\n"));
    EXPECT_THAT(run.serial, HasSubstr("\nbound=0\n")); // the driver is registered, with nothing to bind
    EXPECT_THAT(run.serial, HasSubstr("\nend:\n"));
    EXPECT_THAT(run.serial, HasSubstr("'/dev/hwrng': No such file or directory"));
    EXPECT_THAT(run.serial, testing::Not(HasSubstr("[virtio")));
}

} // namespace
