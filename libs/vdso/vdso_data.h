// What the kernel and its vDSO agree on: the layout of the read-only data page (the "vvar" page) the
// kernel maps next to the vDSO in every process, the sequence count that keeps a reader from using half
// an update, and the TSC-to-nanoseconds conversion. Both sides compute time with the functions here, so
// the vDSO and the clock_gettime system call give the same answer from the same counter value.
//
// Header only and freestanding: the kernel, the vDSO (compiled as user code, -fPIC, no libc) and the
// host tests include it.
#pragma once

#include <cstdint>

namespace vdso {

inline constexpr uint64_t data_page_size = 4096;
inline constexpr uint32_t data_layout_version = 1;

// How user space may read CLOCK_MONOTONIC, CLOCK_REALTIME and CLOCK_BOOTTIME (clock_mode).
enum ClockMode : uint32_t {
    clock_mode_syscall = 0, // the kernel's clock is not one user space can read: make the system call
    clock_mode_tsc = 1,     // the kernel's monotonic clock is tsc_to_ns() of the TSC with the fields below
};

// How user space may learn the CPU it runs on (cpu_number_source).
enum CpuNumberSource : uint32_t {
    cpu_number_syscall = 0, // ask the kernel (getcpu)
    cpu_number_rdtscp = 1,  // every CPU's IA32_TSC_AUX holds (node << 12) | cpu; RDTSCP reads it
    cpu_number_rdpid = 2,   // the same value through RDPID, which does not read the TSC
};

// The TSC clock: ns = base_ns + ((cycles - base_cycles) * multiplier) >> shift, with a 128-bit product
// so no cycle count since boot overflows it.
struct TscClock {
    uint64_t base_cycles = 0;
    uint64_t base_ns = 0;
    uint64_t multiplier = 0;
    uint32_t shift = 0;
};

constexpr uint64_t tsc_to_ns(const TscClock& clock, uint64_t cycles) {
    return clock.base_ns + static_cast<uint64_t>((static_cast<unsigned __int128>(cycles - clock.base_cycles) *
                                                  clock.multiplier) >>
                                                 clock.shift);
}

// The data page. Every field is written by the kernel between begin_write() and end_write() and read by
// user space through read_stable(). Fixed-width fields only: user space sees the bytes.
struct Data {
    uint32_t sequence = 0; // even when stable, odd while the kernel writes
    uint32_t layout_version = 0;
    uint32_t clock_mode = 0; // ClockMode
    uint32_t tsc_shift = 0;
    uint64_t tsc_base_cycles = 0;
    uint64_t tsc_base_ns = 0;
    uint64_t tsc_multiplier = 0;
    uint64_t realtime_offset_ns = 0;  // CLOCK_REALTIME = CLOCK_MONOTONIC + this, modulo 2^64
    uint32_t realtime_valid = 0;      // 0 until the wall clock is set from the RTC: then ask the kernel
    uint32_t cpu_number_source = 0;   // CpuNumberSource
    uint64_t coarse_monotonic_ns = 0; // CLOCK_MONOTONIC at the last timer tick: the _COARSE clocks
};
static_assert(sizeof(Data) == 64 && sizeof(Data) <= data_page_size);
static_assert(__builtin_offsetof(Data, sequence) == 0 && __builtin_offsetof(Data, tsc_base_cycles) == 16 &&
              __builtin_offsetof(Data, realtime_offset_ns) == 40 &&
              __builtin_offsetof(Data, coarse_monotonic_ns) == 56);

// Field access for both sides: relaxed atomic loads and stores, which compile to plain moves but keep
// the compiler from tearing, merging or caching them across the sequence checks.
template <typename T>
inline T load(const T& field) {
    return __atomic_load_n(&field, __ATOMIC_RELAXED);
}
template <typename T>
inline void store(T& field, T value) {
    __atomic_store_n(&field, value, __ATOMIC_RELAXED);
}

// The writer's side. One writer at a time (the kernel serialises them with a lock); the odd count is
// visible before any field changes and the even one only after all of them (release fences, which on
// x86 cost nothing but a compiler barrier, and keep the order on weaker machines).
inline void begin_write(Data& data) {
    store(data.sequence, load(data.sequence) + 1);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}
inline void end_write(Data& data) {
    __atomic_thread_fence(__ATOMIC_RELEASE);
    store(data.sequence, load(data.sequence) + 1);
}

// The reader's side: one attempt. False when a write was in progress or happened meanwhile, in which case
// `out` may hold a mix of old and new fields and must not be used.
template <typename Read, typename Result>
inline bool try_read_stable(const Data& data, Read&& read, Result& out) {
    uint32_t begin = __atomic_load_n(&data.sequence, __ATOMIC_ACQUIRE);
    if (begin & 1)
        return false;
    out = read(data);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return load(data.sequence) == begin;
}

// Retries until a read saw no write. `read(data)` must only load fields (through load()) and compute.
template <typename Read>
inline auto read_stable(const Data& data, Read&& read) {
    decltype(read(data)) result{};
    while (!try_read_stable(data, read, result))
        __builtin_ia32_pause(); // the writer holds a lock for a few stores: spin politely
    return result;
}

inline TscClock tsc_clock_of(const Data& data) {
    return {load(data.tsc_base_cycles), load(data.tsc_base_ns), load(data.tsc_multiplier),
            load(data.tsc_shift)};
}

} // namespace vdso
