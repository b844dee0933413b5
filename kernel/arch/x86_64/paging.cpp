// Four-level page tables (Intel SDM vol. 3A §4.5): the walk down from the PML4, creating tables on
// the way for map_page, and the processor features that protect the kernel (NX, WP, SMEP, SMAP).
#include "arch/paging.h"

#include "arch/x86_64/registers.h"

namespace arch {

namespace {

using namespace x86_64;

PagingFeatures features;

bool is_kernel_half(uint64_t virtual_address) {
    return virtual_address >= 0xffff800000000000ull;
}

// Intermediate entries allow everything; the leaf decides. User-half tables need the user bit too.
uint64_t table_entry_bits(uint64_t virtual_address) {
    return entry_present | entry_writable | (is_kernel_half(virtual_address) ? 0 : entry_user);
}

// Returns the entry that maps `virtual_address` at `stop_level` (0 for 4 KiB, 1 for 2 MiB), creating
// tables when `frames` is given. nullptr if a table is missing (and not created) or a huge page is in
// the way.
ktl::ErrorOr<uint64_t*> entry_for(uint64_t root, uint64_t virtual_address, int stop_level,
                                  FrameSource* frames) {
    uint64_t* table = table_at(root);
    for (int level = 3; level > stop_level; --level) {
        uint64_t& entry = table[table_index(virtual_address, level)];
        if (!(entry & entry_present)) {
            if (!frames)
                return ktl::Errno::NoEntry;
            uint64_t frame = TRY(frames->allocate_table_frame());
            entry = frame | table_entry_bits(virtual_address);
        } else if (entry & entry_huge) {
            return ktl::Errno::Exists;
        }
        table = table_at(entry);
    }
    return &table[table_index(virtual_address, stop_level)];
}

// The leaf entry for an address, whatever its size, NoAccess ones included.
ktl::ErrorOr<uint64_t*> find_leaf(uint64_t root, uint64_t virtual_address, PageSize& size) {
    uint64_t* table = table_at(root);
    for (int level = 3; level >= 0; --level) {
        uint64_t& entry = table[table_index(virtual_address, level)];
        if (!entry_in_use(entry, level))
            return ktl::Errno::NoEntry;
        if (level == 0 || (entry & entry_huge)) {
            if (level > 1)
                return ktl::Errno::NotSupported; // 1 GiB pages are never created here
            size = level == 0 ? PageSize::Small : PageSize::Large;
            return &entry;
        }
        table = table_at(entry);
    }
    return ktl::Errno::NoEntry;
}

// NoAccess entries exist only where the walkers look for them: 4 KiB leaves of the user half.
bool flags_fit(uint64_t virtual_address, PageFlags flags, PageSize size) {
    return !has(flags, PageFlags::NoAccess) || (size == PageSize::Small && !is_kernel_half(virtual_address));
}

void flush_if_visible(uint64_t root, uint64_t virtual_address) {
    if (root == active_root() || is_kernel_half(virtual_address))
        flush_tlb_page(virtual_address);
}

// Frees the frames and tables below one table of the user half.
void release_table(uint64_t table_physical, int level, FrameSource& frames, void (*free_frame)(uint64_t)) {
    uint64_t* table = table_at(table_physical);
    for (int index = 0; index < entries_per_table; ++index) {
        uint64_t entry = table[index];
        if (!entry_in_use(entry, level))
            continue;
        table[index] = 0;
        bool leaf = level == 0 || (entry & entry_huge);
        if (!leaf) {
            release_table(entry & entry_address_mask, level - 1, frames, free_frame);
            frames.free_table_frame(entry & entry_address_mask);
        } else if (entry & entry_shared) {
            // Not ours to free: a shared program page.
        } else if (free_frame && level == 0) {
            free_frame(entry & entry_address_mask);
        } else if (free_frame) {
            uint64_t base = entry & huge_entry_address_mask;
            for (uint64_t offset = 0; offset < large_page_size; offset += page_size)
                free_frame(base + offset);
        }
    }
}

} // namespace

ktl::ErrorOr<void> map_page(uint64_t root, uint64_t virtual_address, uint64_t physical_address,
                            PageFlags flags, FrameSource& frames, PageSize size) {
    uint64_t alignment = size == PageSize::Small ? page_size : large_page_size;
    if (virtual_address % alignment || physical_address % alignment)
        return ktl::Errno::InvalidArgument;
    if (!flags_fit(virtual_address, flags, size))
        return ktl::Errno::InvalidArgument;
    int level = size == PageSize::Small ? 0 : 1;
    uint64_t* entry = TRY(entry_for(root, virtual_address, level, &frames));
    if (entry_in_use(*entry, level))
        return ktl::Errno::Exists;
    *entry = physical_address | leaf_bits(flags) | (size == PageSize::Large ? entry_huge : 0);
    return {};
}

ktl::ErrorOr<uint64_t> unmap_page(uint64_t root, uint64_t virtual_address) {
    PageSize size;
    uint64_t* entry = TRY(find_leaf(root, virtual_address, size));
    uint64_t physical = *entry & (size == PageSize::Small ? entry_address_mask : huge_entry_address_mask);
    *entry = 0;
    flush_if_visible(root, virtual_address);
    return physical;
}

ktl::ErrorOr<uint64_t> replace_page(uint64_t root, uint64_t virtual_address, uint64_t physical_address,
                                    PageFlags flags) {
    PageSize size;
    uint64_t* entry = TRY(find_leaf(root, virtual_address, size));
    if (size != PageSize::Small || physical_address % page_size || !flags_fit(virtual_address, flags, size))
        return ktl::Errno::InvalidArgument;
    uint64_t previous = *entry & entry_address_mask;
    __atomic_store_n(entry, physical_address | leaf_bits(flags), __ATOMIC_RELEASE);
    flush_if_visible(root, virtual_address);
    return previous;
}

ktl::ErrorOr<Translation> translate(uint64_t root, uint64_t virtual_address) {
    PageSize size;
    uint64_t* entry = TRY(find_leaf(root, virtual_address, size));
    uint64_t offset_mask = size == PageSize::Small ? page_size - 1 : large_page_size - 1;
    uint64_t base = *entry & (size == PageSize::Small ? entry_address_mask : huge_entry_address_mask);
    return Translation{base + (virtual_address & offset_mask), flags_of(*entry), size};
}

ktl::ErrorOr<void> protect_page(uint64_t root, uint64_t virtual_address, PageFlags flags) {
    PageSize size;
    uint64_t* entry = TRY(find_leaf(root, virtual_address, size));
    if (!flags_fit(virtual_address, flags, size))
        return ktl::Errno::InvalidArgument;
    uint64_t address_mask = size == PageSize::Small ? entry_address_mask : huge_entry_address_mask;
    // Whose frame it is, and how it is cached (device memory), does not change with its permissions.
    *entry = (*entry & (address_mask | entry_shared | entry_cache_disable | entry_write_through)) |
             leaf_bits(flags) | (size == PageSize::Large ? entry_huge : 0);
    flush_if_visible(root, virtual_address);
    return {};
}

void release_user_half(uint64_t root, FrameSource& frames, void (*free_frame)(uint64_t)) {
    uint64_t* pml4 = table_at(root);
    for (int index = 0; index < user_half_entries; ++index) {
        uint64_t entry = pml4[index];
        if (!(entry & entry_present))
            continue;
        pml4[index] = 0;
        release_table(entry & entry_address_mask, 2, frames, free_frame);
        frames.free_table_frame(entry & entry_address_mask);
    }
}

uint64_t active_root() {
    return read_cr3() & entry_address_mask;
}
void activate_root(uint64_t root) {
    write_cr3(root);
}
void flush_tlb_page(uint64_t virtual_address) {
    asm volatile("invlpg (%0)" ::"r"(virtual_address) : "memory");
}
void flush_user_tlb() {
    write_cr3(read_cr3()); // drops every non-global entry
}

PagingFeatures enable_paging_protections() {
    CpuidResult extended_features = cpuid(7, 0);
    CpuidResult extended = cpuid(0x80000001);
    features.supervisor_mode_execution_prevention = extended_features.ebx & (1 << 7);
    features.supervisor_mode_access_prevention = extended_features.ebx & (1 << 20);
    features.large_pages_1g = extended.edx & (1 << 26);
    uint64_t cr4 = read_cr4() | (1 << 7); // global pages
    if (features.supervisor_mode_execution_prevention)
        cr4 |= 1ull << 20;
    if (features.supervisor_mode_access_prevention)
        cr4 |= 1ull << 21;
    write_cr4(cr4);
    write_cr0(read_cr0() | cr0_write_protect);
    return features;
}

PagingFeatures paging_features() {
    return features;
}

UserAccessScope::UserAccessScope() {
    if (features.supervisor_mode_access_prevention)
        asm volatile("stac" ::: "memory");
}
UserAccessScope::~UserAccessScope() {
    if (features.supervisor_mode_access_prevention)
        asm volatile("clac" ::: "memory");
}

} // namespace arch
