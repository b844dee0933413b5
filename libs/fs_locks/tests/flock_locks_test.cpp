// FlockList: shared locks share, exclusive ones exclude, one lock per owner.
#include "fs_locks/flock_locks.h"

#include <gtest/gtest.h>

namespace {

using fs_locks::FlockList;
using fs_locks::LockType;

constexpr fs_locks::Owner first = 0x10, second = 0x20;

TEST(FlockLocks, SharedLocksShare) {
    FlockList list;
    ASSERT_FALSE(list.add(first, LockType::Read).is_error());
    EXPECT_FALSE(list.conflicts(second, LockType::Read));
    EXPECT_TRUE(list.conflicts(second, LockType::Write));
}

TEST(FlockLocks, AnExclusiveLockExcludesEveryOtherOwner) {
    FlockList list;
    ASSERT_FALSE(list.add(first, LockType::Write).is_error());
    EXPECT_TRUE(list.conflicts(second, LockType::Read));
    EXPECT_FALSE(list.conflicts(first, LockType::Read)); // its own lock, being converted
}

TEST(FlockLocks, RemoveReportsWhetherTheOwnerHeldOne) {
    FlockList list;
    ASSERT_FALSE(list.add(first, LockType::Read).is_error());
    ASSERT_FALSE(list.add(second, LockType::Read).is_error());
    EXPECT_TRUE(list.remove(first));
    EXPECT_FALSE(list.remove(first));
    EXPECT_EQ(list.held_by(first), nullptr);
    ASSERT_NE(list.held_by(second), nullptr);
    EXPECT_EQ(list.held_by(second)->type, LockType::Read);
}

} // namespace
