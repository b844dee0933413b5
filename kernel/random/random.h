// The kernel's cryptographically secure random numbers, for getrandom, AT_RANDOM and anything in the
// kernel that needs unpredictable values: ChaCha20 with fast key erasure, seeded from the CPU's
// RDSEED/RDRAND where present, TSC jitter and the clocks, and reseeded every minute of use.
#pragma once

#include <cstddef>
#include <cstdint>

namespace random {

// Gathers the boot seed and logs which sources were found. Idempotent; fill() calls it on first use,
// so calling it at boot only moves that work (a few hundred microseconds) out of the first request.
void initialize();
// `length` unpredictable bytes; never fails. Any length, including 0, at any alignment.
void fill(void* buffer, size_t length);
uint64_t next_u64();

// Which sources the seed came from, for logs and tests.
struct EntropySources {
    bool rdseed = false;
    bool rdrand = false;
    uint32_t jitter_samples = 0; // TSC readings around work of varying length, per (re)seed
    bool clock = false;          // the wall clock and monotonic clock were mixed in
    uint64_t reseeds = 0;        // periodic reseeds since boot
};
EntropySources entropy_sources();

} // namespace random
