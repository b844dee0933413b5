#include "syscalls/syscalls.h"

#include "arch/user_mode.h"
#include "console/log.h"
#include "ktl/errno.h"
#include "proc/process.h"
#include "proc/signals.h"
#include "sched/scheduler.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall_list.h"

#include <type_traits>
#include <utility>

namespace syscalls {

namespace {

constexpr ktl::StringView log_subsystem = "syscall";
constexpr size_t max_syscall_number = 512;

using Handler = Result (*)(Frame& frame);

// Converting raw registers to a handler's parameter types.
template <typename T>
struct IsUserPtr : std::false_type {};
template <typename T>
struct IsUserPtr<mm::UserPtr<T>> : std::true_type {};

template <typename Parameter>
Parameter convert_argument(Frame& frame, size_t index) {
    if constexpr (std::is_same_v<Parameter, Frame&>)
        return frame;
    else if constexpr (IsUserPtr<Parameter>::value)
        return Parameter(arch::syscall_argument(frame, static_cast<int>(index)));
    else
        return static_cast<Parameter>(arch::syscall_argument(frame, static_cast<int>(index)));
}

template <auto function>
struct Thunk;
template <typename... Parameters, Result (*function)(Parameters...)>
struct Thunk<function> {
    static Result call(Frame& frame) { return call_with(frame, std::index_sequence_for<Parameters...>{}); }
    template <size_t... indices>
    static Result call_with(Frame& frame, std::index_sequence<indices...>) {
        // A frame parameter comes first and takes no register.
        constexpr size_t shift = (std::is_same_v<Parameters, Frame&> || ...) ? 1 : 0;
        return function(convert_argument<Parameters>(frame, indices - shift)...);
    }
};

struct Entry {
    const char* name;
    Handler handler;
};

constexpr struct {
    uint16_t number;
    Entry entry;
} implemented[] = {
#define BLOG_OS_TABLE_ENTRY(number, name, summary) {number, {#name, Thunk<&sys_##name>::call}},
    BLOG_OS_SYSCALLS(BLOG_OS_TABLE_ENTRY)
#undef BLOG_OS_TABLE_ENTRY
};

Entry table[max_syscall_number];
bool unknown_reported[max_syscall_number];
uint64_t dispatched;

void dispatch(Frame& frame) {
    __atomic_add_fetch(&dispatched, 1, __ATOMIC_RELAXED);
    uint64_t number = frame.rax;
    if (number >= max_syscall_number || !table[number].handler) {
        if (number < max_syscall_number &&
            !__atomic_exchange_n(&unknown_reported[number], true, __ATOMIC_RELAXED))
            // A notice, not a warning: programs probe for calls (glibc's rseq) and cope with ENOSYS,
            // and the screen shows warnings.
            klog::info(log_subsystem, "process {} '{}' called unknown system call {} (ENOSYS, reported once)",
                       sched::current_task()->process_id, sched::current_task()->name, number);
        frame.rax = static_cast<uint64_t>(-static_cast<long>(ktl::Errno::NotImplemented));
        return;
    }
    Result result = table[number].handler(frame);
    // Only pipes fail with EPIPE here, and on Linux a write that does also raises SIGPIPE (there are
    // no sockets and so no MSG_NOSIGNAL yet); fs stays below proc by raising it here.
    if (result.is_error() && result.error().code() == ktl::Errno::BrokenPipe)
        proc::send_signal_to_current(proc::sigpipe);
    frame.rax =
        static_cast<uint64_t>(result.is_error() ? -static_cast<long>(result.error().code()) : result.value());
    // Only a failed call can be one a signal interrupted (rt_sigreturn's result is a register value).
    proc::deliver_signals(frame, result.is_error() ? static_cast<int64_t>(number) : -1);
}

// The program is at fault, not the kernel: its handler for the signal takes it if it has one;
// otherwise report it and end the process; everything else runs on.
void handle_user_fault(Frame& frame, arch::PageFaultOutcome outcome) {
    sched::Task* task = sched::current_task();
    if (outcome == arch::PageFaultOutcome::OutOfMemory) {
        // No handler could run without memory either: SIGKILL, as Linux's OOM killer sends (it
        // picks the biggest process; here the one that asked pays).
        klog::error(log_subsystem, "out of memory: process {} '{}' killed by signal 9 at address {:#x}",
                    task->process_id, task->name, arch::describe_user_fault(frame, outcome).address);
        proc::exit_current(proc::killed_status(proc::sigkill));
    }
    if (proc::queue_fault_signal(frame, outcome))
        return; // delivered on the way back to user mode
    int signal = arch::describe_user_fault(frame, outcome).signal;
    klog::error(log_subsystem, "process {} '{}' killed by signal {}: {} at rip {:#x}, error code {:#x}",
                task->process_id, task->name, signal, arch::exception_name(frame.vector), frame.rip,
                frame.error_code);
    char report[2048];
    ktl::BufferSink sink(report, sizeof report);
    arch::write_register_dump(sink, frame);
    arch::enable_interrupts(); // the walk reads user memory, which may page in
    proc::write_user_backtrace(sink, frame);
    klog::write_lines(klog::Level::Error, log_subsystem, sink.view());
    proc::exit_current(proc::killed_status(signal));
}

} // namespace

void initialize() {
    for (const auto& each : implemented)
        table[each.number] = each.entry;
    arch::set_syscall_handler(dispatch);
    arch::set_user_fault_handler(handle_user_fault);
    proc::initialize_signal_delivery();
}

uint64_t dispatched_count() {
    return __atomic_load_n(&dispatched, __ATOMIC_RELAXED);
}

const char* syscall_name(uint64_t number) {
    return number < max_syscall_number ? table[number].name : nullptr;
}

} // namespace syscalls
