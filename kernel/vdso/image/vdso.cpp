// The vDSO: a small shared object the kernel maps into every process (see docs/vdso.md). It answers
// clock_gettime, gettimeofday, time and getcpu from the kernel's clock page (libs/vdso/vdso_data.h)
// without entering the kernel, and makes the real system call whenever the page cannot answer: a clock
// the kernel does not read from the TSC, the CPU-time clocks, an unknown clock, a wall clock not yet set.
//
// User code, built freestanding and position independent by the kernel's build: no libc, no
// relocations, no writable data. The clock page sits one page below the image (vdso.lds).
#include "vdso/vdso_data.h"

#include <cstdint>

extern "C" {
// Placed by the linker script at the page before the image, where the kernel maps the clock page.
extern const vdso::Data vdso_clock_page __attribute__((visibility("hidden")));
}

namespace {

// The Linux ABI's types and numbers.
struct Timespec {
    int64_t seconds;
    int64_t nanoseconds;
};
struct Timeval {
    int64_t seconds;
    int64_t microseconds;
};
enum : long {
    sys_gettimeofday = 96,
    sys_time = 201,
    sys_clock_gettime = 228,
    sys_getcpu = 309,
};
enum : int {
    clock_realtime = 0,
    clock_monotonic = 1,
    clock_monotonic_raw = 4,
    clock_realtime_coarse = 5,
    clock_monotonic_coarse = 6,
    clock_boottime = 7,
};
constexpr uint64_t ns_per_second = 1'000'000'000;

long syscall3(long number, long first, long second, long third) {
    long result;
    asm volatile("syscall"
                 : "=a"(result)
                 : "0"(number), "D"(first), "S"(second), "d"(third)
                 : "rcx", "r11", "memory");
    return result;
}

// LFENCE keeps RDTSC from running ahead of the sequence load before it (as Linux's rdtsc_ordered),
// so the cycle count is never older than the clock fields it is paired with.
uint64_t read_tsc_ordered() {
    uint32_t low, high;
    asm volatile("lfence; rdtsc" : "=a"(low), "=d"(high)::"memory");
    return (static_cast<uint64_t>(high) << 32) | low;
}

// What one stable read of the page gives a clock: whether the page can answer, and the time.
struct Reading {
    bool answered;
    uint64_t ns;
};

// The fine clocks: only when the kernel itself counts time with the TSC, with the kernel's base,
// multiplier and shift, so this and the system call compute the same function of the same counter.
// One version per clock kind, inlined, with one test for "cannot answer": under an emulator every
// branch and call starts another translated block, and each one costs as much as the arithmetic.
template <bool realtime>
[[gnu::always_inline]] inline Reading read_fine(const vdso::Data& page) {
    bool usable = vdso::load(page.clock_mode) == vdso::clock_mode_tsc;
    uint64_t offset = 0;
    if constexpr (realtime) {
        usable &= vdso::load(page.realtime_valid) != 0;
        offset = vdso::load(page.realtime_offset_ns);
    }
    if (!usable)
        return {false, 0};
    return {true, vdso::tsc_to_ns(vdso::tsc_clock_of(page), read_tsc_ordered()) + offset};
}

// The coarse clocks: in every mode, the monotonic clock as of the last tick.
Reading read_coarse(const vdso::Data& page, bool realtime) {
    uint64_t ns = vdso::load(page.coarse_monotonic_ns);
    if (!realtime)
        return {true, ns};
    if (vdso::load(page.realtime_valid) == 0)
        return {false, 0};
    return {true, ns + vdso::load(page.realtime_offset_ns)};
}

// Tests of a bit in a mask rather than a switch: a compiler turns the switch into an indirect jump,
// which an emulator cannot chain to its target and looks up on every call.
constexpr uint32_t bit(int clock) {
    return 1u << clock;
}
constexpr uint32_t fine_monotonic_clocks =
    bit(clock_monotonic) | bit(clock_monotonic_raw) | // the kernel applies no frequency correction
    bit(clock_boottime);                              // nothing suspends yet: equal to CLOCK_MONOTONIC

[[gnu::always_inline]] inline Reading read_clock(int clock) {
    // CPU-time clocks (2, 3 and negative ids) and unknown ids have no bit: the kernel decides.
    uint32_t mask = clock >= 0 && clock < 32 ? bit(clock) : 0;
    if (mask & fine_monotonic_clocks)
        return vdso::read_stable(vdso_clock_page,
                                 [](const vdso::Data& page) { return read_fine<false>(page); });
    if (mask & bit(clock_realtime))
        return vdso::read_stable(vdso_clock_page,
                                 [](const vdso::Data& page) { return read_fine<true>(page); });
    if (mask & bit(clock_realtime_coarse))
        return vdso::read_stable(vdso_clock_page,
                                 [](const vdso::Data& page) { return read_coarse(page, true); });
    if (mask & bit(clock_monotonic_coarse))
        return vdso::read_stable(vdso_clock_page,
                                 [](const vdso::Data& page) { return read_coarse(page, false); });
    return {false, 0};
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int __vdso_clock_gettime(int clock, Timespec* time) {
    Reading reading = read_clock(clock);
    if (!reading.answered)
        return static_cast<int>(syscall3(sys_clock_gettime, clock, reinterpret_cast<long>(time), 0));
    time->seconds = static_cast<int64_t>(reading.ns / ns_per_second);
    time->nanoseconds = static_cast<int64_t>(reading.ns % ns_per_second);
    return 0;
}

__attribute__((visibility("default"))) int __vdso_gettimeofday(Timeval* time, void* timezone) {
    // A timezone to fill, or nothing to fill at all: the kernel's answer, whatever it is, is the rule.
    if (timezone != nullptr || time == nullptr)
        return static_cast<int>(
            syscall3(sys_gettimeofday, reinterpret_cast<long>(time), reinterpret_cast<long>(timezone), 0));
    Reading reading = read_clock(clock_realtime);
    if (!reading.answered)
        return static_cast<int>(syscall3(sys_gettimeofday, reinterpret_cast<long>(time), 0, 0));
    time->seconds = static_cast<int64_t>(reading.ns / ns_per_second);
    time->microseconds = static_cast<int64_t>(reading.ns % ns_per_second / 1000);
    return 0;
}

// The coarse wall clock's seconds, as the time system call answers.
__attribute__((visibility("default"))) int64_t __vdso_time(int64_t* result) {
    Reading reading = read_clock(clock_realtime_coarse);
    if (!reading.answered)
        return syscall3(sys_time, reinterpret_cast<long>(result), 0, 0);
    int64_t seconds = static_cast<int64_t>(reading.ns / ns_per_second);
    if (result != nullptr)
        *result = seconds;
    return seconds;
}

// The kernel puts (node << 12) | cpu in every CPU's IA32_TSC_AUX. Reading it is one instruction, so
// the answer is the CPU this thread was on at that instant, as the system call's is: never a CPU number
// from a global page, which could not be right for more than one CPU.
__attribute__((visibility("default"))) int __vdso_getcpu(uint32_t* cpu, uint32_t* node, void* cache) {
    uint32_t source = vdso::read_stable(
        vdso_clock_page, [](const vdso::Data& page) { return vdso::load(page.cpu_number_source); });
    uint64_t value;
    if (source == vdso::cpu_number_rdpid) {
        asm volatile("rdpid %0" : "=r"(value));
    } else if (source == vdso::cpu_number_rdtscp) {
        uint32_t low, high, aux;
        asm volatile("rdtscp" : "=a"(low), "=d"(high), "=c"(aux));
        value = aux;
    } else {
        return static_cast<int>(syscall3(sys_getcpu, reinterpret_cast<long>(cpu),
                                         reinterpret_cast<long>(node), reinterpret_cast<long>(cache)));
    }
    if (cpu != nullptr)
        *cpu = static_cast<uint32_t>(value & 0xfff);
    if (node != nullptr)
        *node = static_cast<uint32_t>(value >> 12);
    return 0;
}

// The names without the prefix, as Linux's vDSO exports them too.
int clock_gettime(int, Timespec*) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(Timeval*, void*) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t*) __attribute__((weak, alias("__vdso_time")));
int getcpu(uint32_t*, uint32_t*, void*) __attribute__((weak, alias("__vdso_getcpu")));

} // extern "C"
