#include "sched/wait_queue.h"

#include "sched/scheduler.h"
#include "time/clock.h"
#include "time/timer_queue.h"

namespace sched {

// Enlisting and marking the task blocked happen under the queue lock together: a waker that finds the
// waiter in the queue but not yet blocked would otherwise skip it, and it would then sleep unseen.
void WaitQueue::prepare_to_wait(Waiter& waiter) {
    waiter.task = current_task();
    {
        sync::SpinlockGuard guard(m_lock);
        mark_current_blocked();
        if (!waiter.is_linked())
            m_waiters.push_back(waiter);
    }
}

void WaitQueue::finish_wait(Waiter& waiter) {
    mark_current_running();
    sync::SpinlockGuard guard(m_lock);
    if (waiter.is_linked())
        m_waiters.remove(waiter);
}

void WaitQueue::block_current() {
    block();
}

namespace {
void wake_waiting_task(time::Timer& timer) {
    wake(static_cast<Task*>(timer.context));
}
} // namespace

bool WaitQueue::block_current_until(uint64_t deadline_ns) {
    if (time::monotonic_ns() >= deadline_ns)
        return false;
    time::Timer timer;
    timer.deadline_ns = deadline_ns;
    timer.callback = wake_waiting_task;
    timer.context = current_task();
    time::arm_timer(timer);
    block();
    time::cancel_timer(timer);
    return time::monotonic_ns() < deadline_ns;
}

// A waiter that is not blocked (it is re-checking its condition) takes no wake and stays enlisted: it
// checks again before it sleeps. The first blocked one is woken and leaves the queue.
size_t WaitQueue::wake_one() {
    sync::SpinlockGuard guard(m_lock);
    for (Waiter& waiter : m_waiters) {
        if (wake(waiter.task)) {
            m_waiters.remove(waiter);
            return 1;
        }
    }
    return 0;
}

size_t WaitQueue::wake_all() {
    sync::SpinlockGuard guard(m_lock);
    size_t woken = 0;
    for (Waiter& waiter : m_waiters) {
        if (wake(waiter.task)) {
            m_waiters.remove(waiter);
            ++woken;
        }
    }
    return woken;
}

size_t WaitQueue::waiter_count() {
    sync::SpinlockGuard guard(m_lock);
    return m_waiters.size();
}

} // namespace sched
