// FrameAllocator tests: a realistic QEMU memory map with exact counts, every error path of free and
// allocate_contiguous, and corrupt memory maps (unaligned, overlapping, empty, reversed, out of range).
#include "frame_statistics_printer.h"
#include "mm/frame_allocator.h"

#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <vector>

namespace {

using mm::frame_size;
using mm::FrameAllocator;
using mm::FrameStatistics;
using mm::PhysicalRange;

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;

template <typename T>
ktl::Errno error_of(const ktl::ErrorOr<T>& result) {
    EXPECT_TRUE(result.is_error());
    return result.is_error() ? result.error().code() : ktl::Errno::NotPermitted;
}

// An allocator plus the storage it lives in.
struct Allocator {
    std::vector<uint64_t> storage;
    FrameAllocator frames;

    ktl::ErrorOr<void> initialize(uint64_t highest, std::vector<PhysicalRange> usable,
                                  std::vector<PhysicalRange> reserved) {
        storage.assign(FrameAllocator::metadata_bytes_for(highest) / sizeof(uint64_t), 0xdeadbeefdeadbeef);
        return frames.initialize(storage, highest, usable, reserved);
    }
};

// QEMU's map for 512 MiB: low RAM below the EBDA, then RAM from 1 MiB to just below 512 MiB.
constexpr uint64_t qemu_highest = 0x1ffe0000;
const std::vector<PhysicalRange> qemu_usable = {{0x100000, 0x1ffe0000}, {0, 0x9fc00}};
// First MiB, a kernel image whose end is not frame-aligned, a module and the boot information.
const std::vector<PhysicalRange> qemu_reserved = {
    {0, 0x100000}, {0x100000, 0x18a123}, {0x200000, 0x200800}, {0x300010, 0x300020}};
constexpr uint64_t qemu_low_frames = 0x9f;             // 0x9fc00 shrinks to 0x9f000
constexpr uint64_t qemu_high_frames = 0x1ffe0 - 0x100; // [1 MiB, 0x1ffe0000)
constexpr uint64_t qemu_reserved_high = 0x8b + 1 + 1;  // kernel to 0x18b000, module, boot info
constexpr uint64_t qemu_total = qemu_high_frames - qemu_reserved_high;
constexpr uint64_t qemu_reserved_frames = qemu_low_frames + qemu_reserved_high;

// A frame may be handed out only if it lies wholly inside a usable range and touches no reserved byte.
bool may_hand_out(uint64_t address, const std::vector<PhysicalRange>& usable,
                  const std::vector<PhysicalRange>& reserved) {
    bool inside = false;
    for (const PhysicalRange& range : usable)
        inside = inside || (address >= range.base && address + frame_size <= range.end);
    for (const PhysicalRange& range : reserved) {
        if (range.base < address + frame_size && address < range.end)
            return false;
    }
    return inside;
}

class FrameAllocatorQemu : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_FALSE(allocator.initialize(qemu_highest, qemu_usable, qemu_reserved).is_error());
    }
    FrameAllocator& frames() { return allocator.frames; }
    Allocator allocator;
};

TEST(FrameAllocator, MetadataBytes) {
    // 4 GiB: 2^20 frames = 16384 words, summaries 256 + 4 + 1, plus the managed bitmap.
    static_assert(FrameAllocator::metadata_bytes_for(4 * GiB) == (16384 + 256 + 4 + 1 + 16384) * 8);
    EXPECT_EQ(FrameAllocator::metadata_bytes_for(frame_size), 2u * 8);
    EXPECT_EQ(FrameAllocator::metadata_bytes_for(1), 2u * 8); // no whole frame, still one word each
    EXPECT_EQ(FrameAllocator::metadata_bytes_for(64 * frame_size + 1), 2u * 8);
    EXPECT_EQ(FrameAllocator::metadata_bytes_for(65 * frame_size), (2u + 1 + 2) * 8);
    // 64 GiB costs about 4 MiB; the 2^52 limit is computable without overflow.
    EXPECT_LT(FrameAllocator::metadata_bytes_for(64 * GiB), 4 * MiB + 64 * KiB);
    EXPECT_GT(FrameAllocator::metadata_bytes_for(FrameAllocator::max_highest_address), uint64_t(1) << 38);
}

