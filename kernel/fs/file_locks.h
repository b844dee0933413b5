// File locks: fcntl record locks (classic POSIX and open-file-description "OFD" locks) and flock(2)
// locks, as Linux has them, over the lock lists of libs/fs_locks. docs/file-locks.md has the model.
//
// Each inode that has ever been locked owns one FileLocks (made on first use, freed with the inode):
// a mutex over its record list and its flock list, and a condition variable blocked requests
// (F_SETLKW, flock without LOCK_NB) wait on. Every change that can free a waiter wakes them all and
// each re-checks under the mutex, so no wakeup is lost and no waiter needs to know which one it was.
//
// Owners: a process's file table for POSIX locks (as Linux's fl_owner = current->files: every close
// of an fd of the file drops them, fork does not pass them on), an open file description for OFD
// and flock locks (dup'd fds share them; they go when the description does).
//
// Lock order: FileLocks::m_mutex, then the global spinlock over blocked POSIX owners (deadlock
// detection). Never sleeps holding the spinlock.
#pragma once

#include "fs_locks/flock_locks.h"
#include "fs_locks/record_locks.h"
#include "sync/mutex.h"

namespace fs {

class FileTable;
class Inode;
class OpenFile;

class FileLocks {
public:
    FileLocks() = default;
    FileLocks(const FileLocks&) = delete;
    FileLocks& operator=(const FileLocks&) = delete;

private:
    friend struct FileLocksAccess;
    sync::Mutex m_mutex;
    sync::ConditionVariable m_changed;
    fs_locks::RecordLockList m_records;
    fs_locks::FlockList m_flocks;
};

enum class LockRequest : uint8_t { Read, Write, Unlock };

struct RecordLockRequest {
    fs_locks::Owner owner = 0;
    int32_t pid = 0;                   // F_GETLK's l_pid for this lock: -1 for an OFD lock
    bool owned_by_description = false; // OFD: no deadlock detection, as Linux
    LockRequest type = LockRequest::Unlock;
    fs_locks::ByteRange range;
    bool wait = false; // F_SETLKW
};

fs_locks::Owner posix_lock_owner(const FileTable& table);
fs_locks::Owner description_lock_owner(const OpenFile& file);

// F_GETLK: the first lock a request of `owner` would conflict with, into `conflict`; false if none.
ktl::ErrorOr<bool> find_record_conflict(Inode& inode, fs_locks::Owner owner, fs_locks::LockType type,
                                        const fs_locks::ByteRange& range, fs_locks::RecordLock& conflict);
// F_SETLK, F_SETLKW and the OFD forms. TryAgain for a conflict without waiting, Deadlock when waiting
// would close a cycle of POSIX owners.
ktl::ErrorOr<void> set_record_lock(Inode& inode, const RecordLockRequest& request);
// flock(2). A conversion drops the old lock first, as on Linux.
ktl::ErrorOr<void> set_flock(Inode& inode, fs_locks::Owner owner, LockRequest request, bool wait);

// A close of any fd of `inode` by the file table `owner` belongs to (Linux's locks_remove_posix).
void release_posix_locks(Inode& inode, fs_locks::Owner owner);
// The end of an open file description: its OFD and flock locks (Linux's locks_remove_file).
void release_description_locks(Inode& inode, fs_locks::Owner owner);

// POSIX owners waiting in F_SETLKW now, for tests that must know a waiter is asleep.
size_t blocked_posix_owner_count();

} // namespace fs
