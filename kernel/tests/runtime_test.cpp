// The kernel's own memcpy, memmove and memset (kernel/runtime): every length around the 8- and
// 64-byte steps, every alignment, and overlaps in both directions, checked against byte loops.
#include "test/ktest.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

namespace {

constexpr size_t buffer_size = 320;

// Different at every position, so a byte copied from the wrong place shows.
void fill_pattern(uint8_t* bytes, size_t count, uint8_t seed) {
    for (size_t i = 0; i < count; ++i)
        bytes[i] = static_cast<uint8_t>(i * 7 + seed);
}

// The reference: byte by byte, through a copy, so overlap cannot matter.
void reference_move(uint8_t* buffer, size_t to, size_t from, size_t count) {
    uint8_t copy[buffer_size];
    for (size_t i = 0; i < count; ++i)
        copy[i] = buffer[from + i];
    for (size_t i = 0; i < count; ++i)
        buffer[to + i] = copy[i];
}

bool same(const uint8_t* a, const uint8_t* b, size_t count) {
    for (size_t i = 0; i < count; ++i)
        if (a[i] != b[i])
            return false;
    return true;
}

} // namespace

KTEST(memcpy_copies_every_length_and_alignment_and_nothing_else) {
    uint8_t source[buffer_size], destination[buffer_size], expected[buffer_size];
    fill_pattern(source, buffer_size, 3);
    for (size_t offset = 0; offset < 9; ++offset) {
        for (size_t count = 0; count <= 200; ++count) {
            fill_pattern(destination, buffer_size, 101);
            fill_pattern(expected, buffer_size, 101);
            for (size_t i = 0; i < count; ++i)
                expected[offset + i] = source[(offset * 3) % 8 + i];
            void* result = memcpy(destination + offset, source + (offset * 3) % 8, count);
            KASSERT(result == destination + offset);
            KASSERT(same(destination, expected, buffer_size));
        }
    }
}

KTEST(memmove_handles_overlap_in_both_directions) {
    uint8_t buffer[buffer_size], expected[buffer_size];
    for (size_t count : {0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200}) {
        for (size_t from = 0; from < 40; from += 3) {
            for (size_t to = 0; to < 40; ++to) {
                fill_pattern(buffer, buffer_size, 9);
                fill_pattern(expected, buffer_size, 9);
                reference_move(expected, to, from, count);
                void* result = memmove(buffer + to, buffer + from, count);
                KASSERT(result == buffer + to);
                KASSERT(same(buffer, expected, buffer_size));
            }
        }
    }
}

KTEST(memset_fills_exactly_the_range_with_the_low_byte) {
    uint8_t buffer[buffer_size];
    for (size_t offset = 0; offset < 9; ++offset) {
        for (size_t count = 0; count <= 200; ++count) {
            fill_pattern(buffer, buffer_size, 55);
            memset(buffer + offset, 0x1a5, count); // only the low byte counts
            for (size_t i = 0; i < buffer_size; ++i) {
                uint8_t want = i >= offset && i < offset + count ? 0xa5 : static_cast<uint8_t>(i * 7 + 55);
                KASSERT_EQ(buffer[i], want);
            }
        }
    }
}
