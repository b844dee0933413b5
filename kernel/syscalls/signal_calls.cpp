// Signal calls: dispositions and masks, sending (kill, tkill, tgkill, rt_sigqueueinfo), waiting
// (pause, rt_sigsuspend, rt_sigtimedwait), the alternate stack and rt_sigreturn. The state and the
// delivery live in proc/signals.
#include "arch/signal_frame.h"
#include "console/log.h"
#include "fs/file_table.h"
#include "proc/process.h"
#include "proc/signal_file.h"
#include "proc/signals.h"
#include "sched/scheduler.h"
#include "syscalls/file_support.h"
#include "syscalls/handlers.h"
#include "time/clock.h"

namespace syscalls {

namespace {

constexpr ktl::StringView log_subsystem = "syscall";
constexpr size_t kernel_sigset_size = sizeof(uint64_t);
constexpr uint64_t minimum_signal_stack = 2048; // MINSIGSTKSZ

proc::Process& process() {
    return *proc::current_process(); // user code always runs in a process
}

bool valid_signal(int signal) {
    return signal >= 1 && signal <= proc::signal_count;
}

// kill(2)'s rule: root, or the sender's real or effective uid is the target's real or saved uid.
bool may_signal(const proc::Identity& sender, const proc::Identity& target) {
    return sender.effective_uid == 0 || sender.effective_uid == target.saved_uid ||
           sender.effective_uid == target.real_uid || sender.real_uid == target.saved_uid ||
           sender.real_uid == target.real_uid;
}

proc::SignalInfo info_from_caller(int signal, int32_t code) {
    proc::SignalInfo info{};
    info.signal = signal;
    info.code = code;
    info.sender.pid = static_cast<int32_t>(process().pid());
    info.sender.uid = process().identity().real_uid;
    return info;
}

// Sends to one process after the permission check; signal 0 only checks.
Result signal_process(uint64_t pid, const proc::SignalInfo& info) {
    proc::Identity sender = process().identity();
    ktl::ErrorOr<void> sent;
    TRY(proc::with_process(pid, [&](proc::Process& target) {
        if (!may_signal(sender, target.identity()))
            sent = ktl::Errno::NotPermitted;
        else if (info.signal != 0)
            sent = proc::send_signal(target, info);
    }));
    TRY(sent);
    return 0;
}

// Sends to one thread: of process `group`, or (group 0, tkill) of whichever process has it.
Result signal_thread(uint64_t group, uint64_t tid, const proc::SignalInfo& info) {
    proc::Identity sender = process().identity();
    ktl::ErrorOr<void> sent;
    auto visit = [&](proc::Process& target) {
        if (group && target.pid() != group)
            sent = ktl::Errno::NoSuchProcess;
        else if (!may_signal(sender, target.identity()))
            sent = ktl::Errno::NotPermitted;
        else
            sent = proc::send_signal_to_thread(target, tid, info);
    };
    TRY(group ? proc::with_process(group, visit) : proc::with_thread_group(tid, visit));
    TRY(sent);
    return 0;
}

// Pids for kill(-1) and kill(-pgid), under one lock: such kills are rare.
constexpr size_t max_signalled_pids = 1024;
uint64_t signalled_pids[max_signalled_pids];
sync::Mutex signalled_pids_lock;

// Sends to every pid listed but pid 1 (if `skip_init`) and `skip`: success if one got it, else the
// last error (EPERM when the caller may signal none of them), ESRCH for none at all.
Result signal_each(const uint64_t* pids, size_t count, int signal, bool skip_init, uint64_t skip) {
    bool any = false;
    ktl::Errno last_error = ktl::Errno::NoSuchProcess;
    for (size_t i = 0; i < count; ++i) {
        if ((skip_init && pids[i] == 1) || pids[i] == skip)
            continue;
        auto sent = signal_process(pids[i], info_from_caller(signal, proc::si_user));
        if (sent.is_error())
            last_error = sent.error().code();
        else
            any = true;
    }
    if (any)
        return 0;
    return last_error;
}

// kill(-1): every process the caller may signal but init and itself.
Result signal_everyone(int signal) {
    sync::MutexLocker locker(signalled_pids_lock);
    size_t count = proc::list_pids(signalled_pids, max_signalled_pids);
    return signal_each(signalled_pids, count, signal, true, process().pid());
}

// kill(0) and kill(-pgid): every live process of the group, the caller included.
Result signal_group(uint64_t group, int signal) {
    sync::MutexLocker locker(signalled_pids_lock);
    size_t total = 0;
    size_t count = proc::list_group(group, signalled_pids, max_signalled_pids, total);
    return signal_each(signalled_pids, count, signal, false, 0);
}

ktl::ErrorOr<uint64_t> read_sigset(mm::UserPtr<uint64_t> set, size_t set_size) {
    if (set_size != kernel_sigset_size)
        return ktl::Errno::InvalidArgument;
    return TRY(mm::read_user(set));
}

// Waits until a signal arrives for the running task (the caller returns what fits its call).
void wait_for_any_signal() {
    sched::WaitQueue nobody_wakes;
    (void)nobody_wakes.wait_until_interruptible([] { return false; });
}

bool is_on_stack(const arch::SignalStack& stack, uint64_t rsp) {
    return stack.size && !(stack.flags & proc::ss_disable) && rsp > stack.base &&
           rsp - stack.base <= stack.size;
}

} // namespace

Result sys_rt_sigaction(int signal, mm::UserPtr<uint8_t> action, mm::UserPtr<uint8_t> old_action,
                        size_t set_size) {
    if (set_size != kernel_sigset_size || !valid_signal(signal))
        return ktl::Errno::InvalidArgument;
    if (!action.is_null() && (signal == proc::sigkill || signal == proc::sigstop))
        return ktl::Errno::InvalidArgument;
    proc::SignalAction wanted;
    if (!action.is_null())
        TRY(mm::copy_from_user(&wanted, action.address(), sizeof wanted));
    proc::SignalAction previous =
        action.is_null() ? proc::action_of(process(), signal) : proc::set_action(process(), signal, wanted);
    if (!old_action.is_null())
        TRY(mm::copy_to_user(old_action.address(), &previous, sizeof previous));
    return 0;
}

Result sys_rt_sigprocmask(int how, mm::UserPtr<uint64_t> set, mm::UserPtr<uint64_t> old_set,
                          size_t set_size) {
    constexpr int block = 0, unblock = 1, set_mask = 2;
    if (set_size != kernel_sigset_size)
        return ktl::Errno::InvalidArgument;
    uint64_t previous = proc::current_blocked_mask();
    if (!set.is_null()) {
        uint64_t signals = TRY(mm::read_user(set));
        switch (how) {
        case block:
            proc::set_current_blocked_mask(previous | signals);
            break;
        case unblock:
            proc::set_current_blocked_mask(previous & ~signals);
            break;
        case set_mask:
            proc::set_current_blocked_mask(signals);
            break;
        default:
            return ktl::Errno::InvalidArgument;
        }
    }
    if (!old_set.is_null())
        TRY(mm::copy_to_user(old_set, &previous));
    return 0;
}

Result sys_rt_sigpending(mm::UserPtr<uint64_t> set, size_t set_size) {
    if (set_size > kernel_sigset_size)
        return ktl::Errno::InvalidArgument;
    // Pending and blocked: an unblocked one would have been delivered already.
    uint64_t pending = proc::current_pending_signals() & proc::current_blocked_mask();
    TRY(mm::copy_to_user(set.address(), &pending, set_size));
    return 0;
}

Result sys_rt_sigsuspend(mm::UserPtr<uint64_t> set, size_t set_size) {
    uint64_t mask = TRY(read_sigset(set, set_size));
    proc::suspend_mask(mask);
    wait_for_any_signal();
    return ktl::Errno::RestartUnlessHandled; // EINTR once a handler has run
}

Result sys_pause() {
    wait_for_any_signal();
    return ktl::Errno::RestartUnlessHandled;
}

Result sys_rt_sigtimedwait(mm::UserPtr<uint64_t> set, mm::UserPtr<uint8_t> info,
                           mm::UserPtr<Timespec> timeout, size_t set_size) {
    uint64_t wanted = TRY(read_sigset(set, set_size)) & ~proc::unblockable_signals;
    uint64_t deadline = sched::no_deadline;
    bool poll_only = false;
    if (!timeout.is_null()) {
        Timespec limit = TRY(mm::read_user(timeout));
        if (limit.seconds < 0 || limit.nanoseconds < 0 || limit.nanoseconds >= 1'000'000'000)
            return ktl::Errno::InvalidArgument;
        poll_only = limit.seconds == 0 && limit.nanoseconds == 0;
        deadline = time::deadline_after(static_cast<uint64_t>(limit.seconds) * 1'000'000'000 +
                                        static_cast<uint64_t>(limit.nanoseconds));
    }
    proc::SignalInfo taken;
    bool found = proc::take_current_signal(wanted, taken);
    if (!found && !poll_only) {
        // The awaited signals wake the wait while it lasts, as if unblocked; taken here, never delivered.
        uint64_t mask = proc::current_blocked_mask();
        proc::set_current_signal_wait(mask, wanted);
        sched::WaitQueue nobody_wakes;
        auto waited = nobody_wakes.wait_until_interruptible([] { return false; }, deadline);
        proc::set_current_signal_wait(mask, 0);
        found = proc::take_current_signal(wanted, taken);
        if (!found && waited == sched::WaitResult::Interrupted)
            return ktl::Errno::Interrupted; // another signal, delivered on the way out; never restarted
    }
    if (!found)
        return ktl::Errno::TryAgain;
    if (!info.is_null())
        TRY(mm::copy_to_user(info.address(), &taken, sizeof taken));
    return taken.signal;
}

namespace {

// rt_sigqueueinfo and rt_tgsigqueueinfo (`tid` non-zero): the caller's own siginfo, within limits.
Result queue_info(int pid, int tid, int signal, mm::UserPtr<uint8_t> user_info) {
    if (!valid_signal(signal))
        return ktl::Errno::InvalidArgument;
    proc::SignalInfo info;
    TRY(mm::copy_from_user(&info, user_info.address(), sizeof info));
    // Only the kernel may claim to be the kernel or kill(2) when signalling someone else.
    if ((info.code >= 0 || info.code == proc::si_tkill) && static_cast<uint64_t>(pid) != process().pid())
        return ktl::Errno::NotPermitted;
    info.signal = signal;
    if (pid <= 0)
        return ktl::Errno::NoSuchProcess;
    if (tid)
        return signal_thread(static_cast<uint64_t>(pid), static_cast<uint64_t>(tid), info);
    return signal_process(static_cast<uint64_t>(pid), info);
}

} // namespace

Result sys_rt_sigqueueinfo(int pid, int signal, mm::UserPtr<uint8_t> info) {
    return queue_info(pid, 0, signal, info);
}

Result sys_rt_tgsigqueueinfo(int group, int tid, int signal, mm::UserPtr<uint8_t> info) {
    if (group <= 0 || tid <= 0)
        return ktl::Errno::InvalidArgument;
    return queue_info(group, tid, signal, info);
}

Result sys_kill(int pid, int signal) {
    if (signal < 0 || signal > proc::signal_count)
        return ktl::Errno::InvalidArgument;
    proc::SignalInfo info = info_from_caller(signal, proc::si_user);
    if (pid == -1)
        return signal_everyone(signal);
    if (pid == 0)
        return signal_group(TRY(proc::process_group_of(0)), signal);
    if (pid < -1)
        return signal_group(static_cast<uint64_t>(-static_cast<int64_t>(pid)), signal);
    return signal_process(static_cast<uint64_t>(pid), info);
}

Result sys_tgkill(int group, int tid, int signal) {
    if (group <= 0 || tid <= 0 || signal < 0 || signal > proc::signal_count)
        return ktl::Errno::InvalidArgument;
    return signal_thread(static_cast<uint64_t>(group), static_cast<uint64_t>(tid),
                         info_from_caller(signal, proc::si_tkill));
}

Result sys_tkill(int tid, int signal) {
    if (tid <= 0 || signal < 0 || signal > proc::signal_count)
        return ktl::Errno::InvalidArgument;
    return signal_thread(0, static_cast<uint64_t>(tid), info_from_caller(signal, proc::si_tkill));
}

Result sys_sigaltstack(Frame& frame, mm::UserPtr<uint8_t> stack, mm::UserPtr<uint8_t> old_stack) {
    // stack_t: ss_sp, ss_flags (int, padded), ss_size.
    struct UserStack {
        uint64_t base;
        int32_t flags;
        int32_t padding;
        uint64_t size;
    };
    static_assert(sizeof(UserStack) == 24);
    arch::SignalStack& current = proc::current_alternate_stack();
    bool on_stack = is_on_stack(current, frame.rsp);
    if (!old_stack.is_null()) {
        UserStack old{current.base, 0, 0, current.size};
        old.flags = on_stack ? proc::ss_onstack : (current.flags & proc::ss_disable);
        old.flags |= current.flags & proc::ss_autodisarm;
        if (!current.size)
            old.flags = proc::ss_disable;
        TRY(mm::copy_to_user(old_stack.address(), &old, sizeof old));
    }
    if (stack.is_null())
        return 0;
    UserStack wanted;
    TRY(mm::copy_from_user(&wanted, stack.address(), sizeof wanted));
    if (on_stack)
        return ktl::Errno::NotPermitted;
    int32_t mode = wanted.flags & ~proc::ss_autodisarm;
    if (mode != 0 && mode != proc::ss_onstack && mode != proc::ss_disable)
        return ktl::Errno::InvalidArgument;
    if (mode == proc::ss_disable) {
        current = {};
        return 0;
    }
    if (wanted.size < minimum_signal_stack)
        return ktl::Errno::NoMemory;
    current = {wanted.base, wanted.size, wanted.flags & proc::ss_autodisarm};
    return 0;
}

Result sys_rt_sigreturn(Frame& frame) {
    auto restored = arch::pop_signal_frame(frame);
    if (restored.is_error()) {
        klog::error(log_subsystem, "process {} '{}' killed by signal {}: bad signal frame at {:#x} ({})",
                    process().pid(), process().name(), proc::sigsegv, frame.rsp - 8, restored.error().name());
        proc::exit_current(proc::killed_status(proc::sigsegv));
    }
    proc::set_current_blocked_mask(restored.value().mask);
    // The stack as the frame says (SS_AUTODISARM re-arms here), unless the code resumes on it.
    arch::SignalStack stack = restored.value().stack_state;
    arch::SignalStack& current = proc::current_alternate_stack();
    if (!is_on_stack(current, frame.rsp)) {
        if (stack.flags & proc::ss_disable)
            current = {};
        else if (stack.size >= minimum_signal_stack)
            current = {stack.base, stack.size, stack.flags & proc::ss_autodisarm};
    }
    return static_cast<long>(frame.rax); // the dispatcher writes it back as the result
}

Result sys_signalfd4(int fd, mm::UserPtr<uint64_t> set, size_t set_size, uint32_t flags) {
    if (flags & ~(fs::open_close_on_exec | fs::open_nonblocking))
        return ktl::Errno::InvalidArgument;
    uint64_t mask = TRY(read_sigset(set, set_size));
    fs::FileTable* table = TRY(current_files());
    if (fd != -1) {
        fs::RefPtr<fs::OpenFile> file = TRY(table->get(fd));
        TRY(proc::change_signal_file_mask(*file, mask));
        return fd;
    }
    fs::RefPtr<fs::OpenFile> file = TRY(proc::create_signal_file(mask, flags));
    return TRY(table->install(static_cast<fs::RefPtr<fs::OpenFile>&&>(file), flags & fs::open_close_on_exec));
}

Result sys_signalfd(int fd, mm::UserPtr<uint64_t> set, size_t set_size) {
    return sys_signalfd4(fd, set, set_size, 0);
}

} // namespace syscalls
