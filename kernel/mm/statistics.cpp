#include "mm/statistics.h"

#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/physical.h"
#include "mm/stacks.h"

namespace mm {

MemoryStatistics memory_statistics() {
    return {frame_statistics(), kernel_heap_statistics(), free_kernel_region_bytes(), live_kernel_stacks()};
}

void write_memory_statistics(ktl::FormatSink& sink) {
    MemoryStatistics statistics = memory_statistics();
    constexpr uint64_t kib_per_frame = frame_size / 1024;
    ktl::format_to(sink, "MemTotal: {} kB\n", statistics.frames.total_frames * kib_per_frame);
    ktl::format_to(sink, "MemFree: {} kB\n", statistics.frames.free_frames * kib_per_frame);
    ktl::format_to(sink, "MemUsed: {} kB\n", statistics.frames.used_frames * kib_per_frame);
    ktl::format_to(sink, "MemReserved: {} kB\n", statistics.frames.reserved_frames * kib_per_frame);
    ktl::format_to(sink, "HeapAllocated: {} kB\n", statistics.heap.bytes_allocated / 1024);
    ktl::format_to(sink, "HeapReserved: {} kB\n", statistics.heap.bytes_reserved / 1024);
    ktl::format_to(sink, "HeapLiveAllocations: {}\n", statistics.heap.live_allocations);
    ktl::format_to(sink, "HeapFailedAllocations: {}\n", statistics.heap.failed_allocations);
    ktl::format_to(sink, "KernelRegionFree: {} kB\n", statistics.kernel_region_free_bytes / 1024);
    ktl::format_to(sink, "KernelStacks: {}\n", statistics.kernel_stacks);
}

} // namespace mm
