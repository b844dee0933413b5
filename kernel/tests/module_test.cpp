// Loadable modules inside the kernel: the export table holds exactly the documented list, the module
// window is within PC32 reach of the image, and a real module (hello.ko from the initrd) loads with
// its pages W^X (text R+X, read-only data R, data R+W, none writable and executable), shows in
// /proc/modules, and unloads giving back every page.
#include "arch/paging.h"
#include "bus/pci_bus.h"
#include "console/log.h"
#include "device/device.h"
#include "fs/sysfs/sysfs.h"
#include "fs/vfs.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/layout.h"
#include "module/export.h"
#include "module/module.h"
#include "module/module_memory.h"
#include "test/ktest.h"

extern "C" const char __kernel_virtual_start[], __kernel_virtual_end[];

namespace {

fs::Lookup system_lookup() {
    return fs::Lookup{fs::root_path(), fs::root_path(), {}, 022};
}

} // namespace

KTEST(module_exports_are_exactly_the_documented_list) {
    const char* expected[] = {"module_log",
                              "module_allocate",
                              "module_free",
                              "module_register_character_device",
                              "module_unregister_character_device",
                              "memcpy",
                              "memmove",
                              "memset",
                              "memcmp",
                              "strlen",
                              "module_pci_register_driver",
                              "module_pci_unregister_driver",
                              "module_pci_vendor_id",
                              "module_pci_device_id",
                              "module_pci_class",
                              "module_pci_name",
                              "module_pci_config_read32",
                              "module_pci_config_write32",
                              "module_pci_config_read16",
                              "module_pci_config_write16",
                              "module_pci_config_read8",
                              "module_pci_enable",
                              "module_pci_disable",
                              "module_pci_bar",
                              "module_pci_map_bar",
                              "module_pci_unmap_bar",
                              "module_pci_set_driver_data",
                              "module_pci_driver_data",
                              "module_virtio_register_driver",
                              "module_virtio_unregister_driver",
                              "module_virtio_name",
                              "module_virtio_is_legacy",
                              "module_virtio_set_driver_data",
                              "module_virtio_driver_data",
                              "module_virtio_negotiate",
                              "module_virtio_features",
                              "module_virtio_set_up_queue",
                              "module_virtio_start",
                              "module_virtio_queue_uses_msix",
                              "module_virtio_queue_size",
                              "module_virtio_dma_allocate",
                              "module_virtio_dma_free",
                              "module_virtio_queue_add",
                              "module_virtio_queue_take_used",
                              "module_virtio_queue_wait",
                              "module_virtio_fail",
                              "module_hwrng_register",
                              "module_hwrng_unregister"};
    KEXPECT_EQ(size_t(module::exports_end() - module::exports_begin()), sizeof expected / sizeof expected[0]);
    for (const char* name : expected) {
        uint64_t address = 0;
        KEXPECT(module::find_export(name, address));
        KEXPECT(address >= uint64_t(__kernel_virtual_start) && address < uint64_t(__kernel_virtual_end));
    }
    uint64_t address = 0;
    KEXPECT(!module::find_export("load_module", address)); // kernel internals stay private
    KEXPECT(!module::find_export("", address));
}

KTEST(module_window_is_within_pc32_reach_of_the_kernel_image) {
    uint64_t window_end = mm::module_space_base + mm::module_space_size;
    KEXPECT(mm::module_space_base >= uint64_t(__kernel_virtual_end));
    KEXPECT(window_end - uint64_t(__kernel_virtual_start) < (2ull << 30));
}

