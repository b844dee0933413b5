#include "mm/physical.h"
#include "ktl/assert.h"

#include "console/log.h"
#include "debug/panic.h"
#include "ktl/fixed_vector.h"
#include "mm/direct_map.h"
#include "mm/frame_descriptors.h"
#include "mm/reclaim.h"
#include "sync/spinlock.h"

extern "C" const char __kernel_physical_start[], __kernel_physical_end[];

#include <cstring>

namespace mm {

namespace {

constexpr uint64_t first_megabyte = 1 << 20;

sync::SpinlockProtected<FrameAllocator> frame_allocator;
// Reference counts per frame: atomic, outside the allocator's lock (see frame_descriptors.h).
FrameDescriptors frame_descriptors;
PhysicalRange boot_info_range{0, 0};

class KernelFrameSource final : public arch::FrameSource {
public:
    ktl::ErrorOr<uint64_t> allocate_table_frame() override { return allocate_zeroed_frame(); }
    void free_table_frame(uint64_t physical) override { free_frame(physical); }
};
KernelFrameSource kernel_frames;

uint64_t round_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

bool is_ram(boot::MemoryType type) {
    return type == boot::MemoryType::Usable || type == boot::MemoryType::AcpiReclaimable ||
           type == boot::MemoryType::AcpiNvs;
}

// The first page-aligned gap of `bytes` in usable RAM above 1 MiB that avoids every reserved range.
ktl::ErrorOr<uint64_t> find_gap(const boot::BootInfo& boot_info, std::span<const PhysicalRange> reserved,
                                uint64_t bytes) {
    for (const boot::MemoryRegion& region : boot_info.memory_map) {
        if (region.type != boot::MemoryType::Usable)
            continue;
        uint64_t candidate =
            round_up(region.base < first_megabyte ? first_megabyte : region.base, frame_size);
        bool moved = true;
        while (moved && candidate + bytes <= region.end()) {
            moved = false;
            for (const PhysicalRange& range : reserved) {
                if (candidate < range.end && range.base < candidate + bytes) {
                    candidate = round_up(range.end, frame_size);
                    moved = true;
                }
            }
        }
        if (candidate + bytes <= region.end() && candidate + bytes <= direct_map_size())
            return candidate;
    }
    return ktl::Errno::NoMemory;
}

} // namespace

void initialize_physical_memory(const boot::BootInfo& boot_info) {
    ktl::FixedVector<PhysicalRange, 128> usable;
    uint64_t highest_ram = 0;
    for (const boot::MemoryRegion& region : boot_info.memory_map) {
        if (region.type == boot::MemoryType::Usable)
            MUST(usable.try_append(PhysicalRange{region.base, region.end()}));
        if (is_ram(region.type) && region.end() > highest_ram)
            highest_ram = region.end();
    }
    if (highest_ram == 0)
        debug::panic("the memory map lists no RAM");

    ktl::FixedVector<PhysicalRange, 24> reserved;
    MUST(reserved.try_append(PhysicalRange{0, first_megabyte}));
    MUST(reserved.try_append(PhysicalRange{reinterpret_cast<uint64_t>(__kernel_physical_start),
                                           reinterpret_cast<uint64_t>(__kernel_physical_end)}));
    boot_info_range =
        PhysicalRange{boot_info.info_physical_address, boot_info.info_physical_address + boot_info.info_size};
    MUST(reserved.try_append(boot_info_range));
    for (const boot::BootModule& module : boot_info.modules)
        MUST(reserved.try_append(PhysicalRange{module.start, module.end}));

    // The bitmap, then the frame descriptors, in one run of frames.
    uint64_t bitmap_bytes = round_up(FrameAllocator::metadata_bytes_for(highest_ram), frame_size);
    uint64_t metadata_bytes = bitmap_bytes + round_up(FrameDescriptors::bytes_for(highest_ram), frame_size);
    auto metadata = find_gap(boot_info, std::span(reserved.begin(), reserved.size()), metadata_bytes);
    if (metadata.is_error())
        debug::panic("no room for the frame allocator's {} bytes of metadata", metadata_bytes);
    MUST(reserved.try_append(PhysicalRange{metadata.value(), metadata.value() + metadata_bytes}));

    std::span<uint64_t> storage(physical_to_virtual<uint64_t>(metadata.value()),
                                bitmap_bytes / sizeof(uint64_t));
    frame_descriptors.initialize(
        std::span(physical_to_virtual<FrameDescriptor>(metadata.value() + bitmap_bytes),
                  FrameDescriptors::bytes_for(highest_ram) / sizeof(FrameDescriptor)));
    frame_allocator.with([&](FrameAllocator& allocator) {
        auto result = allocator.initialize(storage, highest_ram, std::span(usable.begin(), usable.size()),
                                           std::span(reserved.begin(), reserved.size()));
        if (result.is_error())
            debug::panic("frame allocator rejected the memory map: {}", result.error().name());
    });
    FrameStatistics statistics = frame_statistics();
    klog::info("mm",
               "frames: {} MiB usable, {} MiB free, {} KiB reserved (bitmap and descriptors {} KiB at {:#x})",
               statistics.total_frames * frame_size >> 20, statistics.free_frames * frame_size >> 20,
               statistics.reserved_frames * frame_size >> 10, metadata_bytes >> 10, metadata.value());
}

size_t release_boot_module(uint64_t start, uint64_t end) {
    // Shrink inward so no frame holding someone else's bytes comes back.
    uint64_t first = (start + frame_size - 1) & ~(frame_size - 1);
    uint64_t last = end & ~(frame_size - 1);
    auto avoid = [&](uint64_t other_start, uint64_t other_end) {
        if (other_start >= last || first >= other_end)
            return;
        // Keep the larger piece outside the other range.
        uint64_t before = other_start > first ? other_start - first : 0;
        uint64_t after = last > other_end ? last - other_end : 0;
        if (before >= after)
            last = other_start & ~(frame_size - 1);
        else
            first = (other_end + frame_size - 1) & ~(frame_size - 1);
    };
    avoid(reinterpret_cast<uint64_t>(__kernel_physical_start),
          reinterpret_cast<uint64_t>(__kernel_physical_end));
    avoid(boot_info_range.base, boot_info_range.end);
    if (first >= last)
        return 0;
    return frame_allocator.with([&](FrameAllocator& allocator) {
        return allocator.release_reserved(PhysicalRange{first, last});
    });
}

ktl::ErrorOr<uint64_t> allocate_frame() {
    bool short_of_frames = false;
    auto frame = frame_allocator.with([&](FrameAllocator& allocator) {
        auto allocated = allocator.allocate();
        FrameStatistics statistics = allocator.statistics();
        // The low watermark: 1/64 of memory, as a cache's unused objects are worth less than that.
        short_of_frames = statistics.free_frames < statistics.total_frames / 64;
        return allocated;
    });
    if (short_of_frames)
        note_memory_pressure(); // after the allocator's lock: waking takes the scheduler's
    if (!frame.is_error() && frame_descriptors.set_allocated(frame.value()).is_error())
        debug::panic("the allocator handed out frame {:#x}, which still has references", frame.value());
    return frame;
}

ktl::ErrorOr<uint64_t> allocate_zeroed_frame() {
    uint64_t frame = TRY(allocate_frame());
    memset(physical_to_virtual<uint8_t>(frame), 0, frame_size);
    return frame;
}

void free_frame(uint64_t physical) {
    auto left = frame_descriptors.release(physical);
    if (left.is_error())
        debug::panic("freeing frame {:#x} that is not allocated (double free?) from {}", physical,
                     __builtin_return_address(0));
    if (left.value() > 0)
        return; // another address space (or kernel owner) still holds it
    auto result = frame_allocator.with([&](FrameAllocator& allocator) { return allocator.free(physical); });
    if (result.is_error())
        debug::panic("freeing frame {:#x} that is not allocated (double free?) from {}", physical,
                     __builtin_return_address(0));
}

void share_frame(uint64_t physical) {
    if (frame_descriptors.acquire(physical).is_error())
        debug::panic("sharing frame {:#x}, which nobody holds, from {}", physical,
                     __builtin_return_address(0));
}

uint32_t frame_references(uint64_t physical) {
    return frame_descriptors.references(physical);
}

ktl::ErrorOr<uint64_t> allocate_contiguous_frames(size_t count, size_t alignment_frames, uint64_t below) {
    uint64_t first = TRY(frame_allocator.with([&](FrameAllocator& allocator) {
        return allocator.allocate_contiguous(count, alignment_frames, below);
    }));
    if (frame_descriptors.set_allocated(first, count).is_error())
        debug::panic("the allocator handed out frames at {:#x}, which still have references", first);
    return first;
}

void free_contiguous_frames(uint64_t physical, size_t count) {
    if (frame_descriptors.release_run(physical, count).is_error())
        debug::panic("freeing {} frames at {:#x} that are not all allocated once", count, physical);
    auto result = frame_allocator.with(
        [&](FrameAllocator& allocator) { return allocator.free_contiguous(physical, count); });
    if (result.is_error())
        debug::panic("freeing {} frames at {:#x} that are not all allocated", count, physical);
}

FrameStatistics frame_statistics() {
    return frame_allocator.with([](FrameAllocator& allocator) { return allocator.statistics(); });
}

arch::FrameSource& kernel_frame_source() {
    return kernel_frames;
}

} // namespace mm
