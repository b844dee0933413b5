// An address space: its own PML4, with the kernel half shared (copied once from the kernel's PML4,
// whose 256 entries never change) and the user half owned. Destroying it returns every user frame
// and every page-table page.
#pragma once

#include "arch/paging.h"
#include "ktl/error_or.h"

#include <cstdint>

namespace mm {

class AddressSpace {
public:
    static ktl::ErrorOr<AddressSpace*> create();
    // Frees the user half and the PML4; `space` must not be active.
    static void destroy(AddressSpace* space);

    uint64_t root() const { return m_root; }
    // Maps a fresh zeroed frame at `virtual_address` (user half only), owned by this address space.
    ktl::ErrorOr<void> allocate_and_map(uint64_t virtual_address, arch::PageFlags flags);
    ktl::ErrorOr<void> unmap_and_free(uint64_t virtual_address);
    ktl::ErrorOr<arch::Translation> translate(uint64_t virtual_address) const {
        return arch::translate(m_root, virtual_address);
    }
    ktl::ErrorOr<void> protect(uint64_t virtual_address, arch::PageFlags flags);
    void activate() const { arch::activate_root(m_root); }

private:
    explicit AddressSpace(uint64_t root) : m_root(root) {}
    static bool is_user_address(uint64_t virtual_address);
    uint64_t m_root;
};

} // namespace mm
