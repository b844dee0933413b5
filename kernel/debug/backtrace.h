// Backtraces that read like a debugger's: frame number, address, function+offset, file:line and the
// inlined-at chain, unwound with DWARF call-frame information across interrupt and exception frames.
// The unwinder reads memory only through a checker that refuses unmapped addresses, and stops with a
// note at the first frame it cannot trust; it never faults itself.
#pragma once

#include "arch/interrupts.h"
#include "ktl/format.h"

namespace debug {

inline constexpr size_t max_backtrace_frames = 48;

struct BacktraceFrame {
    uint64_t pc = 0;
    bool exact = false; // an interrupted instruction, not a return address
};

// Unwinds from the caller's own position (frame == nullptr) or from an interrupted context.
// Returns the frames found and, in `stop_reason`, why the walk ended.
size_t collect_backtrace(const arch::InterruptFrame* frame, BacktraceFrame* frames, size_t capacity,
                         const char*& stop_reason);

// "backtrace:" and one line per frame (plus inlined callers) into `sink`.
void write_backtrace(ktl::FormatSink& sink, const arch::InterruptFrame* frame = nullptr);
// The same as a JSON array of frame objects, for the COM2 log.
void write_backtrace_json(ktl::FormatSink& sink, const arch::InterruptFrame* frame = nullptr);

// Prints the current backtrace on the console; usable anywhere.
void dump_backtrace();

} // namespace debug
