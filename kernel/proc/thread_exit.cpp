// Thread exit's duties to user space (see thread_exit.h).
#include "proc/thread_exit.h"

#include "arch/paging.h"
#include "arch/user_mode.h"
#include "mm/user_memory.h"
#include "proc/futex.h"
#include "sched/task.h"

#include <cstdint>

namespace proc {

namespace {

// linux/futex.h: the robust futex word's bits, and how far the list is followed (a list made
// circular by a bug or an attacker must not hold the exit).
constexpr uint32_t futex_waiters = 0x80000000, futex_owner_died = 0x40000000, futex_tid_mask = 0x3fffffff;
constexpr int robust_list_limit = 2048;

// struct robust_list_head.
struct RobustListHead {
    uint64_t next;
    int64_t futex_offset;
    uint64_t pending;
};
static_assert(sizeof(RobustListHead) == 24);

void wake_one(mm::AddressSpace& space, uint64_t address) {
    // Linux wakes as for a shared futex: the waiter may be another process mapping the same page.
    auto key = futex::key_for(space, address, true);
    if (!key.is_error())
        (void)futex::wake(key.value(), 1);
}

// Linux's handle_futex_death: a word the thread owns gets FUTEX_OWNER_DIED (keeping
// FUTEX_WAITERS), atomically against other CPUs' lockers, and a waiter is woken.
void release_robust_futex(mm::AddressSpace& space, uint64_t address, uint32_t tid, bool pending) {
    if (address % 4 != 0 || !mm::is_user_range(address, sizeof(uint32_t)))
        return;
    auto* word = reinterpret_cast<uint32_t*>(address);
    uint32_t value;
    {
        arch::UserAccessScope user_access;
        if (arch::arch_user_load_u32(word, &value) != 0)
            return;
    }
    for (;;) {
        if ((value & futex_tid_mask) != tid) {
            // Died between taking the lock and recording the owner: a waiter may sleep on it.
            if (pending && value == 0)
                wake_one(space, address);
            return;
        }
        uint32_t desired = (value & futex_waiters) | futex_owner_died;
        uint32_t found = value;
        {
            arch::UserAccessScope user_access;
            if (arch::arch_user_compare_exchange_u32(word, &found, desired) != 0)
                return;
        }
        if (found == value)
            break;
        value = found;
    }
    if (value & futex_waiters)
        wake_one(space, address);
}

void walk_robust_list(sched::Task& task, mm::AddressSpace& space) {
    uint64_t head_address = task.robust_list_head;
    RobustListHead head;
    if (mm::copy_from_user(&head, head_address, sizeof head).is_error())
        return;
    auto tid = static_cast<uint32_t>(task.id);
    uint64_t pending = head.pending & ~uint64_t{1}; // bit 0 marks a PI futex
    uint64_t entry = head.next & ~uint64_t{1};
    for (int count = 0; entry != head_address && count < robust_list_limit; ++count) {
        uint64_t next;
        if (mm::copy_from_user(&next, entry, sizeof next).is_error())
            return;
        if (entry != pending) // the pending one is handled last, once
            release_robust_futex(space, entry + static_cast<uint64_t>(head.futex_offset), tid, false);
        entry = next & ~uint64_t{1};
    }
    if (pending)
        release_robust_futex(space, pending + static_cast<uint64_t>(head.futex_offset), tid, true);
}

} // namespace

void release_user_thread_state(sched::Task& task) {
    mm::AddressSpace* space = task.address_space;
    if (!space)
        return;
    if (task.robust_list_head) {
        walk_robust_list(task, *space);
        task.robust_list_head = 0;
    }
    if (uint64_t address = task.clear_child_tid) {
        task.clear_child_tid = 0;
        int32_t zero = 0;
        if (!mm::copy_to_user(mm::UserPtr<int32_t>(address), &zero).is_error())
            wake_one(*space, address);
    }
}

} // namespace proc
