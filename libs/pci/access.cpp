// Mechanism #1 and ECAM configuration access.
#include "pci/access.h"

namespace pci {

bool Mechanism1ConfigSpace::select(Address address, uint16_t offset, uint16_t width) {
    // A misaligned access would straddle two dwords, which one address latch cannot select.
    if (address.segment != 0 || offset + width > conventional_size || offset % width != 0 ||
        address.device >= Address::devices_per_bus || address.function >= Address::functions_per_device)
        return false;
    m_ports.out32(mechanism1_address_port, mechanism1_address(address, offset));
    return true;
}

uint8_t Mechanism1ConfigSpace::read8(Address address, uint16_t offset) {
    return select(address, offset, 1) ? m_ports.in8(mechanism1_data_port_for(offset)) : 0xff;
}

uint16_t Mechanism1ConfigSpace::read16(Address address, uint16_t offset) {
    return select(address, offset, 2) ? m_ports.in16(mechanism1_data_port_for(offset)) : 0xffff;
}

uint32_t Mechanism1ConfigSpace::read32(Address address, uint16_t offset) {
    return select(address, offset, 4) ? m_ports.in32(mechanism1_data_port) : 0xffffffff;
}

void Mechanism1ConfigSpace::write8(Address address, uint16_t offset, uint8_t value) {
    if (select(address, offset, 1))
        m_ports.out8(mechanism1_data_port_for(offset), value);
}

void Mechanism1ConfigSpace::write16(Address address, uint16_t offset, uint16_t value) {
    if (select(address, offset, 2))
        m_ports.out16(mechanism1_data_port_for(offset), value);
}

void Mechanism1ConfigSpace::write32(Address address, uint16_t offset, uint32_t value) {
    if (select(address, offset, 4))
        m_ports.out32(mechanism1_data_port, value);
}

volatile uint8_t* EcamConfigSpace::locate(Address address, uint16_t offset, uint16_t width) const {
    if (address.segment != m_segment || address.bus < m_start_bus || address.bus > m_end_bus ||
        address.device >= Address::devices_per_bus || address.function >= Address::functions_per_device ||
        offset + width > extended_size || offset % width != 0)
        return nullptr;
    return m_window + ecam_offset(address, offset, m_start_bus);
}

// ECAM must be accessed with one load or store of the register's width: volatile keeps it that way.
uint8_t EcamConfigSpace::read8(Address address, uint16_t offset) {
    volatile uint8_t* where = locate(address, offset, 1);
    return where ? *where : 0xff;
}

uint16_t EcamConfigSpace::read16(Address address, uint16_t offset) {
    volatile uint8_t* where = locate(address, offset, 2);
    return where ? *reinterpret_cast<volatile uint16_t*>(where) : 0xffff;
}

uint32_t EcamConfigSpace::read32(Address address, uint16_t offset) {
    volatile uint8_t* where = locate(address, offset, 4);
    return where ? *reinterpret_cast<volatile uint32_t*>(where) : 0xffffffff;
}

void EcamConfigSpace::write8(Address address, uint16_t offset, uint8_t value) {
    if (volatile uint8_t* where = locate(address, offset, 1))
        *where = value;
}

void EcamConfigSpace::write16(Address address, uint16_t offset, uint16_t value) {
    if (volatile uint8_t* where = locate(address, offset, 2))
        *reinterpret_cast<volatile uint16_t*>(where) = value;
}

void EcamConfigSpace::write32(Address address, uint16_t offset, uint32_t value) {
    if (volatile uint8_t* where = locate(address, offset, 4))
        *reinterpret_cast<volatile uint32_t*>(where) = value;
}

} // namespace pci
