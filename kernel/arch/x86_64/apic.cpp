// Local APIC registers and timer modes as in Intel SDM vol. 3A, "Advanced Programmable Interrupt
// Controller (APIC)": IA32_APIC_BASE, the spurious-interrupt vector register, the timer's LVT entry and
// its divide configuration.
#include "arch/x86_64/apic.h"

#include "arch/x86_64/registers.h"
#include "arch/x86_64/vectors.h"
#include "console/log.h"
#include "ktl/assert.h"
#include "mm/kernel_space.h"

namespace x86_64 {

namespace {

constexpr ktl::StringView log_subsystem = "apic";

constexpr uint32_t msr_apic_base = 0x1b;
constexpr uint64_t apic_base_bootstrap_processor = 1ull << 8, apic_base_x2apic_mode = 1ull << 10,
                   apic_base_global_enable = 1ull << 11, apic_base_address_mask = 0x000ffffffffff000ull;
constexpr uint32_t cpuid_1_edx_apic = 1u << 9;

// Register offsets in the APIC page.
constexpr uint32_t register_id = 0x20, register_version = 0x30, register_task_priority = 0x80,
                   register_end_of_interrupt = 0xb0, register_spurious_vector = 0xf0,
                   register_lvt_timer = 0x320, register_timer_initial_count = 0x380,
                   register_timer_current_count = 0x390, register_timer_divide = 0x3e0;

constexpr uint32_t spurious_software_enable = 1u << 8;
constexpr uint32_t lvt_masked = 1u << 16, lvt_timer_periodic = 1u << 17;
constexpr uint32_t timer_divide_by_16 = 0b0011; // bits 0, 1 and 3 of the divide configuration register
static_assert(apic_timer_divisor == 16);

volatile uint32_t* registers;

uint32_t read_register(uint32_t offset) {
    return registers[offset / 4];
}
void write_register(uint32_t offset, uint32_t value) {
    registers[offset / 4] = value;
}

// Counted by the dispatcher like every vector; the APIC wants no EOI for it.
void on_spurious_interrupt(arch::InterruptFrame&) {}

} // namespace

ktl::ErrorOr<void> initialize_local_apic() {
    if (registers)
        return {};
    if (!(cpuid(1).edx & cpuid_1_edx_apic)) {
        klog::warn(log_subsystem, "the CPU reports no local APIC (CPUID.1:EDX bit 9)");
        return ktl::Errno::NoDevice;
    }
    uint64_t apic_base = read_msr(msr_apic_base);
    if (apic_base & apic_base_x2apic_mode) {
        klog::warn(log_subsystem, "the firmware left the APIC in x2APIC mode; its MMIO page is not decoded");
        return ktl::Errno::NotSupported;
    }
    if (!(apic_base & apic_base_global_enable)) {
        klog::info(log_subsystem, "globally disabled by the firmware; enabling it in IA32_APIC_BASE");
        apic_base |= apic_base_global_enable;
        write_msr(msr_apic_base, apic_base);
    }
    uint64_t physical = apic_base & apic_base_address_mask;
    auto mapped = mm::map_mmio(physical, 4096);
    if (mapped.is_error()) {
        klog::warn(log_subsystem, "cannot map its registers at {:#x}: {}", physical, mapped.error().name());
        return mapped.error();
    }
    registers = static_cast<volatile uint32_t*>(mapped.value());

    // The spurious handler must be in place before the APIC can raise it.
    MUST(set_vector_handler(apic_spurious_vector, on_spurious_interrupt));
    write_register(register_task_priority, 0); // accept every priority class
    write_register(register_lvt_timer, lvt_masked);
    write_register(register_timer_initial_count, 0);
    write_register(register_spurious_vector, spurious_software_enable | apic_spurious_vector);

    uint32_t version = read_register(register_version);
    klog::info(log_subsystem, "local APIC {} at {:#x}{}: version {:#x}, {} LVT entries",
               read_register(register_id) >> 24, physical,
               apic_base & apic_base_bootstrap_processor ? " (bootstrap processor)" : "", version & 0xff,
               ((version >> 16) & 0xff) + 1);
    return {};
}

bool local_apic_ready() {
    return registers != nullptr;
}

uint32_t local_apic_id() {
    return read_register(register_id) >> 24;
}

void apic_end_of_interrupt() {
    write_register(register_end_of_interrupt, 0);
}

void apic_timer_start_countdown() {
    write_register(register_timer_divide, timer_divide_by_16);
    write_register(register_lvt_timer, lvt_masked | apic_timer_vector);
    write_register(register_timer_initial_count, 0xffffffff);
}

void apic_timer_start_periodic(uint8_t vector, uint32_t counts_per_period) {
    write_register(register_timer_divide, timer_divide_by_16);
    write_register(register_lvt_timer, lvt_timer_periodic | vector);
    write_register(register_timer_initial_count, counts_per_period);
}

void apic_timer_stop() {
    write_register(register_lvt_timer, lvt_masked);
    write_register(register_timer_initial_count, 0);
}

uint32_t apic_timer_current_count() {
    return read_register(register_timer_current_count);
}

} // namespace x86_64
