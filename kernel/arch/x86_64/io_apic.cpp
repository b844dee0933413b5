// I/O APIC registers per the Intel 82093AA datasheet: IOREGSEL at +0x00 selects a register, IOWIN at
// +0x10 reads or writes it; register 0x01 is the version (max redirection entry in bits 23:16), 0x10 +
// 2n / 0x11 + 2n the low and high dwords of pin n's redirection entry.
#include "arch/x86_64/io_apic.h"

#include "acpi/acpi.h"
#include "console/log.h"
#include "mm/kernel_space.h"
#include "sync/spinlock.h"

namespace x86_64 {

namespace {

constexpr ktl::StringView log_subsystem = "ioapic";

constexpr uint32_t register_select = 0x00 / 4, register_window = 0x10 / 4;
constexpr uint8_t register_id = 0x00, register_version = 0x01, register_redirection_base = 0x10;

constexpr uint32_t entry_masked = 1u << 16, entry_level = 1u << 15, entry_active_low = 1u << 13;

// One chip's registers; IOREGSEL then IOWIN is a two-step protocol, so each access holds the lock.
struct Chip {
    volatile uint32_t* registers = nullptr;

    uint32_t read(uint8_t index) {
        registers[register_select] = index;
        return registers[register_window];
    }
    void write(uint8_t index, uint32_t value) {
        registers[register_select] = index;
        registers[register_window] = value;
    }
};

struct MappedChip {
    uint32_t address = 0;
    void* mapping = nullptr;
    sync::SpinlockProtected<Chip, sync::IrqSpinlock> chip;
};

// ~4 KiB each: static, not on a kernel stack.
acpi::Madt madt;
acpi::InterruptRouting routing;
MappedChip chips[acpi::Madt::max_io_apics];
size_t chip_count;

MappedChip* chip_at(uint32_t address) {
    for (size_t index = 0; index < chip_count; ++index)
        if (chips[index].address == address)
            return &chips[index];
    return nullptr;
}

// Maps the chip and reads its pin count; 0 when it cannot be mapped or reads as nothing (all ones).
uint32_t probe_pin_count(const acpi::IoApic& io_apic) {
    if (chip_count == acpi::Madt::max_io_apics)
        return 0;
    auto mapped = mm::map_mmio(io_apic.address & ~0xfffu, 4096);
    if (mapped.is_error()) {
        klog::warn(log_subsystem, "cannot map the I/O APIC at {:#x}: {}", io_apic.address,
                   mapped.error().name());
        return 0;
    }
    MappedChip& entry = chips[chip_count++];
    entry.address = io_apic.address;
    entry.mapping = mapped.value();
    uint32_t id = 0;
    uint32_t version = entry.chip.with([&](Chip& chip) {
        chip.registers = reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(mapped.value()) +
                                                              (io_apic.address & 0xfff));
        id = chip.read(register_id);
        return chip.read(register_version);
    });
    // Nothing there reads all ones; RAM or a stray device behind the window reads the same through
    // IOWIN whatever IOREGSEL says. A real chip has a version byte, bits 31:24 clear, and an ID
    // register that differs from its version register.
    if (version == 0xffffffff || version == id || (version & 0xff) == 0 || (version >> 24) != 0)
        return 0;
    return ((version >> 16) & 0xff) + 1;
}

struct PinRef {
    MappedChip* chip;
    uint8_t pin;
};

bool find_pin(uint32_t gsi, PinRef& out) {
    const acpi::IoApicPlan* plan = routing.io_apic_for(gsi);
    if (!plan)
        return false;
    MappedChip* chip = chip_at(plan->address);
    if (!chip)
        return false;
    out = {chip, static_cast<uint8_t>(gsi - plan->gsi_base)};
    return true;
}

} // namespace

