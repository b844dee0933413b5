// QEMU's educational PCI device (`-device edu`, 1234:11e8; QEMU's docs/specs/edu.rst): an interrupt on
// request, through INTx or MSI, which is what the interrupt tests and the latency benchmark need.
// BAR 0 registers: 0x00 identification (0x010000ed), 0x24 interrupt status, 0x60 raise (ORed into the
// status, interrupt asserted), 0x64 acknowledge (cleared from the status; INTx drops at zero).
#pragma once

#include "ktl/error_or.h"
#include "ktl/own_ptr.h"
#include "pci/function.h"

#include <cstdint>

namespace debug {

class EduDevice {
public:
    static constexpr uint16_t vendor_id = 0x1234, device_id = 0x11e8;

    // The first edu function the boot scan found, its registers mapped and memory decoding on;
    // NoDevice when QEMU was given none.
    static ktl::ErrorOr<ktl::OwnPtr<EduDevice>> open();
    ~EduDevice();
    EduDevice(const EduDevice&) = delete;
    EduDevice& operator=(const EduDevice&) = delete;

    const ::pci::Function& function() const { return m_function; }
    uint32_t identification() const { return read(0x00); }
    uint32_t interrupt_status() const { return read(0x24); }
    void raise_interrupt(uint32_t bits) { write(0x60, bits); }
    void acknowledge_interrupt(uint32_t bits) { write(0x64, bits); }

private:
    EduDevice() = default;
    uint32_t read(uint32_t offset) const { return m_registers[offset / 4]; }
    void write(uint32_t offset, uint32_t value) { m_registers[offset / 4] = value; }

    ::pci::Function m_function;
    void* m_mapping = nullptr;
    volatile uint32_t* m_registers = nullptr;
};

} // namespace debug
