// The device-status handshake over a fake transport: the order of the status bits, feature
// negotiation (modern and legacy), queue sizes and vectors, and devices that refuse or misbehave.
#include "fake_device.h"
#include "virtio/device.h"

#include <gtest/gtest.h>

namespace {

using namespace virtio;
using namespace virtio::testing;

TEST(VirtioDevice, NegotiationWalksTheStatusBitsInTheSpecsOrder) {
    FakeTransport transport;
    transport.offered_features = feature::version_1 | feature::ring_event_idx | (1u << 3);
    transport.queue_sizes = {8};
    Device device(transport);
    uint64_t features = device.negotiate(feature::ring_event_idx).value();
    EXPECT_EQ(features, feature::version_1 | feature::ring_event_idx);
    EXPECT_EQ(transport.driver_features, features);
    QueueBlock block(SplitQueueLayout::for_size(8).value().total_bytes);
    SplitQueue queue;
    ASSERT_FALSE(
        queue.initialize(0, device.choose_queue_size(0, 256).value(), block.memory(), true).is_error());
    ASSERT_FALSE(device.enable_queue(queue, 1).is_error());
    ASSERT_FALSE(device.set_config_vector(0).is_error());
    ASSERT_FALSE(device.start().is_error());
    EXPECT_EQ(device.state(), DeviceState::Live);
    using namespace virtio::status;
    EXPECT_EQ(transport.status_writes,
              std::vector<uint8_t>({0, acknowledge, acknowledge | driver, acknowledge | driver | features_ok,
                                    acknowledge | driver | features_ok | driver_ok}));
    EXPECT_TRUE(transport.queues[0].enabled);
    EXPECT_EQ(transport.queues[0].vector, 1);
    EXPECT_EQ(transport.queues[0].addresses.descriptors, physical(block.data()));
    EXPECT_EQ(transport.config_vector, 0);
}

TEST(VirtioDevice, OnlyFeaturesBothSidesHaveAreAccepted) {
    FakeTransport transport;
    transport.offered_features = feature::version_1 | 0b1010;
    Device device(transport);
    EXPECT_EQ(device.negotiate(0b0110).value(), feature::version_1 | 0b0010);
    EXPECT_TRUE(device.has_feature(0b0010));
    EXPECT_FALSE(device.has_feature(0b0100));
}

TEST(VirtioDevice, AMissingRequiredFeatureFailsTheDevice) {
    FakeTransport transport;
    transport.offered_features = feature::version_1;
    Device device(transport);
    EXPECT_EQ(device.negotiate(1, 1).error().code(), ktl::Errno::NotSupported);
    EXPECT_TRUE(transport.status() & status::failed);
    EXPECT_FALSE(transport.status() & status::features_ok);
    EXPECT_EQ(device.state(), DeviceState::Failed);
}

TEST(VirtioDevice, AModernDeviceWithoutVersion1IsRefused) {
    FakeTransport transport;
    transport.offered_features = 0xff;
    Device device(transport);
    EXPECT_EQ(device.negotiate(0xff).error().code(), ktl::Errno::NotSupported);
    EXPECT_TRUE(transport.status() & status::failed);
    EXPECT_FALSE(transport.driver_features_written);
}

TEST(VirtioDevice, ADeviceThatDoesNotKeepFeaturesOkIsFailed) {
    FakeTransport transport;
    transport.keeps_features_ok = false;
    Device device(transport);
    EXPECT_EQ(device.negotiate(0).error().code(), ktl::Errno::NotSupported);
    EXPECT_TRUE(transport.status() & status::failed);
}

TEST(VirtioDevice, LegacyDevicesNegotiate32BitsWithoutFeaturesOk) {
    FakeTransport transport(true);
    transport.offered_features = feature::version_1 | feature::ring_event_idx | 1;
    Device device(transport);
    EXPECT_EQ(device.negotiate(feature::ring_event_idx | feature::version_1).value(),
              feature::ring_event_idx);
    EXPECT_EQ(transport.driver_features, feature::ring_event_idx);
    ASSERT_FALSE(device.start().is_error());
    EXPECT_EQ(transport.status(), status::acknowledge | status::driver | status::driver_ok);
}

TEST(VirtioDevice, AResetThatNeverCompletesTimesOutInsteadOfHanging) {
    FakeTransport transport;
    transport.resets = false;
    Device device(transport);
    EXPECT_EQ(device.negotiate(0).error().code(), ktl::Errno::TimedOut);
    EXPECT_EQ(device.state(), DeviceState::Failed);
}

TEST(VirtioDevice, StepsOutOfOrderAreRefused) {
    FakeTransport transport;
    Device device(transport);
    SplitQueue queue;
    EXPECT_EQ(device.start().error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(device.choose_queue_size(0, 8).error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(device.enable_queue(queue).error().code(), ktl::Errno::InvalidArgument);
    ASSERT_TRUE(device.negotiate(0).has_value());
    ASSERT_FALSE(device.start().is_error());
    EXPECT_EQ(device.enable_queue(queue).error().code(), ktl::Errno::InvalidArgument); // already live
    EXPECT_EQ(device.start().error().code(), ktl::Errno::InvalidArgument);
}

TEST(VirtioDevice, QueueSizesAreCappedAndRoundedToPowersOfTwo) {
    FakeTransport transport;
    transport.queue_sizes = {256, 100, 0};
    Device device(transport);
    ASSERT_TRUE(device.negotiate(0).has_value());
    EXPECT_EQ(device.choose_queue_size(0, 64).value(), 64);
    EXPECT_EQ(device.choose_queue_size(0, 1000).value(), 256);
    EXPECT_EQ(device.choose_queue_size(1, 1000).value(), 64); // 100 is not a power of two
    EXPECT_EQ(device.choose_queue_size(2, 8).error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(device.choose_queue_size(3, 8).error().code(), ktl::Errno::NoEntry);
}

TEST(VirtioDevice, LegacyQueuesKeepTheDevicesSizeAndABadOneIsRefused) {
    FakeTransport transport(true);
    transport.queue_sizes = {128, 100};
    Device device(transport);
    ASSERT_TRUE(device.negotiate(0).has_value());
    EXPECT_EQ(device.choose_queue_size(0, 8).value(), 128);
    EXPECT_EQ(device.choose_queue_size(1, 8).error().code(), ktl::Errno::InvalidArgument);
    // A queue smaller than the legacy device's fixed size cannot be enabled.
    QueueBlock block(SplitQueueLayout::for_size(8).value().total_bytes);
    SplitQueue queue;
    ASSERT_FALSE(queue.initialize(0, 8, block.memory(), false).is_error());
    EXPECT_EQ(device.enable_queue(queue).error().code(), ktl::Errno::InvalidArgument);
}

TEST(VirtioDevice, ARefusedMsixVectorIsAnError) {
    FakeTransport transport;
    transport.accepts_vectors = false;
    Device device(transport);
    ASSERT_TRUE(device.negotiate(0).has_value());
    QueueBlock block(SplitQueueLayout::for_size(8).value().total_bytes);
    SplitQueue queue;
    ASSERT_FALSE(queue.initialize(0, 8, block.memory(), false).is_error());
    EXPECT_EQ(device.enable_queue(queue, 1).error().code(), ktl::Errno::IoError);
    EXPECT_EQ(device.set_config_vector(0).error().code(), ktl::Errno::IoError);
    EXPECT_FALSE(device.enable_queue(queue).is_error()); // without a vector: polled or INTx
}

TEST(VirtioDevice, ConfigReadsRetryWhileTheGenerationChanges) {
    FakeTransport transport;
    transport.config = {1, 2, 3, 4, 5, 6, 7, 8};
    int reads = 0;
    transport.on_config_read = [&] {
        if (++reads < 6)
            ++transport.generation; // changes under the first reads
    };
    Device device(transport);
    uint64_t value = 0;
    ASSERT_FALSE(device.read_config(0, &value, 8).is_error());
    EXPECT_EQ(value, 0x0807060504030201u);
    EXPECT_EQ(device.read_config(4, &value, 8).error().code(), ktl::Errno::OutOfRange);
    transport.on_config_read = [&] { ++transport.generation; }; // never stable
    EXPECT_EQ(device.read_config(0, &value, 4).error().code(), ktl::Errno::IoError);
}

TEST(VirtioDevice, FailSetsTheFailedBitKeepingTheOthers) {
    FakeTransport transport;
    Device device(transport);
    ASSERT_TRUE(device.negotiate(0).has_value());
    device.fail();
    EXPECT_EQ(transport.status(),
              status::acknowledge | status::driver | status::features_ok | status::failed);
}

} // namespace
