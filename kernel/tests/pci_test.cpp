// The boot scan over ports 0xCF8/0xCFC, under whichever machine the test run boots: QEMU's pc
// (i440FX + PIIX3) or q35 (MCH + ICH9) chipset functions are where QEMU puts them, each once.
#include "bus/pci.h"
#include "test/ktest.h"

namespace {

struct Found {
    bool present = false;
    uint16_t vendor = 0, device = 0;
    uint32_t class_triple = 0;
};

Found function_at(uint8_t bus, uint8_t device, uint8_t function) {
    Found found;
    bus::pci::for_each_function([&](const ::pci::Function& each) {
        if (each.address == ::pci::Address{0, bus, device, function})
            found = {true, each.vendor_id, each.device_id, each.class_triple()};
    });
    return found;
}

} // namespace

KTEST(pci_boot_scan_finds_the_chipset_where_qemu_puts_it) {
    KASSERT(bus::pci::function_count() > 0);
    Found host = function_at(0, 0, 0);
    KASSERT(host.present);
    KEXPECT_EQ(host.vendor, 0x8086);
    KEXPECT_EQ(host.class_triple >> 8, 0x0600u); // host bridge
    if (host.device == 0x1237) {                 // pc: i440FX, with PIIX3 at 00:01
        Found isa = function_at(0, 1, 0), ide = function_at(0, 1, 1), acpi = function_at(0, 1, 3);
        KEXPECT(isa.present && isa.device == 0x7000 && isa.class_triple >> 8 == 0x0601);
        KEXPECT(ide.present && ide.device == 0x7010 && ide.class_triple >> 8 == 0x0101);
        KEXPECT(acpi.present && acpi.device == 0x7113);
        KEXPECT(!function_at(0, 1, 2).present || function_at(0, 1, 2).vendor == 0x8086);
    } else { // q35: the MCH, with ICH9's LPC bridge at 00:1f.0
        KEXPECT_EQ(host.device, 0x29c0);
        Found lpc = function_at(0, 31, 0);
        KEXPECT(lpc.present && lpc.device == 0x2918 && lpc.class_triple >> 8 == 0x0601);
    }
    // Each address once.
    size_t duplicates = 0;
    bus::pci::for_each_function([&](const ::pci::Function& outer) {
        size_t seen = 0;
        bus::pci::for_each_function(
            [&](const ::pci::Function& inner) { seen += inner.address == outer.address; });
        duplicates += seen - 1;
    });
    KEXPECT_EQ(duplicates, 0u);
}
