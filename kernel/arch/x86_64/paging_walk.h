// arch::walk, a template so callers' callbacks inline; included at the end of arch/paging.h.
#pragma once

#include "arch/x86_64/page_entry.h"

namespace x86_64 {

template <typename Callback>
void walk_table(uint64_t table_physical, int level, uint64_t table_base, uint64_t start, uint64_t end,
                Callback& callback) {
    uint64_t* table = table_at(table_physical);
    int shift = 12 + 9 * level;
    uint64_t span = 1ull << shift;
    // Only the entries the range covers: a one-page walk looks at one entry per level, not 512.
    // Within one table, an address's index is its bits at this level (canonical addresses too).
    int first_index = 0, last_index = entries_per_table - 1;
    uint64_t table_first = canonical(table_base);
    uint64_t table_last = canonical(table_base + (uint64_t(entries_per_table) * span - 1));
    if (start > table_first)
        first_index = static_cast<int>((start >> shift) & (entries_per_table - 1));
    if (end - 1 < table_last)
        last_index = static_cast<int>(((end - 1) >> shift) & (entries_per_table - 1));
    for (int index = first_index; index <= last_index; ++index) {
        uint64_t entry_base = canonical(table_base + uint64_t(index) * span);
        uint64_t entry_last = entry_base + (span - 1); // inclusive: the top entry's end would wrap to 0
        if (entry_last < start || entry_base >= end)
            continue;
        uint64_t entry = table[index];
        if (!entry_in_use(entry, level))
            continue;
        if (level == 0) {
            callback(entry_base,
                     arch::Translation{entry & entry_address_mask, flags_of(entry), arch::PageSize::Small});
        } else if (level == 1 && (entry & entry_huge)) {
            callback(entry_base, arch::Translation{entry & huge_entry_address_mask, flags_of(entry),
                                                   arch::PageSize::Large});
        } else if (!(entry & entry_huge)) {
            walk_table(entry & entry_address_mask, level - 1, entry_base, start, end, callback);
        }
    }
}

// fork's copy of one table level: `to` gets every entry `decide` keeps, tables made as needed.
template <typename Decide>
ktl::ErrorOr<void> copy_table(uint64_t from_physical, uint64_t to_physical, int level, uint64_t table_base,
                              arch::FrameSource& frames, Decide& decide) {
    uint64_t* from = table_at(from_physical);
    uint64_t* to = table_at(to_physical);
    int count = level == 3 ? user_half_entries : entries_per_table;
    int shift = 12 + 9 * level;
    for (int index = 0; index < count; ++index) {
        uint64_t entry = __atomic_load_n(&from[index], __ATOMIC_RELAXED);
        if (!entry_in_use(entry, level))
            continue;
        uint64_t address = table_base + (uint64_t(index) << shift);
        if (level == 0) {
            arch::ForkDecision decision =
                decide(address,
                       arch::Translation{entry & entry_address_mask, flags_of(entry), arch::PageSize::Small});
            if (!decision.copy)
                continue;
            // An atomic and: another CPU's walk may set the accessed or dirty bit meanwhile.
            if (decision.write_protect && (entry & entry_writable))
                entry = __atomic_and_fetch(&from[index], ~entry_writable, __ATOMIC_RELAXED);
            to[index] = entry;
            continue;
        }
        if (level == 1 && (entry & entry_huge))
            continue; // the user half maps no large pages
        uint64_t child = to[index];
        if (!(child & entry_present)) {
            uint64_t table = TRY(frames.allocate_table_frame());
            child = table | (entry & ~entry_address_mask);
            to[index] = child;
        }
        TRY(copy_table(entry & entry_address_mask, child & entry_address_mask, level - 1, address, frames,
                       decide));
    }
    return {};
}

} // namespace x86_64

namespace arch {

template <typename Decide>
ktl::ErrorOr<void> copy_user_half(uint64_t from_root, uint64_t to_root, FrameSource& frames,
                                  Decide&& decide) {
    return x86_64::copy_table(from_root, to_root, 3, 0, frames, decide);
}

template <typename Callback>
void walk(uint64_t root, uint64_t start, uint64_t end, Callback&& callback) {
    x86_64::walk_table(root, 3, 0, start, end, callback);
}

} // namespace arch
