// Register offsets and limits from the IA-PC HPET specification 1.0a, §2.3.
#include "arch/x86_64/hpet.h"

#include "mm/kernel_space.h"

namespace x86_64 {

namespace {
constexpr uint64_t capabilities_register = 0x000, configuration_register = 0x010, counter_register = 0x0f0;
constexpr uint64_t configuration_enable = 1;
// The specification caps the period at 100 ns (a counter of at least 10 MHz).
constexpr uint64_t max_period_fs = 100'000'000;

volatile uint64_t* registers;
uint64_t period_fs;
uint64_t counter_mask = ~0ull; // a 32-bit counter wraps every few minutes

uint64_t read_register(uint64_t offset) {
    return registers[offset / 8];
}
} // namespace

ktl::ErrorOr<void> start_hpet(uint64_t physical_base) {
    void* mapped = TRY(mm::map_mmio(physical_base, 1024));
    auto* block = static_cast<volatile uint64_t*>(mapped);
    uint64_t capabilities = block[capabilities_register / 8];
    uint64_t period = capabilities >> 32;
    if (capabilities == ~0ull || period == 0 || period > max_period_fs) {
        mm::unmap_mmio(mapped, 1024);
        return ktl::Errno::NoDevice;
    }
    block[configuration_register / 8] = block[configuration_register / 8] | configuration_enable;
    registers = block;
    period_fs = period;
    constexpr uint64_t capability_64_bit_counter = 1 << 13;
    if (!(capabilities & capability_64_bit_counter))
        counter_mask = 0xffff'ffff;
    return {};
}

bool hpet_running() {
    return registers != nullptr;
}

uint64_t hpet_counter() {
    return read_register(counter_register);
}

uint64_t hpet_period_fs() {
    return period_fs;
}

uint64_t hpet_counts_since(uint64_t earlier) {
    return hpet_counts_between(earlier, hpet_counter());
}

uint64_t hpet_counts_between(uint64_t earlier, uint64_t later) {
    return (later - earlier) & counter_mask;
}

} // namespace x86_64
