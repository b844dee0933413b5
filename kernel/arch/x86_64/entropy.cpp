// RDSEED and RDRAND behind arch/entropy.h. Either may report "not ready" (CF=0) under load, RDSEED
// more often; Intel's guidance is to retry RDRAND ~10 times and to expect RDSEED to need more. Some
// parts have returned a constant (all ones) from RDRAND, so the first outputs are checked for that.
#include "arch/entropy.h"

#include "arch/x86_64/registers.h"

namespace arch {

namespace {

constexpr uint32_t cpuid_1_ecx_rdrand = 1u << 30;
constexpr uint32_t cpuid_7_ebx_rdseed = 1u << 18;
constexpr int rdrand_attempts = 10, rdseed_attempts = 100;
constexpr int stuck_check_samples = 4;

bool rdrand_once(uint64_t& value) {
    bool ready;
    asm volatile("rdrand %0" : "=r"(value), "=@ccc"(ready));
    return ready;
}

bool rdseed_once(uint64_t& value) {
    bool ready;
    asm volatile("rdseed %0" : "=r"(value), "=@ccc"(ready));
    return ready;
}

template <typename Instruction>
bool read_with_retries(Instruction instruction, int attempts, uint64_t& value) {
    for (int attempt = 0; attempt < attempts; ++attempt) {
        if (instruction(value))
            return true;
        asm volatile("pause");
    }
    return false;
}

// True when a few outputs are not all the same value (a constant source is broken, not random).
template <typename Instruction>
bool looks_alive(Instruction instruction, int attempts) {
    uint64_t first = 0, value = 0;
    if (!read_with_retries(instruction, attempts, first))
        return false;
    for (int sample = 1; sample < stuck_check_samples; ++sample) {
        if (!read_with_retries(instruction, attempts, value))
            return false;
        if (value != first)
            return true;
    }
    return false;
}

HardwareRandomSupport detect() {
    HardwareRandomSupport support;
    bool has_rdrand = x86_64::cpuid(1).ecx & cpuid_1_ecx_rdrand;
    bool has_rdseed = x86_64::cpuid(0).eax >= 7 && (x86_64::cpuid(7, 0).ebx & cpuid_7_ebx_rdseed);
    support.random_instruction = has_rdrand && looks_alive(rdrand_once, rdrand_attempts);
    support.seed_instruction = has_rdseed && looks_alive(rdseed_once, rdseed_attempts);
    return support;
}

HardwareRandomSupport detected;
bool detection_done; // written once; a race only repeats the (idempotent) detection

} // namespace

HardwareRandomSupport hardware_random_support() {
    if (!__atomic_load_n(&detection_done, __ATOMIC_ACQUIRE)) {
        detected = detect();
        __atomic_store_n(&detection_done, true, __ATOMIC_RELEASE);
    }
    return detected;
}

bool read_hardware_seed(uint64_t& value) {
    return hardware_random_support().seed_instruction &&
           read_with_retries(rdseed_once, rdseed_attempts, value);
}

bool read_hardware_random(uint64_t& value) {
    return hardware_random_support().random_instruction &&
           read_with_retries(rdrand_once, rdrand_attempts, value);
}

} // namespace arch
