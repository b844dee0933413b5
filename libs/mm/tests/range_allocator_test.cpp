// RangeAllocator: hand-built cases for best fit, alignment, merging, allocate_at, errors and a full table,
// then long random runs checked after every operation against a model of the free space (a sorted list of
// free spans, merged as they are freed) with a brute-force best fit.
#include "mm/range_allocator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

// gtest prints an Errno through this (found by argument lookup) instead of as raw bytes; static so it
// cannot clash with another test file.
namespace ktl {
[[maybe_unused]] static void PrintTo(Errno code, std::ostream* out) {
    *out << errno_name(code) << " (" << static_cast<int>(code) << ")";
}
} // namespace ktl

namespace {

using mm::RangeAllocator;

constexpr uint64_t page = 4096;
constexpr uint64_t MiB = 1024 * 1024;
constexpr uint64_t TiB = 1024 * 1024 * MiB;
constexpr uint64_t top = std::numeric_limits<uint64_t>::max();
constexpr ktl::Errno no_error = static_cast<ktl::Errno>(0);

// The kernel keeps its allocator in a constinit global: the constructor must be a constant expression.
constinit RangeAllocator g_constant_initialized(page);
static_assert(std::is_trivially_destructible_v<RangeAllocator>);

using RangeList = std::vector<std::pair<uint64_t, uint64_t>>;

RangeList ranges_of(const RangeAllocator& allocator) {
    RangeList ranges;
    allocator.for_each_free_range([&](uint64_t base, uint64_t size) { ranges.emplace_back(base, size); });
    return ranges;
}

template <typename T>
ktl::Errno error_of(const ktl::ErrorOr<T>& result) {
    return result.is_error() ? result.error().code() : no_error;
}

// Records the visible state; an error must leave it exactly as it was.
struct Snapshot {
    explicit Snapshot(const RangeAllocator& allocator)
        : ranges(ranges_of(allocator)), free_bytes(allocator.free_bytes()),
          largest(allocator.largest_free_range()) {}
    bool operator==(const Snapshot&) const = default;
    RangeList ranges;
    uint64_t free_bytes;
    uint64_t largest;
};

void PrintTo(const Snapshot& snapshot, std::ostream* out) {
    *out << snapshot.ranges.size() << " ranges, " << snapshot.free_bytes << " bytes free";
}

uint64_t must_allocate(RangeAllocator& allocator, uint64_t size, uint64_t alignment = 0) {
    auto result = allocator.allocate(size, alignment);
    EXPECT_FALSE(result.is_error()) << "allocate(" << size << ", " << alignment << ") failed";
    return result.value_or(0);
}

TEST(RangeAllocator, StartsEmpty) {
    RangeAllocator allocator;
    EXPECT_EQ(allocator.granularity(), page);
    EXPECT_EQ(allocator.free_bytes(), 0u);
    EXPECT_EQ(allocator.free_range_count(), 0u);
    EXPECT_EQ(allocator.largest_free_range(), 0u);
    EXPECT_EQ(error_of(allocator.allocate(page)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(allocator.allocate_at(0, page)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(g_constant_initialized.free_range_count(), 0u);
}

TEST(RangeAllocator, AddRangeMergesWithNeighbours) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x10000, page).is_error());
    ASSERT_FALSE(allocator.add_range(0x14000, page).is_error());
    ASSERT_FALSE(allocator.add_range(0x20000, page).is_error());
    EXPECT_EQ(allocator.free_range_count(), 3u);
    ASSERT_FALSE(allocator.add_range(0x11000, page).is_error()); // left neighbour only
    ASSERT_FALSE(allocator.add_range(0x13000, page).is_error()); // right neighbour only
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x10000, 0x2000}, {0x13000, 0x2000}, {0x20000, page}}));
    ASSERT_FALSE(allocator.add_range(0x12000, page).is_error()); // both
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x10000, 0x5000}, {0x20000, page}}));
    ASSERT_FALSE(allocator.add_range(0x1000, page).is_error()); // before everything, apart
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x1000, page}, {0x10000, 0x5000}, {0x20000, page}}));
    EXPECT_EQ(allocator.free_bytes(), 7 * page);
    EXPECT_EQ(allocator.largest_free_range(), 0x5000u);
}

TEST(RangeAllocator, AddRangeRejectsBadInputAndChangesNothing) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x10000, 0x4000).is_error());
    ASSERT_FALSE(allocator.add_range(0x20000, 0x4000).is_error());
    const Snapshot before(allocator);
    const std::pair<uint64_t, uint64_t> bad[] = {
        {0x10000, 0x4000},          // the same range again
        {0xf000, 0x2000},           // overlaps the start
        {0x13000, 0x2000},          // overlaps the end
        {0x11000, 0x1000},          // inside
        {0xf000, 0x20000},          // covers both
        {0x14000, 0xd000},          // fills the gap and one page more
        {0x30800, 0x1000},          // unaligned base
        {0x30000, 0x800},           // unaligned size
        {0x30000, 0},               // empty
        {top - page + 1, 2 * page}, // past 2^64
        {0, top - page + 1},        // overlaps, and nearly everything
    };
    for (auto [base, size] : bad) {
        EXPECT_EQ(error_of(allocator.add_range(base, size)), ktl::Errno::InvalidArgument)
            << std::hex << base << " + " << size;
        EXPECT_EQ(Snapshot(allocator), before);
    }
}

