// Configuration spaces in the shape of what QEMU 7.2 emulates, hand-built from the device models' ids,
// classes, BARs and capability lists (as `lspci -vvn` shows them in a Linux guest), with the runner's
// extra devices: two pci-serial, virtio-rng-pci, and a pci-bridge (pc) or pcie-root-port (q35) with a
// device behind it. Addresses are the ones SeaBIOS assigns.
#pragma once

#include "fake_config_space.h"

namespace pci::testing {

// qemu-system-x86_64 -machine pc -device pci-serial -device virtio-rng-pci
//     -device pci-bridge,id=b1,chassis_nr=1 -device pci-serial,bus=b1
inline void build_qemu_pc(FakeConfigSpace& space) {
    constexpr uint16_t redhat = 0x1af4, intel = 0x8086, qemu = 0x1b36;
    space.add({0, 0, 0, 0}).ids(intel, 0x1237).class_code(0x06, 0x00, 0x00, 0x02).subsystem(redhat, 0x1100);
    // PIIX3: ISA bridge, IDE and ACPI/PM as functions 0, 1 and 3 of one device (no function 2: USB is off).
    space.add({0, 0, 1, 0})
        .ids(intel, 0x7000)
        .class_code(0x06, 0x01, 0x00)
        .header_type(0x80)
        .subsystem(redhat, 0x1100);
    space.add({0, 0, 1, 1})
        .ids(intel, 0x7010)
        .class_code(0x01, 0x01, 0x80)
        .subsystem(redhat, 0x1100)
        .command(0x0005)
        .io_bar(4, 0xc0e0, 16);
    space.add({0, 0, 1, 3})
        .ids(intel, 0x7113)
        .class_code(0x06, 0x80, 0x00, 0x03)
        .subsystem(redhat, 0x1100)
        .interrupt(9, 1);
    space.add({0, 0, 2, 0})
        .ids(0x1234, 0x1111)
        .class_code(0x03, 0x00, 0x00, 0x02)
        .subsystem(redhat, 0x1100)
        .command(0x0003)
        .memory32_bar(0, 0xfd000000, 16 << 20, true)
        .memory32_bar(2, 0xfebf4000, 4096);
    space.add({0, 0, 3, 0})
        .ids(intel, 0x100e)
        .class_code(0x02, 0x00, 0x00, 0x03)
        .subsystem(redhat, 0x1100)
        .command(0x0007)
        .interrupt(11, 1)
        .memory32_bar(0, 0xfebc0000, 128 << 10)
        .io_bar(1, 0xc000, 64);
    space.add({0, 0, 4, 0})
        .ids(qemu, 0x0002)
        .class_code(0x07, 0x00, 0x02, 0x01)
        .subsystem(redhat, 0x1100)
        .command(0x0003)
        .interrupt(11, 1)
        .io_bar(0, 0xc0d0, 8);
    space.add({0, 0, 5, 0})
        .ids(redhat, 0x1005)
        .class_code(0x00, 0xff, 0x00)
        .subsystem(redhat, 0x0004)
        .command(0x0007)
        .interrupt(10, 1)
        .io_bar(0, 0xc080, 32)
        .memory32_bar(1, 0xfebf5000, 4096)
        .memory64_bar(4, 0xfe000000, 16 << 10, true)
        .capabilities({{0x98, 0x11}, {0x84, 0x09}, {0x70, 0x09}, {0x60, 0x09}, {0x50, 0x09}, {0x40, 0x09}});
    space.add({0, 0, 6, 0})
        .ids(qemu, 0x0001)
        .class_code(0x06, 0x04, 0x00)
        .header_type(0x01)
        .command(0x0007)
        .interrupt(10, 1)
        .bridge_buses(0, 1, 1)
        .memory32_bar(0, 0xfebf6000, 256)
        .capabilities({{0x4c, 0x05}, {0x48, 0x04}, {0x40, 0x0c}});
    space.add({0, 1, 0, 0})
        .ids(qemu, 0x0002)
        .class_code(0x07, 0x00, 0x02, 0x01)
        .subsystem(redhat, 0x1100)
        .command(0x0003)
        .interrupt(10, 1)
        .io_bar(0, 0xb000, 8);
}

// qemu-system-x86_64 -machine q35 -device pcie-root-port,id=rp1,chassis=1 -device virtio-rng-pci,bus=rp1
inline void build_qemu_q35(FakeConfigSpace& space) {
    constexpr uint16_t redhat = 0x1af4, intel = 0x8086, qemu = 0x1b36;
    space.add({0, 0, 0, 0}).ids(intel, 0x29c0).class_code(0x06, 0x00, 0x00).subsystem(redhat, 0x1100);
    space.add({0, 0, 1, 0})
        .ids(0x1234, 0x1111)
        .class_code(0x03, 0x00, 0x00, 0x02)
        .subsystem(redhat, 0x1100)
        .command(0x0003)
        .memory32_bar(0, 0xfd000000, 16 << 20, true)
        .memory32_bar(2, 0xfebd4000, 4096);
    // e1000e, a PCI Express endpoint: the default NIC on q35.
    space.add({0, 0, 2, 0})
        .ids(intel, 0x10d3)
        .class_code(0x02, 0x00, 0x00)
        .subsystem(intel, 0x0000)
        .command(0x0007)
        .interrupt(10, 1)
        .memory32_bar(0, 0xfeb80000, 128 << 10)
        .memory32_bar(1, 0xfeba0000, 128 << 10)
        .io_bar(2, 0xc060, 32)
        .memory32_bar(3, 0xfebd0000, 16 << 10)
        .capabilities({{0xc8, 0x01}, {0xd0, 0x05}, {0xe0, 0x10}, {0xa0, 0x11}});
    space.add({0, 0, 3, 0})
        .ids(qemu, 0x000c)
        .class_code(0x06, 0x04, 0x00)
        .header_type(0x01)
        .command(0x0007)
        .interrupt(11, 1)
        .bridge_buses(0, 1, 1)
        .memory32_bar(0, 0xfebd5000, 4096)
        .capabilities({{0x54, 0x10}, {0x48, 0x11}, {0x40, 0x0d}});
    // ICH9: LPC bridge, AHCI and SMBus as functions 0, 2 and 3 of device 31.
    space.add({0, 0, 31, 0})
        .ids(intel, 0x2918)
        .class_code(0x06, 0x01, 0x00, 0x02)
        .header_type(0x80)
        .subsystem(redhat, 0x1100);
    space.add({0, 0, 31, 2})
        .ids(intel, 0x2922)
        .class_code(0x01, 0x06, 0x01, 0x02)
        .subsystem(redhat, 0x1100)
        .command(0x0407)
        .interrupt(10, 1)
        .io_bar(4, 0xc080, 32)
        .memory32_bar(5, 0xfebd6000, 4096)
        .capabilities({{0x80, 0x05}, {0xa8, 0x12}});
    space.add({0, 0, 31, 3})
        .ids(intel, 0x2930)
        .class_code(0x0c, 0x05, 0x00, 0x02)
        .subsystem(redhat, 0x1100)
        .command(0x0003)
        .interrupt(10, 1)
        .io_bar(4, 0x0700, 64);
    // virtio-rng-pci behind the root port: a modern (non-transitional) virtio 1.0 device on PCIe.
    space.add({0, 1, 0, 0})
        .ids(redhat, 0x1044)
        .class_code(0x00, 0xff, 0x00, 0x01)
        .subsystem(redhat, 0x1100)
        .command(0x0006)
        .memory64_bar(4, 0xfe600000, 16 << 10, true)
        .capabilities({{0xdc, 0x11},
                       {0xc8, 0x09},
                       {0xb4, 0x09},
                       {0xa4, 0x09},
                       {0x94, 0x09},
                       {0x84, 0x09},
                       {0x7c, 0x10},
                       {0x40, 0x01}});
}

} // namespace pci::testing
