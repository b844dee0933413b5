// Virtual region allocator. Every operation validates everything before it changes anything, so an
// error always leaves the table as it was. Arithmetic uses inclusive ends (last()) so that ranges ending
// at 2^64 never overflow.
#include "mm/range_allocator.h"

#include <limits>

namespace mm {

namespace {

constexpr uint64_t max_address = std::numeric_limits<uint64_t>::max();
constexpr size_t no_index = std::numeric_limits<size_t>::max();

} // namespace

bool RangeAllocator::is_valid_range(uint64_t base, uint64_t size) const {
    uint64_t mask = m_granularity - 1;
    if (size == 0 || (base & mask) != 0 || (size & mask) != 0)
        return false;
    // base + size may equal 2^64 but not exceed it.
    return size - 1 <= max_address - base;
}

size_t RangeAllocator::upper_bound(uint64_t address) const {
    size_t low = 0;
    size_t high = m_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (m_ranges[middle].base <= address)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

void RangeAllocator::insert_at(size_t index, Range range) {
    for (size_t i = m_count; i > index; --i)
        m_ranges[i] = m_ranges[i - 1];
    m_ranges[index] = range;
    ++m_count;
}

void RangeAllocator::remove_at(size_t index) {
    for (size_t i = index; i + 1 < m_count; ++i)
        m_ranges[i] = m_ranges[i + 1];
    --m_count;
}

ktl::ErrorOr<void> RangeAllocator::insert_free(uint64_t base, uint64_t size) {
    if (!is_valid_range(base, size))
        return ktl::Errno::InvalidArgument;
    uint64_t last = base + (size - 1);
    size_t right = upper_bound(base);
    bool has_left = right > 0;
    bool has_right = right < m_count;
    // The left neighbour starts at or below `base`, the right one above it: only these two can overlap.
    if (has_left && m_ranges[right - 1].last() >= base)
        return ktl::Errno::InvalidArgument;
    if (has_right && m_ranges[right].base <= last)
        return ktl::Errno::InvalidArgument;
    // Free ranges are disjoint, so this only trips when all 2^64 bytes would be free.
    if (size > max_address - m_free_bytes)
        return ktl::Errno::InvalidArgument;

    // No overlap, so neither +1 can overflow.
    bool merge_left = has_left && m_ranges[right - 1].last() + 1 == base;
    bool merge_right = has_right && last + 1 == m_ranges[right].base;
    if (merge_left && merge_right) {
        m_ranges[right - 1].size += size + m_ranges[right].size;
        remove_at(right);
    } else if (merge_left) {
        m_ranges[right - 1].size += size;
    } else if (merge_right) {
        m_ranges[right].base = base;
        m_ranges[right].size += size;
    } else {
        if (m_count == max_free_ranges)
            return ktl::Errno::NoSpace;
        insert_at(right, Range{base, size});
    }
    m_free_bytes += size;
    return {};
}

ktl::ErrorOr<void> RangeAllocator::add_range(uint64_t base, uint64_t size) {
    return insert_free(base, size);
}

ktl::ErrorOr<void> RangeAllocator::free(uint64_t base, uint64_t size) {
    return insert_free(base, size);
}

void RangeAllocator::carve(size_t index, uint64_t offset, uint64_t size) {
    Range& range = m_ranges[index];
    uint64_t tail = range.size - offset - size;
    if (offset == 0 && tail == 0) {
        remove_at(index);
    } else if (offset == 0) {
        range.base += size;
        range.size = tail;
    } else if (tail == 0) {
        range.size = offset;
    } else {
        uint64_t tail_base = range.base + offset + size;
        range.size = offset;
        insert_at(index + 1, Range{tail_base, tail});
    }
    m_free_bytes -= size;
}

ktl::ErrorOr<uint64_t> RangeAllocator::allocate(uint64_t size, uint64_t alignment) {
    if (size == 0 || (size & (m_granularity - 1)) != 0)
        return ktl::Errno::InvalidArgument;
    if (alignment != 0 && !is_power_of_two(alignment))
        return ktl::Errno::InvalidArgument;
    // Every base is a multiple of the granularity, so a smaller alignment holds anyway.
    if (alignment < m_granularity)
        alignment = m_granularity;

    // Bytes to skip from the start of `range` to reach the alignment (a multiple of the granularity).
    auto head_of = [&](const Range& range) { return (uint64_t{0} - range.base) & (alignment - 1); };
    // Cutting from the middle leaves a head and a tail: one more table entry.
    auto splits = [&](const Range& range) {
        uint64_t head = head_of(range);
        return head != 0 && head + size != range.size;
    };

    size_t best = no_index;
    size_t best_unsplit = no_index; // fallback for a full table
    for (size_t i = 0; i < m_count; ++i) {
        const Range& range = m_ranges[i];
        if (range.size < size || head_of(range) > range.size - size)
            continue;
        if (range.size == size) { // fits, so aligned: nothing can beat it
            best = i;
            best_unsplit = i;
            break;
        }
        if (best == no_index || range.size < m_ranges[best].size)
            best = i;
        if (!splits(range) && (best_unsplit == no_index || range.size < m_ranges[best_unsplit].size))
            best_unsplit = i;
    }
    if (best == no_index)
        return ktl::Errno::NoMemory;

    size_t chosen = best;
    if (m_count == max_free_ranges && splits(m_ranges[best])) {
        if (best_unsplit == no_index)
            return ktl::Errno::NoSpace;
        chosen = best_unsplit;
    }
    uint64_t head = head_of(m_ranges[chosen]);
    uint64_t address = m_ranges[chosen].base + head;
    carve(chosen, head, size);
    return address;
}

ktl::ErrorOr<void> RangeAllocator::allocate_at(uint64_t base, uint64_t size) {
    if (!is_valid_range(base, size))
        return ktl::Errno::InvalidArgument;
    uint64_t last = base + (size - 1);
    // The only range that can contain `base` is the last one starting at or below it.
    size_t index = upper_bound(base);
    if (index == 0)
        return ktl::Errno::InvalidArgument;
    --index;
    const Range& range = m_ranges[index];
    if (range.last() < last)
        return ktl::Errno::InvalidArgument;
    uint64_t head = base - range.base;
    if (head != 0 && last != range.last() && m_count == max_free_ranges)
        return ktl::Errno::NoSpace;
    carve(index, head, size);
    return {};
}

uint64_t RangeAllocator::largest_free_range() const {
    uint64_t largest = 0;
    for (size_t i = 0; i < m_count; ++i) {
        if (m_ranges[i].size > largest)
            largest = m_ranges[i].size;
    }
    return largest;
}

} // namespace mm
