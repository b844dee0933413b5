// RegionMap: hand-built cases for each operation's edges (splits, merges, holes, bounds, bad arguments),
// find on 10 000 regions, cloning, and an allocation-failure sweep: every operation, failing at each
// allocation in turn, must return NoMemory and leave the map, the reports and the node count unchanged.
#include "ktl/assert.h"
#include "mm/region_map.h"
#include "region_map_helpers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace {

using namespace region_map_test;
using mm::Protection;
using mm::Region;
using mm::RegionFlags;
using mm::RegionKind;
using mm::RegionMap;
using Regions = std::vector<Region>;
using ktl::Errno;

const mm::RegionAttributes anonymous_rw = attributes(read_write);
const mm::RegionAttributes anonymous_ro = attributes(read_only);
const mm::RegionAttributes image_rx =
    attributes(read_execute, RegionKind::ProgramImage, RegionFlags::None, 1);

Region region(uint64_t first_page, uint64_t end_page, mm::RegionAttributes attributes) {
    return Region{first_page * page, end_page * page, attributes};
}

struct RegionMapTest : ::testing::Test {
    TestNodeAllocator allocator;
    RegionMap map{allocator};
    Regions removed;
    std::function<void(const Region&)> record = [this](const Region& r) { removed.push_back(r); };

    void insert_pages(uint64_t first_page, uint64_t end_page, mm::RegionAttributes attributes) {
        ASSERT_EQ(error_of(map.insert(first_page * page, (end_page - first_page) * page, attributes)),
                  no_error);
    }
    void expect_regions(const Regions& expected) {
        EXPECT_EQ(regions_of(map), expected);
        EXPECT_EQ(map.count(), expected.size());
        EXPECT_EQ(allocator.live_nodes, map.count());
        EXPECT_TRUE(map.check_invariants());
    }
};

// ---- insert ----

TEST_F(RegionMapTest, InsertIntoEmptyMap) {
    insert_pages(16, 20, anonymous_rw);
    expect_regions({region(16, 20, anonymous_rw)});
    EXPECT_FALSE(map.is_empty());
}

TEST_F(RegionMapTest, InsertRefusesEveryKindOfOverlapAndChangesNothing) {
    insert_pages(10, 20, anonymous_rw);
    for (auto [first, end] : {std::pair{5, 11}, {19, 25}, {12, 14}, {5, 25}, {10, 20}, {10, 11}, {19, 20}})
        EXPECT_EQ(error_of(map.insert(first * page, (end - first) * page, anonymous_ro)), Errno::Exists)
            << first << ".." << end;
    expect_regions({region(10, 20, anonymous_rw)});
}

TEST_F(RegionMapTest, InsertMergesWithTouchingEqualNeighbours) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(30, 40, anonymous_rw);
    insert_pages(20, 25, anonymous_rw);
    expect_regions({region(10, 25, anonymous_rw), region(30, 40, anonymous_rw)});
    insert_pages(25, 30, anonymous_rw); // bridges the gap: three become one and a node is freed
    expect_regions({region(10, 40, anonymous_rw)});
    insert_pages(5, 10, anonymous_rw);
    expect_regions({region(5, 40, anonymous_rw)});
}

TEST_F(RegionMapTest, InsertKeepsDifferentNeighboursApart) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(20, 30, anonymous_ro);                             // protection differs
    insert_pages(30, 40, attributes(read_only, RegionKind::Stack)); // kind differs
    insert_pages(40, 50, attributes(read_only, RegionKind::Stack, RegionFlags::GrowsDown));    // flags differ
    insert_pages(50, 60, attributes(read_only, RegionKind::Stack, RegionFlags::GrowsDown, 7)); // tag differs
    EXPECT_EQ(map.count(), 5u);
    EXPECT_TRUE(map.check_invariants());
}

