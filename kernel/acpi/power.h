// ACPI's ways of ending the machine: soft-off (S5) through the PM1 control registers, with the
// sleep type read from the DSDT's \_S5_ package, and a reset through the FADT's reset register.
// kernel/power decides when; these only try, and return when the way is missing or did not work.
#pragma once

#include "acpi/sleep_states.h"
#include "acpi/tables.h"
#include "ktl/error_or.h"

namespace acpi {

// What the ways down would use, read from the tables now: for the boot log and the tests.
struct PowerFacts {
    bool soft_off = false; // a \_S5_ package and a PM1a control block (or sleep control register)
    SleepType soft_off_type;
    GenericAddress soft_off_register; // PM1a control, or SLEEP_CONTROL_REG when hardware-reduced
    bool reset_register = false;
    GenericAddress reset;
    uint8_t reset_value = 0;
};
PowerFacts power_facts();

// One boot-log line saying how the machine can be powered off and reset.
void log_power_facts();

// Takes the fixed hardware from the firmware when SCI_EN is clear (ACPI_ENABLE to SMI_CMD), then
// writes SLP_TYPx | SLP_EN to PM1a (and PM1b) control. Returns NoEntry without the tables, the
// FADT's PM1 control block or a \_S5_ package; TimedOut if the machine is still running after it.
// Turns interrupts off before touching the hardware; call it from a task (it may map registers).
ktl::Error enter_soft_off();

// Writes RESET_VALUE to the FADT's RESET_REG (system I/O, memory or PCI configuration space 0).
// Returns NoEntry when the FADT has none, TimedOut if the machine survived it. Interrupts go off.
ktl::Error reset_through_fadt();

} // namespace acpi
