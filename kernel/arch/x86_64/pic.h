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

} // namespace x86_64
