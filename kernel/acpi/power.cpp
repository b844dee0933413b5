// S5 and the reset register; the register encodings are libs/acpi's (fadt.h, sleep_states.h).
#include "acpi/power.h"

#include "acpi/acpi.h"
#include "acpi/fadt.h"
#include "acpi/sleep_states.h"
#include "arch/cpu.h"
#include "arch/io.h"
#include "arch/machine.h"
#include "console/log.h"
#include "mm/kernel_space.h"

namespace acpi {

namespace {

constexpr ktl::StringView log_subsystem = "acpi";
// SCI_EN may take the firmware a while; ACPICA allows 3 s. Port reads are about a microsecond.
constexpr uint32_t acpi_enable_polls = 3'000'000;
// How long a write that should have stopped the machine gets before the next way is tried.
constexpr uint32_t settle_microseconds = 100'000;

// A register a Generic Address Structure names, ready to use: I/O ports as they are, memory mapped
// uncached. Width from bit_width, else access_size, else the caller's default.
class Register {
public:
    static ktl::ErrorOr<Register> map(const GenericAddress& gas, uint8_t default_bits) {
        Register reg;
        reg.m_bits = gas.bit_width;
        if (reg.m_bits != 8 && reg.m_bits != 16 && reg.m_bits != 32) {
            static constexpr uint8_t by_access_size[] = {0, 8, 16, 32, 32};
            reg.m_bits =
                gas.access_size <= 4 && gas.access_size != 0 ? by_access_size[gas.access_size] : default_bits;
        }
        reg.m_space = static_cast<AddressSpace>(gas.address_space);
        if (reg.m_space == AddressSpace::SystemIo) {
            if (gas.address == 0 || gas.address + reg.m_bits / 8 > 0x10000)
                return ktl::Errno::InvalidArgument;
            reg.m_port = static_cast<uint16_t>(gas.address);
        } else if (reg.m_space == AddressSpace::SystemMemory) {
            uint64_t page = gas.address & ~uint64_t(0xfff);
            if (gas.address == 0 || (gas.address & 0xfff) + reg.m_bits / 8 > 0x1000)
                return ktl::Errno::InvalidArgument;
            void* mapped = TRY(mm::map_mmio(page, 0x1000));
            reg.m_memory = static_cast<volatile uint8_t*>(mapped) + (gas.address & 0xfff);
        } else {
            return ktl::Errno::NotSupported;
        }
        return reg;
    }

    uint32_t read() const {
        if (m_space == AddressSpace::SystemIo)
            return m_bits == 8 ? arch::in8(m_port) : m_bits == 16 ? arch::in16(m_port) : arch::in32(m_port);
        if (m_bits == 8)
            return *m_memory;
        if (m_bits == 16)
            return *reinterpret_cast<volatile uint16_t*>(m_memory);
        return *reinterpret_cast<volatile uint32_t*>(m_memory);
    }

