#include "bus/virtio/virtio_pci.h"

#include "arch/io.h"
#include "bus/pci.h"
#include "console/log.h"
#include "mm/direct_map.h"
#include "mm/kernel_space.h"
#include "mm/physical.h"
#include "pci/registers.h"
#include "virtio/spec.h"

#include <new>

namespace bus::virtio {

namespace {

using ::virtio::QueueAddresses;
namespace common_cfg = ::virtio::common_cfg;
namespace legacy_io = ::virtio::legacy_io;

constexpr ktl::StringView log_subsystem = "virtio";

// A mapped register window of the modern interface. Every access is one volatile load or store of
// the field's width, as the spec requires; offsets beyond the window read all ones and drop writes,
// so a short device-configuration window cannot be overrun by a driver's mistake.
class MmioWindow {
public:
    ktl::ErrorOr<void> map(const ::virtio::pci::Window& window) {
        if (!window.present)
            return {};
        m_base = static_cast<volatile uint8_t*>(TRY(mm::map_mmio(window.physical, window.length)));
        m_length = window.length;
        return {};
    }
    ~MmioWindow() {
        if (m_base)
            mm::unmap_mmio(const_cast<uint8_t*>(m_base), m_length);
    }
    uint32_t length() const { return m_length; }

    template <typename T>
    T read(uint32_t offset) const {
        if (!fits<T>(offset))
            return static_cast<T>(~T(0));
        return *reinterpret_cast<volatile T*>(m_base + offset);
    }
    template <typename T>
    void write(uint32_t offset, T value) const {
        if (fits<T>(offset))
            *reinterpret_cast<volatile T*>(m_base + offset) = value;
    }

private:
    template <typename T>
    bool fits(uint32_t offset) const {
        return m_base && offset % sizeof(T) == 0 && offset <= m_length && sizeof(T) <= m_length - offset;
    }

    volatile uint8_t* m_base = nullptr;
    uint32_t m_length = 0;
};

// The modern interface: common configuration, notification, ISR and device configuration windows.
class ModernTransport final : public ::virtio::Transport {
public:
    ktl::ErrorOr<void> map(const ::virtio::pci::ModernLayout& layout) {
        TRY(m_common.map(layout.common));
        TRY(m_notify.map(layout.notify));
        TRY(m_isr.map(layout.isr));
        TRY(m_device.map(layout.device));
        m_notify_multiplier = layout.notify_offset_multiplier;
        // The device's count, within reason: each queue costs a notify-offset slot here.
        uint16_t queues = m_common.read<uint16_t>(common_cfg::num_queues);
        if (queues > max_queues)
            queues = max_queues;
        TRY(m_notify_offsets.try_resize(queues));
        for (uint32_t& offset : m_notify_offsets)
            offset = no_notify_offset;
        return {};
    }

