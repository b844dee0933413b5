// The virtio driver API for loadable modules (module/virtio_driver_api.h) over the virtio-PCI
// transport: each registered module_virtio_driver becomes a PciDriver matching its device type; each
// device it takes gets a ModuleDevice that owns the transport, up to seven queues with their MSI-X
// vectors, and the DMA buffers the module asked for. Removal tears them down in the one safe order:
// MSI-X off (no handler runs), reset (the device stops touching memory), then the memory.
#include "bus/pci.h"
#include "bus/pci_bus.h"
#include "bus/pci_msi.h"
#include "bus/virtio/virtio_pci.h"
#include "console/log.h"
#include "ktl/format.h"
#include "ktl/vector.h"
#include "module/virtio_driver_api.h"
#include "pci/msi.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "virtio/spec.h"

#include <new>

namespace bus::virtio {

using pci::Msix;
using pci::PciDevice;
using pci::PciDriver;

class ModuleDevice;

namespace {

constexpr ktl::StringView log_subsystem = "virtio";
constexpr size_t max_queues = 7;                 // MSI-X table entries 1..7; entry 0 is configuration changes
constexpr uint64_t poll_interval_ns = 1'000'000; // a polled queue's waiter looks this often
constexpr uint64_t spin_ns = 100'000;            // devices often answer within microseconds

int negative(ktl::Errno code) {
    return -static_cast<int>(code);
}
int negative(const ktl::Error& error) {
    return -static_cast<int>(error.code());
}

} // namespace

// One queue of a ModuleDevice: what module_virtio_queue points at.
struct ModuleQueue {
    ModuleDevice* device = nullptr;
    bool set_up = false;
    bool uses_msix = false;
    uint16_t index = 0;
    sync::SpinlockProtected<::virtio::SplitQueue> queue;
    sched::WaitQueue completed;
    module_virtio_callback callback = nullptr;
    void* context = nullptr;
};

class ModuleDevice {
public:
    ModuleDevice(ktl::OwnPtr<VirtioPciDevice> pci, const char* driver_name)
        : m_pci(static_cast<ktl::OwnPtr<VirtioPciDevice>&&>(pci)) {
        ktl::format_into(m_config_name, sizeof m_config_name, "{}-config", driver_name);
        for (size_t slot = 0; slot < max_queues; ++slot) {
            m_queues[slot].device = this;
            ktl::format_into(m_queue_names[slot], sizeof m_queue_names[slot], "{}-q{}", driver_name, slot);
        }
    }

    // MSI-X off, reset, then the memory: nothing of the device runs or writes afterwards.
    ~ModuleDevice() {
        m_msix = nullptr;
        m_pci = nullptr;
        m_buffers.with([](ktl::Vector<DmaBuffer*>& list) {
            for (DmaBuffer* buffer : list)
                delete buffer;
            list.clear();
        });
    }

    VirtioPciDevice& pci() { return *m_pci; }
    void* driver_data() const { return __atomic_load_n(&m_driver_data, __ATOMIC_ACQUIRE); }
    void set_driver_data(void* data) { __atomic_store_n(&m_driver_data, data, __ATOMIC_RELEASE); }
    bool is_dead() const { return __atomic_load_n(&m_dead, __ATOMIC_ACQUIRE); }

    ktl::ErrorOr<ModuleQueue*> set_up_queue(uint16_t index, uint16_t preferred_size,
                                            module_virtio_callback callback, void* context) {
        sync::MutexLocker locker(m_setup);
        size_t slot = 0;
        while (slot < max_queues && m_queues[slot].set_up)
            ++slot;
        if (slot == max_queues)
            return ktl::Errno::NoSpace;
        enable_msix_once();
        ModuleQueue& queue = m_queues[slot];
        queue.callback = callback;
        queue.context = context;
        queue.index = index;
        queue.uses_msix = m_msix && slot + 1 < m_msix_entries;
        uint16_t vector = queue.uses_msix ? uint16_t(slot + 1) : ::virtio::no_msix_vector;
        TRY(queue.queue.with([&](::virtio::SplitQueue& split) -> ktl::ErrorOr<void> {
            TRY(m_pci->set_up_queue(index, preferred_size, split, vector));
            if (!queue.uses_msix)
                split.disable_interrupts(); // polled: ask the device not to interrupt
            return {};
        }));
        queue.set_up = true;
        return &queue;
    }

