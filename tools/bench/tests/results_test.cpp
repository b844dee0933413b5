#include "results.h"

#include <gtest/gtest.h>

namespace {

constexpr const char* blog_os_serial =
    "SeaBIOS (version 1.16)\r\n"
    "[    0.123] [T1] kernel: booting\n"
    "bench: started\n"
    "bench-info system blog_os 0.1.0\n"
    "bench-result syscall-null 101.500 ns null syscall (getpid through syscall)\n"
    "bench-result spawn-wait 250.000 us posix_spawn + wait of a small program\n"
    "bench-failed pipe-pingpong\n"
    "bench: done, 2 results, 1 failed\n";

TEST(BenchResults, GuestLinesBecomeSamplesWithTheirDescriptions) {
    bench::GuestRun run = bench::parse_guest_output(blog_os_serial);
    ASSERT_EQ(run.samples.size(), 2u);
    EXPECT_EQ(run.samples[0].name, "syscall-null");
    EXPECT_DOUBLE_EQ(run.samples[0].value, 101.5);
    EXPECT_EQ(run.samples[0].unit, "ns");
    EXPECT_EQ(run.samples[0].description, "null syscall (getpid through syscall)");
    EXPECT_EQ(run.samples[1].unit, "us");
    EXPECT_EQ(run.system, "blog_os 0.1.0");
    ASSERT_EQ(run.failed.size(), 1u);
    EXPECT_EQ(run.failed[0], "pipe-pingpong");
    EXPECT_TRUE(run.done);
}

TEST(BenchResults, ABootIsTrustedOnlyWhenEveryAnnouncedResultArrived) {
    EXPECT_EQ(bench::run_problem(bench::parse_guest_output("bench-result a 1 ns A\n"
                                                           "bench-result b 2 ns B\n"
                                                           "bench: done, 2 results, 0 failed\n")),
              "");
    // A line lost (or garbled) on the serial port.
    EXPECT_EQ(bench::run_problem(bench::parse_guest_output("bench-result a 1 ns A\n"
                                                           "bench-result b 2x ns B\n"
                                                           "bench: done, 2 results, 0 failed\n")),
              "announced 2 results, 1 arrived whole");
    EXPECT_EQ(bench::run_problem(bench::parse_guest_output(blog_os_serial)), "checks failed: pipe-pingpong");
    EXPECT_EQ(bench::run_problem(bench::parse_guest_output("bench-result a 1 ns A\n")),
              "no `bench: done` line");
    // A done line that announces nothing cannot vouch for anything.
    EXPECT_NE(bench::run_problem(bench::parse_guest_output("bench-result a 1 ns A\nbench: done\n")), "");
}

TEST(BenchResults, AMetricPrintedTwiceInOneBootCountsOnce) {
    bench::GuestRun run = bench::parse_guest_output("bench-result a 1 ns A\nbench-result a 5 ns A\n");
    ASSERT_EQ(run.samples.size(), 1u);
    EXPECT_DOUBLE_EQ(run.samples[0].value, 1);
}

TEST(BenchResults, MalformedAndForeignLinesAreIgnored) {
    bench::GuestRun run = bench::parse_guest_output("bench-result x notanumber ns text\n"
                                                    "bench-result y 1.5\n"
                                                    "log: bench-result z 3 ns inside another line\n"
                                                    "bench-result w inf ns infinite\n");
    EXPECT_TRUE(run.samples.empty());
    EXPECT_FALSE(run.done);
}

TEST(BenchResults, AnOutputCutBeforeTheEndIsNotDone) {
    EXPECT_FALSE(bench::parse_guest_output("bench: started\nbench-result a 1 ns a\n").done);
}

TEST(BenchResults, HostBootTimeComesFromTheRunnersLine) {
    std::string messages = "runner: booting x\n"
                           "runner: expected text seen 0.812 s after QEMU started: bench: started\n"
                           "runner: expected text seen 5.000 s after QEMU started: bench: done\n";
    auto seconds = bench::parse_seen_seconds(messages, "bench: started");
    ASSERT_TRUE(seconds.has_value());
    EXPECT_DOUBLE_EQ(*seconds, 0.812);
    EXPECT_FALSE(bench::parse_seen_seconds(messages, "bench: start").has_value());
    EXPECT_FALSE(bench::parse_seen_seconds("", "bench: started").has_value());
}

TEST(BenchResults, MediansMinimaAndMaximaPerKernel) {
    std::vector<bench::Metric> metrics;
    bench::add_run(metrics, bench::Kernel::Linux, {{"a", 100, "ns", "A"}, {"b", 10, "us", "B"}});
    bench::add_run(metrics, bench::Kernel::BlogOs, {{"a", 40, "ns", "A"}, {"only", 1, "ns", "O"}});
    bench::add_run(metrics, bench::Kernel::Linux, {{"a", 300, "ns", "A"}, {"b", 11, "us", "B"}});
    bench::add_run(metrics, bench::Kernel::BlogOs, {{"a", 60, "ns", "A"}});
    bench::add_run(metrics, bench::Kernel::Linux, {{"a", 200, "ns", "A"}, {"b", 12, "us", "B"}});
    bench::add_run(metrics, bench::Kernel::BlogOs, {{"a", 50, "ns", "A"}, {"b", 13.9, "us", "B"}});
    ASSERT_EQ(metrics.size(), 3u);
    EXPECT_EQ(metrics[0].name, "a");
    EXPECT_EQ(metrics[1].name, "b");
    EXPECT_EQ(metrics[2].name, "only");

    auto comparisons = bench::compare(metrics);
    ASSERT_EQ(comparisons.size(), 3u);
    EXPECT_DOUBLE_EQ(comparisons[0].linux_summary->median, 200);
    EXPECT_DOUBLE_EQ(comparisons[0].linux_summary->minimum, 100);
    EXPECT_DOUBLE_EQ(comparisons[0].linux_summary->maximum, 300);
    EXPECT_DOUBLE_EQ(comparisons[0].blog_os_summary->median, 50);
    EXPECT_DOUBLE_EQ(*comparisons[0].ratio, 0.25);
    EXPECT_EQ(comparisons[0].verdict, bench::Verdict::Faster);
    EXPECT_NEAR(*comparisons[1].ratio, 13.9 / 11, 1e-9);
    EXPECT_EQ(comparisons[1].verdict, bench::Verdict::Slower);
    EXPECT_FALSE(comparisons[2].ratio.has_value());
    EXPECT_EQ(comparisons[2].verdict, bench::Verdict::NotCompared);
}

TEST(BenchResults, RatiosWithinTwentyPercentAreNoDifference) {
    for (double blog_os : {80.5, 100.0, 119.5}) {
        std::vector<bench::Metric> metrics = {{"m", "ns", "M", {100}, {blog_os}}};
        EXPECT_EQ(bench::compare(metrics)[0].verdict, bench::Verdict::NoDifference) << blog_os;
    }
    std::vector<bench::Metric> slower = {{"m", "ns", "M", {100}, {121}}};
    EXPECT_EQ(bench::compare(slower)[0].verdict, bench::Verdict::Slower);
}

TEST(BenchResults, RatesAreBetterHigherAndTheirRatioIsStillBelowOneWhenFaster) {
    EXPECT_TRUE(bench::higher_is_better("MiB/s"));
    EXPECT_TRUE(bench::higher_is_better("ops/s"));
    for (const char* unit : {"ns", "us", "ms", "KiB", "s", "/s"})
        EXPECT_FALSE(bench::higher_is_better(unit)) << unit;

    // blog_os writes twice as fast: half Linux's time.
    std::vector<bench::Metric> metrics = {{"file-write-4k", "MiB/s", "W", {500, 400, 600}, {1000}},
                                          {"file-read-4k", "MiB/s", "R", {1000}, {500}},
                                          {"same", "MiB/s", "S", {1000}, {900}},
                                          {"zero", "MiB/s", "Z", {1000}, {0}}};
    auto comparisons = bench::compare(metrics);
    EXPECT_DOUBLE_EQ(*comparisons[0].ratio, 0.5);
    EXPECT_EQ(comparisons[0].verdict, bench::Verdict::Faster);
    EXPECT_DOUBLE_EQ(*comparisons[1].ratio, 2);
    EXPECT_EQ(comparisons[1].verdict, bench::Verdict::Slower);
    EXPECT_EQ(comparisons[2].verdict, bench::Verdict::NoDifference);
    // Nothing done in any time cannot be compared.
    EXPECT_FALSE(comparisons[3].ratio.has_value());
    EXPECT_EQ(comparisons[3].verdict, bench::Verdict::NotCompared);

    std::string json = bench::format_json(comparisons, "Linux", "blog_os", 1);
    EXPECT_NE(json.find("\"unit\": \"MiB/s\", \"better\": \"higher\""), std::string::npos);
    EXPECT_EQ(bench::format_plot_data(comparisons).substr(0, 19), "file-write-4k 0.5\nf");
}

TEST(BenchResults, TimesKeepTheirRatioAsBlogOsOverLinux) {
    std::vector<bench::Metric> metrics = {{"open-close", "ns", "O", {1000}, {250}}};
    auto comparisons = bench::compare(metrics);
    EXPECT_DOUBLE_EQ(*comparisons[0].ratio, 0.25);
    EXPECT_NE(bench::format_json(comparisons, "Linux", "blog_os", 1).find("\"better\": \"lower\""),
              std::string::npos);
}

TEST(BenchResults, EvenCountsTakeTheMeanOfTheMiddleTwo) {
    auto summary = bench::summarize({4, 1, 3, 2});
    ASSERT_TRUE(summary.has_value());
    EXPECT_DOUBLE_EQ(summary->median, 2.5);
    EXPECT_EQ(summary->count, 4u);
    EXPECT_FALSE(bench::summarize({}).has_value());
}

TEST(BenchResults, TheTableHasARowPerMetricWithDashesForMissingKernels) {
    std::vector<bench::Metric> metrics = {{"a", "ns", "null syscall", {200}, {50}},
                                          {"int80", "ns", "int 0x80", {}, {120}}};
    std::string table = bench::format_table(bench::compare(metrics));
    EXPECT_NE(table.find("| metric"), std::string::npos);
    EXPECT_NE(table.find("null syscall"), std::string::npos);
    EXPECT_NE(table.find("0.25"), std::string::npos);
    EXPECT_NE(table.find("faster"), std::string::npos);
    EXPECT_NE(table.find("not compared"), std::string::npos);
    // Header, separator and one line per metric.
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 4);
}