TEST_F(FrameAllocatorQemu, ExactCounts) {
    EXPECT_EQ(frames().statistics(), (FrameStatistics{qemu_total, qemu_total, 0, qemu_reserved_frames}));
    EXPECT_EQ(frames().frame_count(), qemu_highest / frame_size);
    EXPECT_FALSE(frames().is_free(0));
    EXPECT_FALSE(frames().is_free(0x9e000));  // usable but inside the reserved first MiB
    EXPECT_FALSE(frames().is_free(0x18a000)); // the kernel image's partial last frame
    EXPECT_TRUE(frames().is_free(0x18b000));
    EXPECT_FALSE(frames().is_free(0x200000)); // module
    EXPECT_TRUE(frames().is_free(0x201000));
    EXPECT_FALSE(frames().is_free(0x300000)); // boot information, rounded outward
    EXPECT_TRUE(frames().is_free(0x1ffdf000));
    EXPECT_FALSE(frames().is_free(0x1ffe0000)); // past the end
    EXPECT_FALSE(frames().is_free(0x18b001));   // unaligned
}

TEST_F(FrameAllocatorQemu, AllocateEverythingThenExhaustion) {
    std::set<uint64_t> seen;
    uint64_t previous = 0;
    for (uint64_t i = 0; i < qemu_total; ++i) {
        auto frame = frames().allocate();
        ASSERT_FALSE(frame.is_error()) << i;
        uint64_t address = frame.value();
        ASSERT_EQ(address % frame_size, 0u);
        ASSERT_TRUE(may_hand_out(address, qemu_usable, qemu_reserved)) << std::hex << address;
        ASSERT_TRUE(seen.insert(address).second) << std::hex << address;
        ASSERT_FALSE(frames().is_free(address));
        if (i > 0) {
            ASSERT_GT(address, previous); // lowest first
        }
        previous = address;
    }
    EXPECT_EQ(frames().statistics(), (FrameStatistics{qemu_total, 0, qemu_total, qemu_reserved_frames}));
    EXPECT_EQ(error_of(frames().allocate()), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames().allocate_contiguous(1)), ktl::Errno::NoMemory);

    // One frame back makes allocate work again, and it is that frame.
    ASSERT_FALSE(frames().free(0x5000000).is_error());
    EXPECT_EQ(frames().statistics().free_frames, 1u);
    EXPECT_EQ(frames().allocate().value_or(0), 0x5000000u);
    EXPECT_EQ(error_of(frames().allocate()), ktl::Errno::NoMemory);

    // Freeing everything restores the initial statistics.
    for (uint64_t address : seen)
        ASSERT_FALSE(frames().free(address).is_error());
    EXPECT_EQ(frames().statistics(), (FrameStatistics{qemu_total, qemu_total, 0, qemu_reserved_frames}));
}

TEST_F(FrameAllocatorQemu, FreedFramesAreReusedLowestFirst) {
    std::vector<uint64_t> taken;
    for (int i = 0; i < 200; ++i)
        taken.push_back(frames().allocate().value());
    EXPECT_EQ(taken.front(), 0x18b000u); // the first frame after the kernel image
    ASSERT_FALSE(frames().free(taken[150]).is_error());
    ASSERT_FALSE(frames().free(taken[20]).is_error());
    EXPECT_TRUE(frames().is_free(taken[20]));
    EXPECT_EQ(frames().allocate().value(), taken[20]);
    EXPECT_EQ(frames().allocate().value(), taken[150]);
    EXPECT_GT(frames().allocate().value(), taken.back());
    EXPECT_EQ(frames().statistics().used_frames, 201u);
}

