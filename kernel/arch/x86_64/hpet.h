// The HPET's main counter, as a reference clock for calibrating the local APIC timer and the TSC:
// its period is stated by the hardware (femtoseconds per count), unlike the TSC's or the APIC's.
#pragma once

#include "ktl/error_or.h"

#include <cstdint>

namespace x86_64 {

// Maps the timer block at `physical_base` (from the ACPI HPET table) and starts its main counter.
// Fails when the block is absent (all ones), states an impossible period, or cannot be mapped.
ktl::ErrorOr<void> start_hpet(uint64_t physical_base);
bool hpet_running();
uint64_t hpet_counter();
uint64_t hpet_period_fs();
// Counts since an earlier hpet_counter() reading, across a 32-bit counter's wrap.
uint64_t hpet_counts_since(uint64_t earlier);
uint64_t hpet_counts_between(uint64_t earlier, uint64_t later);

} // namespace x86_64
