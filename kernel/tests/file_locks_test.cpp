// File locks in the running kernel, on a tmpfs file: a blocked F_SETLKW sleeps until the lock in its
// way goes, two POSIX owners waiting for each other get EDEADLK, and a failed flock conversion
// leaves nothing held (Linux).
#include "fs/file_locks.h"
#include "fs/tmpfs/tmpfs.h"
#include "sched/scheduler.h"
#include "test/ktest.h"

namespace {

constexpr fs_locks::Owner first_owner = 0x1000, second_owner = 0x2000;

ktl::ErrorOr<fs::RefPtr<fs::Inode>> make_file(fs::RefPtr<fs::FileSystem>& file_system) {
    file_system = TRY(fs::tmpfs::create(""));
    fs::NewInode what;
    what.mode = fs::mode_regular | 0644;
    return file_system->root()->create("locked", what);
}

fs::RecordLockRequest request(fs_locks::Owner owner, fs::LockRequest type, int64_t start, int64_t end,
                              bool wait) {
    fs::RecordLockRequest lock;
    lock.owner = owner;
    lock.pid = static_cast<int32_t>(owner);
    lock.type = type;
    lock.range = {start, end};
    lock.wait = wait;
    return lock;
}

struct Waiting {
    fs::Inode* inode = nullptr;
    fs_locks::ByteRange range;
    bool locked = false;
};

// The second owner asks for a write lock over `range` and waits for it.
void lock_as_second_owner(void* argument) {
    auto& waiting = *static_cast<Waiting*>(argument);
    auto result = fs::set_record_lock(*waiting.inode, request(second_owner, fs::LockRequest::Write,
                                                              waiting.range.start, waiting.range.end, true));
    __atomic_store_n(&waiting.locked, !result.is_error(), __ATOMIC_RELEASE);
    sched::exit(result.is_error() ? result.error().errno_value() : 0);
}

bool wait_until_blocked(size_t count) {
    for (int round = 0; round < 100'000; ++round) {
        if (fs::blocked_posix_owner_count() == count)
            return true;
        sched::yield();
    }
    return false;
}

} // namespace

KTEST(a_blocked_setlkw_sleeps_until_the_conflicting_lock_is_released) {
    fs::RefPtr<fs::FileSystem> file_system;
    auto file = make_file(file_system);
    KASSERT(!file.is_error());
    fs::Inode& inode = *file.value();
    KASSERT(!fs::set_record_lock(inode,
                                 request(first_owner, fs::LockRequest::Write, 0, fs_locks::offset_max, false))
                 .is_error());
    auto refused = fs::set_record_lock(inode, request(second_owner, fs::LockRequest::Read, 10, 10, false));
    KASSERT(refused.is_error());
    KEXPECT_EQ(refused.error().code(), ktl::Errno::TryAgain);

    Waiting waiting{&inode, {5, 15}};
    auto waiter = sched::spawn("setlkw", lock_as_second_owner, &waiting);
    KASSERT(!waiter.is_error());
    KASSERT(wait_until_blocked(1));
    KEXPECT(!__atomic_load_n(&waiting.locked, __ATOMIC_ACQUIRE));
    // Unlocking elsewhere leaves the waiter blocked; unlocking its range lets it in.
    KASSERT(!fs::set_record_lock(inode, request(first_owner, fs::LockRequest::Unlock, 100, 200, false))
                 .is_error());
    for (int round = 0; round < 100; ++round)
        sched::yield();
    KEXPECT(!__atomic_load_n(&waiting.locked, __ATOMIC_ACQUIRE));
    fs::release_posix_locks(inode, first_owner);
    KEXPECT_EQ(waiter.value().join(), 0);
    KEXPECT(__atomic_load_n(&waiting.locked, __ATOMIC_ACQUIRE));
    KEXPECT_EQ(fs::blocked_posix_owner_count(), 0u);
    fs::release_posix_locks(inode, second_owner);
}

KTEST(two_posix_owners_waiting_for_each_other_get_edeadlk) {
    fs::RefPtr<fs::FileSystem> file_system;
    auto file = make_file(file_system);
    KASSERT(!file.is_error());
    fs::Inode& inode = *file.value();
    KASSERT(
        !fs::set_record_lock(inode, request(first_owner, fs::LockRequest::Write, 0, 0, false)).is_error());
    KASSERT(
        !fs::set_record_lock(inode, request(second_owner, fs::LockRequest::Write, 1, 1, false)).is_error());
    Waiting waiting{&inode, {0, 0}};
    auto waiter = sched::spawn("setlkw", lock_as_second_owner, &waiting);
    KASSERT(!waiter.is_error());
    KASSERT(wait_until_blocked(1));
    auto deadlock = fs::set_record_lock(inode, request(first_owner, fs::LockRequest::Write, 1, 1, true));
    KASSERT(deadlock.is_error());
    KEXPECT_EQ(deadlock.error().code(), ktl::Errno::Deadlock);
    fs::release_posix_locks(inode, first_owner);
    KEXPECT_EQ(waiter.value().join(), 0);
    fs::release_posix_locks(inode, second_owner);
}

KTEST(a_failed_nonblocking_flock_upgrade_leaves_nothing_held) {
    fs::RefPtr<fs::FileSystem> file_system;
    auto file = make_file(file_system);
    KASSERT(!file.is_error());
    fs::Inode& inode = *file.value();
    KASSERT(!fs::set_flock(inode, first_owner, fs::LockRequest::Read, false).is_error());
    KASSERT(!fs::set_flock(inode, second_owner, fs::LockRequest::Read, false).is_error());
    auto upgrade = fs::set_flock(inode, first_owner, fs::LockRequest::Write, false);
    KASSERT(upgrade.is_error());
    KEXPECT_EQ(upgrade.error().code(), ktl::Errno::TryAgain);
    // The second owner can now upgrade: the first one's shared lock went with the failed conversion.
    KEXPECT(!fs::set_flock(inode, second_owner, fs::LockRequest::Write, false).is_error());
    fs::release_description_locks(inode, second_owner);
    KEXPECT(!fs::set_flock(inode, first_owner, fs::LockRequest::Write, false).is_error());
    fs::release_description_locks(inode, first_owner);
}
