// The kernel's virtual address space. The lower half belongs to user address spaces; the upper
// half is the same in every address space because its 256 PML4 entries exist from boot.
//
//   0x0000000000000000 - 0x00007fffffffffff   user space (PML4 0-255), owned by an AddressSpace
//   0xffff800000000000 - 0xffffbfffffffffff   direct map of physical memory (PML4 256-383, 64 TiB)
//   0xffffc00000000000 - 0xffffdfffffffffff   kernel regions: heap, stacks, MMIO (PML4 384-447, 32 TiB)
//   0xffffffff80000000 - 0xffffffffbfffffff   kernel image (PML4 511, -mcmodel=kernel)
//   0xffffffffc0000000 - 0xfffffffffeffffff   loadable modules: within 2 GiB of the kernel image,
//                                             so their -mcmodel=kernel code reaches it with PC32
#pragma once

#include <cstdint>

namespace mm {

inline constexpr uint64_t user_space_end = 0x0000800000000000;
inline constexpr uint64_t kernel_regions_base = 0xffffc00000000000;
inline constexpr uint64_t kernel_regions_size = 32ull << 40;
inline constexpr uint64_t module_space_base = 0xffffffffc0000000;
inline constexpr uint64_t module_space_size = 0x3f000000; // 1008 MiB: the top 16 MiB stay unused

} // namespace mm