TEST_F(FrameAllocatorQemu, InvalidFreesChangeNothing) {
    uint64_t a = frames().allocate().value();
    uint64_t b = frames().allocate().value();
    ASSERT_FALSE(frames().free(a).is_error());
    FrameStatistics before = frames().statistics();

    EXPECT_EQ(error_of(frames().free(a)), ktl::Errno::InvalidArgument);     // double free
    EXPECT_EQ(error_of(frames().free(b + 1)), ktl::Errno::InvalidArgument); // unaligned
    EXPECT_EQ(error_of(frames().free(b + 0x800)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().free(0)), ktl::Errno::InvalidArgument);            // reserved first MiB
    EXPECT_EQ(error_of(frames().free(0x100000)), ktl::Errno::InvalidArgument);     // kernel image
    EXPECT_EQ(error_of(frames().free(0x300000)), ktl::Errno::InvalidArgument);     // boot information
    EXPECT_EQ(error_of(frames().free(0xa0000)), ktl::Errno::InvalidArgument);      // hole
    EXPECT_EQ(error_of(frames().free(0x9f000)), ktl::Errno::InvalidArgument);      // partial usable frame
    EXPECT_EQ(error_of(frames().free(0x10000000)), ktl::Errno::InvalidArgument);   // never allocated
    EXPECT_EQ(error_of(frames().free(qemu_highest)), ktl::Errno::InvalidArgument); // out of range
    EXPECT_EQ(error_of(frames().free(64 * GiB)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().free(UINT64_MAX - 4095)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().free_contiguous(b, 0)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().free_contiguous(b, SIZE_MAX)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().free_contiguous(UINT64_MAX - 4095, 2)), ktl::Errno::InvalidArgument);

    EXPECT_EQ(frames().statistics(), before);
    EXPECT_TRUE(frames().is_free(a));
    EXPECT_FALSE(frames().is_free(b));
    EXPECT_FALSE(frames().is_free(0));
    ASSERT_FALSE(frames().free(b).is_error());
    EXPECT_EQ(frames().statistics().used_frames, 0u);
}

TEST_F(FrameAllocatorQemu, ContiguousWithAlignment) {
    // Take one frame so the lowest free frame (0x18c000) is not 8- or 512-aligned.
    uint64_t single = frames().allocate().value();
    EXPECT_EQ(single, 0x18b000u);
    for (size_t alignment : {size_t(1), size_t(8), size_t(512), size_t(2), size_t(4096)}) {
        for (size_t count : {size_t(1), size_t(3), size_t(8), size_t(600)}) {
            FrameStatistics before = frames().statistics();
            auto run = frames().allocate_contiguous(count, alignment);
            ASSERT_FALSE(run.is_error()) << count << " " << alignment;
            uint64_t base = run.value();
            EXPECT_EQ(base % (alignment * frame_size), 0u) << count << " " << alignment;
            for (size_t i = 0; i < count; ++i) {
                ASSERT_TRUE(may_hand_out(base + i * frame_size, qemu_usable, qemu_reserved));
                ASSERT_FALSE(frames().is_free(base + i * frame_size));
            }
            FrameStatistics after = frames().statistics();
            EXPECT_EQ(after.used_frames, before.used_frames + count);
            EXPECT_EQ(after.free_frames + after.used_frames, after.total_frames);
        }
    }
    // Runs are lowest-first too: the single frame given back is the first run of one.
    ASSERT_FALSE(frames().free(single).is_error());
    EXPECT_EQ(frames().allocate_contiguous(1).value(), single);
}

TEST_F(FrameAllocatorQemu, ContiguousIsLowestFittingRun) {
    // 0x18b000: allocate 16 frames, then free every other one: no run of two there any more.
    std::vector<uint64_t> taken;
    for (int i = 0; i < 16; ++i)
        taken.push_back(frames().allocate().value());
    for (int i = 0; i < 16; i += 2)
        ASSERT_FALSE(frames().free(taken[i]).is_error());
    EXPECT_EQ(frames().allocate_contiguous(2).value(), 0x19b000u);
    EXPECT_EQ(frames().allocate_contiguous(1).value(), 0x18b000u);
    // 2 MiB alignment: the first 2 MiB boundary after the kernel is the module at 0x200000 (reserved).
    EXPECT_EQ(frames().allocate_contiguous(1, 512).value(), 0x400000u);
    EXPECT_EQ(frames().allocate_contiguous(512, 512).value(), 0x600000u);
    // Eight frames at an 8-frame boundary: the first such run clear of the fragmented frames.
    EXPECT_EQ(frames().allocate_contiguous(8, 8).value(), 0x1a0000u);
}

