// Signals, with Linux x86-64 semantics (signal(7)): dispositions a process shares, pending sets with
// the siginfo of each signal (real-time signals queue, standard ones coalesce), per-thread masks and
// alternate stacks, sending, and delivery on every return to user mode (default actions, SIG_IGN,
// or a handler on Linux's rt_sigframe; see arch/signal_frame.h).
//
// Locking: one spinlock per process (ProcessSignals::lock) covers its dispositions, its pending queue,
// its thread list and group-exit state, and each of its threads' masks, pending queues, tids and task
// pointers, as Linux's siglock does. It may be
// taken under the process tree's mutex, and is taken before the scheduler's lock (to wake a target);
// never inside a wait queue's lock.
#pragma once

#include "arch/interrupts.h"
#include "arch/signal_frame.h"
#include "arch/user_mode.h"
#include "ktl/error_or.h"
#include "ktl/intrusive_list.h"
#include "sched/wait_queue.h"
#include "sync/spinlock.h"

#include <cstddef>
#include <cstdint>

namespace sched {
struct Task;
}

namespace proc {

class Process;

inline constexpr int signal_count = 64; // 1..64, as Linux's _NSIG

inline constexpr int sighup = 1, sigint = 2, sigquit = 3, sigill = 4, sigtrap = 5, sigabrt = 6, sigbus = 7,
                     sigfpe = 8, sigkill = 9, sigusr1 = 10, sigsegv = 11, sigusr2 = 12, sigpipe = 13,
                     sigalrm = 14, sigterm = 15, sigchld = 17, sigcont = 18, sigstop = 19, sigtstp = 20,
                     sigttin = 21, sigttou = 22, sigurg = 23, sigxcpu = 24, sigxfsz = 25, sigwinch = 28,
                     sigsys = 31;
inline constexpr int first_realtime_signal = 32; // the kernel's SIGRTMIN (libc keeps a few for itself)

constexpr uint64_t signal_bit(int signal) {
    return uint64_t{1} << (signal - 1);
}
inline constexpr uint64_t unblockable_signals = signal_bit(sigkill) | signal_bit(sigstop);

// si_code values.
inline constexpr int32_t si_user = 0, si_kernel = 0x80, si_queue = -1, si_timer = -2, si_tkill = -6;
inline constexpr int32_t cld_exited = 1, cld_killed = 2, cld_stopped = 5, cld_continued = 6;

// Linux's siginfo_t: 128 bytes, three ints, then a union whose members start at byte 16.
struct SignalInfo {
    int32_t signal;
    int32_t error_number;
    int32_t code;
    int32_t padding;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
            uint64_t value; // sigqueue's sigval
        } sender;
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
            int32_t padding;
            int64_t user_time, system_time;
        } child;
        struct {
            uint64_t address;
        } fault;
        struct {
            int32_t id;
            int32_t overrun;
            uint64_t value;
        } timer; // SI_TIMER
        uint8_t bytes[112];
    };
};
static_assert(sizeof(SignalInfo) == arch::signal_info_size && offsetof(SignalInfo, sender) == 16);

// Linux's struct k_sigaction for rt_sigaction (handler, flags, restorer, mask).
struct SignalAction {
    uint64_t handler = 0; // SIG_DFL 0, SIG_IGN 1, or a function
    uint64_t flags = 0;
    uint64_t restorer = 0;
    uint64_t mask = 0;
};
static_assert(sizeof(SignalAction) == 32);

inline constexpr uint64_t sig_default = 0, sig_ignore = 1;
inline constexpr uint64_t sa_nocldstop = 1, sa_nocldwait = 2, sa_siginfo = 4, sa_restorer = 0x04000000,
                          sa_onstack = 0x08000000, sa_restart = 0x10000000, sa_nodefer = 0x40000000,
                          sa_resethand = 0x80000000;
inline constexpr int32_t ss_onstack = 1, ss_disable = 2, ss_autodisarm = int32_t(0x80000000u);

struct PendingSignal : ktl::IntrusiveListNode<> {
    SignalInfo info;
};

// Signals waiting for delivery: a bit each, and their siginfo records in arrival order.
class SignalQueue {
public:
    SignalQueue() = default;
    SignalQueue(const SignalQueue&) = delete;
    SignalQueue& operator=(const SignalQueue&) = delete;
    ~SignalQueue() { clear(); }

    uint64_t set() const { return m_set; }
    // A standard signal already pending coalesces; otherwise `spare` (allocated by the caller outside
    // the lock) keeps the siginfo and becomes null. Without one a standard signal is still marked
    // (its siginfo reads as sent by the kernel); a real-time one is refused.
    bool add(const SignalInfo& info, PendingSignal*& spare);
    // Removes the lowest-numbered signal in `allowed` (SIGKILL first); false if there is none.
    bool take(uint64_t allowed, SignalInfo& info);
    void discard(int signal);
    void clear();
    // Takes over everything `other` holds, dropping what this queue held.
    void move_from(SignalQueue& other);
    // The queued SI_TIMER record of POSIX timer `id`, or null.
    SignalInfo* find_timer_signal(int signal, int32_t id);

private:
    uint64_t m_set = 0;
    ktl::IntrusiveList<PendingSignal> m_entries;
};

