// The kernel heap: slabs of size classes for small objects, backend pages for large ones. The layout,
// the checks and the caching policy are described in heap.h.
#include "mm/heap.h"

#include <array>
#include <bit>
#include <limits>
#include <new>

namespace mm {

namespace {

constexpr uint32_t slab_magic = 0x42414c53;  // "SLAB"
constexpr uint32_t large_magic = 0x4547524c; // "LRGE"
constexpr unsigned reciprocal_shift = 40;
constexpr size_t large_header_bytes = 64;
// No mapping on x86-64 gets near this, and it keeps page arithmetic far from overflowing.
constexpr size_t max_large_size = size_t(1) << 46;

constexpr uint16_t class_sizes[Heap::size_class_count] = {16,  32,  48,  64,   96,   128,  192,  256,
                                                          384, 512, 768, 1024, 1536, 2048, 3072, 4096};

constexpr size_t lowest_bit(size_t value) {
    return value & (~value + 1);
}
constexpr size_t align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

// Class index for each 16-byte granule of request size, so picking a class is one load.
constexpr auto class_lookup = [] {
    std::array<uint8_t, Heap::largest_small_size / 16 + 1> table{};
    size_t index = 0;
    for (size_t granule = 0; granule < table.size(); ++granule) {
        while (class_sizes[index] < granule * 16)
            ++index;
        table[granule] = static_cast<uint8_t>(index);
    }
    return table;
}();

// The compiler turns these into memset calls (the kernel runtime provides memset); the byte loops
// they replace are too slow in debug builds of the tests.
void fill_bytes(void* destination, uint8_t value, size_t count) {
    __builtin_memset(destination, value, count);
}

// Whether [bytes, bytes + count) all equal `value`; compares a word at a time.
bool all_bytes_are(const uint8_t* bytes, size_t count, uint8_t value) {
    while (count > 0 && (reinterpret_cast<uintptr_t>(bytes) & 7) != 0) {
        if (*bytes++ != value)
            return false;
        --count;
    }
    const uint64_t pattern = 0x0101010101010101ull * value;
    for (; count >= 8; count -= 8, bytes += 8) {
        uint64_t word;
        __builtin_memcpy(&word, bytes, 8);
        if (word != pattern)
            return false;
    }
    for (; count > 0; --count)
        if (*bytes++ != value)
            return false;
    return true;
}

// Free-list links are stored in raw object memory; memcpy keeps the accesses free of aliasing traps.
uint8_t* load_link(const uint8_t* slot) {
    uint8_t* link;
    __builtin_memcpy(&link, slot, sizeof link);
    return link;
}
void store_link(uint8_t* slot, uint8_t* link) {
    __builtin_memcpy(slot, &link, sizeof link);
}

} // namespace

enum class Heap::SegmentKind : uint8_t { Slab = 1, Large = 2 };
// Partial: in its class's list (possibly empty); Full: in no list; Cached: in the shared cache.
enum class Heap::SlabState : uint8_t { Partial, Full, Cached };

struct Heap::Segment {
    uint32_t magic;
    SegmentKind kind;
    Segment* hash_next = nullptr;

    uint8_t* base() { return reinterpret_cast<uint8_t*>(this); }
    const uint8_t* base() const { return reinterpret_cast<const uint8_t*>(this); }
};

struct Heap::Slab : Segment {
    Slab* previous = nullptr;
    Slab* next = nullptr;
    uint8_t* free_list = nullptr; // slot addresses (object minus redzone)
    uint32_t used = 0;            // live objects
    uint32_t bump = 0;            // objects [bump, capacity) were never handed out
    uint8_t class_index = 0;
    SlabState state = SlabState::Partial;

    // One entry per object, requested size + 1, or 0 when free; only [0, bump) is meaningful.
    uint16_t* sizes() { return reinterpret_cast<uint16_t*>(base() + sizeof(Slab)); }
    const uint16_t* sizes() const { return reinterpret_cast<const uint16_t*>(base() + sizeof(Slab)); }
};

struct Heap::LargeBlock : Segment {
    size_t pages;
    size_t size; // as requested
    size_t user_offset;

