// The fault triggers. Each hides its operands from the optimiser (an empty asm that "changes" a
// value) so that the faulting instruction is really emitted and not folded or turned into ud2.
#include "sys/faults.h"

#include <cstdint>

namespace faults {
namespace {

template <typename T>
T opaque(T value) {
    asm volatile("" : "+r"(value));
    return value;
}

void null_read() {
    auto* pointer = opaque(static_cast<volatile int*>(nullptr));
    (void)*pointer;
}

void null_write() {
    auto* pointer = opaque(static_cast<volatile int*>(nullptr));
    *pointer = 1;
}

// hlt is privileged: #GP in ring 3.
void general_protection() {
    asm volatile("hlt");
}

void invalid_opcode() {
    asm volatile("ud2");
}

void divide_by_zero() {
    volatile int dividend = 1;
    int divisor = opaque(0);
    volatile int quotient = dividend / divisor;
    (void)quotient;
}

// Unmask the SSE divide-by-zero exception (MXCSR.ZM, bit 9) so divss raises #XM instead of giving inf.
void simd_exception() {
    uint32_t mxcsr = 0;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    mxcsr &= ~(1u << 9);
    asm volatile("ldmxcsr %0" : : "m"(mxcsr));
    volatile float one = 1.0f;
    float zero = opaque(0.0f);
    volatile float quotient = one / zero;
    (void)quotient;
}

// Not a tail call: the frame's buffer is read after the recursive call returns.
__attribute__((noinline)) int recurse(int depth) {
    volatile char frame[512];
    frame[0] = static_cast<char>(depth);
    if (opaque(depth) < 0)
        return 0;
    return recurse(depth + 1) + frame[0];
}
void stack_overflow() {
    (void)recurse(0);
}

void write_readonly() {
    auto* literal = opaque(const_cast<char*>("a string literal lives in .rodata"));
    *static_cast<volatile char*>(literal) = 'A';
}

// A `ret` in .data: the loader must map data non-executable, so the jump faults.
alignas(4096) unsigned char data_page[4096] = {0xc3};
void exec_data() {
    auto* code = opaque(reinterpret_cast<void (*)()>(&data_page[0]));
    code();
}

constexpr Fault kFaults[] = {
    {"null-read", "read from address 0", SIGSEGV, null_read},
    {"null-write", "write to address 0", SIGSEGV, null_write},
    {"gp", "hlt in user mode (general protection)", SIGSEGV, general_protection},
    {"ud", "ud2 (invalid opcode)", SIGILL, invalid_opcode},
    {"divide", "integer divide by zero", SIGFPE, divide_by_zero},
    {"simd", "unmasked SSE divide by zero", SIGFPE, simd_exception},
    {"stack-overflow", "unbounded recursion", SIGSEGV, stack_overflow},
    {"write-readonly", "write into a string literal", SIGSEGV, write_readonly},
    {"exec-data", "jump into a non-executable data page", SIGSEGV, exec_data},
};

} // namespace

std::span<const Fault> all() {
    return kFaults;
}

const Fault* find(std::string_view name) {
    for (const Fault& fault : kFaults) {
        if (name == fault.name)
            return &fault;
    }
    return nullptr;
}

} // namespace faults