    void write(uint32_t value) const {
        if (m_space == AddressSpace::SystemIo) {
            if (m_bits == 8)
                arch::out8(m_port, static_cast<uint8_t>(value));
            else if (m_bits == 16)
                arch::out16(m_port, static_cast<uint16_t>(value));
            else
                arch::out32(m_port, value);
        } else if (m_bits == 8) {
            *m_memory = static_cast<uint8_t>(value);
        } else if (m_bits == 16) {
            *reinterpret_cast<volatile uint16_t*>(m_memory) = static_cast<uint16_t>(value);
        } else {
            *reinterpret_cast<volatile uint32_t*>(m_memory) = value;
        }
    }

private:
    AddressSpace m_space = AddressSpace::SystemIo;
    uint8_t m_bits = 0;
    uint16_t m_port = 0;
    volatile uint8_t* m_memory = nullptr;
};

// \_S5_ from the DSDT, else the first SSDT that declares it.
ktl::ErrorOr<SleepType> soft_off_sleep_type() {
    const AcpiTables* tables = firmware_tables();
    if (!tables)
        return ktl::Errno::NoEntry;
    if (auto dsdt = tables->find("DSDT"); !dsdt.is_error())
        if (auto found = find_sleep_type(dsdt.value(), 5); !found.is_error())
            return found;
    for (size_t index = 0;; ++index) {
        auto ssdt = tables->find("SSDT", index);
        if (ssdt.is_error())
            return ktl::Errno::NoEntry;
        if (auto found = find_sleep_type(ssdt.value(), 5); !found.is_error())
            return found;
    }
}

// Hands the fixed hardware to the OS if the firmware still has it; false if it never let go.
bool ensure_acpi_mode(const Fadt& fadt, const Register& pm1a) {
    if (pm1a.read() & pm1_control_sci_enable)
        return true;
    if (!fadt.can_enable_acpi())
        return false;
    arch::out8(static_cast<uint16_t>(fadt.smi_command_port), fadt.acpi_enable_value);
    for (uint32_t i = 0; i < acpi_enable_polls; ++i)
        if (pm1a.read() & pm1_control_sci_enable)
            return true;
    return false;
}

ktl::ErrorOr<void> try_soft_off() {
    Fadt fadt = TRY(firmware_fadt());
    SleepType sleep_type = TRY(soft_off_sleep_type());
    if (fadt.hardware_reduced() && fadt.has_sleep_control) {
        Register sleep_control = TRY(Register::map(fadt.sleep_control, 8));
        arch::disable_interrupts();
        sleep_control.write(sleep_control_value(sleep_type.pm1a));
        arch::delay_microseconds(settle_microseconds);
        return ktl::Errno::TimedOut;
    }
    if (!fadt.has_pm1a_control)
        return ktl::Errno::NoEntry;
    Register pm1a = TRY(Register::map(fadt.pm1a_control, 16));
    // PM1b is optional; one that cannot be mapped is left out rather than failing the power-off.
    Register pm1b;
    bool use_pm1b = false;
    if (fadt.has_pm1b_control) {
        if (auto mapped = Register::map(fadt.pm1b_control, 16); !mapped.is_error()) {
            pm1b = mapped.value();
            use_pm1b = true;
        }
    }
    arch::disable_interrupts();
    if (!ensure_acpi_mode(fadt, pm1a))
        klog::warn(log_subsystem, "SCI_EN stays clear after ACPI_ENABLE; trying S5 anyway");
    // SLP_TYP first, then SLP_TYP with SLP_EN, to PM1a and PM1b alike (ACPI 6.x §7.4.2).
    for (bool enable : {false, true}) {
        pm1a.write(pm1_sleep_value(static_cast<uint16_t>(pm1a.read()), sleep_type.pm1a, enable));
        if (use_pm1b)
            pm1b.write(pm1_sleep_value(static_cast<uint16_t>(pm1b.read()), sleep_type.pm1b, enable));
    }
    arch::delay_microseconds(settle_microseconds);
    return ktl::Errno::TimedOut;
}

ktl::ErrorOr<void> try_fadt_reset() {
    Fadt fadt = TRY(firmware_fadt());
    if (!fadt.has_reset_register)
        return ktl::Errno::NoEntry;
    const GenericAddress& reset = fadt.reset_register;
    if (static_cast<AddressSpace>(reset.address_space) == AddressSpace::PciConfiguration) {
        // Segment 0, bus 0: device in bits 47-32, function in 31-16, offset in 15-0.
        uint64_t device = (reset.address >> 32) & 0xffff, function = (reset.address >> 16) & 0xffff;
        if (device > 31 || function > 7)
            return ktl::Errno::InvalidArgument;
        arch::disable_interrupts();
        arch::pci_config_write8(0, static_cast<uint8_t>(device), static_cast<uint8_t>(function),
                                static_cast<uint16_t>(reset.address & 0xffff), fadt.reset_value);
    } else {
        Register reg = TRY(Register::map(reset, 8));
        arch::disable_interrupts();
        reg.write(fadt.reset_value);
    }
    arch::delay_microseconds(settle_microseconds);
    return ktl::Errno::TimedOut;
}

const char* space_name(uint8_t space) {
    switch (static_cast<AddressSpace>(space)) {
    case AddressSpace::SystemMemory:
        return "memory";
    case AddressSpace::SystemIo:
        return "I/O";
    case AddressSpace::PciConfiguration:
        return "PCI config";
    }
    return "unknown space";
}

} // namespace

PowerFacts power_facts() {
    PowerFacts facts;
    auto fadt = firmware_fadt();
    if (fadt.is_error())
        return facts;
    auto sleep_type = soft_off_sleep_type();
    bool sleep_control = fadt.value().hardware_reduced() && fadt.value().has_sleep_control;
    if (!sleep_type.is_error() && (sleep_control || fadt.value().has_pm1a_control)) {
        facts.soft_off = true;
        facts.soft_off_type = sleep_type.value();
        facts.soft_off_register = sleep_control ? fadt.value().sleep_control : fadt.value().pm1a_control;
    }
    facts.reset_register = fadt.value().has_reset_register;
    facts.reset = fadt.value().reset_register;
    facts.reset_value = fadt.value().reset_value;
    return facts;
}

void log_power_facts() {
    PowerFacts facts = power_facts();
    if (facts.soft_off)
        klog::info(log_subsystem, "power-off: S5 (SLP_TYPa {}, SLP_TYPb {}) through {} {:#x}",
                   facts.soft_off_type.pm1a, facts.soft_off_type.pm1b,
                   space_name(facts.soft_off_register.address_space), facts.soft_off_register.address);
    else
        klog::info(log_subsystem, "power-off: no \\_S5_ package or PM1 control block; poweroff halts");
    if (facts.reset_register)
        klog::info(log_subsystem, "reset: write {:#x} to {} {:#x}, then the legacy ways", facts.reset_value,
                   space_name(facts.reset.address_space), facts.reset.address);
    else
        klog::info(log_subsystem, "reset: no FADT reset register; 0xCF9, the 8042, a triple fault");
}

ktl::Error enter_soft_off() {
    auto result = try_soft_off();
    return result.is_error() ? result.error() : ktl::Error::from_errno(ktl::Errno::TimedOut);
}

ktl::Error reset_through_fadt() {
    auto result = try_fadt_reset();
    return result.is_error() ? result.error() : ktl::Error::from_errno(ktl::Errno::TimedOut);
}

} // namespace acpi
