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