TEST(RangeAllocator, RangesMayEndAtTheTopOfTheAddressSpace) {
    RangeAllocator allocator;
    constexpr uint64_t window = 0xffffc00000000000;
    ASSERT_FALSE(allocator.add_range(window, 64 * TiB).is_error()); // ends exactly at 2^64
    EXPECT_EQ(allocator.free_bytes(), 64 * TiB);
    ASSERT_FALSE(allocator.allocate_at(top - page + 1, page).is_error()); // the very last page
    EXPECT_EQ(ranges_of(allocator), (RangeList{{window, 64 * TiB - page}}));
    EXPECT_EQ(error_of(allocator.allocate_at(top - page + 1, page)), ktl::Errno::InvalidArgument);
    ASSERT_FALSE(allocator.free(top - page + 1, page).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{window, 64 * TiB}}));
    EXPECT_EQ(error_of(allocator.free(top - page + 1, page)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(must_allocate(allocator, 64 * TiB), window);
    EXPECT_EQ(allocator.free_range_count(), 0u);

    // All 2^64 bytes free cannot be counted; one page short of it can.
    ASSERT_FALSE(allocator.add_range(0, top - page + 1).is_error());
    EXPECT_EQ(allocator.largest_free_range(), top - page + 1);
    const Snapshot before(allocator);
    EXPECT_EQ(error_of(allocator.add_range(top - page + 1, page)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(Snapshot(allocator), before);
}

TEST(RangeAllocator, BestFitPicksTheSmallestFittingRange) {
    RangeAllocator allocator;
    // Free ranges of 8, 3, 5, 4 and 3 pages, a page apart so they do not merge.
    ASSERT_FALSE(allocator.add_range(0x100000, 8 * page).is_error());
    ASSERT_FALSE(allocator.add_range(0x200000, 3 * page).is_error());
    ASSERT_FALSE(allocator.add_range(0x300000, 5 * page).is_error());
    ASSERT_FALSE(allocator.add_range(0x400000, 4 * page).is_error());
    ASSERT_FALSE(allocator.add_range(0x500000, 3 * page).is_error());

    EXPECT_EQ(must_allocate(allocator, 2 * page), 0x200000u); // the lower of the two 3-page ranges
    EXPECT_EQ(must_allocate(allocator, 4 * page), 0x400000u); // exact fit, although 5 and 8 come first
    EXPECT_EQ(must_allocate(allocator, 6 * page), 0x100000u); // only the 8-page range is big enough
    EXPECT_EQ(must_allocate(allocator, 3 * page), 0x500000u); // exact fit beats the 5-page range
    EXPECT_EQ(ranges_of(allocator),
              (RangeList{{0x106000, 2 * page}, {0x202000, page}, {0x300000, 5 * page}}));
    const Snapshot before(allocator);
    EXPECT_EQ(error_of(allocator.allocate(6 * page)), ktl::Errno::NoMemory);
    EXPECT_EQ(Snapshot(allocator), before);
    EXPECT_EQ(must_allocate(allocator, page), 0x202000u);
    EXPECT_EQ(allocator.free_range_count(), 2u);
}

TEST(RangeAllocator, BestFitAccountsForAlignment) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x101000, 2 * page).is_error()); // smallest, but starts off 8 KiB
    ASSERT_FALSE(allocator.add_range(0x201000, 3 * page).is_error()); // fits after a one-page head
    ASSERT_FALSE(allocator.add_range(0x300000, 4 * page).is_error());
    EXPECT_EQ(must_allocate(allocator, 2 * page, 2 * page), 0x202000u);
    EXPECT_EQ(ranges_of(allocator),
              (RangeList{{0x101000, 2 * page}, {0x201000, page}, {0x300000, 4 * page}}));
    EXPECT_EQ(must_allocate(allocator, 2 * page, 2 * page), 0x300000u);
    EXPECT_EQ(error_of(allocator.allocate(2 * page, 4 * page)), ktl::Errno::NoMemory);
}

TEST(RangeAllocator, AlignmentLeavesHeadAndTailFree) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x1000, 8 * MiB).is_error()); // starts at an odd page
    EXPECT_EQ(must_allocate(allocator, 2 * MiB, 2 * MiB), 0x200000u);
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x1000, 0x1ff000}, {0x400000, 8 * MiB - 0x3ff000}}));
    EXPECT_EQ(allocator.free_bytes(), 6 * MiB);
    EXPECT_EQ(must_allocate(allocator, 2 * MiB, 4 * MiB), 0x400000u); // tail range starts aligned
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x1000, 0x1ff000}, {0x600000, 2 * MiB + page}}));
    ASSERT_FALSE(allocator.free(0x200000, 2 * MiB).is_error());
    ASSERT_FALSE(allocator.free(0x400000, 2 * MiB).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x1000, 8 * MiB}}));
    // Power-of-two alignments below the granularity are met by every base.
    EXPECT_EQ(must_allocate(allocator, page, 8), 0x1000u);
}

TEST(RangeAllocator, AllocateRejectsBadArguments) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x100000, MiB).is_error());
    const Snapshot before(allocator);
    EXPECT_EQ(error_of(allocator.allocate(0)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.allocate(page + 1)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.allocate(page, 3 * page)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.allocate(page, 3)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.allocate(2 * MiB)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(allocator.allocate(page, uint64_t{1} << 63)), ktl::Errno::NoMemory);
    EXPECT_EQ(Snapshot(allocator), before);
}