TEST_F(RegionMapTest, BadArgumentsAreRefusedEverywhere) {
    insert_pages(10, 20, anonymous_rw);
    const uint64_t top = ~uint64_t{0} & ~(page - 1); // the last page's address
    struct Case {
        uint64_t start, length;
    };
    for (Case bad : {Case{1, page}, Case{page, 1}, Case{page, 0}, Case{top, page},
                     Case{page, ~uint64_t{0} & ~(page - 1)}, Case{top, 2 * page}}) {
        EXPECT_EQ(error_of(map.insert(bad.start, bad.length, anonymous_rw)), Errno::InvalidArgument);
        EXPECT_EQ(error_of(map.map_fixed(bad.start, bad.length, anonymous_rw, record)),
                  Errno::InvalidArgument);
        EXPECT_EQ(error_of(map.unmap(bad.start, bad.length, record)), Errno::InvalidArgument);
        if (bad.length != 0) {
            EXPECT_EQ(error_of(map.protect(bad.start, bad.length, read_only)), Errno::InvalidArgument);
        }
    }
    auto bad_protection = attributes(static_cast<Protection>(8));
    EXPECT_EQ(error_of(map.insert(0, page, bad_protection)), Errno::InvalidArgument);
    EXPECT_EQ(error_of(map.map_fixed(0, page, bad_protection)), Errno::InvalidArgument);
    EXPECT_EQ(error_of(map.protect(10 * page, page, static_cast<Protection>(0x10))), Errno::InvalidArgument);
    auto bad_kind = anonymous_rw;
    bad_kind.kind = static_cast<RegionKind>(9);
    EXPECT_EQ(error_of(map.insert(0, page, bad_kind)), Errno::InvalidArgument);
    auto bad_flags = anonymous_rw;
    bad_flags.flags = static_cast<RegionFlags>(0x80);
    EXPECT_EQ(error_of(map.insert(0, page, bad_flags)), Errno::InvalidArgument);
    EXPECT_TRUE(removed.empty());
    expect_regions({region(10, 20, anonymous_rw)});
}

TEST_F(RegionMapTest, RegionsMayStartAtZeroAndEndAtTheLastPage) {
    const uint64_t last_page = (~uint64_t{0} >> 12); // page number of 2^64 - 4096
    ASSERT_EQ(error_of(map.insert(0, page, anonymous_rw)), no_error);
    ASSERT_EQ(error_of(map.insert((last_page - 1) * page, page, anonymous_rw)), no_error);
    EXPECT_EQ(map.find(0)->start, 0u);
    EXPECT_EQ(map.find(last_page * page - 1)->end, last_page * page);
    ASSERT_EQ(error_of(map.unmap(0, last_page * page, record)), no_error);
    EXPECT_EQ(removed.size(), 2u);
    expect_regions({});
}

// ---- map_fixed ----

TEST_F(RegionMapTest, MapFixedIntoTheMiddleSplitsAndReportsWhatItReplaced) {
    insert_pages(10, 20, anonymous_rw);
    ASSERT_EQ(error_of(map.map_fixed(12 * page, 3 * page, image_rx, record)), no_error);
    expect_regions({region(10, 12, anonymous_rw), region(12, 15, image_rx), region(15, 20, anonymous_rw)});
    EXPECT_EQ(removed, Regions{region(12, 15, anonymous_rw)});
}

TEST_F(RegionMapTest, MapFixedWithEqualAttributesKeepsOneRegionButStillReportsTheOldPages) {
    insert_pages(10, 20, anonymous_rw);
    allocator.fail_on(0, true); // needs no node at all
    ASSERT_EQ(error_of(map.map_fixed(12 * page, 3 * page, anonymous_rw, record)), no_error);
    allocator.stop_failing();
    expect_regions({region(10, 20, anonymous_rw)});
    EXPECT_EQ(removed, Regions{region(12, 15, anonymous_rw)}); // the old pages must still be freed
}

TEST_F(RegionMapTest, MapFixedAcrossSeveralRegionsAndHoles) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(22, 25, anonymous_ro);
    insert_pages(30, 40, image_rx);
    insert_pages(50, 60, anonymous_rw);
    ASSERT_EQ(error_of(map.map_fixed(15 * page, 20 * page, anonymous_ro, record)), no_error);
    expect_regions({region(10, 15, anonymous_rw), region(15, 35, anonymous_ro), region(35, 40, image_rx),
                    region(50, 60, anonymous_rw)});
    EXPECT_EQ(removed, (Regions{region(15, 20, anonymous_rw), region(22, 25, anonymous_ro),
                                region(30, 35, image_rx)}));
}

