#include "mm/kernel_space.h"
#include "ktl/assert.h"

#include "console/log.h"
#include "debug/panic.h"
#include "mm/direct_map.h"
#include "mm/layout.h"
#include "mm/physical.h"
#include "mm/range_allocator.h"
#include "sync/spinlock.h"

extern "C" const char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[],
    __bss_end[];

namespace mm {

namespace {

using arch::PageFlags;

uint64_t root;
sync::SpinlockProtected<RangeAllocator> regions;

uint64_t page_round_up(uint64_t value) {
    return (value + arch::page_size - 1) & ~(arch::page_size - 1);
}

void map_kernel_section(const char* start, const char* end, PageFlags flags) {
    uint64_t first = reinterpret_cast<uint64_t>(start) & ~(arch::page_size - 1);
    uint64_t last = page_round_up(reinterpret_cast<uint64_t>(end));
    for (uint64_t address = first; address < last; address += arch::page_size)
        MUST(arch::map_page(root, address, address - kernel_virtual_base, flags | PageFlags::Global,
                            kernel_frame_source()));
}

} // namespace

void initialize_kernel_space(uint64_t direct_map_end) {
    root = MUST(allocate_zeroed_frame());
    uint64_t* pml4 = physical_to_virtual<uint64_t>(root);
    // Every kernel-half PML4 entry exists from now on, so an address space copies them once and sees
    // every later kernel mapping without being told.
    for (int index = 256; index < 512; ++index)
        pml4[index] = MUST(allocate_zeroed_frame()) | 0x3;

    uint64_t direct_end = (direct_map_end + arch::large_page_size - 1) & ~(arch::large_page_size - 1);
    for (uint64_t physical = 0; physical < direct_end; physical += arch::large_page_size)
        MUST(arch::map_page(root, direct_map_base + physical, physical,
                            PageFlags::Writable | PageFlags::Global, kernel_frame_source(),
                            arch::PageSize::Large));

    map_kernel_section(__text_start, __text_end, PageFlags::Executable);
    map_kernel_section(__rodata_start, __rodata_end, PageFlags::None);
    map_kernel_section(__data_start, __bss_end, PageFlags::Writable);

    arch::PagingFeatures features = arch::enable_paging_protections();
    arch::activate_root(root);

    regions.with([](RangeAllocator& allocator) {
        MUST(allocator.add_range(kernel_regions_base, kernel_regions_size));
    });
    klog::info("mm", "kernel page tables active: direct map {} MiB, text R+X, rodata R, data R+W, NX{}{}",
               direct_end >> 20, features.supervisor_mode_execution_prevention ? ", SMEP" : "",
               features.supervisor_mode_access_prevention ? ", SMAP" : "");
}

uint64_t kernel_root() {
    return root;
}

ktl::ErrorOr<uint64_t> allocate_kernel_region(size_t bytes, size_t alignment) {
    return regions.with([&](RangeAllocator& allocator) { return allocator.allocate(bytes, alignment); });
}

void free_kernel_region(uint64_t base, size_t bytes) {
    auto result = regions.with([&](RangeAllocator& allocator) { return allocator.free(base, bytes); });
    if (result.is_error())
        debug::panic("freeing kernel region {:#x} (+{:#x}) failed: {}", base, bytes, result.error().name());
}

uint64_t free_kernel_region_bytes() {
    return regions.with([](RangeAllocator& allocator) { return allocator.free_bytes(); });
}

ktl::ErrorOr<uint64_t> allocate_mapped_region(size_t pages, size_t alignment, PageFlags flags,
                                              size_t guard_pages) {
    // The range allocator aligns the region's start; with guard pages below, that start is the guard's,
    // so guarded regions (stacks) only get page alignment.
    if (guard_pages > 0 && alignment > arch::page_size)
        return ktl::Errno::InvalidArgument;
    size_t total_bytes = (pages + guard_pages) * arch::page_size;
    uint64_t used_base = TRY(allocate_kernel_region(total_bytes, alignment));
    uint64_t start = used_base + guard_pages * arch::page_size;
    uint64_t end = start + pages * arch::page_size;

    for (uint64_t address = start; address < end; address += arch::page_size) {
        auto frame = allocate_frame();
        ktl::ErrorOr<void> mapped = frame.is_error()
                                        ? ktl::ErrorOr<void>(frame.error())
                                        : arch::map_page(root, address, frame.value(),
                                                         flags | PageFlags::Global, kernel_frame_source());
        if (mapped.is_error()) {
            if (!frame.is_error())
                free_frame(frame.value());
            for (uint64_t undo = start; undo < address; undo += arch::page_size)
                free_frame(MUST(arch::unmap_page(root, undo)));
            free_kernel_region(used_base, end - used_base);
            return mapped.error();
        }
    }
    return start;
}

void free_mapped_region(uint64_t base, size_t pages, size_t guard_pages) {
    for (size_t page = 0; page < pages; ++page)
        free_frame(MUST(arch::unmap_page(root, base + page * arch::page_size)));
    free_kernel_region(base - guard_pages * arch::page_size, (pages + guard_pages) * arch::page_size);
}

ktl::ErrorOr<void*> map_mmio(uint64_t physical, size_t size) {
    uint64_t first = physical & ~(arch::page_size - 1);
    uint64_t bytes = page_round_up(physical + size) - first;
    uint64_t base = TRY(allocate_kernel_region(bytes));
    for (uint64_t offset = 0; offset < bytes; offset += arch::page_size) {
        auto mapped = arch::map_page(root, base + offset, first + offset,
                                     PageFlags::Writable | PageFlags::Uncached | PageFlags::Global,
                                     kernel_frame_source());
        if (mapped.is_error()) {
            for (uint64_t undo = 0; undo < offset; undo += arch::page_size)
                (void)arch::unmap_page(root, base + undo);
            free_kernel_region(base, bytes);
            return mapped.error();
        }
    }
    return reinterpret_cast<void*>(base + (physical - first));
}

void unmap_mmio(void* address, size_t size) {
    uint64_t start = reinterpret_cast<uint64_t>(address);
    uint64_t first = start & ~(arch::page_size - 1);
    uint64_t bytes = page_round_up(start + size) - first;
    for (uint64_t offset = 0; offset < bytes; offset += arch::page_size)
        (void)arch::unmap_page(root, first + offset);
    free_kernel_region(first, bytes);
}

} // namespace mm
