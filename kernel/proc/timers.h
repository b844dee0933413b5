// A process's timers: the three interval timers (setitimer(2): ITIMER_REAL counts real time and
// sends SIGALRM, ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time and send SIGVTALRM and
// SIGPROF; alarm(2) is ITIMER_REAL) and POSIX timers (timer_create(2) on CLOCK_REALTIME,
// CLOCK_MONOTONIC, CLOCK_BOOTTIME and the CPU-time clocks, notifying by a signal to the process
// (SIGEV_SIGNAL), to one of its threads (SIGEV_THREAD_ID) or not at all (SIGEV_NONE)).
//
// Expiry: each timer arms a one-shot monotonic time::Timer. Its callback runs in the tick's
// interrupt context, so it only queues the timer for the `timers` kernel task, which sends the
// signal (sending may allocate), counts the expirations it missed as overruns, and re-arms a
// periodic timer from its own deadline so the period does not drift. A CPU-time timer arms for the
// earliest real time at which the CPU time can have run out and re-checks when that comes.
//
// Lifetime: fork does not pass timers on, execve deletes the POSIX timers and keeps the interval
// timers, exit deletes them all, as on Linux. Locking: one mutex for every process's timers (few
// are armed at a time); the fired queue is under a spinlock the tick may take.
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace proc {

class Process;

enum class IntervalTimer : int { Real = 0, Virtual = 1, Profile = 2 };

// A timer's setting: the time to the next expiry (0: disarmed) and the period (0: one-shot).
struct TimerSetting {
    uint64_t value_ns = 0;
    uint64_t interval_ns = 0;
};

// setitimer/getitimer: the old setting comes back.
TimerSetting set_interval_timer(Process& process, IntervalTimer which, const TimerSetting& setting);
TimerSetting interval_timer(Process& process, IntervalTimer which);

// timer_create's notification (struct sigevent's parts).
struct TimerNotification {
    enum class Kind : uint8_t { Signal, None, Thread } kind = Kind::Signal;
    int signal = 14; // SIGALRM
    uint64_t value = 0;
    uint64_t thread_id = 0; // Kind::Thread
};
// Clocks as clock_gettime numbers them; CPU-time clocks are the caller's.
ktl::ErrorOr<int> create_posix_timer(Process& process, int clock, const TimerNotification* notification);
// `absolute`: value_ns is a time on the timer's clock, not a duration. Returns the old setting.
ktl::ErrorOr<TimerSetting> set_posix_timer(Process& process, int id, const TimerSetting& setting,
                                           bool absolute);
ktl::ErrorOr<TimerSetting> posix_timer(Process& process, int id);
ktl::ErrorOr<int> posix_timer_overrun(Process& process, int id);
ktl::ErrorOr<void> delete_posix_timer(Process& process, int id);

// execve and exit.
void delete_posix_timers(Process& process);
void delete_all_timers(Process& process);

// Timers in existence (armed or not), for leak checks.
size_t timer_count();

} // namespace proc