TEST(RangeAllocator, FreeMergesWithLeftRightAndBothNeighbours) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x100000, 16 * page).is_error());
    uint64_t a = must_allocate(allocator, 4 * page);
    uint64_t b = must_allocate(allocator, 4 * page);
    uint64_t c = must_allocate(allocator, 4 * page);
    uint64_t d = must_allocate(allocator, 4 * page);
    ASSERT_EQ((std::vector<uint64_t>{a, b, c, d}),
              (std::vector<uint64_t>{0x100000, 0x104000, 0x108000, 0x10c000}));
    EXPECT_EQ(allocator.free_range_count(), 0u);

    ASSERT_FALSE(allocator.free(b, 4 * page).is_error()); // no free neighbour
    EXPECT_EQ(ranges_of(allocator), (RangeList{{b, 4 * page}}));
    ASSERT_FALSE(allocator.free(c, 4 * page).is_error()); // left neighbour
    EXPECT_EQ(ranges_of(allocator), (RangeList{{b, 8 * page}}));
    ASSERT_FALSE(allocator.free(a, 4 * page).is_error()); // right neighbour
    EXPECT_EQ(ranges_of(allocator), (RangeList{{a, 12 * page}}));
    EXPECT_EQ(must_allocate(allocator, 4 * page), a);
    EXPECT_EQ(must_allocate(allocator, 4 * page), b);
    ASSERT_FALSE(allocator.free(a, 4 * page).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{a, 4 * page}, {c, 4 * page}}));
    ASSERT_FALSE(allocator.free(b, 4 * page).is_error()); // both neighbours
    EXPECT_EQ(ranges_of(allocator), (RangeList{{a, 12 * page}}));
    ASSERT_FALSE(allocator.free(d, 4 * page).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{a, 16 * page}}));
    EXPECT_EQ(allocator.free_bytes(), 16 * page);
}

TEST(RangeAllocator, FreeOfPartOfAnAllocation) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x100000, 8 * page).is_error());
    uint64_t base = must_allocate(allocator, 8 * page);
    ASSERT_FALSE(allocator.free(base + 2 * page, 2 * page).is_error()); // e.g. unmapping part of a region
    ASSERT_FALSE(allocator.free(base + 6 * page, 2 * page).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{base + 2 * page, 2 * page}, {base + 6 * page, 2 * page}}));
    ASSERT_FALSE(allocator.free(base + 4 * page, 2 * page).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{base + 2 * page, 6 * page}}));
}

TEST(RangeAllocator, FreeRejectsDoubleFreeAndOverlapAndChangesNothing) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x100000, 16 * page).is_error());
    uint64_t a = must_allocate(allocator, 4 * page);
    uint64_t b = must_allocate(allocator, 4 * page);
    uint64_t c = must_allocate(allocator, 4 * page);
    ASSERT_FALSE(allocator.free(b, 4 * page).is_error());
    const Snapshot before(allocator); // free: [b, +4 pages) and [c + 4 pages, +4 pages)
    const std::pair<uint64_t, uint64_t> bad[] = {
        {b, 4 * page},              // double free
        {b + page, page},           // inside a free range
        {a + 2 * page, 4 * page},   // runs into free space from the left
        {b + 3 * page, 2 * page},   // runs out of free space into c
        {a, 12 * page},             // covers a free range
        {c + 3 * page, 2 * page},   // runs into the free tail
        {a + 1, page},              // unaligned base
        {a, page - 1},              // unaligned size
        {a, 0},                     // empty
        {top - page + 1, 2 * page}, // past 2^64
    };
    for (auto [base, size] : bad) {
        EXPECT_EQ(error_of(allocator.free(base, size)), ktl::Errno::InvalidArgument)
            << std::hex << base << " + " << size;
        EXPECT_EQ(Snapshot(allocator), before);
    }
    ASSERT_FALSE(allocator.free(a, 4 * page).is_error());
    ASSERT_FALSE(allocator.free(c, 4 * page).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{a, 16 * page}}));
}

TEST(RangeAllocator, AllocateAtClaimsExactlyTheGivenRange) {
    RangeAllocator allocator;
    ASSERT_FALSE(allocator.add_range(0x100000, 16 * page).is_error());
    ASSERT_FALSE(allocator.add_range(0x200000, 4 * page).is_error());
    ASSERT_FALSE(allocator.allocate_at(0x104000, 2 * page).is_error()); // middle: head and tail stay
    EXPECT_EQ(ranges_of(allocator),
              (RangeList{{0x100000, 4 * page}, {0x106000, 10 * page}, {0x200000, 4 * page}}));
    ASSERT_FALSE(allocator.allocate_at(0x100000, page).is_error());     // start
    ASSERT_FALSE(allocator.allocate_at(0x10f000, page).is_error());     // end
    ASSERT_FALSE(allocator.allocate_at(0x200000, 4 * page).is_error()); // a whole range
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x101000, 3 * page}, {0x106000, 9 * page}}));
    EXPECT_EQ(allocator.free_bytes(), 12 * page);

    const Snapshot before(allocator);
    const std::pair<uint64_t, uint64_t> bad[] = {
        {0x104000, page},          // already allocated
        {0x103000, 2 * page},      // runs from free into allocated space
        {0x101000, 8 * page},      // spans two free ranges and the allocation between them
        {0x0ff000, 2 * page},      // starts before any free range
        {0x300000, page},          // past every free range
        {0x106800, page},          // unaligned
        {0x106000, 0},             // empty
        {top - page + 1, 2 * page} // past 2^64
    };
    for (auto [base, size] : bad) {
        EXPECT_EQ(error_of(allocator.allocate_at(base, size)), ktl::Errno::InvalidArgument)
            << std::hex << base << " + " << size;
        EXPECT_EQ(Snapshot(allocator), before);
    }
    // A fixed claim is then found by nobody else.
    EXPECT_EQ(must_allocate(allocator, 3 * page), 0x101000u);
}

