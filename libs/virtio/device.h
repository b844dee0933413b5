// The device-status handshake (virtio 1.x §3.1) over any Transport: reset, ACKNOWLEDGE, DRIVER,
// feature negotiation, FEATURES_OK (modern only), queue setup, DRIVER_OK; FAILED when the driver gives
// up. Each step checks it comes in order, so a driver cannot skip one. The device's answers are
// hostile input too: a reset that never completes, a modern device without VERSION_1, FEATURES_OK not
// kept, a vector refused, a queue size that is not a power of two all end in an error, never a hang.
#pragma once

#include "ktl/error_or.h"
#include "virtio/split_queue.h"
#include "virtio/transport.h"

#include <cstddef>
#include <cstdint>

namespace virtio {

enum class DeviceState : uint8_t {
    Unknown,    // not touched yet
    Reset,      // status 0 read back
    Negotiated, // features agreed (FEATURES_OK kept on modern devices)
    Live,       // DRIVER_OK set: the device may use its queues
    Failed,     // FAILED set after an error
};

class Device {
public:
    // How many status reads a reset may take before the device counts as stuck.
    static constexpr uint32_t reset_poll_limit = 1'000'000;

    explicit Device(Transport& transport) : m_transport(transport) {}

    Transport& transport() { return m_transport; }
    DeviceState state() const { return m_state; }
    uint64_t features() const { return m_features; }
    bool has_feature(uint64_t bit) const { return (m_features & bit) != 0; }

    // Resets the device and waits (boundedly) for status 0; TimedOut if it never reads 0.
    ktl::ErrorOr<void> reset();

    // From any state: reset, ACKNOWLEDGE, DRIVER, then accept the features both sides have among
    // `wanted` (VERSION_1 is always wanted of a modern device and must be offered: NotSupported
    // otherwise). NotSupported if a bit of `required` is missing, or a modern device does not keep
    // FEATURES_OK; the device is then marked FAILED. Returns the features agreed.
    ktl::ErrorOr<uint64_t> negotiate(uint64_t wanted, uint64_t required = 0);

    // The size to give queue `index`: its maximum, capped at `preferred` (modern devices only; legacy
    // ones fix the size) and rounded down to a power of two. NoEntry if the queue does not exist,
    // InvalidArgument if a legacy device's fixed size is not a power of two.
    ktl::ErrorOr<uint16_t> choose_queue_size(uint16_t index, uint16_t preferred);

    // Hands an initialized queue to the device with an MSI-X vector (or no_msix_vector). Only between
    // negotiate() and start(). IoError if the device refuses the vector.
    ktl::ErrorOr<void> enable_queue(SplitQueue& queue, uint16_t msix_vector = no_msix_vector);
    // The configuration-change vector; same rules.
    ktl::ErrorOr<void> set_config_vector(uint16_t msix_vector);

    // DRIVER_OK. IoError if the device says it needs a reset.
    ktl::ErrorOr<void> start();

    // FAILED: the driver gave up (a broken queue, a refused step). The device may still touch memory
    // until reset() is called.
    void fail();

    // The device flagged an internal error (DEVICE_NEEDS_RESET).
    bool needs_reset();

    // Copies `length` bytes of device configuration from `offset` (one field: a 32-bit field is read
    // with one 32-bit access), retrying while the generation
    // changes under the read (bounded: IoError after 64 tries). OutOfRange past the config's end.
    ktl::ErrorOr<void> read_config(uint32_t offset, void* buffer, size_t length);

private:
    void add_status(uint8_t bits);

    Transport& m_transport;
    DeviceState m_state = DeviceState::Unknown;
    uint64_t m_features = 0;
};

} // namespace virtio