    bool is_legacy() const override { return false; }
    uint8_t read_status() override { return m_common.read<uint8_t>(common_cfg::device_status); }
    void write_status(uint8_t status) override { m_common.write<uint8_t>(common_cfg::device_status, status); }
    uint64_t read_device_features() override {
        m_common.write<uint32_t>(common_cfg::device_feature_select, 0);
        uint64_t low = m_common.read<uint32_t>(common_cfg::device_feature);
        m_common.write<uint32_t>(common_cfg::device_feature_select, 1);
        uint64_t high = m_common.read<uint32_t>(common_cfg::device_feature);
        return low | high << 32;
    }
    void write_driver_features(uint64_t features) override {
        m_common.write<uint32_t>(common_cfg::driver_feature_select, 0);
        m_common.write<uint32_t>(common_cfg::driver_feature, static_cast<uint32_t>(features));
        m_common.write<uint32_t>(common_cfg::driver_feature_select, 1);
        m_common.write<uint32_t>(common_cfg::driver_feature, static_cast<uint32_t>(features >> 32));
    }
    uint16_t queue_count() override { return static_cast<uint16_t>(m_notify_offsets.size()); }
    uint16_t queue_max_size(uint16_t index) override {
        if (index >= queue_count())
            return 0;
        m_common.write<uint16_t>(common_cfg::queue_select, index);
        return m_common.read<uint16_t>(common_cfg::queue_size);
    }
    ktl::ErrorOr<void> enable_queue(uint16_t index, const QueueAddresses& addresses) override {
        if (index >= queue_count())
            return ktl::Errno::InvalidArgument;
        m_common.write<uint16_t>(common_cfg::queue_select, index);
        // Where this queue's doorbell is; a device-chosen offset outside the window is refused.
        uint64_t offset =
            uint64_t(m_common.read<uint16_t>(common_cfg::queue_notify_off)) * m_notify_multiplier;
        if (offset + 2 > m_notify.length())
            return ktl::Errno::IoError;
        m_common.write<uint16_t>(common_cfg::queue_size, addresses.size);
        write64(common_cfg::queue_desc, addresses.descriptors);
        write64(common_cfg::queue_driver, addresses.driver_area);
        write64(common_cfg::queue_device, addresses.device_area);
        m_notify_offsets[index] = static_cast<uint32_t>(offset);
        m_common.write<uint16_t>(common_cfg::queue_enable, 1);
        return {};
    }
    void notify(uint16_t index) override {
        if (index < queue_count() && m_notify_offsets[index] != no_notify_offset)
            m_notify.write<uint16_t>(m_notify_offsets[index], index);
    }
    uint8_t read_isr() override { return m_isr.read<uint8_t>(0); }
    uint16_t set_config_vector(uint16_t vector) override {
        m_common.write<uint16_t>(common_cfg::config_msix_vector, vector);
        return m_common.read<uint16_t>(common_cfg::config_msix_vector);
    }
    uint16_t set_queue_vector(uint16_t index, uint16_t vector) override {
        m_common.write<uint16_t>(common_cfg::queue_select, index);
        m_common.write<uint16_t>(common_cfg::queue_msix_vector, vector);
        return m_common.read<uint16_t>(common_cfg::queue_msix_vector);
    }
    uint32_t device_config_size() override { return m_device.length(); }
    uint8_t read_config_generation() override {
        return m_common.read<uint8_t>(common_cfg::config_generation);
    }
    uint8_t read_device_config8(uint32_t offset) override { return m_device.read<uint8_t>(offset); }
    uint16_t read_device_config16(uint32_t offset) override { return m_device.read<uint16_t>(offset); }
    uint32_t read_device_config32(uint32_t offset) override { return m_device.read<uint32_t>(offset); }
    void write_device_config8(uint32_t offset, uint8_t value) override { m_device.write(offset, value); }
    void write_device_config16(uint32_t offset, uint16_t value) override { m_device.write(offset, value); }
    void write_device_config32(uint32_t offset, uint32_t value) override { m_device.write(offset, value); }

private:
    static constexpr uint32_t no_notify_offset = UINT32_MAX;
    static constexpr uint16_t max_queues = 1024;

    // 64-bit fields as two 32-bit halves, low first: the spec allows it and not every host takes
    // a 64-bit access.
    void write64(uint16_t offset, uint64_t value) {
        m_common.write<uint32_t>(offset, static_cast<uint32_t>(value));
        m_common.write<uint32_t>(static_cast<uint16_t>(offset + 4), static_cast<uint32_t>(value >> 32));
    }

    MmioWindow m_common, m_notify, m_isr, m_device;
    uint32_t m_notify_multiplier = 0;
    ktl::Vector<uint32_t> m_notify_offsets; // per queue, set when it is enabled
};

// The legacy interface: one register block in I/O BAR 0. The device configuration starts at 0x14, or
// at 0x18 while MSI-X is enabled (the two vector registers come first).
class LegacyTransport final : public ::virtio::Transport {
public:
    // Legacy devices do not say how many queues they have: queues are probed up to this many.
    static constexpr uint16_t max_queues = 64;

    explicit LegacyTransport(const ::virtio::pci::LegacyLayout& layout)
        : m_base(layout.io_base), m_length(layout.length) {}

