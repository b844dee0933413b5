#include "sync/mutex.h"

#include "sched/scheduler.h"

namespace sync {

// The owner word is the lock: taking it is one compare-and-swap, and unlocking wakes a waiter only
// when one has said it is waiting. The order that keeps wakes from being lost: a waiter counts
// itself in m_waiting, enlists, then tries again; the unlocker clears the owner, then reads
// m_waiting (both sequentially consistent). Either the waiter's retry sees the cleared owner, or
// the unlocker sees the waiter and wakes it.
bool Mutex::try_take(const void* me) {
    const void* expected = nullptr;
    if (__atomic_compare_exchange_n(&m_owner, &expected, me, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
        detail::count_held_mutex(1);
        return true;
    }
    if (expected == me)
        detail::report_lock_misuse("deadlock: this task already holds the mutex", this);
    return false;
}

void Mutex::lock() {
    const void* me = detail::lock_owner_token();
    if (try_take(me))
        return;
    __atomic_add_fetch(&m_contentions, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&m_waiting, 1, __ATOMIC_SEQ_CST);
    m_waiters.wait_until([&] { return try_take(me); });
    __atomic_sub_fetch(&m_waiting, 1, __ATOMIC_SEQ_CST);
}

bool Mutex::try_lock() {
    return try_take(detail::lock_owner_token());
}

void Mutex::unlock() {
    if (__atomic_load_n(&m_owner, __ATOMIC_RELAXED) != detail::lock_owner_token())
        detail::report_lock_misuse("unlocking a mutex this task does not hold", this);
    detail::count_held_mutex(-1);
    __atomic_store_n(&m_owner, nullptr, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&m_waiting, __ATOMIC_SEQ_CST) > 0)
        m_waiters.wake_one();
}

bool Mutex::is_locked_by_current() const {
    return __atomic_load_n(&m_owner, __ATOMIC_RELAXED) == detail::lock_owner_token();
}

bool RecursiveMutex::try_take(const void* me) {
    SpinlockGuard guard(m_state_lock);
    if (m_owner && m_owner != me)
        return false;
    m_owner = me;
    if (m_depth++ == 0)
        detail::count_held_mutex(1);
    return true;
}

void RecursiveMutex::lock() {
    const void* me = detail::lock_owner_token();
    if (!try_take(me))
        m_waiters.wait_until([&] { return try_take(me); });
}

void RecursiveMutex::unlock() {
    bool released;
    {
        SpinlockGuard guard(m_state_lock);
        if (m_owner != detail::lock_owner_token() || m_depth == 0)
            detail::report_lock_misuse("unlocking a recursive mutex this task does not hold", this);
        released = --m_depth == 0;
        if (released) {
            m_owner = nullptr;
            detail::count_held_mutex(-1);
        }
    }
    if (released)
        m_waiters.wake_one();
}

bool Semaphore::try_down() {
    SpinlockGuard guard(m_lock);
    if (m_count == 0)
        return false;
    --m_count;
    return true;
}

void Semaphore::down() {
    if (!try_down())
        m_waiters.wait_until([&] { return try_down(); });
}

bool Semaphore::down_until(uint64_t deadline_ns) {
    return try_down() || m_waiters.wait_until([&] { return try_down(); }, deadline_ns);
}

void Semaphore::up() {
    {
        SpinlockGuard guard(m_lock);
        ++m_count;
    }
    m_waiters.wake_one();
}

void ConditionVariable::wait(Mutex& mutex) {
    sched::Waiter waiter;
    m_waiters.prepare_to_wait(waiter);
    mutex.unlock();
    sched::WaitQueue::block_current();
    (void)m_waiters.finish_wait(waiter); // a notify that reached us was meant for us
    mutex.lock();
}

bool ConditionVariable::wait_interruptible(Mutex& mutex) {
    sched::Waiter waiter;
    sched::InterruptibleScope interruptible;
    m_waiters.prepare_to_wait(waiter);
    bool interrupted = sched::InterruptibleScope::interrupted();
    mutex.unlock();
    if (!interrupted)
        sched::WaitQueue::block_current();
    (void)m_waiters.finish_wait(waiter);
    mutex.lock();
    return !interrupted && !sched::InterruptibleScope::interrupted();
}

} // namespace sync
