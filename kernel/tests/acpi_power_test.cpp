// The firmware's own tables, under whichever firmware and machine the test run boots: a way to power
// off (an \_S5_ package and PM1a control) is found, with the values QEMU's PIIX4 and ICH9 want.
#include "acpi/acpi.h"
#include "acpi/power.h"
#include "test/ktest.h"

KTEST(acpi_tables_name_an_s5_sleep_type_and_its_pm1a_control_register) {
    KASSERT(acpi::firmware_tables() != nullptr);
    acpi::PowerFacts facts = acpi::power_facts();
    KASSERT(facts.soft_off);
    // QEMU's DSDT: Name (_S5, Package (4) {0, 0, 0, 0}); PM1a control at the PM base + 4, where the
    // firmware put the base: 0x600 (SeaBIOS; OVMF on q35) or 0xb000 (OVMF on pc).
    KEXPECT_EQ(facts.soft_off_type.pm1a, 0);
    KEXPECT_EQ(facts.soft_off_type.pm1b, 0);
    KEXPECT_EQ(facts.soft_off_register.address_space, static_cast<uint8_t>(acpi::AddressSpace::SystemIo));
    KEXPECT(facts.soft_off_register.address == 0x604 || facts.soft_off_register.address == 0xb004);
    // q35's FADT names 0xCF9; pc's revision-1 FADT has no reset register at all.
    if (facts.reset_register)
        KEXPECT_EQ(facts.reset.address, 0xcf9u);
}
