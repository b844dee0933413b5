// Signal state, sending and delivery (see signals.h).
#include "proc/signals.h"

#include "arch/cpu.h"
#include "arch/user_mode.h"
#include "console/log.h"
#include "proc/process.h"
#include "sched/scheduler.h"

#include <cstring>
#include <new>

namespace proc {

namespace {

constexpr ktl::StringView log_subsystem = "signal";
// Real-time signals queued per process at most (Linux's RLIMIT_SIGPENDING is in the thousands).
constexpr size_t max_queued_realtime = 1024;

bool is_realtime(int signal) {
    return signal >= first_realtime_signal;
}

enum class DefaultAction : uint8_t { Terminate, Ignore, Stop };

DefaultAction default_action(int signal) {
    switch (signal) {
    case sigchld:
    case sigcont:
    case sigurg:
    case sigwinch:
        return DefaultAction::Ignore;
    case sigstop:
    case sigtstp:
    case sigttin:
    case sigttou:
        return DefaultAction::Stop;
    default:
        return DefaultAction::Terminate; // the core-dumping ones too: no core is written
    }
}

// Linux's sig_ignored: a blocked signal stays pending (the mask or handler may change before it is
// unblocked); an unblocked one whose delivery would do nothing is dropped at once. `blocked`: the
// target thread blocks it, or for a process-directed signal every thread does.
bool ignored_locked(Process& process, bool blocked, int signal) {
    if (blocked)
        return false;
    if (signal == sigkill)
        return process.signals.unkillable;
    uint64_t handler = process.signal_actions[signal - 1].handler;
    if (handler == sig_default && process.signals.unkillable)
        return true;
    return handler == sig_ignore ||
           (handler == sig_default && default_action(signal) == DefaultAction::Ignore);
}

constexpr uint64_t stop_signals =
    signal_bit(sigstop) | signal_bit(sigtstp) | signal_bit(sigttin) | signal_bit(sigttou);

// Job control acts when a signal is sent, whatever its disposition: SIGCONT resumes a stopped
// process and cancels pending stops, a stop signal cancels a pending SIGCONT, SIGKILL resumes a
// stopped process so that it can die.
void apply_job_control_locked(Process& process, int signal) {
    ProcessSignals& signals = process.signals;
    if (signal_bit(signal) & stop_signals) {
        signals.pending.discard(sigcont);
        for (ThreadSignals& thread : signals.threads)
            thread.pending.discard(sigcont);
        return;
    }
    if (signal != sigcont && signal != sigkill)
        return;
    if (signal == sigcont) {
        for (int stop : {sigstop, sigtstp, sigttin, sigttou}) {
            signals.pending.discard(stop);
            for (ThreadSignals& thread : signals.threads)
                thread.pending.discard(stop);
        }
        signals.stop_dequeued = false;
    }
    if (!signals.stopped)
        return;
    signals.stopped = false;
    if (signal == sigcont) {
        signals.stop_to_report = false;
        signals.continue_to_report = signals.continue_to_notify = true;
    }
    signals.continued.wake_all();
}

uint64_t deliverable_locked(Process& process, ThreadSignals& thread) {
    return (thread.pending.set() | process.signals.pending.set()) & ~(thread.blocked & ~unblockable_signals);
}

// Keeps the task's flag equal to "something is deliverable", and wakes it when it becomes so.
void update_pending_locked(Process& process, ThreadSignals& thread) {
    if (!thread.task)
        return;
    if (deliverable_locked(process, thread))
        sched::notify_signal(thread.task);
    else
        __atomic_store_n(&thread.task->signal_pending, false, __ATOMIC_SEQ_CST);
}

// A signal sent to the process is for any one thread that does not block it: the first such (the
// main thread while it lives) is woken to take it, as Linux's complete_signal picks one.
void wake_for_shared_locked(Process& process) {
    uint64_t shared = process.signals.pending.set();
    if (!shared)
        return;
    for (ThreadSignals& thread : process.signals.threads) {
        if (thread.task && (shared & ~(thread.blocked & ~unblockable_signals))) {
            sched::notify_signal(thread.task);
            return;
        }
    }
}

// What decides whether a signal sent now is ignored: the mask, or rt_sigtimedwait's own mask
// while it waits with its set unblocked.
uint64_t blocked_for_ignoring(const ThreadSignals& thread) {
    return thread.blocked | thread.blocked_before_wait;
}

bool blocked_by_every_thread_locked(Process& process, int signal) {
    for (ThreadSignals& thread : process.signals.threads)
        if (thread.task && !(blocked_for_ignoring(thread) & signal_bit(signal)))
            return false;
    return true;
}

// SIGKILL on one thread's own queue: group exit and execve end the other threads this way.
void kill_thread_locked(ThreadSignals& thread) {
    SignalInfo info{};
    info.signal = sigkill;
    info.code = si_kernel;
    PendingSignal* none = nullptr;
    (void)thread.pending.add(info, none); // a standard signal needs no record
    if (thread.task)
        sched::notify_signal(thread.task);
}

ThreadSignals* current_thread() {
    sched::Task* task = sched::current_task();
    return task ? task->signals : nullptr;
}

// Takes the next signal in `allowed` for `thread`: its own first, then the process's. Real-time
// signals leave the process's count whichever queue held them.
bool take_locked(Process& process, ThreadSignals& thread, uint64_t allowed, SignalInfo& info) {
    bool taken = thread.pending.take(allowed, info) || process.signals.pending.take(allowed, info);
    if (taken && is_realtime(info.signal))
        --process.signals.queued_realtime;
    if (taken && info.code == si_timer && info.timer.id >= 0 && info.timer.id < posix_timer_limit)
        process.signals.delivered_timer_overrun[info.timer.id] = info.timer.overrun;
    return taken;
}

} // namespace

bool SignalQueue::add(const SignalInfo& info, PendingSignal*& spare) {
    uint64_t bit = signal_bit(info.signal);
    if (!is_realtime(info.signal) && (m_set & bit))
        return true; // standard signals coalesce
    if (spare) {
        spare->info = info;
        m_entries.push_back(*spare);
        spare = nullptr;
    } else if (is_realtime(info.signal)) {
        return false;
    }
    m_set |= bit;
    return true;
}

bool SignalQueue::take(uint64_t allowed, SignalInfo& info) {
    uint64_t candidates = m_set & allowed;
    if (!candidates)
        return false;
    int signal = (candidates & signal_bit(sigkill)) ? sigkill : __builtin_ctzll(candidates) + 1;
    PendingSignal* found = nullptr;
    bool more = false;
    for (PendingSignal& entry : m_entries) {
        if (entry.info.signal != signal)
            continue;
        if (found) {
            more = true;
            break;
        }
        found = &entry;
    }
    if (found) {
        info = found->info;
        m_entries.remove(*found);
        delete found;
    } else {
        info = {};
        info.signal = signal;
        info.code = si_kernel;
    }
    if (!more)
        m_set &= ~signal_bit(signal);
    return true;
}

SignalInfo* SignalQueue::find_timer_signal(int signal, int32_t id) {
    if (!(m_set & signal_bit(signal)))
        return nullptr;
    for (PendingSignal& entry : m_entries) {
        if (entry.info.signal == signal && entry.info.code == si_timer && entry.info.timer.id == id)
            return &entry.info;
    }
    return nullptr;
}

void SignalQueue::discard(int signal) {
    SignalInfo info;
    while (take(signal_bit(signal), info)) {
    }
}

void SignalQueue::move_from(SignalQueue& other) {
    clear();
    while (PendingSignal* entry = other.m_entries.pop_front())
        m_entries.push_back(*entry);
    m_set = other.m_set;
    other.m_set = 0;
}

void SignalQueue::clear() {
    while (PendingSignal* entry = m_entries.pop_front())
        delete entry;
    m_set = 0;
}

void attach_main_thread(Process& process, sched::Task& task, uint64_t mask) {
    ProcessSignals& signals = process.signals;
    sync::SpinlockGuard guard(signals.lock);
    if (!signals.main_thread.is_linked())
        signals.threads.push_front(signals.main_thread);
    signals.main_thread.tid = task.id;
    signals.main_thread.task = &task;
    signals.main_thread.blocked = mask & ~unblockable_signals;
    task.signals = &signals.main_thread;
    update_pending_locked(process, signals.main_thread);
}

ktl::ErrorOr<ThreadSignals*> add_thread(Process& process) {
    auto* thread = new (std::nothrow) ThreadSignals;
    if (!thread)
        return ktl::Errno::NoMemory;
    sync::SpinlockGuard guard(process.signals.lock);
    if (process.signals.group_exiting) {
        delete thread;
        return ktl::Errno::Interrupted; // the caller is about to see its SIGKILL
    }
    process.signals.threads.push_back(*thread);
    return thread;
}

void name_thread(Process& process, ThreadSignals& thread, uint64_t tid) {
    sync::SpinlockGuard guard(process.signals.lock);
    thread.tid = tid;
    process.signals.thread_changes.wake_all();
}

void wait_until_named(Process& process, ThreadSignals& thread) {
    process.signals.thread_changes.wait_until([&] {
        sync::SpinlockGuard guard(process.signals.lock);
        return thread.tid != 0;
    });
}

void remove_unstarted_thread(Process& process, ThreadSignals& thread) {
    {
        sync::SpinlockGuard guard(process.signals.lock);
        process.signals.threads.remove(thread);
    }
    delete &thread;
}

void attach_thread(Process& process, ThreadSignals& thread, sched::Task& task, uint64_t mask) {
    sync::SpinlockGuard guard(process.signals.lock);
    thread.tid = task.id;
    thread.task = &task;
    thread.blocked = mask & ~unblockable_signals;
    task.signals = &thread;
    if (process.signals.group_exiting)
        kill_thread_locked(thread); // started while the group was ending: it ends too
    update_pending_locked(process, thread);
}

bool detach_thread(Process& process, sched::Task& task) {
    ProcessSignals& signals = process.signals;
    ThreadSignals* thread = task.signals;
    bool last;
    {
        sync::SpinlockGuard guard(signals.lock);
        signals.exited_threads_run_time_ns += task.entity.runtime_ns;
        if (thread) {
            thread->task = nullptr;
            SignalInfo dropped;
            while (thread->pending.take(~uint64_t{0}, dropped))
                if (is_realtime(dropped.signal))
                    --signals.queued_realtime; // it counts the process's queues and its threads'
            signals.threads.remove(*thread);
        }
        task.signals = nullptr;
        __atomic_store_n(&task.signal_pending, false, __ATOMIC_SEQ_CST);
        last = signals.threads.is_empty();
        if (last) {
            signals.all_threads_gone = true;
            signals.pending.clear();
            signals.queued_realtime = 0;
        } else {
            wake_for_shared_locked(process); // what this thread would have taken goes to another
        }
        signals.thread_changes.wake_all();
    }
    if (thread && thread != &signals.main_thread)
        delete thread;
    return last;
}

size_t thread_count(Process& process) {
    sync::SpinlockGuard guard(process.signals.lock);
    return process.signals.threads.size();
}

uint64_t threads_run_time_ns(Process& process) {
    sync::SpinlockGuard guard(process.signals.lock);
    uint64_t total = process.signals.exited_threads_run_time_ns;
    for (ThreadSignals& thread : process.signals.threads)
        if (thread.task) // an aligned word the scheduler updates: read whole
            total += __atomic_load_n(&thread.task->entity.runtime_ns, __ATOMIC_RELAXED);
    return total;
}

bool begin_group_exit(Process& process, int wait_status) {
    ProcessSignals& signals = process.signals;
    sync::SpinlockGuard guard(signals.lock);
    if (signals.group_exiting)
        return false;
    signals.group_exiting = true;
    signals.group_exit_status = wait_status;
    sched::Task* self = sched::current_task();
    for (ThreadSignals& thread : signals.threads)
        if (thread.task != self)
            kill_thread_locked(thread);
    apply_job_control_locked(process, sigkill); // a stopped thread wakes to die
    return true;
}

int group_exit_status(Process& process, int own) {
    sync::SpinlockGuard guard(process.signals.lock);
    return process.signals.group_exiting ? process.signals.group_exit_status : own;
}

bool end_other_threads_for_exec(Process& process) {
    ProcessSignals& signals = process.signals;
    sched::Task* self = sched::current_task();
    {
        sync::SpinlockGuard guard(signals.lock);
        if (signals.threads.size() == 1)
            return true;
        if (signals.group_exiting)
            return false;
        // The others leave as for exit_group, but the group is not exiting: this thread goes on.
        signals.group_exiting = true;
        for (ThreadSignals& thread : signals.threads)
            if (thread.task != self)
                kill_thread_locked(thread);
        apply_job_control_locked(process, sigkill);
    }
    signals.thread_changes.wait_until([&] {
        sync::SpinlockGuard guard(signals.lock);
        return signals.threads.size() == 1;
    });
    sync::SpinlockGuard guard(signals.lock);
    signals.group_exiting = false;
    return true;
}

void become_main_thread(Process& process, sched::Task& task) {
    ProcessSignals& signals = process.signals;
    ThreadSignals* thread = task.signals;
    if (thread == &signals.main_thread)
        return;
    {
        sync::SpinlockGuard guard(signals.lock);
        ThreadSignals& main = signals.main_thread;
        main.pending.move_from(thread->pending); // the old main thread's were dropped as it exited
        main.blocked = thread->blocked;
        main.restore_mask = thread->restore_mask;
        main.mask_to_restore = thread->mask_to_restore;
        main.alternate_stack = thread->alternate_stack;
        main.tid = process.pid();
        main.task = &task;
        signals.threads.remove(*thread);
        signals.threads.push_front(main);
        task.signals = &main;
        update_pending_locked(process, main);
    }
    delete thread;
}

void reset_signals_for_exec(Process& process) {
    sync::SpinlockGuard guard(process.signals.lock);
    for (SignalAction& action : process.signal_actions)
        if (action.handler > sig_ignore)
            action = {}; // handlers are in the old program; ignored signals stay ignored
    process.signals.main_thread.alternate_stack = {}; // execve made the caller the main thread
}

namespace {

// send_signal and send_signal_to_thread: `thread` null for the process's queue. `spare` is
// allocated before the lock, and left for the caller to free when unused. True if queued.
ktl::ErrorOr<bool> queue_signal(Process& process, ThreadSignals* thread, const SignalInfo& info,
                                PendingSignal*& spare) {
    ProcessSignals& signals = process.signals;
    apply_job_control_locked(process, info.signal);
    bool blocked = thread ? (blocked_for_ignoring(*thread) & signal_bit(info.signal)) != 0
                          : blocked_by_every_thread_locked(process, info.signal);
    if (ignored_locked(process, blocked, info.signal))
        return false;
    bool realtime = is_realtime(info.signal);
    if (realtime && signals.queued_realtime >= max_queued_realtime)
        return ktl::Errno::TryAgain;
    SignalQueue& queue = thread ? thread->pending : signals.pending;
    if (!queue.add(info, spare))
        return ktl::Errno::TryAgain;
    if (realtime)
        ++signals.queued_realtime;
    if (thread)
        update_pending_locked(process, *thread);
    else
        wake_for_shared_locked(process);
    return true;
}

// After the lock: signalfd's readers and pollers learn of every queued signal, blocked or not.
ktl::ErrorOr<void> signalled(Process& process, const ktl::ErrorOr<bool>& queued) {
    if (queued.is_error())
        return queued.error();
    if (queued.value())
        process.signals.arrivals.wake_all();
    return {};
}

} // namespace

ktl::ErrorOr<void> send_signal(Process& process, const SignalInfo& info) {
    if (info.signal < 1 || info.signal > signal_count)
        return ktl::Errno::InvalidArgument;
    PendingSignal* spare = new (std::nothrow) PendingSignal;
    ktl::ErrorOr<bool> queued = false;
    {
        sync::SpinlockGuard guard(process.signals.lock);
        // Not only while a thread is attached: a child fork has just made may not have run yet, and
        // a signal for it (a ^Z to its new group, a kill) waits for its first thread.
        if (!process.signals.all_threads_gone)
            queued = queue_signal(process, nullptr, info, spare);
    }
    delete spare;
    return signalled(process, queued);
}

ktl::ErrorOr<void> send_signal_to_thread(Process& process, uint64_t tid, const SignalInfo& info) {
    if (info.signal < 0 || info.signal > signal_count)
        return ktl::Errno::InvalidArgument;
    PendingSignal* spare = info.signal ? new (std::nothrow) PendingSignal : nullptr;
    ktl::ErrorOr<bool> queued = ktl::Errno::NoSuchProcess;
    {
        sync::SpinlockGuard guard(process.signals.lock);
        for (ThreadSignals& thread : process.signals.threads) {
            if (thread.tid != tid)
                continue;
            // Signal 0 only asks whether the thread exists.
            queued = info.signal ? queue_signal(process, &thread, info, spare) : ktl::ErrorOr<bool>(false);
            break;
        }
    }
    delete spare;
    return signalled(process, queued);
}

int64_t add_timer_overrun(Process& process, uint64_t thread_id, int signal, int32_t timer_id,
                          uint32_t expirations) {
    ProcessSignals& signals = process.signals;
    sync::SpinlockGuard guard(signals.lock);
    SignalQueue* queue = thread_id ? nullptr : &signals.pending;
    for (ThreadSignals& thread : signals.threads)
        if (thread_id && thread.tid == thread_id)
            queue = &thread.pending;
    SignalInfo* queued = queue ? queue->find_timer_signal(signal, timer_id) : nullptr;
    if (!queued)
        return -1;
    // Linux caps the count at DELAYTIMER_MAX (INT_MAX).
    uint64_t overrun = static_cast<uint64_t>(queued->timer.overrun) + expirations;
    queued->timer.overrun = static_cast<int32_t>(overrun > INT32_MAX ? INT32_MAX : overrun);
    return queued->timer.overrun;
}

int32_t delivered_timer_overrun(Process& process, int32_t timer_id) {
    if (timer_id < 0 || timer_id >= posix_timer_limit)
        return 0;
    sync::SpinlockGuard guard(process.signals.lock);
    return process.signals.delivered_timer_overrun[timer_id];
}

void reset_delivered_timer_overrun(Process& process, int32_t timer_id) {
    if (timer_id < 0 || timer_id >= posix_timer_limit)
        return;
    sync::SpinlockGuard guard(process.signals.lock);
    process.signals.delivered_timer_overrun[timer_id] = 0;
}

void send_signal_to_current(int signal, int32_t code) {
    Process* process = current_process();
    ThreadSignals* thread = current_thread();
    if (!process || !thread)
        return;
    SignalInfo info{};
    info.signal = signal;
    info.code = code;
    PendingSignal* spare = new (std::nothrow) PendingSignal;
    ktl::ErrorOr<bool> queued = false;
    {
        sync::SpinlockGuard guard(process->signals.lock);
        queued = queue_signal(*process, thread, info, spare);
    }
    delete spare;
    (void)signalled(*process, queued);
}

uint64_t current_blocked_mask() {
    Process* process = current_process();
    sync::SpinlockGuard guard(process->signals.lock);
    return current_thread()->blocked;
}

void set_current_blocked_mask(uint64_t mask) {
    Process* process = current_process();
    sync::SpinlockGuard guard(process->signals.lock);
    ThreadSignals& thread = *current_thread();
    thread.blocked = mask & ~unblockable_signals;
    update_pending_locked(*process, thread);
    wake_for_shared_locked(*process); // another thread takes what this one now blocks
}

void set_current_signal_wait(uint64_t old_mask, uint64_t awaited) {
    Process* process = current_process();
    sync::SpinlockGuard guard(process->signals.lock);
    ThreadSignals& thread = *current_thread();
    thread.blocked = (awaited ? old_mask & ~awaited : old_mask) & ~unblockable_signals;
    thread.blocked_before_wait = awaited ? old_mask : 0;
    update_pending_locked(*process, thread);
    wake_for_shared_locked(*process); // when the wait ends, another thread may have to take them
}

uint64_t current_pending_signals() {
    Process* process = current_process();
    sync::SpinlockGuard guard(process->signals.lock);
    return current_thread()->pending.set() | process->signals.pending.set();
}

bool take_current_signal(uint64_t set, SignalInfo& info) {
    Process* process = current_process();
    sync::SpinlockGuard guard(process->signals.lock);
    ThreadSignals& thread = *current_thread();
    bool taken = take_locked(*process, thread, set, info);
    update_pending_locked(*process, thread);
    return taken;
}

void suspend_mask(uint64_t mask) {
    Process* process = current_process();
    sync::SpinlockGuard guard(process->signals.lock);
    ThreadSignals& thread = *current_thread();
    thread.restore_mask = true;
    thread.mask_to_restore = thread.blocked;
    thread.blocked = mask & ~unblockable_signals;
    update_pending_locked(*process, thread);
    wake_for_shared_locked(*process);
}

SignalAction action_of(Process& process, int signal) {
    sync::SpinlockGuard guard(process.signals.lock);
    return process.signal_actions[signal - 1];
}

SignalAction set_action(Process& process, int signal, const SignalAction& action) {
    sync::SpinlockGuard guard(process.signals.lock);
    SignalAction previous = process.signal_actions[signal - 1];
    process.signal_actions[signal - 1] = action;
    process.signal_actions[signal - 1].mask &= ~unblockable_signals;
    // POSIX: setting SIG_IGN (or a default that ignores) discards what is pending of that signal.
    bool discards = action.handler == sig_ignore ||
                    (action.handler == sig_default && default_action(signal) == DefaultAction::Ignore);
    if (discards && signal != sigkill && signal != sigstop) {
        SignalInfo info;
        for (ThreadSignals& thread : process.signals.threads) {
            while (take_locked(process, thread, signal_bit(signal), info)) {
            }
            update_pending_locked(process, thread);
        }
    }
    return previous;
}

arch::SignalStack& current_alternate_stack() {
    return current_thread()->alternate_stack;
}

namespace {

// Ends the running process (every thread of it) by `signal`'s default action.
[[noreturn]] void terminate_by(int signal) {
    Process* process = current_process();
    bool ending = __atomic_load_n(&process->signals.group_exiting, __ATOMIC_RELAXED);
    if (!ending) // the SIGKILL of exit_group, a fatal signal or execve ends the others quietly
        klog::info(log_subsystem, "process {} '{}' ends by signal {}", process->pid(), process->name(),
                   signal);
    exit_current(killed_status(signal));
}

bool is_fault_signal(int signal) {
    return signal == sigsegv || signal == sigbus || signal == sigill || signal == sigfpe || signal == sigtrap;
}

// A system call a signal interrupted: rewound so it runs again (rip back over the 2-byte `syscall`
// or `int 0x80`, the number back in rax), or ended with EINTR.
void finish_interrupted_call(arch::InterruptFrame& frame, int64_t syscall_number,
                             const SignalAction* handler) {
    constexpr auto restart_syscall = -static_cast<int64_t>(ktl::Errno::RestartSyscall);
    constexpr auto restart_unless_handled = -static_cast<int64_t>(ktl::Errno::RestartUnlessHandled);
    auto result = static_cast<int64_t>(frame.rax);
    if (syscall_number < 0 || (result != restart_syscall && result != restart_unless_handled))
        return;
    bool restart = !handler || (result == restart_syscall && (handler->flags & sa_restart));
    if (restart) {
        frame.rip -= 2;
        frame.rax = static_cast<uint64_t>(syscall_number);
    } else {
        frame.rax = static_cast<uint64_t>(-static_cast<int64_t>(ktl::Errno::Interrupted));
    }
}

// What to do about the next deliverable signal, decided under the lock.
struct Delivery {
    SignalInfo info{};
    SignalAction action;
    uint64_t saved_mask = 0; // what the handler's sigreturn puts back
};

bool next_delivery(Process& process, ThreadSignals& thread, Delivery& delivery) {
    sync::SpinlockGuard guard(process.signals.lock);
    uint64_t allowed = ~(thread.blocked & ~unblockable_signals);
    bool taken = take_locked(process, thread, allowed, delivery.info);
    if (taken) {
        int signal = delivery.info.signal;
        SignalAction& action = process.signal_actions[signal - 1];
        delivery.action = action;
        if (action.handler == sig_default && default_action(signal) == DefaultAction::Stop)
            process.signals.stop_dequeued = true;
        if (action.handler > sig_ignore) {
            delivery.saved_mask = thread.restore_mask ? thread.mask_to_restore : thread.blocked;
            thread.restore_mask = false;
            thread.blocked |= action.mask | ((action.flags & sa_nodefer) ? 0 : signal_bit(signal));
            thread.blocked &= ~unblockable_signals;
            if (action.flags & sa_resethand)
                action = {};
        }
    }
    update_pending_locked(process, thread);
    return taken;
}

// No handler ran: a mask rt_sigsuspend swapped in goes back now.
void restore_suspended_mask(Process& process, ThreadSignals& thread) {
    if (!thread.restore_mask)
        return; // only the thread itself sets it: no lock needed to see it is clear (every syscall)
    sync::SpinlockGuard guard(process.signals.lock);
    thread.restore_mask = false;
    thread.blocked = thread.mask_to_restore;
    update_pending_locked(process, thread);
}

// A handler that cannot be entered (no SA_RESTORER, or no room for the frame: a bad stack, the
// alternate stack overflowing): the process dies by SIGSEGV, as on Linux.
[[noreturn]] void kill_undeliverable(const arch::InterruptFrame& frame, int signal, ktl::StringView why) {
    Process* process = current_process();
    klog::error(log_subsystem,
                "process {} '{}' killed by signal {}: cannot run the handler of signal {} ({}), rsp {:#x}",
                process->pid(), process->name(), sigsegv, signal, why, frame.rsp);
    exit_current(killed_status(sigsegv));
}

bool is_stopped(ProcessSignals& signals) {
    return __atomic_load_n(&signals.stopped, __ATOMIC_ACQUIRE);
}

// A stop signal's default action: the thread sleeps until SIGCONT or SIGKILL, its parent told both
// times; the other threads stop too on their way back to user mode. A SIGCONT that came after the
// stop signal was taken cancels it.
void stop_current(Process& process, int signal) {
    ProcessSignals& signals = process.signals;
    {
        sync::SpinlockGuard guard(signals.lock);
        if (!signals.stop_dequeued)
            return;
        signals.stop_dequeued = false;
        signals.stopped = true;
        signals.stop_signal = signal;
        signals.stop_to_report = true;
        signals.continue_to_report = false;
        sched::Task* self = sched::current_task();
        for (ThreadSignals& thread : signals.threads)
            if (thread.task && thread.task != self)
                sched::notify_signal(thread.task); // an interrupted call restarts once continued
    }
    klog::debug(log_subsystem, "process {} '{}' stopped by signal {}", process.pid(), process.name(), signal);
    notify_parent_of_job_control(process, cld_stopped, signal);
    signals.continued.wait_until([&] { return !is_stopped(signals); });
    bool notify;
    {
        sync::SpinlockGuard guard(signals.lock);
        notify = signals.continue_to_notify;
        signals.continue_to_notify = false;
    }
    if (notify)
        notify_parent_of_job_control(process, cld_continued, sigcont);
}

void deliver_on_user_return(arch::InterruptFrame& frame) {
    sched::Task* task = sched::current_task();
    if (!task || !__atomic_load_n(&task->signal_pending, __ATOMIC_RELAXED))
        return;
    arch::enable_interrupts(); // writing the frame may page in the user stack
    deliver_signals(frame, -1);
    arch::disable_interrupts();
}

} // namespace

void deliver_signals(arch::InterruptFrame& frame, int64_t syscall_number) {
    sched::Task* task = sched::current_task();
    Process* process = task->process;
    ThreadSignals* thread = task->signals;
    if (!process || !thread)
        return;
    // Another thread took a stop signal: this one stops with the group.
    if (is_stopped(process->signals))
        process->signals.continued.wait_until([&] { return !is_stopped(process->signals); });
    Delivery delivery;
    while (__atomic_load_n(&task->signal_pending, __ATOMIC_SEQ_CST) &&
           next_delivery(*process, *thread, delivery)) {
        int signal = delivery.info.signal;
        uint64_t handler = delivery.action.handler;
        if (signal == sigkill)
            terminate_by(signal);
        if (handler == sig_ignore)
            continue;
        if (handler == sig_default) {
            if (process->signals.unkillable)
                continue; // was blocked when sent; init ignores it now as it would have then
            DefaultAction action = default_action(signal);
            // POSIX: the terminal's stop signals do not stop an orphaned group, which nobody
            // in the session could continue; SIGSTOP always does.
            if (action == DefaultAction::Stop &&
                (signal == sigstop || !is_orphaned_process_group(process_group_of(0).value_or(0))))
                stop_current(*process, signal);
            if (action != DefaultAction::Terminate)
                continue;
            terminate_by(signal);
        }
        finish_interrupted_call(frame, syscall_number, &delivery.action);
        if (!(delivery.action.flags & sa_restorer))
            kill_undeliverable(frame, signal, "no SA_RESTORER"); // x86-64 has no kernel trampoline
        arch::SignalStack& alternate = thread->alternate_stack;
        bool use_alternate = (delivery.action.flags & sa_onstack) && alternate.size &&
                             !(alternate.flags & ss_disable) &&
                             !(frame.rsp > alternate.base && frame.rsp - alternate.base <= alternate.size);
        arch::SignalStack reported = alternate;
        if (alternate.size && !(alternate.flags & ss_disable))
            reported.flags =
                (frame.rsp > alternate.base && frame.rsp - alternate.base <= alternate.size) ? ss_onstack : 0;
        reported.flags |= alternate.flags & ss_autodisarm;
        arch::SignalFrameRequest request{
            .signal = signal,
            .info = &delivery.info,
            .handler = handler,
            .restorer = (delivery.action.flags & sa_restorer) ? delivery.action.restorer : 0,
            .saved_mask = delivery.saved_mask,
            .stack_top = use_alternate ? alternate.base + alternate.size : 0,
            .stack_state = reported,
            .fault_address =
                is_fault_signal(signal) && delivery.info.code > 0 ? delivery.info.fault.address : 0,
        };
        if (auto pushed = arch::push_signal_frame(frame, request); pushed.is_error())
            kill_undeliverable(frame, signal, "no room for its frame");
        if (use_alternate && (alternate.flags & ss_autodisarm))
            alternate = {}; // SS_AUTODISARM: the handler may longjmp away and switch stacks itself
        // One handler frame a return: the rest are delivered when it returns through rt_sigreturn.
        return;
    }
    finish_interrupted_call(frame, syscall_number, nullptr);
    restore_suspended_mask(*process, *thread);
}

SignalSummary summarize_signals(Process& process) {
    SignalSummary summary;
    sync::SpinlockGuard guard(process.signals.lock);
    summary.blocked = process.signals.main_thread.blocked;
    summary.pending = process.signals.main_thread.pending.set();
    summary.shared_pending = process.signals.pending.set();
    summary.threads = process.signals.threads.size();
    for (int signal = 1; signal <= signal_count; ++signal) {
        uint64_t handler = process.signal_actions[signal - 1].handler;
        if (handler == sig_ignore)
            summary.ignored |= signal_bit(signal);
        else if (handler > sig_ignore)
            summary.caught |= signal_bit(signal);
    }
    return summary;
}

bool take_job_control_report(Process& child, bool stops, bool continues, bool consume, int& wait_status) {
    ProcessSignals& signals = child.signals;
    sync::SpinlockGuard guard(signals.lock);
    if (stops && signals.stop_to_report) {
        signals.stop_to_report = !consume;
        wait_status = (signals.stop_signal << 8) | 0x7f;
        return true;
    }
    if (continues && signals.continue_to_report) {
        signals.continue_to_report = !consume;
        wait_status = 0xffff;
        return true;
    }
    return false;
}

bool queue_fault_signal(const arch::InterruptFrame& frame, arch::PageFaultOutcome outcome) {
    Process* process = current_process();
    ThreadSignals* thread = current_thread();
    if (!process || !thread)
        return false;
    arch::FaultSignal fault = arch::describe_user_fault(frame, outcome);
    PendingSignal* spare = new (std::nothrow) PendingSignal;
    bool queued = false;
    {
        sync::SpinlockGuard guard(process->signals.lock);
        const SignalAction& action = process->signal_actions[fault.signal - 1];
        if (!(thread->blocked & signal_bit(fault.signal)) && action.handler > sig_ignore) {
            SignalInfo info{};
            info.signal = fault.signal;
            info.code = fault.code;
            info.fault.address = fault.address;
            thread->pending.discard(fault.signal); // the fault's own siginfo, not an earlier kill's
            queued = thread->pending.add(info, spare);
            update_pending_locked(*process, *thread);
        }
    }
    delete spare;
    return queued;
}

void initialize_signal_delivery() {
    arch::set_user_return_hook(deliver_on_user_return);
}

} // namespace proc
