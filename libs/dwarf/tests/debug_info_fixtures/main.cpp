// Fixture for the DWARF debug-information oracle test: namespaces, a class with out-of-line member
// functions, a template, static functions, a lambda and always_inline calls, each over several lines.
#include "shapes.h"

#include <cstdlib>

namespace fixture {
namespace shapes {

static int instance_count = 0;

Counter::Counter(int start) : m_value(start) {
    ++instance_count;
}

int Counter::bump(int by) {
    m_value += square(by);
    if (m_value > 1000)
        m_value -= 999;
    return m_value;
}

int Counter::total() const {
    int sum = 0;
    for (int i = 0; i < m_value % 17; ++i)
        sum += i * m_value;
    return sum;
}

int Counter::instances() { return instance_count; }

int Counter::Nested::heavier(int extra) {
    weight += extra;
    return weight * 3;
}

} // namespace shapes

static int helper_static(int value) {
    int accumulated = 0;
    for (int i = 0; i < value; ++i)
        accumulated += square_sum(i, value);
    return accumulated;
}

// A cold path: g++ -O2 splits it into a ".cold" part, giving the subprogram a DW_AT_ranges list.
[[gnu::noinline]] int checked_divide(int a, int b) {
    if (__builtin_expect(b == 0, 0)) {
        volatile int reason = a;
        give_up(reason + 1);
    }
    return a / b;
}

} // namespace fixture

int main(int argc, char** argv) {
    fixture::shapes::Counter counter(argc);
    int value = counter.bump(argc + 2);
    value += counter.total() + counter.twice();
    auto add_twice = [&](int x) {
        int doubled = x * 2;
        return doubled + value + fixture::square(x);
    };
    value += add_twice(argc);
    value += fixture::max_of(value, argc) + fixture::max_of<long>(argc, 3) + fixture::shapes::Counter::instances();
    fixture::shapes::Counter::Nested nested{argc};
    value += nested.heavier(value & 7);
    value += fixture::helper_static(argc + 3);
    value += fixture::checked_divide(value, argc);
    value += fixture::run_second(value);
    return value & (argv[0] != nullptr ? 0x7f : 0x3f);
}
