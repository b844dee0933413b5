// virtio-blk: a block device driver on the virtio-PCI transport (docs/block.md, docs/virtio.md). One
// request queue; each request is a chain of a header, the data segments and a status byte, with many
// in flight at once. Completions come by MSI-X, else on the INTx line, and waiters also look at the
// used ring each millisecond, so a lost interrupt costs a millisecond. The device is hostile: used
// entries are checked by the split queue, lengths and status bytes here; a device that breaks a rule
// is reset and every request it held fails with EIO.
#include "dev/virtio_blk.h"

#include "block/block_cache.h"
#include "block/block_device.h"
#include "block/partitions.h"
#include "bus/pci_bus.h"
#include "bus/pci_msi.h"
#include "bus/virtio/virtio_pci.h"
#include "console/log.h"
#include "irq/irq.h"
#include "ktl/format.h"
#include "ktl/vector.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "virtio/block.h"
#include "virtio/spec.h"

#include <new>

namespace dev::virtio_blk {

namespace {

constexpr ktl::StringView log_subsystem = "virtio-blk";
constexpr uint16_t queue_index = 0;
constexpr uint16_t preferred_queue_size = 128;
// Each slot holds one request's header and status byte, in one page of device-visible memory.
constexpr size_t slot_bytes = 32;
constexpr size_t max_slots = 4096 / slot_bytes;
constexpr size_t max_disks = 26 * 27; // vda…vdz, vdaa…vdzz

// A request the device has not answered in this long fails the device (Linux's default timeout).
constexpr uint64_t request_timeout_ns = 30'000'000'000;

struct Slot {
    block::Request* request = nullptr;
    uint32_t expected_written = 0; // data bytes the device writes (reads), plus the status byte
    uint64_t started_ns = 0;
};

class VirtioDisk final : public block::BlockDevice {
public:
    static ktl::ErrorOr<ktl::RefPtr<VirtioDisk>> create(bus::pci::PciDevice& pci_device, uint32_t index) {
        auto pci = TRY(bus::virtio::VirtioPciDevice::open(pci_device.function()));
        if (pci->identity().device_type != ::virtio::device_type::block)
            return ktl::Errno::NoDevice;
        ::virtio::Device& device = pci->device();
        namespace blk = ::virtio::block;
        uint64_t wanted = blk::feature::read_only | blk::feature::blk_size | blk::feature::flush |
                          blk::feature::topology | blk::feature::seg_max | blk::feature::size_max |
                          ::virtio::feature::ring_event_idx;
        TRY(device.negotiate(wanted));
        blk::RawConfig raw;
        raw.features = device.features();
        TRY(device.read_config(blk::config::capacity, &raw.capacity, sizeof raw.capacity));
        if (device.has_feature(blk::feature::blk_size))
            TRY(device.read_config(blk::config::blk_size, &raw.blk_size, sizeof raw.blk_size));
        if (device.has_feature(blk::feature::topology))
            TRY(device.read_config(blk::config::physical_block_exp, &raw.physical_block_exp, 1));
        if (device.has_feature(blk::feature::seg_max))
            TRY(device.read_config(blk::config::seg_max, &raw.seg_max, sizeof raw.seg_max));
        if (device.has_feature(blk::feature::size_max))
            TRY(device.read_config(blk::config::size_max, &raw.size_max, sizeof raw.size_max));
        blk::Geometry geometry = blk::check_config(raw);
        if (geometry.problem)
            klog::warn(log_subsystem, "{}: configuration refused: {}", pci->name(), geometry.problem);

        char name[8];
        block::BlockDeviceInfo info;
        info.name = disk_name(name, sizeof name, index);
        info.major = block::virtio_block_major;
        info.minor = index * block::virtio_minors_per_disk;
        info.logical_block_size = geometry.logical_block_size;
        info.physical_block_size = geometry.physical_block_size;
        info.size = geometry.size;
        info.read_only = geometry.read_only;
        info.has_flush = geometry.has_flush;
        info.max_partitions = block::virtio_minors_per_disk - 1;
        info.parent_device = &pci_device;
        TRY(block::BlockDevice::check_info(info));
        auto* raw_disk = new (std::nothrow) VirtioDisk(info, geometry);
        if (!raw_disk)
            return ktl::Errno::NoMemory;
        ktl::RefPtr<VirtioDisk> disk = ktl::adopt_ref(*raw_disk);
        TRY(disk->start_device(static_cast<ktl::OwnPtr<bus::virtio::VirtioPciDevice>&&>(pci)));
        return disk;
    }