    bool is_legacy() const override { return true; }
    uint8_t read_status() override { return arch::in8(port(legacy_io::device_status)); }
    void write_status(uint8_t status) override { arch::out8(port(legacy_io::device_status), status); }
    uint64_t read_device_features() override { return arch::in32(port(legacy_io::device_features)); }
    void write_driver_features(uint64_t features) override {
        arch::out32(port(legacy_io::driver_features), static_cast<uint32_t>(features));
    }
    uint16_t queue_count() override { return max_queues; }
    uint16_t queue_max_size(uint16_t index) override {
        arch::out16(port(legacy_io::queue_select), index);
        return arch::in16(port(legacy_io::queue_size));
    }
    ktl::ErrorOr<void> enable_queue(uint16_t index, const QueueAddresses& addresses) override {
        // The legacy layout is implied by the size: the available ring right after the descriptors,
        // the used ring on the next page. Only the page number of the whole is given, in 32 bits.
        uint64_t available = addresses.descriptors + 16ull * addresses.size;
        uint64_t used = (available + 6 + 2ull * addresses.size + 4095) & ~uint64_t(4095);
        if (addresses.descriptors % 4096 != 0 || addresses.driver_area != available ||
            addresses.device_area != used || (addresses.descriptors >> 12) > UINT32_MAX)
            return ktl::Errno::InvalidArgument;
        arch::out16(port(legacy_io::queue_select), index);
        arch::out32(port(legacy_io::queue_address), static_cast<uint32_t>(addresses.descriptors >> 12));
        return {};
    }
    void notify(uint16_t index) override { arch::out16(port(legacy_io::queue_notify), index); }
    uint8_t read_isr() override { return arch::in8(port(legacy_io::isr_status)); }
    uint16_t set_config_vector(uint16_t vector) override {
        if (!m_msix)
            return ::virtio::no_msix_vector;
        arch::out16(port(legacy_io::config_msix_vector), vector);
        return arch::in16(port(legacy_io::config_msix_vector));
    }
    uint16_t set_queue_vector(uint16_t index, uint16_t vector) override {
        if (!m_msix)
            return ::virtio::no_msix_vector;
        arch::out16(port(legacy_io::queue_select), index);
        arch::out16(port(legacy_io::queue_msix_vector), vector);
        return arch::in16(port(legacy_io::queue_msix_vector));
    }
    void set_msix_enabled(bool enabled) override {
        m_msix = enabled && m_length >= legacy_io::device_config_with_msix;
    }
    uint32_t device_config_size() override { return m_length - config_offset(); }
    uint8_t read_config_generation() override { return 0; }
    uint8_t read_device_config8(uint32_t offset) override {
        return fits(offset, 1) ? arch::in8(config_port(offset)) : 0xff;
    }
    uint16_t read_device_config16(uint32_t offset) override {
        return fits(offset, 2) ? arch::in16(config_port(offset)) : 0xffff;
    }
    uint32_t read_device_config32(uint32_t offset) override {
        return fits(offset, 4) ? arch::in32(config_port(offset)) : 0xffffffff;
    }
    void write_device_config8(uint32_t offset, uint8_t value) override {
        if (fits(offset, 1))
            arch::out8(config_port(offset), value);
    }
    void write_device_config16(uint32_t offset, uint16_t value) override {
        if (fits(offset, 2))
            arch::out16(config_port(offset), value);
    }
    void write_device_config32(uint32_t offset, uint32_t value) override {
        if (fits(offset, 4))
            arch::out32(config_port(offset), value);
    }

private:
    uint16_t port(uint16_t offset) const { return static_cast<uint16_t>(m_base + offset); }
    uint16_t config_offset() const {
        return m_msix ? legacy_io::device_config_with_msix : legacy_io::device_config;
    }
    uint16_t config_port(uint32_t offset) const {
        return static_cast<uint16_t>(m_base + config_offset() + offset);
    }
    bool fits(uint32_t offset, uint32_t width) const {
        uint32_t size = m_length - config_offset();
        return offset <= size && width <= size - offset;
    }

