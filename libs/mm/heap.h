// The kernel heap algorithm: size-class slabs for small objects, whole pages for large ones, optional
// debug checks (poisoning, redzones) and exact statistics. kmalloc/kfree wrap it in a lock and give it
// a backend that maps pages; the host tests and the benchmark give it posix_memalign. Not thread-safe.
//
// Segments. All memory comes from the backend in segments aligned to slab_bytes (64 KiB) with a
// header at the start: either a slab (exactly 64 KiB of one size class) or a large block (one
// allocation, as many pages as it needs). Every pointer the heap hands out lies in the first 64 KiB of
// its segment, so masking it with ~(slab_bytes - 1) gives the header. The heap also keeps every
// segment it owns in an intrusive hash set keyed by that address (inline buckets, grown with backend
// pages when it fills up, falling back to longer chains if the backend says no). free() looks the
// masked address up there before reading anything, so a pointer that is not ours is reported without
// ever being dereferenced, and a header is trusted only after its magic and kind are checked.
//
// Small objects (size <= 4096). Size classes 16 32 48 64 96 128 192 256 384 512 768 1024 1536 2048
// 3072 4096. A class's objects are aligned to the largest power of two dividing its size (48 -> 16,
// 384 -> 128, 4096 -> 4096); a request takes the smallest class that fits both its size and its
// alignment, so allocate(8, 4096) gets a 4096-byte object and never a large block. The slab header
// holds the free list, the counts and one uint16 per object: requested size + 1, or 0 when the object
// is free (2 bytes per object: 12.5% of a 16-byte object, under 3% from 64 bytes up). That array is
// what makes statistics exact without per-object headers, and it gives O(1) double-free and
// interior-pointer detection in every mode (the object index comes from a multiply-by-reciprocal,
// never a division). Never-used objects are handed out with a bump index, so (re)initialising a
// slab is O(1). The free list link lives in the first 8 bytes of a free object (of its left redzone
// in debug mode); every link is validated before use (inside the slab, on an object boundary, object
// marked free), so a use-after-free write in release mode is reported as UseAfterFree and the list
// rebuilt from the size array instead of handing out a wild pointer.
// Each class keeps its partially used slabs in an intrusive list (full slabs are in no list);
// allocate and free are O(1) outside the rare slab acquire/release.
//
// Idle memory. A slab whose last object is freed stays with its class if it is the class's only
// partial slab (so one object allocated and freed in a loop does not bounce pages with the backend);
// otherwise it goes to a shared cache of up to cached_empty_slabs slabs, reusable by any class, and
// beyond that straight back to the backend. So an idle heap holds at most max_idle_slabs slabs.
// trim() returns all of them, and the hash set's pages once few segments are left: after freeing
// everything, trim() leaves the backend holding no pages at all. Large blocks go back at once.
//
// Large blocks (size > 4096): a 64-byte header at the segment start, the object at the first
// suitably aligned offset after it (64 for alignment <= 64, 4096 for alignment 4096; 16 bytes later
// in debug mode), the rest of the last page unused. Freeing one records its address in a small ring, so
// freeing it again is reported as DoubleFree rather than InvalidPointer.
//
// Debug checks (HeapOptions::debug_checks) change the layout of small objects to
//   [16-byte left redzone][object: requested size, then class slack][right redzone, >= 16 bytes]
// with the stride rounded so objects keep their class alignment (64-byte objects take 128 bytes).
// Allocation fills the left redzone and everything after the requested size with 0xfb; free checks
// them (RedzoneOverrun: reported, the free still happens) and fills the whole object with 0xdf.
// Reusing a freed object, or recycling/releasing its slab, checks the 0xdf and reports UseAfterFree
// once per damaged object. Large blocks get a 16-byte guard before the object and 0xfb up to the end
// of the last page, checked on free. usable_size() is the requested size in debug mode, so code that
// trusts it still hits the redzone; in release mode it is the class size (or the block's pages).
//
// Reports. Invalid frees are checked in both modes, cheapest first: not 16-byte aligned ->
// MisalignedFree; no segment of ours at the masked address, or not the start of an object ->
// InvalidPointer (DoubleFree if it is a recently freed large block); object marked free -> DoubleFree.
// The bad free is then ignored and the heap stays consistent. Every report passes the caller of the
// operation that noticed it (the allocate() that reused a damaged object, nullptr from trim()).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mm {

// Where the heap gets memory: whole pages, mapped and writable, aligned to `alignment` bytes (a power
// of two, >= 4096). The heap asks for slabs with alignment == size and for large blocks with
// alignment Heap::slab_bytes.
class HeapBackend {
public:
    virtual void* allocate_pages(size_t count, size_t alignment) = 0; // nullptr when out of memory
    virtual void free_pages(void* base, size_t count) = 0;

protected:
    ~HeapBackend() = default;
};

struct HeapStatistics {
    size_t bytes_allocated = 0;          // live, as requested
    size_t bytes_reserved = 0;           // pages held from the backend, in bytes (hash set included)
    size_t live_allocations = 0;         // allocated and not yet freed
    size_t total_allocations = 0;        // successful allocate() calls
    size_t total_frees = 0;              // successful free() calls (not counting nullptr or bad frees)
    size_t failed_allocations = 0;       // allocate() calls that returned nullptr
    size_t large_blocks = 0;             // live large blocks
    size_t backend_page_allocations = 0; // successful allocate_pages() calls
    size_t backend_page_frees = 0;       // free_pages() calls
};

