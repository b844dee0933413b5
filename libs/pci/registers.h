// Offsets and bits of the configuration header (PCI Local Bus 3.0 §6.1, PCI-to-PCI Bridge 1.2 §3.2).
#pragma once

#include <cstdint>

namespace pci::reg {

// Common to every header type.
constexpr uint16_t vendor_id = 0x00;
constexpr uint16_t device_id = 0x02;
constexpr uint16_t command = 0x04;
constexpr uint16_t status = 0x06;
constexpr uint16_t revision_id = 0x08;
constexpr uint16_t prog_if = 0x09;
constexpr uint16_t subclass = 0x0a;
constexpr uint16_t class_code = 0x0b;
constexpr uint16_t header_type = 0x0e;
constexpr uint16_t bar0 = 0x10;
constexpr uint16_t capabilities_pointer = 0x34;
constexpr uint16_t interrupt_line = 0x3c;
constexpr uint16_t interrupt_pin = 0x3d;

// Header type 0 (endpoints).
constexpr uint16_t subsystem_vendor_id = 0x2c;
constexpr uint16_t subsystem_id = 0x2e;

// Header type 1 (PCI-to-PCI bridges).
constexpr uint16_t primary_bus = 0x18;
constexpr uint16_t secondary_bus = 0x19;
constexpr uint16_t subordinate_bus = 0x1a;

constexpr uint16_t command_io_space = 1 << 0;
constexpr uint16_t command_memory_space = 1 << 1;
constexpr uint16_t command_bus_master = 1 << 2;
constexpr uint16_t command_interrupt_disable = 1 << 10; // INTx off (PCI 2.3 and later)
constexpr uint16_t status_interrupt = 1 << 3;           // INTx asserted
constexpr uint16_t status_capabilities_list = 1 << 4;

constexpr uint8_t header_type_layout_mask = 0x7f;
constexpr uint8_t header_type_multifunction = 0x80;
constexpr uint8_t header_type_endpoint = 0x0;
constexpr uint8_t header_type_pci_bridge = 0x1;
constexpr uint8_t header_type_cardbus_bridge = 0x2;

constexpr uint16_t absent_vendor = 0xffff;

// Class codes the scan looks at.
constexpr uint8_t class_bridge = 0x06;
constexpr uint8_t subclass_host_bridge = 0x00;
constexpr uint8_t subclass_pci_bridge = 0x04;
constexpr uint8_t subclass_subtractive_bridge = 0x09; // "semi-transparent" PCI-to-PCI

} // namespace pci::reg
