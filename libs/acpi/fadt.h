// The FADT ("FACP", ACPI 6.x §5.2.9): the fixed hardware the kernel needs early — the PM timer,
// the reset register, the RTC century index and the IA-PC boot architecture flags.
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

// InvalidArgument when the signature is not "FACP"; any length from the header up is accepted.
ktl::ErrorOr<Fadt> parse_fadt(const Table& table);

} // namespace acpi