TEST_F(FrameAllocatorQemu, ContiguousBelow) {
    // 1 MiB at 1 MiB alignment ending at or below 0x400000 would start at 0x100000 (kernel), 0x200000
    // (module) or 0x300000 (boot information): no such run.
    EXPECT_EQ(error_of(frames().allocate_contiguous(256, 256, 0x400000)), ktl::Errno::NoMemory);
    EXPECT_EQ(frames().allocate_contiguous(256, 256, 0x500000).value(), 0x400000u);
    // `below` that is not frame-aligned rounds down: the run's end must not pass it.
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, 1, 0x18bfff)), ktl::Errno::NoMemory);
    // A run that ends exactly at `below` is allowed.
    EXPECT_EQ(frames().allocate_contiguous(4, 1, 0x18f000).value(), 0x18b000u);
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, 1, 0x18f000)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, 1, 0)), ktl::Errno::NoMemory);
    // 32-bit DMA style: the run ends at or below 4 GiB, trivially true here.
    uint64_t dma = frames().allocate_contiguous(16, 16, 4 * GiB).value();
    EXPECT_LE(dma + 16 * frame_size, 4 * GiB);
    FrameStatistics before = frames().statistics();
    EXPECT_EQ(error_of(frames().allocate_contiguous(qemu_total, 1)), ktl::Errno::NoMemory);
    EXPECT_EQ(frames().statistics(), before);
}

TEST_F(FrameAllocatorQemu, ContiguousBadArguments) {
    FrameStatistics before = frames().statistics();
    EXPECT_EQ(error_of(frames().allocate_contiguous(0)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, 0)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, 3)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, 24)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().allocate_contiguous(SIZE_MAX)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames().allocate_contiguous(qemu_total + 1)), ktl::Errno::NoMemory);
    // An alignment beyond all memory leaves only frame 0, which is reserved.
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, size_t(1) << 40)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames().allocate_contiguous(1, size_t(1) << 63)), ktl::Errno::NoMemory);
    EXPECT_EQ(frames().statistics(), before);
}