TEST(BenchResults, APipeInADescriptionDoesNotSplitItsTableCell) {
    std::vector<bench::Metric> metrics = {{"a", "ns", "read | write", {200}, {50}}};
    std::string table = bench::format_table(bench::compare(metrics));
    EXPECT_NE(table.find("read \\| write"), std::string::npos);
}

TEST(BenchResults, CsvAndJsonCarryEveryBootAndQuoteText) {
    std::vector<bench::Metric> metrics = {{"a", "ns", "say \"hi\", twice", {200, 100}, {50}}};
    auto comparisons = bench::compare(metrics);
    std::string csv = bench::format_csv(comparisons);
    EXPECT_NE(csv.find("\"say \"\"hi\"\", twice\""), std::string::npos);
    EXPECT_NE(csv.find(",150,100,200,2,50,50,50,1,"), std::string::npos);
    std::string json = bench::format_json(comparisons, "Linux 6.1", "blog_os 0.1", 2);
    EXPECT_NE(json.find("\"say \\\"hi\\\", twice\""), std::string::npos);
    EXPECT_NE(json.find("\"boots\": [200, 100]"), std::string::npos);
    EXPECT_NE(json.find("\"linux\": \"Linux 6.1\""), std::string::npos);
    EXPECT_NE(json.find("\"ratio\": 0.333333"), std::string::npos);
}