    ktl::ErrorOr<DmaBuffer*> allocate(size_t bytes) {
        auto* buffer = new (std::nothrow) DmaBuffer;
        if (!buffer)
            return ktl::Errno::NoMemory;
        auto allocated = DmaBuffer::allocate(bytes);
        if (allocated.is_error()) {
            delete buffer;
            return allocated.error();
        }
        *buffer = allocated.release_value();
        auto listed = m_buffers.with([&](ktl::Vector<DmaBuffer*>& list) { return list.try_append(buffer); });
        if (listed.is_error()) {
            delete buffer;
            return listed.error();
        }
        return buffer;
    }

    void free(DmaBuffer* buffer) {
        bool owned = m_buffers.with([&](ktl::Vector<DmaBuffer*>& list) {
            for (size_t i = 0; i < list.size(); ++i) {
                if (list[i] == buffer) {
                    list.remove(i);
                    return true;
                }
            }
            return false;
        });
        if (owned)
            delete buffer;
        else
            klog::error(log_subsystem, "{}: freed a DMA buffer it does not own: ignored", m_pci->name());
    }

    // Whether [physical, physical + length) lies inside one of the device's DMA buffers: a module's
    // slip must not aim the device at kernel memory.
    bool owns(uint64_t physical, uint32_t length) {
        return m_buffers.with([&](ktl::Vector<DmaBuffer*>& list) {
            for (DmaBuffer* buffer : list)
                if (physical >= buffer->physical() && length <= buffer->size() &&
                    physical - buffer->physical() <= buffer->size() - length)
                    return true;
            return false;
        });
    }

    // FAILED and a reset, then every queue emptied; waiters learn it at once. Once only.
    void fail(ktl::StringView why) {
        if (__atomic_exchange_n(&m_dead, true, __ATOMIC_ACQ_REL))
            return;
        klog::error(log_subsystem, "{}: disabled ({})", m_pci->name(), why);
        m_pci->fail_and_reset();
        for (ModuleQueue& queue : m_queues) {
            if (!queue.set_up)
                continue;
            queue.queue.with([](::virtio::SplitQueue& split) { split.reclaim_after_reset([](void*) {}); });
            queue.completed.wake_all();
        }
    }

private:
    // After negotiation (the transport's MSI-X registers need it): entry 0 for configuration changes,
    // one for each queue the table has room for. Without MSI-X, or if the device refuses the vector,
    // queues are polled.
    void enable_msix_once() {
        if (m_msix_tried)
            return;
        m_msix_tried = true;
        auto capability = ::pci::read_msix_capability(bus::pci::config_space(), m_pci->function());
        if (capability.is_error() || capability.value().table_size < 2)
            return;
        size_t count =
            capability.value().table_size < 1 + max_queues ? capability.value().table_size : 1 + max_queues;
        Msix::Entry entries[1 + max_queues];
        entries[0] = {on_config_interrupt, this, m_config_name};
        for (size_t slot = 0; slot + 1 < count; ++slot)
            entries[slot + 1] = {on_queue_interrupt, &m_queues[slot], m_queue_names[slot]};
        auto msix = Msix::enable(m_pci->function(), std::span<const Msix::Entry>(entries, count));
        if (msix.is_error())
            return;
        m_msix = msix.release_value();
        m_pci->set_msix_enabled(true);
        if (m_pci->device().set_config_vector(0).is_error()) {
            m_pci->set_msix_enabled(false);
            m_msix = nullptr;
            return;
        }
        m_msix_entries = count;
    }

    // MSI-X vectors are never shared. The callback is the module's; the waiter takes the entries.
    static irq::Result on_queue_interrupt(void* context) {
        auto* queue = static_cast<ModuleQueue*>(context);
        if (queue->callback)
            queue->callback(queue->context);
        queue->completed.wake_all();
        return irq::Result::Handled;
    }
    static irq::Result on_config_interrupt(void*) { return irq::Result::Handled; }

