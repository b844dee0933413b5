#include "debug/panic.h"

#include "arch/cpu.h"
#include "arch/machine.h"
#include "console/console.h"
#include "console/log.h"
#include "console/serial.h"
#include "debug/backtrace.h"

namespace debug {

namespace {

bool exit_on_panic;
const char* current_test;
volatile bool panicking;

class EmergencySink final : public ktl::FormatSink {
public:
    void write(ktl::StringView text) override { console::write_emergency(text); }
};

} // namespace

void set_exit_on_panic(bool exit) {
    exit_on_panic = exit;
}
void set_current_test(const char* name) {
    current_test = name;
}

void panic_with_message(ktl::StringView message, const std::source_location& location,
                        const arch::InterruptFrame* frame) {
    arch::disable_interrupts();
    EmergencySink sink;
    if (panicking) {
        // A second panic while reporting the first: say so with the least machinery, then stop.
        ktl::format_to(sink, "\n\x1b[1;31mPANIC WHILE PANICKING:\x1b[0m {} ({}:{})\n", message,
                       location.file_name(), location.line());
        if (exit_on_panic)
            arch::exit_emulator(qemu::KernelExit::PanicWhileReporting);
        arch::halt_forever();
    }
    panicking = true;

    ktl::format_to(sink, "\n\x1b[1;31mKERNEL PANIC:\x1b[0m {}\n", message);
    ktl::format_to(sink, "  at {}:{} in {}\n", location.file_name(), location.line(),
                   location.function_name());
    if (current_test)
        ktl::format_to(sink, "  while running kernel test '{}'\n", current_test);
    // Captured here (inlined), so a panic's backtrace starts in this function.
    arch::InterruptFrame captured = frame ? *frame : arch::capture_current_registers();
    ktl::format_to(sink, "{}:\n", frame ? "registers at the exception" : "registers at the panic");
    arch::write_register_dump(sink, captured);

    // The unwinder checks every read, but a bug in it must not turn one crash report into two.
    struct Report {
        const arch::InterruptFrame* frame;
        ktl::FormatSink* sink;
    } report{&captured, &sink};
    arch::CaughtFault fault;
    auto write_text_backtrace = [&report] { write_backtrace(*report.sink, report.frame); };
    if (arch::run_catching_faults(write_text_backtrace, fault))
        ktl::format_to(sink, "  (backtrace aborted: {} at {:#x})\n", arch::exception_name(fault.vector),
                       fault.instruction_pointer);

    // One JSON record with the backtrace and the last log lines, for tools reading COM2.
    console::SerialPort& json = console::com2();
    json.write("{\"level\":\"PANIC\",\"message\":");
    klog::write_json_string(json, message);
    json.write(",\"file\":");
    klog::write_json_string(json, location.file_name());
    ktl::format_to(json, ",\"line\":{},\"backtrace\":", location.line());
    auto write_json_backtrace = [&report, &json] { write_backtrace_json(json, report.frame); };
    if (arch::run_catching_faults(write_json_backtrace, fault))
        json.write("[]");
    json.write(",\"recent_log\":");
    klog::write_recent_records_json(json);
    json.write("}\n");

    if (exit_on_panic) {
        ktl::format_to(sink, "{}\n", "test mode: exiting QEMU with failure status");
        arch::exit_emulator(qemu::KernelExit::Failure);
    }
    ktl::format_to(sink, "{}\n", "system halted");
    arch::halt_forever();
}

void panic_with_frame(const arch::InterruptFrame& frame, ktl::StringView message,
                      const std::source_location& location) {
    panic_with_message(message, location, &frame);
}

} // namespace debug

void ktl_assertion_failed(const char* expression, const char* file, int line, const char* function) {
    char message[256];
    ktl::StringView text = ktl::format_into(message, sizeof message, "assertion failed: {} ({}:{} in {})",
                                            expression, file, line, function);
    debug::panic_with_message(text, std::source_location::current(), nullptr);
}
