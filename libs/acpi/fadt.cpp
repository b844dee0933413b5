// FADT decoding. Offsets per ACPI 6.x Table 5.9; the comments name each field as the spec does.
#include "acpi/fadt.h"

namespace acpi {

namespace {

// A field past the table's end reads as zero, as if firmware had left it unset.
template <typename T>
T field(ktl::ByteReader bytes, size_t offset) {
    return bytes.read<T>(offset).value_or(0);
}

GenericAddress address_field(ktl::ByteReader bytes, size_t offset) {
    return read_generic_address(bytes, offset).value_or(GenericAddress{});
}

bool is_memory_or_io(const GenericAddress& address) {
    return address.address_space == static_cast<uint8_t>(AddressSpace::SystemMemory) ||
           address.address_space == static_cast<uint8_t>(AddressSpace::SystemIo);
}

} // namespace

ktl::ErrorOr<Fadt> parse_fadt(const Table& table) {
    ktl::ByteReader bytes = table.bytes;
    if (bytes.size() < table_header_size || table.signature() != "FACP")
        return ktl::Errno::InvalidArgument;
    Fadt fadt;
    fadt.revision = field<uint8_t>(bytes, 8);
    fadt.length = static_cast<uint32_t>(bytes.size());

    fadt.facs_address = field<uint64_t>(bytes, 132); // X_FIRMWARE_CTRL
    if (fadt.facs_address == 0)
        fadt.facs_address = field<uint32_t>(bytes, 36); // FIRMWARE_CTRL
    fadt.dsdt_address = field<uint64_t>(bytes, 140);    // X_DSDT
    if (fadt.dsdt_address == 0)
        fadt.dsdt_address = field<uint32_t>(bytes, 40); // DSDT
    fadt.preferred_pm_profile = field<uint8_t>(bytes, 45);
    fadt.sci_interrupt = field<uint16_t>(bytes, 46);
    fadt.smi_command_port = field<uint32_t>(bytes, 48);
    fadt.acpi_enable_value = field<uint8_t>(bytes, 52);
    fadt.acpi_disable_value = field<uint8_t>(bytes, 53);
    fadt.flags = field<uint32_t>(bytes, 112);

    GenericAddress x_pm_timer = address_field(bytes, 208); // X_PM_TMR_BLK
    uint32_t pm_timer_port = field<uint32_t>(bytes, 76);   // PM_TMR_BLK
    uint8_t pm_timer_length = field<uint8_t>(bytes, 91);   // PM_TMR_LEN: 4 when there is a timer
    if (x_pm_timer.address != 0 && is_memory_or_io(x_pm_timer)) {
        fadt.has_pm_timer = true;
        fadt.pm_timer = x_pm_timer;
    } else if (pm_timer_port != 0 && pm_timer_length >= 4) {
        fadt.has_pm_timer = true;
        fadt.pm_timer.address_space = static_cast<uint8_t>(AddressSpace::SystemIo);
        fadt.pm_timer.bit_width = 32;
        fadt.pm_timer.address = pm_timer_port;
    }

    fadt.century_register = field<uint8_t>(bytes, 108); // CENTURY

    if (fadt.revision >= 2 && bytes.contains(109, 2)) {
        fadt.boot_architecture_valid = true;
        fadt.boot_architecture = field<uint16_t>(bytes, 109); // IAPC_BOOT_ARCH
    }

    // PM1 control blocks: the 64-bit GAS when it names a register, else the I/O port of the 32-bit
    // field. PM1_CNT_LEN (>= 2 for a usable block) covers the legacy fields only.
    uint8_t pm1_control_length = field<uint8_t>(bytes, 89); // PM1_CNT_LEN
    auto control_block = [&](size_t x_offset, size_t legacy_offset, GenericAddress& out) {
        GenericAddress extended = address_field(bytes, x_offset);
        if (extended.address != 0 && is_memory_or_io(extended)) {
            out = extended;
            return true;
        }
        uint32_t port = field<uint32_t>(bytes, legacy_offset);
        if (port == 0 || port > 0xffff || pm1_control_length < 2)
            return false;
        out = GenericAddress{static_cast<uint8_t>(AddressSpace::SystemIo), 16, 0, 2, port};
        return true;
    };
    fadt.has_pm1a_control = control_block(172, 64, fadt.pm1a_control); // X_PM1a_CNT_BLK, PM1a_CNT_BLK
    fadt.has_pm1b_control = control_block(184, 68, fadt.pm1b_control); // X_PM1b_CNT_BLK, PM1b_CNT_BLK
    GenericAddress sleep_control = address_field(bytes, 244);          // SLEEP_CONTROL_REG
    if (sleep_control.address != 0 && is_memory_or_io(sleep_control)) {
        fadt.has_sleep_control = true;
        fadt.sleep_control = sleep_control;
    }

    auto reset = read_generic_address(bytes, 116); // RESET_REG, then RESET_VALUE at 128
    if ((fadt.flags & Fadt::flag_reset_register) && !reset.is_error() && bytes.contains(128, 1)) {
        GenericAddress reset_register = reset.value();
        bool space_ok = is_memory_or_io(reset_register) ||
                        reset_register.address_space == static_cast<uint8_t>(AddressSpace::PciConfiguration);
        if (space_ok && reset_register.address != 0) {
            fadt.has_reset_register = true;
            fadt.reset_register = reset_register;
            fadt.reset_value = field<uint8_t>(bytes, 128);
        }
    }
    return fadt;
}

} // namespace acpi
