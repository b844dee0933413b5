#include "console/log.h"

#include "arch/cpu.h"
#include "console/console.h"
#include "console/serial.h"
#include "sched/current.h"
#include "sched/task.h"
#include "sync/spinlock.h"
#include "time/clock.h"

namespace klog {

namespace {

Level current_max_level = Level::Info;
int screen_loglevel = 8; // everything, until boot is over

struct LevelStyle {
    const char* name;
    const char* tag_colour;     // SGR for the [LEVEL] tag
    const char* message_colour; // SGR for the message text, empty for the default colour
};
constexpr LevelStyle level_styles[] = {
    {"ERROR", "\x1b[1;31m", "\x1b[31m"}, {"WARN", "\x1b[1;33m", "\x1b[33m"}, {"INFO", "\x1b[32m", ""},
    {"DEBUG", "\x1b[36m", ""},           {"TRACE", "\x1b[90m", "\x1b[90m"},
};
constexpr const char* colour_reset = "\x1b[0m";

// The newest records without colours, kept for crash reports.
struct RecentRecord {
    char text[160];
    size_t length;
};
RecentRecord recent_records[recent_record_count];
size_t next_recent_record;
size_t recent_records_stored;

void remember(Level level, ktl::StringView subsystem, uint64_t uptime_us, ktl::StringView message) {
    RecentRecord& record = recent_records[next_recent_record];
    next_recent_record = (next_recent_record + 1) % recent_record_count;
    if (recent_records_stored < recent_record_count)
        ++recent_records_stored;
    record.length =
        ktl::format_into(record.text, sizeof record.text, "[{}.{:06}][{}][{}] {}", uptime_us / 1000000,
                         uptime_us % 1000000, subsystem, level_styles[static_cast<int>(level)].name, message)
            .length();
}

// /dev/kmsg's ring: its own lock, never held while logging.
struct KernelMessageRing {
    KernelMessage records[kernel_message_capacity];
    uint64_t next_sequence = 0;
};
constinit sync::SpinlockProtected<KernelMessageRing> kernel_messages;

void remember_kernel_message(Level level, ktl::StringView subsystem, uint64_t uptime_us,
                             ktl::StringView message) {
    kernel_messages.with([&](KernelMessageRing& ring) {
        KernelMessage& record = ring.records[ring.next_sequence % kernel_message_capacity];
        record.sequence = ring.next_sequence++;
        record.uptime_us = uptime_us;
        record.level = level;
        record.length = static_cast<uint16_t>(
            ktl::format_into(record.text, sizeof record.text, "{}: {}", subsystem, message).length());
    });
}

} // namespace

bool read_kernel_message(uint64_t& sequence, KernelMessage& message) {
    return kernel_messages.with([&](KernelMessageRing& ring) {
        uint64_t oldest =
            ring.next_sequence > kernel_message_capacity ? ring.next_sequence - kernel_message_capacity : 0;
        if (sequence < oldest)
            sequence = oldest; // overwritten meanwhile: go on with the oldest kept
        if (sequence >= ring.next_sequence)
            return false;
        message = ring.records[sequence % kernel_message_capacity];
        ++sequence;
        return true;
    });
}

uint64_t next_kernel_message_sequence() {
    return kernel_messages.with([](KernelMessageRing& ring) { return ring.next_sequence; });
}

uint64_t oldest_kernel_message_sequence() {
    return kernel_messages.with([](KernelMessageRing& ring) {
        return ring.next_sequence > kernel_message_capacity ? ring.next_sequence - kernel_message_capacity
                                                            : 0;
    });
}

const char* level_name(Level level) {
    return level_styles[static_cast<int>(level)].name;
}

bool parse_level(ktl::StringView text, Level& level) {
    constexpr const char* names[] = {"error", "warn", "info", "debug", "trace"};
    for (int i = 0; i < 5; ++i) {
        if (text == ktl::StringView(names[i])) {
            level = static_cast<Level>(i);
            return true;
        }
    }
    return false;
}

void set_max_level(Level level) {
    current_max_level = level;
}
Level max_level() {
    return current_max_level;
}

int linux_priority(Level level) {
    constexpr int priorities[] = {3, 4, 6, 7, 7};
    return priorities[static_cast<int>(level)];
}

void set_console_loglevel(int loglevel) {
    __atomic_store_n(&screen_loglevel, loglevel, __ATOMIC_RELAXED);
}

int console_loglevel() {
    return __atomic_load_n(&screen_loglevel, __ATOMIC_RELAXED);
}

void write_recent_records_json(ktl::FormatSink& sink) {
    sink.write("[");
    size_t oldest = (next_recent_record + recent_record_count - recent_records_stored) % recent_record_count;
    for (size_t i = 0; i < recent_records_stored; ++i) {
        const RecentRecord& record = recent_records[(oldest + i) % recent_record_count];
        if (i)
            sink.write(",");
        write_json_string(sink, ktl::StringView(record.text, record.length));
    }
    sink.write("]");
}

void write_json_string(ktl::FormatSink& sink, ktl::StringView text) {
    sink.write_char('"');
    for (char character : text) {
        unsigned char byte = static_cast<unsigned char>(character);
        if (character == '"' || character == '\\') {
            sink.write_char('\\');
            sink.write_char(character);
        } else if (character == '\n') {
            sink.write("\\n");
        } else if (character == '\t') {
            sink.write("\\t");
        } else if (byte < 0x20 || byte == 0x7f) {
            ktl::format_to(sink, "\\u{:04x}", byte);
        } else {
            sink.write_char(character);
        }
    }
    sink.write_char('"');
}

void write_record(Level level, ktl::StringView subsystem, const std::source_location& location,
                  ktl::StringView message) {
    uint64_t uptime_us = time::monotonic_ns() / 1000;
    const LevelStyle& style = level_styles[static_cast<int>(level)];
    // Paths are relative to the repository root (-ffile-prefix-map in the kernel flags).
    ktl::StringView file = location.file_name();

    char line[768];
    constexpr ktl::StringView truncation_mark = "...\n";
    ktl::BufferSink text(line, sizeof line - truncation_mark.length());
    // The task, then the process it runs for (empty for kernel tasks).
    const sched::Task* task = sched::detail::current_task;
    ktl::format_to(text, "[{:5}.{:06}][", uptime_us / 1000000, uptime_us % 1000000);
    if (task)
        ktl::format_to(text, "T{}", task->id);
    text.write("][");
    if (task && task->process_id)
        ktl::format_to(text, "P{}", task->process_id);
    ktl::format_to(text, "][{}]{}[{}]{} {}{}{}\n", subsystem, style.tag_colour, style.name, colour_reset,
                   style.message_colour, message, *style.message_colour ? colour_reset : "");
    ktl::StringView record = text.view();
    if (text.truncated()) {
        for (size_t i = 0; i < truncation_mark.length(); ++i)
            line[text.length() + i] = truncation_mark[i];
        record = ktl::StringView(line, text.length() + truncation_mark.length());
    }

    arch::InterruptDisabler no_interleaving;
    remember(level, subsystem, uptime_us, message);
    remember_kernel_message(level, subsystem, uptime_us, message);
    console::write_log(record, linux_priority(level) < console_loglevel());

    console::SerialPort& json = console::com2();
    ktl::format_to(json, "{{\"time_us\":{},\"level\":\"{}\",\"subsystem\":", uptime_us, style.name);
    write_json_string(json, subsystem);
    if (task) {
        ktl::format_to(json, ",\"task\":{{\"id\":{},\"name\":", task->id);
        write_json_string(json, task->name_view());
        json.write("}");
    } else {
        json.write(",\"task\":null");
    }
    if (task && task->process_id)
        ktl::format_to(json, ",\"process\":{{\"id\":{}}}", task->process_id);
    else
        json.write(",\"process\":null");
    json.write(",\"file\":");
    write_json_string(json, file);
    ktl::format_to(json, ",\"line\":{},\"message\":", location.line());
    write_json_string(json, message);
    json.write("}\n");
}

void write_lines(Level level, ktl::StringView subsystem, ktl::StringView text,
                 const std::source_location& location) {
    if (!enabled(level))
        return;
    while (!text.is_empty()) {
        size_t end = text.find('\n');
        if (end == ktl::StringView::npos)
            end = text.length();
        write_record(level, subsystem, location, text.substring(0, end));
        text = end < text.length() ? text.substring(end + 1) : ktl::StringView();
    }
}

} // namespace klog
