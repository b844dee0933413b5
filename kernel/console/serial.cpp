// Register layout from the 16550 datasheet: data 0, interrupt enable 1, FIFO 2, line control 3,
// modem control 4, line status 5, scratch 7.
#include "console/serial.h"

#include "arch/io.h"

namespace console {

namespace {
constexpr uint8_t line_status_data_ready = 0x01, line_status_transmitter_empty = 0x20;
// Bounded so a missing or stuck UART costs time, never the machine.
constexpr int transmit_spin_limit = 100000;

constinit SerialPort first_port(SerialPort::com1);
constinit SerialPort second_port(SerialPort::com2);
} // namespace

bool SerialPort::initialize() {
    arch::out8(m_base + 7, 0xa5);
    if (arch::in8(m_base + 7) != 0xa5)
        return m_present = false;
    arch::out8(m_base + 1, 0x00);
    arch::out8(m_base + 3, 0x80);
    arch::out8(m_base + 0, 0x01);
    arch::out8(m_base + 1, 0x00);
    arch::out8(m_base + 3, 0x03);
    arch::out8(m_base + 2, 0xc7);
    arch::out8(m_base + 4, 0x03);
    // The interrupt identification register reads 11 in its top bits once the FIFOs are on (16550A).
    m_fifo_depth = (arch::in8(m_base + 2) & 0xc0) == 0xc0 ? 16 : 1;
    m_fifo_room = 0;
    return m_present = true;
}

void SerialPort::write_byte(uint8_t byte) {
    if (!m_present)
        return;
    // An empty transmitter takes a whole FIFO; its room only grows while we are not writing, so the
    // status is read once per FIFO instead of once per byte (port reads are slow under emulation).
    if (m_fifo_room == 0) {
        // A transmitter that never empties (a stalled host side) takes one byte at a time, so a
        // timeout loses at most the byte it overwrites, not a FIFO's worth.
        m_fifo_room = 1;
        for (int i = 0; i < transmit_spin_limit; ++i) {
            if (arch::in8(m_base + 5) & line_status_transmitter_empty) {
                m_fifo_room = m_fifo_depth;
                break;
            }
        }
    }
    arch::out8(m_base, byte);
    --m_fifo_room;
}

void SerialPort::wait_until_sent() {
    constexpr uint8_t line_status_transmitter_idle = 0x40; // TEMT: FIFO and shift register empty
    for (int i = 0; m_present && i < transmit_spin_limit; ++i)
        if (arch::in8(m_base + 5) & line_status_transmitter_idle)
            return;
}

void SerialPort::write(ktl::StringView text) {
    for (char character : text)
        write_byte(static_cast<uint8_t>(character));
}

int SerialPort::read_byte() {
    if (!m_present || !(arch::in8(m_base + 5) & line_status_data_ready))
        return -1;
    return arch::in8(m_base);
}

void SerialPort::enable_receive_interrupt() {
    if (!m_present)
        return;
    constexpr uint8_t modem_control_dtr_rts_out2 = 0x0b; // OUT2 gates the UART's line to the PIC
    constexpr uint8_t interrupt_enable_data_available = 0x01;
    arch::out8(m_base + 4, modem_control_dtr_rts_out2);
    arch::out8(m_base + 1, interrupt_enable_data_available);
}

SerialPort& com1() {
    return first_port;
}
SerialPort& com2() {
    return second_port;
}

} // namespace console
