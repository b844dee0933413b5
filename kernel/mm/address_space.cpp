#include "mm/address_space.h"

#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/layout.h"
#include "mm/physical.h"

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

} // namespace mm