    char m_config_name[48] = {};
    char m_queue_names[max_queues][48] = {};
    sync::Mutex m_setup;
    bool m_msix_tried = false;
    size_t m_msix_entries = 0;
    bool m_dead = false;
    void* m_driver_data = nullptr;
    ModuleQueue m_queues[max_queues];
    sync::MutexProtected<ktl::Vector<DmaBuffer*>> m_buffers;
    ktl::OwnPtr<VirtioPciDevice> m_pci;
    ktl::OwnPtr<Msix> m_msix; // last: the destructor turns it off first anyway
};

namespace {

module_virtio_device* handle_of(ModuleDevice* device) {
    return reinterpret_cast<module_virtio_device*>(device);
}
ModuleDevice& device_of(module_virtio_device* device) {
    return *reinterpret_cast<ModuleDevice*>(device);
}
const ModuleDevice& device_of(const module_virtio_device* device) {
    return *reinterpret_cast<const ModuleDevice*>(device);
}
ModuleQueue& queue_of(module_virtio_queue* queue) {
    return *reinterpret_cast<ModuleQueue*>(queue);
}
const ModuleQueue& queue_of(const module_virtio_queue* queue) {
    return *reinterpret_cast<const ModuleQueue*>(queue);
}

// QEMU's and the spec's ids: modern 0x1040 + type; transitional 0x1000..0x103f with the type as the
// subsystem id. Probe checks the identity again, so the patterns only narrow.
class ModuleVirtioDriver final : public PciDriver {
public:
    ModuleVirtioDriver(module_virtio_driver& driver, void* module)
        : PciDriver(driver.name, m_pattern_pointers, 2), m_driver(driver), m_module(module) {
        ktl::format_into(m_patterns[0], sizeof m_patterns[0], "0x1af4 {:#06x}", 0x1040 + driver.device_type);
        ktl::format_into(m_patterns[1], sizeof m_patterns[1], "0x1af4 * 0x1af4 {:#06x}", driver.device_type);
        m_pattern_pointers[0] = m_patterns[0];
        m_pattern_pointers[1] = m_patterns[1];
        set_owner(static_cast<module::Module*>(module));
    }

    ktl::ErrorOr<void> probe(PciDevice& pci_device) override {
        auto opened = TRY(VirtioPciDevice::open(pci_device.function()));
        if (opened->identity().device_type != m_driver.device_type)
            return ktl::Errno::NoDevice;
        auto* device = new (std::nothrow)
            ModuleDevice(static_cast<ktl::OwnPtr<VirtioPciDevice>&&>(opened), m_driver.name);
        if (!device)
            return ktl::Errno::NoMemory;
        pci_device.set_driver_data(device);
        int result = m_driver.probe(handle_of(device));
        if (result == 0)
            return {};
        pci_device.set_driver_data(nullptr);
        delete device;
        if (result < 0 && result > -4096)
            return static_cast<ktl::Errno>(-result);
        return ktl::Errno::NoDevice;
    }

    void remove(PciDevice& pci_device) override {
        auto* device = static_cast<ModuleDevice*>(pci_device.driver_data());
        m_driver.remove(handle_of(device));
        pci_device.set_driver_data(nullptr);
        delete device;
    }

    void* module() const { return m_module; }

private:
    module_virtio_driver& m_driver;
    void* m_module;
    char m_patterns[2][40] = {};
    const char* m_pattern_pointers[2] = {};
};

sync::MutexProtected<ktl::Vector<ModuleVirtioDriver*>> adapters;

void forget(ModuleVirtioDriver* adapter) {
    adapters.with([&](ktl::Vector<ModuleVirtioDriver*>& list) {
        for (size_t i = 0; i < list.size(); ++i) {
            if (list[i] == adapter) {
                list.remove(i);
                return;
            }
        }
    });
}

} // namespace

void release_module_drivers(module::Module* module) {
    for (;;) {
        ModuleVirtioDriver* left =
            adapters.with([&](ktl::Vector<ModuleVirtioDriver*>& list) -> ModuleVirtioDriver* {
                for (size_t i = 0; i < list.size(); ++i) {
                    if (list[i]->module() == module) {
                        ModuleVirtioDriver* adapter = list[i];
                        list.remove(i);
                        return adapter;
                    }
                }
                return nullptr;
            });
        if (!left)
            return;
        klog::warn(log_subsystem, "driver {} was left registered by its module: unregistered", left->name());
        device::unregister_driver(*left);
        delete left;
    }
}

} // namespace bus::virtio