TEST_F(RegionMapTest, MapFixedMergesWithBothNeighbours) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(20, 30, anonymous_ro);
    insert_pages(30, 40, anonymous_rw);
    ASSERT_EQ(error_of(map.map_fixed(20 * page, 10 * page, anonymous_rw, record)), no_error);
    expect_regions({region(10, 40, anonymous_rw)});
    EXPECT_EQ(removed, Regions{region(20, 30, anonymous_ro)});
}

TEST_F(RegionMapTest, MapFixedIntoAHoleReportsNothing) {
    insert_pages(10, 20, anonymous_rw);
    ASSERT_EQ(error_of(map.map_fixed(30 * page, page, anonymous_rw, record)), no_error);
    EXPECT_TRUE(removed.empty());
    expect_regions({region(10, 20, anonymous_rw), region(30, 31, anonymous_rw)});
}

// ---- unmap ----

TEST_F(RegionMapTest, UnmapTheMiddleSplitsARegion) {
    insert_pages(10, 20, anonymous_rw);
    ASSERT_EQ(error_of(map.unmap(12 * page, 2 * page, record)), no_error);
    expect_regions({region(10, 12, anonymous_rw), region(14, 20, anonymous_rw)});
    EXPECT_EQ(removed, Regions{region(12, 14, anonymous_rw)});
}

TEST_F(RegionMapTest, UnmapHeadTailAndWhole) {
    insert_pages(10, 20, anonymous_rw);
    ASSERT_EQ(error_of(map.unmap(10 * page, 2 * page, record)), no_error);
    expect_regions({region(12, 20, anonymous_rw)});
    ASSERT_EQ(error_of(map.unmap(18 * page, 5 * page, record)), no_error);
    expect_regions({region(12, 18, anonymous_rw)});
    ASSERT_EQ(error_of(map.unmap(0, 100 * page, record)), no_error);
    expect_regions({});
    EXPECT_EQ(removed, (Regions{region(10, 12, anonymous_rw), region(18, 20, anonymous_rw),
                                region(12, 18, anonymous_rw)}));
}

TEST_F(RegionMapTest, UnmapAcrossRegionsAndHoles) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(20, 25, anonymous_ro);
    insert_pages(30, 40, image_rx);
    ASSERT_EQ(error_of(map.unmap(15 * page, 20 * page, record)), no_error);
    expect_regions({region(10, 15, anonymous_rw), region(35, 40, image_rx)});
    EXPECT_EQ(removed, (Regions{region(15, 20, anonymous_rw), region(20, 25, anonymous_ro),
                                region(30, 35, image_rx)}));
}

TEST_F(RegionMapTest, UnmappingAHoleIsNotAnError) {
    insert_pages(10, 20, anonymous_rw);
    ASSERT_EQ(error_of(map.unmap(20 * page, 10 * page, record)), no_error);
    ASSERT_EQ(error_of(map.unmap(0, 10 * page, record)), no_error);
    EXPECT_TRUE(removed.empty());
    expect_regions({region(10, 20, anonymous_rw)});
    RegionMap empty(allocator);
    EXPECT_EQ(error_of(empty.unmap(0, page)), no_error);
}

// ---- protect ----

TEST_F(RegionMapTest, ProtectTheMiddleSplitsInThreeAndRestoringMergesBack) {
    insert_pages(10, 20, anonymous_rw);
    ASSERT_EQ(error_of(map.protect(12 * page, 3 * page, read_only)), no_error);
    expect_regions(
        {region(10, 12, anonymous_rw), region(12, 15, anonymous_ro), region(15, 20, anonymous_rw)});
    ASSERT_EQ(error_of(map.protect(12 * page, 3 * page, read_write)), no_error);
    expect_regions({region(10, 20, anonymous_rw)});
}

