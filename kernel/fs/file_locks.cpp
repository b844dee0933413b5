#include "fs/file_locks.h"

#include "fs/file_table.h"
#include "fs/inode.h"
#include "ktl/intrusive_list.h"
#include "sync/spinlock.h"

#include <new>

namespace fs {

struct FileLocksAccess {
    static sync::Mutex& mutex(FileLocks& locks) { return locks.m_mutex; }
    static sync::ConditionVariable& changed(FileLocks& locks) { return locks.m_changed; }
    static fs_locks::RecordLockList& records(FileLocks& locks) { return locks.m_records; }
    static fs_locks::FlockList& flocks(FileLocks& locks) { return locks.m_flocks; }
};

namespace {

using Access = FileLocksAccess;

fs_locks::LockType lock_type_of(LockRequest request) {
    return request == LockRequest::Write ? fs_locks::LockType::Write : fs_locks::LockType::Read;
}

// POSIX owners blocked in F_SETLKW, each with the owner of the lock it last found in its way: the
// "waits for" edges Linux's posix_locks_deadlock walks. Entries live on the waiters' stacks.
struct BlockedOwner : ktl::IntrusiveListNode<> {
    fs_locks::Owner owner = 0;
    fs_locks::Owner blocker = 0;
    const FileLocks* file = nullptr; // whose condition variable the owner sleeps on
};

sync::Spinlock g_blocked_lock;
ktl::IntrusiveList<BlockedOwner> g_blocked;

class BlockedRegistration {
public:
    BlockedRegistration(const FileLocks& file, fs_locks::Owner owner) {
        m_entry.owner = owner;
        m_entry.file = &file;
    }
    ~BlockedRegistration() {
        sync::SpinlockGuard guard(g_blocked_lock);
        if (m_entry.is_linked())
            g_blocked.remove(m_entry);
    }
    BlockedRegistration(const BlockedRegistration&) = delete;
    BlockedRegistration& operator=(const BlockedRegistration&) = delete;

