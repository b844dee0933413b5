// Numbers from the virtio 1.x specification (OASIS): device status bits, feature bits, the split
// virtqueue's layout in memory, and the PCI transport's identifiers and register maps (modern and
// legacy). Everything the device sees has its size and offsets asserted here.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace virtio {

static_assert(std::endian::native == std::endian::little, "virtio 1.x structures are little-endian");

// Device status (§2.1). The driver sets the bits in this order; 0 resets the device.
namespace status {
constexpr uint8_t acknowledge = 1;         // the guest noticed the device
constexpr uint8_t driver = 2;              // and has a driver for it
constexpr uint8_t driver_ok = 4;           // the driver is ready: the device may use its queues
constexpr uint8_t features_ok = 8;         // feature negotiation is over (virtio 1.x only)
constexpr uint8_t device_needs_reset = 64; // the device hit an error it cannot recover from
constexpr uint8_t failed = 128;            // the driver gave up on the device
} // namespace status

// Feature bits every device type shares (§6); device-specific ones are bits 0..23.
namespace feature {
constexpr uint64_t notify_on_empty = 1ull << 24; // legacy only
constexpr uint64_t any_layout = 1ull << 27;      // legacy only
constexpr uint64_t ring_indirect_desc = 1ull << 28;
constexpr uint64_t ring_event_idx = 1ull << 29;
constexpr uint64_t version_1 = 1ull << 32;
constexpr uint64_t access_platform = 1ull << 33;
constexpr uint64_t ring_packed = 1ull << 34;
} // namespace feature

// Device types (§5): the modern PCI device id is 0x1040 + type.
namespace device_type {
constexpr uint16_t network = 1;
constexpr uint16_t block = 2;
constexpr uint16_t console = 3;
constexpr uint16_t entropy = 4;
} // namespace device_type

// The split virtqueue (§2.7). Descriptors are 16-byte aligned, the available ring 2, the used ring 4;
// legacy devices want the used ring on the next 4096-byte boundary after the available ring.
struct Descriptor {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Descriptor) == 16);
static_assert(offsetof(Descriptor, length) == 8 && offsetof(Descriptor, flags) == 12 &&
              offsetof(Descriptor, next) == 14);

namespace descriptor_flag {
constexpr uint16_t next = 1;     // the chain continues at `next`
constexpr uint16_t write = 2;    // the device writes this buffer (otherwise it reads it)
constexpr uint16_t indirect = 4; // the buffer is a table of descriptors (not used here)
} // namespace descriptor_flag

// Available ring: flags, idx, ring[size], used_event (with ring_event_idx).
constexpr uint16_t avail_flag_no_interrupt = 1;
// Used ring: flags, idx, {id, len}[size], avail_event (with ring_event_idx).
constexpr uint16_t used_flag_no_notify = 1;

struct UsedElement {
    uint32_t id;     // the head of the chain the device is done with
    uint32_t length; // bytes the device wrote into the chain's writable buffers
};
static_assert(sizeof(UsedElement) == 8);

// Split queues hold a power of two of descriptors, at most 32768.
constexpr uint16_t max_queue_size = 32768;
constexpr size_t legacy_queue_alignment = 4096;

// --- PCI transport (§4.1) ---
namespace pci_id {
constexpr uint16_t vendor = 0x1af4;
constexpr uint16_t first_transitional = 0x1000; // 0x1000..0x103f: transitional, type in the subsystem id
constexpr uint16_t last_transitional = 0x103f;
constexpr uint16_t first_modern = 0x1040; // 0x1040 + type
constexpr uint16_t last_modern = 0x107f;
constexpr uint16_t transitional_entropy = 0x1005;
} // namespace pci_id

// The vendor-specific capability (id 0x09) that locates one register block in a BAR.
namespace pci_cfg_type {
constexpr uint8_t common = 1;
constexpr uint8_t notify = 2;
constexpr uint8_t isr = 3;
constexpr uint8_t device = 4;
constexpr uint8_t pci_cfg = 5;
} // namespace pci_cfg_type

// Byte offsets inside struct virtio_pci_cap; the notify capability adds its multiplier at 16.
namespace pci_cap {
constexpr uint8_t length = 2;
constexpr uint8_t cfg_type = 3;
constexpr uint8_t bar = 4;
constexpr uint8_t id = 5;
constexpr uint8_t offset = 8;
constexpr uint8_t size = 12;
constexpr uint8_t notify_off_multiplier = 16;
constexpr uint8_t minimum_length = 16;
constexpr uint8_t notify_minimum_length = 20;
} // namespace pci_cap

// The modern common configuration structure (struct virtio_pci_common_cfg).
namespace common_cfg {
constexpr uint16_t device_feature_select = 0x00;
constexpr uint16_t device_feature = 0x04;
constexpr uint16_t driver_feature_select = 0x08;
constexpr uint16_t driver_feature = 0x0c;
constexpr uint16_t config_msix_vector = 0x10;
constexpr uint16_t num_queues = 0x12;
constexpr uint16_t device_status = 0x14;
constexpr uint16_t config_generation = 0x15;
constexpr uint16_t queue_select = 0x16;
constexpr uint16_t queue_size = 0x18;
constexpr uint16_t queue_msix_vector = 0x1a;
constexpr uint16_t queue_enable = 0x1c;
constexpr uint16_t queue_notify_off = 0x1e;
constexpr uint16_t queue_desc = 0x20;
constexpr uint16_t queue_driver = 0x28;
constexpr uint16_t queue_device = 0x30;
constexpr uint16_t size = 0x38;
} // namespace common_cfg

// The legacy register block at the start of I/O BAR 0.
namespace legacy_io {
constexpr uint16_t device_features = 0x00;
constexpr uint16_t driver_features = 0x04;
constexpr uint16_t queue_address = 0x08; // page frame number (address / 4096) of the queue
constexpr uint16_t queue_size = 0x0c;
constexpr uint16_t queue_select = 0x0e;
constexpr uint16_t queue_notify = 0x10;
constexpr uint16_t device_status = 0x12;
constexpr uint16_t isr_status = 0x13;
constexpr uint16_t config_msix_vector = 0x14; // only while MSI-X is enabled
constexpr uint16_t queue_msix_vector = 0x16;  // only while MSI-X is enabled
constexpr uint16_t device_config = 0x14;      // 0x18 while MSI-X is enabled
constexpr uint16_t device_config_with_msix = 0x18;
constexpr uint16_t size = 0x14; // the registers before the device configuration
} // namespace legacy_io

// ISR status bits (read to acknowledge an INTx interrupt).
namespace isr {
constexpr uint8_t queue = 1;
constexpr uint8_t config_change = 2;
} // namespace isr

// Written to an MSI-X vector register for "no vector"; read back when the device refused a vector.
constexpr uint16_t no_msix_vector = 0xffff;

} // namespace virtio