bool initialize_io_apics() {
    const acpi::AcpiTables* tables = acpi::firmware_tables();
    if (!tables) {
        klog::info(log_subsystem, "no ACPI tables: no I/O APIC");
        return false;
    }
    auto table = tables->find("APIC");
    if (table.is_error() || acpi::parse_madt(table.value(), madt).is_error()) {
        klog::warn(log_subsystem, "no usable MADT: no I/O APIC");
        return false;
    }
    if (madt.malformed || madt.short_entries)
        klog::warn(log_subsystem, "the MADT is malformed ({} short entries); using what parsed",
                   madt.short_entries);
    acpi::plan_interrupt_routing(
        madt, [](const acpi::IoApic& io_apic) { return probe_pin_count(io_apic); },
        [](acpi::RoutingProblem problem, uint64_t value) {
            klog::warn(log_subsystem, "{} ({:#x})", acpi::describe(problem), value);
        },
        routing);
    // Chips probed but refused (an overlapping range) give their mapping back.
    for (size_t index = 0; index < chip_count; ++index) {
        bool accepted = false;
        for (const acpi::IoApicPlan& plan : routing.io_apics)
            accepted |= plan.address == chips[index].address;
        if (!accepted && chips[index].mapping) {
            mm::unmap_mmio(chips[index].mapping, 4096);
            chips[index].mapping = nullptr;
            chips[index].address = 0; // never an accepted address
        }
    }
    if (routing.io_apics.is_empty()) {
        klog::warn(log_subsystem, "no usable I/O APIC in the MADT");
        return false;
    }
    for (const acpi::IoApicPlan& plan : routing.io_apics) {
        MappedChip* mapped = chip_at(plan.address);
        uint32_t id = mapped->chip.with([&](Chip& chip) {
            for (uint32_t pin = 0; pin < plan.pin_count; ++pin) {
                chip.write(register_redirection_base + 2 * pin, entry_masked);
                chip.write(register_redirection_base + 2 * pin + 1, 0);
            }
            return chip.read(register_id);
        });
        klog::info(log_subsystem, "I/O APIC {} (id register {}) at {:#x}: GSIs {}-{}, all masked", plan.id,
                   (id >> 24) & 0xf, plan.address, plan.gsi_base, plan.gsi_base + plan.pin_count - 1);
        if (plan.gsi_base + plan.pin_count > max_io_apic_lines)
            klog::warn(log_subsystem, "GSIs from {} up have no vector and stay masked", max_io_apic_lines);
    }
    for (uint8_t irq = 0; irq < acpi::InterruptRouting::isa_irqs; ++irq) {
        const acpi::IsaRoute& route = routing.isa[irq];
        if (route.gsi != irq || route.level_triggered || route.active_low)
            klog::info(log_subsystem, "ISA IRQ {} -> GSI {}, {}, active {}", irq, route.gsi,
                       route.level_triggered ? "level" : "edge", route.active_low ? "low" : "high");
    }
    return true;
}

const acpi::InterruptRouting& io_apic_routing() {
    return routing;
}

bool io_apic_serves(uint32_t gsi) {
    PinRef pin;
    return gsi < max_io_apic_lines && find_pin(gsi, pin);
}

void io_apic_program(uint32_t gsi, uint8_t vector, const arch::LineRoute& route,
                     uint32_t destination_apic_id) {
    PinRef pin;
    if (!find_pin(gsi, pin))
        return;
    uint32_t low = entry_masked | vector; // fixed delivery, physical destination
    if (route.trigger == arch::Trigger::Level)
        low |= entry_level;
    if (route.polarity == arch::Polarity::ActiveLow)
        low |= entry_active_low;
    pin.chip->chip.with([&](Chip& chip) {
        chip.write(register_redirection_base + 2 * pin.pin, entry_masked);
        chip.write(register_redirection_base + 2 * pin.pin + 1, (destination_apic_id & 0xff) << 24);
        chip.write(register_redirection_base + 2 * pin.pin, low);
    });
}

void io_apic_set_masked(uint32_t gsi, bool masked) {
    PinRef pin;
    if (!find_pin(gsi, pin))
        return;
    pin.chip->chip.with([&](Chip& chip) {
        uint8_t index = register_redirection_base + 2 * pin.pin;
        uint32_t low = chip.read(index);
        chip.write(index, masked ? low | entry_masked : low & ~entry_masked);
    });
}

uint64_t io_apic_read_entry(uint32_t gsi) {
    PinRef pin;
    if (!find_pin(gsi, pin))
        return 0;
    return pin.chip->chip.with([&](Chip& chip) {
        uint8_t index = register_redirection_base + 2 * pin.pin;
        return uint64_t(chip.read(index + 1)) << 32 | chip.read(index);
    });
}

} // namespace x86_64
