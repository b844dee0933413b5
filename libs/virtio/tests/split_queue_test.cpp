// The split virtqueue against a simulated device: layout, chains, the free list, many requests in
// flight completing in any order, 16-bit index wrap-around, notification suppression, and a malicious
// device whose every bad used entry breaks the queue without corrupting anything.
#include "fake_device.h"
#include "virtio/split_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace {

using namespace virtio;
using namespace virtio::testing;

// A queue of `size` entries with its memory and the device's view of it.
struct Rig {
    explicit Rig(uint16_t size, bool event_index = false)
        : block(SplitQueueLayout::for_size(size).value().total_bytes) {
        EXPECT_FALSE(queue.initialize(3, size, block.memory(), event_index).is_error());
        device.addresses = queue.addresses();
        device.enabled = true;
    }
    QueueBlock block;
    SplitQueue queue;
    DeviceQueue device;
    uint8_t counter = 0;
};

ktl::ErrorOr<uint16_t> add_writable(SplitQueue& queue, void* buffer, uint32_t length, void* cookie) {
    BufferSegment segment{physical(buffer), length};
    return queue.add({}, std::span<const BufferSegment>(&segment, 1), cookie);
}

TEST(VirtioSplitQueueLayout, FollowsTheSpecsAlignmentsWithTheUsedRingOnAPageBoundary) {
    auto layout = SplitQueueLayout::for_size(256).value();
    EXPECT_EQ(layout.descriptors, 0u);
    EXPECT_EQ(layout.available, 4096u);
    EXPECT_EQ(layout.used, 8192u); // 4096 + 6 + 512 rounded up
    EXPECT_EQ(layout.total_bytes, 8192u + 6 + 8 * 256);
    auto small = SplitQueueLayout::for_size(8).value();
    EXPECT_EQ(small.available, 128u);
    EXPECT_EQ(small.used, 4096u);
    EXPECT_EQ(small.total_bytes, 4096u + 6 + 64);
    EXPECT_EQ(SplitQueueLayout::for_size(32768).value().available, 32768u * 16);
}

TEST(VirtioSplitQueueLayout, RefusesSizesThatAreNotPowersOfTwo) {
    EXPECT_TRUE(SplitQueueLayout::for_size(0).is_error());
    EXPECT_TRUE(SplitQueueLayout::for_size(3).is_error());
    EXPECT_TRUE(SplitQueueLayout::for_size(65535).is_error());
    EXPECT_TRUE(SplitQueueLayout::for_size(1).has_value());
}

TEST(VirtioSplitQueue, RefusesMemoryThatIsTooSmallOrMisaligned) {
    QueueBlock block(8192);
    SplitQueue queue;
    QueueMemory memory = block.memory();
    memory.bytes = 4096;
    EXPECT_EQ(queue.initialize(0, 8, memory, false).error().code(), ktl::Errno::InvalidArgument);
    memory = block.memory();
    memory.physical_base += 16;
    EXPECT_EQ(queue.initialize(0, 8, memory, false).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_FALSE(queue.initialize(0, 8, block.memory(), false).is_error());
}

TEST(VirtioSplitQueue, OneRequestGoesToTheDeviceAndComesBackWithItsLengthAndCookie) {
    Rig rig(8);
    uint8_t header[4] = {1, 2, 3, 4};
    uint8_t data[16] = {};
    uint8_t status[1] = {};
    BufferSegment readable[] = {{physical(header), sizeof header}};
    BufferSegment writable[] = {{physical(data), sizeof data}, {physical(status), 1}};
    int cookie = 0;
    uint16_t head = rig.queue.add(readable, writable, &cookie).value();
    EXPECT_EQ(rig.queue.free_descriptors(), 5);
    EXPECT_EQ(rig.device.available_index(), 1);
    EXPECT_EQ(rig.device.available_entry(0), head);
    // The chain as the spec lays it out: readable first, NEXT on all but the last, WRITE on writable.
    const Descriptor* table = rig.device.descriptors();
    EXPECT_EQ(table[head].flags, descriptor_flag::next);
    EXPECT_EQ(table[head].address, physical(header));
    uint16_t second = table[head].next;
    EXPECT_EQ(table[second].flags, descriptor_flag::next | descriptor_flag::write);
    EXPECT_EQ(table[second].length, 16u);
    EXPECT_EQ(table[table[second].next].flags, descriptor_flag::write);
    EXPECT_TRUE(rig.queue.needs_notification());

    Completion completion;
    EXPECT_FALSE(rig.queue.take_used(completion).value()); // nothing used yet
    auto done = process(rig.device, 10, &rig.counter);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].readable, std::vector<uint8_t>({1, 2, 3, 4}));
    ASSERT_TRUE(rig.queue.take_used(completion).value());
    EXPECT_EQ(completion.cookie, &cookie);
    EXPECT_EQ(completion.written, 17u);
    EXPECT_EQ(data[15], 15);
    EXPECT_EQ(rig.queue.free_descriptors(), 8);
    EXPECT_EQ(rig.queue.requests_in_flight(), 0);
    EXPECT_FALSE(rig.queue.take_used(completion).value());
}

