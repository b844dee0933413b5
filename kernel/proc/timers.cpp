// Interval and POSIX timers (see timers.h).
#include "proc/timers.h"

#include "console/log.h"
#include "ktl/intrusive_list.h"
#include "proc/process.h"
#include "proc/signals.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "time/rtc.h"
#include "time/timer_queue.h"

#include <new>

namespace proc {

namespace {

constexpr int clock_realtime = 0, clock_monotonic = 1, clock_process_cputime = 2, clock_thread_cputime = 3,
              clock_boottime = 7;
constexpr int sigvtalrm = 26, sigprof = 27;

struct InAllTimers {};
struct InFired {};

struct ProcessTimer : ktl::IntrusiveListNode<InAllTimers>, ktl::IntrusiveListNode<InFired> {
    time::Timer expiry; // context: this
    Process* process = nullptr;
    int id = 0; // a POSIX timer's id; -1, -2, -3 for ITIMER_REAL, _VIRTUAL, _PROF
    int clock = clock_monotonic;
    TimerNotification notification;
    bool armed = false;
    bool queued = false;      // on the fired queue
    uint64_t deadline_ns = 0; // on `clock`
    uint64_t interval_ns = 0;
    int last_overrun = 0; // SIGEV_NONE's timer_getoverrun (a signalling timer's is in its signals)
};

sync::Mutex timers_lock; // every ProcessTimer's fields (but `queued`), and the list below
ktl::IntrusiveList<ProcessTimer, InAllTimers> all_timers;
size_t live_timers;

// Filled by the tick, emptied by the timers task.
sync::SpinlockProtected<ktl::IntrusiveList<ProcessTimer, InFired>> fired;
sched::WaitQueue fired_waiters;
bool worker_started; // under timers_lock

bool is_cpu_clock(int clock) {
    return clock == clock_process_cputime || clock == clock_thread_cputime;
}

uint64_t process_cpu_time_ns(Process& process) {
    return threads_run_time_ns(process);
}

uint64_t now_on(Process& process, int clock) {
    if (is_cpu_clock(clock))
        return process_cpu_time_ns(process);
    if (clock == clock_realtime)
        return time::realtime_ns();
    return time::monotonic_ns();
}

void on_expiry(time::Timer& expiry) {
    // The tick, interrupts off, the timer queue's lock held: hand over and go.
    auto* timer = static_cast<ProcessTimer*>(expiry.context);
    fired.with([&](ktl::IntrusiveList<ProcessTimer, InFired>& queue) {
        if (!timer->queued) {
            timer->queued = true;
            queue.push_back(*timer);
        }
    });
    fired_waiters.wake_all();
}

// Under timers_lock: arms the one-shot expiry for the timer's deadline. CPU time runs no faster
// than real time, so the real-time distance to a CPU-time deadline is a lower bound.
void arm_expiry_locked(ProcessTimer& timer) {
    uint64_t now = now_on(*timer.process, timer.clock);
    uint64_t remaining = timer.deadline_ns > now ? timer.deadline_ns - now : 0;
    timer.expiry.deadline_ns = time::monotonic_ns() + remaining;
    time::arm_timer(timer.expiry);
}

void unqueue(ProcessTimer& timer) {
    fired.with([&](ktl::IntrusiveList<ProcessTimer, InFired>& queue) {
        if (timer.queued) {
            queue.remove(timer);
            timer.queued = false;
        }
    });
}

void disarm_locked(ProcessTimer& timer) {
    timer.armed = false;
    time::cancel_timer(timer.expiry);
    unqueue(timer);
}

// The signal for an expiry: SIGALRM, SIGVTALRM or SIGPROF from the kernel for an interval timer,
// SI_TIMER with the timer's id, overrun and value for a POSIX timer. `expirations` counts this one
// and any the timers task was too late for.
void notify_locked(ProcessTimer& timer, uint32_t expirations) {
    if (timer.notification.kind == TimerNotification::Kind::None) {
        timer.last_overrun = static_cast<int>(expirations - 1);
        return;
    }
    uint64_t thread_id =
        timer.notification.kind == TimerNotification::Kind::Thread ? timer.notification.thread_id : 0;
    SignalInfo info{};
    info.signal = timer.notification.signal;
    if (timer.id < 0) {
        info.code = si_kernel;
    } else {
        int64_t merged = add_timer_overrun(*timer.process, thread_id, info.signal, timer.id, expirations);
        if (merged >= 0) {
            return;
        }
        info.code = si_timer;
        info.timer = {timer.id, static_cast<int32_t>(expirations - 1), timer.notification.value};
    }
    // A full real-time queue loses it, as on Linux; so does a thread that has exited.
    if (thread_id)
        (void)send_signal_to_thread(*timer.process, thread_id, info);
    else
        (void)send_signal(*timer.process, info);
}

// The timers task's part of an expiry, under timers_lock.
void expire_locked(ProcessTimer& timer) {
    if (!timer.armed)
        return; // disarmed after it fired
    uint64_t now = now_on(*timer.process, timer.clock);
    if (now < timer.deadline_ns) {
        arm_expiry_locked(timer); // a CPU-time timer whose process was not running all along
        return;
    }
    uint32_t expirations = 1;
    if (timer.interval_ns) {
        // Expirations that passed while the signal was on its way are overruns; the next deadline
        // stays on the period's grid.
        uint64_t late = (now - timer.deadline_ns) / timer.interval_ns;
        expirations += static_cast<uint32_t>(late > INT32_MAX ? INT32_MAX : late);
        uint64_t step =
            late + 1 > UINT64_MAX / timer.interval_ns ? UINT64_MAX : (late + 1) * timer.interval_ns;
        timer.deadline_ns =
            timer.deadline_ns + step < timer.deadline_ns ? UINT64_MAX : timer.deadline_ns + step;
        arm_expiry_locked(timer);
    } else {
        timer.armed = false;
    }
    notify_locked(timer, expirations);
}

[[noreturn]] void run_timers(void*) {
    for (;;) {
        fired_waiters.wait_until([] {
            return fired.with(
                [](ktl::IntrusiveList<ProcessTimer, InFired>& queue) { return !queue.is_empty(); });
        });
        sync::MutexLocker locker(timers_lock);
        for (;;) {
            ProcessTimer* timer = fired.with([](ktl::IntrusiveList<ProcessTimer, InFired>& queue) {
                ProcessTimer* first = queue.pop_front();
                if (first)
                    first->queued = false;
                return first;
            });
            if (!timer)
                break;
            expire_locked(*timer);
        }
    }
}

ktl::ErrorOr<void> start_worker_locked() {
    if (worker_started)
        return {};
    auto task = TRY(sched::spawn("timers", run_timers, nullptr, {}));
    task.reset(); // runs for as long as the kernel
    worker_started = true;
    return {};
}

ProcessTimer* find_locked(Process& process, int id) {
    for (ProcessTimer& timer : all_timers)
        if (timer.process == &process && timer.id == id)
            return &timer;
    return nullptr;
}

TimerSetting setting_of_locked(ProcessTimer& timer) {
    if (!timer.armed)
        return {0, timer.interval_ns};
    uint64_t now = now_on(*timer.process, timer.clock);
    // An armed timer that is due shows 1 ns left, not 0 (which would read as disarmed).
    return {timer.deadline_ns > now ? timer.deadline_ns - now : 1, timer.interval_ns};
}

void apply_locked(ProcessTimer& timer, const TimerSetting& setting, bool absolute) {
    disarm_locked(timer);
    timer.interval_ns = setting.interval_ns;
    if (setting.value_ns == 0)
        return;
    uint64_t now = now_on(*timer.process, timer.clock);
    timer.deadline_ns = absolute ? setting.value_ns : now + setting.value_ns;
    if (!absolute && timer.deadline_ns < now)
        timer.deadline_ns = UINT64_MAX; // overflow: never
    timer.armed = true;
    arm_expiry_locked(timer);
}

ProcessTimer* make_timer_locked(Process& process, int id, int clock) {
    auto* timer = new (std::nothrow) ProcessTimer;
    if (!timer)
        return nullptr;
    timer->process = &process;
    timer->id = id;
    timer->clock = clock;
    timer->expiry.callback = on_expiry;
    timer->expiry.context = timer;
    all_timers.push_back(*timer);
    ++live_timers;
    return timer;
}

void destroy_locked(ProcessTimer& timer) {
    disarm_locked(timer);
    all_timers.remove(timer);
    --live_timers;
    delete &timer;
}

int interval_timer_id(IntervalTimer which) {
    return -1 - static_cast<int>(which);
}

} // namespace

TimerSetting set_interval_timer(Process& process, IntervalTimer which, const TimerSetting& setting) {
    sync::MutexLocker locker(timers_lock);
    ProcessTimer* timer = find_locked(process, interval_timer_id(which));
    TimerSetting old = timer ? setting_of_locked(*timer) : TimerSetting{};
    if (!timer && setting.value_ns == 0)
        return old; // disarming what was never armed: nothing to keep
    if (!timer) {
        if (start_worker_locked().is_error())
            return old; // no task for expiries: stays disarmed (setitimer cannot fail for this)
        int clock = which == IntervalTimer::Real ? clock_monotonic : clock_process_cputime;
        timer = make_timer_locked(process, interval_timer_id(which), clock);
        if (!timer)
            return old;
        static constexpr int signals[] = {sigalrm, sigvtalrm, sigprof};
        timer->notification.signal = signals[static_cast<int>(which)];
    }
    apply_locked(*timer, setting, false);
    return old;
}

TimerSetting interval_timer(Process& process, IntervalTimer which) {
    sync::MutexLocker locker(timers_lock);
    ProcessTimer* timer = find_locked(process, interval_timer_id(which));
    return timer ? setting_of_locked(*timer) : TimerSetting{};
}

ktl::ErrorOr<int> create_posix_timer(Process& process, int clock, const TimerNotification* notification) {
    if (clock != clock_realtime && clock != clock_monotonic && clock != clock_boottime &&
        !is_cpu_clock(clock))
        return ktl::Errno::InvalidArgument;
    TimerNotification wanted;
    if (notification) {
        wanted = *notification;
        if (wanted.kind != TimerNotification::Kind::None &&
            (wanted.signal < 1 || wanted.signal > signal_count))
            return ktl::Errno::InvalidArgument;
        // SIGEV_THREAD_ID names a live thread of the process (signal 0 only looks it up).
        if (wanted.kind == TimerNotification::Kind::Thread &&
            send_signal_to_thread(process, wanted.thread_id, SignalInfo{}).is_error())
            return ktl::Errno::InvalidArgument;
    }
    sync::MutexLocker locker(timers_lock);
    TRY(start_worker_locked());
    int id = 0;
    while (id < posix_timer_limit && find_locked(process, id))
        ++id;
    if (id == posix_timer_limit)
        return ktl::Errno::TryAgain;
    ProcessTimer* timer = make_timer_locked(process, id, clock);
    if (!timer)
        return ktl::Errno::TryAgain; // Linux's answer when it cannot allocate one
    timer->notification = wanted;
    reset_delivered_timer_overrun(process, id);
    if (!notification)
        timer->notification.value = static_cast<uint64_t>(id); // SIGEV_SIGNAL, SIGALRM, the id
    return id;
}

ktl::ErrorOr<TimerSetting> set_posix_timer(Process& process, int id, const TimerSetting& setting,
                                           bool absolute) {
    sync::MutexLocker locker(timers_lock);
    ProcessTimer* timer = id >= 0 ? find_locked(process, id) : nullptr;
    if (!timer)
        return ktl::Errno::InvalidArgument;
    TimerSetting old = setting_of_locked(*timer);
    apply_locked(*timer, setting, absolute);
    return old;
}

ktl::ErrorOr<TimerSetting> posix_timer(Process& process, int id) {
    sync::MutexLocker locker(timers_lock);
    ProcessTimer* timer = id >= 0 ? find_locked(process, id) : nullptr;
    if (!timer)
        return ktl::Errno::InvalidArgument;
    return setting_of_locked(*timer);
}

ktl::ErrorOr<int> posix_timer_overrun(Process& process, int id) {
    sync::MutexLocker locker(timers_lock);
    ProcessTimer* timer = id >= 0 ? find_locked(process, id) : nullptr;
    if (!timer)
        return ktl::Errno::InvalidArgument;
    if (timer->notification.kind == TimerNotification::Kind::None)
        return timer->last_overrun;
    return delivered_timer_overrun(process, id);
}

ktl::ErrorOr<void> delete_posix_timer(Process& process, int id) {
    sync::MutexLocker locker(timers_lock);
    ProcessTimer* timer = id >= 0 ? find_locked(process, id) : nullptr;
    if (!timer)
        return ktl::Errno::InvalidArgument;
    destroy_locked(*timer);
    return {};
}

void delete_posix_timers(Process& process) {
    sync::MutexLocker locker(timers_lock);
    for (ProcessTimer* timer = all_timers.first(); timer;) {
        ProcessTimer* next = all_timers.next(*timer);
        if (timer->process == &process && timer->id >= 0)
            destroy_locked(*timer);
        timer = next;
    }
}

void delete_all_timers(Process& process) {
    sync::MutexLocker locker(timers_lock);
    for (ProcessTimer* timer = all_timers.first(); timer;) {
        ProcessTimer* next = all_timers.next(*timer);
        if (timer->process == &process)
            destroy_locked(*timer);
        timer = next;
    }
}

size_t timer_count() {
    sync::MutexLocker locker(timers_lock);
    return live_timers;
}

} // namespace proc