    // Records that the owner now waits for `blocker`, unless that closes a cycle. The check and the
    // record are one step under the lock, so of two owners about to wait for each other the second
    // always sees the first.
    [[nodiscard]] bool wait_for(fs_locks::Owner blocker) {
        sync::SpinlockGuard guard(g_blocked_lock);
        auto waiting_for = [](fs_locks::Owner owner) -> fs_locks::Owner {
            for (BlockedOwner& entry : g_blocked)
                if (entry.owner == owner)
                    return entry.blocker;
            return 0;
        };
        if (fs_locks::would_deadlock(m_entry.owner, blocker, waiting_for))
            return false;
        m_entry.blocker = blocker;
        if (!m_entry.is_linked())
            g_blocked.push_back(m_entry);
        return true;
    }

private:
    BlockedOwner m_entry;
};

// `owner` gave up locks on `file` and its waiters are being woken: their "waits for `owner`" edges
// are stale until they look again (and re-record them), as Linux drops a waiter's fl_blocker when
// it wakes it. Otherwise `owner` asking for a waiter's lock next could be refused with EDEADLK.
void forget_waits_on(const FileLocks& file, fs_locks::Owner owner) {
    sync::SpinlockGuard guard(g_blocked_lock);
    for (BlockedOwner* entry = g_blocked.first(); entry;) {
        BlockedOwner* next = ktl::IntrusiveList<BlockedOwner>::next(*entry);
        if (entry->file == &file && entry->blocker == owner)
            g_blocked.remove(*entry);
        entry = next;
    }
}

// Wakes the waiters of `locks` after `owner` released or downgraded some of its locks there.
void locks_released(FileLocks& locks, fs_locks::Owner owner) {
    forget_waits_on(locks, owner);
    FileLocksAccess::changed(locks).notify_all();
}

} // namespace

ktl::ErrorOr<FileLocks*> Inode::file_locks() {
    if (FileLocks* existing = file_locks_if_any())
        return existing;
    auto* fresh = new (std::nothrow) FileLocks;
    if (!fresh)
        return ktl::Errno::NoMemory;
    FileLocks* expected = nullptr;
    if (!__atomic_compare_exchange_n(&m_file_locks, &expected, fresh, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        delete fresh; // another task made it first
        return expected;
    }
    return fresh;
}

size_t blocked_posix_owner_count() {
    sync::SpinlockGuard guard(g_blocked_lock);
    return g_blocked.size();
}

fs_locks::Owner posix_lock_owner(const FileTable& table) {
    return reinterpret_cast<fs_locks::Owner>(&table);
}

fs_locks::Owner description_lock_owner(const OpenFile& file) {
    return reinterpret_cast<fs_locks::Owner>(&file);
}

ktl::ErrorOr<bool> find_record_conflict(Inode& inode, fs_locks::Owner owner, fs_locks::LockType type,
                                        const fs_locks::ByteRange& range, fs_locks::RecordLock& conflict) {
    FileLocks* locks = inode.file_locks_if_any();
    if (!locks)
        return false;
    sync::MutexLocker guard(Access::mutex(*locks));
    const fs_locks::RecordLock* found = Access::records(*locks).find_conflict(owner, type, range);
    if (!found)
        return false;
    conflict = *found;
    return true;
}

ktl::ErrorOr<void> set_record_lock(Inode& inode, const RecordLockRequest& request) {
    if (request.type == LockRequest::Unlock) {
        FileLocks* locks = inode.file_locks_if_any();
        if (!locks)
            return {};
        sync::MutexLocker guard(Access::mutex(*locks));
        if (TRY(Access::records(*locks).unlock(request.owner, request.range)))
            locks_released(*locks, request.owner);
        return {};
    }
    FileLocks& locks = *TRY(inode.file_locks());
    fs_locks::LockType type = lock_type_of(request.type);
    fs_locks::RecordLockList& records = Access::records(locks);
    // Declared before the guard: it unregisters after the mutex is released.
    BlockedRegistration blocked(locks, request.owner);
    sync::MutexLocker guard(Access::mutex(locks));
    for (;;) {
        const fs_locks::RecordLock* conflict = records.find_conflict(request.owner, type, request.range);
        if (!conflict) {
            TRY(records.lock(request.owner, request.pid, type, request.range));
            // A write lock turned read may let waiting readers in.
            locks_released(locks, request.owner);
            return {};
        }
        if (!request.wait)
            return ktl::Errno::TryAgain; // Linux: EAGAIN, not EACCES
        if (!request.owned_by_description && !blocked.wait_for(conflict->owner))
            return ktl::Errno::Deadlock;
        if (!Access::changed(locks).wait_interruptible(Access::mutex(locks)))
            return ktl::Errno::RestartSyscall; // F_SETLKW: EINTR, or restarted under SA_RESTART
    }
}

ktl::ErrorOr<void> set_flock(Inode& inode, fs_locks::Owner owner, LockRequest request, bool wait) {
    if (request == LockRequest::Unlock) {
        FileLocks* locks = inode.file_locks_if_any();
        if (!locks)
            return {};
        sync::MutexLocker guard(Access::mutex(*locks));
        if (Access::flocks(*locks).remove(owner))
            Access::changed(*locks).notify_all();
        return {};
    }
    FileLocks& locks = *TRY(inode.file_locks());
    fs_locks::LockType type = lock_type_of(request);
    fs_locks::FlockList& flocks = Access::flocks(locks);
    sync::MutexLocker guard(Access::mutex(locks));
    if (const fs_locks::FlockLock* held = flocks.held_by(owner)) {
        if (held->type == type)
            return {};
        // Linux's conversion: release, then ask anew. Two owners upgrading shared locks at once
        // cannot deadlock this way; a failed LOCK_NB conversion leaves nothing held.
        flocks.remove(owner);
        Access::changed(locks).notify_all();
    }
    for (;;) {
        if (!flocks.conflicts(owner, type))
            return flocks.add(owner, type);
        if (!wait)
            return ktl::Errno::TryAgain; // EWOULDBLOCK
        if (!Access::changed(locks).wait_interruptible(Access::mutex(locks)))
            return ktl::Errno::RestartSyscall;
    }
}

void release_posix_locks(Inode& inode, fs_locks::Owner owner) {
    FileLocks* locks = inode.file_locks_if_any();
    if (!locks)
        return;
    sync::MutexLocker guard(Access::mutex(*locks));
    if (Access::records(*locks).release(owner))
        locks_released(*locks, owner);
}

void release_description_locks(Inode& inode, fs_locks::Owner owner) {
    FileLocks* locks = inode.file_locks_if_any();
    if (!locks)
        return;
    sync::MutexLocker guard(Access::mutex(*locks));
    bool released = Access::records(*locks).release(owner); // OFD locks
    released |= Access::flocks(*locks).remove(owner);
    if (released)
        locks_released(*locks, owner);
}

} // namespace fs