    // "vda", …, "vdz", "vdaa", … as Linux names them.
    static ktl::StringView disk_name(char* buffer, size_t size, uint32_t index) {
        if (index < 26)
            return ktl::format_into(buffer, size, "vd{}", static_cast<char>('a' + index));
        return ktl::format_into(buffer, size, "vd{}{}", static_cast<char>('a' + index / 26 - 1),
                                static_cast<char>('a' + index % 26));
    }

    // The device goes (unbind): every request in flight fails, later ones too.
    void shut_down() {
        m_interrupts = nullptr; // no handler runs from now on
        m_intx = irq::Registration();
        m_state.with([](State& state) { state.dead = true; });
        if (m_pci)
            m_pci->fail_and_reset(); // stops the device touching memory
        reclaim_all(ktl::Errno::IoError);
        m_pci = nullptr; // unmaps and frees the queue memory
        m_slot_freed.wake_all();
    }

    const char* pci_name() const { return m_pci ? m_pci->name() : "?"; }
    const ::pci::Address& address() const { return m_address; }
    uint64_t interrupts() const { return __atomic_load_n(&m_interrupt_count, __ATOMIC_RELAXED); }

    // Each millisecond from a waiter: completions an interrupt did not bring, and a device that
    // stopped answering.
    void poll_completions() override {
        drain();
        uint64_t now = time::monotonic_ns();
        bool stuck = m_state.with([&](State& state) {
            for (size_t i = 0; i < m_slot_count; ++i)
                if (state.slots[i].request && now - state.slots[i].started_ns > request_timeout_ns)
                    return !state.dead;
            return false;
        });
        if (stuck) {
            klog::error(log_subsystem, "{}: no answer within {} s", name(),
                        request_timeout_ns / 1'000'000'000);
            fail_device(ktl::Error::from_errno(ktl::Errno::TimedOut));
        }
    }

protected:
    void start(block::Request& request) override {
        if (request.operation == block::Operation::Flush && !has_flush())
            return request.complete({});
        if (m_geometry.max_segments && request.segment_count > m_geometry.max_segments)
            return request.complete(ktl::Errno::InvalidArgument);
        for (uint8_t i = 0; i < request.segment_count; ++i)
            if (m_geometry.max_segment_bytes && request.segments[i].length > m_geometry.max_segment_bytes)
                return request.complete(ktl::Errno::InvalidArgument);
        for (;;) {
            ktl::ErrorOr<bool> queued = m_state.with([&](State& state) -> ktl::ErrorOr<bool> {
                if (state.dead)
                    return ktl::Errno::IoError;
                size_t slot = max_slots;
                for (size_t i = 0; i < m_slot_count; ++i) {
                    if (!state.slots[i].request) {
                        slot = i;
                        break;
                    }
                }
                if (slot == max_slots)
                    return false;
                auto added = add_to_queue(state, slot, request);
                if (added.is_error()) {
                    if (added.error().code() == ktl::Errno::TryAgain)
                        return false;
                    return added.error();
                }
                // Under the lock: shut_down() frees the registers only once it marked the disk dead.
                if (state.queue.needs_notification())
                    m_pci->notify(queue_index);
                return true;
            });
            if (queued.is_error()) {
                if (queued.error().code() != ktl::Errno::IoError)
                    fail_device(queued.error());
                return request.complete(ktl::Errno::IoError);
            }
            if (queued.value())
                return;
            // The queue is full: wait for a completion to free room (drain ourselves if no interrupt).
            m_slot_freed.wait_until([&] { return has_room(); }, time_after_ms(1));
            drain();
        }
    }

private:
    struct State {
        ::virtio::SplitQueue queue;
        Slot slots[max_slots];
        uint32_t in_flight = 0;
        bool dead = false;
    };

    VirtioDisk(const block::BlockDeviceInfo& info, const ::virtio::block::Geometry& geometry)
        : BlockDevice(info), m_geometry(geometry) {}

    static uint64_t time_after_ms(uint64_t ms);

    ktl::ErrorOr<void> start_device(ktl::OwnPtr<bus::virtio::VirtioPciDevice> pci) {
        m_pci = static_cast<ktl::OwnPtr<bus::virtio::VirtioPciDevice>&&>(pci);
        m_address = m_pci->function().address;
        m_headers = TRY(bus::virtio::DmaBuffer::allocate(4096));
        ::virtio::Device& device = m_pci->device();
        uint16_t queue_vector = ::virtio::no_msix_vector;
        bus::pci::Msix::Entry entries[] = {{on_config_interrupt, this, "virtio-blk-config"},
                                           {on_queue_interrupt, this, "virtio-blk-requests"}};
        if (auto msix = bus::pci::Msix::enable(m_pci->function(), entries); !msix.is_error()) {
            m_interrupts = msix.release_value();
            m_pci->set_msix_enabled(true);
            if (device.set_config_vector(0).is_error()) {
                m_pci->set_msix_enabled(false);
                m_interrupts = nullptr;
            } else {
                queue_vector = 1;
            }
        }
        TRY(m_state.with([&](State& state) -> ktl::ErrorOr<void> {
            TRY(m_pci->set_up_queue(queue_index, preferred_queue_size, state.queue, queue_vector));
            // Three descriptors at least a request: header, data, status.
            m_slot_count = state.queue.size() < max_slots ? state.queue.size() : max_slots;
            return {};
        }));
        if (!m_interrupts) {
            // INTx, the fallback: shared and level-triggered, acknowledged by reading the ISR.
            auto line = irq::request_pci_intx(m_pci->function(), on_intx, this, "virtio-blk");
            if (!line.is_error()) {
                m_intx = line.release_value();
                m_pci->set_intx_enabled(true);
            }
        }
        TRY(device.start());
        const char* interrupt_kind = m_interrupts ? "MSI-X" : m_intx.is_active() ? "INTx" : "polled";
        klog::info(
            log_subsystem,
            "{}: {} ({} interface), {} sectors of 512 bytes ({} MiB), blocks of {}, {}{}queue of {}, {}",
            m_pci->name(), name(), m_pci->is_legacy() ? "legacy" : "virtio 1.x", sectors(), size() >> 20,
            logical_block_size(), is_read_only() ? "read-only, " : "", has_flush() ? "write cache, " : "",
            m_slot_count, interrupt_kind);
        return {};
    }

    // Under the state lock: one request as header, data, status.
    ktl::ErrorOr<void> add_to_queue(State& state, size_t slot, block::Request& request) {
        namespace blk = ::virtio::block;
        auto* header = reinterpret_cast<blk::RequestHeader*>(static_cast<uint8_t*>(m_headers.data()) +
                                                             slot * slot_bytes);
        volatile uint8_t* status = reinterpret_cast<volatile uint8_t*>(header) + sizeof(blk::RequestHeader);
        header->type = request.operation == block::Operation::Read    ? blk::request_type::in
                       : request.operation == block::Operation::Write ? blk::request_type::out
                                                                      : blk::request_type::flush;
        header->reserved = 0;
        header->sector = request.operation == block::Operation::Flush ? 0 : request.sector;
        *status = 0xff; // a device that never writes it fails the request
        uint64_t header_physical = m_headers.physical() + slot * slot_bytes;
        ::virtio::BufferSegment readable[1 + block::Request::max_segments];
        ::virtio::BufferSegment writable[1 + block::Request::max_segments];
        size_t readable_count = 0, writable_count = 0;
        readable[readable_count++] = {header_physical, sizeof(blk::RequestHeader)};
        uint32_t data_written = 0;
        for (uint8_t i = 0; i < request.segment_count; ++i) {
            ::virtio::BufferSegment segment{request.segments[i].physical, request.segments[i].length};
            if (request.operation == block::Operation::Read) {
                writable[writable_count++] = segment;
                data_written += segment.length;
            } else {
                readable[readable_count++] = segment;
            }
        }
        writable[writable_count++] = {header_physical + sizeof(blk::RequestHeader), 1};
        TRY(state.queue.add(std::span(readable, readable_count), std::span(writable, writable_count),
                            &state.slots[slot]));
        state.slots[slot] = {&request, data_written + 1, time::monotonic_ns()};
        ++state.in_flight;
        return {};
    }

    bool has_room() {
        return m_state.with([&](State& state) {
            return state.dead || (state.in_flight < m_slot_count &&
                                  state.queue.free_descriptors() >= 2 + block::Request::max_segments);
        });
    }

    // Takes every completion the device published; completes the requests outside the lock.
    void drain() {
        constexpr size_t batch = 32;
        for (;;) {
            block::Request* done[batch];
            int results[batch];
            size_t count = 0;
            ktl::Error fault = ktl::Error::from_errno(ktl::Errno::IoError);
            bool broken = false;
            m_state.with([&](State& state) {
                if (state.dead)
                    return;
                while (count < batch) {
                    ::virtio::Completion completion;
                    auto taken = state.queue.take_used(completion);
                    if (taken.is_error()) {
                        broken = true;
                        fault = taken.error();
                        return;
                    }
                    if (!taken.value())
                        return;
                    auto* slot = static_cast<Slot*>(completion.cookie);
                    size_t index = static_cast<size_t>(slot - state.slots);
                    uint8_t status = *(reinterpret_cast<volatile uint8_t*>(m_headers.data()) +
                                       index * slot_bytes + sizeof(::virtio::block::RequestHeader));
                    int result =
                        ::virtio::block::completion_errno(slot->request->operation == block::Operation::Read,
                                                          slot->expected_written, completion.written, status);
                    done[count] = slot->request;
                    results[count] = result;
                    ++count;
                    slot->request = nullptr;
                    --state.in_flight;
                }
            });
            for (size_t i = 0; i < count; ++i) {
                if (results[i])
                    done[i]->complete(static_cast<ktl::Errno>(results[i]));
                else
                    done[i]->complete({});
            }
            if (count > 0)
                m_slot_freed.wake_all();
            if (broken) {
                fail_device(fault);
                return;
            }
            if (count < batch)
                return;
        }
    }

    // The device broke a rule: reset it, fail what it held, refuse what comes.
    void fail_device(ktl::Error error) {
        bool first = m_state.with([](State& state) {
            bool was_live = !state.dead;
            state.dead = true;
            return was_live;
        });
        if (!first)
            return;
        ::virtio::QueueFault fault = m_state.with([](State& state) { return state.queue.fault(); });
        klog::error(log_subsystem, "{}: disabled ({}{}{})", name(), error.name(),
                    fault == ::virtio::QueueFault::None ? "" : ": ", ::virtio::describe(fault));
        if (m_pci)
            m_pci->fail_and_reset();
        reclaim_all(ktl::Errno::IoError);
        m_slot_freed.wake_all();
    }

    void reclaim_all(ktl::Errno error) {
        block::Request* held[max_slots];
        size_t count = 0;
        m_state.with([&](State& state) {
            state.queue.reclaim_after_reset([](void*) {});
            for (size_t i = 0; i < max_slots; ++i) {
                if (state.slots[i].request) {
                    held[count++] = state.slots[i].request;
                    state.slots[i].request = nullptr;
                }
            }
            state.in_flight = 0;
        });
        for (size_t i = 0; i < count; ++i)
            held[i]->complete(error);
    }

    static irq::Result on_queue_interrupt(void* context) {
        auto* disk = static_cast<VirtioDisk*>(context);
        __atomic_add_fetch(&disk->m_interrupt_count, 1, __ATOMIC_RELAXED);
        disk->drain();
        return irq::Result::Handled;
    }
    static irq::Result on_config_interrupt(void*) {
        return irq::Result::Handled; // a capacity change is not followed yet
    }
    static irq::Result on_intx(void* context) {
        auto* disk = static_cast<VirtioDisk*>(context);
        if (!disk->m_pci)
            return irq::Result::NotMine;
        uint8_t isr = disk->m_pci->device().transport().read_isr();
        if (isr == 0)
            return irq::Result::NotMine; // another device on the shared line
        __atomic_add_fetch(&disk->m_interrupt_count, 1, __ATOMIC_RELAXED);
        disk->drain();
        return irq::Result::Handled;
    }

    ::virtio::block::Geometry m_geometry;
    ::pci::Address m_address{};
    bus::virtio::DmaBuffer m_headers; // freed after m_pci is gone (declared before it)
    ktl::OwnPtr<bus::virtio::VirtioPciDevice> m_pci;
    sync::SpinlockProtected<State> m_state;
    size_t m_slot_count = 0;
    sched::WaitQueue m_slot_freed;
    uint64_t m_interrupt_count = 0;
    irq::Registration m_intx;
    ktl::OwnPtr<bus::pci::Msix> m_interrupts; // last, so it goes first
};

uint64_t VirtioDisk::time_after_ms(uint64_t ms) {
    return time::monotonic_ns() + ms * 1'000'000;
}

struct DriverState {
    ktl::Vector<ktl::RefPtr<VirtioDisk>> disks;
    bool used[max_disks] = {};
};
sync::MutexProtected<DriverState> driver_state;

const char* const pci_patterns[] = {
    "0x1af4 0x1001", // transitional block device (QEMU's virtio-blk-pci on conventional PCI)
    "0x1af4 0x1042", // modern only: 0x1040 + type 2
};

class VirtioBlockDriver final : public bus::pci::PciDriver {
public:
    VirtioBlockDriver()
        : PciDriver("virtio_blk", pci_patterns, sizeof pci_patterns / sizeof pci_patterns[0]) {}

