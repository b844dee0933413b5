// A virtio driver module whose start fails half-way (a test case, /lib/modules/tests): its probe takes
// the entropy device all the way (features, a DMA buffer, a queue with MSI-X, DRIVER_OK, a request in
// flight) and then refuses it; its init then fails with the driver and a hardware RNG source still
// registered. The kernel must reset the device, free the queue, the buffer and the vectors, unregister
// the driver and the source (and /dev/hwrng with it), and leave the device to the next driver
// (kernel/tests/virtio_rng_test.cpp).
#include "module/module_api.h"
#include "module/virtio_driver_api.h"

namespace {

constexpr int eio = 5, enxio = 6;
int probes;

int failing_probe(module_virtio_device* device) {
    ++probes;
    module_dma_buffer buffer{};
    module_virtio_queue* queue = nullptr;
    if (module_virtio_negotiate(device, 0) != 0 || module_virtio_dma_allocate(device, 4096, &buffer) != 0 ||
        module_virtio_set_up_queue(device, 0, 8, nullptr, nullptr, &queue) != 0 ||
        module_virtio_start(device) != 0)
        return -eio;
    module_virtio_segment writable{buffer.physical, 64};
    (void)module_virtio_queue_add(queue, nullptr, 0, &writable, 1, &buffer); // left in flight
    return -eio;
}

void failing_remove(module_virtio_device*) {}

long no_bytes(module_hwrng*, void*, size_t) {
    return -eio;
}
module_hwrng source{"failing-virtio", no_bytes, nullptr};

module_virtio_driver driver{"failing-virtio", 4, failing_probe, failing_remove, nullptr};

int failing_init(const char*) {
    int result = module_virtio_register_driver(blog_os_this_module, &driver);
    if (result != 0)
        return result;
    result = module_hwrng_register(blog_os_this_module, &source);
    if (result != 0)
        return result;
    return probes > 0 ? -eio : -enxio; // and leaves both registered for the kernel to drop
}

} // namespace

MODULE_NAME("failing_virtio");
MODULE_DESCRIPTION("a virtio driver whose probe and init fail after setting everything up");
MODULE_LICENSE("MIT");
MODULE_INIT(failing_init);
