// Ending a run under QEMU through the isa-debug-exit device, and the PC's own ways of resetting:
// what kernel/power falls back to when ACPI offers nothing.
#pragma once

#include "arch/cpu.h"
#include "arch/io.h"
#include "qemu/exit_codes.h"

#include <cstdint>

namespace arch {

[[noreturn]] inline void exit_emulator(qemu::KernelExit code) {
    out32(qemu::debug_exit_port, static_cast<uint32_t>(code));
    halt_forever();
}

// One byte into PCI configuration space through the 0xCF8/0xCFC mechanism (ACPI names fixed
// registers there on bus 0, before any PCI enumeration).
void pci_config_write8(uint8_t bus, uint8_t device, uint8_t function, uint16_t offset, uint8_t value);

// The legacy resets in turn, each given a moment to act: the chipset's reset control register
// (0xCF9), the keyboard controller's reset pulse, and at last a triple fault. Interrupts must be off.
[[noreturn]] void reset_through_legacy_paths();

// Roughly `microseconds` of delay from port-0x80 writes, for when no clock may be used.
void delay_microseconds(uint32_t microseconds);

} // namespace arch
