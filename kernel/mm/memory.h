// Bringing up memory management, in order: frames, the kernel's page tables, the heap, guarded stacks.
#pragma once

#include "boot/boot_info.h"

namespace mm {

// After this, frames, kernel regions, kmalloc and kernel stacks all work. `direct_map_end` is the
// highest physical address the direct map must cover (RAM and the framebuffer).
void initialize_memory(const boot::BootInfo& boot_info, uint64_t direct_map_end);

} // namespace mm
