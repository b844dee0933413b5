// RecordLockList against a per-byte model: random lock, unlock and release requests from three owners
// over a small file, where the last modelled byte stands for "that byte and everything after it" (a
// lock to offset_max). After every step each owner's bytes must match the model, the list must be
// canonical (sorted, one owner's locks disjoint, touching same-type locks coalesced) and
// find_conflict must agree with the model about whether a request conflicts.
#include "fs_locks/record_locks.h"

#include <array>
#include <gtest/gtest.h>
#include <random>

namespace {

using fs_locks::ByteRange;
using fs_locks::LockType;
using fs_locks::offset_max;
using fs_locks::Owner;
using fs_locks::RecordLockList;

constexpr int file_bytes = 48; // byte file_bytes - 1 models [file_bytes - 1, offset_max]
constexpr int owner_count = 3;

enum class Held : uint8_t { None, Read, Write };

struct Model {
    std::array<std::array<Held, file_bytes>, owner_count> bytes{};

    static int last_byte(const ByteRange& range) {
        return range.end == offset_max ? file_bytes - 1 : static_cast<int>(range.end);
    }
    bool conflicts(int owner, LockType type, const ByteRange& range) const {
        for (int other = 0; other < owner_count; ++other) {
            if (other == owner)
                continue;
            for (int byte = static_cast<int>(range.start); byte <= last_byte(range); ++byte) {
                Held held = bytes[other][byte];
                if (held == Held::Write || (held == Held::Read && type == LockType::Write))
                    return true;
            }
        }
        return false;
    }
    void set(int owner, Held value, const ByteRange& range) {
        for (int byte = static_cast<int>(range.start); byte <= last_byte(range); ++byte)
            bytes[owner][byte] = value;
    }
};

Owner owner_id(int owner) {
    return static_cast<Owner>(0x100 * (owner + 1));
}

ByteRange random_range(std::mt19937& random) {
    int start = std::uniform_int_distribution<int>(0, file_bytes - 2)(random);
    if (std::uniform_int_distribution<int>(0, 4)(random) == 0)
        return {start, offset_max};
    int end = std::uniform_int_distribution<int>(start, file_bytes - 2)(random);
    return {start, end};
}

void check_against_model(const RecordLockList& list, const Model& model) {
    std::array<std::array<Held, file_bytes>, owner_count> seen{};
    const auto& locks = list.locks();
    for (size_t i = 0; i < locks.size(); ++i) {
        const auto& lock = locks[i];
        ASSERT_LE(lock.range.start, lock.range.end);
        // Finite requests end before the last modelled byte, so a lock reaching it must run to offset_max.
        ASSERT_TRUE(lock.range.end < file_bytes - 1 || lock.range.end == offset_max);
        if (i > 0) {
            const auto& previous = locks[i - 1];
            ASSERT_TRUE(previous.range.start < lock.range.start ||
                        (previous.range.start == lock.range.start && previous.owner < lock.owner))
                << "unsorted at " << i;
        }
        int owner = -1;
        for (int candidate = 0; candidate < owner_count; ++candidate)
            if (owner_id(candidate) == lock.owner)
                owner = candidate;
        ASSERT_GE(owner, 0);
        for (int byte = static_cast<int>(lock.range.start); byte <= Model::last_byte(lock.range); ++byte) {
            ASSERT_EQ(seen[owner][byte], Held::None) << "owner " << owner << " overlaps itself at " << byte;
            seen[owner][byte] = lock.type == LockType::Write ? Held::Write : Held::Read;
        }
        for (size_t j = 0; j < locks.size(); ++j) {
            if (j != i && locks[j].owner == lock.owner && locks[j].type == lock.type) {
                ASSERT_FALSE(locks[j].range.touches(lock.range)) << "uncoalesced locks " << i << ", " << j;
            }
        }
    }
    for (int owner = 0; owner < owner_count; ++owner)
        for (int byte = 0; byte < file_bytes; ++byte)
            ASSERT_EQ(seen[owner][byte], model.bytes[owner][byte]) << "owner " << owner << " byte " << byte;
}

TEST(RecordLocksModel, RandomRequestsMatchAPerByteModel) {
    for (unsigned seed = 1; seed <= 200; ++seed) {
        SCOPED_TRACE(seed);
        std::mt19937 random(seed);
        RecordLockList list;
        Model model;
        for (int step = 0; step < 300; ++step) {
            int owner = std::uniform_int_distribution<int>(0, owner_count - 1)(random);
            ByteRange range = random_range(random);
            int action = std::uniform_int_distribution<int>(0, 9)(random);
            if (action == 0) {
                list.release(owner_id(owner));
                model.set(owner, Held::None, {0, offset_max});
            } else if (action <= 3) {
                ASSERT_FALSE(list.unlock(owner_id(owner), range).is_error());
                model.set(owner, Held::None, range);
            } else {
                LockType type = action <= 6 ? LockType::Read : LockType::Write;
                const auto* conflict = list.find_conflict(owner_id(owner), type, range);
                ASSERT_EQ(conflict != nullptr, model.conflicts(owner, type, range)) << "step " << step;
                if (conflict) {
                    EXPECT_TRUE(fs_locks::conflicts(*conflict, owner_id(owner), type, range));
                    // The first: no conflicting lock starts earlier.
                    for (const auto& other : list.locks()) {
                        if (fs_locks::conflicts(other, owner_id(owner), type, range)) {
                            EXPECT_GE(other.range.start, conflict->range.start);
                        }
                    }
                    continue;
                }
                ASSERT_FALSE(list.lock(owner_id(owner), owner + 1, type, range).is_error());
                model.set(owner, type == LockType::Write ? Held::Write : Held::Read, range);
            }
            check_against_model(list, model);
            if (testing::Test::HasFatalFailure())
                return;
        }
    }
}

} // namespace