TEST_F(FrameAllocatorQemu, FreeContiguousChecksEveryFrameFirst) {
    uint64_t run = frames().allocate_contiguous(8).value();
    FrameStatistics before = frames().statistics();
    // One frame past the run is free: nothing may be freed.
    EXPECT_EQ(error_of(frames().free_contiguous(run, 9)), ktl::Errno::InvalidArgument);
    // Starting in the reserved kernel image just below it.
    EXPECT_EQ(error_of(frames().free_contiguous(run - frame_size, 9)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames().free_contiguous(run + 1, 2)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(frames().statistics(), before);
    for (int i = 0; i < 8; ++i)
        EXPECT_FALSE(frames().is_free(run + i * frame_size));

    // Part of a run may be freed, and single frames may be freed together.
    ASSERT_FALSE(frames().free_contiguous(run + 2 * frame_size, 3).is_error());
    EXPECT_EQ(frames().statistics().used_frames, 5u);
    EXPECT_EQ(error_of(frames().free_contiguous(run, 8)), ktl::Errno::InvalidArgument); // hole in the middle
    ASSERT_FALSE(frames().free_contiguous(run, 2).is_error());
    ASSERT_FALSE(frames().free_contiguous(run + 5 * frame_size, 3).is_error());
    EXPECT_EQ(frames().statistics().used_frames, 0u);

    uint64_t a = frames().allocate().value();
    uint64_t b = frames().allocate().value();
    ASSERT_EQ(b, a + frame_size);
    ASSERT_FALSE(frames().free_contiguous(a, 2).is_error());
    EXPECT_EQ(frames().statistics(), (FrameStatistics{qemu_total, qemu_total, 0, qemu_reserved_frames}));
}

TEST(FrameAllocator, ContiguousNeverCrossesAHole) {
    Allocator allocator;
    // Two runs of RAM, 8 and 7 frames, with a one-frame hole between, plus a reserved frame splitting a
    // third range; adjacent usable ranges do join.
    ASSERT_FALSE(allocator
                     .initialize(16 * MiB,
                                 {{0x100000, 0x108000},
                                  {0x109000, 0x110000},
                                  {0x200000, 0x208000},
                                  {0x300000, 0x304000},
                                  {0x304000, 0x308000}},
                                 {{0x204000, 0x205000}})
                     .is_error());
    FrameAllocator& frames = allocator.frames;
    EXPECT_EQ(frames.statistics(), (FrameStatistics{30, 30, 0, 1}));
    EXPECT_EQ(error_of(frames.allocate_contiguous(9)), ktl::Errno::NoMemory);
    EXPECT_EQ(frames.allocate_contiguous(8).value(), 0x100000u);
    EXPECT_EQ(frames.allocate_contiguous(8).value(), 0x300000u); // joined ranges
    EXPECT_EQ(frames.allocate_contiguous(5).value(), 0x109000u);
    EXPECT_EQ(frames.allocate_contiguous(4).value(), 0x200000u);
    EXPECT_EQ(error_of(frames.allocate_contiguous(4)), ktl::Errno::NoMemory); // 2 and 3 left, apart
    EXPECT_EQ(frames.allocate_contiguous(3).value(), 0x205000u);
    EXPECT_EQ(frames.allocate_contiguous(2).value(), 0x10e000u);
    EXPECT_EQ(frames.statistics(), (FrameStatistics{30, 0, 30, 1}));
}

TEST(FrameAllocator, UninitializedHasNothing) {
    FrameAllocator frames;
    EXPECT_EQ(frames.statistics(), (FrameStatistics{0, 0, 0, 0}));
    EXPECT_EQ(error_of(frames.allocate()), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames.allocate_contiguous(1)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames.free(0)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames.free(0x1000)), ktl::Errno::InvalidArgument);
    EXPECT_FALSE(frames.is_free(0));
}

TEST(FrameAllocator, BadInitializeArguments) {
    std::vector<uint64_t> storage(FrameAllocator::metadata_bytes_for(16 * MiB) / 8);
    std::vector<PhysicalRange> usable = {{0, 16 * MiB}};
    FrameAllocator frames;
    EXPECT_EQ(error_of(frames.initialize(storage, 0, usable, {})), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames.initialize(storage, (uint64_t(1) << 52) + frame_size, usable, {})),
              ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames.initialize(storage, UINT64_MAX, usable, {})), ktl::Errno::InvalidArgument);
    // One word short.
    std::span<uint64_t> short_storage(storage.data(), storage.size() - 1);
    EXPECT_EQ(error_of(frames.initialize(short_storage, 16 * MiB, usable, {})), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(frames.initialize({}, 16 * MiB, usable, {})), ktl::Errno::InvalidArgument);
    EXPECT_EQ(frames.statistics().total_frames, 0u);

    // A failed initialize leaves a working allocator as it was.
    ASSERT_FALSE(frames.initialize(storage, 16 * MiB, usable, {}).is_error());
    uint64_t frame = frames.allocate().value();
    EXPECT_EQ(error_of(frames.initialize(short_storage, 16 * MiB, usable, {})), ktl::Errno::InvalidArgument);
    EXPECT_EQ(frames.statistics(), (FrameStatistics{4096, 4095, 1, 0}));
    EXPECT_FALSE(frames.free(frame).is_error());

    // Larger storage than needed is fine, and re-initializing starts over.
    std::vector<uint64_t> big(storage.size() * 4, ~uint64_t(0));
    std::vector<PhysicalRange> first_mib = {{0, MiB}};
    ASSERT_FALSE(frames.initialize(big, 16 * MiB, usable, first_mib).is_error());
    EXPECT_EQ(frames.statistics(), (FrameStatistics{3840, 3840, 0, 256}));
}

TEST(FrameAllocator, UnalignedUsableShrinksInward) {
    Allocator allocator;
    ASSERT_FALSE(
        allocator.initialize(MiB, {{0x1001, 0x5fff}, {0x8000, 0x8fff}, {0x10800, 0x11800}}, {}).is_error());
    // [0x1001, 0x5fff) → frames 2, 3, 4; the other two contain no whole frame.
    EXPECT_EQ(allocator.frames.statistics(), (FrameStatistics{3, 3, 0, 0}));
    EXPECT_EQ(allocator.frames.allocate().value(), 0x2000u);
    EXPECT_EQ(allocator.frames.allocate().value(), 0x3000u);
    EXPECT_EQ(allocator.frames.allocate().value(), 0x4000u);
    EXPECT_EQ(error_of(allocator.frames.allocate()), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(allocator.frames.free(0x1000)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.frames.free(0x5000)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.frames.free(0x8000)), ktl::Errno::InvalidArgument);
}

