// Module memory: pages in the module window (mm/layout.h), within 2 GiB of the kernel image so a
// module's PC32 calls reach the kernel. Mapped writable and not executable while the loader fills
// them (no one knows the address yet), then each area gets its final permissions: text R+X,
// read-only data R, data R+W, never writable and executable at once.
#pragma once

#include "arch/paging.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace module {

// `pages` fresh zeroed pages, R+W and not executable; NoMemory when the window or frames run out.
ktl::ErrorOr<uint64_t> allocate_module_memory(size_t pages);
// Sets the final permissions of [base, base + pages pages), through the kernel's one TLB path.
void protect_module_memory(uint64_t base, size_t pages, arch::PageFlags flags);
void free_module_memory(uint64_t base, size_t pages);
uint64_t free_module_space_bytes();

} // namespace module
