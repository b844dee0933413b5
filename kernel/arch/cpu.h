// What generic kernel code may ask of the processor: interrupts on/off, halting, a cycle counter.
#pragma once

#include <cstdint>

namespace arch {

inline void enable_interrupts() {
    asm volatile("sti" ::: "memory");
}
inline void disable_interrupts() {
    asm volatile("cli" ::: "memory");
}

inline bool interrupts_enabled() {
    uint64_t flags;
    asm volatile("pushfq; pop %0" : "=r"(flags));
    return flags & (1 << 9);
}

// Sleeps until the next interrupt; interrupts are enabled atomically with the halt so none is missed.
inline void wait_for_interrupt() {
    asm volatile("sti; hlt" ::: "memory");
}

[[noreturn]] inline void halt_forever() {
    for (;;)
        asm volatile("cli; hlt");
}

// Per-CPU state is indexed by this, the one accessor: only the boot CPU runs until SMP bring-up, which
// makes it read the CPU's own number.
inline constexpr uint32_t max_cpus = 16;
inline uint32_t current_cpu_index() {
    return 0;
}
inline uint32_t online_cpu_count() {
    return 1;
}

inline uint64_t read_cycle_counter() {
    uint32_t low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (static_cast<uint64_t>(high) << 32) | low;
}

// Disables interrupts for its lifetime and restores the previous state afterwards.
class InterruptDisabler {
public:
    InterruptDisabler() : m_were_enabled(interrupts_enabled()) { disable_interrupts(); }
    ~InterruptDisabler() {
        if (m_were_enabled)
            enable_interrupts();
    }
    InterruptDisabler(const InterruptDisabler&) = delete;
    InterruptDisabler& operator=(const InterruptDisabler&) = delete;

private:
    bool m_were_enabled;
};

} // namespace arch