    ktl::ErrorOr<void> probe(bus::pci::PciDevice& pci_device) override {
        // The lowest free index names it, as Linux reuses vda after its disk went.
        uint32_t index = TRY(driver_state.with([](DriverState& state) -> ktl::ErrorOr<uint32_t> {
            for (uint32_t i = 0; i < max_disks; ++i) {
                if (!state.used[i]) {
                    state.used[i] = true;
                    return i;
                }
            }
            return ktl::Errno::NoSpace;
        }));
        auto release_index = [&] {
            driver_state.with([&](DriverState& state) { state.used[index] = false; });
        };
        auto created = VirtioDisk::create(pci_device, index);
        if (created.is_error()) {
            release_index();
            return created.error();
        }
        ktl::RefPtr<VirtioDisk> disk = created.release_value();
        auto kept = driver_state.with([&](DriverState& state) { return state.disks.try_append(disk); });
        if (kept.is_error()) {
            disk->shut_down();
            release_index();
            return kept.error();
        }
        if (auto registered = block::register_device(disk); registered.is_error()) {
            klog::warn(log_subsystem, "cannot register {}: {}", disk->name(), registered.error().name());
            remove_disk(pci_device.address());
            return registered.error();
        }
        (void)block::scan_partitions(*disk); // a disk without a readable table is still a disk
        return {};
    }

    void remove(bus::pci::PciDevice& pci_device) override { remove_disk(pci_device.address()); }

private:
    static void remove_disk(const ::pci::Address& address) {
        ktl::RefPtr<VirtioDisk> disk = driver_state.with([&](DriverState& state) {
            for (size_t i = 0; i < state.disks.size(); ++i) {
                if (state.disks[i]->address() == address) {
                    ktl::RefPtr<VirtioDisk> found = state.disks[i];
                    state.disks.remove(i);
                    return found;
                }
            }
            return ktl::RefPtr<VirtioDisk>();
        });
        if (!disk)
            return;
        (void)block::sync_device(*disk); // what the cache holds, while the device still answers
        block::unregister_device(*disk);
        disk->shut_down();
        uint32_t index = disk->minor() / block::virtio_minors_per_disk;
        driver_state.with([&](DriverState& state) { state.used[index] = false; });
    }
};

VirtioBlockDriver blk_driver;
PCI_DRIVER(blk_driver);

} // namespace

size_t disk_count() {
    return driver_state.with([](DriverState& state) { return state.disks.size(); });
}

} // namespace dev::virtio_blk