KTEST(module_hello_loads_write_xor_execute_and_unloads_completely) {
    auto file = fs::open(system_lookup(), "/lib/modules/hello.ko", fs::open_read_only, 0);
    KASSERT(!file.is_error()); // add_kernel_module puts it in every initrd
    fs::InodeMetadata metadata = MUST(file.value()->metadata());
    auto* image = static_cast<uint8_t*>(mm::kmalloc(metadata.size));
    KASSERT(image != nullptr);
    KASSERT(MUST(file.value()->read_at(0, fs::IoBuffer::kernel(static_cast<void*>(image)), metadata.size)) ==
            metadata.size);
    bool was_loaded = module::unload_module("hello").has_value(); // init may have loaded it at boot
    uint64_t free_window = module::free_module_space_bytes();

    auto loaded = module::load_module(ktl::ByteReader(image, metadata.size), "name=ktest", "ktest");
    KASSERT(loaded.has_value());
    ktl::StringBuilder text;
    module::write_proc_modules(text);
    KEXPECT(text.view().starts_with("hello "));
    uint64_t base = 0;
    ktl::StringView line = text.view();
    size_t at = line.find('x');
    KASSERT(at != ktl::StringView::npos);
    for (char c : line.substring(at + 1, 16))
        base = base * 16 + uint64_t(c <= '9' ? c - '0' : c - 'a' + 10);
    KEXPECT(base >= mm::module_space_base && base < mm::module_space_base + mm::module_space_size);

    // Walk the module's pages: each is R+X, R or R+W; never W+X; the first is text.
    size_t executable = 0, writable = 0, read_only = 0;
    for (uint64_t page = base;; page += arch::page_size) {
        auto translation = arch::translate(mm::kernel_root(), page);
        if (translation.is_error())
            break;
        bool x = arch::has(translation.value().flags, arch::PageFlags::Executable);
        bool w = arch::has(translation.value().flags, arch::PageFlags::Writable);
        KEXPECT(!(x && w));
        executable += x;
        writable += w;
        read_only += !x && !w;
    }
    KEXPECT(executable >= 1 && writable >= 1 && read_only >= 1);
    KEXPECT(arch::has(MUST(arch::translate(mm::kernel_root(), base)).flags, arch::PageFlags::Executable));

    KEXPECT(module::load_module(ktl::ByteReader(image, metadata.size), "", "ktest").error().code() ==
            ktl::Errno::Exists);
    // /sys/module/hello with Linux's attributes; its declared parameter took the word given.
    for (const char* path : {"module/hello/refcnt", "module/hello/initstate", "module/hello/coresize",
                             "module/hello/taint", "module/hello/version", "module/hello/holders",
                             "module/hello/parameters/name", "module/hello/sections/.text"})
        KEXPECT(fs::sysfs::find(fs::sysfs::root(), path));
    KEXPECT(module::unload_module("hello").has_value());
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "module/hello"));
    KEXPECT(module::unload_module("hello").error().code() == ktl::Errno::NoEntry);
    KEXPECT_EQ(module::free_module_space_bytes(), free_window);
    KEXPECT(arch::translate(mm::kernel_root(), base).is_error());
    if (was_loaded)
        (void)module::load_module(ktl::ByteReader(image, metadata.size), "", "ktest");
    mm::kfree(image);
}

// A PCI driver in a module (samples/edu.cpp) binds QEMU's edu device through the device model and lets
// go of it when removed; every kernel test machine has `-device edu`.
KTEST(a_pci_driver_module_binds_its_device_and_releases_it_on_removal) {
    auto file = fs::open(system_lookup(), "/lib/modules/tests/edu.ko", fs::open_read_only, 0);
    KASSERT(!file.is_error());
    fs::InodeMetadata metadata = MUST(file.value()->metadata());
    auto* image = static_cast<uint8_t*>(mm::kmalloc(metadata.size));
    KASSERT(image != nullptr);
    KASSERT(MUST(file.value()->read_at(0, fs::IoBuffer::kernel(static_cast<void*>(image)), metadata.size)) ==
            metadata.size);
    bus::pci::PciDevice* edu = nullptr;
    device::for_each_device(bus::pci::pci_bus(), [&](device::Device& device) {
        auto& pci = static_cast<bus::pci::PciDevice&>(device);
        if (pci.function().vendor_id == 0x1234 && pci.function().device_id == 0x11e8)
            edu = &pci;
    });
    uint64_t free_window = module::free_module_space_bytes();
    for (int round = 0; round < 3; ++round) {
        KASSERT(module::load_module(ktl::ByteReader(image, metadata.size), "", "ktest").has_value());
        KEXPECT(fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/edu"));
        if (edu) {
            KEXPECT(edu->driver() != nullptr && edu->driver()->name() == "edu");
            KEXPECT(fs::sysfs::find(*edu->sysfs_directory(), "driver"));
        } else {
            klog::warn("test", "no edu device: the module bound nothing");
        }
        KEXPECT(module::unload_module("edu").has_value());
        KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/edu"));
        if (edu)
            KEXPECT(edu->driver() == nullptr);
    }
    KEXPECT_EQ(module::free_module_space_bytes(), free_window);
    mm::kfree(image);
}