    uint8_t* user() { return base() + user_offset; }
};

const char* heap_problem_name(HeapProblem problem) {
    switch (problem) {
    case HeapProblem::DoubleFree:
        return "double free";
    case HeapProblem::InvalidPointer:
        return "invalid pointer";
    case HeapProblem::RedzoneOverrun:
        return "redzone overrun";
    case HeapProblem::UseAfterFree:
        return "use after free";
    case HeapProblem::MisalignedFree:
        return "misaligned free";
    }
    return "unknown heap problem";
}

size_t Heap::class_size(size_t index) {
    return index < size_class_count ? class_sizes[index] : 0;
}

size_t Heap::class_index(size_t size, size_t alignment) {
    if (size > largest_small_size)
        return size_class_count;
    size_t index = class_lookup[(size + 15) / 16];
    // Terminates: the last class (4096) is aligned to max_alignment.
    while (index < size_class_count && lowest_bit(class_sizes[index]) < alignment)
        ++index;
    return index;
}

Heap::Heap(HeapBackend& backend, HeapOptions options)
    : m_backend(backend), m_options(options), m_redzone(options.debug_checks ? redzone_bytes : 0),
      m_buckets(m_inline_buckets), m_bucket_shift(64 - std::countr_zero(inline_bucket_count)) {
    for (size_t index = 0; index < size_class_count; ++index) {
        SizeClass& size_class = m_classes[index];
        const size_t size = class_sizes[index];
        const size_t alignment = lowest_bit(size) < min_alignment ? min_alignment : lowest_bit(size);
        // With redzones, objects (slot + redzone) must stay on the class alignment: the stride is a
        // multiple of it and the first slot sits one redzone before an aligned offset.
        const size_t stride = m_redzone ? align_up(size + 2 * m_redzone, alignment) : size;
        size_t capacity = (slab_bytes - sizeof(Slab)) / (stride + sizeof(uint16_t));
        size_t first_slot;
        for (;; --capacity) {
            const size_t header = sizeof(Slab) + capacity * sizeof(uint16_t);
            first_slot = align_up(header + m_redzone, alignment) - m_redzone;
            if (first_slot + capacity * stride <= slab_bytes)
                break;
        }
        size_class.size = static_cast<uint32_t>(size);
        size_class.stride = static_cast<uint32_t>(stride);
        size_class.first_slot = static_cast<uint32_t>(first_slot);
        size_class.capacity = static_cast<uint32_t>(capacity);
        size_class.reciprocal = ((uint64_t(1) << reciprocal_shift) + stride - 1) / stride;
        size_class.partial = nullptr;
    }
}

void Heap::report(HeapProblem problem, const void* pointer, const void* caller) const {
    if (m_options.reporter)
        m_options.reporter(problem, pointer, caller, m_options.reporter_context);
}

// ---- allocation ----

void* Heap::allocate(size_t size, size_t alignment, const void* caller) {
    void* result = nullptr;
    // Not std::has_single_bit: without -mpopcnt that is a libgcc call.
    if (alignment != 0 && (alignment & (alignment - 1)) == 0 && alignment <= max_alignment) {
        if (alignment < min_alignment)
            alignment = min_alignment;
        const size_t index = class_index(size, alignment);
        result =
            index < size_class_count ? allocate_small(index, size, caller) : allocate_large(size, alignment);
    }
    if (!result) {
        ++m_statistics.failed_allocations;
        return nullptr;
    }
    ++m_statistics.total_allocations;
    ++m_statistics.live_allocations;
    m_statistics.bytes_allocated += size;
    return result;
}

void* Heap::allocate_small(size_t class_index, size_t size, const void* caller) {
    SizeClass& size_class = m_classes[class_index];
    Slab* slab = size_class.partial;
    if (!slab) {
        slab = acquire_slab(class_index, caller);
        if (!slab)
            return nullptr;
    }
    uint16_t* sizes = slab->sizes();
    // A partial slab always has room; if a corrupted link dropped free objects, find them again.
    if (!slab->free_list && slab->bump == size_class.capacity) {
        report(HeapProblem::UseAfterFree, slab, caller);
        rebuild_free_list(*slab);
    }

    uint8_t* slot;
    if (slab->free_list) {
        slot = slab->free_list;
        const size_t offset = static_cast<size_t>(slot - slab->base()) - size_class.first_slot;
        const size_t index = (offset * size_class.reciprocal) >> reciprocal_shift;
        sizes[index] = static_cast<uint16_t>(size + 1);
        // Marked allocated first, so a link pointing back at this slot fails the check.
        uint8_t* next = load_link(slot);
        if (next && !is_free_slot(*slab, next)) {
            report(HeapProblem::UseAfterFree, slot + m_redzone, caller);
            rebuild_free_list(*slab);
        } else {
            slab->free_list = next;
        }
        if (m_redzone && !slot_is_poisoned(*slab, slot))
            report(HeapProblem::UseAfterFree, slot + m_redzone, caller);
    } else {
        const uint32_t index = slab->bump++;
        slot = slab->base() + size_class.first_slot + size_t(index) * size_class.stride;
        sizes[index] = static_cast<uint16_t>(size + 1);
    }
    if (++slab->used == size_class.capacity) {
        unlink_partial(*slab);
        slab->state = SlabState::Full;
    }

    uint8_t* object = slot + m_redzone;
    if (m_redzone) {
        fill_bytes(slot, redzone_byte, m_redzone);
        fill_bytes(object + size, redzone_byte, size_class.stride - m_redzone - size);
    }
    return object;
}

void* Heap::allocate_large(size_t size, size_t alignment) {
    static_assert(sizeof(LargeBlock) <= large_header_bytes);
    if (size > max_large_size)
        return nullptr;
    const size_t user_offset = align_up(large_header_bytes + m_redzone, alignment);
    const size_t pages = (user_offset + size + page_size - 1) / page_size;
    void* base = backend_allocate(pages, slab_bytes);
    if (!base)
        return nullptr;
    auto* block = new (base) LargeBlock;
    block->magic = large_magic;
    block->kind = SegmentKind::Large;
    block->pages = pages;
    block->size = size;
    block->user_offset = user_offset;
    register_segment(*block);
    ++m_statistics.large_blocks;

    uint8_t* object = block->user();
    if (m_redzone) {
        fill_bytes(object - m_redzone, redzone_byte, m_redzone);
        fill_bytes(object + size, redzone_byte, pages * page_size - user_offset - size);
    }
    return object;
}

// ---- free ----

void Heap::free(void* pointer, const void* caller) {
    if (!pointer)
        return;
    Allocation allocation;
    HeapProblem problem;
    if (!find_allocation(pointer, allocation, problem)) {
        report(problem, pointer, caller);
        return;
    }
    if (allocation.segment->kind == SegmentKind::Slab)
        free_small(*static_cast<Slab*>(allocation.segment), allocation.index, caller);
    else
        free_large(*static_cast<LargeBlock*>(allocation.segment), caller);
}

// Validates `pointer` without touching memory that might not be ours: only the hash set is read
// until a segment of this heap is found at the masked address.
bool Heap::find_allocation(const void* pointer, Allocation& allocation, HeapProblem& problem) const {
    const auto address = reinterpret_cast<uintptr_t>(pointer);
    if (address % min_alignment != 0) {
        problem = HeapProblem::MisalignedFree;
        return false;
    }
    Segment* segment = find_segment(address & ~(uintptr_t(slab_bytes) - 1));
    if (!segment) {
        problem = HeapProblem::InvalidPointer;
        for (const void* freed : m_recent_large_frees)
            if (freed == pointer)
                problem = HeapProblem::DoubleFree;
        return false;
    }
    allocation.segment = segment;
    problem = HeapProblem::InvalidPointer;
    if (segment->kind == SegmentKind::Large && segment->magic == large_magic) {
        auto* block = static_cast<LargeBlock*>(segment);
        if (block->user() != pointer)
            return false;
        allocation.index = 0;
        return true;
    }
    if (segment->kind != SegmentKind::Slab || segment->magic != slab_magic ||
        static_cast<const Slab*>(segment)->class_index >= size_class_count) {
        // Our segment with a damaged header: something wrote over the heap's own data.
        problem = HeapProblem::RedzoneOverrun;
        return false;
    }
    const auto* slab = static_cast<const Slab*>(segment);
    const SizeClass& size_class = m_classes[slab->class_index];
    // Unsigned: pointers below the first object wrap around and fail the capacity check.
    const size_t offset = address - reinterpret_cast<uintptr_t>(slab) - size_class.first_slot - m_redzone;
    if (offset >= size_t(size_class.capacity) * size_class.stride)
        return false;
    const size_t index = (offset * size_class.reciprocal) >> reciprocal_shift;
    if (index * size_class.stride != offset || index >= slab->bump)
        return false;
    if (slab->sizes()[index] == 0) {
        problem = HeapProblem::DoubleFree;
        return false;
    }
    allocation.index = static_cast<uint32_t>(index);
    return true;
}

void Heap::free_small(Slab& slab, uint32_t index, const void* caller) {
    SizeClass& size_class = m_classes[slab.class_index];
    uint16_t* sizes = slab.sizes();
    const size_t size = sizes[index] - 1u;
    uint8_t* slot = slab.base() + size_class.first_slot + size_t(index) * size_class.stride;
    uint8_t* object = slot + m_redzone;
    if (m_redzone) {
        // An overrun is reported but the object is still freed: the heap's own data is intact.
        if (!all_bytes_are(slot, m_redzone, redzone_byte) ||
            !all_bytes_are(object + size, size_class.stride - m_redzone - size, redzone_byte))
            report(HeapProblem::RedzoneOverrun, object, caller);
        // Repaired, so the damage is reported once and not again as a write to freed memory.
        fill_bytes(slot, redzone_byte, m_redzone);
        fill_bytes(object, poison_byte, size_class.size);
    }
    sizes[index] = 0;
    store_link(slot, slab.free_list);
    slab.free_list = slot;
    if (slab.state == SlabState::Full)
        push_partial(slab);

    ++m_statistics.total_frees;
    --m_statistics.live_allocations;
    m_statistics.bytes_allocated -= size;

    // An empty slab stays only as its class's last partial slab; others are recycled.
    if (--slab.used == 0 && (size_class.partial != &slab || slab.next)) {
        unlink_partial(slab);
        retire_slab(slab, caller);
    }
}

void Heap::free_large(LargeBlock& block, const void* caller) {
    uint8_t* object = block.user();
    if (m_redzone && (!all_bytes_are(object - m_redzone, m_redzone, redzone_byte) ||
                      !all_bytes_are(object + block.size,
                                     block.pages * page_size - block.user_offset - block.size, redzone_byte)))
        report(HeapProblem::RedzoneOverrun, object, caller);

    ++m_statistics.total_frees;
    --m_statistics.live_allocations;
    --m_statistics.large_blocks;
    m_statistics.bytes_allocated -= block.size;
    m_recent_large_frees[m_recent_large_next] = object;
    m_recent_large_next = (m_recent_large_next + 1) % recent_large_free_count;

    const size_t pages = block.pages;
    unregister_segment(block);
    block.~LargeBlock();
    backend_free(&block, pages);
}

size_t Heap::usable_size(const void* pointer) const {
    Allocation allocation;
    HeapProblem problem;
    if (!pointer || !find_allocation(pointer, allocation, problem))
        return 0;
    if (allocation.segment->kind == SegmentKind::Large) {
        const auto* block = static_cast<const LargeBlock*>(allocation.segment);
        return m_redzone ? block->size : block->pages * page_size - block->user_offset;
    }
    const auto* slab = static_cast<const Slab*>(allocation.segment);
    return m_redzone ? slab->sizes()[allocation.index] - 1u : m_classes[slab->class_index].size;
}

// ---- slabs ----

Heap::Slab* Heap::acquire_slab(size_t class_index, const void* caller) {
    Slab* slab = m_cached_slabs;
    if (slab) {
        // Its free objects lose their identity now, so this is the last chance to see them written.
        check_free_slots(*slab, caller);
        m_cached_slabs = slab->next;
        --m_cached_slab_count;
    } else {
        void* base = backend_allocate(slab_pages, slab_bytes);
        if (!base)
            return nullptr;
        slab = new (base) Slab;
        slab->magic = slab_magic;
        slab->kind = SegmentKind::Slab;
        register_segment(*slab);
    }
    slab->free_list = nullptr;
    slab->used = 0;
    slab->bump = 0;
    slab->class_index = static_cast<uint8_t>(class_index);
    push_partial(*slab);
    return slab;
}

void Heap::retire_slab(Slab& slab, const void* caller) {
    if (m_cached_slab_count == cached_empty_slabs) {
        release_slab(slab, caller);
        return;
    }
    slab.state = SlabState::Cached;
    slab.previous = nullptr;
    slab.next = m_cached_slabs;
    m_cached_slabs = &slab;
    ++m_cached_slab_count;
}

void Heap::release_slab(Slab& slab, const void* caller) {
    check_free_slots(slab, caller);
    unregister_segment(slab);
    slab.~Slab();
    backend_free(&slab, slab_pages);
}

void Heap::push_partial(Slab& slab) {
    SizeClass& size_class = m_classes[slab.class_index];
    slab.state = SlabState::Partial;
    slab.previous = nullptr;
    slab.next = size_class.partial;
    if (slab.next)
        slab.next->previous = &slab;
    size_class.partial = &slab;
}

void Heap::unlink_partial(Slab& slab) {
    if (slab.previous)
        slab.previous->next = slab.next;
    else
        m_classes[slab.class_index].partial = slab.next;
    if (slab.next)
        slab.next->previous = slab.previous;
    slab.previous = slab.next = nullptr;
}

// Whether `slot` may be on the free list: inside the slab, on an object boundary, marked free.
bool Heap::is_free_slot(const Slab& slab, const uint8_t* slot) const {
    const SizeClass& size_class = m_classes[slab.class_index];
    const size_t offset =
        reinterpret_cast<uintptr_t>(slot) - reinterpret_cast<uintptr_t>(slab.base()) - size_class.first_slot;
    if (offset >= size_t(size_class.capacity) * size_class.stride)
        return false;
    const size_t index = (offset * size_class.reciprocal) >> reciprocal_shift;
    return index * size_class.stride == offset && index < slab.bump && slab.sizes()[index] == 0;
}

// After a damaged link: the size array is the truth, so relink every free object from it.
void Heap::rebuild_free_list(Slab& slab) {
    const SizeClass& size_class = m_classes[slab.class_index];
    slab.free_list = nullptr;
    for (uint32_t index = slab.bump; index-- > 0;) {
        if (slab.sizes()[index] != 0)
            continue;
        uint8_t* slot = slab.base() + size_class.first_slot + size_t(index) * size_class.stride;
        store_link(slot, slab.free_list);
        slab.free_list = slot;
    }
}

// A free slot keeps its link in the first 8 bytes; the rest of the left redzone and the whole object
// must still hold what free() wrote.
bool Heap::slot_is_poisoned(const Slab& slab, const uint8_t* slot) const {
    const SizeClass& size_class = m_classes[slab.class_index];
    return all_bytes_are(slot + sizeof(void*), m_redzone - sizeof(void*), redzone_byte) &&
           all_bytes_are(slot + m_redzone, size_class.size, poison_byte);
}

// Debug mode: reports every free object of `slab` that was written after being freed.
void Heap::check_free_slots(const Slab& slab, const void* caller) {
    if (!m_redzone)
        return;
    const SizeClass& size_class = m_classes[slab.class_index];
    for (uint32_t index = 0; index < slab.bump; ++index) {
        const uint8_t* slot = slab.base() + size_class.first_slot + size_t(index) * size_class.stride;
        if (slab.sizes()[index] == 0 && !slot_is_poisoned(slab, slot))
            report(HeapProblem::UseAfterFree, slot + m_redzone, caller);
    }
}

void Heap::trim() {
    for (SizeClass& size_class : m_classes) {
        for (Slab* slab = size_class.partial; slab;) {
            Slab* next = slab->next;
            if (slab->used == 0) {
                unlink_partial(*slab);
                release_slab(*slab, nullptr);
            }
            slab = next;
        }
    }
    while (m_cached_slabs) {
        Slab* slab = m_cached_slabs;
        m_cached_slabs = slab->next;
        release_slab(*slab, nullptr);
    }
    m_cached_slab_count = 0;
    // Back to the inline buckets once they are enough again.
    if (m_bucket_pages && m_segment_count <= inline_bucket_count / 2) {
        Segment** old_buckets = m_buckets;
        const size_t old_pages = m_bucket_pages;
        for (Segment*& bucket : m_inline_buckets)
            bucket = nullptr;
        rehash(m_inline_buckets, inline_bucket_count);
        m_bucket_pages = 0;
        backend_free(old_buckets, old_pages);
    }
}

// ---- backend ----

void* Heap::backend_allocate(size_t pages, size_t alignment) {
    void* base = m_backend.allocate_pages(pages, alignment);
    // Masking relies on the alignment; a backend that ignores it gets its pages back.
    if (base && reinterpret_cast<uintptr_t>(base) % alignment != 0) {
        m_backend.free_pages(base, pages);
        return nullptr;
    }
    if (base) {
        ++m_statistics.backend_page_allocations;
        m_statistics.bytes_reserved += pages * page_size;
    }
    return base;
}

void Heap::backend_free(void* base, size_t pages) {
    ++m_statistics.backend_page_frees;
    m_statistics.bytes_reserved -= pages * page_size;
    m_backend.free_pages(base, pages);
}

// ---- the set of segments ----

size_t Heap::bucket_of(uintptr_t base) const {
    // Fibonacci hashing of the 64 KiB frame number.
    return static_cast<size_t>(((base / slab_bytes) * 0x9e3779b97f4a7c15ull) >> m_bucket_shift);
}

Heap::Segment* Heap::find_segment(uintptr_t base) const {
    for (Segment* segment = m_buckets[bucket_of(base)]; segment; segment = segment->hash_next)
        if (reinterpret_cast<uintptr_t>(segment) == base)
            return segment;
    return nullptr;
}

void Heap::register_segment(Segment& segment) {
    Segment*& bucket = m_buckets[bucket_of(reinterpret_cast<uintptr_t>(&segment))];
    segment.hash_next = bucket;
    bucket = &segment;
    ++m_segment_count;
    if (m_segment_count <= m_bucket_count)
        return;
    // Grow to keep chains short; if the backend says no, longer chains are still correct.
    const size_t new_count =
        m_bucket_count * 2 < page_size / sizeof(Segment*) ? page_size / sizeof(Segment*) : m_bucket_count * 2;
    const size_t new_pages = new_count * sizeof(Segment*) / page_size;
    auto** new_buckets = static_cast<Segment**>(backend_allocate(new_pages, page_size));
    if (!new_buckets)
        return;
    for (size_t i = 0; i < new_count; ++i)
        new_buckets[i] = nullptr;
    Segment** old_buckets = m_buckets;
    const size_t old_pages = m_bucket_pages;
    rehash(new_buckets, new_count);
    m_bucket_pages = new_pages;
    if (old_pages)
        backend_free(old_buckets, old_pages);
}

void Heap::unregister_segment(Segment& segment) {
    for (Segment** link = &m_buckets[bucket_of(reinterpret_cast<uintptr_t>(&segment))]; *link;
         link = &(*link)->hash_next) {
        if (*link == &segment) {
            *link = segment.hash_next;
            --m_segment_count;
            return;
        }
    }
}

// Moves every segment into `buckets` (all null) and makes them the current ones.
void Heap::rehash(Segment** buckets, size_t bucket_count) {
    Segment** old_buckets = m_buckets;
    const size_t old_count = m_bucket_count;
    m_buckets = buckets;
    m_bucket_count = bucket_count;
    m_bucket_shift = 64 - std::countr_zero(bucket_count);
    for (size_t i = 0; i < old_count; ++i) {
        for (Segment* segment = old_buckets[i]; segment;) {
            Segment* next = segment->hash_next;
            Segment*& bucket = m_buckets[bucket_of(reinterpret_cast<uintptr_t>(segment))];
            segment->hash_next = bucket;
            bucket = segment;
            segment = next;
        }
    }
}

} // namespace mm
