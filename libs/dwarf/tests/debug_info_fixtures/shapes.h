// Fixture for the DWARF debug-information oracle test (tests/debug_info_test.cpp): declarations shared
// by the two translation units, plus header-defined functions so that line rows and inlined calls
// point into a file other than the unit's primary one.
#pragma once

namespace fixture {

// Always inlined at -O2 (and at -O0 by g++): gives DW_TAG_inlined_subroutine chains two deep.
[[gnu::always_inline]] inline int square(int value) {
    int result = value * value;
    return result + 1;
}

[[gnu::always_inline]] inline int square_sum(int a, int b) {
    int first = square(a);
    int second = square(b);
    return first + second;
}

namespace shapes {

class Counter {
public:
    explicit Counter(int start);
    int bump(int by);
    int total() const;
    static int instances();

    // Defined in the class: an inline member function, out of line at -O0.
    int twice() const { return m_value * 2 + square(m_value); }

    struct Nested {
        int weight;
        int heavier(int extra);
    };

private:
    int m_value;
};

union Bits {
    unsigned value;
    unsigned char bytes[4];
    unsigned low_byte() const;
};

} // namespace shapes

template <typename T>
[[gnu::noinline]] T max_of(T a, T b) {
    if (a > b)
        return a;
    return b;
}

int run_second(int seed);
[[noreturn, gnu::cold, gnu::noinline]] void give_up(int code);

} // namespace fixture
