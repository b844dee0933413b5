#include "fs_locks/flock_locks.h"

namespace fs_locks {

const FlockLock* FlockList::held_by(Owner owner) const {
    for (const FlockLock& held : m_locks)
        if (held.owner == owner)
            return &held;
    return nullptr;
}

bool FlockList::conflicts(Owner owner, LockType type) const {
    for (const FlockLock& held : m_locks)
        if (held.owner != owner && (held.type == LockType::Write || type == LockType::Write))
            return true;
    return false;
}

ktl::ErrorOr<void> FlockList::add(Owner owner, LockType type) {
    KTL_ASSERT(!held_by(owner));
    return m_locks.try_append(FlockLock{owner, type});
}

bool FlockList::remove(Owner owner) {
    for (size_t i = 0; i < m_locks.size(); ++i) {
        if (m_locks[i].owner == owner) {
            m_locks.remove(i);
            return true;
        }
    }
    return false;
}

} // namespace fs_locks
