// Sleeping locks for long work: a task that finds the lock taken blocks instead of spinning. Mutex
// panics (with a backtrace) on relocking by its owner and on unlocking by anyone else;
// RecursiveMutex (the seed's re-entrant lock) lets its owner lock it again and counts.
// MutexProtected owns its data like SpinlockProtected. Never used from interrupt handlers.
#pragma once

#include "sched/wait_queue.h"
#include "sync/spinlock.h"

#include <utility>

namespace sync {

class Mutex {
public:
    constexpr Mutex() = default;
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock();
    [[nodiscard]] bool try_lock();
    void unlock();
    bool is_locked_by_current() const;
    uint64_t contentions() const { return __atomic_load_n(&m_contentions, __ATOMIC_RELAXED); }

private:
    bool try_take(const void* me);

    const void* m_owner = nullptr;
    uint32_t m_waiting = 0; // tasks between counting themselves and taking the lock
    uint64_t m_contentions = 0;
    sched::WaitQueue m_waiters;
};

class RecursiveMutex {
public:
    constexpr RecursiveMutex() = default;
    RecursiveMutex(const RecursiveMutex&) = delete;
    RecursiveMutex& operator=(const RecursiveMutex&) = delete;

    void lock();
    void unlock();
    uint32_t depth() const { return m_depth; }

private:
    bool try_take(const void* me);

    IrqSpinlock m_state_lock;
    const void* m_owner = nullptr;
    uint32_t m_depth = 0;
    sched::WaitQueue m_waiters;
};

template <typename Lock>
class [[nodiscard]] MutexLocker {
public:
    explicit MutexLocker(Lock& lock) : m_lock(lock) { m_lock.lock(); }
    ~MutexLocker() { m_lock.unlock(); }
    MutexLocker(const MutexLocker&) = delete;
    MutexLocker& operator=(const MutexLocker&) = delete;

private:
    Lock& m_lock;
};

template <typename T, typename Lock = Mutex>
class MutexProtected {
public:
    template <typename... Args>
    constexpr explicit MutexProtected(Args&&... args) : m_value(std::forward<Args>(args)...) {}

    template <typename Callback>
    decltype(auto) with(Callback&& callback) {
        MutexLocker locker(m_lock);
        return callback(m_value);
    }

private:
    Lock m_lock;
    T m_value;
};

// A counting semaphore: down() blocks while the count is zero.
class Semaphore {
public:
    constexpr explicit Semaphore(uint64_t initial = 0) : m_count(initial) {}
    void down();
    [[nodiscard]] bool try_down();
    // Gives up at `deadline_ns`; returns whether the count was taken.
    [[nodiscard]] bool down_until(uint64_t deadline_ns);
    void up();
    uint64_t count() const { return __atomic_load_n(&m_count, __ATOMIC_RELAXED); }

private:
    IrqSpinlock m_lock;
    uint64_t m_count;
    sched::WaitQueue m_waiters;
};

// Waits for a change made under a Mutex. wait() releases the mutex and blocks as one step (no wakeup
// between them is lost), then relocks it. It may also return without a notify (a preemption between
// the two steps), so callers re-check their condition: the predicate form does.
class ConditionVariable {
public:
    constexpr ConditionVariable() = default;
    void wait(Mutex& mutex);
    // As wait(), but a signal for the task ends it early: false then (the caller returns EINTR or
    // has the call restarted).
    [[nodiscard]] bool wait_interruptible(Mutex& mutex);
    template <typename Predicate>
    void wait(Mutex& mutex, Predicate&& ready) {
        while (!ready())
            wait(mutex);
    }
    void notify_one() { m_waiters.wake_one(); }
    void notify_all() { m_waiters.wake_all(); }

private:
    sched::WaitQueue m_waiters;
};

} // namespace sync
