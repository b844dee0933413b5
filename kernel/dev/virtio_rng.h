// The virtio entropy device (virtio-rng, device type 4): one request queue into which the driver puts
// device-writable buffers and the device fills them with random bytes. Its bytes feed the kernel's
// random pool from a background task and are readable raw at /dev/hwrng (10:183, as Linux's misc
// device). Built in for now; the entry points are kept apart for the module loader (docs/virtio.md).
#pragma once

#include "ktl/error_or.h"
#include "pci/function.h"

#include <cstddef>
#include <cstdint>

namespace dev::virtio_rng {

// The driver: start() probes every entropy device the PCI scan found, registers /dev/hwrng when one
// answered and starts the task that feeds the pool; stop() undoes all of it (devices reset, memory
// freed). No device is not an error: start() then does nothing and says so at debug level.
ktl::ErrorOr<void> start();
void stop();

// One PCI function: negotiate, set up the request queue, go live. NoDevice if it is not an entropy
// device; the error that stopped it otherwise (the device is then left reset).
ktl::ErrorOr<void> probe(const ::pci::Function& function);
void remove(::pci::Address address);

// Up to `length` raw bytes from the first live device (one request of at most a page): what
// /dev/hwrng reads. NoDevice without one, IoError when the device misbehaved (it is then disabled).
ktl::ErrorOr<size_t> read(void* buffer, size_t length);

struct Statistics {
    uint32_t devices = 0;
    uint64_t requests = 0;
    uint64_t bytes_from_device = 0;
    uint64_t bytes_credited = 0; // mixed into the random pool by the feeding task
};
Statistics statistics();

} // namespace dev::virtio_rng
