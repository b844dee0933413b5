#include "dev/virtio_rng.h"

#include "bus/pci_bus.h"
#include "bus/pci_msi.h"
#include "bus/virtio/virtio_pci.h"
#include "console/log.h"
#include "device/device.h"
#include "fs/char_device.h"
#include "ktl/vector.h"
#include "random/random.h"
#include "sched/scheduler.h"
#include "sched/task.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "virtio/spec.h"

#include <new>

namespace dev::virtio_rng {

namespace {

constexpr ktl::StringView log_subsystem = "virtio-rng";
constexpr uint32_t hwrng_major = 10, hwrng_minor = 183; // Linux's misc device
constexpr size_t request_bytes = 4096;                  // one page a request
constexpr uint64_t request_timeout_ns = 2'000'000'000;
// Until completions come by interrupt, the waiter looks at the used ring this often.
constexpr uint64_t poll_interval_ns = 1'000'000;
constexpr uint64_t spin_ns = 100'000;
constexpr size_t pool_feed_bytes = 64;
constexpr uint64_t pool_feed_interval_ns = 60'000'000'000;

class RngDevice {
public:
    static ktl::ErrorOr<ktl::OwnPtr<RngDevice>> create(const ::pci::Function& function) {
        auto* raw = new (std::nothrow) RngDevice;
        if (!raw)
            return ktl::Errno::NoMemory;
        ktl::OwnPtr<RngDevice> device = ktl::adopt_own(raw);
        TRY(device->initialize(function));
        return device;
    }

    const char* name() const { return m_pci->name(); }
    const ::pci::Address& address() const { return m_pci->function().address; }
    bool is_live() const { return !m_dead; }

    // One request: the device fills up to a page, we copy what it wrote. Serialised by the caller.
    ktl::ErrorOr<size_t> request(uint8_t* out, size_t length) {
        if (m_dead)
            return ktl::Errno::IoError;
        if (length > m_buffer.size())
            length = m_buffer.size();
        ::virtio::BufferSegment writable{m_buffer.physical(), static_cast<uint32_t>(length)};
        bool notify = false;
        auto added = m_queue.with([&](::virtio::SplitQueue& queue) -> ktl::ErrorOr<uint16_t> {
            uint16_t head = TRY(queue.add({}, std::span(&writable, 1), &m_buffer));
            notify = queue.needs_notification();
            return head;
        });
        if (added.is_error())
            return disable(added.error());
        if (notify)
            m_pci->notify(m_queue_index);

        uint64_t deadline = time::monotonic_ns() + request_timeout_ns;
        ::virtio::Completion completion;
        bool done = false;
        ktl::ErrorOr<void> failure = {};
        auto completed = [&] {
            if (done || failure.is_error())
                return true; // taken already: never take a second entry for this request
            auto taken =
                m_queue.with([&](::virtio::SplitQueue& queue) { return queue.take_used(completion); });
            if (taken.is_error())
                failure = taken.error();
            else
                done = taken.value();
            return done || failure.is_error();
        };
        // The device usually answers within microseconds: look for a moment before sleeping a tick.
        for (uint64_t spin_until = time::monotonic_ns() + spin_ns;
             !completed() && time::monotonic_ns() < spin_until;)
            sched::yield();
        while (!completed()) {
            uint64_t now = time::monotonic_ns();
            if (now >= deadline) {
                klog::error(log_subsystem, "{}: no answer within {} ms", name(),
                            request_timeout_ns / 1'000'000);
                return disable(ktl::Errno::TimedOut);
            }
            // A completion interrupt would wake this queue; until then the timeout is the poll.
            uint64_t next = now + poll_interval_ns;
            m_completed.wait_until(completed, next < deadline ? next : deadline);
            if (done || failure.is_error())
                break;
        }
        if (failure.is_error())
            return disable(failure.error());
        if (completion.cookie != &m_buffer)
            return disable(ktl::Errno::IoError);
        __builtin_memcpy(out, m_buffer.data(), completion.written);
        return completion.written;
    }

