#include "mm/address_space.h"

#include "ktl/assert.h"

#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/layout.h"
#include "mm/physical.h"
#include "mm/user_memory.h"

#include <new>

namespace mm {

bool AddressSpace::is_user_address(uint64_t virtual_address) {
    return virtual_address < user_space_end && virtual_address % arch::page_size == 0;
}

ktl::ErrorOr<AddressSpace*> AddressSpace::create() {
    uint64_t root = TRY(allocate_zeroed_frame());
    const uint64_t* kernel_pml4 = physical_to_virtual<const uint64_t>(kernel_root());
    uint64_t* pml4 = physical_to_virtual<uint64_t>(root);
    for (int index = 256; index < 512; ++index)
        pml4[index] = kernel_pml4[index];
    auto* space = new (std::nothrow) AddressSpace(root);
    if (!space) {
        free_frame(root);
        return ktl::Errno::NoMemory;
    }
    return space;
}

void AddressSpace::destroy(AddressSpace* space) {
    // The kernel's shared frames go first, unmapped but not freed; everything left is the space's own.
    for (const Region& region : space->m_regions)
        if (region.attributes.kind == RegionKind::KernelShared)
            space->release_pages(region);
    arch::release_user_half(space->m_root, kernel_frame_source(), free_frame);
    free_frame(space->m_root);
    delete space;
}

ktl::ErrorOr<void> AddressSpace::allocate_and_map(uint64_t virtual_address, arch::PageFlags flags) {
    if (!is_user_address(virtual_address))
        return ktl::Errno::InvalidArgument;
    uint64_t frame = TRY(allocate_zeroed_frame());
    auto mapped =
        arch::map_page(m_root, virtual_address, frame, flags | arch::PageFlags::User, kernel_frame_source());
    if (mapped.is_error()) {
        free_frame(frame);
        return mapped.error();
    }
    return {};
}

ktl::ErrorOr<void> AddressSpace::unmap_and_free(uint64_t virtual_address) {
    if (!is_user_address(virtual_address))
        return ktl::Errno::InvalidArgument;
    free_frame(TRY(arch::unmap_page(m_root, virtual_address)));
    return {};
}

ktl::ErrorOr<void> AddressSpace::protect(uint64_t virtual_address, arch::PageFlags flags) {
    if (!is_user_address(virtual_address))
        return ktl::Errno::InvalidArgument;
    return arch::protect_page(m_root, virtual_address, flags | arch::PageFlags::User);
}

arch::PageFlags AddressSpace::page_flags_for(Protection protection) {
    if (protection == Protection::None)
        return arch::PageFlags::NoAccess; // not present, frame kept: the kernel's accesses fault too
    arch::PageFlags flags = arch::PageFlags::User;
    if (has_protection(protection, Protection::Write))
        flags = flags | arch::PageFlags::Writable;
    if (has_protection(protection, Protection::Execute))
        flags = flags | arch::PageFlags::Executable;
    return flags;
}

void AddressSpace::release_pages(const Region& region) {
    bool owned = region.attributes.kind != RegionKind::KernelShared;
    for (uint64_t page = region.start; page < region.end; page += arch::page_size) {
        auto frame = arch::unmap_page(m_root, page);
        if (!frame.is_error() && owned)
            free_frame(frame.value());
    }
}

ktl::ErrorOr<void> AddressSpace::map_kernel_pages(uint64_t start, uint64_t physical, size_t count,
                                                  Protection protection) {
    uint64_t length = count * arch::page_size;
    if (has_protection(protection, Protection::Write) || start > user_mapping_end ||
        length > user_mapping_end - start)
        return ktl::Errno::InvalidArgument;
    RegionAttributes attributes{protection, RegionKind::KernelShared, RegionFlags::None, 0};
    sync::MutexLocker locker(m_lock);
    TRY(m_regions.insert(start, length, attributes));
    for (size_t index = 0; index < count; ++index) {
        auto mapped =
            arch::map_page(m_root, start + index * arch::page_size, physical + index * arch::page_size,
                           page_flags_for(protection), kernel_frame_source());
        if (mapped.is_error()) {
            release_pages({start, start + index * arch::page_size, attributes});
            MUST(m_regions.unmap(start, length)); // removing a whole region needs no new node
            return mapped.error();
        }
    }
    return {};
}

ktl::ErrorOr<void> AddressSpace::add_region(uint64_t start, uint64_t length, RegionAttributes attributes) {
    if (start > user_mapping_end || length > user_mapping_end - start)
        return ktl::Errno::NoMemory;
    sync::MutexLocker locker(m_lock);
    return m_regions.insert(start, length, attributes);
}

ktl::ErrorOr<uint64_t> AddressSpace::map_region(uint64_t hint, uint64_t length, RegionAttributes attributes,
                                                bool fixed) {
    sync::MutexLocker locker(m_lock);
    uint64_t start = hint;
    if (!fixed)
        start = TRY(m_regions.find_free(length, hint, mmap_lowest, mmap_base));
    if (start > user_mapping_end || length > user_mapping_end - start)
        return ktl::Errno::NoMemory;
    TRY(m_regions.map_fixed(start, length, attributes,
                            [&](const Region& removed) { release_pages(removed); }));
    return start;
}

ktl::ErrorOr<void> AddressSpace::unmap_region(uint64_t start, uint64_t length) {
    sync::MutexLocker locker(m_lock);
    return m_regions.unmap(start, length, [&](const Region& removed) { release_pages(removed); });
}

ktl::ErrorOr<void> AddressSpace::protect_region(uint64_t start, uint64_t length, Protection protection) {
    sync::MutexLocker locker(m_lock);
    // The kernel's shared pages are the same frames in every process: writing them would write them
    // for all. Linux refuses PROT_WRITE on its vvar pages the same way.
    if (has_protection(protection, Protection::Write))
        for (const Region* region = m_regions.find_at_or_above(start);
             region && region->start < start + length; region = m_regions.find_at_or_above(region->end))
            if (region->attributes.kind == RegionKind::KernelShared)
                return ktl::Errno::AccessDenied;
    TRY(m_regions.protect(start, length, protection));
    arch::PageFlags flags = page_flags_for(protection);
    for (uint64_t page = start; page < start + length; page += arch::page_size)
        (void)arch::protect_page(m_root, page, flags); // NoEntry: not touched yet, faults in later
    return {};
}

bool AddressSpace::handle_page_fault(uint64_t address, bool write, bool execute) {
    sync::MutexLocker locker(m_lock);
    uint64_t page = address & ~(arch::page_size - 1);
    const Region* region = m_regions.find(page);
    if (!region)
        return false;
    Protection protection = region->attributes.protection;
    // On x86 write and execute imply read, as on Linux: only PROT_NONE refuses every access.
    if (protection == Protection::None || (write && !has_protection(protection, Protection::Write)) ||
        (execute && !has_protection(protection, Protection::Execute)))
        return false;
    // Mapped already, with the region's permissions (NoAccess only under PROT_NONE): a real violation.
    if (!arch::translate(m_root, page).is_error())
        return false;
    if (!has_flag(region->attributes.flags, RegionFlags::DemandZero))
        return false;
    auto frame = allocate_zeroed_frame();
    if (frame.is_error())
        return false; // out of memory: the program gets SIGSEGV rather than the kernel stalling
    if (arch::map_page(m_root, page, frame.value(), page_flags_for(protection), kernel_frame_source())
            .is_error()) {
        free_frame(frame.value());
        return false;
    }
    return true;
}

size_t AddressSpace::region_count() {
    sync::MutexLocker locker(m_lock);
    return m_regions.count();
}

} // namespace mm