// What the checks found; the kernel's hook panics with a backtrace, tests record it.
enum class HeapProblem : uint8_t {
    DoubleFree,
    InvalidPointer,
    RedzoneOverrun,
    UseAfterFree, // freed memory was written
    MisalignedFree,
};

// "double free", "invalid pointer", ... for panic messages.
const char* heap_problem_name(HeapProblem problem);

// Called in the middle of a heap operation: it may log, panic or record, but must not call back
// into the same heap.
using HeapProblemReporter = void (*)(HeapProblem problem, const void* pointer, const void* caller,
                                     void* context);

struct HeapOptions {
    bool debug_checks = false;
    HeapProblemReporter reporter = nullptr; // nullptr: problems are still handled, just not reported
    void* reporter_context = nullptr;
};

class Heap {
public:
    static constexpr size_t page_size = 4096;
    static constexpr size_t slab_bytes = 64 * 1024;
    static constexpr size_t slab_pages = slab_bytes / page_size;
    static constexpr size_t min_alignment = 16;
    static constexpr size_t max_alignment = 4096;
    static constexpr size_t size_class_count = 16;
    static constexpr size_t largest_small_size = 4096;
    static constexpr size_t cached_empty_slabs = 4;
    // The most slabs a heap with no live small objects holds before trim(): one per class + the cache.
    static constexpr size_t max_idle_slabs = size_class_count + cached_empty_slabs;
    static constexpr size_t redzone_bytes = 16;
    static constexpr uint8_t poison_byte = 0xdf;
    static constexpr uint8_t redzone_byte = 0xfb;

    Heap(HeapBackend& backend, HeapOptions options);
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;

    // nullptr on failure (never panics); size 0 returns a unique non-null pointer. `alignment` is a
    // power of two up to max_alignment (smaller than 16 means 16); anything else returns nullptr.
    // `caller` is the return address the kernel passes for reports.
    void* allocate(size_t size, size_t alignment = min_alignment, const void* caller = nullptr);
    // nullptr is a no-op; a bad pointer is reported and ignored, never corrupts the heap.
    void free(void* pointer, const void* caller = nullptr);
    // How many bytes at `pointer` may be used (see above); 0 for a pointer that is not live.
    size_t usable_size(const void* pointer) const;
    HeapStatistics statistics() const { return m_statistics; }
    // Gives every empty slab back to the backend; large blocks are always returned at once.
    void trim();

    // The size of class `index`, and the class a request maps to (size_class_count: a large block).
    static size_t class_size(size_t index);
    static size_t class_index(size_t size, size_t alignment);

private:
    enum class SegmentKind : uint8_t;
    enum class SlabState : uint8_t;
    struct Segment;
    struct Slab;
    struct LargeBlock;
    struct SizeClass {
        uint32_t size;       // object size
        uint32_t stride;     // distance between objects (size, or more with redzones)
        uint32_t first_slot; // offset of the first object's slot from the slab start
        uint32_t capacity;   // objects per slab
        uint64_t reciprocal; // ceil(2^40 / stride): index = offset * reciprocal >> 40
        Slab* partial;       // slabs with free objects, the one to allocate from first
    };
    struct Allocation {
        Segment* segment;
        uint32_t index; // object index in a slab
    };
    static constexpr size_t inline_bucket_count = 64;
    static constexpr size_t recent_large_free_count = 8;

    void* allocate_small(size_t class_index, size_t size, const void* caller);
    void* allocate_large(size_t size, size_t alignment);
    void free_small(Slab& slab, uint32_t index, const void* caller);
    void free_large(LargeBlock& block, const void* caller);
    bool find_allocation(const void* pointer, Allocation& allocation, HeapProblem& problem) const;

    Slab* acquire_slab(size_t class_index, const void* caller);
    void retire_slab(Slab& slab, const void* caller);
    void release_slab(Slab& slab, const void* caller);
    void unlink_partial(Slab& slab);
    void push_partial(Slab& slab);
    bool is_free_slot(const Slab& slab, const uint8_t* slot) const;
    void rebuild_free_list(Slab& slab);
    void check_free_slots(const Slab& slab, const void* caller);
    bool slot_is_poisoned(const Slab& slab, const uint8_t* slot) const;

    void* backend_allocate(size_t pages, size_t alignment);
    void backend_free(void* base, size_t pages);

    size_t bucket_of(uintptr_t base) const;
    Segment* find_segment(uintptr_t base) const;
    void register_segment(Segment& segment);
    void unregister_segment(Segment& segment);
    void rehash(Segment** buckets, size_t bucket_count);

    void report(HeapProblem problem, const void* pointer, const void* caller) const;

    HeapBackend& m_backend;
    HeapOptions m_options;
    uint32_t m_redzone; // redzone_bytes with debug checks, else 0
    SizeClass m_classes[size_class_count];
    Slab* m_cached_slabs = nullptr;
    size_t m_cached_slab_count = 0;

    Segment** m_buckets;
    size_t m_bucket_count = inline_bucket_count;
    unsigned m_bucket_shift;   // 64 - log2(m_bucket_count)
    size_t m_bucket_pages = 0; // 0 while the inline buckets are in use
    size_t m_segment_count = 0;
    Segment* m_inline_buckets[inline_bucket_count] = {};

    const void* m_recent_large_frees[recent_large_free_count] = {};
    size_t m_recent_large_next = 0;

    HeapStatistics m_statistics;
};

} // namespace mm
