// The boot scan under whichever machine the test run boots: QEMU's pc (i440FX + PIIX3) or q35 (MCH +
// ICH9) chipset functions are where QEMU puts them, each once; q35's MCFG gives ECAM and so the
// extended configuration space, pc has only the ports.
#include "boot/command_line.h"
#include "boot/fw_cfg.h"
#include "bus/pci.h"
#include "qemu/exit_codes.h"
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

KTEST(pci_uses_ecam_on_q35_and_reaches_the_extended_space_ports_on_pc) {
    char text[1024];
    auto stored = boot::read_fw_cfg_file(qemu::cmdline_fw_cfg_name, text, sizeof text);
    bool ports_forced =
        !stored.is_error() &&
        boot::CommandLine(ktl::StringView(text, stored.value())).value_of("pci") == "nommconf";
    Found host = function_at(0, 0, 0);
    KASSERT(host.present);
    bool q35 = host.device == 0x29c0;
    KEXPECT_EQ(bus::pci::uses_ecam(), q35 && !ports_forced);
    ::pci::ConfigSpace& space = bus::pci::config_space();
    KEXPECT_EQ(space.has_extended_space(), bus::pci::uses_ecam());
    // The ports cannot address byte 0x100: it reads as all ones. Through ECAM the PCI Express
    // functions' extended capability lists start there (q35's e1000e: AER, serial number).
    size_t express = 0, with_extended = 0;
    bus::pci::for_each_function([&](const ::pci::Function& function) {
        if (!function.find_capability(0x10))
            return;
        ++express;
        uint32_t header = space.read32(function.address, 0x100);
        if (bus::pci::uses_ecam()) {
            KEXPECT(header != 0xffffffffu);
            with_extended += !function.extended_capabilities.is_empty();
        } else {
            KEXPECT_EQ(header, 0xffffffffu);
            KEXPECT(function.extended_capabilities.is_empty());
        }
    });
    if (bus::pci::uses_ecam()) {
        KEXPECT(express > 0); // QEMU's q35 always has its e1000e at 00:02.0
        KEXPECT(with_extended > 0);
    }
    KEXPECT_EQ(space.read16({0, 0, 0, 0}, 0), 0x8086); // the host bridge through either mechanism
}
