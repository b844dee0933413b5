// The two legacy 8259 PICs: remapped to vectors 32..47 so they cannot be mistaken for exceptions.
#pragma once

#include <cstdint>

namespace x86_64 {

inline constexpr uint8_t pic_vector_base = 32;

void initialize_pics();
void mask_irq(uint8_t irq);
void unmask_irq(uint8_t irq);
void end_of_interrupt(uint8_t irq);
// IRQ 7 and 15 can fire without a real request (a line that dropped); the in-service register tells.
bool is_spurious_irq(uint8_t irq);
// Masks every line, the cascade too: the I/O APIC is in charge from then on.
void mask_all_pic_lines();
// The edge/level control registers (ports 0x4D0/0x4D1, PIIX and ICH chipsets): PCI lines on the PIC
// are level-triggered. IRQ 0, 1, 2, 8 and 13 are always edge.
void set_pic_level_triggered(uint8_t irq, bool level);

} // namespace x86_64
