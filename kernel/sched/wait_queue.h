// Tasks waiting for something. A waiter enlists itself, marks itself blocked, checks its condition and
// only then blocks, so a wake between the check and the block is never lost. Waiters live on the
// waiting task's stack: no allocation on either path.
#pragma once

#include "ktl/intrusive_list.h"
#include "sync/spinlock.h"

#include <cstddef>
#include <cstdint>

namespace sched {

struct Task;

struct Waiter : ktl::IntrusiveListNode<> {
    Task* task = nullptr;
};

// How an interruptible wait ended.
enum class WaitResult : uint8_t { Ready, TimedOut, Interrupted };
inline constexpr uint64_t no_deadline = UINT64_MAX;

// Marks the running task as waiting interruptibly for its lifetime: a signal sent meanwhile wakes it.
class InterruptibleScope {
public:
    InterruptibleScope();
    ~InterruptibleScope();
    InterruptibleScope(const InterruptibleScope&) = delete;
    InterruptibleScope& operator=(const InterruptibleScope&) = delete;
    // Whether a signal has come that should end the wait.
    static bool interrupted();
};

class WaitQueue {
public:
    constexpr WaitQueue() = default;
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Blocks until `ready()` returns true. `ready` runs with no lock held, after the task is enlisted.
    template <typename Predicate>
    void wait_until(Predicate&& ready) {
        Waiter waiter;
        for (;;) {
            prepare_to_wait(waiter);
            if (ready())
                break;
            block_current();
        }
        leave(waiter);
    }
    // As above, but gives up at `deadline_ns` (monotonic); returns whether `ready()` became true.
    template <typename Predicate>
    bool wait_until(Predicate&& ready, uint64_t deadline_ns) {
        Waiter waiter;
        bool became_ready = false;
        for (;;) {
            prepare_to_wait(waiter);
            if (ready()) {
                became_ready = true;
                break;
            }
            if (!block_current_until(deadline_ns)) {
                became_ready = ready(); // a wake may have come just before the deadline
                break;
            }
        }
        leave(waiter);
        return became_ready;
    }

    // As above, but a signal for the task ends the wait early (Interrupted): the caller then returns
    // EINTR or restarts the call. SIGKILL always does.
    template <typename Predicate>
    [[nodiscard]] WaitResult wait_until_interruptible(Predicate&& ready, uint64_t deadline_ns = no_deadline) {
        Waiter waiter;
        InterruptibleScope scope;
        WaitResult result;
        for (;;) {
            prepare_to_wait(waiter);
            if (ready()) {
                result = WaitResult::Ready;
                break;
            }
            if (InterruptibleScope::interrupted()) {
                result = WaitResult::Interrupted;
                break;
            }
            if (deadline_ns == no_deadline) {
                block_current();
            } else if (!block_current_until(deadline_ns)) {
                result = ready() ? WaitResult::Ready : WaitResult::TimedOut;
                break;
            }
        }
        leave(waiter);
        return result;
    }

    // The two halves, for waits that must release something in between (a condition variable).
    void prepare_to_wait(Waiter& waiter);
    // True when a waker unlinked the waiter since it last enlisted, i.e. it took a wake. A waiter
    // that leaves with what it came for passes that wake on (as Linux does for exclusive waits).
    bool finish_wait(Waiter& waiter);
    static void block_current();
    // Returns false once the deadline has passed.
    static bool block_current_until(uint64_t deadline_ns);

    // Returns the number of tasks woken.
    size_t wake_one();
    size_t wake_all();
    size_t waiter_count();

private:
    // finish_wait for a waiter leaving with what it came for: a wake that reached it after its last
    // check may be the one another waiter needs.
    void leave(Waiter& waiter) {
        if (finish_wait(waiter))
            wake_one();
    }

    sync::IrqSpinlock m_lock;
    ktl::IntrusiveList<Waiter> m_waiters;
};

} // namespace sched
