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

// Mixes `length` bytes from a hardware random number generator (virtio-rng, …) into the generator's
// key at once, and counts `credited_bits` of entropy for them (at most 8 per byte). Callable from any
// task; not from an interrupt handler (the mixing takes a few microseconds per 32 bytes).
void add_hardware_entropy(const void* data, size_t length, size_t credited_bits);

// Which sources the seed came from, for logs and tests.
struct EntropySources {
    bool rdseed = false;
    bool rdrand = false;
    uint32_t jitter_samples = 0; // TSC readings around work of varying length, per (re)seed
    bool clock = false;          // the wall clock and monotonic clock were mixed in
    uint64_t reseeds = 0;        // periodic reseeds since boot
    uint64_t hardware_bits = 0;  // entropy credited by add_hardware_entropy since boot
    uint64_t hardware_bytes = 0; // bytes mixed in by it
};
EntropySources entropy_sources();

} // namespace random
