#include "bus/pci_bus.h"

#include "bus/pci.h"
#include "console/log.h"
#include "ktl/format.h"
#include "mm/kernel_space.h"
#include "pci/pattern.h"
#include "pci/registers.h"

#include <new>

namespace bus::pci {

namespace {

constexpr ktl::StringView log_subsystem = "pci";

class PciBus final : public device::Bus {
public:
    PciBus() : Bus("pci") {}

    bool matches(const device::Driver& driver, const device::Device& device) const override {
        return static_cast<const PciDriver&>(driver).matches(static_cast<const PciDevice&>(device));
    }

    ktl::ErrorOr<void> check_driver(const device::Driver& driver) const override {
        const auto& pci_driver = static_cast<const PciDriver&>(driver);
        for (size_t i = 0; i < pci_driver.pattern_count(); ++i) {
            if (auto parsed = ::pci::PciPattern::parse(pci_driver.pattern(i)); parsed.is_error()) {
                klog::error(log_subsystem, "driver {}: bad match pattern \"{}\": {}", driver.name(),
                            pci_driver.pattern(i), parsed.error().name());
                return ktl::Errno::InvalidArgument;
            }
        }
        return {};
    }

    // Linux names the host bridge's directory after the domain and root bus.
    ktl::StringView root_directory_name() const override { return "pci0000:00"; }

