// The unwinder on the running kernel: from its own stack, and from inside an interrupt handler back
// across the interrupt frame into the interrupted function.
#include "arch/interrupts.h"
#include "console/console.h"
#include "debug/backtrace.h"
#include "debug/symbols.h"
#include "test/ktest.h"

namespace {

char text_buffer[16384];
ktl::BufferSink text(text_buffer, sizeof text_buffer);

[[gnu::noinline]] void write_own_backtrace() {
    text.clear();
    debug::write_backtrace(text);
    asm volatile("" ::: "memory"); // keeps the call from becoming a tail call
}

bool contains(ktl::StringView needle) {
    return text.view().contains(needle);
}

void print_on_failure() {
    if (ktest::current_test_failed())
        console::print("    the backtrace was:\n{}", text.view());
}

} // namespace

KTEST(backtrace_names_its_own_function_file_and_line) {
    KASSERT(debug::kernel_debug_info_loaded());
    int call_line = __LINE__ + 1;
    write_own_backtrace();
    KEXPECT(contains("write_own_backtrace"));
    KEXPECT(contains("ktest_function_backtrace_names_its_own_function_file_and_line"));
    char expected[96];
    ktl::format_into(expected, sizeof expected, "kernel/tests/backtrace_test.cpp:{}", call_line);
    KEXPECT(contains(expected));
    KEXPECT(contains("ktest::run_tests"));
    print_on_failure();
}

namespace {
void backtrace_from_handler(const arch::InterruptFrame&) {
    text.clear();
    debug::write_backtrace(text);
}
[[gnu::noinline]] void function_that_hits_a_breakpoint() {
    asm volatile("int3");
    asm volatile("" ::: "memory");
}
} // namespace

KTEST(backtrace_crosses_interrupt_frames_into_the_interrupted_code) {
    KASSERT(debug::kernel_debug_info_loaded());
    arch::set_breakpoint_observer(backtrace_from_handler);
    function_that_hits_a_breakpoint();
    arch::set_breakpoint_observer(nullptr);
    KEXPECT(contains("interrupt_dispatch"));
    KEXPECT(contains("-- interrupted here --"));
    KEXPECT(contains("function_that_hits_a_breakpoint"));
    KEXPECT(contains("ktest_function_backtrace_crosses_interrupt_frames_into_the_interrupted_code"));
    // The interrupted function comes after the handler's frames.
    ktl::StringView all = text.view();
    KEXPECT(all.find("interrupt_dispatch") < all.find("function_that_hits_a_breakpoint"));
    print_on_failure();
}

KTEST(backtrace_from_an_exception_frame_starts_at_the_faulting_instruction) {
    KASSERT(debug::kernel_debug_info_loaded());
    arch::InterruptFrame frame{};
    // A frame as the CPU would leave it for a fault in write_own_backtrace's entry.
    frame.rip = reinterpret_cast<uint64_t>(&write_own_backtrace);
    uint64_t stack[4] = {reinterpret_cast<uint64_t>(&function_that_hits_a_breakpoint) + 1, 0, 0, 0};
    frame.rsp = reinterpret_cast<uint64_t>(stack);
    debug::BacktraceFrame frames[4];
    const char* reason = nullptr;
    size_t count = debug::collect_backtrace(&frame, frames, 4, reason);
    KASSERT(count >= 2);
    KEXPECT_EQ(frames[0].pc, frame.rip);
    KEXPECT(frames[0].exact);
    KEXPECT_EQ(frames[1].pc, stack[0]);
}

KTEST(a_garbage_frame_stops_the_unwinder_with_a_note) {
    arch::InterruptFrame frame{};
    frame.rip = 0xffffffff80000123; // below the kernel's text: no call-frame information
    frame.rsp = 0xdead0000;
    debug::BacktraceFrame frames[4];
    const char* reason = nullptr;
    KEXPECT_EQ(debug::collect_backtrace(&frame, frames, 4, reason), 1u);
    KEXPECT(reason != nullptr);

    frame.rip = reinterpret_cast<uint64_t>(&write_own_backtrace) + 4;
    frame.rsp = 0xffffffff00000000; // unmapped: the return address cannot be read
    frame.rbp = 0xffffffff00000000;
    KEXPECT(debug::collect_backtrace(&frame, frames, 4, reason) <= 2u);
}
