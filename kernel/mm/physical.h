// Physical memory: the frame allocator over the boot memory map, behind a lock. Frames can be freed
// from the first allocation on; nothing is lost before the heap exists.
#pragma once

#include "arch/paging.h"
#include "boot/boot_info.h"
#include "ktl/error_or.h"
#include "mm/frame_allocator.h"

namespace mm {

// Usable RAM minus the first MiB, the kernel image, the boot modules, the boot information and the
// allocator's own bitmap (placed in the first usable gap that holds it).
void initialize_physical_memory(const boot::BootInfo& boot_info);

ktl::ErrorOr<uint64_t> allocate_frame();
// Zero-filled through the direct map.
ktl::ErrorOr<uint64_t> allocate_zeroed_frame();
// Drops one reference to the frame (allocation gives the first); the last one frees it. A double or
// foreign free is a kernel bug: it panics, naming the frame.
void free_frame(uint64_t physical);
// One more reference to an allocated frame (a copy-on-write mapping in a forked address space); each
// is dropped with free_frame. Sharing a free frame is a kernel bug: it panics.
void share_frame(uint64_t physical);
// How many references the frame has now (1: its holder is alone, and may write it in place).
uint32_t frame_references(uint64_t physical);
// Gives a boot module's frames to the allocator once nothing reads the module any more (the initrd
// after unpacking). Frames it shares with the kernel image or the boot information stay reserved.
// Returns how many frames came back.
size_t release_boot_module(uint64_t start, uint64_t end);
// A run of frames, one reference each; freed together, and only while nothing else holds any of them.
ktl::ErrorOr<uint64_t> allocate_contiguous_frames(size_t count, size_t alignment_frames = 1,
                                                  uint64_t below = UINT64_MAX);
void free_contiguous_frames(uint64_t physical, size_t count);
FrameStatistics frame_statistics();

// Page-table pages for arch::map_page come from here.
arch::FrameSource& kernel_frame_source();

} // namespace mm
