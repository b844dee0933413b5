// Timers: alarm, getitimer, setitimer and the POSIX timer calls (timer_create, timer_settime,
// timer_gettime, timer_getoverrun, timer_delete), over proc/timers.h.
#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/signals.h"
#include "proc/timers.h"
#include "syscalls/handlers.h"

namespace syscalls {

namespace {

constexpr uint64_t ns_per_second = 1'000'000'000, ns_per_microsecond = 1000;

struct Timeval {
    int64_t seconds;
    int64_t microseconds;
};
struct IntervalValue { // struct itimerval
    Timeval interval;
    Timeval value;
};
struct IntervalSpec { // struct itimerspec
    Timespec interval;
    Timespec value;
};
// struct sigevent: the value, the signal, how to notify, then a union whose first member is the
// thread id for SIGEV_THREAD_ID; 64 bytes in all.
struct SignalEvent {
    uint64_t value;
    int32_t signal;
    int32_t notify;
    int32_t thread_id;
    uint8_t rest[44];
};
static_assert(sizeof(SignalEvent) == 64);

proc::Process& process() {
    return *proc::current_process(); // user code always runs in a process
}

constexpr uint64_t saturating_add(uint64_t a, uint64_t b) {
    return a + b < a ? UINT64_MAX : a + b;
}

ktl::ErrorOr<uint64_t> nanoseconds_of(const Timeval& value) {
    if (value.seconds < 0 || value.microseconds < 0 || value.microseconds >= 1'000'000)
        return ktl::Errno::InvalidArgument;
    if (static_cast<uint64_t>(value.seconds) > UINT64_MAX / ns_per_second / 2)
        return UINT64_MAX / 2; // far enough to be forever
    return saturating_add(static_cast<uint64_t>(value.seconds) * ns_per_second,
                          static_cast<uint64_t>(value.microseconds) * ns_per_microsecond);
}

ktl::ErrorOr<uint64_t> nanoseconds_of(const Timespec& value) {
    if (value.seconds < 0 || value.nanoseconds < 0 ||
        value.nanoseconds >= static_cast<int64_t>(ns_per_second))
        return ktl::Errno::InvalidArgument;
    if (static_cast<uint64_t>(value.seconds) > UINT64_MAX / ns_per_second / 2)
        return UINT64_MAX / 2;
    return saturating_add(static_cast<uint64_t>(value.seconds) * ns_per_second,
                          static_cast<uint64_t>(value.nanoseconds));
}

Timeval timeval_of(uint64_t ns) {
    // Rounded up: a timer with time left never reads as 0 (disarmed).
    uint64_t microseconds = (ns + ns_per_microsecond - 1) / ns_per_microsecond;
    return {static_cast<int64_t>(microseconds / 1'000'000), static_cast<int64_t>(microseconds % 1'000'000)};
}

Timespec timespec_of(uint64_t ns) {
    return {static_cast<int64_t>(ns / ns_per_second), static_cast<int64_t>(ns % ns_per_second)};
}

ktl::ErrorOr<proc::IntervalTimer> interval_timer_of(int which) {
    if (which < 0 || which > 2)
        return ktl::Errno::InvalidArgument;
    return static_cast<proc::IntervalTimer>(which);
}

IntervalValue interval_value_of(const proc::TimerSetting& setting) {
    return {timeval_of(setting.interval_ns), timeval_of(setting.value_ns)};
}

} // namespace

Result sys_alarm(unsigned seconds) {
    proc::TimerSetting old = proc::set_interval_timer(process(), proc::IntervalTimer::Real,
                                                      {static_cast<uint64_t>(seconds) * ns_per_second, 0});
    // Linux rounds the time left to the nearest second, and never to 0 while the alarm is set.
    uint64_t left = (old.value_ns + ns_per_second / 2) / ns_per_second;
    if (left == 0 && old.value_ns != 0)
        left = 1;
    return static_cast<long>(left);
}

Result sys_getitimer(int which, mm::UserPtr<uint8_t> value) {
    proc::IntervalTimer timer = TRY(interval_timer_of(which));
    IntervalValue current = interval_value_of(proc::interval_timer(process(), timer));
    TRY(mm::copy_to_user(value.address(), &current, sizeof current));
    return 0;
}

Result sys_setitimer(int which, mm::UserPtr<uint8_t> new_value, mm::UserPtr<uint8_t> old_value) {
    proc::IntervalTimer timer = TRY(interval_timer_of(which));
    proc::TimerSetting setting;
    if (!new_value.is_null()) { // Linux takes a null new value as disarming
        IntervalValue wanted;
        TRY(mm::copy_from_user(&wanted, new_value.address(), sizeof wanted));
        setting = {TRY(nanoseconds_of(wanted.value)), TRY(nanoseconds_of(wanted.interval))};
    }
    IntervalValue old = interval_value_of(proc::set_interval_timer(process(), timer, setting));
    if (!old_value.is_null())
        TRY(mm::copy_to_user(old_value.address(), &old, sizeof old));
    return 0;
}

Result sys_timer_create(int clock, mm::UserPtr<uint8_t> event, mm::UserPtr<int32_t> timer_id) {
    constexpr int sigev_signal = 0, sigev_none = 1, sigev_thread = 2, sigev_thread_id = 4;
    proc::TimerNotification notification;
    bool given = !event.is_null();
    if (given) {
        SignalEvent wanted;
        TRY(mm::copy_from_user(&wanted, event.address(), sizeof wanted));
        notification.value = wanted.value;
        notification.signal = wanted.signal;
        switch (wanted.notify) {
        case sigev_signal:
            notification.kind = proc::TimerNotification::Kind::Signal;
            break;
        case sigev_none:
            notification.kind = proc::TimerNotification::Kind::None;
            break;
        case sigev_thread_id:
            notification.kind = proc::TimerNotification::Kind::Thread;
            notification.thread_id = static_cast<uint64_t>(wanted.thread_id);
            break;
        case sigev_thread: // libc's business: it asks the kernel for SIGEV_THREAD_ID
        default:
            return ktl::Errno::InvalidArgument;
        }
    }
    int id = TRY(proc::create_posix_timer(process(), clock, given ? &notification : nullptr));
    int32_t value = id;
    if (auto written = mm::copy_to_user(timer_id, &value); written.is_error()) {
        (void)proc::delete_posix_timer(process(), id);
        return written.error();
    }
    return 0;
}

Result sys_timer_settime(int timer_id, int flags, mm::UserPtr<uint8_t> new_value,
                         mm::UserPtr<uint8_t> old_value) {
    constexpr int timer_abstime = 1; // Linux ignores the other flag bits
    IntervalSpec wanted;
    TRY(mm::copy_from_user(&wanted, new_value.address(), sizeof wanted));
    proc::TimerSetting setting{TRY(nanoseconds_of(wanted.value)), TRY(nanoseconds_of(wanted.interval))};
    proc::TimerSetting old = TRY(proc::set_posix_timer(process(), timer_id, setting, flags & timer_abstime));
    if (!old_value.is_null()) {
        IntervalSpec previous{timespec_of(old.interval_ns), timespec_of(old.value_ns)};
        TRY(mm::copy_to_user(old_value.address(), &previous, sizeof previous));
    }
    return 0;
}

Result sys_timer_gettime(int timer_id, mm::UserPtr<uint8_t> value) {
    proc::TimerSetting current = TRY(proc::posix_timer(process(), timer_id));
    IntervalSpec spec{timespec_of(current.interval_ns), timespec_of(current.value_ns)};
    TRY(mm::copy_to_user(value.address(), &spec, sizeof spec));
    return 0;
}

Result sys_timer_getoverrun(int timer_id) {
    return static_cast<long>(TRY(proc::posix_timer_overrun(process(), timer_id)));
}

Result sys_timer_delete(int timer_id) {
    TRY(proc::delete_posix_timer(process(), timer_id));
    return 0;
}

} // namespace syscalls
