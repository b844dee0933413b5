#include "time/timer_queue.h"

#include "sync/spinlock.h"

namespace time {

namespace {
// Sorted by deadline; equal deadlines fire in arming order.
sync::SpinlockProtected<ktl::IntrusiveList<Timer>> timers;
} // namespace

void arm_timer(Timer& timer) {
    timers.with([&](ktl::IntrusiveList<Timer>& list) {
        if (timer.is_linked())
            list.remove(timer);
        Timer* position = list.first();
        while (position && position->deadline_ns <= timer.deadline_ns)
            position = list.next(*position);
        list.insert_before(position, timer);
    });
}

bool cancel_timer(Timer& timer) {
    return timers.with([&](ktl::IntrusiveList<Timer>& list) {
        if (!timer.is_linked())
            return false;
        list.remove(timer);
        return true;
    });
}

void run_expired_timers(uint64_t now_ns) {
    // Callbacks run under the lock: on this single CPU that means a cancel from task context sees a
    // timer either armed or completely fired, never half-way.
    timers.with([&](ktl::IntrusiveList<Timer>& list) {
        while (list.first() && list.first()->deadline_ns <= now_ns) {
            Timer& timer = *list.pop_front();
            timer.callback(timer);
        }
    });
}

uint64_t armed_timer_count() {
    return timers.with([](ktl::IntrusiveList<Timer>& list) { return uint64_t(list.size()); });
}

} // namespace time
