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
// Busy-waits `duration_ns` on the HPET counter; returns the counts that actually elapsed.
uint64_t hpet_busy_wait(uint64_t duration_ns);

} // namespace x86_64
