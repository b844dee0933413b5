#include "syscalls/syscalls.h"

#include "arch/user_mode.h"
#include "console/console.h"
#include "console/log.h"
#include "ktl/errno.h"
#include "mm/user_memory.h"
#include "sched/scheduler.h"

namespace syscalls {

namespace {

constexpr ktl::StringView log_subsystem = "syscall";
constexpr size_t max_syscall_number = 512;

struct Arguments {
    uint64_t values[6];
    uint64_t operator[](int index) const { return values[index]; }
};
using Handler = ktl::ErrorOr<long> (*)(const Arguments&);

// Console output goes out in chunks: a user buffer is never mapped into the kernel, only copied.
ktl::ErrorOr<long> sys_write(const Arguments& arguments) {
    int fd = static_cast<int>(arguments[0]);
    uint64_t buffer = arguments[1];
    size_t length = arguments[2];
    if (fd != 1 && fd != 2)
        return ktl::Errno::BadFileDescriptor;
    char chunk[256];
    size_t written = 0;
    while (written < length) {
        size_t part = length - written < sizeof chunk ? length - written : sizeof chunk;
        auto copied = mm::copy_from_user(chunk, buffer + written, part);
        if (copied.is_error())
            return written > 0 ? ktl::ErrorOr<long>(static_cast<long>(written)) : copied.error();
        console::print("{}", ktl::StringView(chunk, part));
        written += part;
    }
    return static_cast<long>(written);
}

struct IoVector {
    uint64_t base;
    uint64_t length;
};
static_assert(sizeof(IoVector) == 16);

ktl::ErrorOr<long> sys_writev(const Arguments& arguments) {
    constexpr uint64_t max_vectors = 1024; // IOV_MAX
    uint64_t count = arguments[2];
    if (count > max_vectors)
        return ktl::Errno::InvalidArgument;
    long total = 0;
    for (uint64_t index = 0; index < count; ++index) {
        IoVector vector;
        TRY(mm::copy_from_user(&vector, mm::UserPtr<IoVector>(arguments[1]).offset(index)));
        if (vector.length == 0)
            continue;
        Arguments write_arguments{{arguments[0], vector.base, vector.length, 0, 0, 0}};
        auto written = sys_write(write_arguments);
        if (written.is_error())
            return total > 0 ? ktl::ErrorOr<long>(total) : written.error();
        total += written.value();
    }
    return total;
}

// Only what a console needs so far: there is no terminal device to ask.
ktl::ErrorOr<long> sys_ioctl(const Arguments&) {
    return ktl::Errno::NotTerminal;
}

ktl::ErrorOr<long> sys_arch_prctl(const Arguments& arguments) {
    constexpr uint64_t arch_set_fs = 0x1002, arch_get_fs = 0x1003;
    sched::Task* task = sched::current_task();
    switch (arguments[0]) {
    case arch_set_fs:
        if (arguments[1] >= mm::user_half_end)
            return ktl::Errno::NotPermitted;
        task->user_thread_pointer = arguments[1];
        arch::set_user_thread_pointer(arguments[1]);
        return 0;
    case arch_get_fs:
        TRY(mm::copy_to_user(mm::UserPtr<uint64_t>(arguments[1]), &task->user_thread_pointer));
        return 0;
    default:
        return ktl::Errno::InvalidArgument;
    }
}

ktl::ErrorOr<long> sys_set_tid_address(const Arguments&) {
    return static_cast<long>(sched::current_task()->id);
}

ktl::ErrorOr<long> sys_sched_yield(const Arguments&) {
    sched::yield();
    return 0;
}

ktl::ErrorOr<long> sys_getpid(const Arguments&) {
    return static_cast<long>(sched::current_task()->id);
}

ktl::ErrorOr<long> sys_exit(const Arguments& arguments) {
    sched::Task* task = sched::current_task();
    int code = static_cast<int>(arguments[0] & 0xff);
    klog::info(log_subsystem, "task {} '{}' ending with code: {}", task->id, task->name, code);
    sched::exit(code);
}

struct Entry {
    const char* name;
    Handler handler;
};
// Numbers from Linux's arch/x86/entry/syscalls/syscall_64.tbl.
constexpr struct {
    uint16_t number;
    Entry entry;
} implemented[] = {
    {1, {"write", sys_write}},
    {16, {"ioctl", sys_ioctl}},
    {20, {"writev", sys_writev}},
    {24, {"sched_yield", sys_sched_yield}},
    {39, {"getpid", sys_getpid}},
    {60, {"exit", sys_exit}},
    {158, {"arch_prctl", sys_arch_prctl}},
    {186, {"gettid", sys_getpid}},
    {218, {"set_tid_address", sys_set_tid_address}},
    {231, {"exit_group", sys_exit}},
};

Entry table[max_syscall_number];
bool unknown_reported[max_syscall_number];
uint64_t dispatched;

void dispatch(arch::InterruptFrame& frame) {
    ++dispatched;
    uint64_t number = frame.rax;
    if (number >= max_syscall_number || !table[number].handler) {
        if (number < max_syscall_number && !unknown_reported[number]) {
            unknown_reported[number] = true;
            klog::warn(log_subsystem, "task {} called unknown system call {} (reported once)",
                       sched::current_task()->id, number);
        }
        frame.rax = static_cast<uint64_t>(-static_cast<long>(ktl::Errno::NotImplemented));
        return;
    }
    Arguments arguments;
    for (int index = 0; index < 6; ++index)
        arguments.values[index] = arch::syscall_argument(frame, index);
    auto result = table[number].handler(arguments);
    frame.rax =
        static_cast<uint64_t>(result.is_error() ? -static_cast<long>(result.error().code()) : result.value());
}

// The program is at fault, not the kernel: report it and end the task; everything else runs on.
void kill_faulting_task(arch::InterruptFrame& frame) {
    sched::Task* task = sched::current_task();
    int signal = arch::fault_signal(frame);
    klog::error(log_subsystem, "task {} '{}' killed by signal {}: {} at rip {:#x}, error code {:#x}",
                task->id, task->name, signal, arch::exception_name(frame.vector), frame.rip,
                frame.error_code);
    char registers[1024];
    ktl::BufferSink sink(registers, sizeof registers);
    arch::write_register_dump(sink, frame);
    klog::write_lines(klog::Level::Error, log_subsystem, sink.view());
    arch::enable_interrupts();
    sched::exit(128 + signal);
}

} // namespace

void initialize() {
    for (const auto& each : implemented)
        table[each.number] = each.entry;
    arch::set_syscall_handler(dispatch);
    arch::set_user_fault_handler(kill_faulting_task);
}

uint64_t dispatched_count() {
    return dispatched;
}

} // namespace syscalls
