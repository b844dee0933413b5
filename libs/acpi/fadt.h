// The FADT ("FACP", ACPI 6.x §5.2.9): the fixed hardware the kernel needs — the PM timer, the
// reset register, the RTC century index, the IA-PC boot architecture flags, and for power-off the
// PM1 control blocks with the SMI command that hands them from the firmware to the OS.
//
// Documented choices:
//  * Only fields that lie inside the table's length are read; missing ones read as zero (the
//    revision-1 FADT is 116 bytes and ends with the flags word).
//  * The 64-bit X_ fields win when present and non-zero (ACPI 2.0+), else the 32-bit ones.
//  * IAPC_BOOT_ARCH was reserved in ACPI 1.0, so for revision < 2 it is treated as unknown and the
//    helpers answer for a legacy PC: an 8042 may be present, VGA is not ruled out.
#pragma once

#include "acpi/tables.h"
#include "ktl/error_or.h"

#include <cstdint>

namespace acpi {

struct Fadt {
    static constexpr uint32_t flag_timer_32_bit = 1u << 8;      // TMR_VAL_EXT
    static constexpr uint32_t flag_reset_register = 1u << 10;   // RESET_REG_SUP
    static constexpr uint32_t flag_hardware_reduced = 1u << 20; // HW_REDUCED_ACPI
    static constexpr uint16_t boot_legacy_devices = 1u << 0;
    static constexpr uint16_t boot_8042 = 1u << 1;
    static constexpr uint16_t boot_vga_not_present = 1u << 2;
    static constexpr uint16_t boot_msi_not_supported = 1u << 3;
    static constexpr uint16_t boot_cmos_rtc_not_present = 1u << 5;

    uint8_t revision = 0;
    uint32_t length = 0;
    uint64_t facs_address = 0; // X_FIRMWARE_CTRL or FIRMWARE_CTRL
    uint64_t dsdt_address = 0; // X_DSDT or DSDT
    uint8_t preferred_pm_profile = 0;
    uint16_t sci_interrupt = 0;
    uint32_t smi_command_port = 0;
    uint8_t acpi_enable_value = 0, acpi_disable_value = 0;
    uint32_t flags = 0;

    bool has_pm_timer = false;
    GenericAddress pm_timer; // system I/O (or memory, from X_PM_TMR_BLK)

    uint8_t century_register = 0; // CMOS index of the century, 0 when the RTC has none

    bool has_reset_register = false; // RESET_REG_SUP set and a usable RESET_REG
    GenericAddress reset_register;
    uint8_t reset_value = 0;

    bool boot_architecture_valid = false; // revision >= 2 and the field inside the table
    uint16_t boot_architecture = 0;

    // PM1a/PM1b control blocks (X_PM1x_CNT_BLK, else PM1x_CNT_BLK with PM1_CNT_LEN >= 2): where
    // SLP_TYP/SLP_EN put the machine to sleep (S5: off). PM1b is optional.
    bool has_pm1a_control = false, has_pm1b_control = false;
    GenericAddress pm1a_control, pm1b_control;
    // Hardware-reduced machines sleep through SLEEP_CONTROL_REG instead (ACPI 5.0+, §4.8.3.7).
    bool has_sleep_control = false;
    GenericAddress sleep_control;

    // SMI_CMD is zero when the machine is always in ACPI mode (and on hardware-reduced ones).
    bool can_enable_acpi() const { return smi_command_port != 0 && acpi_enable_value != 0; }
    bool pm_timer_is_32_bit() const { return flags & flag_timer_32_bit; }
    bool hardware_reduced() const { return flags & flag_hardware_reduced; }
    bool may_have_8042() const { return !boot_architecture_valid || (boot_architecture & boot_8042); }
    bool vga_not_present() const {
        return boot_architecture_valid && (boot_architecture & boot_vga_not_present);
    }
    bool cmos_rtc_not_present() const {
        return boot_architecture_valid && (boot_architecture & boot_cmos_rtc_not_present);
    }
};

// PM1 control register bits (ACPI 6.x Table 4.13).
inline constexpr uint16_t pm1_control_sci_enable = 1u << 0;  // SCI_EN: the OS owns the fixed hardware
inline constexpr uint16_t pm1_control_sleep_type_shift = 10; // SLP_TYPx, 3 bits
inline constexpr uint16_t pm1_control_sleep_type_mask = 7u << pm1_control_sleep_type_shift;
inline constexpr uint16_t pm1_control_sleep_enable = 1u << 13; // SLP_EN: write-only, starts the sleep

// The PM1 control value that enters sleep type `sleep_type` from the register's `current` value:
// the other bits kept, SLP_TYP replaced; with_enable adds SLP_EN (the spec writes SLP_TYP first,
// then SLP_TYP with SLP_EN).
constexpr uint16_t pm1_sleep_value(uint16_t current, uint8_t sleep_type, bool with_enable) {
    uint16_t value =
        static_cast<uint16_t>(current & ~(pm1_control_sleep_type_mask | pm1_control_sleep_enable));
    value = static_cast<uint16_t>(value | ((sleep_type & 7u) << pm1_control_sleep_type_shift));
    return with_enable ? static_cast<uint16_t>(value | pm1_control_sleep_enable) : value;
}

// Hardware-reduced SLEEP_CONTROL_REG (ACPI 6.x §4.8.3.7): SLP_TYPx in bits 2-4, SLP_EN bit 5.
constexpr uint8_t sleep_control_value(uint8_t sleep_type) {
    return static_cast<uint8_t>(((sleep_type & 7u) << 2) | (1u << 5));
}

// InvalidArgument when the signature is not "FACP"; any length from the header up is accepted.
ktl::ErrorOr<Fadt> parse_fadt(const Table& table);

} // namespace acpi
