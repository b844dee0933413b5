// PCI in the device model: every function the boot scan found is a PciDevice on the "pci" bus, and a
// PciDriver matches functions with the seed's PciPattern syntax ("vendor device subvendor subdevice
// class classmask", `*` for any). docs/drivers.md has a driver from start to end.
#pragma once

#include "device/device.h"
#include "pci/function.h"

#include <cstddef>
#include <cstdint>

namespace bus::pci {

class PciDevice final : public device::Device {
public:
    PciDevice(device::Bus& bus, device::Device* parent, const ::pci::Function& function);

    ktl::StringView name() const override { return ktl::StringView(m_name, 12); }
    const ::pci::Function& function() const { return m_function; }
    ::pci::Address address() const { return m_function.address; }

    // Configuration space of this function (offsets below 256, or 4096 with ECAM).
    uint8_t config_read8(uint16_t offset) const;
    uint16_t config_read16(uint16_t offset) const;
    uint32_t config_read32(uint16_t offset) const;
    void config_write8(uint16_t offset, uint8_t value);
    void config_write16(uint16_t offset, uint16_t value);
    void config_write32(uint16_t offset, uint32_t value);

    // Sets the command register's decoding and bus-master bits for what the driver uses (Linux's
    // pci_enable_device + pci_set_master); disable() clears them again.
    struct Enable {
        bool io = false;
        bool memory = false;
        bool bus_master = false;
    };
    void enable(Enable what);
    void disable();

    // The BAR at `index` (0..5), or null when the function has none there.
    const ::pci::Bar* bar(uint8_t index) const;
    // Maps a memory BAR uncached into kernel space; the driver unmaps it with unmap_bar in remove().
    // NotFound without such a BAR, InvalidArgument for an I/O BAR or one firmware left unassigned.
    ktl::ErrorOr<volatile void*> map_bar(uint8_t index);
    void unmap_bar(uint8_t index, volatile void* mapping);

private:
    ::pci::Function m_function;
    char m_name[13];
};

class PciDriver : public device::Driver {
public:
    // `patterns` are PciPattern texts, checked when the driver registers (a malformed one refuses it).
    PciDriver(ktl::StringView name, const char* const* patterns, size_t pattern_count);

    bool matches(const PciDevice& device) const;

    virtual ktl::ErrorOr<void> probe(PciDevice& device) = 0;
    virtual void remove(PciDevice& device) = 0;

    size_t pattern_count() const { return m_pattern_count; }
    const char* pattern(size_t index) const { return m_patterns[index]; }

private:
    ktl::ErrorOr<void> probe(device::Device& device) final { return probe(static_cast<PciDevice&>(device)); }
    void remove(device::Device& device) final { remove(static_cast<PciDevice&>(device)); }

    const char* const* m_patterns;
    size_t m_pattern_count;
};

// Unregisters every PCI driver `module` registered through the driver API and left registered (its
// exit forgot, or its init failed half-way): called when the module goes, before its memory does.
void release_module_drivers(module::Module* module);

// The "pci" bus (registered by add_devices()).
device::Bus& pci_bus();
// Registers the bus and adds a PciDevice for each function of the boot scan, bridges before what is
// behind them. After bus::pci::initialize(). Drivers register with device::register_driver, which
// refuses one with a malformed pattern.
void add_devices();

} // namespace bus::pci

// A built-in PCI driver: `driver` is a PciDriver subclass object with static storage.
#define PCI_DRIVER(driver) DEVICE_DRIVER(driver)
