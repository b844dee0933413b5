// The kernel half of every address space: the direct map, the kernel image mapped section by
// section, and the region window from which the heap, stacks and device mappings are carved.
#pragma once

#include "arch/paging.h"
#include "boot/boot_info.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace mm {

// Builds the kernel's own page tables (all 256 kernel PML4 entries, the direct map up to
// `direct_map_end`, text R+X, rodata R, data and bss R+W, all global) and switches to them.
void initialize_kernel_space(uint64_t direct_map_end);
uint64_t kernel_root();

// Virtual space only, from the region window (best fit); `bytes` and `alignment` are page multiples.
ktl::ErrorOr<uint64_t> allocate_kernel_region(size_t bytes, size_t alignment = 4096);
void free_kernel_region(uint64_t base, size_t bytes);
uint64_t free_kernel_region_bytes();

// Fresh frames mapped at a new region, with `guard_pages` unmapped pages below it (stacks). Returns the
// first mapped address. Everything is undone if a frame or table page runs out. With guard pages only
// page alignment is possible (InvalidArgument otherwise).
ktl::ErrorOr<uint64_t> allocate_mapped_region(size_t pages, size_t alignment, arch::PageFlags flags,
                                              size_t guard_pages = 0);
void free_mapped_region(uint64_t base, size_t pages, size_t guard_pages = 0);

// Device memory, uncached and not executable.
ktl::ErrorOr<void*> map_mmio(uint64_t physical, size_t size);
void unmap_mmio(void* address, size_t size);

} // namespace mm