using bus::virtio::device_of;
using bus::virtio::queue_of;

extern "C" {

int module_virtio_register_driver(void* module, module_virtio_driver* driver) {
    using bus::virtio::ModuleVirtioDriver;
    if (!driver || !driver->name || !driver->probe || !driver->remove || driver->device_type == 0 ||
        driver->device_type >= 0x40)
        return bus::virtio::negative(ktl::Errno::InvalidArgument);
    if (driver->kernel_private)
        return bus::virtio::negative(ktl::Errno::Busy);
    auto* adapter = new (std::nothrow) ModuleVirtioDriver(*driver, module);
    if (!adapter)
        return bus::virtio::negative(ktl::Errno::NoMemory);
    bool listed = bus::virtio::adapters.with(
        [&](ktl::Vector<ModuleVirtioDriver*>& list) { return !list.try_append(adapter).is_error(); });
    if (!listed) {
        delete adapter;
        return bus::virtio::negative(ktl::Errno::NoMemory);
    }
    if (auto registered = device::register_driver(*adapter); registered.is_error()) {
        bus::virtio::forget(adapter);
        delete adapter;
        return bus::virtio::negative(registered.error());
    }
    driver->kernel_private = adapter;
    return 0;
}

void module_virtio_unregister_driver(void* module, module_virtio_driver* driver) {
    if (!driver || !driver->kernel_private)
        return;
    auto* adapter = static_cast<bus::virtio::ModuleVirtioDriver*>(driver->kernel_private);
    if (adapter->module() != module) {
        klog::error("virtio", "driver {}: unregistered by a module that did not register it",
                    adapter->name());
        return;
    }
    device::unregister_driver(*adapter);
    bus::virtio::forget(adapter);
    driver->kernel_private = nullptr;
    delete adapter;
}

const char* module_virtio_name(const module_virtio_device* device) {
    return const_cast<bus::virtio::ModuleDevice&>(device_of(device)).pci().name();
}

int module_virtio_is_legacy(const module_virtio_device* device) {
    return const_cast<bus::virtio::ModuleDevice&>(device_of(device)).pci().is_legacy() ? 1 : 0;
}

void module_virtio_set_driver_data(module_virtio_device* device, void* data) {
    device_of(device).set_driver_data(data);
}

void* module_virtio_driver_data(const module_virtio_device* device) {
    return device_of(device).driver_data();
}

int module_virtio_negotiate(module_virtio_device* device, uint64_t driver_features) {
    // Event index saves notifications and interrupts; the kernel's queues handle it.
    auto agreed =
        device_of(device).pci().device().negotiate(driver_features | ::virtio::feature::ring_event_idx);
    return agreed.is_error() ? bus::virtio::negative(agreed.error()) : 0;
}

uint64_t module_virtio_features(const module_virtio_device* device) {
    return const_cast<bus::virtio::ModuleDevice&>(device_of(device)).pci().device().features();
}

int module_virtio_set_up_queue(module_virtio_device* device, uint16_t index, uint16_t preferred_size,
                               module_virtio_callback callback, void* context, module_virtio_queue** queue) {
    if (!queue)
        return bus::virtio::negative(ktl::Errno::InvalidArgument);
    auto made = device_of(device).set_up_queue(index, preferred_size, callback, context);
    if (made.is_error())
        return bus::virtio::negative(made.error());
    *queue = reinterpret_cast<module_virtio_queue*>(made.value());
    return 0;
}

int module_virtio_start(module_virtio_device* device) {
    auto started = device_of(device).pci().device().start();
    return started.is_error() ? bus::virtio::negative(started.error()) : 0;
}

int module_virtio_queue_uses_msix(const module_virtio_queue* queue) {
    return queue_of(queue).uses_msix ? 1 : 0;
}

uint16_t module_virtio_queue_size(const module_virtio_queue* queue) {
    return const_cast<bus::virtio::ModuleQueue&>(queue_of(queue)).queue.with([](::virtio::SplitQueue& split) {
        return split.size();
    });
}

int module_virtio_dma_allocate(module_virtio_device* device, size_t bytes, module_dma_buffer* buffer) {
    if (!buffer || bytes == 0)
        return bus::virtio::negative(ktl::Errno::InvalidArgument);
    auto allocated = device_of(device).allocate(bytes);
    if (allocated.is_error())
        return bus::virtio::negative(allocated.error());
    bus::virtio::DmaBuffer* dma = allocated.value();
    *buffer = {dma->data(), dma->physical(), dma->size(), dma};
    return 0;
}

void module_virtio_dma_free(module_virtio_device* device, module_dma_buffer* buffer) {
    if (!buffer || !buffer->kernel_private)
        return;
    device_of(device).free(static_cast<bus::virtio::DmaBuffer*>(buffer->kernel_private));
    *buffer = {};
}

int module_virtio_queue_add(module_virtio_queue* handle, const module_virtio_segment* readable,
                            size_t readable_count, const module_virtio_segment* writable,
                            size_t writable_count, void* cookie) {
    bus::virtio::ModuleQueue& queue = queue_of(handle);
    bus::virtio::ModuleDevice& device = *queue.device;
    constexpr size_t most = 64;
    if (!cookie || readable_count > most || writable_count > most || (readable_count && !readable) ||
        (writable_count && !writable))
        return bus::virtio::negative(ktl::Errno::InvalidArgument);
    ::virtio::BufferSegment segments[2 * most];
    for (size_t i = 0; i < readable_count + writable_count; ++i) {
        const module_virtio_segment& segment =
            i < readable_count ? readable[i] : writable[i - readable_count];
        if (!device.owns(segment.physical, segment.length))
            return bus::virtio::negative(ktl::Errno::InvalidArgument);
        segments[i] = {segment.physical, segment.length};
    }
    if (device.is_dead())
        return bus::virtio::negative(ktl::Errno::IoError);
    bool notify = false;
    auto added = queue.queue.with([&](::virtio::SplitQueue& split) -> ktl::ErrorOr<uint16_t> {
        uint16_t head = TRY(split.add(std::span(segments, readable_count),
                                      std::span(segments + readable_count, writable_count), cookie));
        notify = split.needs_notification();
        return head;
    });
    if (added.is_error())
        return bus::virtio::negative(added.error());
    if (notify)
        device.pci().notify(queue.index);
    return 0;
}

int module_virtio_queue_take_used(module_virtio_queue* handle, void** cookie, uint32_t* written) {
    bus::virtio::ModuleQueue& queue = queue_of(handle);
    if (queue.device->is_dead())
        return bus::virtio::negative(ktl::Errno::IoError);
    ::virtio::Completion completion;
    ::virtio::QueueFault fault = ::virtio::QueueFault::None;
    auto taken = queue.queue.with([&](::virtio::SplitQueue& split) {
        auto result = split.take_used(completion);
        fault = split.fault();
        return result;
    });
    if (taken.is_error()) {
        queue.device->fail(::virtio::describe(fault));
        return bus::virtio::negative(ktl::Errno::IoError);
    }
    if (!taken.value())
        return 0;
    if (cookie)
        *cookie = completion.cookie;
    if (written)
        *written = completion.written;
    return 1;
}

int module_virtio_queue_wait(module_virtio_queue* handle, uint64_t timeout_ns) {
    bus::virtio::ModuleQueue& queue = queue_of(handle);
    auto ready = [&] {
        return queue.device->is_dead() ||
               queue.queue.with([](::virtio::SplitQueue& split) { return split.has_pending_used(); });
    };
    uint64_t start = time::monotonic_ns();
    uint64_t deadline = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
    for (uint64_t spin_until = start + bus::virtio::spin_ns; !ready() && time::monotonic_ns() < spin_until;)
        sched::yield();
    while (!ready()) {
        uint64_t now = time::monotonic_ns();
        if (now >= deadline)
            return 0;
        // With MSI-X the interrupt wakes the queue; the poll interval is only a backstop then.
        uint64_t next = now + bus::virtio::poll_interval_ns * (queue.uses_msix ? 100 : 1);
        queue.completed.wait_until(ready, next < deadline ? next : deadline);
    }
    return queue.device->is_dead() ? bus::virtio::negative(ktl::Errno::IoError) : 1;
}

void module_virtio_fail(module_virtio_device* device) {
    device_of(device).fail("given up by its driver");
}

} // extern "C"