TEST_F(RegionMapTest, ProtectAcrossRegionsKeepsTheirOtherAttributesAndMerges) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(20, 30, anonymous_ro);
    insert_pages(30, 40, attributes(read_write, RegionKind::Stack));
    ASSERT_EQ(error_of(map.protect(15 * page, 20 * page, read_only)), no_error);
    expect_regions({region(10, 15, anonymous_rw), region(15, 30, anonymous_ro),
                    region(30, 35, attributes(read_only, RegionKind::Stack)),
                    region(35, 40, attributes(read_write, RegionKind::Stack))});
}

TEST_F(RegionMapTest, ProtectWithAnUnmappedPageFailsWithNoMemoryAndChangesNothing) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(21, 30, anonymous_ro);
    const Regions before = regions_of(map);
    EXPECT_EQ(error_of(map.protect(15 * page, 10 * page, read_only)), Errno::NoMemory); // hole at 20
    EXPECT_EQ(error_of(map.protect(5 * page, 10 * page, read_only)), Errno::NoMemory);  // hole before 10
    EXPECT_EQ(error_of(map.protect(25 * page, 10 * page, read_only)), Errno::NoMemory); // hole after 30
    EXPECT_EQ(error_of(map.protect(40 * page, page, read_only)), Errno::NoMemory);      // nothing at all
    expect_regions(before);
}

TEST_F(RegionMapTest, ProtectWithZeroLengthSucceedsAndChangesNothing) {
    insert_pages(10, 20, anonymous_rw);
    EXPECT_EQ(error_of(map.protect(15 * page, 0, read_only)), no_error);
    EXPECT_EQ(error_of(map.protect(50 * page, 0, read_only)), no_error);
    EXPECT_EQ(error_of(map.protect(15 * page + 1, 0, read_only)), Errno::InvalidArgument);
    expect_regions({region(10, 20, anonymous_rw)});
}

TEST_F(RegionMapTest, ProtectToTheSameProtectionNeedsNoNode) {
    insert_pages(10, 20, anonymous_rw);
    allocator.fail_on(0, true);
    EXPECT_EQ(error_of(map.protect(12 * page, 3 * page, read_write)), no_error);
    allocator.stop_failing();
    expect_regions({region(10, 20, anonymous_rw)});
}

TEST_F(RegionMapTest, ProtectThatMovesABoundaryNeedsNoNode) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(20, 30, anonymous_ro);
    allocator.fail_on(0, true);
    EXPECT_EQ(error_of(map.protect(15 * page, 10 * page, read_only)), no_error);
    allocator.stop_failing();
    expect_regions({region(10, 15, anonymous_rw), region(15, 30, anonymous_ro)});
}

// ---- find ----

TEST_F(RegionMapTest, FindAtTheEdges) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(20, 30, anonymous_ro);
    insert_pages(40, 50, anonymous_rw);
    EXPECT_EQ(map.find(10 * page - 1), nullptr);
    EXPECT_EQ(*map.find(10 * page), region(10, 20, anonymous_rw));
    EXPECT_EQ(*map.find(20 * page - 1), region(10, 20, anonymous_rw));
    EXPECT_EQ(*map.find(20 * page), region(20, 30, anonymous_ro));
    EXPECT_EQ(map.find(30 * page), nullptr);
    EXPECT_EQ(map.find(50 * page), nullptr);
    EXPECT_EQ(map.find(~uint64_t{0}), nullptr);

    EXPECT_EQ(*map.find_at_or_above(0), region(10, 20, anonymous_rw));
    EXPECT_EQ(*map.find_at_or_above(25 * page), region(20, 30, anonymous_ro));
    EXPECT_EQ(*map.find_at_or_above(30 * page), region(40, 50, anonymous_rw));
    EXPECT_EQ(map.find_at_or_above(50 * page), nullptr);
}

