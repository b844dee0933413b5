// The kernel heap: kmalloc/kfree and the nothrow operator new family over mm::Heap, growing by
// mapping new kernel regions and giving empty ones back. Allocation failure returns null, always:
// plain (throwing) operator new is deliberately not defined, so using it fails to link.
#pragma once

#include "mm/heap.h"

#include <cstddef>

namespace mm {

void initialize_kernel_heap();

void* kmalloc(size_t size, size_t alignment = 16);
void kfree(void* pointer);
// Returns emptied slab pages to the kernel region window.
void trim_kernel_heap();
HeapStatistics kernel_heap_statistics();

} // namespace mm