TEST(FrameAllocator, OverlappingUsableCountsOnce) {
    Allocator allocator;
    ASSERT_FALSE(allocator
                     .initialize(MiB, {{0x8000, 0x18000}, {0, 0x10000}, {0x8000, 0x18000}, {0x4000, 0x6000}},
                                 {{0x2000, 0x3000}, {0x2800, 0x4000}, {0x17000, 0x20000}})
                     .is_error());
    // Usable frames 0..0x17 (24), reserved 2, 3 and 0x17 (3 of them usable).
    EXPECT_EQ(allocator.frames.statistics(), (FrameStatistics{21, 21, 0, 3}));
}

TEST(FrameAllocator, EmptyAndReversedRangesAreIgnored) {
    Allocator allocator;
    ASSERT_FALSE(allocator
                     .initialize(MiB, {{0x5000, 0x5000}, {0x9000, 0x1000}, {0x10000, 0x14000}},
                                 {{0x12000, 0x12000}, {0x13000, 0x11000}, {UINT64_MAX, 0}})
                     .is_error());
    EXPECT_EQ(allocator.frames.statistics(), (FrameStatistics{4, 4, 0, 0}));
    EXPECT_FALSE(allocator.frames.is_free(0x5000));
    EXPECT_TRUE(allocator.frames.is_free(0x12000));
}

TEST(FrameAllocator, UsableBeyondHighestIsClipped) {
    Allocator allocator;
    ASSERT_FALSE(allocator
                     .initialize(0x10000,
                                 {{0x8000, 0x100000},
                                  {0x20000, 0x30000},
                                  {UINT64_MAX - 0x2000, UINT64_MAX},
                                  {0xfffffffffffff000, 0xffffffffffffffff}},
                                 {{0xc000, UINT64_MAX}})
                     .is_error());
    // Frames 8..15 usable; 12..15 reserved by a range running to the end of the address space.
    EXPECT_EQ(allocator.frames.statistics(), (FrameStatistics{4, 4, 0, 4}));
    EXPECT_EQ(error_of(allocator.frames.free(0x10000)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.frames.free(0x20000)), ktl::Errno::InvalidArgument);
}

TEST(FrameAllocator, HighestNotFrameAligned) {
    Allocator allocator;
    // Only whole frames below highest_address are managed: 16, not 17.
    ASSERT_FALSE(allocator.initialize(0x10800, {{0, 0x20000}}, {}).is_error());
    EXPECT_EQ(allocator.frames.frame_count(), 16u);
    EXPECT_EQ(allocator.frames.statistics(), (FrameStatistics{16, 16, 0, 0}));
    EXPECT_FALSE(allocator.frames.is_free(0x10000));
    EXPECT_EQ(error_of(allocator.frames.free(0x10000)), ktl::Errno::InvalidArgument);
    EXPECT_EQ(error_of(allocator.frames.allocate_contiguous(17)), ktl::Errno::NoMemory);
    EXPECT_EQ(allocator.frames.allocate_contiguous(16).value(), 0u);

    // Below one frame there is nothing at all, but that is not an error.
    ASSERT_FALSE(allocator.initialize(0x800, {{0, 0x20000}}, {}).is_error());
    EXPECT_EQ(allocator.frames.statistics(), (FrameStatistics{0, 0, 0, 0}));
    EXPECT_EQ(error_of(allocator.frames.allocate()), ktl::Errno::NoMemory);
}

TEST(FrameAllocator, ReservedEverywhere) {
    Allocator allocator;
    ASSERT_FALSE(allocator
                     .initialize(64 * MiB, {{0, 0x9fc00}, {MiB, 64 * MiB}},
                                 {{0, 32 * MiB}, {16 * MiB, 64 * MiB}, {MiB, 2 * MiB}, {0, UINT64_MAX}})
                     .is_error());
    FrameAllocator& frames = allocator.frames;
    EXPECT_EQ(frames.statistics(), (FrameStatistics{0, 0, 0, 0x9f + (63 * MiB) / frame_size}));
    EXPECT_EQ(error_of(frames.allocate()), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames.allocate_contiguous(1)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames.free(MiB)), ktl::Errno::InvalidArgument);
}

TEST(FrameAllocator, ReservedRoundsOutward) {
    Allocator allocator;
    ASSERT_FALSE(allocator.initialize(MiB, {{0, MiB}}, {{0x2fff, 0x3001}, {0x10001, 0x10002}}).is_error());
    EXPECT_EQ(allocator.frames.statistics(), (FrameStatistics{253, 253, 0, 3}));
    EXPECT_FALSE(allocator.frames.is_free(0x2000));
    EXPECT_FALSE(allocator.frames.is_free(0x3000));
    EXPECT_TRUE(allocator.frames.is_free(0x4000));
    EXPECT_FALSE(allocator.frames.is_free(0x10000));
}

