#include "debug/crash.h"

#include "debug/panic.h"
#include "mm/kernel_heap.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"

namespace debug {

[[gnu::noinline]] void crash_with_panic() {
    panic("deliberate panic requested on the command line");
}

[[gnu::noinline]] void crash_with_page_fault() {
    volatile uint64_t* unmapped = reinterpret_cast<volatile uint64_t*>(0xdead000);
    *unmapped = 1;
}

[[gnu::noinline]] void crash_with_invalid_opcode() {
    asm volatile("ud2");
}

[[gnu::noinline]] void crash_with_general_protection() {
    // A non-canonical address faults with #GP rather than #PF.
    volatile uint64_t* non_canonical = reinterpret_cast<volatile uint64_t*>(0x8000000000000000);
    (void)*non_canonical;
}

[[gnu::noinline]] void crash_with_divide_error() {
    // Written as a real `div`: the compiler rewrites `1 / x` into comparisons that never trap.
    uint64_t dividend = 1, divisor = 0;
    asm volatile("xor %%edx, %%edx; divq %1" : "+a"(dividend) : "r"(divisor) : "rdx");
}

// Not a tail call (the result is used after the call), so every level takes a real stack frame.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
[[gnu::noinline]] uint64_t recurse_without_end(uint64_t depth) {
    volatile uint8_t frame_filler[256];
    frame_filler[depth % sizeof frame_filler] = static_cast<uint8_t>(depth);
    return recurse_without_end(depth + 1) + frame_filler[0];
}
#pragma GCC diagnostic pop

[[gnu::noinline]] void crash_with_stack_overflow() {
    (void)recurse_without_end(0);
}

[[gnu::noinline]] void crash_with_double_free() {
    void* block = mm::kmalloc(48);
    mm::kfree(block);
    mm::kfree(block);
}

// Detected by the debug heap's redzones (debug builds); a release build has none to check.
[[gnu::noinline]] void crash_with_heap_overrun() {
    auto* block = static_cast<volatile uint8_t*>(mm::kmalloc(40));
    block[40] = 0x41;
    mm::kfree(const_cast<uint8_t*>(block));
}

[[gnu::noinline]] void crash_with_spinlock_deadlock() {
    static sync::Spinlock lock;
    lock.lock();
    lock.lock();
}

[[gnu::noinline]] void crash_with_unlock_not_held() {
    static sync::Spinlock lock;
    lock.unlock();
}

[[gnu::noinline]] void crash_with_sleep_holding_spinlock() {
    static sync::Spinlock lock;
    lock.lock();
    sched::sleep_for(1'000'000);
}

// Without the check a yield would hand the raised preemption count to whichever task runs next.
[[gnu::noinline]] void crash_with_yield_holding_spinlock() {
    static sync::Spinlock lock;
    lock.lock();
    sched::yield();
}

[[gnu::noinline]] void crash_with_mutex_deadlock() {
    static sync::Mutex mutex;
    mutex.lock();
    mutex.lock();
}

void crash_on_purpose(ktl::StringView kind) {
    if (kind == ktl::StringView("panic"))
        crash_with_panic();
    else if (kind == ktl::StringView("page-fault"))
        crash_with_page_fault();
    else if (kind == ktl::StringView("invalid-opcode"))
        crash_with_invalid_opcode();
    else if (kind == ktl::StringView("general-protection"))
        crash_with_general_protection();
    else if (kind == ktl::StringView("divide-error"))
        crash_with_divide_error();
    else if (kind == ktl::StringView("stack-overflow"))
        crash_with_stack_overflow();
    else if (kind == ktl::StringView("double-free"))
        crash_with_double_free();
    else if (kind == ktl::StringView("heap-overrun"))
        crash_with_heap_overrun();
    else if (kind == ktl::StringView("spinlock-deadlock"))
        crash_with_spinlock_deadlock();
    else if (kind == ktl::StringView("unlock-not-held"))
        crash_with_unlock_not_held();
    else if (kind == ktl::StringView("sleep-holding-spinlock"))
        crash_with_sleep_holding_spinlock();
    else if (kind == ktl::StringView("yield-holding-spinlock"))
        crash_with_yield_holding_spinlock();
    else if (kind == ktl::StringView("mutex-deadlock"))
        crash_with_mutex_deadlock();
    panic("crash={} did not crash (known kinds: panic, page-fault, invalid-opcode, general-protection, "
          "divide-error, stack-overflow, double-free, heap-overrun, spinlock-deadlock, unlock-not-held, "
          "sleep-holding-spinlock, yield-holding-spinlock, mutex-deadlock)",
          kind);
}

} // namespace debug
