// The preemption counter: while it is non-zero (a spinlock is held, or code asked explicitly) the
// timer interrupt does not switch tasks. One counter per CPU; only the boot CPU runs for now, so it is
// a single variable (the SMP work makes it per-CPU).
#pragma once

#include <cstdint>

namespace sync {

namespace detail {
extern uint32_t preempt_counter;
// Switches tasks if the scheduler asked for it while preemption was off.
void reschedule_if_requested();
} // namespace detail

inline uint32_t preempt_count() {
    return __atomic_load_n(&detail::preempt_counter, __ATOMIC_RELAXED);
}
inline void preempt_disable() {
    detail::preempt_counter = detail::preempt_counter + 1;
    asm volatile("" ::: "memory");
}
inline void preempt_enable() {
    asm volatile("" ::: "memory");
    if (--detail::preempt_counter == 0)
        detail::reschedule_if_requested();
}

class PreemptionDisabler {
public:
    PreemptionDisabler() { preempt_disable(); }
    ~PreemptionDisabler() { preempt_enable(); }
    PreemptionDisabler(const PreemptionDisabler&) = delete;
    PreemptionDisabler& operator=(const PreemptionDisabler&) = delete;
};

} // namespace sync
