// The IDT's layout: exceptions 0-31, the legacy PIC 32-47, I/O APIC lines from 0x30 (io_apic.h),
// message vectors 0x60-0xdf (arch/interrupt_controller.h), the syscall gate 0x80 inside that range
// (never handed out), and the local APIC's own vectors at the top, above every device's priority.
#pragma once

#include "arch/interrupt_controller.h"
#include "arch/interrupts.h"

#include <cstdint>

namespace x86_64 {

inline constexpr uint8_t apic_timer_vector = arch::local_timer_vector;
inline constexpr uint8_t apic_spurious_vector = arch::spurious_vector;

// The arch's own vectors above the message range (0xe0..0xff): runs `handler` when `vector` is raised. The
// handler acknowledges the interrupt itself where its source needs that (an APIC vector writes the APIC's EOI
// register). One handler a vector; nullptr removes it.
ktl::ErrorOr<void> set_vector_handler(uint8_t vector, arch::IrqHandler handler);

} // namespace x86_64