TEST(FrameAllocator, SixtyFourGiBSparse) {
    // 64 GiB of address space (5 bitmap levels) with RAM only low and at 60 GiB: allocation jumps the
    // gap through the summary levels.
    Allocator allocator;
    ASSERT_FALSE(
        allocator.initialize(64 * GiB, {{MiB, 2 * MiB}, {60 * GiB, 60 * GiB + 4 * MiB}}, {}).is_error());
    FrameAllocator& frames = allocator.frames;
    EXPECT_EQ(frames.statistics(), (FrameStatistics{1280, 1280, 0, 0}));
    for (uint64_t i = 0; i < 256; ++i)
        ASSERT_EQ(frames.allocate().value(), MiB + i * frame_size);
    EXPECT_EQ(frames.allocate().value(), 60 * GiB);
    EXPECT_EQ(frames.allocate_contiguous(512, 512).value(), 60 * GiB + 2 * MiB);
    EXPECT_EQ(error_of(frames.allocate_contiguous(512, 512)), ktl::Errno::NoMemory);
    EXPECT_EQ(error_of(frames.allocate_contiguous(1, 1, 60 * GiB)), ktl::Errno::NoMemory);
    ASSERT_FALSE(frames.free(MiB + 77 * frame_size).is_error());
    EXPECT_EQ(frames.allocate().value(), MiB + 77 * frame_size);
    EXPECT_EQ(frames.allocate().value(), 60 * GiB + frame_size);
}

TEST(FrameAllocator, SixtyFourGiBDense) {
    // All of 64 GiB usable: take and return 100,000 frames, and a 1 GiB-aligned run near the top.
    Allocator allocator;
    ASSERT_FALSE(allocator.initialize(64 * GiB, {{0, 64 * GiB}}, {{0, MiB}}).is_error());
    FrameAllocator& frames = allocator.frames;
    uint64_t total = 64 * GiB / frame_size - 256;
    EXPECT_EQ(frames.statistics(), (FrameStatistics{total, total, 0, 256}));
    for (uint64_t i = 0; i < 100000; ++i)
        ASSERT_EQ(frames.allocate().value(), MiB + i * frame_size);
    uint64_t huge = frames.allocate_contiguous(GiB / frame_size, GiB / frame_size).value();
    EXPECT_EQ(huge, GiB);
    ASSERT_FALSE(frames.free_contiguous(MiB, 100000).is_error());
    ASSERT_FALSE(frames.free_contiguous(huge, GiB / frame_size).is_error());
    EXPECT_EQ(frames.statistics(), (FrameStatistics{total, total, 0, 256}));
    uint64_t last = frames.allocate_contiguous(1, 1, 64 * GiB).value();
    EXPECT_EQ(last, MiB);
}

} // namespace

// The initrd's frames come back once it is unpacked: only whole frames, only ones that were not
// managed, and the statistics move from reserved to free.
TEST_F(FrameAllocatorQemu, ReleasedReservedFramesBecomeFreeOnce) {
    // The module at [0x200000, 0x200800) is one reserved frame.
    EXPECT_EQ(frames().release_reserved({0x200000, 0x200800}), 0u); // no whole frame inside
    EXPECT_EQ(frames().release_reserved({0x200000, 0x201000}), 1u);
    EXPECT_TRUE(frames().is_free(0x200000));
    EXPECT_EQ(frames().statistics(),
              (FrameStatistics{qemu_total + 1, qemu_total + 1, 0, qemu_reserved_frames - 1}));
    // Releasing again, or releasing frames already managed (free or allocated), changes nothing.
    EXPECT_EQ(frames().release_reserved({0x200000, 0x202000}), 0u);
    uint64_t allocated = frames().allocate().value();
    EXPECT_EQ(frames().release_reserved({allocated, allocated + frame_size}), 0u);
    EXPECT_FALSE(frames().is_free(allocated));
    EXPECT_TRUE(frames().free(0x200000).is_error());                    // already free: freeing it is refused
    EXPECT_EQ(frames().release_reserved({0x1ffe0000, 0x20000000}), 0u); // beyond the managed range
}
