// What the processor says about itself (CPUID), as Linux's /proc/cpuinfo prints it.
#pragma once

#include "ktl/format.h"

#include <cstdint>

namespace arch {

// One "processor : N" block for the boot processor, ending with a blank line. `tsc_hz` (0 if
// unknown) gives "cpu MHz" and "bogomips" (twice the MHz, as Linux's TSC-based delay loop reports).
void write_cpu_info(ktl::FormatSink& sink, uint64_t tsc_hz);

} // namespace arch