    ~RngDevice() {
        // Reset first (VirtioPciDevice's destructor), so the device is done with the request buffer.
        m_pci = nullptr;
    }

private:
    RngDevice() = default;

    ktl::ErrorOr<void> initialize(const ::pci::Function& function) {
        m_pci = TRY(bus::virtio::VirtioPciDevice::open(function));
        if (m_pci->identity().device_type != ::virtio::device_type::entropy)
            return ktl::Errno::NoDevice;
        ::virtio::Device& device = m_pci->device();
        // No device features are defined for the entropy device; event index saves notifications.
        TRY(device.negotiate(::virtio::feature::ring_event_idx));
        m_buffer = TRY(bus::virtio::DmaBuffer::allocate(request_bytes));
        // MSI-X where the function has it: table entry 0 for configuration changes, 1 for the queue.
        // Without it (or if the device refuses the vectors) completions are polled.
        uint16_t queue_vector = ::virtio::no_msix_vector;
        bus::pci::Msix::Entry entries[] = {{on_config_interrupt, this, "virtio-rng-config"},
                                           {on_queue_interrupt, this, "virtio-rng-requests"}};
        if (auto msix = bus::pci::Msix::enable(function, entries); !msix.is_error()) {
            m_msix = msix.release_value();
            m_pci->set_msix_enabled(true);
            if (device.set_config_vector(0).is_error()) {
                m_pci->set_msix_enabled(false);
                m_msix = nullptr;
            } else {
                queue_vector = 1;
            }
        }
        TRY(m_queue.with([&](::virtio::SplitQueue& queue) -> ktl::ErrorOr<void> {
            TRY(m_pci->set_up_queue(m_queue_index, 8, queue, queue_vector));
            if (queue_vector == ::virtio::no_msix_vector)
                queue.disable_interrupts(); // polled: ask the device not to interrupt
            return {};
        }));
        TRY(device.start());
        if (m_msix)
            klog::info(
                log_subsystem,
                "{}: {} interface, features {:#x}, request queue of {} entries, MSI-X vectors {} and {}",
                name(), m_pci->is_legacy() ? "legacy" : "virtio 1.x", device.features(),
                m_queue.with([](::virtio::SplitQueue& queue) { return queue.size(); }), m_msix->vector(0),
                m_msix->vector(1));
        else
            klog::info(log_subsystem, "{}: {} interface, features {:#x}, request queue of {} entries, polled",
                       name(), m_pci->is_legacy() ? "legacy" : "virtio 1.x", device.features(),
                       m_queue.with([](::virtio::SplitQueue& queue) { return queue.size(); }));
        return {};
    }

    // Interrupt handlers (MSI-X: never shared). The waiter takes the used entry itself.
    static irq::Result on_queue_interrupt(void* context) {
        auto* device = static_cast<RngDevice*>(context);
        __atomic_add_fetch(&device->m_queue_interrupts, 1, __ATOMIC_RELAXED);
        device->m_completed.wake_all();
        return irq::Result::Handled;
    }
    static irq::Result on_config_interrupt(void*) {
        return irq::Result::Handled; // the entropy device has no configuration to change
    }

public:
    uint64_t queue_interrupts() const { return __atomic_load_n(&m_queue_interrupts, __ATOMIC_RELAXED); }
    bool uses_msix() const { return static_cast<bool>(m_msix); }

private:
    // The device broke a rule or stopped answering: reset it so it stops writing to memory, then
    // take back the request; every later call fails.
    ktl::Error disable(ktl::Errno code) { return disable(ktl::Error::from_errno(code)); }
    ktl::Error disable(ktl::Error error) {
        ::virtio::QueueFault fault = m_queue.with([](::virtio::SplitQueue& queue) { return queue.fault(); });
        klog::error(log_subsystem, "{}: disabled ({}{}{})", name(), error.name(),
                    fault == ::virtio::QueueFault::None ? "" : ": ", ::virtio::describe(fault));
        m_pci->fail_and_reset();
        m_queue.with([](::virtio::SplitQueue& queue) { queue.reclaim_after_reset([](void*) {}); });
        m_dead = true;
        return error;
    }

