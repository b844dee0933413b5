// What we learn about one PCI function: identity, class, interrupt wiring, sized BARs and the
// capability list. `read_function` fills one from configuration space and treats it as hostile input:
// every walk is bounded and every oddity is reported rather than followed.
#pragma once

#include "ktl/fixed_vector.h"
#include "pci/config_space.h"

#include <cstddef>
#include <cstdint>

namespace pci {

enum class BarKind : uint8_t {
    Io,       // I/O ports
    Memory32, // memory below 4 GiB (also the legacy "below 1 MiB" type)
    Memory64, // memory anywhere; takes this BAR and the next
};

struct Bar {
    uint8_t index = 0; // 0..5; for a 64-bit BAR the lower of the two
    BarKind kind = BarKind::Memory32;
    bool prefetchable = false;
    uint64_t address = 0; // as programmed by firmware; may be 0 if it assigned none
    uint64_t size = 0;    // from the writable bits; a power of two
};

// Capability ids (PCI Code and ID Assignment spec §2).
namespace capability {
constexpr uint8_t power_management = 0x01;
constexpr uint8_t msi = 0x05;
constexpr uint8_t vendor_specific = 0x09;
constexpr uint8_t pci_bridge_subsystem_vendor = 0x0d;
constexpr uint8_t pci_express = 0x10;
constexpr uint8_t msi_x = 0x11;
constexpr uint8_t sata = 0x12;
} // namespace capability

struct Capability {
    uint8_t id = 0;
    uint8_t offset = 0;
};

// Extended capability ids (PCI Express Base spec §7.6): AER 0x0001, device serial number 0x0003, ACS
// 0x000D, SR-IOV 0x0010, …
namespace extended_capability {
constexpr uint16_t advanced_error_reporting = 0x0001;
constexpr uint16_t device_serial_number = 0x0003;
constexpr uint16_t access_control_services = 0x000d;
} // namespace extended_capability

struct ExtendedCapability {
    uint16_t id = 0;
    uint8_t version = 0;
    uint16_t offset = 0; // 0x100..0xFFC
};

struct FunctionAnomalies {
    bool capability_loop = false;        // a pointer came back to an already visited capability
    bool capability_bad_pointer = false; // a pointer into the header (below 0x40)
    bool extended_capability_loop = false;
    bool extended_capability_bad_pointer = false; // a pointer below 0x100
    bool extended_capability_overflow = false;    // more than max_extended_capabilities: the rest are unread
    bool bar_64bit_in_last_slot = false;          // a 64-bit BAR with no BAR after it for the upper half
    bool bar_reserved_type = false;               // memory BAR type 3: reserved, not sized
    bool unexpected_bridge_class = false;         // header type 1 without class 06/04 or 06/09
};

struct Function {
    // The capability list lives in bytes 0x40..0xFF in dwords: at most 48 entries.
    static constexpr size_t max_capabilities = 48;
    static constexpr size_t max_bars = 6;
    // Real devices have a handful; 960 dwords could hold more, so the walk stops here and says so.
    static constexpr size_t max_extended_capabilities = 32;

    Address address;
    uint16_t vendor_id = 0;
    uint16_t device_id = 0;
    uint8_t class_code = 0;
    uint8_t subclass = 0;
    uint8_t prog_if = 0;
    uint8_t revision = 0;
    uint8_t header_layout = 0;        // header type without the multifunction bit
    bool multifunction = false;       // the bit as this function reports it (meaningful on function 0)
    uint16_t subsystem_vendor_id = 0; // header type 0, or a bridge's capability 0x0D
    uint16_t subsystem_id = 0;
    uint8_t interrupt_line = 0;
    uint8_t interrupt_pin = 0; // 0 none, 1..4 INTA#..INTD#

    // PCI-to-PCI bridges (header type 1) only.
    uint8_t primary_bus = 0;
    uint8_t secondary_bus = 0;
    uint8_t subordinate_bus = 0;

    ktl::FixedVector<Bar, max_bars> bars;
    ktl::FixedVector<Capability, max_capabilities> capabilities;
    // Only PCI Express functions (with capability 0x10) reached through ECAM have these.
    ktl::FixedVector<ExtendedCapability, max_extended_capabilities> extended_capabilities;
    FunctionAnomalies anomalies;

    // The 24-bit class as Linux's sysfs `class` file shows it: class, subclass, prog-if.
    uint32_t class_triple() const { return uint32_t(class_code) << 16 | uint32_t(subclass) << 8 | prog_if; }
    bool is_pci_bridge() const { return header_layout == 1; }
    bool is_host_bridge() const { return class_code == 0x06 && subclass == 0x00; }
    // The first capability with `id`, or nullptr.
    const Capability* find_capability(uint8_t id) const;
    const ExtendedCapability* find_extended_capability(uint16_t id) const;
    bool has_anomalies() const;
};

// True when a function answers at `address` (its vendor id is not 0xFFFF).
bool function_present(ConfigSpace&, Address);

// Reads identity, class, interrupt, bridge bus numbers, the capability lists and the BARs (sized).
// Sizing writes the BARs and clears the command register's I/O and memory enables meanwhile; both are
// restored before returning. Only call it on a present function.
void read_function(ConfigSpace&, Address, Function& out);

} // namespace pci
