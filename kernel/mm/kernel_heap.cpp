#include "mm/kernel_heap.h"

#include "arch/paging.h"
#include "debug/panic.h"
#include "mm/kernel_space.h"
#include "sync/spinlock.h"

#include <new>

namespace mm {

namespace {

class KernelHeapBackend final : public HeapBackend {
public:
    void* allocate_pages(size_t count, size_t alignment) override {
        auto base = allocate_mapped_region(count, alignment, arch::PageFlags::Writable);
        return base.is_error() ? nullptr : reinterpret_cast<void*>(base.value());
    }
    void free_pages(void* base, size_t count) override {
        free_mapped_region(reinterpret_cast<uint64_t>(base), count);
    }
};
KernelHeapBackend backend;

const char* describe(HeapProblem problem) {
    switch (problem) {
    case HeapProblem::DoubleFree:
        return "double free";
    case HeapProblem::InvalidPointer:
        return "free of a pointer the heap never returned";
    case HeapProblem::RedzoneOverrun:
        return "write past the end (or before the start) of a block";
    case HeapProblem::UseAfterFree:
        return "write to a block after it was freed";
    case HeapProblem::MisalignedFree:
        return "free of a misaligned pointer";
    }
    return "heap corruption";
}

[[noreturn]] void report_heap_problem(HeapProblem problem, const void* pointer, const void* caller, void*) {
    debug::panic("kernel heap: {} of {} (called from {})", describe(problem), pointer, caller);
}

// The heap is built once the region window exists; until then kmalloc returns null.
struct HeapSlot {
    alignas(Heap) unsigned char storage[sizeof(Heap)];
    Heap* heap = nullptr;
};
sync::SpinlockProtected<HeapSlot> kernel_heap;

} // namespace

void initialize_kernel_heap() {
#ifdef BLOG_OS_DEBUG
    constexpr bool debug_checks = true;
#else
    constexpr bool debug_checks = false;
#endif
    kernel_heap.with([](HeapSlot& slot) {
        slot.heap = new (slot.storage) Heap(backend, HeapOptions{debug_checks, report_heap_problem, nullptr});
    });
}

void* kmalloc(size_t size, size_t alignment) {
    const void* caller = __builtin_return_address(0);
    return kernel_heap.with(
        [&](HeapSlot& slot) { return slot.heap ? slot.heap->allocate(size, alignment, caller) : nullptr; });
}

void kfree(void* pointer) {
    const void* caller = __builtin_return_address(0);
    kernel_heap.with([&](HeapSlot& slot) {
        if (slot.heap)
            slot.heap->free(pointer, caller);
    });
}

void trim_kernel_heap() {
    kernel_heap.with([](HeapSlot& slot) {
        if (slot.heap)
            slot.heap->trim();
    });
}

HeapStatistics kernel_heap_statistics() {
    return kernel_heap.with(
        [](HeapSlot& slot) { return slot.heap ? slot.heap->statistics() : HeapStatistics{}; });
}

} // namespace mm

void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return mm::kmalloc(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return mm::kmalloc(size);
}
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return mm::kmalloc(size, static_cast<size_t>(alignment));
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return mm::kmalloc(size, static_cast<size_t>(alignment));
}
void operator delete(void* pointer) noexcept {
    mm::kfree(pointer);
}
void operator delete[](void* pointer) noexcept {
    mm::kfree(pointer);
}
void operator delete(void* pointer, size_t) noexcept {
    mm::kfree(pointer);
}
void operator delete[](void* pointer, size_t) noexcept {
    mm::kfree(pointer);
}
void operator delete(void* pointer, std::align_val_t) noexcept {
    mm::kfree(pointer);
}
void operator delete(void* pointer, size_t, std::align_val_t) noexcept {
    mm::kfree(pointer);
}
void operator delete(void* pointer, const std::nothrow_t&) noexcept {
    mm::kfree(pointer);
}