TEST(RangeAllocator, GranularityOfOneByte) {
    RangeAllocator allocator(1);
    ASSERT_FALSE(allocator.add_range(3, 10).is_error()); // [3, 13)
    ASSERT_FALSE(allocator.add_range(20, 5).is_error()); // [20, 25)
    EXPECT_EQ(must_allocate(allocator, 5), 20u);         // exact fit
    EXPECT_EQ(must_allocate(allocator, 3, 4), 4u);       // head [3, 4) and tail [7, 13) stay free
    EXPECT_EQ(ranges_of(allocator), (RangeList{{3, 1}, {7, 6}}));
    EXPECT_EQ(must_allocate(allocator, 1), 3u);
    ASSERT_FALSE(allocator.allocate_at(9, 1).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{7, 2}, {10, 3}}));
    ASSERT_FALSE(allocator.free(9, 1).is_error());
    ASSERT_FALSE(allocator.free(3, 4).is_error());
    EXPECT_EQ(error_of(allocator.free(12, 2)), ktl::Errno::InvalidArgument);
    ASSERT_FALSE(allocator.free(13, 1).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{3, 11}}));
    EXPECT_EQ(allocator.largest_free_range(), 11u);
    // The whole space except byte 0: ranges up to 2^64 work at this granularity too.
    ASSERT_FALSE(allocator.add_range(14, top - 13).is_error());
    EXPECT_EQ(allocator.free_bytes(), top - 2);
    EXPECT_EQ(error_of(allocator.add_range(0, 3)), ktl::Errno::InvalidArgument); // would be all of 2^64
    ASSERT_FALSE(allocator.add_range(1, 2).is_error());
    EXPECT_EQ(ranges_of(allocator), (RangeList{{1, top}}));
}