    uint16_t m_base;
    uint32_t m_length; // find_legacy_layout checked it holds the common registers
    bool m_msix = false;
};

// The command register's INTx disable bit (PCI 3.0 §6.2.2).
constexpr uint16_t command_interrupt_disable = 1 << 10;

// Turns on what the transport decodes, and bus mastering so the device can reach the rings. INTx stays
// off: completions are polled, and an asserted level-triggered line nobody acknowledges would bother
// whoever shares it (MSI-X, when it comes, does not use INTx either).
void enable_function(const ::pci::Function& function, bool memory, bool io) {
    ::pci::ConfigSpace& config = bus::pci::config_space();
    uint16_t command = config.read16(function.address, ::pci::reg::command);
    command |= ::pci::reg::command_bus_master | command_interrupt_disable;
    if (memory)
        command |= ::pci::reg::command_memory_space;
    if (io)
        command |= ::pci::reg::command_io_space;
    config.write16(function.address, ::pci::reg::command, command);
}

} // namespace

// --- DmaBuffer ---

ktl::ErrorOr<DmaBuffer> DmaBuffer::allocate(size_t bytes) {
    if (bytes == 0)
        return ktl::Errno::InvalidArgument;
    size_t pages = (bytes + 4095) / 4096;
    // Below 4 GiB is not needed by virtio 1.x, but the legacy queue address is a 32-bit page number.
    uint64_t physical = TRY(mm::allocate_contiguous_frames(pages, 1, uint64_t(1) << 44));
    DmaBuffer buffer;
    buffer.m_physical = physical;
    buffer.m_pages = pages;
    buffer.m_data = mm::physical_to_virtual(physical);
    __builtin_memset(buffer.m_data, 0, pages * 4096);
    return buffer;
}

DmaBuffer::DmaBuffer(DmaBuffer&& other)
    : m_data(other.m_data), m_physical(other.m_physical), m_pages(other.m_pages) {
    other.m_data = nullptr;
    other.m_pages = 0;
}

DmaBuffer& DmaBuffer::operator=(DmaBuffer&& other) {
    if (this != &other) {
        this->~DmaBuffer();
        new (this) DmaBuffer(static_cast<DmaBuffer&&>(other));
    }
    return *this;
}

DmaBuffer::~DmaBuffer() {
    if (m_pages)
        mm::free_contiguous_frames(m_physical, m_pages);
    m_pages = 0;
    m_data = nullptr;
}

// --- discovery ---

void for_each_virtio_function(
    ktl::FunctionRef<void(const ::pci::Function&, const ::virtio::pci::Identity&)> visit) {
    bus::pci::for_each_function([&](const ::pci::Function& function) {
        ::virtio::pci::Identity identity;
        if (::virtio::pci::identify(function, identity))
            visit(function, identity);
    });
}

// --- VirtioPciDevice ---

void VirtioPciDevice::set_intx_enabled(bool enabled) {
    ::pci::ConfigSpace& config = bus::pci::config_space();
    uint16_t command = config.read16(m_function.address, ::pci::reg::command);
    if (enabled)
        command &= static_cast<uint16_t>(~command_interrupt_disable);
    else
        command |= command_interrupt_disable;
    config.write16(m_function.address, ::pci::reg::command, command);
}

VirtioPciDevice::VirtioPciDevice(const ::pci::Function& function, const ::virtio::pci::Identity& identity,
                                 ktl::OwnPtr<::virtio::Transport> transport)
    : m_function(function), m_identity(identity),
      m_transport(static_cast<ktl::OwnPtr<::virtio::Transport>&&>(transport)), m_device(*m_transport.ptr()) {
    ::pci::format_address(function.address, m_name);
}

ktl::ErrorOr<ktl::OwnPtr<VirtioPciDevice>> VirtioPciDevice::open(const ::pci::Function& function) {
    ::virtio::pci::Identity identity;
    if (!::virtio::pci::identify(function, identity))
        return ktl::Errno::NoDevice;
    ktl::OwnPtr<::virtio::Transport> transport;
    auto modern_layout = ::virtio::pci::find_modern_layout(bus::pci::config_space(), function);
    if (!modern_layout.is_error()) {
        auto* modern = new (std::nothrow) ModernTransport;
        if (!modern)
            return ktl::Errno::NoMemory;
        transport = ktl::adopt_own<::virtio::Transport>(modern);
        enable_function(function, true, false);
        TRY(modern->map(modern_layout.value()));
    } else {
        auto legacy_layout = ::virtio::pci::find_legacy_layout(function);
        if (legacy_layout.is_error() || !identity.transitional)
            return ktl::Errno::NoDevice;
        auto* legacy = new (std::nothrow) LegacyTransport(legacy_layout.value());
        if (!legacy)
            return ktl::Errno::NoMemory;
        transport = ktl::adopt_own<::virtio::Transport>(legacy);
        enable_function(function, false, true);
    }
    auto* device = new (std::nothrow)
        VirtioPciDevice(function, identity, static_cast<ktl::OwnPtr<::virtio::Transport>&&>(transport));
    if (!device)
        return ktl::Errno::NoMemory;
    return ktl::adopt_own(device);
}

VirtioPciDevice::~VirtioPciDevice() {
    // The device must stop using the queues before their memory goes back to the allocator.
    if (m_device.reset().is_error()) {
        klog::warn(log_subsystem, "{}: the device does not finish its reset; its queue memory is leaked",
                   m_name);
        for (DmaBuffer& buffer : m_queue_memory)
            buffer.leak();
    }
}

bool VirtioPciDevice::is_legacy() const {
    return m_transport->is_legacy();
}

void VirtioPciDevice::set_msix_enabled(bool enabled) {
    m_transport->set_msix_enabled(enabled);
}

ktl::ErrorOr<void> VirtioPciDevice::set_up_queue(uint16_t index, uint16_t preferred_size,
                                                 ::virtio::SplitQueue& queue, uint16_t msix_vector) {
    uint16_t size = TRY(m_device.choose_queue_size(index, preferred_size));
    auto layout = TRY(::virtio::SplitQueueLayout::for_size(size));
    DmaBuffer memory = TRY(DmaBuffer::allocate(layout.total_bytes));
    TRY(queue.initialize(index, size, {memory.data(), memory.physical(), memory.size()},
                         m_device.has_feature(::virtio::feature::ring_event_idx)));
    TRY(m_queue_memory.try_append(static_cast<DmaBuffer&&>(memory)));
    TRY(m_device.enable_queue(queue, msix_vector));
    return {};
}

void VirtioPciDevice::notify(uint16_t queue_index) {
    m_transport->notify(queue_index);
}

void VirtioPciDevice::fail_and_reset() {
    m_device.fail();
    if (m_device.reset().is_error())
        klog::error(log_subsystem, "{}: the device does not finish its reset", m_name);
}

} // namespace bus::virtio