    ktl::ErrorOr<void> add_attributes(device::Device& device, fs::sysfs::Node& directory) override;
};

PciBus the_bus;

const PciDevice& pci_device(void* object) {
    return *static_cast<const PciDevice*>(object);
}

// Linux's sysfs formats: ids and class in hex with 0x, the IRQ in decimal.
ktl::ErrorOr<void> show_vendor(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{:#06x}\n", pci_device(object).function().vendor_id);
    return {};
}
ktl::ErrorOr<void> show_device(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{:#06x}\n", pci_device(object).function().device_id);
    return {};
}
ktl::ErrorOr<void> show_subsystem_vendor(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{:#06x}\n", pci_device(object).function().subsystem_vendor_id);
    return {};
}
ktl::ErrorOr<void> show_subsystem_device(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{:#06x}\n", pci_device(object).function().subsystem_id);
    return {};
}
ktl::ErrorOr<void> show_class(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{:#08x}\n", pci_device(object).function().class_triple());
    return {};
}
ktl::ErrorOr<void> show_revision(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{:#04x}\n", pci_device(object).function().revision);
    return {};
}
ktl::ErrorOr<void> show_irq(void* object, ktl::StringBuilder& out) {
    const ::pci::Function& function = pci_device(object).function();
    ktl::format_to(out, "{}\n", function.interrupt_pin ? function.interrupt_line : 0);
    return {};
}
ktl::ErrorOr<void> show_enable(void* object, ktl::StringBuilder& out) {
    uint16_t command = pci_device(object).config_read16(::pci::reg::command);
    bool enabled = command & (::pci::reg::command_io_space | ::pci::reg::command_memory_space);
    ktl::format_to(out, "{}\n", enabled ? 1 : 0);
    return {};
}
ktl::ErrorOr<void> show_modalias(void* object, ktl::StringBuilder& out) {
    const ::pci::Function& function = pci_device(object).function();
    ktl::format_to(out, "pci:v{:08X}d{:08X}sv{:08X}sd{:08X}bc{:02X}sc{:02X}i{:02X}\n", function.vendor_id,
                   function.device_id, function.subsystem_vendor_id, function.subsystem_id,
                   function.class_code, function.subclass, function.prog_if);
    return {};
}

// Linux's IORESOURCE_* flags with the BAR's own low bits, as /sys/.../resource shows them.
uint64_t resource_flags(const ::pci::Bar& bar) {
    constexpr uint64_t io = 0x100, memory = 0x200, prefetch = 0x2000, size_align = 0x40000,
                       memory64 = 0x100000;
    if (bar.kind == ::pci::BarKind::Io)
        return io | size_align | 0x1;
    uint64_t flags = memory | size_align;
    if (bar.kind == ::pci::BarKind::Memory64)
        flags |= memory64 | 0x4;
    if (bar.prefetchable)
        flags |= prefetch | 0x8;
    return flags;
}

// One "start end flags" line per BAR and one for the expansion ROM (not sized yet: zeros).
ktl::ErrorOr<void> show_resource(void* object, ktl::StringBuilder& out) {
    const PciDevice& device = pci_device(object);
    for (uint8_t index = 0; index < 7; ++index) {
        const ::pci::Bar* bar = index < 6 ? device.bar(index) : nullptr;
        if (bar && bar->size && bar->address)
            ktl::format_to(out, "{:#018x} {:#018x} {:#018x}\n", bar->address, bar->address + bar->size - 1,
                           resource_flags(*bar));
        else
            ktl::format_to(out, "{:#018x} {:#018x} {:#018x}\n", 0, 0, 0);
    }
    return {};
}

// The configuration space as bytes; an unprivileged reader gets the first 64, as on Linux.
ktl::ErrorOr<void> show_config(void* object, ktl::StringBuilder& out) {
    const PciDevice& device = pci_device(object);
    uint16_t size = config_space().has_extended_space() ? ::pci::ConfigSpace::extended_size
                                                        : ::pci::ConfigSpace::conventional_size;
    for (uint16_t offset = 0; offset < size; offset += 4) {
        uint32_t value = device.config_read32(offset);
        for (int byte = 0; byte < 4; ++byte)
            TRY(out.try_append(static_cast<char>(value >> (8 * byte))));
    }
    return {};
}

ktl::ErrorOr<void> PciBus::add_attributes(device::Device& device, fs::sysfs::Node& directory) {
    struct Attribute {
        const char* name;
        fs::sysfs::Show show;
    };
    constexpr Attribute text_attributes[] = {
        {"vendor", show_vendor},
        {"device", show_device},
        {"subsystem_vendor", show_subsystem_vendor},
        {"subsystem_device", show_subsystem_device},
        {"class", show_class},
        {"revision", show_revision},
        {"irq", show_irq},
        {"enable", show_enable},
        {"modalias", show_modalias},
        {"resource", show_resource},
    };
    for (const Attribute& attribute : text_attributes)
        TRY(fs::sysfs::create_attribute(directory, {attribute.name, 0444, attribute.show, nullptr, &device}));
    uint64_t config_size = config_space().has_extended_space() ? ::pci::ConfigSpace::extended_size
                                                               : ::pci::ConfigSpace::conventional_size;
    TRY(fs::sysfs::create_attribute(directory,
                                    {"config", 0644 & ~0222, show_config, nullptr, &device, config_size}));
    return {};
}

} // namespace

PciDevice::PciDevice(device::Bus& bus, device::Device* parent, const ::pci::Function& function)
    : Device(bus, parent), m_function(function) {
    ::pci::format_address(function.address, m_name);
}

uint8_t PciDevice::config_read8(uint16_t offset) const {
    return config_space().read8(m_function.address, offset);
}
uint16_t PciDevice::config_read16(uint16_t offset) const {
    return config_space().read16(m_function.address, offset);
}
uint32_t PciDevice::config_read32(uint16_t offset) const {
    return config_space().read32(m_function.address, offset);
}
void PciDevice::config_write8(uint16_t offset, uint8_t value) {
    config_space().write8(m_function.address, offset, value);
}
void PciDevice::config_write16(uint16_t offset, uint16_t value) {
    config_space().write16(m_function.address, offset, value);
}
void PciDevice::config_write32(uint16_t offset, uint32_t value) {
    config_space().write32(m_function.address, offset, value);
}

void PciDevice::enable(Enable what) {
    uint16_t command = config_read16(::pci::reg::command);
    if (what.io)
        command |= ::pci::reg::command_io_space;
    if (what.memory)
        command |= ::pci::reg::command_memory_space;
    if (what.bus_master)
        command |= ::pci::reg::command_bus_master;
    config_write16(::pci::reg::command, command);
}

void PciDevice::disable() {
    uint16_t command = config_read16(::pci::reg::command);
    command &= static_cast<uint16_t>(
        ~(::pci::reg::command_io_space | ::pci::reg::command_memory_space | ::pci::reg::command_bus_master));
    config_write16(::pci::reg::command, command);
}

const ::pci::Bar* PciDevice::bar(uint8_t index) const {
    for (const ::pci::Bar& bar : m_function.bars) {
        if (bar.index == index)
            return &bar;
    }
    return nullptr;
}

ktl::ErrorOr<volatile void*> PciDevice::map_bar(uint8_t index) {
    const ::pci::Bar* found = bar(index);
    if (!found || found->size == 0)
        return ktl::Errno::NoEntry;
    if (found->kind == ::pci::BarKind::Io || found->address == 0)
        return ktl::Errno::InvalidArgument;
    void* mapping = TRY(mm::map_mmio(found->address, found->size));
    return static_cast<volatile void*>(mapping);
}

void PciDevice::unmap_bar(uint8_t index, volatile void* mapping) {
    const ::pci::Bar* found = bar(index);
    if (found && mapping)
        mm::unmap_mmio(const_cast<void*>(mapping), found->size);
}

PciDriver::PciDriver(ktl::StringView name, const char* const* patterns, size_t pattern_count)
    : Driver(name, the_bus), m_patterns(patterns), m_pattern_count(pattern_count) {}

bool PciDriver::matches(const PciDevice& device) const {
    for (size_t i = 0; i < m_pattern_count; ++i) {
        auto pattern = ::pci::PciPattern::parse(m_patterns[i]);
        if (!pattern.is_error() && pattern.value().matches(device.function()))
            return true;
    }
    return false;
}

device::Bus& pci_bus() {
    return the_bus;
}

void add_devices() {
    if (auto registered = device::register_bus(the_bus); registered.is_error()) {
        klog::error(log_subsystem, "cannot register the bus: {}", registered.error().name());
        return;
    }
    // Scan order is depth first, so a bridge is always added before the functions behind it.
    constexpr size_t max_bridges = 64;
    struct Bridge {
        PciDevice* device;
        uint8_t secondary, subordinate;
    };
    Bridge bridges[max_bridges];
    size_t bridge_count = 0;
    size_t added = 0;
    for_each_function([&](const ::pci::Function& function) {
        PciDevice* parent = nullptr;
        // The innermost bridge whose bus range holds this function's bus.
        for (size_t i = 0; i < bridge_count; ++i) {
            if (function.address.bus >= bridges[i].secondary &&
                function.address.bus <= bridges[i].subordinate && function.address.bus != 0)
                parent = bridges[i].device;
        }
        auto* device = new (std::nothrow) PciDevice(the_bus, parent, function);
        if (!device) {
            klog::error(log_subsystem, "no memory for device {:02x}:{:02x}.{}", function.address.bus,
                        function.address.device, function.address.function);
            return;
        }
        if (auto result = device::add_device(*device); result.is_error()) {
            klog::error(log_subsystem, "cannot add {}: {}", device->name(), result.error().name());
            delete device;
            return;
        }
        ++added;
        if (function.is_pci_bridge() && bridge_count < max_bridges && function.secondary_bus != 0)
            bridges[bridge_count++] = {device, function.secondary_bus, function.subordinate_bus};
    });
    klog::debug(log_subsystem, "{} devices in the device model", added);
}

} // namespace bus::pci
