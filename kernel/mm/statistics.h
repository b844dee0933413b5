// One view of every allocator's counters; a future /proc/meminfo formats it.
#pragma once

#include "ktl/format.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"

namespace mm {

struct MemoryStatistics {
    FrameStatistics frames;
    HeapStatistics heap;
    uint64_t kernel_region_free_bytes;
    size_t kernel_stacks;
};

MemoryStatistics memory_statistics();
// "name: value unit" lines, one per counter.
void write_memory_statistics(ktl::FormatSink& sink);

} // namespace mm
