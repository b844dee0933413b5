#include "fs_locks/record_locks.h"

#include <utility>

namespace fs_locks {

namespace {

bool sorts_before(const RecordLock& a, const RecordLock& b) {
    return a.range.start != b.range.start ? a.range.start < b.range.start : a.owner < b.owner;
}

} // namespace

ktl::ErrorOr<ByteRange> resolve_range(int64_t base, int64_t start, int64_t length) {
    if (base < 0)
        return ktl::Errno::InvalidArgument;
    if (start > offset_max - base)
        return ktl::Errno::Overflow;
    ByteRange range;
    range.start = base + start; // cannot overflow downwards: base >= 0
    if (range.start < 0)
        return ktl::Errno::InvalidArgument;
    if (length > 0) {
        if (length - 1 > offset_max - range.start)
            return ktl::Errno::Overflow;
        range.end = range.start + (length - 1);
    } else if (length < 0) {
        // POSIX-2001: the |l_len| bytes before l_start.
        if (range.start + length < 0)
            return ktl::Errno::InvalidArgument;
        range.end = range.start - 1;
        range.start += length;
    } else {
        range.end = offset_max;
    }
    return range;
}

int64_t reported_length(const ByteRange& range) {
    return range.end == offset_max ? 0 : range.end - range.start + 1;
}

bool conflicts(const RecordLock& held, Owner owner, LockType type, const ByteRange& range) {
    if (held.owner == owner || !held.range.overlaps(range))
        return false;
    return held.type == LockType::Write || type == LockType::Write;
}

const RecordLock* RecordLockList::find_conflict(Owner owner, LockType type, const ByteRange& range) const {
    for (const RecordLock& held : m_locks) {
        if (held.range.start > range.end)
            break; // sorted by start: nothing later overlaps
        if (conflicts(held, owner, type, range))
            return &held;
    }
    return nullptr;
}

ktl::ErrorOr<void> RecordLockList::lock(Owner owner, int32_t pid, LockType type, const ByteRange& range) {
    ByteRange merged = range;
    for (const RecordLock& held : m_locks) {
        if (held.owner != owner || held.type != type || !held.range.touches(range))
            continue;
        if (held.range.start <= range.start && held.range.end >= range.end)
            return {}; // already held as asked
        // Same-owner same-type locks never touch each other, so every one that joins touches `range`
        // itself and the union stays one range.
        if (held.range.start < merged.start)
            merged.start = held.range.start;
        if (held.range.end > merged.end)
            merged.end = held.range.end;
    }
    // What `merged` adds beyond `range` belongs to locks of this type, which no lock of the other type
    // of this owner overlaps: cutting out `merged` converts exactly the part `range` covers.
    RecordLock added{owner, pid, type, merged};
    return replace(owner, merged, &added);
}

ktl::ErrorOr<bool> RecordLockList::unlock(Owner owner, const ByteRange& range) {
    bool any = false;
    for (const RecordLock& held : m_locks)
        any |= held.owner == owner && held.range.overlaps(range);
    if (!any)
        return false;
    TRY(replace(owner, range, nullptr));
    return true;
}

bool RecordLockList::release(Owner owner) {
    bool any = false;
    for (size_t i = m_locks.size(); i > 0; --i) {
        if (m_locks[i - 1].owner == owner) {
            m_locks.remove(i - 1);
            any = true;
        }
    }
    return any;
}

ktl::ErrorOr<void> RecordLockList::replace(Owner owner, const ByteRange& cut, const RecordLock* added) {
    // Built aside and swapped in, so a failed allocation leaves the list as it was.
    ktl::Vector<RecordLock> result;
    TRY(result.try_reserve(m_locks.size() + 2));
    for (const RecordLock& held : m_locks) {
        if (held.owner != owner || !held.range.overlaps(cut)) {
            MUST(result.try_append(held));
            continue;
        }
        if (held.range.start < cut.start) {
            RecordLock before = held;
            before.range.end = cut.start - 1;
            MUST(result.try_append(before));
        }
        if (held.range.end > cut.end) {
            RecordLock after = held;
            after.range.start = cut.end + 1;
            MUST(result.try_append(after));
        }
    }
    if (added)
        MUST(result.try_append(*added));
    // Insertion sort: the list is sorted but for the few pieces just placed.
    for (size_t i = 1; i < result.size(); ++i) {
        for (size_t j = i; j > 0 && sorts_before(result[j], result[j - 1]); --j)
            std::swap(result[j], result[j - 1]);
    }
    m_locks = std::move(result);
    return {};
}

} // namespace fs_locks
