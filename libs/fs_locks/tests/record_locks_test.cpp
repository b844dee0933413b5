// RecordLockList: POSIX's split, coalesce and convert rules for one owner, conflicts between owners,
// F_GETLK's first conflict, struct flock range resolution and the deadlock walk, case by case.
#include "fs_locks/record_locks.h"

#include <gtest/gtest.h>
#include <map>
#include <vector>

namespace {

using fs_locks::ByteRange;
using fs_locks::LockType;
using fs_locks::offset_max;
using fs_locks::RecordLock;
using fs_locks::RecordLockList;

constexpr fs_locks::Owner alice = 0x1000, bob = 0x2000, carol = 0x3000;

struct Expected {
    fs_locks::Owner owner;
    LockType type;
    int64_t start;
    int64_t end;
};

void expect_locks(const RecordLockList& list, const std::vector<Expected>& expected) {
    ASSERT_EQ(list.locks().size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        const RecordLock& lock = list.locks()[i];
        EXPECT_EQ(lock.owner, expected[i].owner) << "lock " << i;
        EXPECT_EQ(lock.type, expected[i].type) << "lock " << i;
        EXPECT_EQ(lock.range.start, expected[i].start) << "lock " << i;
        EXPECT_EQ(lock.range.end, expected[i].end) << "lock " << i;
    }
}

void lock(RecordLockList& list, fs_locks::Owner owner, LockType type, int64_t start, int64_t end) {
    ASSERT_EQ(list.find_conflict(owner, type, {start, end}), nullptr);
    ASSERT_FALSE(list.lock(owner, 1, type, {start, end}).is_error());
}

void unlock(RecordLockList& list, fs_locks::Owner owner, int64_t start, int64_t end) {
    ASSERT_FALSE(list.unlock(owner, {start, end}).is_error());
}

TEST(RecordLocks, UnlockingTheMiddleOfALockSplitsItInTwo) {
    RecordLockList list;
    lock(list, alice, LockType::Write, 0, 99);
    unlock(list, alice, 40, 59);
    expect_locks(list, {{alice, LockType::Write, 0, 39}, {alice, LockType::Write, 60, 99}});
}

TEST(RecordLocks, UnlockingToEndOfFileTrimsEveryLockPastTheStart) {
    RecordLockList list;
    lock(list, alice, LockType::Read, 0, 9);
    lock(list, alice, LockType::Write, 20, offset_max);
    unlock(list, alice, 5, offset_max);
    expect_locks(list, {{alice, LockType::Read, 0, 4}});
}

TEST(RecordLocks, OverlappingAndAdjacentLocksOfOneTypeCoalesce) {
    RecordLockList list;
    lock(list, alice, LockType::Read, 0, 9);
    lock(list, alice, LockType::Read, 20, 29);
    lock(list, alice, LockType::Read, 10, 19); // adjacent on both sides
    expect_locks(list, {{alice, LockType::Read, 0, 29}});
    lock(list, alice, LockType::Read, 25, 50);
    expect_locks(list, {{alice, LockType::Read, 0, 50}});
}

TEST(RecordLocks, AWriteLockOverPartOfAnOwnReadLockConvertsThatPart) {
    RecordLockList list;
    lock(list, alice, LockType::Read, 0, 99);
    lock(list, alice, LockType::Write, 10, 19);
    expect_locks(
        list,
        {{alice, LockType::Read, 0, 9}, {alice, LockType::Write, 10, 19}, {alice, LockType::Read, 20, 99}});
    // And back: the read lock swallows the converted part and coalesces with both neighbours.
    lock(list, alice, LockType::Read, 10, 19);
    expect_locks(list, {{alice, LockType::Read, 0, 99}});
}

TEST(RecordLocks, AWriteLockJoinsAnAdjacentWriteLockAcrossAConvertedReadLock) {
    RecordLockList list;
    lock(list, alice, LockType::Write, 0, 9);
    lock(list, alice, LockType::Read, 10, 19);
    lock(list, alice, LockType::Write, 10, 14);
    expect_locks(list, {{alice, LockType::Write, 0, 14}, {alice, LockType::Read, 15, 19}});
}

TEST(RecordLocks, LocksOfOneOwnerNeverConflict) {
    RecordLockList list;
    lock(list, alice, LockType::Write, 0, offset_max);
    EXPECT_EQ(list.find_conflict(alice, LockType::Write, {5, 5}), nullptr);
}

TEST(RecordLocks, ReadLocksOfDifferentOwnersShareAndWriteLocksExclude) {
    RecordLockList list;
    lock(list, alice, LockType::Read, 0, 9);
    EXPECT_EQ(list.find_conflict(bob, LockType::Read, {5, 15}), nullptr);
    const RecordLock* conflict = list.find_conflict(bob, LockType::Write, {5, 15});
    ASSERT_NE(conflict, nullptr);
    EXPECT_EQ(conflict->owner, alice);
    EXPECT_EQ(list.find_conflict(bob, LockType::Write, {10, 15}), nullptr); // just past the end
}

TEST(RecordLocks, FindConflictReportsTheLowestConflictingLock) {
    RecordLockList list;
    lock(list, carol, LockType::Read, 50, 59);
    lock(list, bob, LockType::Read, 30, 39);
    lock(list, alice, LockType::Read, 0, offset_max);
    const RecordLock* conflict = list.find_conflict(alice + 1, LockType::Write, {35, 55});
    ASSERT_NE(conflict, nullptr);
    EXPECT_EQ(conflict->owner, alice);
    EXPECT_EQ(conflict->range.start, 0);
    conflict = list.find_conflict(alice, LockType::Write, {35, 55});
    ASSERT_NE(conflict, nullptr);
    EXPECT_EQ(conflict->owner, bob);
}

TEST(RecordLocks, LockingWhatIsAlreadyHeldChangesNothing) {
    RecordLockList list;
    lock(list, alice, LockType::Read, 0, 99);
    lock(list, alice, LockType::Read, 10, 20);
    expect_locks(list, {{alice, LockType::Read, 0, 99}});
}

TEST(RecordLocks, UnlockingWhatIsNotHeldReportsNoChange) {
    RecordLockList list;
    lock(list, alice, LockType::Read, 0, 9);
    auto changed = list.unlock(bob, {0, 9});
    ASSERT_FALSE(changed.is_error());
    EXPECT_FALSE(changed.release_value());
    expect_locks(list, {{alice, LockType::Read, 0, 9}});
}

TEST(RecordLocks, ReleaseDropsOneOwnersLocksOnly) {
    RecordLockList list;
    lock(list, alice, LockType::Read, 0, 9);
    lock(list, bob, LockType::Read, 5, 20);
    lock(list, alice, LockType::Write, 30, 40);
    EXPECT_TRUE(list.release(alice));
    expect_locks(list, {{bob, LockType::Read, 5, 20}});
    EXPECT_FALSE(list.release(alice));
}

TEST(RecordLocks, ALockToOffsetMaxDoesNotOverflowWhenCheckedForAdjacency) {
    RecordLockList list;
    lock(list, alice, LockType::Write, 100, offset_max);
    lock(list, alice, LockType::Write, 0, 99);
    expect_locks(list, {{alice, LockType::Write, 0, offset_max}});
    EXPECT_EQ(fs_locks::reported_length(list.locks()[0].range), 0);
}

TEST(ResolveRange, ALengthOfZeroRunsToOffsetMax) {
    auto range = fs_locks::resolve_range(10, 5, 0);
    ASSERT_FALSE(range.is_error());
    EXPECT_EQ(range.value(), (ByteRange{15, offset_max}));
}

TEST(ResolveRange, APositiveLengthCoversThatManyBytes) {
    auto range = fs_locks::resolve_range(0, 100, 10);
    ASSERT_FALSE(range.is_error());
    EXPECT_EQ(range.value(), (ByteRange{100, 109}));
    EXPECT_EQ(fs_locks::reported_length(range.value()), 10);
}

TEST(ResolveRange, ANegativeLengthCoversTheBytesBeforeTheStart) {
    auto range = fs_locks::resolve_range(0, 100, -10);
    ASSERT_FALSE(range.is_error());
    EXPECT_EQ(range.value(), (ByteRange{90, 99}));
}

TEST(ResolveRange, ANegativeStartIsInvalid) {
    EXPECT_EQ(fs_locks::resolve_range(10, -11, 0).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(fs_locks::resolve_range(0, 5, -6).error().code(), ktl::Errno::InvalidArgument);
    auto from_the_offset = fs_locks::resolve_range(10, -10, 1);
    ASSERT_FALSE(from_the_offset.is_error());
    EXPECT_EQ(from_the_offset.value(), (ByteRange{0, 0}));
}

TEST(ResolveRange, AnEndPastOffsetMaxOverflows) {
    EXPECT_EQ(fs_locks::resolve_range(1, offset_max, 0).error().code(), ktl::Errno::Overflow);
    EXPECT_EQ(fs_locks::resolve_range(0, offset_max, 2).error().code(), ktl::Errno::Overflow);
    auto last_byte = fs_locks::resolve_range(0, offset_max, 1);
    ASSERT_FALSE(last_byte.is_error());
    EXPECT_EQ(last_byte.value(), (ByteRange{offset_max, offset_max}));
}

TEST(Deadlock, ACycleBackToTheRequesterIsADeadlock) {
    // bob waits for carol, carol waits for alice: alice asking for bob's lock closes the cycle.
    std::map<fs_locks::Owner, fs_locks::Owner> waits{{bob, carol}, {carol, alice}};
    auto waiting_for = [&](fs_locks::Owner owner) { return waits.count(owner) ? waits[owner] : 0; };
    EXPECT_TRUE(fs_locks::would_deadlock(alice, bob, waiting_for));
    EXPECT_FALSE(fs_locks::would_deadlock(alice, carol + 1, waiting_for));
    waits.erase(carol);
    EXPECT_FALSE(fs_locks::would_deadlock(alice, bob, waiting_for));
}

TEST(Deadlock, ACycleNotThroughTheRequesterEndsTheWalk) {
    std::map<fs_locks::Owner, fs_locks::Owner> waits{{bob, carol}, {carol, bob}};
    auto waiting_for = [&](fs_locks::Owner owner) { return waits.count(owner) ? waits[owner] : 0; };
    EXPECT_FALSE(fs_locks::would_deadlock(alice, bob, waiting_for));
}

} // namespace
