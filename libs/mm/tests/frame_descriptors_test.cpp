// FrameDescriptors: reference counts per frame, their error paths, and counts that stay exact when
// several threads share and drop one frame at once (as CPUs will after fork).
#include "mm/frame_descriptors.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using mm::frame_size;
using mm::FrameDescriptor;
using mm::FrameDescriptors;

struct Table {
    std::vector<FrameDescriptor> storage;
    FrameDescriptors descriptors;
    explicit Table(uint64_t frames) : storage(frames, FrameDescriptor{0xdeadbeef}) {
        descriptors.initialize(storage);
    }
};

TEST(FrameDescriptors, StorageSizeIsOneDescriptorPerFrame) {
    EXPECT_EQ(FrameDescriptors::bytes_for(64 * frame_size), 64 * sizeof(FrameDescriptor));
    EXPECT_EQ(FrameDescriptors::bytes_for(64 * frame_size + 100), 64 * sizeof(FrameDescriptor));
}

TEST(FrameDescriptors, InitializeClearsWhateverTheStorageHeld) {
    Table table(16);
    for (uint64_t frame = 0; frame < 16; ++frame)
        EXPECT_EQ(table.descriptors.references(frame * frame_size), 0u);
}

TEST(FrameDescriptors, AFrameIsFreedWhenItsLastHolderLetsGo) {
    Table table(16);
    uint64_t frame = 3 * frame_size;
    ASSERT_FALSE(table.descriptors.set_allocated(frame).is_error());
    EXPECT_EQ(table.descriptors.references(frame), 1u);
    ASSERT_FALSE(table.descriptors.acquire(frame).is_error());
    ASSERT_FALSE(table.descriptors.acquire(frame).is_error());
    EXPECT_EQ(table.descriptors.references(frame), 3u);
    EXPECT_EQ(table.descriptors.release(frame).value(), 2u);
    EXPECT_EQ(table.descriptors.release(frame).value(), 1u);
    EXPECT_EQ(table.descriptors.release(frame).value(), 0u);
    // A double free is refused and changes nothing.
    EXPECT_TRUE(table.descriptors.release(frame).is_error());
    EXPECT_EQ(table.descriptors.references(frame), 0u);
    // So is a reference to a frame nobody holds.
    EXPECT_TRUE(table.descriptors.acquire(frame).is_error());
    // Neighbours never moved.
    EXPECT_EQ(table.descriptors.references(2 * frame_size), 0u);
    EXPECT_EQ(table.descriptors.references(4 * frame_size), 0u);
}

TEST(FrameDescriptors, ForeignAndUnalignedAddressesAreRefused) {
    Table table(16);
    EXPECT_TRUE(table.descriptors.set_allocated(16 * frame_size).is_error());
    EXPECT_TRUE(table.descriptors.set_allocated(frame_size + 8).is_error());
    EXPECT_TRUE(table.descriptors.acquire(UINT64_MAX & ~(frame_size - 1)).is_error());
    EXPECT_TRUE(table.descriptors.release(100 * frame_size).is_error());
    EXPECT_EQ(table.descriptors.references(100 * frame_size), 0u);
    // A run that would reach past the table is refused as a whole.
    EXPECT_TRUE(table.descriptors.set_allocated(14 * frame_size, 3).is_error());
    EXPECT_EQ(table.descriptors.references(14 * frame_size), 0u);
}

TEST(FrameDescriptors, HandingOutAFrameThatIsStillHeldIsRefused) {
    Table table(16);
    ASSERT_FALSE(table.descriptors.set_allocated(5 * frame_size).is_error());
    EXPECT_TRUE(table.descriptors.set_allocated(4 * frame_size, 3).is_error());
    EXPECT_EQ(table.descriptors.references(4 * frame_size), 0u);
    EXPECT_EQ(table.descriptors.references(5 * frame_size), 1u);
}

TEST(FrameDescriptors, ARunIsFreedWholeOnlyWhenNothingElseHoldsAnyOfIt) {
    Table table(16);
    ASSERT_FALSE(table.descriptors.set_allocated(8 * frame_size, 4).is_error());
    ASSERT_FALSE(table.descriptors.acquire(10 * frame_size).is_error());
    EXPECT_TRUE(table.descriptors.release_run(8 * frame_size, 4).is_error());
    EXPECT_EQ(table.descriptors.references(8 * frame_size), 1u);
    EXPECT_EQ(table.descriptors.release(10 * frame_size).value(), 1u);
    EXPECT_FALSE(table.descriptors.release_run(8 * frame_size, 4).is_error());
    for (uint64_t frame = 8; frame < 12; ++frame)
        EXPECT_EQ(table.descriptors.references(frame * frame_size), 0u);
}

TEST(FrameDescriptors, ConcurrentSharingKeepsTheCountExact) {
    Table table(4);
    uint64_t frame = frame_size;
    ASSERT_FALSE(table.descriptors.set_allocated(frame).is_error());
    constexpr int threads = 4, rounds = 100000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < rounds; ++i) {
                ASSERT_FALSE(table.descriptors.acquire(frame).is_error());
                ASSERT_FALSE(table.descriptors.release(frame).is_error());
            }
        });
    }
    for (std::thread& worker : workers)
        worker.join();
    EXPECT_EQ(table.descriptors.references(frame), 1u);
}

} // namespace
