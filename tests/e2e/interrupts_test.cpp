// /proc/interrupts as a user reads it: Linux's layout (a CPU0 column, the controller, the pin and
// flow, the device), and COM1's count moving while the user types at the serial console. The same
// boot runs the in-kernel benchmarks (`bench`), whose interrupt latency, device to handler, must be
// measured through edu's MSI and INTx (docs/benchmarks.md).
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

using testing::ContainsRegex;

namespace {

bool run_line(e2e::InteractiveRunner& runner, const std::string& line, const std::string& output) {
    return runner.type(line + "\r") && runner.wait_for(output, 30);
}

// The ttyS0 counts in every /proc/interrupts listing printed so far, in order.
std::vector<unsigned long> serial_counts(const std::string& output) {
    std::vector<unsigned long> counts;
    std::regex row(R"((^|\n) +4: +([0-9]+) +IO-APIC +4-edge +ttyS0\n)");
    for (auto match = std::sregex_iterator(output.begin(), output.end(), row);
         match != std::sregex_iterator(); ++match)
        counts.push_back(std::stoul((*match)[2]));
    return counts;
}

TEST(ProcInterrupts, ListsTheLinesInLinuxsFormatAndCountsTypedSerialInput) {
    e2e::InteractiveRunner runner({"--direct", "--firmware=bios", "--timeout=200", "--qemu-arg=-device",
                                   "--qemu-arg=edu", "--cmdline=bench",
                                   "--serial-log=" + e2e::test_log_path("e2e-proc-interrupts.log")});
    ASSERT_TRUE(runner.started());
    ASSERT_TRUE(runner.wait_for("Welcome to blog_os", 150) && runner.wait_for("# ", 60)) << runner.output();
    for (const char* how : {"MSI", "INTx"})
        EXPECT_THAT(
            runner.output(),
            ContainsRegex(std::string("benchmark: interrupt latency \\(") + how +
                          ", device to handler\\) min [1-9][0-9]* ns, median [1-9][0-9]* ns, max [1-9][0-9]* "
                          "ns over 2001 interrupts"));
    ASSERT_TRUE(run_line(runner, "cat /proc/interrupts; echo listed\"-\"1", "listed-1")) << runner.output();
    std::string first = runner.output();
    EXPECT_THAT(first, ContainsRegex("\n {11}CPU0 *\n"));
    EXPECT_THAT(first, ContainsRegex("\n +4: +[0-9]+ +IO-APIC +4-edge +ttyS0\n"));
    EXPECT_THAT(first, ContainsRegex("\n +1: +[0-9]+ +IO-APIC +1-edge +i8042\n"));
    EXPECT_THAT(first, ContainsRegex("\nLOC: +[0-9]+ +Local timer interrupts\n"));
    EXPECT_THAT(first, ContainsRegex("\nERR: +0\n"));

    // Typing is COM1's receive interrupt, IRQ 4: a key at a time, so the UART's FIFO cannot merge them.
    for (char key : std::string("echo 0123456789abcdef")) {
        ASSERT_TRUE(runner.type(std::string(1, key)));
        usleep(30'000);
    }
    ASSERT_TRUE(run_line(runner, "", "# "));
    ASSERT_TRUE(run_line(runner, "grep ttyS0 /proc/interrupts; echo listed\"-\"2", "listed-2"))
        << runner.output();
    std::vector<unsigned long> counts = serial_counts(runner.output());
    ASSERT_EQ(counts.size(), 2u) << runner.output();
    EXPECT_GE(counts[1], counts[0] + 16) << runner.output();
}

} // namespace
