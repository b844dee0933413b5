// Clocks and sleeping: clock_gettime and friends, nanosleep, clock_nanosleep; getcpu.
#include "proc/process.h"
#include "sched/scheduler.h"
#include "syscalls/handlers.h"
#include "time/clock.h"
#include "time/clock_page.h"
#include "time/rtc.h"

namespace syscalls {

namespace {

constexpr int64_t nanoseconds_per_second = 1'000'000'000;

enum : int {
    clock_realtime = 0,
    clock_monotonic = 1,
    clock_process_cputime = 2,
    clock_thread_cputime = 3,
    clock_monotonic_raw = 4,
    clock_realtime_coarse = 5,
    clock_monotonic_coarse = 6,
    clock_boottime = 7,
};

ktl::ErrorOr<uint64_t> read_clock(int clock) {
    switch (clock) {
    case clock_realtime:
        return time::realtime_ns();
    // The coarse clocks come from the clock page, as the vDSO reads them, so both answer alike.
    case clock_realtime_coarse:
        return time::realtime_coarse_ns();
    case clock_monotonic:
    case clock_monotonic_raw:
    case clock_boottime:
        return time::monotonic_ns();
    case clock_monotonic_coarse:
        return time::coarse_monotonic_ns();
    case clock_process_cputime:
        return proc::process_run_time_ns();
    case clock_thread_cputime:
        return sched::current_task()->entity.runtime_ns;
    default:
        return ktl::Errno::InvalidArgument;
    }
}

Timespec to_timespec(uint64_t nanoseconds) {
    return {static_cast<int64_t>(nanoseconds / nanoseconds_per_second),
            static_cast<int64_t>(nanoseconds % nanoseconds_per_second)};
}

ktl::ErrorOr<uint64_t> read_duration(mm::UserPtr<Timespec> time) {
    Timespec value = TRY(mm::read_user(time));
    if (value.seconds < 0 || value.nanoseconds < 0 || value.nanoseconds >= nanoseconds_per_second)
        return ktl::Errno::InvalidArgument;
    constexpr int64_t max_seconds = static_cast<int64_t>(~0ull / nanoseconds_per_second / 2);
    if (value.seconds > max_seconds)
        return static_cast<uint64_t>(max_seconds) * nanoseconds_per_second; // far enough to be forever
    return static_cast<uint64_t>(value.seconds) * nanoseconds_per_second +
           static_cast<uint64_t>(value.nanoseconds);
}

} // namespace

Result sys_clock_gettime(int clock, mm::UserPtr<Timespec> time) {
    Timespec value = to_timespec(TRY(read_clock(clock)));
    TRY(mm::copy_to_user(time, &value));
    return 0;
}

Result sys_clock_getres(int clock, mm::UserPtr<Timespec> resolution) {
    TRY(read_clock(clock));
    bool coarse = clock == clock_monotonic_coarse || clock == clock_realtime_coarse;
    Timespec value =
        to_timespec(coarse ? nanoseconds_per_second / time::tick_rate_hz : time::monotonic_resolution_ns());
    if (!resolution.is_null())
        TRY(mm::copy_to_user(resolution, &value));
    return 0;
}

Result sys_gettimeofday(mm::UserPtr<int64_t> time, uint64_t) {
    if (!time.is_null()) {
        uint64_t now = time::realtime_ns();
        int64_t value[2] = {static_cast<int64_t>(now / nanoseconds_per_second),
                            static_cast<int64_t>(now % nanoseconds_per_second / 1000)};
        TRY(mm::copy_to_user(time, value, 2));
    }
    return 0; // the timezone argument is obsolete; Linux leaves it zeroed too
}

// The coarse wall clock's seconds, as Linux's time() (and the vDSO's) read the time of the last tick.
Result sys_time(mm::UserPtr<int64_t> time) {
    int64_t seconds = static_cast<int64_t>(time::realtime_coarse_ns() / nanoseconds_per_second);
    if (!time.is_null())
        TRY(mm::copy_to_user(time, &seconds));
    return seconds;
}

// One CPU, one node until SMP: then the running CPU's number, which may be stale by the time the caller
// reads it (as on Linux). The obsolete cache argument is ignored.
Result sys_getcpu(mm::UserPtr<uint32_t> cpu, mm::UserPtr<uint32_t> node, uint64_t) {
    const uint32_t this_cpu = 0, this_node = 0;
    if (!cpu.is_null())
        TRY(mm::copy_to_user(cpu, &this_cpu));
    if (!node.is_null())
        TRY(mm::copy_to_user(node, &this_node));
    return 0;
}

namespace {

// A sleep a signal cut short: EINTR with the time left (for a relative sleep). Linux restarts these
// through a restart block instead when the handler has SA_RESTART; we never restart them.
Result sleep_interruptibly(uint64_t deadline, mm::UserPtr<Timespec> remaining) {
    if (sched::sleep_until_interruptible(deadline))
        return 0;
    if (!remaining.is_null()) {
        uint64_t now = time::monotonic_ns();
        uint64_t left = deadline > now ? deadline - now : 0;
        Timespec value{static_cast<int64_t>(left / 1'000'000'000),
                       static_cast<int64_t>(left % 1'000'000'000)};
        TRY(mm::copy_to_user(remaining, &value));
    }
    return ktl::Errno::Interrupted;
}

} // namespace

Result sys_nanosleep(mm::UserPtr<Timespec> duration, mm::UserPtr<Timespec> remaining) {
    uint64_t nanoseconds = TRY(read_duration(duration));
    return sleep_interruptibly(time::deadline_after(nanoseconds), remaining);
}

Result sys_clock_nanosleep(int clock, int flags, mm::UserPtr<Timespec> time,
                           mm::UserPtr<Timespec> remaining) {
    constexpr int timer_absolute = 1;
    if (clock != clock_realtime && clock != clock_monotonic && clock != clock_boottime)
        return ktl::Errno::InvalidArgument;
    if (flags & ~timer_absolute)
        return ktl::Errno::InvalidArgument;
    uint64_t value = TRY(read_duration(time));
    uint64_t deadline;
    if (flags & timer_absolute) {
        // The requested clock first, then the monotonic one: the time between the two reads then
        // lengthens the sleep instead of ending it early (with a TSC clock, by microseconds, seen under
        // load as an absolute sleep on CLOCK_MONOTONIC waking before its deadline).
        uint64_t clock_now = TRY(read_clock(clock));
        uint64_t now = time::monotonic_ns();
        deadline = value <= clock_now ? now : now + (value - clock_now);
    } else {
        deadline = time::deadline_after(value);
    }
    // An absolute sleep has nothing to report: the caller just sleeps again to the same time.
    return sleep_interruptibly(deadline, (flags & timer_absolute) ? mm::UserPtr<Timespec>() : remaining);
}

} // namespace syscalls