TEST(BenchResults, PlotDataListsOnlyComparedMetrics) {
    std::vector<bench::Metric> metrics = {{"a", "ns", "A", {200}, {50}}, {"b", "ns", "B", {}, {1}}};
    EXPECT_EQ(bench::format_plot_data(bench::compare(metrics)), "a 0.25\n");
}

TEST(BenchResults, TheDocsTableIsReplacedBetweenItsMarkers) {
    std::string document = "# Benchmarks\n<!-- bench-table:begin -->\nold\n<!-- bench-table:end -->\nafter\n";
    auto updated = bench::replace_table(document, "| new |\n");
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(*updated,
              "# Benchmarks\n<!-- bench-table:begin -->\n| new |\n<!-- bench-table:end -->\nafter\n");
    EXPECT_FALSE(bench::replace_table("no markers", "x").has_value());
}

} // namespace

TEST(BenchResults, PciScanTimeComesFromTheKernelLogLine) {
    EXPECT_EQ(bench::parse_pci_scan_us("[0.201][acpi][INFO] 3 functions in 5 us\n"
                                       "[0.250][pci][\x1b[32mINFO\x1b[0m] 10 functions on 2 buses\n"
                                       "[0.251][pci][\x1b[32mINFO\x1b[0m] 10 functions in 1234 us\r\n"),
              1234.0);
    EXPECT_EQ(bench::parse_pci_scan_us("[pci] 10 functions in many us\nbench: done\n"), std::nullopt);
    EXPECT_EQ(bench::parse_pci_scan_us(""), std::nullopt);
}