TEST_F(RegionMapTest, GrowingAStackDownwardsMergesIntoIt) {
    auto stack = attributes(read_write, RegionKind::Stack, RegionFlags::GrowsDown | RegionFlags::DemandZero);
    insert_pages(100, 108, stack);
    // What the page-fault handler does for a fault at page 98: the region above grows down.
    const Region* above = map.find_at_or_above(98 * page);
    ASSERT_NE(above, nullptr);
    ASSERT_TRUE(has_flag(above->attributes.flags, RegionFlags::GrowsDown));
    ASSERT_EQ(error_of(map.insert(98 * page, above->start - 98 * page, above->attributes)), no_error);
    expect_regions({region(98, 108, stack)});
}

TEST_F(RegionMapTest, TenThousandRegions) {
    constexpr uint64_t count = 10000;
    // Alternating protections so nothing merges; pages 3i and 3i+1, a hole at 3i+2.
    for (uint64_t i = 0; i < count; ++i)
        insert_pages(3 * i, 3 * i + 2, i % 2 ? anonymous_rw : anonymous_ro);
    EXPECT_EQ(map.count(), count);
    EXPECT_TRUE(map.check_invariants());
    for (uint64_t i = 0; i < count; ++i) {
        const Region* found = map.find(3 * i * page + page + 5);
        ASSERT_NE(found, nullptr);
        ASSERT_EQ(found->start, 3 * i * page);
        ASSERT_EQ(map.find((3 * i + 2) * page), nullptr);
    }
    // Unmap every other region, in a scattered order, then check the rest is still found.
    for (uint64_t i = 0; i < count; i += 2) {
        uint64_t victim = (i * 7919) % count & ~uint64_t{1};
        ASSERT_EQ(error_of(map.unmap(3 * victim * page, 2 * page)), no_error);
    }
    EXPECT_EQ(map.count(), count / 2);
    EXPECT_TRUE(map.check_invariants());
    for (uint64_t i = 1; i < count; i += 2)
        ASSERT_NE(map.find(3 * i * page), nullptr);
    uint64_t previous_end = 0;
    for (const Region& r : map) {
        EXPECT_GE(r.start, previous_end);
        previous_end = r.end;
    }
}

// ---- find_free ----

TEST_F(RegionMapTest, FindFreeInAnEmptyMapTakesTheTop) {
    EXPECT_EQ(map.find_free(4 * page, 0, 16 * page, 1024 * page).value(), 1020 * page);
}

TEST_F(RegionMapTest, FindFreeTakesAFreeHintAndRoundsItUp) {
    insert_pages(1000, 1024, anonymous_rw);
    EXPECT_EQ(map.find_free(4 * page, 100 * page, 16 * page, 1024 * page).value(), 100 * page);
    EXPECT_EQ(map.find_free(4 * page, 100 * page + 1, 16 * page, 1024 * page).value(), 101 * page);
    EXPECT_EQ(map.find_free(4 * page, 996 * page, 16 * page, 1024 * page).value(), 996 * page); // touches
}

TEST_F(RegionMapTest, FindFreeIgnoresAHintThatOverlapsOrIsOutOfBounds) {
    insert_pages(100, 110, anonymous_rw);
    EXPECT_EQ(map.find_free(4 * page, 98 * page, 16 * page, 1024 * page).value(), 1020 * page);
    EXPECT_EQ(map.find_free(4 * page, 8 * page, 16 * page, 1024 * page).value(), 1020 * page);
    EXPECT_EQ(map.find_free(4 * page, 1022 * page, 16 * page, 1024 * page).value(), 1020 * page);
    EXPECT_EQ(map.find_free(4 * page, ~uint64_t{0}, 16 * page, 1024 * page).value(), 1020 * page);
}

TEST_F(RegionMapTest, FindFreeSearchesDownForTheFirstGapThatFits) {
    insert_pages(1020, 1024, anonymous_rw);
    insert_pages(1010, 1018, anonymous_ro); // gap of 2 at 1018
    insert_pages(1000, 1007, anonymous_rw); // gap of 3 at 1007
    EXPECT_EQ(map.find_free(2 * page, 0, 16 * page, 1024 * page).value(), 1018 * page);
    EXPECT_EQ(map.find_free(3 * page, 0, 16 * page, 1024 * page).value(), 1007 * page);
    EXPECT_EQ(map.find_free(4 * page, 0, 16 * page, 1024 * page).value(), 996 * page);
}

