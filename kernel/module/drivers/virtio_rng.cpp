// The virtio entropy device (virtio-rng, device type 4) as a loadable module: one request queue into
// which the driver puts a device-writable page that the device fills with random bytes. Each device is
// a source of the kernel's hardware RNG core, which serves /dev/hwrng and feeds the random pool. Built
// only on the driver API (module/virtio_driver_api.h): the kernel owns the transport, MSI-X and DMA
// memory, and takes them back when a device goes. Completions arrive by MSI-X (polled without it).
#include "module/module_api.h"
#include "module/virtio_driver_api.h"

namespace {

constexpr uint32_t entropy_device = 4;
constexpr size_t request_bytes = 4096;
constexpr uint64_t request_timeout_ns = 2'000'000'000;
constexpr int einval = 22, eio = 5, enomem = 12, etimedout = 110;

struct Rng {
    module_hwrng hwrng; // first: read() gets it back as the Rng
    module_virtio_device* device;
    module_virtio_queue* queue;
    module_dma_buffer buffer;
};

// One request of at most a page; the hwrng core calls it one at a time.
long rng_read(module_hwrng* source, void* out, size_t length) {
    auto* rng = reinterpret_cast<Rng*>(source);
    if (length > rng->buffer.size)
        length = rng->buffer.size;
    if (length == 0)
        return 0;
    module_virtio_segment writable{rng->buffer.physical, static_cast<uint32_t>(length)};
    int added = module_virtio_queue_add(rng->queue, nullptr, 0, &writable, 1, rng);
    if (added < 0)
        return added;
    int waited = module_virtio_queue_wait(rng->queue, request_timeout_ns);
    if (waited == 0) {
        module_error("%s: no answer within %u ms: disabled", module_virtio_name(rng->device),
                     unsigned(request_timeout_ns / 1'000'000));
        module_virtio_fail(rng->device);
        return -etimedout;
    }
    if (waited < 0)
        return waited;
    void* cookie = nullptr;
    uint32_t written = 0;
    int taken = module_virtio_queue_take_used(rng->queue, &cookie, &written);
    if (taken < 0)
        return taken;
    if (taken == 0 || cookie != rng || written > length) {
        module_error("%s: a completion that is not ours (%p, %u bytes): disabled",
                     module_virtio_name(rng->device), cookie, written);
        module_virtio_fail(rng->device);
        return -eio;
    }
    memcpy(out, rng->buffer.data, written);
    memset(rng->buffer.data, 0, written); // raw entropy does not linger
    return long(written);
}

int rng_probe(module_virtio_device* device) {
    auto* rng = new (std::nothrow) Rng{};
    if (!rng)
        return -enomem;
    rng->device = device;
    // The entropy device defines no feature bits of its own.
    int result = module_virtio_negotiate(device, 0);
    if (result == 0)
        result = module_virtio_dma_allocate(device, request_bytes, &rng->buffer);
    if (result == 0)
        result = module_virtio_set_up_queue(device, 0, 8, nullptr, nullptr, &rng->queue);
    if (result == 0)
        result = module_virtio_start(device);
    if (result == 0) {
        rng->hwrng = {module_virtio_name(device), rng_read, nullptr};
        result = module_hwrng_register(blog_os_this_module, &rng->hwrng);
    }
    if (result != 0) {
        module_error("%s: not taken (%d)", module_virtio_name(device), result);
        delete rng; // the kernel resets the device and frees its buffer
        return result < 0 ? result : -einval;
    }
    module_virtio_set_driver_data(device, rng);
    module_info("%s: %s interface, features 0x%lx, request queue of %u entries, %s",
                module_virtio_name(device), module_virtio_is_legacy(device) ? "legacy" : "virtio 1.x",
                static_cast<unsigned long>(module_virtio_features(device)),
                unsigned(module_virtio_queue_size(rng->queue)),
                module_virtio_queue_uses_msix(rng->queue) ? "completions by MSI-X" : "polled");
    return 0;
}

void rng_remove(module_virtio_device* device) {
    auto* rng = static_cast<Rng*>(module_virtio_driver_data(device));
    module_hwrng_unregister(blog_os_this_module, &rng->hwrng); // waits for a read in progress
    delete rng;
}

module_virtio_driver driver{"virtio-rng", entropy_device, rng_probe, rng_remove, nullptr};

int virtio_rng_init(const char*) {
    return module_virtio_register_driver(blog_os_this_module, &driver);
}

void virtio_rng_exit() {
    module_virtio_unregister_driver(blog_os_this_module, &driver);
}

} // namespace

MODULE_NAME("virtio_rng");
MODULE_VERSION("1.0");
MODULE_DESCRIPTION("virtio entropy device: /dev/hwrng and the random pool");
MODULE_AUTHOR("blog_os");
MODULE_LICENSE("MIT");
MODULE_INIT(virtio_rng_init);
MODULE_EXIT(virtio_rng_exit);
