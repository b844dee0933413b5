#include "debug/crash.h"

#include "debug/panic.h"

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
    panic("crash={} did not crash (known kinds: panic, page-fault, invalid-opcode, general-protection, "
          "divide-error)",
          kind);
}

} // namespace debug
