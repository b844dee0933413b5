// flock(2) locks on one file, as Linux keeps them: whole-file shared or exclusive locks owned by open
// file descriptions, in a list of their own (they never conflict with fcntl record locks). An owner
// holds at most one; two conflict when their owners differ and either is exclusive.
//
// A conversion (shared to exclusive or back) is, as on Linux, a release followed by a new request:
// the caller removes the old lock first, so a conversion that then fails (LOCK_NB) leaves the owner
// holding nothing, and two owners upgrading at once cannot deadlock.
#pragma once

#include "fs_locks/record_locks.h"

namespace fs_locks {

struct FlockLock {
    Owner owner = 0;
    LockType type = LockType::Read; // Read is LOCK_SH, Write LOCK_EX
};

class FlockList {
public:
    // What `owner` holds, if anything.
    const FlockLock* held_by(Owner owner) const;
    bool conflicts(Owner owner, LockType type) const;
    // `owner` holds nothing yet and the request does not conflict.
    [[nodiscard]] ktl::ErrorOr<void> add(Owner owner, LockType type);
    // Returns whether `owner` held a lock.
    bool remove(Owner owner);

    const ktl::Vector<FlockLock>& locks() const { return m_locks; }
    bool is_empty() const { return m_locks.is_empty(); }

private:
    ktl::Vector<FlockLock> m_locks;
};

} // namespace fs_locks
