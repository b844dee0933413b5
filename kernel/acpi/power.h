// ACPI's ways of ending the machine: soft-off (S5) through the PM1 control registers, with the
// sleep type read from the DSDT's \_S5_ package, and a reset through the FADT's reset register.
// kernel/power decides when; these only try, and return when the way is missing or did not work.
#pragma once

#include "ktl/error_or.h"

namespace acpi {

// Takes the fixed hardware from the firmware when SCI_EN is clear (ACPI_ENABLE to SMI_CMD), then
// writes SLP_TYPx | SLP_EN to PM1a (and PM1b) control. Returns NoEntry without the tables, the
// FADT's PM1 control block or a \_S5_ package; TimedOut if the machine is still running after it.
// Turns interrupts off before touching the hardware; call it from a task (it may map registers).
ktl::Error enter_soft_off();

// Writes RESET_VALUE to the FADT's RESET_REG (system I/O, memory or PCI configuration space 0).
// Returns NoEntry when the FADT has none, TimedOut if the machine survived it. Interrupts go off.
ktl::Error reset_through_fadt();

} // namespace acpi
