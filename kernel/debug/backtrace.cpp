#include "debug/backtrace.h"

#include "arch/paging.h"
#include "console/console.h"
#include "console/log.h"
#include "debug/symbols.h"

namespace debug {

namespace {

constexpr uint64_t kernel_half_start = 0xffff800000000000;

// DWARF numbering (System V x86-64 psABI): rax rdx rcx rbx rsi rdi rbp rsp r8..r15, return address.
dwarf::RegisterSet registers_of(const arch::InterruptFrame& frame) {
    dwarf::RegisterSet set;
    const uint64_t values[dwarf::register_count] = {
        frame.rax, frame.rdx, frame.rcx, frame.rbx, frame.rsi, frame.rdi, frame.rbp, frame.rsp, frame.r8,
        frame.r9,  frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15, frame.rip};
    for (int i = 0; i < dwarf::register_count; ++i) {
        set.values[i] = values[i];
        set.known[i] = true;
    }
    return set;
}

bool read_kernel_memory(uint64_t address, uint64_t& value, void*) {
    if (address % 8 != 0 || address < kernel_half_start)
        return false;
    if (arch::translate(arch::active_root(), address).is_error())
        return false;
    value = *reinterpret_cast<const uint64_t*>(address);
    return true;
}

struct FrameDescription {
    dwarf::Symbolized symbolized;
    bool has_lines = false;
    ktl::StringView symbol;
    uint64_t symbol_start = 0;
    bool has_symbol = false;
};

void describe(uint64_t lookup_pc, FrameDescription& description) {
    const SymbolSource* source = symbol_source_for(lookup_pc);
    if (!source)
        return;
    description.has_lines = !source->symbolize(lookup_pc, description.symbolized).is_error();
    description.has_symbol = source->symbol_name(lookup_pc, description.symbol, description.symbol_start);
}

void write_location(ktl::FormatSink& sink, const dwarf::SourceLocation& location) {
    if (!location.directory.is_empty() && !location.file.starts_with("/"))
        ktl::format_to(sink, "{}/", location.directory);
    ktl::format_to(sink, "{}:{}", location.file, location.line);
}

} // namespace

size_t collect_backtrace(const arch::InterruptFrame* frame, BacktraceFrame* frames, size_t capacity,
                         const char*& stop_reason) {
    // Walking from here: this function's own registers, captured inline so its frame stays live while
    // the walk reads it. The caller-saved ones were not captured.
    dwarf::RegisterSet registers = registers_of(frame ? *frame : arch::capture_current_registers());
    if (!frame)
        for (int unknown : {0, 1, 2, 4, 5, 8, 9, 10, 11}) // rax rdx rcx rsi rdi r8-r11
            registers.known[unknown] = false;
    bool exact = frame != nullptr;
    // Walking from here: the first frame is this function, which no reader needs to see.
    bool skip_own_frame = frame == nullptr;
    size_t count = 0;
    stop_reason = "end of the kernel's frames";
    while (count < capacity) {
        uint64_t pc = registers.values[16];
        if (pc == 0)
            return count;
        if (!skip_own_frame)
            frames[count++] = {pc, exact};
        skip_own_frame = false;
        uint64_t lookup_pc = exact ? pc : pc - 1;
        const SymbolSource* source = symbol_source_for(lookup_pc);
        if (!source) {
            stop_reason = pc < kernel_half_start ? "user-mode frames are not symbolised yet"
                                                 : "address outside the kernel's code";
            return count;
        }
        auto row = source->unwind_row(lookup_pc);
        if (row.is_error()) {
            stop_reason = "no call-frame information here (assembly or the boot entry)";
            return count;
        }
        uint64_t stack_pointer = registers.values[7];
        if (dwarf::step(row.value(), registers, read_kernel_memory, nullptr).is_error()) {
            stop_reason = "a saved register could not be read (the end of the stack, or a corrupt frame)";
            return count;
        }
        // A caller's frame lies above its callee's; only an interrupt frame may move to another stack.
        if (!row.value().signal_frame && registers.values[7] <= stack_pointer) {
            stop_reason = "the stack pointer did not move up (corrupt frame)";
            return count;
        }
        exact = row.value().signal_frame;
    }
    stop_reason = "frame limit reached";
    return count;
}

void write_backtrace(ktl::FormatSink& sink, const arch::InterruptFrame* frame) {
    static BacktraceFrame frames[max_backtrace_frames];
    static FrameDescription description;
    const char* stop_reason = nullptr;
    size_t count = collect_backtrace(frame, frames, max_backtrace_frames, stop_reason);
    ktl::format_to(sink, "backtrace{}:\n",
                   kernel_debug_info_loaded() ? "" : " (no debug information loaded)");
    for (size_t index = 0; index < count; ++index) {
        uint64_t lookup_pc = frames[index].exact ? frames[index].pc : frames[index].pc - 1;
        description = {};
        describe(lookup_pc, description);
        ktl::format_to(sink, "  #{:<2} {:#018x} ", index, frames[index].pc);
        const dwarf::Symbolized& symbolized = description.symbolized;
        if (description.has_lines) {
            // Inlined code is named first (no offset: it has no entry of its own); the offset belongs to
            // the real function, on the last "inlined into" line.
            uint64_t offset = frames[index].pc - symbolized.function_start;
            if (symbolized.inlined.is_empty())
                ktl::format_to(sink, "{}+{:#x} at ", symbolized.function, offset);
            else
                ktl::format_to(sink, "{} at ", symbolized.inlined[0].function);
            write_location(sink, symbolized.location);
            sink.write("\n");
            for (size_t level = 0; level < symbolized.inlined.size(); ++level) {
                bool outermost = level + 1 == symbolized.inlined.size();
                ktl::StringView caller =
                    outermost ? ktl::StringView(symbolized.function) : symbolized.inlined[level + 1].function;
                ktl::format_to(sink, "      inlined into {}", caller);
                if (outermost)
                    ktl::format_to(sink, "+{:#x}", offset);
                sink.write(" at ");
                write_location(sink, symbolized.inlined[level].call_site);
                sink.write("\n");
            }
        } else if (description.has_symbol) {
            ktl::format_to(sink, "{}+{:#x}\n", description.symbol,
                           frames[index].pc - description.symbol_start);
        } else {
            sink.write("??\n");
        }
        if (index + 1 < count && frames[index + 1].exact)
            sink.write("      -- interrupted here --\n");
    }
    ktl::format_to(sink, "  (unwinding stopped: {})\n", stop_reason);
}

void write_backtrace_json(ktl::FormatSink& sink, const arch::InterruptFrame* frame) {
    static BacktraceFrame frames[max_backtrace_frames];
    static FrameDescription description;
    const char* stop_reason = nullptr;
    size_t count = collect_backtrace(frame, frames, max_backtrace_frames, stop_reason);
    sink.write("[");
    for (size_t index = 0; index < count; ++index) {
        uint64_t lookup_pc = frames[index].exact ? frames[index].pc : frames[index].pc - 1;
        description = {};
        describe(lookup_pc, description);
        ktl::format_to(sink, "{}{{\"pc\":\"{:#x}\"", index ? "," : "", frames[index].pc);
        if (description.has_lines) {
            sink.write(",\"function\":");
            klog::write_json_string(sink, description.symbolized.function);
            sink.write(",\"file\":");
            klog::write_json_string(sink, description.symbolized.location.file);
            ktl::format_to(sink, ",\"line\":{}", description.symbolized.location.line);
        } else if (description.has_symbol) {
            sink.write(",\"function\":");
            klog::write_json_string(sink, description.symbol);
        }
        sink.write("}");
    }
    sink.write("]");
}

void dump_backtrace() {
    write_backtrace(console::sink());
}

} // namespace debug
