// Spinlocks for data touched from interrupt context: interrupts stay off while the lock is held, so
// an interrupt handler on the same CPU can never spin on a lock its own CPU holds. SpinlockProtected
// owns its data: the only way in is with(), which holds the lock for the callback's duration.
// (Issue 5 adds the preemption counter, deadlock checks and sleeping locks.)
#pragma once

#include "arch/cpu.h"

#include <utility>

namespace sync {

class Spinlock {
public:
    constexpr Spinlock() = default;
    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    // Returns whether interrupts were enabled, for unlock().
    bool lock() {
        bool were_enabled = arch::interrupts_enabled();
        arch::disable_interrupts();
        while (__atomic_exchange_n(&m_locked, true, __ATOMIC_ACQUIRE))
            asm volatile("pause");
        return were_enabled;
    }
    void unlock(bool interrupts_were_enabled) {
        __atomic_store_n(&m_locked, false, __ATOMIC_RELEASE);
        if (interrupts_were_enabled)
            arch::enable_interrupts();
    }
    bool is_locked() const { return __atomic_load_n(&m_locked, __ATOMIC_RELAXED); }

private:
    bool m_locked = false;
};

template <typename T>
class SpinlockProtected {
public:
    template <typename... Args>
    constexpr explicit SpinlockProtected(Args&&... args) : m_value(std::forward<Args>(args)...) {}

    template <typename Callback>
    decltype(auto) with(Callback&& callback) {
        Guard guard(m_lock);
        return callback(m_value);
    }

    // For reporting paths (panics) that must read the data even if a crashed context holds the lock.
    T& unlocked_for_crash_reporting() { return m_value; }

private:
    struct Guard {
        explicit Guard(Spinlock& lock) : m_lock(lock), m_interrupts_were_enabled(lock.lock()) {}
        ~Guard() { m_lock.unlock(m_interrupts_were_enabled); }
        Spinlock& m_lock;
        bool m_interrupts_were_enabled;
    };
    Spinlock m_lock;
    T m_value;
};

} // namespace sync
