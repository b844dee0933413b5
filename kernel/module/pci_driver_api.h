// The PCI part of the driver API (docs/drivers.md): what a loadable module calls to drive PCI
// functions. C functions over opaque handles, so a module depends on no kernel class layout; the
// kernel keeps each registration against the module and drops what the module left registered when
// it is removed. Include after module/module_api.h.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

struct module_pci_device; // one PCI function, valid from probe until remove returns

struct module_pci_driver {
    const char* name;            // /sys/bus/pci/drivers/<name>
    const char* const* patterns; // PciPattern texts: "vendor device subvendor subdevice class mask"
    size_t pattern_count;
    // 0 when the driver takes the function, a negative errno otherwise (the next driver may try).
    int (*probe)(struct module_pci_device* device);
    void (*remove)(struct module_pci_device* device);
    void* kernel_private; // the kernel's; zero before registering
};

// Registers `driver` and probes every function it matches. 0, or a negative errno (-EINVAL for a
// malformed pattern, -EEXIST for a name in use).
int module_pci_register_driver(void* module, struct module_pci_driver* driver);
// Calls remove for each function the driver has, then forgets it.
void module_pci_unregister_driver(void* module, struct module_pci_driver* driver);

// Identity, as the boot scan read it.
uint16_t module_pci_vendor_id(const struct module_pci_device* device);
uint16_t module_pci_device_id(const struct module_pci_device* device);
uint32_t module_pci_class(const struct module_pci_device* device); // class << 16 | subclass << 8 | prog-if
// "0000:00:04.0", valid while the device is bound.
const char* module_pci_name(const struct module_pci_device* device);

// Configuration space (offsets below 256, or 4096 through ECAM; aligned to the width).
uint32_t module_pci_config_read32(const struct module_pci_device* device, uint16_t offset);
void module_pci_config_write32(struct module_pci_device* device, uint16_t offset, uint32_t value);
uint16_t module_pci_config_read16(const struct module_pci_device* device, uint16_t offset);
void module_pci_config_write16(struct module_pci_device* device, uint16_t offset, uint16_t value);
uint8_t module_pci_config_read8(const struct module_pci_device* device, uint16_t offset);

enum : unsigned { module_pci_enable_io = 1, module_pci_enable_memory = 2, module_pci_enable_bus_master = 4 };
void module_pci_enable(struct module_pci_device* device, unsigned what);
void module_pci_disable(struct module_pci_device* device);

// BAR `index` (0..5): its kind (0 none, 1 I/O, 2 memory), address and size.
int module_pci_bar(const struct module_pci_device* device, int index, uint64_t* address, uint64_t* size);
// A memory BAR mapped uncached, or null; unmap it in remove.
volatile void* module_pci_map_bar(struct module_pci_device* device, int index);
void module_pci_unmap_bar(struct module_pci_device* device, int index, volatile void* mapping);

// What the driver keeps per function.
void module_pci_set_driver_data(struct module_pci_device* device, void* data);
void* module_pci_driver_data(const struct module_pci_device* device);

} // extern "C"
