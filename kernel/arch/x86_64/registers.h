// Control registers, MSRs and CPUID: x86-64 only, used inside arch/x86_64 and by the panic report.
#pragma once

#include <cstdint>

namespace x86_64 {

#define X86_64_CONTROL_REGISTER(number)                                                                      \
    inline uint64_t read_cr##number() {                                                                      \
        uint64_t value;                                                                                      \
        asm volatile("mov %%cr" #number ", %0" : "=r"(value));                                               \
        return value;                                                                                        \
    }                                                                                                        \
    inline void write_cr##number(uint64_t value) {                                                           \
        asm volatile("mov %0, %%cr" #number ::"r"(value) : "memory");                                        \
    }
X86_64_CONTROL_REGISTER(0)
X86_64_CONTROL_REGISTER(2)
X86_64_CONTROL_REGISTER(3)
X86_64_CONTROL_REGISTER(4)
#undef X86_64_CONTROL_REGISTER

inline uint64_t read_msr(uint32_t msr) {
    uint32_t low, high;
    asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
    return (static_cast<uint64_t>(high) << 32) | low;
}
inline void write_msr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(value)),
                 "d"(static_cast<uint32_t>(value >> 32)));
}

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult result;
    asm volatile("cpuid"
                 : "=a"(result.eax), "=b"(result.ebx), "=c"(result.ecx), "=d"(result.edx)
                 : "a"(leaf), "c"(subleaf));
    return result;
}

inline constexpr uint32_t msr_efer = 0xc0000080;
inline constexpr uint64_t cr0_write_protect = 1ull << 16;
inline constexpr uint64_t efer_no_execute_enable = 1ull << 11;

} // namespace x86_64
