#include "module/module_memory.h"

#include "debug/panic.h"
#include "mm/kernel_space.h"
#include "mm/layout.h"
#include "mm/physical.h"
#include "mm/range_allocator.h"
#include "sync/spinlock.h"

#include <cstring>

namespace module {

namespace {

struct Window {
    bool ready = false;
    mm::RangeAllocator ranges;
};
constinit sync::SpinlockProtected<Window> window;

void unmap_pages(uint64_t base, size_t pages) {
    for (size_t page = 0; page < pages; ++page)
        mm::free_frame(MUST(arch::unmap_page(mm::kernel_root(), base + page * arch::page_size)));
}

} // namespace

ktl::ErrorOr<uint64_t> allocate_module_memory(size_t pages) {
    if (pages == 0 || pages > mm::module_space_size / arch::page_size)
        return ktl::Errno::NoMemory;
    uint64_t base = TRY(window.with([&](Window& state) -> ktl::ErrorOr<uint64_t> {
        if (!state.ready) {
            TRY(state.ranges.add_range(mm::module_space_base, mm::module_space_size));
            state.ready = true;
        }
        return state.ranges.allocate(pages * arch::page_size);
    }));
    for (size_t page = 0; page < pages; ++page) {
        uint64_t address = base + page * arch::page_size;
        auto frame = mm::allocate_frame();
        ktl::ErrorOr<void> mapped = frame.is_error()
                                        ? ktl::ErrorOr<void>(frame.error())
                                        : arch::map_page(mm::kernel_root(), address, frame.value(),
                                                         arch::PageFlags::Writable | arch::PageFlags::Global,
                                                         mm::kernel_frame_source());
        if (mapped.is_error()) {
            if (!frame.is_error())
                mm::free_frame(frame.value());
            unmap_pages(base, page);
            window.with([&](Window& state) { (void)state.ranges.free(base, pages * arch::page_size); });
            return mapped.error();
        }
    }
    memset(reinterpret_cast<void*>(base), 0, pages * arch::page_size);
    return base;
}

void protect_module_memory(uint64_t base, size_t pages, arch::PageFlags flags) {
    for (size_t page = 0; page < pages; ++page)
        MUST(arch::protect_page(mm::kernel_root(), base + page * arch::page_size,
                                flags | arch::PageFlags::Global));
}

void free_module_memory(uint64_t base, size_t pages) {
    unmap_pages(base, pages);
    auto freed = window.with([&](Window& state) { return state.ranges.free(base, pages * arch::page_size); });
    if (freed.is_error())
        debug::panic("freeing module memory {:#x} (+{} pages) failed: {}", base, pages, freed.error().name());
}

uint64_t free_module_space_bytes() {
    return window.with(
        [](Window& state) { return state.ready ? state.ranges.free_bytes() : mm::module_space_size; });
}

} // namespace module
