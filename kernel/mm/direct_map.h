// All physical memory is mapped at one fixed offset, so the kernel reaches any frame, page table or
// boot structure by adding direct_map_base.
#pragma once

#include <cstdint>

namespace mm {

inline constexpr uint64_t direct_map_base = 0xffff800000000000;
inline constexpr uint64_t kernel_virtual_base = 0xffffffff80000000;

template <typename T = void>
T* physical_to_virtual(uint64_t physical) {
    return reinterpret_cast<T*>(direct_map_base + physical);
}

// Bytes of physical address space reachable through the direct map.
uint64_t direct_map_size();

// Once running in the higher half: drop the boot identity map (so a null dereference faults), make
// the direct map no-execute and global, and extend it to cover `highest_physical_address`.
void finish_early_paging(uint64_t highest_physical_address);

} // namespace mm
