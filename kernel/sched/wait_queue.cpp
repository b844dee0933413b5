#include "sched/wait_queue.h"

#include "sched/scheduler.h"

namespace sched {

InterruptibleScope::InterruptibleScope() {
    __atomic_store_n(&current_task()->interruptible, true, __ATOMIC_SEQ_CST);
}

InterruptibleScope::~InterruptibleScope() {
    __atomic_store_n(&current_task()->interruptible, false, __ATOMIC_SEQ_CST);
}

bool InterruptibleScope::interrupted() {
    return signal_pending_for_current();
}

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

bool WaitQueue::finish_wait(Waiter& waiter) {
    mark_current_running();
    sync::SpinlockGuard guard(m_lock);
    if (!waiter.is_linked())
        return true;
    m_waiters.remove(waiter);
    return false;
}

void WaitQueue::block_current() {
    block();
}

bool WaitQueue::block_current_until(uint64_t deadline_ns) {
    return block_until(deadline_ns);
}

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
