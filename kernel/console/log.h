// Kernel log: levels, a subsystem tag, time since boot. Each record is written as a text line to the
// console and as one JSON object to COM2:
//   [    0.012][task][process][subsystem][LEVEL] message
#pragma once

#include "ktl/format.h"

#include <source_location>

namespace klog {

enum class Level : uint8_t { Error, Warn, Info, Debug, Trace };

const char* level_name(Level level);
// Parses "error", "warn", "info", "debug" or "trace"; false for anything else.
bool parse_level(ktl::StringView text, Level& level);
void set_max_level(Level level);
Level max_level();
// Linux's numbering of a level (error 3, warning 4, info 6, debug and trace 7), as /dev/kmsg shows it.
int linux_priority(Level level);
// The screen shows records whose Linux priority is below `loglevel` (Linux's console_loglevel: 5
// shows errors and warnings, 8 everything); the serial ports get every record. During boot the
// screen shows all; once user programs run it is theirs, and routine messages would only slow them
// (a scroll per line).
void set_console_loglevel(int loglevel);
int console_loglevel();
inline bool enabled(Level level) {
    return level <= max_level();
}

// A format string that remembers where it was written, so records carry file and line.
struct FormatWithLocation {
    template <typename Text>
    consteval FormatWithLocation(const Text& text,
                                 std::source_location location = std::source_location::current())
        : format(text), location(location) {}
    ktl::StringView format;
    std::source_location location;
};

void write_record(Level level, ktl::StringView subsystem, const std::source_location& location,
                  ktl::StringView message);

template <typename... Args>
void log(Level level, ktl::StringView subsystem, const FormatWithLocation& format, const Args&... args) {
    if (!enabled(level))
        return;
    char message[512];
    ktl::StringView text = ktl::format_into(message, sizeof message, format.format, args...);
    write_record(level, subsystem, format.location, text);
}

#define KLOG_LEVEL_FUNCTION(name, level)                                                                     \
    template <typename... Args>                                                                              \
    void name(ktl::StringView subsystem, const FormatWithLocation& format, const Args&... args) {            \
        log(level, subsystem, format, args...);                                                              \
    }
KLOG_LEVEL_FUNCTION(error, Level::Error)
KLOG_LEVEL_FUNCTION(warn, Level::Warn)
KLOG_LEVEL_FUNCTION(info, Level::Info)
KLOG_LEVEL_FUNCTION(debug, Level::Debug)
KLOG_LEVEL_FUNCTION(trace, Level::Trace)
#undef KLOG_LEVEL_FUNCTION

// One record per line of `text` (a table, a summary), each with the caller's location.
void write_lines(Level level, ktl::StringView subsystem, ktl::StringView text,
                 const std::source_location& location = std::source_location::current());

// The last records as a JSON array of strings (oldest first), for crash records on COM2.
inline constexpr size_t recent_record_count = 16;
void write_recent_records_json(ktl::FormatSink& sink);

// The kernel's messages for /dev/kmsg and dmesg: the newest kernel_message_capacity records, each
// numbered. read_kernel_message fills `message` with the record numbered `sequence`, or the oldest
// one still kept after it, and moves `sequence` past it; false when there is none yet.
inline constexpr size_t kernel_message_capacity = 512;
struct KernelMessage {
    uint64_t sequence = 0;
    uint64_t uptime_us = 0;
    Level level = Level::Info;
    uint16_t length = 0;
    char text[240] = {}; // "subsystem: message"
};
bool read_kernel_message(uint64_t& sequence, KernelMessage& message);
// The number the next record will get, and the oldest one kept.
uint64_t next_kernel_message_sequence();
uint64_t oldest_kernel_message_sequence();

// Writes a JSON string literal (quotes included), escaping what JSON requires.
void write_json_string(ktl::FormatSink& sink, ktl::StringView text);

} // namespace klog
