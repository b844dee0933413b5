// futex(2) over proc/futex, and the robust-list head musl and glibc register for each thread.
#include "arch/paging.h"
#include "arch/user_mode.h"
#include "proc/futex.h"
#include "sched/scheduler.h"
#include "syscalls/handlers.h"
#include "time/clock.h"
#include "time/rtc.h"

namespace syscalls {

namespace {

enum : int {
    futex_wait = 0,
    futex_wake = 1,
    futex_fd = 2, // removed from Linux in 2.6.26
    futex_requeue = 3,
    futex_cmp_requeue = 4,
    futex_wake_op = 5,
    futex_lock_pi = 6,
    futex_unlock_pi = 7,
    futex_trylock_pi = 8,
    futex_wait_bitset = 9,
    futex_wake_bitset = 10,
    futex_wait_requeue_pi = 11,
    futex_cmp_requeue_pi = 12,
    futex_lock_pi2 = 13,
};
constexpr int futex_private_flag = 128;
constexpr int futex_clock_realtime = 256;

constexpr int64_t nanoseconds_per_second = 1'000'000'000;

// One aligned load: a word another CPU is writing is never seen half old, half new.
ktl::ErrorOr<uint32_t> load_word(uint64_t address) {
    if (!mm::is_user_range(address, sizeof(uint32_t)))
        return ktl::Errno::BadAddress;
    uint32_t value;
    arch::UserAccessScope user_access;
    if (arch::arch_user_load_u32(reinterpret_cast<const uint32_t*>(address), &value) != 0)
        return ktl::Errno::BadAddress;
    return value;
}

// FUTEX_WAKE_OP's change of the second word, atomic against user-space atomics on other CPUs: a
// compare-exchange loop. Returns the old value.
ktl::ErrorOr<uint32_t> apply_to_word(uint64_t address, uint32_t encoded) {
    uint32_t old = TRY(load_word(address));
    for (;;) {
        uint32_t desired = TRY(proc::futex::apply_operation(encoded, old));
        uint32_t found = old;
        {
            arch::UserAccessScope user_access;
            if (arch::arch_user_compare_exchange_u32(reinterpret_cast<uint32_t*>(address), &found, desired) !=
                0)
                return ktl::Errno::BadAddress;
        }
        if (found == old)
            return old;
        old = found;
    }
}

// The monotonic deadline of a wait's timeout: relative for FUTEX_WAIT, absolute on the monotonic (or,
// with FUTEX_CLOCK_REALTIME, the real-time) clock for FUTEX_WAIT_BITSET.
ktl::ErrorOr<uint64_t> read_deadline(uint64_t timeout, bool absolute, bool realtime) {
    if (timeout == 0)
        return proc::futex::no_deadline;
    Timespec value = TRY(mm::read_user(mm::UserPtr<Timespec>(timeout)));
    if (value.seconds < 0 || value.nanoseconds < 0 || value.nanoseconds >= nanoseconds_per_second)
        return ktl::Errno::InvalidArgument;
    constexpr int64_t max_seconds = static_cast<int64_t>(~0ull / nanoseconds_per_second / 4);
    if (value.seconds > max_seconds)
        return proc::futex::no_deadline; // centuries: forever
    uint64_t ns = static_cast<uint64_t>(value.seconds) * nanoseconds_per_second +
                  static_cast<uint64_t>(value.nanoseconds);
    if (!absolute)
        return time::deadline_after(ns);
    if (!realtime)
        return ns;
    // The wall clock first, then the monotonic one: time between the reads lengthens the wait.
    uint64_t clock_now = time::realtime_ns();
    uint64_t now = time::monotonic_ns();
    return ns <= clock_now ? now : now + (ns - clock_now);
}

ktl::ErrorOr<proc::futex::Key> key_of(uint64_t address, bool shared) {
    mm::AddressSpace* space = sched::current_task()->address_space;
    if (!space)
        return ktl::Errno::BadAddress;
    return proc::futex::key_for(*space, address, shared);
}

// struct robust_list_head: list, futex_offset, list_op_pending.
constexpr size_t robust_list_head_size = 24;

} // namespace

// The fourth argument is a timeout for the waits and a count (val2) for requeue and wake-op.
Result sys_futex(mm::UserPtr<uint32_t> word, int operation, uint32_t value, uint64_t timeout_or_count,
                 mm::UserPtr<uint32_t> word2, uint32_t value3) {
    int command = operation & ~(futex_private_flag | futex_clock_realtime);
    bool shared = !(operation & futex_private_flag);
    bool realtime = operation & futex_clock_realtime;
    uint64_t deadline = proc::futex::no_deadline;
    // As Linux: the timeout is read and checked before anything else.
    if (command == futex_wait || command == futex_wait_bitset)
        deadline = TRY(read_deadline(timeout_or_count, command == futex_wait_bitset, realtime));
    if (realtime && command != futex_wait && command != futex_wait_bitset)
        return ktl::Errno::NotImplemented;
    int32_t count = static_cast<int32_t>(value);
    int32_t count2 = static_cast<int32_t>(timeout_or_count);
    auto read_word = [&]() { return load_word(word.address()); };

    switch (command) {
    case futex_wait:
    case futex_wait_bitset: {
        uint32_t bitset = command == futex_wait ? proc::futex::match_any : value3;
        if (bitset == 0)
            return ktl::Errno::InvalidArgument;
        proc::futex::Key key = TRY(key_of(word.address(), shared));
        // Not interruptible yet: with signals, a signal ends the wait with EINTR.
        TRY(proc::futex::wait(key, read_word, value, bitset, deadline));
        return 0;
    }
    case futex_wake:
    case futex_wake_bitset: {
        uint32_t bitset = command == futex_wake ? proc::futex::match_any : value3;
        if (bitset == 0)
            return ktl::Errno::InvalidArgument;
        proc::futex::Key key = TRY(key_of(word.address(), shared));
        return static_cast<long>(proc::futex::wake(key, count, bitset));
    }
    case futex_requeue:
    case futex_cmp_requeue: {
        if (count < 0 || count2 < 0)
            return ktl::Errno::InvalidArgument;
        proc::futex::Key from = TRY(key_of(word.address(), shared));
        proc::futex::Key to = TRY(key_of(word2.address(), shared));
        auto check = [&]() -> ktl::ErrorOr<void> {
            if (command == futex_cmp_requeue && TRY(read_word()) != value3)
                return ktl::Errno::TryAgain;
            return {};
        };
        return static_cast<long>(TRY(proc::futex::requeue(from, to, count, count2, check)));
    }
    case futex_wake_op: {
        proc::futex::Key first = TRY(key_of(word.address(), shared));
        proc::futex::Key second = TRY(key_of(word2.address(), shared));
        auto operate = [&]() -> ktl::ErrorOr<bool> {
            uint32_t old = TRY(apply_to_word(word2.address(), value3));
            return proc::futex::compare(value3, old);
        };
        return static_cast<long>(TRY(proc::futex::wake_op(first, second, count, count2, operate)));
    }
    case futex_lock_pi:
    case futex_unlock_pi:
    case futex_trylock_pi:
    case futex_wait_requeue_pi:
    case futex_cmp_requeue_pi:
    case futex_lock_pi2:
        return ktl::Errno::NotImplemented; // priority inheritance needs threads and priorities
    case futex_fd:
    default:
        return ktl::Errno::NotImplemented;
    }
}

// Only recorded: the kernel walks the list when a thread exits, which comes with threads.
Result sys_set_robust_list(mm::UserPtr<uint64_t> head, size_t length) {
    if (length != robust_list_head_size)
        return ktl::Errno::InvalidArgument;
    __atomic_store_n(&sched::current_task()->robust_list_head, head.address(), __ATOMIC_RELAXED);
    return 0;
}

// Every user is root for now, so any task's head may be read (Linux asks ptrace_may_access).
Result sys_get_robust_list(int tid, mm::UserPtr<uint64_t> head, mm::UserPtr<uint64_t> length) {
    uint64_t address;
    if (tid == 0 || static_cast<uint64_t>(tid) == sched::current_task()->id) {
        address = __atomic_load_n(&sched::current_task()->robust_list_head, __ATOMIC_RELAXED);
    } else {
        if (tid < 0)
            return ktl::Errno::NoSuchProcess;
        sched::TaskSnapshot task = TRY(sched::snapshot_task(static_cast<uint64_t>(tid)));
        if (task.address_space)
            task.address_space->unref();
        address = task.robust_list_head;
    }
    const uint64_t size = robust_list_head_size;
    TRY(mm::copy_to_user(length, &size));
    TRY(mm::copy_to_user(head, &address));
    return 0;
}

} // namespace syscalls