TEST(VirtioSplitQueue, AFullQueueSaysTryAgainAndEveryDescriptorIsReusedAfterCompletion) {
    Rig rig(4);
    uint8_t buffers[4][8];
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(add_writable(rig.queue, buffers[i], 8, buffers[i]).has_value());
    EXPECT_EQ(add_writable(rig.queue, buffers[0], 8, nullptr).error().code(), ktl::Errno::TryAgain);
    BufferSegment too_long[5] = {};
    EXPECT_EQ(rig.queue.add(too_long, {}, nullptr).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(rig.queue.add({}, {}, nullptr).error().code(), ktl::Errno::InvalidArgument);
    process(rig.device, 4, &rig.counter);
    Completion completion;
    std::set<void*> cookies;
    while (rig.queue.take_used(completion).value())
        cookies.insert(completion.cookie);
    EXPECT_EQ(cookies.size(), 4u);
    // One chain of all four descriptors fits now: the free list holds every one of them.
    BufferSegment four[4] = {{physical(buffers[0]), 8},
                             {physical(buffers[1]), 8},
                             {physical(buffers[2]), 8},
                             {physical(buffers[3]), 8}};
    EXPECT_TRUE(rig.queue.add({}, four, nullptr).has_value());
    EXPECT_EQ(rig.queue.free_descriptors(), 0);
}

TEST(VirtioSplitQueue, ManyRequestsInFlightCompleteInAnyOrder) {
    Rig rig(16);
    uint8_t buffers[16][4];
    std::vector<uint16_t> heads;
    for (int i = 0; i < 16; ++i)
        heads.push_back(add_writable(rig.queue, buffers[i], 4, buffers[i]).value());
    // The device takes them all but completes them backwards, each with a different length.
    auto taken = process(rig.device, 16, &rig.counter, false);
    ASSERT_EQ(taken.size(), 16u);
    for (int i = 15; i >= 0; --i)
        rig.device.push_used(taken[i].head, static_cast<uint32_t>(i % 5));
    for (int i = 15; i >= 0; --i) {
        Completion completion;
        ASSERT_TRUE(rig.queue.take_used(completion).value());
        EXPECT_EQ(completion.cookie, buffers[i]);
        EXPECT_EQ(completion.written, static_cast<uint32_t>(i % 5));
    }
    EXPECT_EQ(rig.queue.free_descriptors(), 16);
}

TEST(VirtioSplitQueue, IndicesWrapAroundSixteenBitsWithoutLosingARequest) {
    Rig rig(4);
    uint8_t buffer[2];
    Completion completion;
    for (uint32_t round = 0; round < 70'000; ++round) {
        ASSERT_TRUE(
            add_writable(rig.queue, buffer, 2, reinterpret_cast<void*>(uintptr_t(round + 1))).has_value());
        if (round % 3 == 2 || round + 1 == 70'000) {
            process(rig.device, 4, &rig.counter);
            while (rig.queue.take_used(completion).value())
                ;
            ASSERT_EQ(rig.queue.requests_in_flight(), 0) << round;
        }
    }
    EXPECT_FALSE(rig.queue.is_broken());
    EXPECT_EQ(rig.device.available_index(), static_cast<uint16_t>(70'000));
    EXPECT_EQ(rig.device.used()[1], static_cast<uint16_t>(70'000));
    EXPECT_EQ(completion.cookie, reinterpret_cast<void*>(uintptr_t(70'000)));
}

TEST(VirtioSplitQueue, NoNotificationWhenTheDeviceSetsNoNotifyOrNothingWasAdded) {
    Rig rig(8);
    uint8_t buffer[4];
    EXPECT_FALSE(rig.queue.needs_notification()); // nothing added
    (void)add_writable(rig.queue, buffer, 4, nullptr);
    rig.device.used()[0] = used_flag_no_notify;
    EXPECT_FALSE(rig.queue.needs_notification());
    rig.device.used()[0] = 0;
    (void)add_writable(rig.queue, buffer, 4, nullptr);
    EXPECT_TRUE(rig.queue.needs_notification());
    EXPECT_FALSE(rig.queue.needs_notification()); // the batch was reported
}

TEST(VirtioSplitQueue, WithEventIndexNotifiesOnlyWhenTheDevicesEventIsCrossed) {
    Rig rig(8, true);
    uint8_t buffer[4];
    // The device wants to hear when entry 2 is made available (avail_event = 2).
    *rig.device.available_event() = 2;
    (void)add_writable(rig.queue, buffer, 4, nullptr); // idx 0 -> 1
    EXPECT_FALSE(rig.queue.needs_notification());
    (void)add_writable(rig.queue, buffer, 4, nullptr); // 1 -> 2
    EXPECT_FALSE(rig.queue.needs_notification());
    (void)add_writable(rig.queue, buffer, 4, nullptr); // 2 -> 3: crosses entry 2
    EXPECT_TRUE(rig.queue.needs_notification());
    // The driver's used_event follows what it has taken, so the device interrupts for the next one.
    process(rig.device, 8, &rig.counter);
    Completion completion;
    while (rig.queue.take_used(completion).value())
        ;
    EXPECT_EQ(rig.device.used_event(), 3);
}

TEST(VirtioSplitQueue, InterruptSuppressionSetsTheFlagAndReportsCompletionsThatRacedIt) {
    Rig rig(8);
    uint8_t buffer[4];
    rig.queue.disable_interrupts();
    EXPECT_EQ(rig.device.available_flags(), avail_flag_no_interrupt);
    (void)add_writable(rig.queue, buffer, 4, nullptr);
    process(rig.device, 1, &rig.counter);
    EXPECT_TRUE(rig.queue.enable_interrupts()); // one arrived while they were off
    EXPECT_EQ(rig.device.available_flags(), 0);
    Completion completion;
    EXPECT_TRUE(rig.queue.take_used(completion).value());
    EXPECT_FALSE(rig.queue.enable_interrupts());
}

// --- A malicious device ---

// A queue with three requests in flight (heads known) for the hostile cases.
struct HostileRig : Rig {
    HostileRig() : Rig(8) {
        for (int i = 0; i < 3; ++i) {
            BufferSegment writable[] = {{physical(buffers[i]), 8}, {physical(buffers[i] + 8), 8}};
            heads.push_back(queue.add({}, writable, buffers[i]).value());
        }
        memset(guard, 0x5a, sizeof guard);
    }
    uint8_t buffers[3][16] = {};
    uint8_t guard[64];
    std::vector<uint16_t> heads;

    void expect_broken(QueueFault fault) {
        Completion completion;
        auto taken = queue.take_used(completion);
        ASSERT_TRUE(taken.is_error());
        EXPECT_EQ(taken.error().code(), ktl::Errno::IoError);
        EXPECT_EQ(queue.fault(), fault) << describe(queue.fault());
        // Broken for good: nothing more is taken or added, and no memory was touched.
        EXPECT_TRUE(queue.take_used(completion).is_error());
        EXPECT_EQ(add_writable(queue, buffers[0], 4, nullptr).error().code(), ktl::Errno::IoError);
        EXPECT_FALSE(queue.needs_notification());
        for (uint8_t byte : guard)
            ASSERT_EQ(byte, 0x5a);
    }
};

TEST(VirtioSplitQueueHostileDevice, UsedIdBeyondTheTableBreaksTheQueue) {
    HostileRig rig;
    rig.device.push_used(8, 0);
    rig.expect_broken(QueueFault::UsedIdOutOfRange);
}

TEST(VirtioSplitQueueHostileDevice, HugeUsedIdBreaksTheQueue) {
    HostileRig rig;
    rig.device.push_used(0xffffffff, 0);
    rig.expect_broken(QueueFault::UsedIdOutOfRange);
}

TEST(VirtioSplitQueueHostileDevice, UsedIdOfAFreeDescriptorBreaksTheQueue) {
    HostileRig rig;
    rig.device.push_used(7, 0); // three chains of two: 0..5 in use, 7 free
    rig.expect_broken(QueueFault::UsedIdNotInFlight);
}

TEST(VirtioSplitQueueHostileDevice, UsedIdInTheMiddleOfAChainBreaksTheQueue) {
    HostileRig rig;
    rig.device.push_used(rig.device.descriptors()[rig.heads[0]].next, 0);
    rig.expect_broken(QueueFault::UsedIdNotInFlight);
}

TEST(VirtioSplitQueueHostileDevice, CompletingTheSameRequestTwiceBreaksTheQueue) {
    HostileRig rig;
    rig.device.push_used(rig.heads[1], 16);
    rig.device.push_used(rig.heads[1], 16);
    Completion completion;
    ASSERT_TRUE(rig.queue.take_used(completion).value());
    EXPECT_EQ(completion.cookie, rig.buffers[1]);
    rig.expect_broken(QueueFault::UsedIdNotInFlight);
}

TEST(VirtioSplitQueueHostileDevice, LengthBeyondTheWritableBuffersBreaksTheQueue) {
    HostileRig rig;
    rig.device.push_used(rig.heads[0], 16); // exactly the writable bytes: fine
    rig.device.push_used(rig.heads[1], 17);
    Completion completion;
    ASSERT_TRUE(rig.queue.take_used(completion).value());
    EXPECT_EQ(completion.written, 16u);
    rig.expect_broken(QueueFault::UsedLengthTooLong);
}

TEST(VirtioSplitQueueHostileDevice, ReadOnlyRequestClaimingWrittenBytesBreaksTheQueue) {
    Rig rig(4);
    uint8_t data[8];
    BufferSegment readable[] = {{physical(data), 8}};
    uint16_t head = rig.queue.add(readable, {}, nullptr).value();
    rig.device.push_used(head, 1);
    Completion completion;
    EXPECT_TRUE(rig.queue.take_used(completion).is_error());
    EXPECT_EQ(rig.queue.fault(), QueueFault::UsedLengthTooLong);
}

TEST(VirtioSplitQueueHostileDevice, UsedIndexJumpingPastTheRequestsInFlightBreaksTheQueue) {
    HostileRig rig;
    rig.device.set_used_index(4); // three in flight
    rig.expect_broken(QueueFault::UsedIndexJump);
}

TEST(VirtioSplitQueueHostileDevice, UsedIndexGoingBackwardsBreaksTheQueue) {
    HostileRig rig;
    rig.device.set_used_index(0xffff); // -1: reads as 65535 new entries
    rig.expect_broken(QueueFault::UsedIndexJump);
}

TEST(VirtioSplitQueueHostileDevice, ScribblingOnTheDescriptorTableCannotCorruptTheFreeList) {
    Rig rig(8);
    uint8_t buffers[4][8];
    std::vector<uint16_t> heads;
    for (int i = 0; i < 4; ++i) {
        BufferSegment writable[] = {{physical(buffers[i]), 4}, {physical(buffers[i] + 4), 4}};
        heads.push_back(rig.queue.add({}, writable, buffers[i]).value());
    }
    // The device makes every descriptor point to itself with NEXT set, and then completes honestly.
    for (uint16_t i = 0; i < 8; ++i) {
        rig.device.descriptors()[i].next = i;
        rig.device.descriptors()[i].flags = descriptor_flag::next | descriptor_flag::write;
    }
    for (uint16_t head : heads)
        rig.device.push_used(head, 8);
    Completion completion;
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(rig.queue.take_used(completion).value());
    EXPECT_EQ(rig.queue.free_descriptors(), 8);
    // Every descriptor is usable again, each exactly once.
    BufferSegment eight[8];
    for (auto& segment : eight)
        segment = {physical(buffers[0]), 1};
    uint16_t head = rig.queue.add({}, eight, nullptr).value();
    std::set<uint16_t> seen{head};
    uint16_t current = head;
    for (int i = 0; i < 7; ++i) {
        current = rig.device.descriptors()[current].next;
        seen.insert(current);
    }
    EXPECT_EQ(seen.size(), 8u);
    EXPECT_FALSE(rig.device.descriptors()[current].flags & descriptor_flag::next);
}

TEST(VirtioSplitQueueHostileDevice, AfterAResetTheDriverReclaimsEveryRequestAndStartsAfresh) {
    HostileRig rig;
    rig.device.push_used(99, 0);
    Completion completion;
    EXPECT_TRUE(rig.queue.take_used(completion).is_error());
    std::set<void*> reclaimed;
    rig.queue.reclaim_after_reset([&](void* cookie) { reclaimed.insert(cookie); });
    EXPECT_EQ(reclaimed, std::set<void*>({rig.buffers[0], rig.buffers[1], rig.buffers[2]}));
    EXPECT_FALSE(rig.queue.is_broken());
    EXPECT_EQ(rig.queue.free_descriptors(), 8);
    EXPECT_EQ(rig.device.used()[1], 0); // rings zeroed for the device's next life
    DeviceQueue fresh;
    fresh.addresses = rig.queue.addresses();
    uint8_t buffer[4];
    (void)add_writable(rig.queue, buffer, 4, buffer);
    process(fresh, 1, &rig.counter);
    ASSERT_TRUE(rig.queue.take_used(completion).value());
    EXPECT_EQ(completion.cookie, buffer);
}

// Random requests against a model, with a device that completes a random subset in random order and,
// once in a while, publishes garbage: the queue either stays consistent with the model or breaks, and
// never hands back a cookie that was not in flight.
TEST(VirtioSplitQueueRandomized, StaysConsistentWithAModelOrBreaksCleanly) {
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        std::mt19937 random(seed);
        uint16_t size = static_cast<uint16_t>(1u << (random() % 7));
        Rig rig(size);
        std::vector<std::vector<uint8_t>> storage(2000);
        std::set<void*> outstanding;
        bool sabotaged = false;
        for (int step = 0; step < 2000 && !rig.queue.is_broken(); ++step) {
            int action = random() % 10;
            if (action < 5) {
                size_t readable = random() % 3, writable = random() % 3;
                if (readable + writable == 0)
                    writable = 1;
                std::vector<BufferSegment> segments;
                storage[step].resize(64);
                for (size_t i = 0; i < readable + writable; ++i) {
                    uint32_t length = 1 + random() % 16;
                    segments.push_back({physical(storage[step].data() + 16 * (i % 4)), length});
                }
                auto head = rig.queue.add(std::span(segments).first(readable),
                                          std::span(segments).subspan(readable), storage[step].data());
                if (head.is_error()) {
                    if (readable + writable > size) {
                        ASSERT_EQ(head.error().code(), ktl::Errno::InvalidArgument);
                    } else {
                        ASSERT_EQ(head.error().code(), ktl::Errno::TryAgain);
                        ASSERT_LT(rig.queue.free_descriptors(), readable + writable);
                    }
                    continue;
                }
                outstanding.insert(storage[step].data());
            } else if (action < 8) {
                // The device takes what is available and completes some of what it holds, any order.
                auto taken = process(rig.device, size, &rig.counter, false);
                std::shuffle(taken.begin(), taken.end(), random);
                for (auto& request : taken)
                    rig.device.push_used(request.head, request.written);
            } else if (action == 8 && random() % 20 == 0) {
                rig.device.push_used(random() % (2 * size), random() % 100);
                sabotaged = true;
            } else {
                Completion completion;
                for (;;) {
                    auto taken = rig.queue.take_used(completion);
                    if (taken.is_error()) {
                        ASSERT_TRUE(sabotaged) << "seed " << seed;
                        break;
                    }
                    if (!taken.value())
                        break;
                    ASSERT_EQ(outstanding.erase(completion.cookie), 1u) << "seed " << seed;
                }
            }
            size_t descriptors_in_use = size - rig.queue.free_descriptors();
            ASSERT_LE(descriptors_in_use, size_t(size));
            ASSERT_EQ(rig.queue.requests_in_flight(), outstanding.size()) << "seed " << seed;
        }
    }
}

} // namespace
