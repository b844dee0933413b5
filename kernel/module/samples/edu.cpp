// A PCI driver as a module: it drives QEMU's `edu` device (1234:11e8) through the device model's
// driver API (module/pci_driver_api.h), reading the identification register from BAR 0 on probe.
// Loaded, it appears in /sys/bus/pci/drivers/edu with the function bound; removed, both go.
#include "module/module_api.h"
#include "module/pci_driver_api.h"

namespace {

struct Edu {
    volatile uint32_t* registers;
};

int edu_probe(module_pci_device* device) {
    volatile void* mapping = module_pci_map_bar(device, 0);
    if (!mapping)
        return -19; // ENODEV
    auto* edu = new (std::nothrow) Edu{static_cast<volatile uint32_t*>(mapping)};
    if (!edu) {
        module_pci_unmap_bar(device, 0, mapping);
        return -12; // ENOMEM
    }
    module_pci_enable(device, module_pci_enable_memory);
    // Register 0: 0xRRrr00ed, the device's major and minor version above the constant 0xed.
    uint32_t identification = edu->registers[0];
    module_pci_set_driver_data(device, edu);
    module_info("edu %s: identification 0x%x", module_pci_name(device), identification);
    return 0;
}

void edu_remove(module_pci_device* device) {
    auto* edu = static_cast<Edu*>(module_pci_driver_data(device));
    module_pci_unmap_bar(device, 0, edu->registers);
    module_pci_disable(device);
    delete edu;
    module_info("edu %s: released", module_pci_name(device));
}

const char* const patterns[] = {"0x1234 0x11e8"};
module_pci_driver driver{"edu", patterns, 1, edu_probe, edu_remove, nullptr};

int edu_init(const char*) {
    return module_pci_register_driver(blog_os_this_module, &driver);
}

void edu_exit() {
    module_pci_unregister_driver(blog_os_this_module, &driver);
}

} // namespace

MODULE_NAME("edu");
MODULE_VERSION("1.0");
MODULE_DESCRIPTION("drives QEMU's edu test device through the PCI driver API");
MODULE_AUTHOR("blog_os");
MODULE_LICENSE("MIT");
MODULE_INIT(edu_init);
MODULE_EXIT(edu_exit);