TEST_F(RegionMapTest, FindFreeWithARegionAcrossHighest) {
    insert_pages(1000, 1100, anonymous_rw);
    EXPECT_EQ(map.find_free(4 * page, 0, 16 * page, 1024 * page).value(), 996 * page);
}

TEST_F(RegionMapTest, FindFreeRespectsLowestAndReportsNoMemory) {
    insert_pages(20, 1024, anonymous_rw);
    EXPECT_EQ(map.find_free(4 * page, 0, 16 * page, 1024 * page).value(), 16 * page);
    EXPECT_EQ(error_of(map.find_free(5 * page, 0, 16 * page, 1024 * page)), Errno::NoMemory);
    EXPECT_EQ(error_of(map.find_free(4 * page, 0, 17 * page, 1024 * page)), Errno::NoMemory);
    EXPECT_EQ(error_of(map.find_free(2048 * page, 0, 16 * page, 1024 * page)), Errno::NoMemory);
}

TEST_F(RegionMapTest, FindFreeRefusesBadArguments) {
    EXPECT_EQ(error_of(map.find_free(0, 0, 0, 16 * page)), Errno::InvalidArgument);
    EXPECT_EQ(error_of(map.find_free(page + 1, 0, 0, 16 * page)), Errno::InvalidArgument);
    EXPECT_EQ(error_of(map.find_free(page, 0, 1, 16 * page)), Errno::InvalidArgument);
    EXPECT_EQ(error_of(map.find_free(page, 0, 0, 16 * page + 1)), Errno::InvalidArgument);
    EXPECT_EQ(error_of(map.find_free(page, 0, 16 * page, 16 * page)), Errno::InvalidArgument);
}

// ---- clone, clear, destruction ----

TEST_F(RegionMapTest, CloneCopiesEveryRegion) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(20, 30, image_rx);
    insert_pages(40, 50, anonymous_ro);
    RegionMap copy(allocator);
    ASSERT_EQ(error_of(map.clone_into(copy)), no_error);
    EXPECT_EQ(regions_of(copy), regions_of(map));
    EXPECT_TRUE(copy.check_invariants());
    EXPECT_EQ(error_of(map.clone_into(copy)), Errno::InvalidArgument); // not empty
    // The copy is independent.
    ASSERT_EQ(error_of(copy.unmap(0, 100 * page)), no_error);
    EXPECT_EQ(map.count(), 3u);
}

TEST_F(RegionMapTest, CloneThatRunsOutOfMemoryLeavesTheDestinationEmpty) {
    for (uint64_t i = 0; i < 10; ++i)
        insert_pages(2 * i, 2 * i + 1, anonymous_rw);
    for (size_t fail_at = 0; fail_at < 10; ++fail_at) {
        RegionMap copy(allocator);
        allocator.fail_on(fail_at);
        EXPECT_EQ(error_of(map.clone_into(copy)), Errno::NoMemory);
        allocator.stop_failing();
        EXPECT_TRUE(copy.is_empty());
        EXPECT_TRUE(copy.check_invariants());
    }
    EXPECT_EQ(allocator.live_nodes, 10u);
}

TEST_F(RegionMapTest, ClearReportsEveryRegionAndFreesEveryNode) {
    insert_pages(10, 20, anonymous_rw);
    insert_pages(30, 40, anonymous_rw);
    map.clear(record);
    EXPECT_EQ(removed, (Regions{region(10, 20, anonymous_rw), region(30, 40, anonymous_rw)}));
    expect_regions({});
    insert_pages(10, 20, anonymous_rw); // usable again
    expect_regions({region(10, 20, anonymous_rw)});
}

TEST(RegionMap, TheDefaultAllocatorIsTheHeap) {
    RegionMap map;
    ASSERT_EQ(error_of(map.insert(0, page, attributes(read_only))), no_error);
    ASSERT_EQ(error_of(map.map_fixed(0, page, attributes(read_write))), no_error);
    EXPECT_EQ(map.count(), 1u);
}

// ---- allocation failure sweep ----

