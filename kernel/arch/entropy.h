// What generic kernel code may ask of the processor's random number instructions (RDSEED, RDRAND on
// x86-64). Both are optional: a caller must work, less well, without them.
#pragma once

#include <cstdint>

namespace arch {

struct HardwareRandomSupport {
    bool seed_instruction = false;   // RDSEED: conditioned entropy straight from the hardware source
    bool random_instruction = false; // RDRAND: a DRBG the hardware reseeds from that source
};
// From CPUID, checked once; a source whose first outputs look stuck is reported absent.
HardwareRandomSupport hardware_random_support();

// One 64-bit value, retrying a bounded number of times while the hardware has none ready; false when
// the instruction is absent or keeps failing.
[[nodiscard]] bool read_hardware_seed(uint64_t& value);
[[nodiscard]] bool read_hardware_random(uint64_t& value);

} // namespace arch
