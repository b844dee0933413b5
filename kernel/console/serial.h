// 16550 UART on the PC's COM ports: COM1 carries the text console, COM2 the JSON log.
#pragma once

#include "ktl/format.h"

#include <cstdint>

namespace console {

class SerialPort final : public ktl::FormatSink {
public:
    static constexpr uint16_t com1 = 0x3f8;
    static constexpr uint16_t com2 = 0x2f8;

    explicit constexpr SerialPort(uint16_t base) : m_base(base) {}
    // 115200 baud, 8N1, FIFOs on, no interrupts. Returns false if no UART answers at this port.
    bool initialize();
    bool is_present() const { return m_present; }
    void write(ktl::StringView text) override;
    void write_byte(uint8_t byte);
    // Waits (bounded) until the transmitter has sent every byte written: before the machine stops.
    void wait_until_sent();
    // Non-blocking read: -1 when nothing has arrived.
    int read_byte();
    // Raises the port's IRQ (4 for COM1) when a byte arrives.
    void enable_receive_interrupt();

private:
    uint16_t m_base;
    bool m_present = false;
    uint8_t m_fifo_depth = 1; // bytes the transmitter takes when empty
    uint8_t m_fifo_room = 0;  // bytes we may still write without asking the line status
};

SerialPort& com1();
SerialPort& com2();

} // namespace console
