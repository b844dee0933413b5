// The PCI driver API for loadable modules (module/pci_driver_api.h) over the device model: each
// registered module_pci_driver becomes a PciDriver whose probe and remove call the module's.
#include "bus/pci_bus.h"
#include "console/log.h"
#include "ktl/vector.h"
#include "module/pci_driver_api.h"
#include "sync/mutex.h"

#include <new>

namespace bus::pci {

namespace {

// The handle a module holds is the PciDevice itself, behind an opaque type.
PciDevice& device_of(module_pci_device* device) {
    return *reinterpret_cast<PciDevice*>(device);
}
const PciDevice& device_of(const module_pci_device* device) {
    return *reinterpret_cast<const PciDevice*>(device);
}
module_pci_device* handle_of(PciDevice& device) {
    return reinterpret_cast<module_pci_device*>(&device);
}

class ModulePciDriver final : public PciDriver {
public:
    ModulePciDriver(module_pci_driver& driver, void* module)
        : PciDriver(driver.name, driver.patterns, driver.pattern_count), m_driver(driver), m_module(module) {
        set_owner(static_cast<module::Module*>(module));
    }

    ktl::ErrorOr<void> probe(PciDevice& device) override {
        int result = m_driver.probe(handle_of(device));
        if (result == 0)
            return {};
        // A module's errno is Linux's, as ours; anything else is its bug, reported as ENODEV.
        if (result < 0 && result > -4096)
            return static_cast<ktl::Errno>(-result);
        return ktl::Errno::NoDevice;
    }
    void remove(PciDevice& device) override { m_driver.remove(handle_of(device)); }

    void* module() const { return m_module; }

private:
    module_pci_driver& m_driver;
    void* m_module;
};

// The adapters of every module's drivers, so what a module leaves registered is dropped when it goes.
sync::MutexProtected<ktl::Vector<ModulePciDriver*>> adapters;

} // namespace

void forget_adapter(ModulePciDriver* adapter) {
    adapters.with([&](ktl::Vector<ModulePciDriver*>& list) {
        for (size_t i = 0; i < list.size(); ++i) {
            if (list[i] == adapter) {
                list.remove(i);
                return;
            }
        }
    });
}

void release_module_drivers(module::Module* module) {
    for (;;) {
        ModulePciDriver* left = adapters.with([&](ktl::Vector<ModulePciDriver*>& list) -> ModulePciDriver* {
            for (size_t i = 0; i < list.size(); ++i) {
                if (list[i]->module() == module) {
                    ModulePciDriver* adapter = list[i];
                    list.remove(i);
                    return adapter;
                }
            }
            return nullptr;
        });
        if (!left)
            return;
        klog::warn("pci", "driver {} was left registered by its module: unregistered", left->name());
        device::unregister_driver(*left);
        delete left;
    }
}

} // namespace bus::pci

using bus::pci::device_of;

extern "C" {

int module_pci_register_driver(void* module, module_pci_driver* driver) {
    if (!driver || !driver->name || !driver->probe || !driver->remove ||
        (driver->pattern_count && !driver->patterns))
        return -static_cast<int>(ktl::Errno::InvalidArgument);
    if (driver->kernel_private)
        return -static_cast<int>(ktl::Errno::Busy);
    auto* adapter = new (std::nothrow) bus::pci::ModulePciDriver(*driver, module);
    if (!adapter)
        return -static_cast<int>(ktl::Errno::NoMemory);
    bool listed = bus::pci::adapters.with(
        [&](ktl::Vector<bus::pci::ModulePciDriver*>& list) { return !list.try_append(adapter).is_error(); });
    if (!listed) {
        delete adapter;
        return -static_cast<int>(ktl::Errno::NoMemory);
    }
    if (auto registered = device::register_driver(*adapter); registered.is_error()) {
        bus::pci::forget_adapter(adapter);
        delete adapter;
        return -static_cast<int>(registered.error().code());
    }
    driver->kernel_private = adapter;
    return 0;
}

void module_pci_unregister_driver(void* module, module_pci_driver* driver) {
    if (!driver || !driver->kernel_private)
        return;
    auto* adapter = static_cast<bus::pci::ModulePciDriver*>(driver->kernel_private);
    if (adapter->module() != module) {
        klog::error("pci", "driver {}: unregistered by a module that did not register it", adapter->name());
        return;
    }
    device::unregister_driver(*adapter);
    bus::pci::forget_adapter(adapter);
    driver->kernel_private = nullptr;
    delete adapter;
}

uint16_t module_pci_vendor_id(const module_pci_device* device) {
    return device_of(device).function().vendor_id;
}
uint16_t module_pci_device_id(const module_pci_device* device) {
    return device_of(device).function().device_id;
}
uint32_t module_pci_class(const module_pci_device* device) {
    return device_of(device).function().class_triple();
}
const char* module_pci_name(const module_pci_device* device) {
    return device_of(device).name().data(); // NUL-terminated: PciDevice keeps 13 bytes
}

uint32_t module_pci_config_read32(const module_pci_device* device, uint16_t offset) {
    return device_of(device).config_read32(offset);
}
void module_pci_config_write32(module_pci_device* device, uint16_t offset, uint32_t value) {
    device_of(device).config_write32(offset, value);
}
uint16_t module_pci_config_read16(const module_pci_device* device, uint16_t offset) {
    return device_of(device).config_read16(offset);
}
void module_pci_config_write16(module_pci_device* device, uint16_t offset, uint16_t value) {
    device_of(device).config_write16(offset, value);
}
uint8_t module_pci_config_read8(const module_pci_device* device, uint16_t offset) {
    return device_of(device).config_read8(offset);
}

void module_pci_enable(module_pci_device* device, unsigned what) {
    device_of(device).enable({.io = (what & module_pci_enable_io) != 0,
                              .memory = (what & module_pci_enable_memory) != 0,
                              .bus_master = (what & module_pci_enable_bus_master) != 0});
}
void module_pci_disable(module_pci_device* device) {
    device_of(device).disable();
}

int module_pci_bar(const module_pci_device* device, int index, uint64_t* address, uint64_t* size) {
    const ::pci::Bar* bar =
        index >= 0 && index < 6 ? device_of(device).bar(static_cast<uint8_t>(index)) : nullptr;
    if (address)
        *address = bar ? bar->address : 0;
    if (size)
        *size = bar ? bar->size : 0;
    if (!bar || bar->size == 0)
        return 0;
    return bar->kind == ::pci::BarKind::Io ? 1 : 2;
}

volatile void* module_pci_map_bar(module_pci_device* device, int index) {
    if (index < 0 || index >= 6)
        return nullptr;
    auto mapping = device_of(device).map_bar(static_cast<uint8_t>(index));
    return mapping.is_error() ? nullptr : mapping.value();
}
void module_pci_unmap_bar(module_pci_device* device, int index, volatile void* mapping) {
    if (index >= 0 && index < 6)
        device_of(device).unmap_bar(static_cast<uint8_t>(index), mapping);
}

void module_pci_set_driver_data(module_pci_device* device, void* data) {
    device_of(device).set_driver_data(data);
}
void* module_pci_driver_data(const module_pci_device* device) {
    return device_of(device).driver_data();
}

} // extern "C"
