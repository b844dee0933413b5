// 8259A programming: initialization words per the Intel 8259A datasheet.
#include "arch/x86_64/pic.h"

#include "arch/io.h"

namespace x86_64 {

namespace {
constexpr uint16_t master_command = 0x20, master_data = 0x21;
constexpr uint16_t slave_command = 0xa0, slave_data = 0xa1;
constexpr uint8_t icw1_init_with_icw4 = 0x11, icw4_8086_mode = 0x01;
constexpr uint8_t command_end_of_interrupt = 0x20, command_read_isr = 0x0b;
} // namespace

void initialize_pics() {
    arch::out8(master_command, icw1_init_with_icw4);
    arch::io_wait();
    arch::out8(slave_command, icw1_init_with_icw4);
    arch::io_wait();
    arch::out8(master_data, pic_vector_base);
    arch::io_wait();
    arch::out8(slave_data, pic_vector_base + 8);
    arch::io_wait();
    arch::out8(master_data, 1 << 2); // slave on IRQ 2
    arch::io_wait();
    arch::out8(slave_data, 2); // cascade identity
    arch::io_wait();
    arch::out8(master_data, icw4_8086_mode);
    arch::io_wait();
    arch::out8(slave_data, icw4_8086_mode);
    arch::io_wait();
    // Everything masked except the cascade line; drivers unmask what they handle.
    arch::out8(master_data, static_cast<uint8_t>(~(1 << 2)));
    arch::out8(slave_data, 0xff);
}

void mask_irq(uint8_t irq) {
    uint16_t port = irq < 8 ? master_data : slave_data;
    arch::out8(port, arch::in8(port) | static_cast<uint8_t>(1 << (irq % 8)));
}

void unmask_irq(uint8_t irq) {
    uint16_t port = irq < 8 ? master_data : slave_data;
    arch::out8(port, arch::in8(port) & static_cast<uint8_t>(~(1 << (irq % 8))));
}

void end_of_interrupt(uint8_t irq) {
    if (irq >= 8)
        arch::out8(slave_command, command_end_of_interrupt);
    arch::out8(master_command, command_end_of_interrupt);
}

bool is_spurious_irq(uint8_t irq) {
    if (irq != 7 && irq != 15)
        return false;
    uint16_t command = irq == 7 ? master_command : slave_command;
    arch::out8(command, command_read_isr);
    bool in_service = arch::in8(command) & 0x80;
    if (in_service)
        return false;
    // A spurious IRQ 15 still came through the master's cascade line, which expects its EOI.
    if (irq == 15)
        arch::out8(master_command, command_end_of_interrupt);
    return true;
}

void mask_all_pic_lines() {
    arch::out8(master_data, 0xff);
    arch::out8(slave_data, 0xff);
}

void set_pic_level_triggered(uint8_t irq, bool level) {
    constexpr uint16_t edge_level_control[2] = {0x4d0, 0x4d1};
    constexpr uint16_t always_edge = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 8 | 1 << 13;
    if (irq >= 16 || (always_edge & (1 << irq)))
        return;
    uint16_t port = edge_level_control[irq / 8];
    uint8_t bit = static_cast<uint8_t>(1 << (irq % 8));
    uint8_t value = arch::in8(port);
    arch::out8(port, level ? value | bit : value & ~bit);
}

} // namespace x86_64