// A fixed set of starting maps and operations covering every way a change can need nodes; each
// operation is run with the allocator failing at allocation 0, 1, 2... until it no longer fails.
TEST(RegionMapAllocationFailure, EveryFailedAllocationLeavesTheMapUnchanged) {
    using Operation = std::function<ktl::ErrorOr<void>(RegionMap&, Regions&)>;
    auto record_into = [](Regions& removed) { return [&removed](const Region& r) { removed.push_back(r); }; };
    const std::vector<Operation> operations = {
        [](RegionMap& m, Regions&) { return m.insert(50 * page, page, anonymous_rw); },
        [](RegionMap& m, Regions&) { return m.insert(20 * page, 2 * page, anonymous_rw); },
        [](RegionMap& m, Regions&) { return m.insert(20 * page, 2 * page, image_rx); },
        [&](RegionMap& m, Regions& r) { return m.map_fixed(12 * page, 2 * page, image_rx, record_into(r)); },
        [&](RegionMap& m, Regions& r) {
            return m.map_fixed(12 * page, 2 * page, anonymous_rw, record_into(r));
        },
        [&](RegionMap& m, Regions& r) {
            return m.map_fixed(15 * page, 20 * page, anonymous_ro, record_into(r));
        },
        [&](RegionMap& m, Regions& r) { return m.map_fixed(0, 100 * page, anonymous_ro, record_into(r)); },
        [&](RegionMap& m, Regions& r) { return m.unmap(12 * page, 2 * page, record_into(r)); },
        [&](RegionMap& m, Regions& r) { return m.unmap(15 * page, 10 * page, record_into(r)); },
        [](RegionMap& m, Regions&) { return m.protect(12 * page, 2 * page, read_only); },
        [](RegionMap& m, Regions&) { return m.protect(12 * page, 2 * page, read_execute); },
        [](RegionMap& m, Regions&) { return m.protect(15 * page, 7 * page, read_only); },
        [](RegionMap& m, Regions&) { return m.protect(22 * page, 6 * page, read_write); },
    };
    // Regions: [10,20) rw, [20,22) hole, [22,25) ro, [25,30) rw stack, [30,40) image.
    auto build = [](RegionMap& m) {
        MUST(m.insert(10 * page, 10 * page, anonymous_rw));
        MUST(m.insert(22 * page, 3 * page, anonymous_ro));
        MUST(m.insert(25 * page, 5 * page, attributes(read_write, RegionKind::Stack)));
        MUST(m.insert(30 * page, 10 * page, image_rx));
    };

    size_t failures_seen = 0;
    for (size_t index = 0; index < operations.size(); ++index) {
        // The expected outcome, with memory to spare.
        TestNodeAllocator reference_allocator;
        RegionMap reference(reference_allocator);
        build(reference);
        Regions reference_removed;
        auto reference_result = operations[index](reference, reference_removed);

        for (size_t fail_at = 0;; ++fail_at) {
            TestNodeAllocator allocator;
            RegionMap map(allocator);
            build(map);
            const Regions before = regions_of(map);
            Regions removed;
            allocator.fail_on(fail_at);
            auto result = operations[index](map, removed);
            allocator.stop_failing();
            EXPECT_TRUE(map.check_invariants());
            EXPECT_EQ(allocator.live_nodes, map.count());
            if (allocator.failures == 0) {
                EXPECT_EQ(error_of(result), error_of(reference_result)) << "operation " << index;
                EXPECT_EQ(regions_of(map), regions_of(reference)) << "operation " << index;
                EXPECT_EQ(removed, reference_removed) << "operation " << index;
                break;
            }
            ++failures_seen;
            EXPECT_EQ(error_of(result), Errno::NoMemory)
                << "operation " << index << " failing at " << fail_at;
            EXPECT_EQ(regions_of(map), before) << "operation " << index << " failing at " << fail_at;
            EXPECT_TRUE(removed.empty()) << "operation " << index << " failing at " << fail_at;
        }
    }
    EXPECT_GE(failures_seen, 8u); // the sweep did exercise failures
}

} // namespace
