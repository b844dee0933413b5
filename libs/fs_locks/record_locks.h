// Byte-range record locks on one file (fcntl F_SETLK and friends), as Linux keeps them: a list of
// read and write locks, each over an inclusive byte range and held by an owner. The kernel picks the
// owners: a process's file table for classic POSIX locks, an open file description for OFD locks,
// so both kinds live in one list and conflict with each other, as on Linux.
//
// Setting a lock replaces whatever the owner held over that range (POSIX): unlocking the middle of a
// lock splits it, a write lock over part of an own read lock converts that part, and touching or
// overlapping locks of one owner and type coalesce. Locks of one owner never conflict with each
// other; two locks of different owners conflict when they overlap and either is a write lock.
//
// Pure data: no locking and no waiting here. Callers serialise access and check find_conflict before
// lock(), which then only fails with NoMemory, leaving the list as it was.
#pragma once

#include "ktl/error_or.h"
#include "ktl/vector.h"

#include <cstddef>
#include <cstdint>

namespace fs_locks {

// Who holds a lock: an address the kernel chooses (never 0), compared for identity only.
using Owner = uintptr_t;

enum class LockType : uint8_t { Read, Write };

// Linux's OFFSET_MAX: the end of a lock that runs to the end of the file and beyond (l_len 0).
inline constexpr int64_t offset_max = INT64_MAX;

// Bytes [start, end], both included; 0 <= start <= end <= offset_max.
struct ByteRange {
    int64_t start = 0;
    int64_t end = 0;
    bool overlaps(const ByteRange& other) const { return start <= other.end && other.start <= end; }
    // Overlapping or directly adjacent, so that the two could be one range.
    bool touches(const ByteRange& other) const {
        return overlaps(other) || (end != offset_max && end + 1 == other.start) ||
               (other.end != offset_max && other.end + 1 == start);
    }
    bool operator==(const ByteRange&) const = default;
};

struct RecordLock {
    Owner owner = 0;
    int32_t pid = 0; // what F_GETLK reports: the locking process, -1 for an OFD lock
    LockType type = LockType::Read;
    ByteRange range;
};

// struct flock's l_whence base (0, the description's offset or the file size), l_start and l_len
// as a byte range, with Linux's checks (flock64_to_posix_lock): l_len 0 runs to offset_max, a
// negative l_len covers the bytes before l_start; InvalidArgument for a negative start, Overflow for
// an end past offset_max.
ktl::ErrorOr<ByteRange> resolve_range(int64_t base, int64_t start, int64_t length);

// F_GETLK's l_len for a held range: 0 for one running to offset_max.
int64_t reported_length(const ByteRange& range);

// Whether a request of `owner` for `type` over `range` conflicts with `held`.
bool conflicts(const RecordLock& held, Owner owner, LockType type, const ByteRange& range);

class RecordLockList {
public:
    // The lock with the lowest start that the request conflicts with, or null: F_GETLK's answer and
    // what F_SETLK refuses over.
    const RecordLock* find_conflict(Owner owner, LockType type, const ByteRange& range) const;

    // Makes `owner` hold `type` over exactly `range` (and keeps its other locks). The caller has
    // checked find_conflict. NoMemory leaves the list unchanged.
    [[nodiscard]] ktl::ErrorOr<void> lock(Owner owner, int32_t pid, LockType type, const ByteRange& range);
    // Drops `owner`'s locks over `range`, splitting the ones that stick out. NoMemory (a split needs
    // room) leaves the list unchanged. Returns whether anything changed.
    [[nodiscard]] ktl::ErrorOr<bool> unlock(Owner owner, const ByteRange& range);
    // Drops every lock of `owner` (a close, an exit, a description's end); never allocates. Returns
    // whether there were any.
    bool release(Owner owner);

    // Sorted by start, then owner.
    const ktl::Vector<RecordLock>& locks() const { return m_locks; }
    bool is_empty() const { return m_locks.is_empty(); }

private:
    // The list with `owner`'s locks over `range` cut out, plus `added` if given, sorted.
    ktl::ErrorOr<void> replace(Owner owner, const ByteRange& range, const RecordLock* added);

    ktl::Vector<RecordLock> m_locks;
};

// Linux's posix_locks_deadlock: a request of `requester` blocked by a lock of `blocker` would close a
// cycle if following "owner X waits for a lock of owner Y" from the blocker reaches the requester.
// `waiting_for(owner)` gives the owner that `owner` is blocked by, or 0 when it is not waiting. Like
// Linux, gives up (no deadlock) after `max_steps` hops.
template <typename WaitingFor>
bool would_deadlock(Owner requester, Owner blocker, WaitingFor&& waiting_for, int max_steps = 10) {
    for (int step = 0; step < max_steps && blocker != 0; ++step) {
        blocker = waiting_for(blocker);
        if (blocker == requester)
            return true;
    }
    return false;
}

} // namespace fs_locks
