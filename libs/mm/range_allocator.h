// Virtual region allocator: the bookkeeping of free address ranges inside a window of virtual address
// space that the kernel carves regions from (heap growth, kernel stacks with guard pages, MMIO mappings).
// It never touches the memory it hands out and does not remember what it handed out: free() trusts the
// caller about what was allocated (freeing part of an allocation is fine) but still refuses anything that
// overlaps free space. The free ranges live in a fixed, sorted table because the kernel heap grows
// through this allocator and so cannot be used by it.
//
// Ranges may reach the very top of the address space (base + size == 2^64, as the higher half does);
// the one thing that cannot be represented is every one of the 2^64 bytes being free at once.
#pragma once

#include "ktl/assert.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace mm {

class RangeAllocator {
public:
    // Fixed capacity, no heap: 1024 ranges is 16 KiB of table.
    static constexpr size_t max_free_ranges = 1024;

    // `granularity` is a power of two; every base and size passed in must be a multiple of it.
    explicit constexpr RangeAllocator(uint64_t granularity = 4096) : m_granularity(granularity) {
        KTL_ASSERT(is_power_of_two(granularity));
    }

    // Donates [base, base + size) to the allocator, merging with adjacent free ranges. Overlap with free
    // space, unaligned values, size 0 or a range past 2^64 -> InvalidArgument; no room in the table ->
    // NoSpace. On error nothing changes.
    ktl::ErrorOr<void> add_range(uint64_t base, uint64_t size);

    // Best fit: the smallest free range that can hold `size` bytes at an address aligned to `alignment`
    // (a power of two; 0 or anything below the granularity means the granularity). An exact fit wins at
    // once; among equal sizes the lowest address wins. The region is cut at the aligned start of the
    // range, so the head skipped for alignment and the tail stay free. Unaligned or zero size, or an
    // alignment that is not a power of two -> InvalidArgument; nothing fits -> NoMemory. When the table is
    // full and the best fit would split a range in three, the best fit that needs no new entry is taken
    // instead; if there is none -> NoSpace.
    ktl::ErrorOr<uint64_t> allocate(uint64_t size, uint64_t alignment = 0);

    // Claims exactly [base, base + size), which must lie entirely in one free range (e.g. to reserve a
    // fixed address). Bad arguments or not entirely free -> InvalidArgument; a split with the table
    // full -> NoSpace.
    ktl::ErrorOr<void> allocate_at(uint64_t base, uint64_t size);

    // Returns [base, base + size), merging with free neighbours. Anything overlapping free space (a double
    // free), unaligned or of size 0 -> InvalidArgument; table full and no neighbour to merge with ->
    // NoSpace. On error nothing changes.
    ktl::ErrorOr<void> free(uint64_t base, uint64_t size);

    uint64_t granularity() const { return m_granularity; }
    uint64_t free_bytes() const { return m_free_bytes; }
    size_t free_range_count() const { return m_count; }
    // Size of the largest free range, 0 if there is none.
    uint64_t largest_free_range() const;

    // callback(uint64_t base, uint64_t size) for each free range, in ascending address order.
    template <typename F>
    void for_each_free_range(F&& callback) const {
        for (size_t i = 0; i < m_count; ++i)
            callback(m_ranges[i].base, m_ranges[i].size);
    }

private:
    struct Range {
        uint64_t base = 0;
        uint64_t size = 0;
        // Inclusive end: base + size itself overflows for a range that ends at 2^64.
        constexpr uint64_t last() const { return base + (size - 1); }
    };

    // Not std::has_single_bit: without -mpopcnt that is a call into libgcc.
    static constexpr bool is_power_of_two(uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }
    bool is_valid_range(uint64_t base, uint64_t size) const;
    // Index of the first free range whose base is above `address`, m_count if there is none.
    size_t upper_bound(uint64_t address) const;
    // Shared by add_range() and free(): the allocator cannot tell donated space from returned space.
    ktl::ErrorOr<void> insert_free(uint64_t base, uint64_t size);
    // Removes `size` bytes at `offset` into range `index`; the caller has checked that a split fits.
    void carve(size_t index, uint64_t offset, uint64_t size);
    void insert_at(size_t index, Range range);
    void remove_at(size_t index);

    Range m_ranges[max_free_ranges]{};
    size_t m_count = 0;
    uint64_t m_free_bytes = 0; // kept up to date so free_bytes() is O(1)
    uint64_t m_granularity;
};

} // namespace mm
