// One-shot timers on the monotonic clock, fired from the timer tick (interrupt context, interrupts
// off). A timer lives wherever its owner puts it (often the owner's stack) and must be cancelled before
// it goes away. The queue is a sorted intrusive list: arming is O(n) in the armed timers, firing O(1).
#pragma once

#include "ktl/intrusive_list.h"

#include <cstdint>

namespace time {

struct Timer : ktl::IntrusiveListNode<> {
    uint64_t deadline_ns = 0;
    void (*callback)(Timer&) = nullptr;
    void* context = nullptr;
};

void arm_timer(Timer& timer);
// Returns whether the timer was still armed (had not fired).
bool cancel_timer(Timer& timer);
// Fires every timer whose deadline is at or before `now_ns`; called by the tick.
void run_expired_timers(uint64_t now_ns);
uint64_t armed_timer_count();

} // namespace time
