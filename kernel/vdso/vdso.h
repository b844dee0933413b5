// The vDSO: an ELF shared object (kernel/vdso/image/) embedded in the kernel and mapped into every
// process at execve, with the clock page (time/clock_page.h) just below it. See docs/vdso.md.
#pragma once

#include "ktl/error_or.h"
#include "mm/address_space.h"

#include <cstdint>

namespace vdso {

// Where every process sees the clock page and, one page up, the image (AT_SYSINFO_EHDR): a fixed
// 64 KiB window directly under the stack's guard page and above everything mmap places (the loader
// puts the mmap base at its bottom). Fixed, not randomised, like the rest of our layout for now.
inline constexpr uint64_t window_start = 0x0000'7fff'ff7e'e000;
inline constexpr uint64_t window_size = 0x10000;
inline constexpr uint64_t clock_page_address = window_start;
inline constexpr uint64_t image_address = clock_page_address + 4096;
inline constexpr uint64_t max_image_size = window_size - 4096;

// Checks the embedded image with the ELF parser, as any input (it must be a prelinked shared object
// with no relocations, exporting the four functions and their aliases at version LINUX_2.6), and tells
// user space how to read the CPU number. Without a valid image processes get no vDSO.
void initialize();
bool available();
// Bytes of the image, and its page count when mapped.
uint64_t image_size();

// Maps the clock page (read-only) and the image (read+execute) at the addresses above. The frames are
// the kernel's, shared by every process; the address space never frees them.
ktl::ErrorOr<void> map_into(mm::AddressSpace& space);

} // namespace vdso
