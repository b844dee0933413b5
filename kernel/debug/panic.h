// The end of the line: report what went wrong and where, then stop. In test mode QEMU exits with the
// failure status so no test run ever hangs on a crash.
#pragma once

#include "arch/interrupts.h"
#include "ktl/format.h"

#include <source_location>

namespace debug {

struct PanicFormat {
    template <typename Text>
    consteval PanicFormat(const Text& text, std::source_location location = std::source_location::current())
        : format(text), location(location) {}
    ktl::StringView format;
    std::source_location location;
};

[[noreturn]] void panic_with_message(ktl::StringView message, const std::source_location& location,
                                     const arch::InterruptFrame* frame);

template <typename... Args>
[[noreturn]] void panic(const PanicFormat& format, const Args&... args) {
    char message[256];
    panic_with_message(ktl::format_into(message, sizeof message, format.format, args...), format.location,
                       nullptr);
}

// For exception handlers: the registers printed are the interrupted context's.
[[noreturn]] void panic_with_frame(const arch::InterruptFrame& frame, ktl::StringView message,
                                   const std::source_location& location = std::source_location::current());

// Set by the command line: panics exit QEMU with a failure status instead of halting.
void set_exit_on_panic(bool exit);
// Called before every in-kernel test so a panic can say which test was running.
void set_current_test(const char* name);

} // namespace debug
