// What a virtio driver needs from its transport, whatever carries it: the modern PCI register blocks
// found through vendor capabilities, the legacy I/O-port block, or a test's fake. The device-status
// handshake (device.h) and the queues (split_queue.h) are written once over this.
#pragma once

#include "ktl/error_or.h"

#include <cstdint>

namespace virtio {

// Where a queue lives, in the device's (physical) address space.
struct QueueAddresses {
    uint16_t size = 0;
    uint64_t descriptors = 0; // the descriptor table
    uint64_t driver_area = 0; // the available ring
    uint64_t device_area = 0; // the used ring
};

class Transport {
public:
    virtual ~Transport() = default;

    // A legacy (pre-1.0) interface: 32 feature bits, no FEATURES_OK step, queues of the size the
    // device fixes, handed over as one page-aligned block whose used ring starts on a page boundary.
    virtual bool is_legacy() const = 0;

    virtual uint8_t read_status() = 0;
    virtual void write_status(uint8_t status) = 0;
    virtual uint64_t read_device_features() = 0;
    virtual void write_driver_features(uint64_t features) = 0;

    // Modern devices say how many queues they have; legacy ones do not, so this is an upper bound and
    // a queue whose maximum size reads 0 does not exist.
    virtual uint16_t queue_count() = 0;
    virtual uint16_t queue_max_size(uint16_t index) = 0;
    // Gives queue `index` to the device and enables it. Legacy transports refuse addresses the legacy
    // layout cannot express (InvalidArgument).
    virtual ktl::ErrorOr<void> enable_queue(uint16_t index, const QueueAddresses& addresses) = 0;
    virtual void notify(uint16_t index) = 0;
    // Reading it acknowledges the interrupt (INTx); bits in `virtio::isr`.
    virtual uint8_t read_isr() = 0;

    // MSI-X vectors; each returns what the device reads back (no_msix_vector when it refused). Queue
    // vectors are set before the queue is enabled.
    virtual uint16_t set_config_vector(uint16_t vector) = 0;
    virtual uint16_t set_queue_vector(uint16_t index, uint16_t vector) = 0;
    // The function's MSI-X was turned on or off: the legacy register block grows the two vector
    // registers and its device configuration moves from 0x14 to 0x18. Modern transports need nothing.
    virtual void set_msix_enabled(bool) {}

    // The device-specific configuration. Multi-byte fields may change under the reader: the generation
    // (modern only; legacy reads 0) tells a torn read apart.
    virtual uint32_t device_config_size() = 0;
    virtual uint8_t read_config_generation() = 0;
    virtual uint8_t read_device_config8(uint32_t offset) = 0;
    virtual uint16_t read_device_config16(uint32_t offset) = 0;
    virtual uint32_t read_device_config32(uint32_t offset) = 0;
    virtual void write_device_config8(uint32_t offset, uint8_t value) = 0;
    virtual void write_device_config16(uint32_t offset, uint16_t value) = 0;
    virtual void write_device_config32(uint32_t offset, uint32_t value) = 0;
};

} // namespace virtio
