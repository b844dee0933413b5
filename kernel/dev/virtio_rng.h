// The virtio entropy device (virtio-rng, device type 4): one request queue into which the driver puts
// device-writable buffers and the device fills them with random bytes. Its bytes feed the kernel's
// random pool from a background task and are readable raw at /dev/hwrng (10:183, as Linux's misc
// device). A PCI driver of the device model ("virtio-rng" in /sys/bus/pci/drivers), built in for now;
// start() and stop() are what a module's init and exit will call (docs/virtio.md).
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace dev::virtio_rng {

// Registers the driver with the device model, which probes each entropy device (negotiate, set up the
// request queue, go live); the first one bound registers /dev/hwrng and starts the task that feeds
// the pool. stop() unregisters it: every device is removed (reset, memory freed), the task stopped,
// the node gone. No device is not an error. Built in, the driver is registered at boot (PCI_DRIVER),
// so start() finds it registered and does nothing.
ktl::ErrorOr<void> start();
void stop();

// Up to `length` raw bytes from the first live device (one request of at most a page): what
// /dev/hwrng reads. NoDevice without one, IoError when the device misbehaved (it is then disabled).
ktl::ErrorOr<size_t> read(void* buffer, size_t length);

struct Statistics {
    uint32_t devices = 0;
    uint64_t requests = 0;
    uint64_t bytes_from_device = 0;
    uint64_t bytes_credited = 0;   // mixed into the random pool by the feeding task
    uint32_t msix_devices = 0;     // devices whose completions come by MSI-X (the rest are polled)
    uint64_t queue_interrupts = 0; // completion interrupts of the devices bound now
};
Statistics statistics();

} // namespace dev::virtio_rng
