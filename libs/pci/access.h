// The two ways to reach configuration space, as ConfigSpace implementations the kernel instantiates:
// mechanism #1 over an I/O port interface, and ECAM over a mapped memory window. Neither locks: the
// port pair is a two-step protocol, so the kernel serialises all calls on a Mechanism1ConfigSpace.
#pragma once

#include "pci/config_space.h"

#include <cstdint>

namespace pci {

// What the kernel supplies for port I/O (`in`/`out` instructions); tests supply a model.
class PortIo {
public:
    virtual ~PortIo() = default;
    virtual uint8_t in8(uint16_t port) = 0;
    virtual uint16_t in16(uint16_t port) = 0;
    virtual uint32_t in32(uint16_t port) = 0;
    virtual void out8(uint16_t port, uint8_t value) = 0;
    virtual void out16(uint16_t port, uint16_t value) = 0;
    virtual void out32(uint16_t port, uint32_t value) = 0;
};

// Configuration mechanism #1: segment 0 and the first 256 bytes of each function only; anything else
// reads as all ones and ignores writes.
class Mechanism1ConfigSpace final : public ConfigSpace {
public:
    explicit Mechanism1ConfigSpace(PortIo& ports) : m_ports(ports) {}

    uint8_t read8(Address, uint16_t offset) override;
    uint16_t read16(Address, uint16_t offset) override;
    uint32_t read32(Address, uint16_t offset) override;
    void write8(Address, uint16_t offset, uint8_t value) override;
    void write16(Address, uint16_t offset, uint16_t value) override;
    void write32(Address, uint16_t offset, uint32_t value) override;

private:
    bool select(Address, uint16_t offset, uint16_t width);
    PortIo& m_ports;
};

// ECAM: one segment's window as the MCFG table describes it (base address mapped uncached by the
// kernel, buses start_bus..end_bus, 1 MiB each). Addresses outside it read as all ones.
class EcamConfigSpace final : public ConfigSpace {
public:
    EcamConfigSpace(uint16_t segment, uint8_t start_bus, uint8_t end_bus, volatile uint8_t* window)
        : m_segment(segment), m_start_bus(start_bus), m_end_bus(end_bus), m_window(window) {}

    bool has_extended_space() const override { return true; }
    uint8_t start_bus() const { return m_start_bus; }
    uint8_t read8(Address, uint16_t offset) override;
    uint16_t read16(Address, uint16_t offset) override;
    uint32_t read32(Address, uint16_t offset) override;
    void write8(Address, uint16_t offset, uint8_t value) override;
    void write16(Address, uint16_t offset, uint16_t value) override;
    void write32(Address, uint16_t offset, uint32_t value) override;

    // The window's size for buses start_bus..end_bus: what the kernel maps.
    static constexpr uint64_t window_size(uint8_t start_bus, uint8_t end_bus) {
        return (uint64_t(end_bus) - start_bus + 1) << 20;
    }

private:
    // The register's address in the window, or nullptr when `address` is not in this window.
    volatile uint8_t* locate(Address, uint16_t offset, uint16_t width) const;

    uint16_t m_segment;
    uint8_t m_start_bus;
    uint8_t m_end_bus;
    volatile uint8_t* m_window;
};

} // namespace pci
