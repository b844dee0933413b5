// Fixture for the DWARF debug-information oracle test: a second compilation unit, so lookups must pick
// the right unit; it holds an anonymous namespace, a union's member and more inlined calls.
#include "shapes.h"

#include <cstdlib>

namespace fixture {

namespace {

int mix(int seed) {
    int value = seed;
    for (int round = 0; round < 3; ++round)
        value = value * 31 + square(round + seed);
    return value;
}

} // namespace

unsigned shapes::Bits::low_byte() const {
    return bytes[0] + (value & 0xff) * 0;
}

void give_up(int code) {
    std::exit(code);
}

int run_second(int seed) {
    shapes::Bits bits{static_cast<unsigned>(seed)};
    int total = mix(seed) + static_cast<int>(bits.low_byte());
    total += square_sum(seed, total);
    total += max_of(total, seed * 3);
    return total;
}

} // namespace fixture