// One thread's part: the main thread's lives in ProcessSignals, the others' are allocated by clone
// and freed as the thread exits.
struct InThreadGroup {};
struct ThreadSignals : ktl::IntrusiveListNode<InThreadGroup> {
    sched::Task* task = nullptr; // null until the new thread runs, and once it has exited
    uint64_t tid = 0;
    uint64_t blocked = 0;
    // rt_sigtimedwait's own mask while it waits with its set unblocked (Linux's real_blocked): a
    // signal blocked there is still never dropped as ignored, or the wait would miss it.
    uint64_t blocked_before_wait = 0;
    SignalQueue pending; // sent to this thread (tkill, faults)
    // suspend_mask(): the mask to put back once the call returns or its signal has been handled.
    bool restore_mask = false;
    uint64_t mask_to_restore = 0;
    arch::SignalStack alternate_stack; // only the thread itself reads or changes it
};

// A process's POSIX timers are numbered below this (Linux bounds them by RLIMIT_SIGPENDING).
inline constexpr int posix_timer_limit = 64;

struct ProcessSignals {
    sync::Spinlock lock;
    SignalQueue pending; // sent to the process (kill, sigqueue)
    size_t queued_realtime = 0;
    ThreadSignals main_thread;
    // Every thread of the group that has not exited (the main thread while it lives), in creation
    // order; a thread clone is starting is in it already.
    ktl::IntrusiveList<ThreadSignals, InThreadGroup> threads;
    // exit_group, a fatal signal or execve ends the other threads: each sees SIGKILL and leaves
    // quietly; the last one out reports `group_exit_status` (the first reason given).
    bool group_exiting = false;
    int group_exit_status = 0;
    // A thread left the group, or clone named a new one: execve waits here for the others to be
    // gone, a new thread for its tid.
    sched::WaitQueue thread_changes;
    uint64_t exited_threads_run_time_ns = 0; // added as each thread detaches
    // The first process, as init on Linux: a signal at its default disposition does not reach it
    // (its own faults still end it).
    bool unkillable = false;
    // prctl(PR_SET_PDEATHSIG): sent to the process when its parent exits (0: none).
    int parent_death_signal = 0;
    // timer_getoverrun(2): the overrun of each POSIX timer's signal last taken from a queue.
    int32_t delivered_timer_overrun[posix_timer_limit] = {};
    // Job control: a stop signal's default action parks the thread on `continued` until SIGCONT or
    // SIGKILL; the parent's wait4 sees each change once (WUNTRACED, WCONTINUED).
    bool stopped = false;
    bool stop_dequeued = false; // a stop signal is on its way to take effect; SIGCONT cancels it
    int stop_signal = 0;
    bool stop_to_report = false;
    bool continue_to_report = false;
    bool continue_to_notify = false; // SIGCHLD CLD_CONTINUED, sent by the resumed thread
    sched::WaitQueue continued;
    // Woken whenever a signal is queued for the process or one of its threads, blocked or not:
    // signalfd's readers and pollers wait here for signals that wake nothing else.
    sched::WaitQueue arrivals;
    // The last thread has detached: the process is a zombie, past signals. Until then (also before
    // a new process's first thread has attached) a signal is queued for whichever thread takes it.
    bool all_threads_gone = false;
};

// Makes `task` the process's main thread, starting with `mask` blocked.
void attach_main_thread(Process& process, sched::Task& task, uint64_t mask);
// clone(CLONE_THREAD): the caller enters a new thread in the group before creating its task (so an
// exit_group meanwhile counts it), gives it its tid once the task exists, or takes it back when
// creating it failed. NoMemory; Interrupted while the group is exiting.
ktl::ErrorOr<ThreadSignals*> add_thread(Process& process);
void name_thread(Process& process, ThreadSignals& thread, uint64_t tid);
// The new thread waits for its name first: until then its creator may still touch `thread`.
void wait_until_named(Process& process, ThreadSignals& thread);
void remove_unstarted_thread(Process& process, ThreadSignals& thread);
// The new thread's first act: `task` takes up `thread`, starting with `mask` blocked.
void attach_thread(Process& process, ThreadSignals& thread, sched::Task& task, uint64_t mask);
// The running thread leaves the group (its own pending signals are dropped, the process's go to
// another thread). True if it was the last: the process's pending signals are dropped too.
bool detach_thread(Process& process, sched::Task& task);
size_t thread_count(Process& process);
// The run time of the process's threads, live and exited (CLOCK_PROCESS_CPUTIME_ID, RUSAGE_SELF).
uint64_t threads_run_time_ns(Process& process);
// exit_group and fatal signals: the first call records `wait_status` and sends SIGKILL to every
// other thread; false if the group was exiting already.
bool begin_group_exit(Process& process, int wait_status);
// The status the group's last thread reports: the group's, or `own` (exit of the last thread).
int group_exit_status(Process& process, int own);
// execve from any thread: ends the others and waits until they are gone; the caller then becomes
// the main thread (its tid the pid). False, doing nothing, if the group is exiting already.
bool end_other_threads_for_exec(Process& process);
void become_main_thread(Process& process, sched::Task& task);
// execve: handlers go back to the default (ignored signals stay ignored) and the alternate stack
// goes; the mask and pending signals stay.
void reset_signals_for_exec(Process& process);

