// The virtio part of the driver API (docs/drivers.md): what a loadable module calls to drive a virtio
// device over PCI, and to hand random bytes to the kernel's hardware RNG core. C functions over opaque
// handles, as the PCI part (pci_driver_api.h): the kernel keeps the transport (modern or legacy), the
// queue memory, MSI-X and the device's DMA buffers, and takes them all back when the device is removed
// (after a reset, so the device no longer writes to them). Include after module/module_api.h.
//
// A driver's life: register a module_virtio_driver for a virtio device type; its probe gets each such
// device, calls negotiate, sets up its queues, allocates DMA buffers and calls start; it then adds
// buffers to a queue and takes them back used, waiting with module_virtio_queue_wait (woken by the
// queue's MSI-X interrupt, or polling without one). remove undoes what probe made that the kernel does
// not free by itself (its own allocations); the device is reset after remove returns.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

struct module_virtio_device; // one virtio device, valid from probe until remove returns
struct module_virtio_queue;  // one of its virtqueues, valid as long as the device

struct module_virtio_driver {
    const char* name;     // /sys/bus/pci/drivers/<name>
    uint32_t device_type; // virtio device id: 1 network, 2 block, 4 entropy, …
    // 0 when the driver takes the device, a negative errno otherwise (it is then reset and left).
    int (*probe)(struct module_virtio_device* device);
    void (*remove)(struct module_virtio_device* device);
    void* kernel_private; // the kernel's; zero before registering
};

// Registers `driver` with the PCI bus for the device type's modern (0x1040 + type) and transitional
// ids, and probes every such device. 0, or a negative errno (-EINVAL, -EEXIST for a name in use).
int module_virtio_register_driver(void* module, struct module_virtio_driver* driver);
// Calls remove for each device the driver has (each then reset and its memory freed), then forgets it.
void module_virtio_unregister_driver(void* module, struct module_virtio_driver* driver);

// "0000:00:04.0"; whether the device is driven through its legacy interface.
const char* module_virtio_name(const struct module_virtio_device* device);
int module_virtio_is_legacy(const struct module_virtio_device* device);

// What the driver keeps per device.
void module_virtio_set_driver_data(struct module_virtio_device* device, void* data);
void* module_virtio_driver_data(const struct module_virtio_device* device);

// Feature bits the driver understands; the kernel adds its own (VERSION_1 on a modern device, the
// ring features its queues use) and keeps what the device offers. 0, or a negative errno when the
// device refuses. Then module_virtio_features gives the negotiated set.
int module_virtio_negotiate(struct module_virtio_device* device, uint64_t driver_features);
uint64_t module_virtio_features(const struct module_virtio_device* device);

// Between negotiate and start: queue `index` with at most `preferred_size` entries, in DMA memory the
// kernel owns. With MSI-X the queue gets a vector of its own (at most 7 queues a device do), and
// `callback(context)` runs on each of its interrupts, in interrupt context (it must not sleep or take
// a sleeping lock; null for none); waiters are woken either way. 0 and *queue, or a negative errno.
typedef void (*module_virtio_callback)(void* context);
int module_virtio_set_up_queue(struct module_virtio_device* device, uint16_t index, uint16_t preferred_size,
                               module_virtio_callback callback, void* context,
                               struct module_virtio_queue** queue);
// DRIVER_OK: the device may use its queues. 0, or a negative errno.
int module_virtio_start(struct module_virtio_device* device);
// Whether the queue's completions come by MSI-X (1) or are polled (0).
int module_virtio_queue_uses_msix(const struct module_virtio_queue* queue);
uint16_t module_virtio_queue_size(const struct module_virtio_queue* queue);

// Physically contiguous, zeroed memory the device reaches at `physical` and the driver at `data`,
// freed by module_virtio_dma_free or when the device goes (after its reset). 0, or -ENOMEM.
struct module_dma_buffer {
    void* data;
    uint64_t physical;
    size_t size; // rounded up to pages
    void* kernel_private;
};
int module_virtio_dma_allocate(struct module_virtio_device* device, size_t bytes,
                               struct module_dma_buffer* buffer);
void module_virtio_dma_free(struct module_virtio_device* device, struct module_dma_buffer* buffer);

// One request: `readable` segments (the device reads) then `writable` ones (it writes), as one chain;
// `cookie` (not null) comes back with its completion. The doorbell is rung when the device asks.
// 0; -EAGAIN when too few descriptors are free; -EINVAL for an empty or too long chain or a segment
// outside the device's DMA buffers; -EIO once the device is disabled.
struct module_virtio_segment {
    uint64_t physical;
    uint32_t length;
};
int module_virtio_queue_add(struct module_virtio_queue* queue, const struct module_virtio_segment* readable,
                            size_t readable_count, const struct module_virtio_segment* writable,
                            size_t writable_count, void* cookie);
// The next completed request: 1 with its cookie and the bytes the device wrote, 0 for none yet, -EIO
// when the device broke a rule of the queue (the kernel then fails and resets it: every later call
// says -EIO).
int module_virtio_queue_take_used(struct module_virtio_queue* queue, void** cookie, uint32_t* written);
// Sleeps until the queue has a completion to take (1), `timeout_ns` passed (0), or the device is
// disabled (-EIO). May sleep: not from a callback.
int module_virtio_queue_wait(struct module_virtio_queue* queue, uint64_t timeout_ns);
// Gives up on a device that misbehaved: FAILED, then a reset; requests in flight are dropped and
// every later queue call says -EIO.
void module_virtio_fail(struct module_virtio_device* device);

// The hardware RNG core (/dev/hwrng and the random pool's feed). read(rng, buffer, length) puts up to
// `length` random bytes in `buffer` (a kernel buffer) and returns how many, or a negative errno; it may
// sleep, and is never called twice at once nor after unregister returns. The first source registered
// makes /dev/hwrng (10:183) and is mixed into the random pool at once and every minute after.
struct module_hwrng {
    const char* name;
    long (*read)(struct module_hwrng* rng, void* buffer, size_t length);
    void* kernel_private; // the kernel's; zero before registering
};
int module_hwrng_register(void* module, struct module_hwrng* rng);
void module_hwrng_unregister(void* module, struct module_hwrng* rng);

} // extern "C"
