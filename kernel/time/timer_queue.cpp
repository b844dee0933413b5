#include "time/timer_queue.h"

#include "sync/spinlock.h"

namespace time {

namespace {

struct TimerList {
    Timer* head = nullptr;
    uint64_t count = 0;

    void unlink(Timer& timer) {
        if (timer.previous)
            timer.previous->next = timer.next;
        else
            head = timer.next;
        if (timer.next)
            timer.next->previous = timer.previous;
        timer.next = timer.previous = nullptr;
        timer.armed = false;
        --count;
    }
};

sync::SpinlockProtected<TimerList> timers;

} // namespace

void arm_timer(Timer& timer) {
    timers.with([&](TimerList& list) {
        if (timer.armed)
            list.unlink(timer);
        Timer* previous = nullptr;
        Timer* next = list.head;
        // Equal deadlines fire in arming order.
        while (next && next->deadline_ns <= timer.deadline_ns) {
            previous = next;
            next = next->next;
        }
        timer.previous = previous;
        timer.next = next;
        if (previous)
            previous->next = &timer;
        else
            list.head = &timer;
        if (next)
            next->previous = &timer;
        timer.armed = true;
        ++list.count;
    });
}

bool cancel_timer(Timer& timer) {
    return timers.with([&](TimerList& list) {
        if (!timer.armed)
            return false;
        list.unlink(timer);
        return true;
    });
}

void run_expired_timers(uint64_t now_ns) {
    // Callbacks run under the lock: on this single CPU that means a cancel from task context sees a
    // timer either armed or completely fired, never half-way.
    timers.with([&](TimerList& list) {
        while (list.head && list.head->deadline_ns <= now_ns) {
            Timer& timer = *list.head;
            list.unlink(timer);
            timer.callback(timer);
        }
    });
}

uint64_t armed_timer_count() {
    return timers.with([](TimerList& list) { return list.count; });
}

} // namespace time