// Queues `info` for `process` (any thread that does not block it takes it) and wakes one thread
// that can act on it. A signal that would be ignored is dropped at once, unless blocked. Fails with
// TryAgain when a real-time signal cannot be queued.
ktl::ErrorOr<void> send_signal(Process& process, const SignalInfo& info);
// The same for one thread of the process (tgkill, tkill): NoSuchProcess if `tid` is not one of its
// live threads.
ktl::ErrorOr<void> send_signal_to_thread(Process& process, uint64_t tid, const SignalInfo& info);
// POSIX timers: while a timer's signal waits in a queue (thread `thread_id`'s, or the process's for
// 0), later expirations only add `expirations` to the overrun it carries, as with Linux's one
// preallocated record per timer. Returns the overrun it now carries, or -1 when no signal of the
// timer is waiting (the caller then sends one).
int64_t add_timer_overrun(Process& process, uint64_t thread_id, int signal, int32_t timer_id,
                          uint32_t expirations);
// timer_getoverrun: the overrun carried by the last signal of timer `id` that was delivered or taken
// by sigtimedwait; `reset` starts a new timer's count at 0.
int32_t delivered_timer_overrun(Process& process, int32_t timer_id);
void reset_delivered_timer_overrun(Process& process, int32_t timer_id);
// A signal from the kernel itself (SIGPIPE) to the running thread; best effort.
void send_signal_to_current(int signal, int32_t code = si_kernel);

// The running thread's state, for the signal calls. Changing the mask may make a pending signal
// deliverable: it is then delivered on the way back to user mode.
uint64_t current_blocked_mask();
void set_current_blocked_mask(uint64_t mask);
// rt_sigtimedwait: unblocks `awaited` for the wait (`awaited` 0 puts the mask back), keeping the
// old mask as the one that decides whether a signal sent meanwhile is ignored.
void set_current_signal_wait(uint64_t old_mask, uint64_t awaited);
uint64_t current_pending_signals(); // thread's and process's, blocked or not
// Takes a pending signal in `set` (for sigtimedwait); false if none is pending.
bool take_current_signal(uint64_t set, SignalInfo& info);
// rt_sigsuspend, ppoll, pselect6: swaps in `mask` for the call; the old one comes back on the way
// out, after a handler's frame has saved it (Linux's TIF_RESTORE_SIGMASK).
void suspend_mask(uint64_t mask);
SignalAction action_of(Process& process, int signal);
// Installs `action` and returns the one it replaces, in one step.
SignalAction set_action(Process& process, int signal, const SignalAction& action);
arch::SignalStack& current_alternate_stack();

// What /proc shows: the main thread's mask and pending signals, the process's pending signals,
// which signals are ignored and which caught, and how many threads the process has.
struct SignalSummary {
    uint64_t blocked = 0, pending = 0, shared_pending = 0, ignored = 0, caught = 0;
    size_t threads = 0;
};
SignalSummary summarize_signals(Process& process);

// wait4/waitid: a stop (WUNTRACED) or continue (WCONTINUED) of `child` not reported yet, as a wait
// status; each is reported once (`consume` false for WNOWAIT). Called under the process tree's lock.
bool take_job_control_report(Process& child, bool stops, bool continues, bool consume, int& wait_status);

// Delivery on the way back to user mode. `syscall_number` is the system call the frame returns from
// (-1 after an interrupt or fault): a call a signal interrupted is restarted or ends with EINTR.
void deliver_signals(arch::InterruptFrame& frame, int64_t syscall_number);
// A fault in user code: queues its signal if a handler will take it and returns true; false when
// the process must be killed (signal blocked, ignored or at its default), as Linux does.
bool queue_fault_signal(const arch::InterruptFrame& frame, arch::PageFaultOutcome outcome);
// Installs delivery on the arch's return-to-user path.
void initialize_signal_delivery();

} // namespace proc