    static constexpr uint16_t m_queue_index = 0; // the request queue
    bus::virtio::DmaBuffer m_buffer;             // destroyed after m_pci (declared before it)
    ktl::OwnPtr<bus::virtio::VirtioPciDevice> m_pci;
    sync::SpinlockProtected<::virtio::SplitQueue> m_queue;
    sched::WaitQueue m_completed;
    bool m_dead = false;
    uint64_t m_queue_interrupts = 0;
    // Last, so it goes first: no handler runs once the rest is torn down.
    ktl::OwnPtr<bus::pci::Msix> m_msix;
};

struct DriverState {
    ktl::Vector<ktl::OwnPtr<RngDevice>> devices;
    bool hwrng_registered = false;
    Statistics statistics;
};
// Requests are serialised by this mutex too: one request buffer per device, and remove() waits for a
// read in progress.
sync::MutexProtected<DriverState> driver;

// The feeding task, and how it is told to stop.
struct Feeder {
    sched::TaskHandle task;
    bool stop = false;
    sched::WaitQueue wake;
};
Feeder feeder;

ktl::ErrorOr<size_t> read_locked(DriverState& state, void* buffer, size_t length) {
    for (ktl::OwnPtr<RngDevice>& device : state.devices) {
        if (!device->is_live())
            continue;
        size_t got = TRY(device->request(static_cast<uint8_t*>(buffer), length));
        ++state.statistics.requests;
        state.statistics.bytes_from_device += got;
        return got;
    }
    return ktl::Errno::NoDevice;
}

void feed_pool(void*) {
    bool logged = false;
    while (!__atomic_load_n(&feeder.stop, __ATOMIC_ACQUIRE)) {
        uint8_t bytes[pool_feed_bytes];
        size_t filled = 0;
        for (int attempt = 0; attempt < 8 && filled < sizeof bytes; ++attempt) {
            auto got = driver.with([&](DriverState& state) {
                return read_locked(state, bytes + filled, sizeof bytes - filled);
            });
            if (got.is_error())
                break;
            filled += got.value();
        }
        if (filled > 0) {
            random::add_hardware_entropy(bytes, filled, filled * 8);
            driver.with([&](DriverState& state) { state.statistics.bytes_credited += filled; });
            if (!logged)
                klog::info(log_subsystem, "{} bytes mixed into the random pool ({} bits credited)", filled,
                           filled * 8);
            logged = true;
        }
        __builtin_memset(bytes, 0, sizeof bytes);
        feeder.wake.wait_until([] { return __atomic_load_n(&feeder.stop, __ATOMIC_ACQUIRE); },
                               time::monotonic_ns() + pool_feed_interval_ns);
    }
}

// /dev/hwrng: raw device bytes, as many as asked for (a page a request).
class HwrngFile final : public fs::OpenFile {
public:
    HwrngFile(fs::RefPtr<fs::Inode> inode, uint32_t flags)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags) {}

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        if (length == 0)
            return 0;
        // A page a request (what the device's buffer holds), staged on the heap.
        ktl::Vector<uint8_t> chunk;
        TRY(chunk.try_resize(length < request_bytes ? length : request_bytes));
        size_t done = 0;
        int empty_answers = 0;
        ktl::ErrorOr<size_t> result = 0;
        while (done < length) {
            size_t part = length - done < chunk.size() ? length - done : chunk.size();
            auto got =
                driver.with([&](DriverState& state) { return read_locked(state, chunk.data(), part); });
            if (got.is_error()) {
                result = got.error();
                break;
            }
            if (got.value() == 0 && ++empty_answers > 16) {
                result = ktl::Errno::IoError;
                break;
            }
            auto copied = buffer.write(chunk.data(), got.value(), done);
            if (copied.is_error()) {
                result = copied.error();
                break;
            }
            done += got.value();
        }
        __builtin_memset(chunk.data(), 0, chunk.size()); // raw entropy does not linger on the heap
        if (done > 0 || !result.is_error())
            return done;
        return result;
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer, size_t) override { return ktl::Errno::InvalidArgument; }
    const char* kind() const override { return "device"; }
};

class HwrngDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        auto file =
            TRY(ktl::try_make_ref_counted<HwrngFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags));
        return fs::RefPtr<fs::OpenFile>(file.ptr());
    }
};
constinit HwrngDevice hwrng_device;

// The driver in the device model: binds QEMU's entropy device, transitional or modern-only. The first
// device bound registers /dev/hwrng and starts the feeding task; the last one removed undoes both.
const char* const pci_patterns[] = {
    "0x1af4 0x1005", // transitional entropy device (QEMU's virtio-rng-pci on conventional PCI)
    "0x1af4 0x1044", // modern only: 0x1040 + type 4
};

class VirtioRngDriver final : public bus::pci::PciDriver {
public:
    VirtioRngDriver() : PciDriver("virtio-rng", pci_patterns, sizeof pci_patterns / sizeof pci_patterns[0]) {}

    ktl::ErrorOr<void> probe(bus::pci::PciDevice& pci_device) override {
        ktl::OwnPtr<RngDevice> device = TRY(RngDevice::create(pci_device.function()));
        bool first = TRY(driver.with([&](DriverState& state) -> ktl::ErrorOr<bool> {
            bool was_empty = state.devices.is_empty();
            if (was_empty && !state.hwrng_registered) {
                fs::CharacterDeviceInfo info{"hwrng", hwrng_major, hwrng_minor, 0600};
                info.class_name = "misc";
                TRY(fs::register_character_device(info, hwrng_device));
                state.hwrng_registered = true;
            }
            if (auto added = state.devices.try_append(static_cast<ktl::OwnPtr<RngDevice>&&>(device));
                added.is_error()) {
                if (was_empty)
                    unregister_hwrng(state);
                return added.error();
            }
            ++state.statistics.devices;
            return was_empty;
        }));
        if (first)
            start_feeder();
        return {};
    }

    void remove(bus::pci::PciDevice& pci_device) override {
        bool last = driver.with([&](DriverState& state) {
            for (size_t i = 0; i < state.devices.size(); ++i) {
                if (state.devices[i]->address() == pci_device.address()) {
                    state.devices.remove(i); // resets the device, then frees its memory
                    --state.statistics.devices;
                    break;
                }
            }
            return state.devices.is_empty();
        });
        if (!last)
            return;
        stop_feeder(); // outside the driver's lock, which the task takes
        driver.with([](DriverState& state) { unregister_hwrng(state); });
    }

private:
    static void unregister_hwrng(DriverState& state) {
        if (state.hwrng_registered)
            fs::unregister_character_device(hwrng_major, hwrng_minor);
        state.hwrng_registered = false;
    }
    static void start_feeder() {
        __atomic_store_n(&feeder.stop, false, __ATOMIC_RELEASE);
        auto task = sched::spawn("virtio-rng", feed_pool, nullptr);
        if (task.is_error())
            klog::warn(log_subsystem, "no task to feed the random pool: {}", task.error().name());
        else
            feeder.task = static_cast<sched::TaskHandle&&>(task.value());
    }
    static void stop_feeder() {
        if (!feeder.task)
            return;
        __atomic_store_n(&feeder.stop, true, __ATOMIC_RELEASE);
        feeder.wake.wake_all();
        feeder.task.join();
    }
};

VirtioRngDriver rng_driver;
PCI_DRIVER(rng_driver);

} // namespace

ktl::ErrorOr<void> start() {
    auto registered = device::register_driver(rng_driver);
    if (registered.is_error() && registered.error().code() != ktl::Errno::Exists)
        return registered.error();
    return {};
}

void stop() {
    device::unregister_driver(rng_driver);
}

ktl::ErrorOr<size_t> read(void* buffer, size_t length) {
    return driver.with([&](DriverState& state) { return read_locked(state, buffer, length); });
}

Statistics statistics() {
    return driver.with([](DriverState& state) {
        Statistics statistics = state.statistics;
        for (ktl::OwnPtr<RngDevice>& device : state.devices) {
            statistics.queue_interrupts += device->queue_interrupts();
            statistics.msix_devices += device->uses_msix();
        }
        return statistics;
    });
}

} // namespace dev::virtio_rng
