// virtio over PCI in the kernel: finds virtio functions among those the boot scan found, enables
// them (memory or I/O decoding and bus mastering), maps the modern register windows (or uses the
// legacy I/O block when there are none) and gives drivers a libs/virtio Device over that transport,
// with queue memory from the frame allocator. Drivers own their queues and decide how completions
// are noticed: polling the used ring today, MSI-X vectors once the interrupt work lands (docs/virtio.md).
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/own_ptr.h"
#include "ktl/vector.h"
#include "pci/function.h"
#include "virtio/device.h"
#include "virtio/pci_layout.h"
#include "virtio/split_queue.h"

#include <cstddef>
#include <cstdint>

namespace module {
class Module;
}

namespace bus::virtio {

// Unregisters every virtio driver `module` registered through module_virtio_register_driver and left
// registered (virtio_module_driver.cpp): called when the module goes, before its memory does.
void release_module_drivers(module::Module* module);

// Physically contiguous, zeroed, page-aligned memory the device reaches by its physical address (the
// kernel by the direct map). Freed on destruction: only once the device can no longer write to it.
class DmaBuffer {
public:
    static ktl::ErrorOr<DmaBuffer> allocate(size_t bytes);
    DmaBuffer() = default;
    DmaBuffer(DmaBuffer&& other);
    DmaBuffer& operator=(DmaBuffer&& other);
    DmaBuffer(const DmaBuffer&) = delete;
    ~DmaBuffer();

    void* data() const { return m_data; }
    uint64_t physical() const { return m_physical; }
    size_t size() const { return m_pages * 4096; }
    // Forgets the memory without freeing it: for a device that would not stop writing to it.
    void leak() {
        m_pages = 0;
        m_data = nullptr;
    }

private:
    void* m_data = nullptr;
    uint64_t m_physical = 0;
    size_t m_pages = 0;
};

// Runs `visit` for every virtio function the boot scan found, with its identity.
void for_each_virtio_function(
    ktl::FunctionRef<void(const ::pci::Function&, const ::virtio::pci::Identity&)> visit);

// One virtio device on PCI, opened for a driver.
class VirtioPciDevice {
public:
    // Identifies `function`, turns on decoding and bus mastering, and picks the modern transport when
    // the capabilities describe usable windows, the legacy one otherwise. NoDevice for a function that
    // is not virtio or has neither interface; NoMemory when mapping or allocation fails.
    static ktl::ErrorOr<ktl::OwnPtr<VirtioPciDevice>> open(const ::pci::Function& function);
    // Resets the device (it stops touching memory), then frees the queues and unmaps the registers.
    ~VirtioPciDevice();

    ::virtio::Device& device() { return m_device; }
    const ::pci::Function& function() const { return m_function; }
    const ::virtio::pci::Identity& identity() const { return m_identity; }
    bool is_legacy() const;
    // "0000:00:04.0", for logs.
    const char* name() const { return m_name; }

    // Between negotiate() and start(): memory for queue `index` (at most `preferred_size` entries on a
    // modern device), `queue` initialised in it and given to the device. The memory lives as long as
    // this object.
    ktl::ErrorOr<void> set_up_queue(uint16_t index, uint16_t preferred_size, ::virtio::SplitQueue& queue,
                                    uint16_t msix_vector = ::virtio::no_msix_vector);
    // After the driver enabled or disabled the function's MSI-X (bus/pci_msi.h): the legacy register
    // layout changes with it. Vectors are then MSI-X table indices for Device::set_config_vector and
    // set_up_queue.
    void set_msix_enabled(bool enabled);
    // Rings the queue's doorbell; lock-free (one register write), so callable outside the queue's lock.
    void notify(uint16_t queue_index);

    // Gives up on the device after it misbehaved: FAILED, then a reset so it stops writing to memory.
    // Queues can then be reclaimed.
    void fail_and_reset();

private:
    VirtioPciDevice(const ::pci::Function& function, const ::virtio::pci::Identity& identity,
                    ktl::OwnPtr<::virtio::Transport> transport);

    ::pci::Function m_function;
    ::virtio::pci::Identity m_identity;
    ktl::OwnPtr<::virtio::Transport> m_transport;
    ::virtio::Device m_device;
    ktl::Vector<DmaBuffer> m_queue_memory;
    char m_name[13] = {};
};

} // namespace bus::virtio