TEST(RangeAllocator, LargeGranularityRejectsSmallerUnits) {
    RangeAllocator allocator(64 * 1024);
    EXPECT_EQ(error_of(allocator.add_range(0x10000, page)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.add_range(0x1000, 0x10000)), ktl::Errno::InvalidArgument);
    ASSERT_FALSE(allocator.add_range(0x10000, 0x100000).is_error());
    EXPECT_EQ(error_of(allocator.allocate(page)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(must_allocate(allocator, 0x10000, page), 0x10000u);
    EXPECT_EQ(must_allocate(allocator, 0x10000, 0x40000), 0x40000u);
    EXPECT_EQ(ranges_of(allocator), (RangeList{{0x20000, 0x20000}, {0x50000, 0xc0000}}));
}

TEST(RangeAllocator, LargestFreeRange) {
    RangeAllocator allocator;
    EXPECT_EQ(allocator.largest_free_range(), 0u);
    ASSERT_FALSE(allocator.add_range(0x100000, 3 * page).is_error());
    ASSERT_FALSE(allocator.add_range(0x200000, 7 * page).is_error());
    ASSERT_FALSE(allocator.add_range(0x300000, 5 * page).is_error());
    EXPECT_EQ(allocator.largest_free_range(), 7 * page);
    ASSERT_FALSE(allocator.allocate_at(0x203000, page).is_error());
    EXPECT_EQ(allocator.largest_free_range(), 5 * page);
    ASSERT_FALSE(allocator.free(0x203000, page).is_error());
    EXPECT_EQ(allocator.largest_free_range(), 7 * page);
    ASSERT_FALSE(allocator.add_range(0x103000, 0x200000 - 0x103000).is_error()); // joins the first two
    EXPECT_EQ(allocator.largest_free_range(), 0x107000u);
}

// 1024 ranges of 3 pages, each starting at an odd page so that a 2-page-aligned page splits it in three.
void fill_table(RangeAllocator& allocator) {
    for (uint64_t i = 0; i < RangeAllocator::max_free_ranges; ++i)
        ASSERT_FALSE(allocator.add_range((8 * i + 1) * page, 3 * page).is_error()) << i;
    ASSERT_EQ(allocator.free_range_count(), RangeAllocator::max_free_ranges);
}

TEST(RangeAllocatorTableFull, SplittingGivesNoSpaceAndChangesNothing) {
    auto allocator = std::make_unique<RangeAllocator>();
    fill_table(*allocator);
    const Snapshot before(*allocator);
    EXPECT_EQ(error_of(allocator->allocate(page, 2 * page)), ktl::Errno::NoSpace);
    EXPECT_EQ(error_of(allocator->allocate_at(2 * page, page)), ktl::Errno::NoSpace);
    EXPECT_EQ(error_of(allocator->add_range(8 * 1024 * page, page)), ktl::Errno::NoSpace);
    EXPECT_EQ(error_of(allocator->free(6 * page, page)), ktl::Errno::NoSpace); // no neighbour to join
    EXPECT_EQ(Snapshot(*allocator), before);

    // What needs no new entry still works.
    EXPECT_EQ(error_of(allocator->add_range((8 * 1023 + 4) * page, page)), no_error); // joins the last
    EXPECT_EQ(must_allocate(*allocator, page), page);                                 // from the start
    ASSERT_FALSE(allocator->allocate_at(11 * page, page).is_error());                 // at the end of a range
    ASSERT_FALSE(allocator->free(4 * page, 5 * page).is_error());                     // joins two ranges
    EXPECT_EQ(allocator->free_range_count(), RangeAllocator::max_free_ranges - 1);
    ASSERT_FALSE(allocator->free(21 * page, page).is_error()); // a new entry fits again
    EXPECT_EQ(allocator->free_range_count(), RangeAllocator::max_free_ranges);
}

TEST(RangeAllocatorTableFull, FallsBackToABestFitThatDoesNotSplit) {
    auto allocator = std::make_unique<RangeAllocator>();
    fill_table(*allocator);
    // Swap the last 3-page range for a 2-page-aligned 5-page one: bigger, but cut without a split.
    uint64_t last = (8 * (RangeAllocator::max_free_ranges - 1) + 1) * page;
    ASSERT_FALSE(allocator->allocate_at(last, 3 * page).is_error());
    ASSERT_FALSE(allocator->add_range(last + 7 * page, 5 * page).is_error());
    ASSERT_EQ(allocator->free_range_count(), RangeAllocator::max_free_ranges);
    EXPECT_EQ(must_allocate(*allocator, page, 2 * page), last + 7 * page);

    // With an entry to spare, best fit takes the smallest range (3 pages) and splits it.
    ASSERT_FALSE(allocator->allocate_at(page, 3 * page).is_error());
    ASSERT_EQ(allocator->free_range_count(), RangeAllocator::max_free_ranges - 1);
    EXPECT_EQ(must_allocate(*allocator, page, 2 * page), 10 * page);
    EXPECT_EQ(allocator->free_range_count(), RangeAllocator::max_free_ranges);
    EXPECT_EQ(error_of(allocator->allocate(page, 2 * page)), ktl::Errno::NoSpace);
    EXPECT_EQ(error_of(allocator->allocate(8 * page)), ktl::Errno::NoMemory); // nothing that big at all
}

// ---------------------------------------------------------------------------------------------------
// Randomized runs against a model.

// splitmix64: small, fast even at -O0, the same on every host.
class Random {
public:
    explicit Random(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }
    // Uniform enough in [0, bound) for bounds this small.
    uint64_t below(uint64_t bound) { return next() % bound; }
    uint64_t between(uint64_t low, uint64_t high) { return low + below(high - low + 1); }

private:
    uint64_t m_state;
};

// A run of units (multiples of the granularity) counted from the start of the managed space.
struct Span {
    uint64_t start;
    uint64_t count;
    uint64_t end() const { return start + count; }
};

// The free space as a sorted list of merged spans; every question answered the obvious way.
class FreeModel {
public:
    const std::vector<Span>& spans() const { return m_spans; }
    uint64_t free_units() const { return m_free_units; }

    bool overlaps(uint64_t start, uint64_t count) const {
        size_t right = upper_bound(start);
        return (right > 0 && m_spans[right - 1].end() > start) ||
               (right < m_spans.size() && m_spans[right].start < start + count);
    }
    // Index of the span holding all of [start, start + count), or npos.
    size_t containing(uint64_t start, uint64_t count) const {
        size_t right = upper_bound(start);
        if (right == 0 || m_spans[right - 1].end() < start + count)
            return npos;
        return right - 1;
    }
    // Whether freeing [start, start + count) (not overlapping) would need a new entry.
    bool insert_needs_entry(uint64_t start, uint64_t count) const {
        size_t right = upper_bound(start);
        bool left_adjacent = right > 0 && m_spans[right - 1].end() == start;
        bool right_adjacent = right < m_spans.size() && m_spans[right].start == start + count;
        return !left_adjacent && !right_adjacent;
    }
    void insert(uint64_t start, uint64_t count) {
        size_t right = upper_bound(start);
        bool left_adjacent = right > 0 && m_spans[right - 1].end() == start;
        bool right_adjacent = right < m_spans.size() && m_spans[right].start == start + count;
        if (left_adjacent && right_adjacent) {
            m_spans[right - 1].count += count + m_spans[right].count;
            m_spans.erase(m_spans.begin() + right);
        } else if (left_adjacent) {
            m_spans[right - 1].count += count;
        } else if (right_adjacent) {
            m_spans[right].start = start;
            m_spans[right].count += count;
        } else {
            m_spans.insert(m_spans.begin() + right, Span{start, count});
        }
        m_free_units += count;
    }
    // Whether taking [start, start + count) out of span `index` leaves both a head and a tail.
    bool remove_splits(size_t index, uint64_t start, uint64_t count) const {
        return start > m_spans[index].start && start + count < m_spans[index].end();
    }
    void remove(size_t index, uint64_t start, uint64_t count) {
        Span span = m_spans[index];
        m_spans.erase(m_spans.begin() + index);
        size_t at = index;
        if (start > span.start)
            m_spans.insert(m_spans.begin() + at++, Span{span.start, start - span.start});
        if (start + count < span.end())
            m_spans.insert(m_spans.begin() + at, Span{start + count, span.end() - start - count});
        m_free_units -= count;
    }

    static constexpr size_t npos = static_cast<size_t>(-1);

private:
    size_t upper_bound(uint64_t start) const {
        return std::upper_bound(m_spans.begin(), m_spans.end(), start,
                                [](uint64_t value, const Span& span) { return value < span.start; }) -
               m_spans.begin();
    }

    std::vector<Span> m_spans;
    uint64_t m_free_units = 0;
};

struct RandomConfig {
    uint64_t granularity;
    uint64_t base;                // address of unit 0
    uint64_t units;               // size of the managed space in units; base + units * granularity <= 2^64
    uint64_t max_allocation;      // in units
    unsigned max_align_shift;     // alignments up to granularity << max_align_shift
    uint64_t allocate_at_percent; // of the allocations; allocate_at at random places fragments the space
    uint64_t operations;
    uint64_t seed;
};

struct RunStats {
    uint64_t allocations = 0;
    uint64_t no_memory = 0;
    uint64_t no_space = 0;
    uint64_t fallbacks = 0; // full table: a larger range taken to avoid a split
    uint64_t frees = 0;
    uint64_t rejected = 0;
    size_t most_ranges = 0;
};

class RandomRun {
public:
    explicit RandomRun(const RandomConfig& config)
        : m_config(config), m_random(config.seed),
          m_allocator(std::make_unique<RangeAllocator>(config.granularity)) {}

    const RunStats& stats() const { return m_stats; }

    // Returns false (after reporting) at the first disagreement with the model.
    bool run() {
        if (!donate())
            return false;
        for (m_operation = 0; m_operation < m_config.operations; ++m_operation) {
            if (!step() || !check_state())
                return false;
            m_stats.most_ranges = std::max(m_stats.most_ranges, m_model.spans().size());
            if (m_operation % 4096 == 0 && !check_partition())
                return false;
        }
        // Give everything back: the space must end up as one range again. With the table full only frees
        // next to free space get through, and there always is one.
        m_draining = true; // not counted in the statistics
        while (!m_live.empty()) {
            size_t before = m_live.size();
            for (size_t i = m_live.size(); i-- > 0 && m_live.size() == before;) {
                if (!free_live(i, false))
                    return false;
            }
            if (m_live.size() == before)
                return fail("no allocation could be freed");
        }
        return check_state() && check_partition() && m_model.spans().size() == 1;
    }

private:
    uint64_t address(uint64_t unit) const { return m_config.base + unit * m_config.granularity; }
    uint64_t bytes(uint64_t units) const { return units * m_config.granularity; }

    bool fail(const char* what) {
        ADD_FAILURE() << what << " (seed " << m_config.seed << ", operation " << m_operation << ")";
        return false;
    }
    template <typename T>
    bool expect_error(const ktl::ErrorOr<T>& result, ktl::Errno expected, const char* what) {
        if (error_of(result) != expected) {
            ADD_FAILURE() << what << ": got errno " << static_cast<int>(error_of(result)) << ", expected "
                          << static_cast<int>(expected) << " (seed " << m_config.seed << ", operation "
                          << m_operation << ")";
            return false;
        }
        return true;
    }

    // The space goes in as a few pieces in random order; they must merge into one range.
    bool donate() {
        std::vector<uint64_t> cuts{0, m_config.units};
        for (int i = 0; i < 7; ++i)
            cuts.push_back(m_random.between(1, m_config.units - 1));
        std::sort(cuts.begin(), cuts.end());
        cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
        std::vector<Span> pieces;
        for (size_t i = 0; i + 1 < cuts.size(); ++i)
            pieces.push_back(Span{cuts[i], cuts[i + 1] - cuts[i]});
        for (size_t i = pieces.size(); i > 1; --i)
            std::swap(pieces[i - 1], pieces[m_random.below(i)]);
        for (const Span& piece : pieces) {
            if (!expect_error(m_allocator->add_range(address(piece.start), bytes(piece.count)), no_error,
                              "donate"))
                return false;
            m_model.insert(piece.start, piece.count);
            if (!expect_error(m_allocator->add_range(address(piece.start), bytes(piece.count)),
                              ktl::Errno::InvalidArgument, "donate twice"))
                return false;
            if (!check_state())
                return false;
        }
        return m_model.spans().size() == 1 || fail("donated pieces did not merge");
    }

    bool step() {
        // Lean towards allocating while most of the space is free and towards freeing when it is scarce.
        uint64_t free_percent = m_model.free_units() * 100 / m_config.units;
        uint64_t roll = m_random.below(100);
        uint64_t allocate_share = free_percent > 60 ? 60 : free_percent > 25 ? 42 : 25;
        if (roll < allocate_share)
            return m_random.below(100) < m_config.allocate_at_percent ? random_allocate_at()
                                                                      : random_allocate();
        roll -= allocate_share;
        if (roll < 6)
            return invalid_free();
        if (roll < 9)
            return invalid_arguments();
        if (m_live.empty())
            return random_allocate();
        ++m_stats.frees;
        return free_live(m_random.below(m_live.size()), m_random.below(8) == 0);
    }

    bool random_allocate() {
        uint64_t units = m_random.between(1, m_config.max_allocation);
        uint64_t alignment = m_random.below(10) == 0
                                 ? 0
                                 : m_config.granularity << m_random.below(m_config.max_align_shift + 1);
        uint64_t effective = alignment == 0 ? m_config.granularity : alignment;

        // Brute force over the model: the smallest fitting span (lowest address among equals), and the
        // smallest one that can be cut without a split for when the table is full.
        const std::vector<Span>& spans = m_model.spans();
        size_t best = FreeModel::npos;
        size_t best_unsplit = FreeModel::npos;
        const uint64_t space_base = m_config.base;
        const uint64_t granularity = m_config.granularity;
        const int shift = std::countr_zero(granularity);
        auto head_of = [&](const Span& span) {
            return ((uint64_t{0} - (space_base + span.start * granularity)) & (effective - 1)) >> shift;
        };
        // Raw loop, no helper calls: this runs over every free span on every allocation, at -O0.
        const Span* data = spans.data();
        for (size_t i = 0, count = spans.size(); i < count; ++i) {
            uint64_t head =
                ((uint64_t{0} - (space_base + data[i].start * granularity)) & (effective - 1)) >> shift;
            if (head + units > data[i].count)
                continue;
            if (best == FreeModel::npos || data[i].count < data[best].count)
                best = i;
            bool splits = head != 0 && head + units != data[i].count;
            if (!splits && (best_unsplit == FreeModel::npos || data[i].count < data[best_unsplit].count))
                best_unsplit = i;
        }
        auto result = m_allocator->allocate(bytes(units), alignment);
        if (best == FreeModel::npos) {
            ++m_stats.no_memory;
            return expect_error(result, ktl::Errno::NoMemory, "allocate with nothing fitting");
        }
        size_t chosen = best;
        uint64_t head = head_of(spans[best]);
        if (spans.size() == RangeAllocator::max_free_ranges &&
            m_model.remove_splits(best, spans[best].start + head, units)) {
            if (best_unsplit == FreeModel::npos) {
                ++m_stats.no_space;
                return expect_error(result, ktl::Errno::NoSpace, "allocate needing a split in a full table");
            }
            chosen = best_unsplit;
            ++m_stats.fallbacks;
            head = head_of(spans[chosen]);
        }
        if (!expect_error(result, no_error, "allocate"))
            return false;
        uint64_t start = spans[chosen].start + head;
        if (result.value() != address(start))
            return fail("allocate did not pick the best fit");
        m_model.remove(chosen, start, units);
        m_live.push_back(Span{start, units});
        ++m_stats.allocations;
        return true;
    }

    bool random_allocate_at() {
        uint64_t start;
        uint64_t units;
        if (m_random.below(2) == 0 && !m_model.spans().empty()) {
            // Somewhere inside a free span: must succeed unless a split does not fit.
            const Span& span = m_model.spans()[m_random.below(m_model.spans().size())];
            start = span.start + m_random.below(span.count);
            units = m_random.between(1, std::min(span.end() - start, m_config.max_allocation));
        } else {
            start = m_random.below(m_config.units);
            units = m_random.between(1, std::min(m_config.units - start, m_config.max_allocation));
        }
        auto result = m_allocator->allocate_at(address(start), bytes(units));
        size_t index = m_model.containing(start, units);
        if (index == FreeModel::npos) {
            ++m_stats.rejected;
            return expect_error(result, ktl::Errno::InvalidArgument, "allocate_at over allocated space");
        }
        if (m_model.spans().size() == RangeAllocator::max_free_ranges &&
            m_model.remove_splits(index, start, units)) {
            ++m_stats.no_space;
            return expect_error(result, ktl::Errno::NoSpace, "allocate_at needing a split in a full table");
        }
        if (!expect_error(result, no_error, "allocate_at"))
            return false;
        m_model.remove(index, start, units);
        m_live.push_back(Span{start, units});
        ++m_stats.allocations;
        return true;
    }

    // Frees live allocation `index`, or (partial) a random piece of it; what stays allocated stays live.
    bool free_live(size_t index, bool partial) {
        Span span = m_live[index];
        uint64_t start = span.start;
        uint64_t units = span.count;
        if (partial) {
            start += m_random.below(span.count);
            units = m_random.between(1, span.end() - start);
        }
        auto result = m_allocator->free(address(start), bytes(units));
        if (m_model.insert_needs_entry(start, units) &&
            m_model.spans().size() == RangeAllocator::max_free_ranges) {
            m_stats.no_space += m_draining ? 0 : 1;
            return expect_error(result, ktl::Errno::NoSpace, "free needing an entry in a full table");
        }
        if (!expect_error(result, no_error, "free"))
            return false;
        m_model.insert(start, units);
        m_live[index] = m_live.back();
        m_live.pop_back();
        if (start > span.start)
            m_live.push_back(Span{span.start, start - span.start});
        if (start + units < span.end())
            m_live.push_back(Span{start + units, span.end() - start - units});
        m_last_freed = Span{start, units};
        return true;
    }

    // Frees that overlap free space (double frees, ranges running into free space) must be refused.
    bool invalid_free() {
        if (m_model.spans().empty())
            return true;
        uint64_t start;
        uint64_t units;
        if (m_random.below(2) == 0 && m_last_freed.count != 0 &&
            m_model.overlaps(m_last_freed.start, m_last_freed.count)) {
            start = m_last_freed.start; // a double free, possibly of space since merged
            units = m_last_freed.count;
        } else {
            const Span& span = m_model.spans()[m_random.below(m_model.spans().size())];
            uint64_t inside = span.start + m_random.below(span.count);
            start = inside - std::min<uint64_t>(inside, m_random.below(m_config.max_allocation));
            units = inside - start +
                    m_random.between(1, std::min(m_config.max_allocation, m_config.units - inside));
        }
        ++m_stats.rejected;
        return expect_error(m_allocator->free(address(start), bytes(units)), ktl::Errno::InvalidArgument,
                            "free overlapping free space");
    }

    bool invalid_arguments() {
        ++m_stats.rejected;
        uint64_t g = m_config.granularity;
        uint64_t unit = m_random.below(m_config.units);
        switch (m_random.below(6)) {
        case 0:
            return expect_error(m_allocator->allocate(0), ktl::Errno::InvalidArgument, "allocate(0)");
        case 1:
            return expect_error(m_allocator->allocate(bytes(2), 3 * g), ktl::Errno::InvalidArgument,
                                "allocate with a bad alignment");
        case 2:
            return expect_error(m_allocator->free(address(unit), 0), ktl::Errno::InvalidArgument,
                                "free(x, 0)");
        case 3:
            if (g == 1)
                return expect_error(m_allocator->allocate_at(address(unit), top - address(unit) + 2),
                                    ktl::Errno::InvalidArgument, "allocate_at past 2^64");
            return expect_error(m_allocator->free(address(unit) + g / 2, g), ktl::Errno::InvalidArgument,
                                "unaligned free");
        case 4:
            if (g == 1)
                return expect_error(m_allocator->allocate_at(address(unit), 0), ktl::Errno::InvalidArgument,
                                    "allocate_at(x, 0)");
            return expect_error(m_allocator->allocate(g + g / 2), ktl::Errno::InvalidArgument,
                                "unaligned allocate");
        default:
            return expect_error(m_allocator->free(top - g + 1, 2 * g), ktl::Errno::InvalidArgument,
                                "free past 2^64");
        }
    }

    // The allocator's ranges are exactly the model's: sorted, disjoint, never adjacent, same totals.
    bool check_state() {
        if (m_allocator->free_bytes() != bytes(m_model.free_units()))
            return fail("free_bytes differs from the model");
        if (m_allocator->free_range_count() != m_model.spans().size())
            return fail("free_range_count differs from the model");
        // Runs after every operation over up to 1024 ranges, so it uses locals and raw pointers rather than
        // helper calls: at -O0 every call counts.
        const char* error = nullptr;
        size_t index = 0;
        uint64_t previous_last = 0;
        uint64_t largest = 0;
        const Span* spans = m_model.spans().data();
        const size_t span_count = m_model.spans().size();
        const uint64_t space_base = m_config.base;
        const uint64_t granularity = m_config.granularity;
        const uint64_t mask = granularity - 1;
        m_allocator->for_each_free_range([&](uint64_t base, uint64_t size) {
            if (error != nullptr)
                return;
            if (size == 0 || ((base | size) & mask) != 0)
                error = "a free range is empty or unaligned";
            else if (index > 0 && (previous_last == top || base <= previous_last + 1))
                error = "free ranges are unsorted, overlapping or adjacent";
            else if (index >= span_count || base != space_base + spans[index].start * granularity ||
                     size != spans[index].count * granularity)
                error = "a free range differs from the model";
            previous_last = base + (size - 1);
            if (size > largest)
                largest = size;
            ++index;
        });
        if (error != nullptr)
            return fail(error);
        if (m_allocator->largest_free_range() != largest)
            return fail("largest_free_range is not the largest range");
        return true;
    }

    // Live allocations and free spans tile the space exactly: nothing overlaps, nothing is lost.
    bool check_partition() {
        std::vector<Span> all = m_live;
        all.insert(all.end(), m_model.spans().begin(), m_model.spans().end());
        std::sort(all.begin(), all.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
        uint64_t next = 0;
        for (const Span& span : all) {
            if (span.start != next)
                return fail(span.start < next ? "an allocation overlaps free space or another allocation"
                                              : "part of the space is neither free nor allocated");
            next = span.end();
        }
        return next == m_config.units || fail("the space is not fully accounted for");
    }

    RandomConfig m_config;
    Random m_random;
    std::unique_ptr<RangeAllocator> m_allocator;
    FreeModel m_model;
    std::vector<Span> m_live;
    Span m_last_freed{0, 0};
    uint64_t m_operation = 0;
    RunStats m_stats;
    bool m_draining = false;
};

RunStats run_random(const RandomConfig& config) {
    auto start = std::chrono::steady_clock::now();
    RandomRun run(config);
    bool ok = run.run();
    const RunStats& stats = run.stats();
    auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::printf(
        "  seed %llu: %llu ops, %llu allocated, %llu freed, %llu rejected, %llu NoMemory, %llu NoSpace, "
        "%llu fallbacks, at most %zu ranges, %lld ms\n",
        static_cast<unsigned long long>(config.seed), static_cast<unsigned long long>(config.operations),
        static_cast<unsigned long long>(stats.allocations), static_cast<unsigned long long>(stats.frees),
        static_cast<unsigned long long>(stats.rejected), static_cast<unsigned long long>(stats.no_memory),
        static_cast<unsigned long long>(stats.no_space), static_cast<unsigned long long>(stats.fallbacks),
        stats.most_ranges, static_cast<long long>(elapsed.count()));
    EXPECT_TRUE(ok);
    return stats;
}

// 64 MiB of 4 KiB pages starting at an odd page of the kernel's window: sizes of 1-256 pages, alignments
// up to 512 pages (2 MiB).
TEST(RangeAllocatorRandom, PagesInTheKernelWindow) {
    for (uint64_t seed : {1, 2, 3}) {
        RunStats stats = run_random(
            RandomConfig{page, 0xffffc00000000000 + 37 * page, 16 * 1024, 256, 9, 15, 270000, seed});
        EXPECT_GT(stats.no_memory, 0u);
    }
}

// The same against the top of the address space, where base + size is 2^64.
TEST(RangeAllocatorRandom, SpaceEndingAtTwoToTheSixtyFour) {
    run_random(RandomConfig{page, uint64_t{0} - 16 * 1024 * page, 16 * 1024, 256, 9, 15, 150000, 4});
}

// Byte granularity and tiny allocations in a space big enough to fragment past 1024 free ranges, so that
// NoSpace (and the no-split fallback) happen all the time.
TEST(RangeAllocatorRandom, FragmentedPastTheTableCapacity) {
    RunStats stats = run_random(RandomConfig{1, 0x10000, 12000, 2, 4, 50, 50000, 5});
    EXPECT_GT(stats.no_space, 0u);
    EXPECT_GT(stats.fallbacks, 0u);
    EXPECT_EQ(stats.most_ranges, RangeAllocator::max_free_ranges);
}

} // namespace
