// Parsing the guest's lines, medians over boots, and the table, CSV, JSON and plot data.
#include "results.h"

#include "qmp.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace bench {

const char* kernel_name(Kernel kernel) {
    return kernel == Kernel::Linux ? "Linux" : "blog_os";
}

const char* verdict_text(Verdict verdict) {
    switch (verdict) {
    case Verdict::Faster:
        return "faster";
    case Verdict::NoDifference:
        return "no difference";
    case Verdict::Slower:
        return "slower";
    case Verdict::NotCompared:
        break;
    }
    return "not compared";
}

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// Splits off the first blank-separated word.
std::string_view next_word(std::string_view& text) {
    text = trim(text);
    size_t end = text.find(' ');
    std::string_view word = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : trim(text.substr(end));
    return word;
}

std::optional<double> parse_number(std::string_view text) {
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::string format_number(double value) {
    char text[48];
    double magnitude = std::fabs(value);
    int decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string json_number(double value) {
    char text[48];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\n") == std::string_view::npos)
        return std::string(text);
    std::string quoted = "\"";
    for (char c : text) {
        quoted += c;
        if (c == '"')
            quoted += '"';
    }
    return quoted + "\"";
}

} // namespace

GuestRun parse_guest_output(std::string_view serial) {
    GuestRun run;
    std::istringstream lines{std::string(serial)};
    std::string line_text;
    while (std::getline(lines, line_text)) {
        std::string_view line = trim(line_text);
        // Firmware and kernel logs share COM1: only whole lines of ours count.
        if (line.starts_with(done_marker)) {
            run.done = true;
            // "bench: done, N results, M failed"
            std::string_view rest = line.substr(done_marker.size());
            if (rest.starts_with(","))
                rest.remove_prefix(1);
            if (auto count = parse_number(next_word(rest)); count && next_word(rest) == "results,")
                run.announced_results = static_cast<int>(*count);
            continue;
        }
        std::string_view rest = line;
        std::string_view kind = next_word(rest);
        if (kind == "bench-result") {
            Sample sample;
            sample.name = std::string(next_word(rest));
            auto value = parse_number(next_word(rest));
            sample.unit = std::string(next_word(rest));
            sample.description = std::string(rest);
            bool repeated = std::any_of(run.samples.begin(), run.samples.end(),
                                        [&](const Sample& earlier) { return earlier.name == sample.name; });
            if (!sample.name.empty() && value && !sample.unit.empty() && !repeated) {
                sample.value = *value;
                run.samples.push_back(std::move(sample));
            }
        } else if (kind == "bench-failed") {
            run.failed.emplace_back(next_word(rest));
        } else if (kind == "bench-info" && next_word(rest) == "system") {
            run.system = std::string(rest);
        }
    }
    return run;
}

std::string run_problem(const GuestRun& run) {
    if (!run.done)
        return "no `bench: done` line";
    if (!run.failed.empty())
        return "checks failed: " + run.failed.front() + (run.failed.size() > 1 ? " and more" : "");
    if (run.announced_results != static_cast<int>(run.samples.size()))
        return "announced " + std::to_string(run.announced_results) + " results, " +
               std::to_string(run.samples.size()) + " arrived whole";
    return {};
}

std::optional<double> parse_seen_seconds(std::string_view runner_messages, std::string_view text) {
    constexpr std::string_view prefix = "runner: expected text seen ";
    constexpr std::string_view middle = " s after QEMU started: ";
    std::istringstream lines{std::string(runner_messages)};
    std::string line_text;
    while (std::getline(lines, line_text)) {
        std::string_view line = line_text;
        if (!line.starts_with(prefix))
            continue;
        line.remove_prefix(prefix.size());
        size_t at = line.find(middle);
        if (at == std::string_view::npos || line.substr(at + middle.size()) != text)
            continue;
        return parse_number(line.substr(0, at));
    }
    return std::nullopt;
}

std::optional<double> parse_pci_scan_us(std::string_view serial) {
    constexpr std::string_view tag = "[pci]";
    constexpr std::string_view middle = " functions in ";
    std::istringstream lines{std::string(serial)};
    std::string line_text;
    while (std::getline(lines, line_text)) {
        std::string_view line = trim(line_text);
        size_t at = line.find(tag);
        if (at == std::string_view::npos)
            continue;
        line.remove_prefix(at + tag.size());
        at = line.find(middle);
        if (at == std::string_view::npos || !line.ends_with(" us"))
            continue;
        line = line.substr(at + middle.size());
        line.remove_suffix(3);
        if (auto value = parse_number(line))
            return value;
    }
    return std::nullopt;
}

void add_run(std::vector<Metric>& metrics, Kernel kernel, const std::vector<Sample>& samples) {
    for (const Sample& sample : samples) {
        auto found = std::find_if(metrics.begin(), metrics.end(),
                                  [&](const Metric& metric) { return metric.name == sample.name; });
        if (found == metrics.end()) {
            metrics.push_back(Metric{sample.name, sample.unit, sample.description, {}, {}});
            found = metrics.end() - 1;
        }
        (kernel == Kernel::Linux ? found->linux_values : found->blog_os_values).push_back(sample.value);
    }
}

std::optional<Summary> summarize(std::vector<double> values) {
    if (values.empty())
        return std::nullopt;
    std::sort(values.begin(), values.end());
    size_t middle = values.size() / 2;
    double median = values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    return Summary{median, values.front(), values.back(), values.size()};
}

bool higher_is_better(std::string_view unit) {
    return unit.size() > 2 && unit.ends_with("/s");
}

std::vector<Comparison> compare(const std::vector<Metric>& metrics) {
    std::vector<Comparison> comparisons;
    for (const Metric& metric : metrics) {
        Comparison comparison;
        comparison.metric = &metric;
        comparison.linux_summary = summarize(metric.linux_values);
        comparison.blog_os_summary = summarize(metric.blog_os_values);
        // As time taken: blog_os / Linux, or Linux / blog_os for a rate, where more is better.
        const bool rate = higher_is_better(metric.unit);
        const std::optional<Summary>& numerator =
            rate ? comparison.linux_summary : comparison.blog_os_summary;
        const std::optional<Summary>& denominator =
            rate ? comparison.blog_os_summary : comparison.linux_summary;
        if (numerator && denominator && denominator->median > 0) {
            double ratio = numerator->median / denominator->median;
            comparison.ratio = ratio;
            comparison.verdict = ratio < 1 - noise_band   ? Verdict::Faster
                                 : ratio > 1 + noise_band ? Verdict::Slower
                                                          : Verdict::NoDifference;
        }
        comparisons.push_back(comparison);
    }
    return comparisons;
}

namespace {

std::string median_text(const std::optional<Summary>& summary) {
    return summary ? format_number(summary->median) : "–";
}

std::string range_text(const std::optional<Summary>& summary) {
    return summary ? format_number(summary->minimum) + "–" + format_number(summary->maximum) : "–";
}

// Display width: the en dash is one column but three bytes.
size_t columns(std::string_view text) {
    size_t count = 0;
    for (char c : text)
        count += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    return count;
}

} // namespace

namespace {

// A table cell: a '|' in a guest's description would end it early.
std::string markdown_cell(std::string_view text) {
    std::string cell;
    for (char c : text) {
        if (c == '|')
            cell += '\\';
        cell += c;
    }
    return cell;
}

} // namespace

std::string format_table(const std::vector<Comparison>& comparisons) {
    std::vector<std::vector<std::string>> rows = {{"metric", "unit", "Linux median", "blog_os median",
                                                   "Linux min–max", "blog_os min–max", "ratio", "verdict"}};
    for (const Comparison& comparison : comparisons) {
        rows.push_back({markdown_cell(comparison.metric->description), markdown_cell(comparison.metric->unit),
                        median_text(comparison.linux_summary), median_text(comparison.blog_os_summary),
                        range_text(comparison.linux_summary), range_text(comparison.blog_os_summary),
                        comparison.ratio ? format_number(*comparison.ratio) : "–",
                        verdict_text(comparison.verdict)});
    }
    std::vector<size_t> widths(rows.front().size(), 3);
    for (const auto& row : rows) {
        for (size_t column = 0; column < row.size(); ++column)
            widths[column] = std::max(widths[column], columns(row[column]));
    }
    auto emit = [&](const std::vector<std::string>& row, std::string& out) {
        out += "|";
        for (size_t column = 0; column < row.size(); ++column) {
            // Text left, numbers right.
            std::string padding(widths[column] - columns(row[column]), ' ');
            bool left = column < 2 || column == row.size() - 1;
            out += ' ';
            out += left ? row[column] : padding;
            out += left ? padding : row[column];
            out += " |";
        }
        out += "\n";
    };
    std::string table;
    emit(rows.front(), table);
    table += "|";
    for (size_t column = 0; column < widths.size(); ++column) {
        bool left = column < 2 || column == widths.size() - 1;
        table += ' ';
        table.append(left ? widths[column] : widths[column] - 1, '-');
        table += left ? " |" : ": |";
    }
    table += "\n";
    for (size_t row = 1; row < rows.size(); ++row)
        emit(rows[row], table);
    return table;
}

std::string format_csv(const std::vector<Comparison>& comparisons) {
    std::string csv = "metric,description,unit,linux_median,linux_min,linux_max,linux_boots,blog_os_median,"
                      "blog_os_min,blog_os_max,blog_os_boots,ratio,verdict\n";
    auto summary_fields = [](const std::optional<Summary>& summary) {
        if (!summary)
            return std::string(",,,0");
        return json_number(summary->median) + "," + json_number(summary->minimum) + "," +
               json_number(summary->maximum) + "," + std::to_string(summary->count);
    };
    for (const Comparison& comparison : comparisons) {
        csv += csv_field(comparison.metric->name) + "," + csv_field(comparison.metric->description) + "," +
               csv_field(comparison.metric->unit) + "," + summary_fields(comparison.linux_summary) + "," +
               summary_fields(comparison.blog_os_summary) + "," +
               (comparison.ratio ? json_number(*comparison.ratio) : "") + "," +
               verdict_text(comparison.verdict) + "\n";
    }
    return csv;
}

std::string format_json(const std::vector<Comparison>& comparisons, std::string_view linux_system,
                        std::string_view blog_os_system, int boots_per_kernel) {
    auto summary_json = [](const std::optional<Summary>& summary, const std::vector<double>& values) {
        if (!summary)
            return std::string("null");
        std::string all = "[";
        for (size_t i = 0; i < values.size(); ++i)
            all += (i ? ", " : "") + json_number(values[i]);
        all += "]";
        return "{\"median\": " + json_number(summary->median) +
               ", \"min\": " + json_number(summary->minimum) + ", \"max\": " + json_number(summary->maximum) +
               ", \"boots\": " + all + "}";
    };
    std::string json = "{\n  \"linux\": " + runner::json_quote(linux_system) +
                       ",\n  \"blog_os\": " + runner::json_quote(blog_os_system) +
                       ",\n  \"boots_per_kernel\": " + std::to_string(boots_per_kernel) +
                       ",\n  \"noise_band\": " + json_number(noise_band) + ",\n  \"metrics\": [";
    for (size_t i = 0; i < comparisons.size(); ++i) {
        const Comparison& comparison = comparisons[i];
        json +=
            std::string(i ? "," : "") + "\n    {\"name\": " + runner::json_quote(comparison.metric->name) +
            ", \"description\": " + runner::json_quote(comparison.metric->description) +
            ", \"unit\": " + runner::json_quote(comparison.metric->unit) + ", \"better\": " +
            runner::json_quote(higher_is_better(comparison.metric->unit) ? "higher" : "lower") +
            ",\n     \"linux\": " + summary_json(comparison.linux_summary, comparison.metric->linux_values) +
            ",\n     \"blog_os\": " +
            summary_json(comparison.blog_os_summary, comparison.metric->blog_os_values) +
            ",\n     \"ratio\": " + (comparison.ratio ? json_number(*comparison.ratio) : "null") +
            ", \"verdict\": " + runner::json_quote(verdict_text(comparison.verdict)) + "}";
    }
    json += "\n  ]\n}\n";
    return json;
}

std::string format_plot_data(const std::vector<Comparison>& comparisons) {
    std::string data;
    for (const Comparison& comparison : comparisons) {
        if (comparison.ratio)
            data += comparison.metric->name + " " + json_number(*comparison.ratio) + "\n";
    }
    return data;
}

std::optional<std::string> replace_table(std::string_view document, std::string_view table) {
    constexpr std::string_view begin = "<!-- bench-table:begin -->";
    constexpr std::string_view end = "<!-- bench-table:end -->";
    size_t begin_at = document.find(begin);
    if (begin_at == std::string_view::npos)
        return std::nullopt;
    size_t end_at = document.find(end, begin_at + begin.size());
    if (end_at == std::string_view::npos)
        return std::nullopt;
    return std::string(document.substr(0, begin_at + begin.size())) + "\n" + std::string(table) +
           std::string(document.substr(end_at));
}

} // namespace bench
