// Spinlocks. `Spinlock` turns preemption off while held: for data only tasks touch. `IrqSpinlock` also
// turns interrupts off, so an interrupt handler on the same CPU can never spin on a lock its own CPU
// holds: for data interrupt handlers touch too. Both check their use: taking a lock the current task
// already holds, or releasing one it does not hold, panics with a backtrace instead of hanging.
// SpinlockProtected owns its data: the only way in is with(), which holds the lock for the callback.
#pragma once

#include "arch/cpu.h"
#include "sync/preemption.h"

#include <utility>

namespace sync {

namespace detail {
// The current task, or a fixed token before the scheduler runs: who holds a lock.
const void* lock_owner_token();
// The current task took (+1) or let go of (-1) a sleeping lock (sched::Task::held_mutexes).
void count_held_mutex(int change);
[[noreturn]] void report_lock_misuse(const char* what, const void* lock);
} // namespace detail

class RawSpinlock {
public:
    constexpr RawSpinlock() = default;
    RawSpinlock(const RawSpinlock&) = delete;
    RawSpinlock& operator=(const RawSpinlock&) = delete;

    bool is_locked() const { return __atomic_load_n(&m_locked, __ATOMIC_RELAXED); }
    bool is_held_by_current() const { return is_locked() && m_owner == detail::lock_owner_token(); }
    // The scheduler's lock is taken by one task and released by the next after a switch.
    void transfer_to_current() { m_owner = detail::lock_owner_token(); }

protected:
    void acquire() {
        const void* me = detail::lock_owner_token();
        if (is_locked() && m_owner == me)
            detail::report_lock_misuse("deadlock: this task already holds the spinlock", this);
        while (__atomic_exchange_n(&m_locked, true, __ATOMIC_ACQUIRE))
            asm volatile("pause");
        m_owner = me;
    }
    void release() {
        if (!is_locked() || m_owner != detail::lock_owner_token())
            detail::report_lock_misuse("unlocking a spinlock this task does not hold", this);
        m_owner = nullptr;
        __atomic_store_n(&m_locked, false, __ATOMIC_RELEASE);
    }

private:
    bool m_locked = false;
    const void* m_owner = nullptr;
};

class Spinlock : public RawSpinlock {
public:
    void lock() {
        preempt_disable();
        acquire();
    }
    void unlock() {
        release();
        preempt_enable();
    }
};

class IrqSpinlock : public RawSpinlock {
public:
    // Returns whether interrupts were enabled, for unlock().
    [[nodiscard]] bool lock() {
        bool were_enabled = arch::interrupts_enabled();
        arch::disable_interrupts();
        preempt_disable();
        acquire();
        return were_enabled;
    }
    void unlock(bool interrupts_were_enabled) {
        release();
        if (interrupts_were_enabled)
            arch::enable_interrupts();
        preempt_enable();
    }
};

// Holds a lock of either kind for its lifetime.
template <typename Lock>
class [[nodiscard]] SpinlockGuard {
public:
    explicit SpinlockGuard(Lock& lock) : m_lock(lock) {
        if constexpr (requires { m_lock.unlock(true); })
            m_interrupts_were_enabled = m_lock.lock();
        else
            m_lock.lock();
    }
    ~SpinlockGuard() {
        if constexpr (requires { m_lock.unlock(true); })
            m_lock.unlock(m_interrupts_were_enabled);
        else
            m_lock.unlock();
    }
    SpinlockGuard(const SpinlockGuard&) = delete;
    SpinlockGuard& operator=(const SpinlockGuard&) = delete;

private:
    Lock& m_lock;
    bool m_interrupts_were_enabled = false;
};

template <typename T, typename Lock = IrqSpinlock>
class SpinlockProtected {
public:
    template <typename... Args>
    constexpr explicit SpinlockProtected(Args&&... args) : m_value(std::forward<Args>(args)...) {}

    template <typename Callback>
    decltype(auto) with(Callback&& callback) {
        SpinlockGuard guard(m_lock);
        return callback(m_value);
    }

    // For reporting paths (panics) that must read the data even if a crashed context holds the lock.
    T& unlocked_for_crash_reporting() { return m_value; }

private:
    Lock m_lock;
    T m_value;
};

} // namespace sync
