// PCI configuration space: where a function lives (segment, bus, device, function) and the abstract
// access the scan goes through, so the kernel can back it with ports 0xCF8/0xCFC or ECAM and the host
// tests with recorded spaces. Also the address encodings of both mechanisms, kept here so they are tested.
#pragma once

#include <cstdint>

namespace pci {

struct Address {
    static constexpr uint8_t devices_per_bus = 32;
    static constexpr uint8_t functions_per_device = 8;

    uint16_t segment = 0; // ECAM segment group ("domain"); always 0 with the port mechanism
    uint8_t bus = 0;
    uint8_t device = 0;   // 0..31
    uint8_t function = 0; // 0..7

    constexpr bool operator==(const Address&) const = default;
};

// Writes "ssss:bb:dd.f" (Linux's sysfs name) and a NUL into `out`, which must hold 13 bytes.
void format_address(Address address, char (&out)[13]);

class ConfigSpace {
public:
    // Conventional PCI functions have 256 bytes; PCI Express ones 4096 (reachable through ECAM only).
    static constexpr uint16_t conventional_size = 256;
    static constexpr uint16_t extended_size = 4096;

    virtual ~ConfigSpace() = default;

    // True when offsets 0x100..0xFFF are reachable (ECAM); mechanism #1 reaches only the first 256 bytes.
    virtual bool has_extended_space() const { return false; }

    // Reads of an absent function return all ones, as the hardware does. Offsets are naturally aligned.
    virtual uint8_t read8(Address, uint16_t offset) = 0;
    virtual uint16_t read16(Address, uint16_t offset) = 0;
    virtual uint32_t read32(Address, uint16_t offset) = 0;
    // No 8/16-bit write is done as a 32-bit read-modify-write: the status register's bits are
    // write-one-to-clear, so writing the command register that way would clear them.
    virtual void write8(Address, uint16_t offset, uint8_t value) = 0;
    virtual void write16(Address, uint16_t offset, uint16_t value) = 0;
    virtual void write32(Address, uint16_t offset, uint32_t value) = 0;
};

// Configuration mechanism #1: the dword written to port 0xCF8. Bit 31 enables, then bus (23:16),
// device (15:11), function (10:8) and the register's dword offset (7:2). Offsets above 0xFF are out of
// reach. The seed masked the offset with 0xF8, so reading 0x0C returned register 0x08.
constexpr uint16_t mechanism1_address_port = 0xcf8;
constexpr uint16_t mechanism1_data_port = 0xcfc;
constexpr uint32_t mechanism1_address(Address address, uint16_t offset) {
    return 0x80000000u | uint32_t(address.bus) << 16 | uint32_t(address.device & 0x1f) << 11 |
           uint32_t(address.function & 0x7) << 8 | (offset & 0xfc);
}
// The data port byte that holds `offset`: a 16-bit read of 0x0E is `inw(0xCFE)`.
constexpr uint16_t mechanism1_data_port_for(uint16_t offset) {
    return mechanism1_data_port + (offset & 3);
}

// ECAM (PCI Express memory-mapped configuration): the byte offset from the segment's base address for
// the MCFG entry whose first bus is `start_bus`.
constexpr uint64_t ecam_offset(Address address, uint16_t offset, uint8_t start_bus = 0) {
    return uint64_t(uint8_t(address.bus - start_bus)) << 20 | uint64_t(address.device & 0x1f) << 15 |
           uint64_t(address.function & 0x7) << 12 | (offset & 0xfff);
}

} // namespace pci
