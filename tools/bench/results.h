// What `make bench` learns from its boots, and the forms it reports them in. Pure: text in, text
// out, so the host tests can feed it any serial output.
//
// The guest program (userland/bench) prints `bench-result NAME VALUE UNIT DESCRIPTION` lines; each
// boot gives one value a metric, and the comparison takes, per kernel, the median over boots.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

enum class Kernel { Linux, BlogOs };
const char* kernel_name(Kernel kernel);

struct Sample {
    std::string name;
    double value = 0;
    std::string unit;
    std::string description;
};

// One boot's results, read from its serial output.
struct GuestRun {
    std::vector<Sample> samples;
    std::vector<std::string> failed; // metrics whose checks failed (bench-failed lines)
    std::string system;              // bench-info system: "Linux 6.1.0-…", "blog_os 0.1.0"
    bool done = false;               // the `bench: done` line came
    int announced_results = -1;      // what that line says was printed; -1 if it did not say
};

inline constexpr std::string_view started_marker = "bench: started";
inline constexpr std::string_view done_marker = "bench: done";

// Why a boot's results cannot be trusted whole: the line never came, a check failed, or a result
// line was lost or garbled on the way (fewer samples than announced). Empty when all is well.
std::string run_problem(const GuestRun& run);

GuestRun parse_guest_output(std::string_view serial);

// The seconds the runner reports between QEMU's start and `text` on COM1 (its
// "expected text seen S s after QEMU started: TEXT" line), if it reported them.
std::optional<double> parse_seen_seconds(std::string_view runner_messages, std::string_view text);

// The microseconds of blog_os's boot-time PCI scan, from its kernel log line
// "[pci][INFO] N functions in X us" (kernel/bus/pci.cpp), if the log has it.
std::optional<double> parse_pci_scan_us(std::string_view serial);

// Every boot's value of one metric, per kernel.
struct Metric {
    std::string name;
    std::string unit;
    std::string description;
    std::vector<double> linux_values;
    std::vector<double> blog_os_values;
};

// Adds one boot's samples to `metrics`, keeping the order in which metrics first appear.
void add_run(std::vector<Metric>& metrics, Kernel kernel, const std::vector<Sample>& samples);

// Whether a bigger value is better: rates (a unit per second, "MiB/s"). Everything else the guest
// reports (a time, memory in use) is better smaller.
bool higher_is_better(std::string_view unit);

enum class Verdict { Faster, NoDifference, Slower, NotCompared };
const char* verdict_text(Verdict verdict);

struct Summary {
    double median = 0;
    double minimum = 0;
    double maximum = 0;
    size_t count = 0;
};
std::optional<Summary> summarize(std::vector<double> values);

struct Comparison {
    const Metric* metric = nullptr;
    std::optional<Summary> linux_summary;
    std::optional<Summary> blog_os_summary;
    // What blog_os takes of Linux's time, so that below 1 is faster whatever the unit: blog_os's
    // median / Linux's, or for a rate (higher_is_better) Linux's median / blog_os's.
    std::optional<double> ratio;
    Verdict verdict = Verdict::NotCompared;
};

// Ratios within ±20% count as no difference: the machines these run on are shared and noisy.
inline constexpr double noise_band = 0.20;

std::vector<Comparison> compare(const std::vector<Metric>& metrics);

std::string format_table(const std::vector<Comparison>& comparisons); // Markdown, aligned
std::string format_csv(const std::vector<Comparison>& comparisons);
std::string format_json(const std::vector<Comparison>& comparisons, std::string_view linux_system,
                        std::string_view blog_os_system, int boots_per_kernel);
// "NAME RATIO" lines of the compared metrics, for gnuplot.
std::string format_plot_data(const std::vector<Comparison>& comparisons);

// Replaces what lies between `<!-- bench-table:begin -->` and `<!-- bench-table:end -->` in
// `document` with `table`; nullopt when the markers are missing.
std::optional<std::string> replace_table(std::string_view document, std::string_view table);

} // namespace bench
