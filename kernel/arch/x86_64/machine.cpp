// The PC's legacy reset paths and PCI configuration writes (see arch/machine.h).
#include "arch/machine.h"

namespace arch {

namespace {

constexpr uint16_t pci_config_address = 0xcf8, pci_config_data = 0xcfc;
// Intel's Reset Control Register: SYS_RST (bit 1) picks a hard reset, RST_CPU (bit 2) starts it.
constexpr uint16_t reset_control_port = 0xcf9;
constexpr uint8_t reset_control_hard = 0x02, reset_control_start = 0x04;
// The 8042: status bit 1 is "input buffer full"; command 0xFE pulses the CPU reset line.
constexpr uint16_t keyboard_status_port = 0x64, keyboard_command_port = 0x64;
constexpr uint8_t keyboard_input_full = 0x02, keyboard_pulse_reset = 0xfe;

void reset_through_chipset() {
    uint8_t current = in8(reset_control_port) & ~(reset_control_hard | reset_control_start);
    out8(reset_control_port, current | reset_control_hard);
    delay_microseconds(50);
    out8(reset_control_port, current | reset_control_hard | reset_control_start);
    delay_microseconds(50);
}

void reset_through_keyboard_controller() {
    // A controller that never drains (or is absent: reads 0xFF) gets the command anyway after ~10 ms.
    for (int i = 0; i < 10000 && (in8(keyboard_status_port) & keyboard_input_full); ++i)
        io_wait();
    out8(keyboard_command_port, keyboard_pulse_reset);
}

[[noreturn]] void triple_fault() {
    // With an empty IDT the breakpoint cannot be delivered, nor the double fault that follows.
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } empty_idt{0, 0};
    asm volatile("lidt %0; int3" ::"m"(empty_idt));
    halt_forever();
}

} // namespace

void delay_microseconds(uint32_t microseconds) {
    for (uint32_t i = 0; i < microseconds; ++i)
        io_wait();
}

void pci_config_write8(uint8_t bus, uint8_t device, uint8_t function, uint16_t offset, uint8_t value) {
    uint32_t address = 0x80000000u | (uint32_t(bus) << 16) | (uint32_t(device & 0x1f) << 11) |
                       (uint32_t(function & 0x7) << 8) | (offset & 0xfc);
    out32(pci_config_address, address);
    out8(static_cast<uint16_t>(pci_config_data + (offset & 3)), value);
}

void reset_through_legacy_paths() {
    disable_interrupts();
    reset_through_chipset();
    delay_microseconds(20'000);
    reset_through_keyboard_controller();
    delay_microseconds(20'000);
    triple_fault();
}

} // namespace arch
