// Oracle fixture for the call-frame tests: functions whose prologues and epilogues differ (leaf, frame
// pointer, no frame pointer, many callee-saved registers, alloca, noreturn, lambda, a large stack
// array, early returns, exceptions). Built with several compilers and flags; the test compares our
// rows with readelf's for every address it prints. The program only needs to link, not to run well.
#include <alloca.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

volatile int sink;
volatile int source = 3;

#define NOINLINE __attribute__((noinline))

NOINLINE int leaf(int value) {
    return value * 3 + source;
}

#if defined(__clang__)
NOINLINE int with_frame_pointer(int value) {
#else
__attribute__((optimize("no-omit-frame-pointer"))) NOINLINE int with_frame_pointer(int value) {
#endif
    int local[4] = {value, value + 1, value + 2, source};
    sink = local[value & 3];
    return leaf(local[(value + 1) & 3]) + 1;
}

NOINLINE int without_frame_pointer(int value) {
    int total = 0;
    for (int i = 0; i < value; ++i)
        total += leaf(i);
    return total + 1;
}

// Keeps many values live across calls, so rbx, rbp and r12-r15 are all saved.
NOINLINE long many_callee_saved(long a, long b, long c, long d, long e, long f) {
    long x = leaf(static_cast<int>(a)), y = leaf(static_cast<int>(b)), z = leaf(static_cast<int>(c));
    long u = leaf(static_cast<int>(d)), v = leaf(static_cast<int>(e)), w = leaf(static_cast<int>(f));
    long t = leaf(static_cast<int>(x + y));
    return a * x + b * y + c * z + d * u + e * v + f * w + t + leaf(static_cast<int>(a + f));
}

NOINLINE int with_alloca(int size) {
    char* buffer = static_cast<char*>(alloca(static_cast<size_t>(size) + 1));
    memset(buffer, source, static_cast<size_t>(size) + 1);
    return buffer[size / 2] + leaf(size);
}

NOINLINE int with_variable_array(int size) {
    int values[size + 1];
    for (int i = 0; i <= size; ++i)
        values[i] = leaf(i);
    return values[size / 2];
}

[[noreturn]] NOINLINE void fail(const char* message, int code) {
    fprintf(stderr, "%s %d\n", message, code);
    abort();
}

NOINLINE int large_stack_array(int index) {
    char big[65536];
    memset(big, index, sizeof big);
    sink = big[index & 0xffff];
    return big[(index * 7) & 0xffff] + leaf(index);
}

// Several exits, so optimised code has epilogues in the middle (remember_state / restore_state).
NOINLINE long early_returns(long a, long b, long c) {
    if (a == 1)
        return leaf(static_cast<int>(b));
    long x = leaf(static_cast<int>(a)) + leaf(static_cast<int>(c));
    if (x == 7)
        return x + b;
    long y = leaf(static_cast<int>(x + b));
    if (y == 9)
        fail("nine", static_cast<int>(y));
    return x * y + leaf(static_cast<int>(c + y));
}

NOINLINE int may_throw(int value) {
    if (value == 42)
        throw std::runtime_error("forty-two");
    return leaf(value);
}

NOINLINE int catches(int value) {
    try {
        return may_throw(value) + 1;
    } catch (const std::exception& error) {
        sink = static_cast<int>(strlen(error.what()));
        return -1;
    }
}

int main(int argc, char** argv) {
    auto lambda = [argc](int value) NOINLINE { return leaf(value + argc) * 2 + with_frame_pointer(value); };
    long total =
        lambda(argc) + without_frame_pointer(argc) + with_alloca(argc * 8) + with_variable_array(argc);
    total += many_callee_saved(argc, argc + 1, argc + 2, argc + 3, argc + 4, argc + 5);
    total += large_stack_array(argc) + early_returns(argc, argc + 1, argc + 2) + catches(argc);
    if (argc > 100)
        fail("too many arguments", argc);
    sink = static_cast<int>(total);
    return argv[0] == nullptr;
}
