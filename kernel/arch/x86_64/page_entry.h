// x86-64 page-table entry bits (Intel SDM vol. 3A §4.5) and how PageFlags map onto them.
#pragma once

#include "arch/paging.h"
#include "mm/direct_map.h"

namespace x86_64 {

inline constexpr uint64_t entry_present = 1ull << 0;
inline constexpr uint64_t entry_writable = 1ull << 1;
inline constexpr uint64_t entry_user = 1ull << 2;
inline constexpr uint64_t entry_write_through = 1ull << 3;
inline constexpr uint64_t entry_cache_disable = 1ull << 4;
inline constexpr uint64_t entry_huge = 1ull << 7;
inline constexpr uint64_t entry_global = 1ull << 8;
// Software bit (the MMU ignores it): a 4 KiB leaf that is not present but still owns the frame in its
// address bits, a NoAccess (PROT_NONE) page, as Linux's _PAGE_PROTNONE.
inline constexpr uint64_t entry_no_access = 1ull << 9;
// Software bit: the leaf maps a frame it does not own (PageFlags::Shared).
inline constexpr uint64_t entry_shared = 1ull << 10;
inline constexpr uint64_t entry_no_execute = 1ull << 63;
inline constexpr uint64_t entry_address_mask = 0x000ffffffffff000ull;
inline constexpr uint64_t huge_entry_address_mask = 0x000fffffffe00000ull;
inline constexpr int entries_per_table = 512;
inline constexpr int user_half_entries = 256; // PML4 entries 0..255 are the lower half

inline uint64_t* table_at(uint64_t physical) {
    return mm::physical_to_virtual<uint64_t>(physical & entry_address_mask);
}

inline int table_index(uint64_t virtual_address, int level) { // level 3 = PML4 … 0 = PT
    return static_cast<int>((virtual_address >> (12 + 9 * level)) & 0x1ff);
}

// Whether an entry at `level` (0 = PT) is in use: present, or a NoAccess 4 KiB leaf, which owns its
// frame too. Tables and large pages are never NoAccess.
inline bool entry_in_use(uint64_t entry, int level) {
    return (entry & entry_present) || (level == 0 && (entry & entry_no_access));
}

inline uint64_t leaf_bits(arch::PageFlags flags) {
    uint64_t shared = arch::has(flags, arch::PageFlags::Shared) ? entry_shared : 0;
    if (arch::has(flags, arch::PageFlags::NoAccess))
        return entry_no_access | shared;
    uint64_t bits = entry_present | shared;
    if (arch::has(flags, arch::PageFlags::Writable))
        bits |= entry_writable;
    if (arch::has(flags, arch::PageFlags::User))
        bits |= entry_user;
    if (!arch::has(flags, arch::PageFlags::Executable))
        bits |= entry_no_execute;
    if (arch::has(flags, arch::PageFlags::Global))
        bits |= entry_global;
    if (arch::has(flags, arch::PageFlags::Uncached))
        bits |= entry_cache_disable | entry_write_through;
    return bits;
}

inline arch::PageFlags flags_of(uint64_t entry) {
    arch::PageFlags shared = (entry & entry_shared) ? arch::PageFlags::Shared : arch::PageFlags::None;
    if (!(entry & entry_present))
        return arch::PageFlags::NoAccess | shared;
    arch::PageFlags flags = shared;
    if (entry & entry_writable)
        flags = flags | arch::PageFlags::Writable;
    if (entry & entry_user)
        flags = flags | arch::PageFlags::User;
    if (!(entry & entry_no_execute))
        flags = flags | arch::PageFlags::Executable;
    if (entry & entry_global)
        flags = flags | arch::PageFlags::Global;
    if (entry & entry_cache_disable)
        flags = flags | arch::PageFlags::Uncached;
    return flags;
}

// Sign-extends bit 47 so reconstructed addresses in the upper half are canonical.
inline uint64_t canonical(uint64_t address) {
    return (address & (1ull << 47)) ? (address | 0xffff000000000000ull) : address;
}

} // namespace x86_64
