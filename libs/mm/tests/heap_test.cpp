// Heap: deterministic cases. Every size 0..5000 under several alignments, slab and large-block
// lifetimes against a backend that counts the pages it holds, failure injection, exact statistics,
// and each debug check reported exactly once with the right problem, pointer and caller.
#include "mm/heap.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

namespace {

using mm::Heap;
using mm::HeapProblem;

constexpr size_t page_size = Heap::page_size;

// posix_memalign rather than aligned_alloc: the same glibc code, but C11 aligned_alloc wants sizes that
// are multiples of the alignment (ASan enforces it) and a large block's pages are not.
void* allocate_aligned(size_t alignment, size_t bytes) {
    void* base = nullptr;
    return posix_memalign(&base, alignment, bytes) == 0 ? base : nullptr;
}

// Heap-allocated pages; checks every call the heap makes and can be told to fail after N pages.
class TestBackend final : public mm::HeapBackend {
public:
    ~TestBackend() {
        for (auto& [base, pages] : m_blocks)
            std::free(base);
    }

    void* allocate_pages(size_t count, size_t alignment) override {
        EXPECT_GT(count, 0u);
        EXPECT_TRUE(std::has_single_bit(alignment) && alignment >= page_size) << alignment;
        if (m_budget < count) {
            ++m_refusals;
            return nullptr;
        }
        m_budget -= count;
        void* base = allocate_aligned(alignment, count * page_size);
        // Garbage, so the heap cannot rely on zeroed pages.
        std::memset(base, 0xa5, count * page_size);
        m_blocks[base] = count;
        m_pages_held += count;
        return base;
    }
    void free_pages(void* base, size_t count) override {
        auto block = m_blocks.find(base);
        ASSERT_NE(block, m_blocks.end()) << "free_pages of pages never handed out: " << base;
        ASSERT_EQ(block->second, count) << "free_pages with the wrong count";
        std::memset(base, 0x5a, count * page_size);
        std::free(base);
        m_blocks.erase(block);
        m_pages_held -= count;
    }

    size_t pages_held() const { return m_pages_held; }
    size_t refusals() const { return m_refusals; }
    void fail_after(size_t pages) { m_budget = pages; }
    void stop_failing() { m_budget = SIZE_MAX; }

private:
    std::map<void*, size_t> m_blocks;
    size_t m_pages_held = 0;
    size_t m_budget = SIZE_MAX;
    size_t m_refusals = 0;
};

struct Report {
    HeapProblem problem;
    const void* pointer;
    const void* caller;
};

struct Recorder {
    std::vector<Report> reports;
    static void hook(HeapProblem problem, const void* pointer, const void* caller, void* context) {
        static_cast<Recorder*>(context)->reports.push_back({problem, pointer, caller});
    }
};

const void* const test_caller = reinterpret_cast<const void*>(0xc0ffee10);

bool is_aligned(const void* pointer, size_t alignment) {
    return reinterpret_cast<uintptr_t>(pointer) % alignment == 0;
}

// A heap in either mode with a recording reporter.
class HeapTest : public ::testing::TestWithParam<bool> {
protected:
    HeapTest() : m_heap(m_backend, {GetParam(), &Recorder::hook, &m_recorder}) {}

    bool debug() const { return GetParam(); }
    void expect_one_report(HeapProblem problem, const void* pointer, const void* caller = test_caller) {
        ASSERT_EQ(m_recorder.reports.size(), 1u);
        EXPECT_EQ(m_recorder.reports[0].problem, problem);
        EXPECT_EQ(m_recorder.reports[0].pointer, pointer);
        EXPECT_EQ(m_recorder.reports[0].caller, caller);
        m_recorder.reports.clear();
    }
    // Nothing live, nothing held after trim(), and the reserved bytes always match the backend.
    void expect_empty_after_trim() {
        const auto before = m_heap.statistics();
        EXPECT_EQ(before.live_allocations, 0u);
        EXPECT_EQ(before.bytes_allocated, 0u);
        EXPECT_EQ(before.large_blocks, 0u);
        // Idle slabs, plus the segment set's pages (8 for up to 4096 segments).
        EXPECT_LE(m_backend.pages_held(), Heap::max_idle_slabs * Heap::slab_pages + 8);
        m_heap.trim();
        EXPECT_EQ(m_backend.pages_held(), 0u);
        EXPECT_EQ(m_heap.statistics().bytes_reserved, 0u);
        EXPECT_TRUE(m_recorder.reports.empty());
    }
    void expect_reserved_matches_backend() {
        EXPECT_EQ(m_heap.statistics().bytes_reserved, m_backend.pages_held() * page_size);
    }

    TestBackend m_backend;
    Recorder m_recorder;
    Heap m_heap;
};

INSTANTIATE_TEST_SUITE_P(HeapModes, HeapTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Debug" : "Release"; });

struct Block {
    uint8_t* pointer;
    size_t size;
    uint8_t fill;
};

// Whether the block still holds its fill byte everywhere (memcmp: byte loops are slow in Debug).
bool holds(const Block& block) {
    static std::vector<uint8_t> expected;
    expected.assign(block.size, block.fill);
    return std::memcmp(block.pointer, expected.data(), block.size) == 0;
}

TEST_P(HeapTest, EverySizeAndAlignment) {
    for (size_t alignment : {size_t(1), size_t(16), size_t(32), size_t(64), size_t(512), size_t(4096)}) {
        std::vector<Block> blocks;
        std::map<uintptr_t, uintptr_t> intervals; // start -> end
        for (size_t size = 0; size <= 5000; ++size) {
            auto* pointer = static_cast<uint8_t*>(m_heap.allocate(size, alignment, test_caller));
            ASSERT_NE(pointer, nullptr) << size << " " << alignment;
            ASSERT_TRUE(is_aligned(pointer, alignment < 16 ? 16 : alignment)) << size << " " << alignment;
            const size_t usable = m_heap.usable_size(pointer);
            ASSERT_GE(usable, size);
            if (debug()) {
                EXPECT_EQ(usable, size);
            }
            const auto start = reinterpret_cast<uintptr_t>(pointer);
            const uintptr_t end = start + (usable == 0 ? 1 : usable);
            auto next = intervals.lower_bound(start);
            ASSERT_TRUE(next == intervals.end() || next->first >= end) << "overlaps the next block";
            ASSERT_TRUE(next == intervals.begin() || std::prev(next)->second <= start) << "overlaps";
            intervals[start] = end;
            const auto fill = static_cast<uint8_t>(size * 7 + alignment);
            std::memset(pointer, fill, usable);
            blocks.push_back({pointer, usable, fill});
        }
        const auto statistics = m_heap.statistics();
        EXPECT_EQ(statistics.live_allocations, 5001u);
        EXPECT_EQ(statistics.bytes_allocated, 5000u * 5001u / 2);
        expect_reserved_matches_backend();
        // Free every other block, check the rest survived, allocate again into the holes.
        for (size_t i = 0; i < blocks.size(); i += 2)
            m_heap.free(blocks[i].pointer, test_caller);
        for (size_t i = 1; i < blocks.size(); i += 2)
            ASSERT_TRUE(holds(blocks[i])) << i;
        for (size_t i = 0; i < blocks.size(); i += 2) {
            blocks[i].pointer = static_cast<uint8_t*>(m_heap.allocate(i, alignment));
            ASSERT_NE(blocks[i].pointer, nullptr);
            ASSERT_TRUE(is_aligned(blocks[i].pointer, alignment < 16 ? 16 : alignment));
            std::memset(blocks[i].pointer, blocks[i].fill, i);
            blocks[i].size = i;
        }
        for (auto& block : blocks) {
            ASSERT_TRUE(holds(block));
            m_heap.free(block.pointer, test_caller);
        }
        expect_empty_after_trim();
    }
}

TEST_P(HeapTest, ZeroSizeGivesUniquePointers) {
    std::vector<void*> pointers;
    for (int i = 0; i < 100; ++i) {
        void* pointer = m_heap.allocate(0);
        ASSERT_NE(pointer, nullptr);
        for (void* other : pointers)
            ASSERT_NE(pointer, other);
        pointers.push_back(pointer);
    }
    EXPECT_EQ(m_heap.statistics().bytes_allocated, 0u);
    EXPECT_EQ(m_heap.statistics().live_allocations, 100u);
    for (void* pointer : pointers)
        m_heap.free(pointer);
    expect_empty_after_trim();
}

TEST_P(HeapTest, SizeClassesAndNaturalAlignment) {
    EXPECT_EQ(Heap::class_index(0, 16), 0u);
    EXPECT_EQ(Heap::class_index(16, 16), 0u);
    EXPECT_EQ(Heap::class_index(17, 16), 1u);
    EXPECT_EQ(Heap::class_size(Heap::class_index(40, 16)), 48u);
    EXPECT_EQ(Heap::class_size(Heap::class_index(40, 32)), 64u); // 48 is only 16-aligned
    EXPECT_EQ(Heap::class_size(Heap::class_index(8, 4096)), 4096u);
    EXPECT_EQ(Heap::class_size(Heap::class_index(4096, 16)), 4096u);
    EXPECT_EQ(Heap::class_index(4097, 16), Heap::size_class_count);
    // Release mode has no per-object header: consecutive 16-byte objects are adjacent.
    void* first = m_heap.allocate(16);
    void* second = m_heap.allocate(16);
    const auto distance = static_cast<uint8_t*>(second) - static_cast<uint8_t*>(first);
    EXPECT_EQ(distance, debug() ? 48 : 16);
    m_heap.free(first);
    m_heap.free(second);
    expect_empty_after_trim();
}

TEST_P(HeapTest, StatisticsAreExact) {
    void* small = m_heap.allocate(100);
    void* zero = m_heap.allocate(0);
    void* large = m_heap.allocate(10000, 64);
    void* aligned = m_heap.allocate(24, 4096);
    auto statistics = m_heap.statistics();
    EXPECT_EQ(statistics.bytes_allocated, 100u + 0 + 10000 + 24);
    EXPECT_EQ(statistics.live_allocations, 4u);
    EXPECT_EQ(statistics.total_allocations, 4u);
    EXPECT_EQ(statistics.total_frees, 0u);
    EXPECT_EQ(statistics.failed_allocations, 0u);
    EXPECT_EQ(statistics.large_blocks, 1u);
    // Three slabs (128, 16 and 4096 classes) and one large block of three pages.
    EXPECT_EQ(statistics.backend_page_allocations, 4u);
    EXPECT_EQ(statistics.bytes_reserved, (3 * Heap::slab_pages + 3) * page_size);
    expect_reserved_matches_backend();
    EXPECT_EQ(m_heap.usable_size(small), debug() ? 100u : 128u);
    EXPECT_EQ(m_heap.usable_size(large), debug() ? 10000u : 3 * page_size - 64);
    EXPECT_EQ(m_heap.usable_size(aligned), debug() ? 24u : 4096u);

    m_heap.free(large);
    m_heap.free(small);
    EXPECT_EQ(m_heap.allocate(size_t(1) << 62), nullptr);
    statistics = m_heap.statistics();
    EXPECT_EQ(statistics.bytes_allocated, 24u);
    EXPECT_EQ(statistics.live_allocations, 2u);
    EXPECT_EQ(statistics.total_allocations, 4u);
    EXPECT_EQ(statistics.total_frees, 2u);
    EXPECT_EQ(statistics.failed_allocations, 1u);
    EXPECT_EQ(statistics.large_blocks, 0u);
    EXPECT_EQ(statistics.backend_page_frees, 1u); // the large block; the empty slab stays with its class
    expect_reserved_matches_backend();
    m_heap.free(zero);
    m_heap.free(aligned);
    expect_empty_after_trim();
    statistics = m_heap.statistics();
    EXPECT_EQ(statistics.backend_page_allocations, statistics.backend_page_frees);
}

TEST_P(HeapTest, EmptySlabsBeyondTheCacheGoBackOnFree) {
    // Forty slabs of 64-byte objects.
    std::vector<void*> pointers;
    while (m_backend.pages_held() < 40 * Heap::slab_pages) {
        pointers.push_back(m_heap.allocate(64));
        ASSERT_NE(pointers.back(), nullptr);
    }
    const size_t peak = m_backend.pages_held();
    for (void* pointer : pointers)
        m_heap.free(pointer);
    // Growth and shrink: one slab stays with the class, a few in the shared cache, the rest went back.
    EXPECT_LE(m_backend.pages_held(), (1 + Heap::cached_empty_slabs) * Heap::slab_pages);
    EXPECT_LT(m_backend.pages_held(), peak);
    expect_reserved_matches_backend();
    // The cached slabs serve another class without asking the backend.
    const size_t allocations = m_heap.statistics().backend_page_allocations;
    std::vector<void*> others;
    for (int i = 0; i < 100; ++i)
        others.push_back(m_heap.allocate(1000));
    EXPECT_EQ(m_heap.statistics().backend_page_allocations, allocations);
    for (void* pointer : others)
        m_heap.free(pointer);
    expect_empty_after_trim();
}

TEST_P(HeapTest, OneObjectInALoopKeepsItsSlab) {
    for (int i = 0; i < 1000; ++i)
        m_heap.free(m_heap.allocate(200));
    EXPECT_EQ(m_heap.statistics().backend_page_allocations, 1u);
    EXPECT_EQ(m_backend.pages_held(), Heap::slab_pages);
    expect_empty_after_trim();
}

TEST_P(HeapTest, LargeBlocksGoBackAtOnce) {
    void* block = m_heap.allocate(100 * 1024);
    ASSERT_NE(block, nullptr);
    EXPECT_TRUE(is_aligned(block, 16));
    EXPECT_EQ(m_backend.pages_held(), 26u); // 64-byte header + 100 KiB
    EXPECT_EQ(m_heap.statistics().large_blocks, 1u);
    std::memset(block, 1, 100 * 1024);
    m_heap.free(block);
    EXPECT_EQ(m_backend.pages_held(), 0u);
    EXPECT_EQ(m_heap.statistics().large_blocks, 0u);

    void* page_aligned = m_heap.allocate(5000, 4096);
    EXPECT_TRUE(is_aligned(page_aligned, 4096));
    EXPECT_EQ(m_backend.pages_held(), 3u); // the header page, then the object
    m_heap.free(page_aligned);
    EXPECT_EQ(m_backend.pages_held(), 0u);
    EXPECT_TRUE(m_recorder.reports.empty());
}

TEST_P(HeapTest, SegmentSetGrowsAndShrinks) {
    // Far more segments than the inline buckets: the set grows with backend pages, and trim() gives
    // them back once the segments are gone.
    std::vector<void*> blocks;
    for (int i = 0; i < 600; ++i) {
        blocks.push_back(m_heap.allocate(5000 + i));
        ASSERT_NE(blocks.back(), nullptr);
    }
    EXPECT_GT(m_backend.pages_held(), 600u * 2); // two pages each, plus the bucket pages
    expect_reserved_matches_backend();
    for (void* block : blocks)
        EXPECT_GE(m_heap.usable_size(block), 5000u);
    for (void* block : blocks)
        m_heap.free(block);
    EXPECT_GT(m_backend.pages_held(), 0u); // the bucket pages
    expect_empty_after_trim();
}

TEST_P(HeapTest, BackendFailureIsReportedAsNullAndLeaksNothing) {
    m_backend.fail_after(3 * Heap::slab_pages + 10);
    std::vector<void*> pointers;
    size_t failures = 0;
    for (int i = 0; i < 5000 && failures < 50; ++i) {
        const size_t size = i % 5 == 4 ? 9000 : 16 + (i % 7) * 300;
        void* pointer = m_heap.allocate(size);
        if (pointer) {
            std::memset(pointer, 0x11, size);
            pointers.push_back(pointer);
        } else {
            ++failures;
        }
    }
    EXPECT_EQ(failures, 50u);
    EXPECT_EQ(m_heap.statistics().failed_allocations, 50u);
    EXPECT_EQ(m_heap.statistics().live_allocations, pointers.size());
    EXPECT_GT(m_backend.refusals(), 0u);
    expect_reserved_matches_backend();
    // Freed memory can be used again even while the backend still refuses.
    m_heap.free(pointers.back());
    pointers.pop_back();
    void* again = m_heap.allocate(16);
    EXPECT_NE(again, nullptr);
    pointers.push_back(again);
    for (void* pointer : pointers)
        m_heap.free(pointer);
    m_backend.stop_failing();
    expect_empty_after_trim();
}

TEST_P(HeapTest, FailureWhileGrowingTheSegmentSetIsHarmless) {
    // Budget for 65 two-page large blocks and nothing more: the 65th outgrows the inline buckets, the
    // bucket page is refused, and lookups simply walk longer chains.
    const size_t blocks_before_growth = 65;
    m_backend.fail_after(blocks_before_growth * 2);
    std::vector<void*> blocks;
    for (size_t i = 0; i < blocks_before_growth; ++i) {
        blocks.push_back(m_heap.allocate(4097));
        ASSERT_NE(blocks.back(), nullptr) << i;
    }
    EXPECT_EQ(m_backend.refusals(), 1u);
    EXPECT_EQ(m_backend.pages_held(), blocks_before_growth * 2);
    for (void* block : blocks)
        EXPECT_EQ(m_heap.usable_size(block), debug() ? 4097u : 2 * page_size - 64);
    // Once the backend gives pages again, the next segment grows the set.
    m_backend.stop_failing();
    blocks.push_back(m_heap.allocate(4097));
    EXPECT_EQ(m_backend.pages_held(), blocks_before_growth * 2 + 2 + 1);
    expect_reserved_matches_backend();
    for (void* block : blocks)
        m_heap.free(block);
    expect_empty_after_trim();
}

TEST_P(HeapTest, RejectsBadRequestsWithoutAskingTheBackend) {
    EXPECT_EQ(m_heap.allocate(16, 8192), nullptr);
    EXPECT_EQ(m_heap.allocate(16, 48), nullptr);
    EXPECT_EQ(m_heap.allocate(16, 0), nullptr);
    EXPECT_EQ(m_heap.allocate(SIZE_MAX), nullptr);
    EXPECT_EQ(m_heap.allocate(SIZE_MAX - page_size, 4096), nullptr);
    EXPECT_EQ(m_heap.statistics().failed_allocations, 5u);
    EXPECT_EQ(m_heap.statistics().backend_page_allocations, 0u);
    EXPECT_EQ(m_heap.statistics().total_allocations, 0u);
    // Alignments below 16 are fine and mean 16.
    void* pointer = m_heap.allocate(3, 1);
    EXPECT_TRUE(is_aligned(pointer, 16));
    m_heap.free(pointer);
    expect_empty_after_trim();
}

// A backend that ignores the alignment would break masking: the heap gives such pages back and fails.
TEST(HeapBackendContract, MisalignedPagesAreRefused) {
    class MisalignedBackend final : public mm::HeapBackend {
    public:
        void* allocate_pages(size_t count, size_t alignment) override {
            auto* base = static_cast<uint8_t*>(allocate_aligned(alignment, (count + 1) * page_size));
            ++held;
            return base + page_size;
        }
        void free_pages(void* base, size_t) override {
            std::free(static_cast<uint8_t*>(base) - page_size);
            --held;
        }
        int held = 0;
    } backend;
    Heap heap(backend, {});
    EXPECT_EQ(heap.allocate(16), nullptr);
    EXPECT_EQ(heap.allocate(10000), nullptr);
    EXPECT_EQ(backend.held, 0);
    EXPECT_EQ(heap.statistics().failed_allocations, 2u);
    EXPECT_EQ(heap.statistics().bytes_reserved, 0u);
}

// Checked in both modes: these need no redzones or poison.
TEST_P(HeapTest, InvalidFreesAreReportedAndIgnored) {
    auto* a = static_cast<uint8_t*>(m_heap.allocate(64));
    auto* b = static_cast<uint8_t*>(m_heap.allocate(64));
    auto* large = static_cast<uint8_t*>(m_heap.allocate(200000));
    std::memset(a, 1, 64);
    std::memset(b, 2, 64);

    m_heap.free(a, test_caller);
    m_heap.free(a, test_caller);
    expect_one_report(HeapProblem::DoubleFree, a);

    m_heap.free(b + 16, test_caller);
    expect_one_report(HeapProblem::InvalidPointer, b + 16);
    m_heap.free(b + 1, test_caller);
    expect_one_report(HeapProblem::MisalignedFree, b + 1);
    m_heap.free(large + 32, test_caller);
    expect_one_report(HeapProblem::InvalidPointer, large + 32);
    // Past the first 64 KiB of the block: the masked address is no segment start.
    m_heap.free(large + 100000, test_caller);
    expect_one_report(HeapProblem::InvalidPointer, large + 100000);

    // Foreign pointers: the heap must not read them (the second is not mapped at all).
    alignas(16) static uint8_t foreign[64];
    m_heap.free(foreign, test_caller);
    expect_one_report(HeapProblem::InvalidPointer, foreign);
    auto* unmapped = reinterpret_cast<void*>(uintptr_t(0x7ff0'0000'0000));
    m_heap.free(unmapped, test_caller);
    expect_one_report(HeapProblem::InvalidPointer, unmapped);
    // An object of a slab that was never handed out.
    const size_t stride = debug() ? 128 : 64;
    m_heap.free(b + 10 * stride, test_caller);
    expect_one_report(HeapProblem::InvalidPointer, b + 10 * stride);

    EXPECT_EQ(m_heap.usable_size(a), 0u);
    EXPECT_EQ(m_heap.usable_size(b + 16), 0u);
    EXPECT_EQ(m_heap.usable_size(foreign), 0u);
    EXPECT_EQ(m_heap.usable_size(nullptr), 0u);

    m_heap.free(large, test_caller);
    m_heap.free(large, test_caller);
    expect_one_report(HeapProblem::DoubleFree, large);

    // b survived all of it, the counts ignore the bad frees, and the heap goes on working.
    for (size_t i = 0; i < 64; ++i)
        ASSERT_EQ(b[i], 2);
    auto statistics = m_heap.statistics();
    EXPECT_EQ(statistics.live_allocations, 1u);
    EXPECT_EQ(statistics.total_frees, 2u);
    void* c = m_heap.allocate(64);
    EXPECT_EQ(c, a); // LIFO reuse of the freed object
    m_heap.free(b, test_caller);
    m_heap.free(c, test_caller);
    m_heap.free(nullptr, test_caller);
    EXPECT_TRUE(m_recorder.reports.empty());
    expect_empty_after_trim();
}

TEST_P(HeapTest, DoubleFreeOfTheLastObjectInASlab) {
    void* only = m_heap.allocate(300);
    m_heap.free(only, test_caller);
    m_heap.free(only, test_caller);
    expect_one_report(HeapProblem::DoubleFree, only);
    expect_empty_after_trim();
}

// A use-after-free write over the free-list link in release mode: caught when the link is followed,
// reported once, and the free list rebuilt rather than a wild pointer handed out.
TEST(HeapRelease, DamagedFreeListLinkIsReportedAndRepaired) {
    TestBackend backend;
    Recorder recorder;
    Heap heap(backend, {false, &Recorder::hook, &recorder});
    std::vector<void*> pointers;
    for (int i = 0; i < 10; ++i)
        pointers.push_back(heap.allocate(32));
    heap.free(pointers[3]);
    heap.free(pointers[5]);
    std::memset(pointers[5], 0x41, 8); // the link to pointers[3]
    EXPECT_EQ(heap.allocate(32, 16, test_caller), pointers[5]);
    ASSERT_EQ(recorder.reports.size(), 1u);
    EXPECT_EQ(recorder.reports[0].problem, HeapProblem::UseAfterFree);
    EXPECT_EQ(recorder.reports[0].pointer, pointers[5]);
    EXPECT_EQ(recorder.reports[0].caller, test_caller);
    EXPECT_EQ(heap.allocate(32), pointers[3]);
    void* fresh = heap.allocate(32);
    for (void* pointer : pointers)
        EXPECT_NE(fresh, pointer);
    pointers.push_back(fresh);
    for (void* pointer : pointers)
        heap.free(pointer);
    EXPECT_EQ(recorder.reports.size(), 1u);
    heap.trim();
    EXPECT_EQ(backend.pages_held(), 0u);
}

// ---- debug checks ----

class HeapDebug : public ::testing::Test {
protected:
    HeapDebug() : m_heap(m_backend, {true, &Recorder::hook, &m_recorder}) {}

    void expect_one_report(HeapProblem problem, const void* pointer, const void* caller = test_caller) {
        ASSERT_EQ(m_recorder.reports.size(), 1u);
        EXPECT_EQ(m_recorder.reports[0].problem, problem);
        EXPECT_EQ(m_recorder.reports[0].pointer, pointer);
        EXPECT_EQ(m_recorder.reports[0].caller, caller);
        m_recorder.reports.clear();
    }
    void expect_clean_end() {
        EXPECT_TRUE(m_recorder.reports.empty());
        EXPECT_EQ(m_heap.statistics().live_allocations, 0u);
        m_heap.trim();
        EXPECT_EQ(m_backend.pages_held(), 0u);
        EXPECT_TRUE(m_recorder.reports.empty());
    }

    TestBackend m_backend;
    Recorder m_recorder;
    Heap m_heap;
};

TEST_F(HeapDebug, OneBytePastTheEndIsARedzoneOverrun) {
    for (size_t size : {0, 1, 15, 16, 17, 100, 128, 2047, 2048, 4000, 4096, 4097, 10000, 12224}) {
        auto* keep = static_cast<uint8_t*>(m_heap.allocate(size)); // a neighbour that must stay intact
        auto* pointer = static_cast<uint8_t*>(m_heap.allocate(size));
        std::memset(keep, 0x33, size);
        std::memset(pointer, 0x44, size);
        pointer[size] = 0;
        m_heap.free(pointer, test_caller);
        expect_one_report(HeapProblem::RedzoneOverrun, pointer);
        EXPECT_EQ(m_heap.statistics().live_allocations, 1u) << "the free still happened";
        for (size_t i = 0; i < size; ++i)
            ASSERT_EQ(keep[i], 0x33);
        m_heap.free(keep, test_caller);
        EXPECT_TRUE(m_recorder.reports.empty()) << size;
    }
    expect_clean_end();
}

TEST_F(HeapDebug, OneByteBeforeTheStartIsARedzoneOverrun) {
    for (size_t size : {8, 64, 3000, 5000}) {
        auto* pointer = static_cast<uint8_t*>(m_heap.allocate(size));
        pointer[-1] = 0;
        m_heap.free(pointer, test_caller);
        expect_one_report(HeapProblem::RedzoneOverrun, pointer);
    }
    expect_clean_end();
}

TEST_F(HeapDebug, WriteAfterFreeIsFoundWhenTheObjectIsReused) {
    auto* keep = static_cast<uint8_t*>(m_heap.allocate(40));
    auto* pointer = static_cast<uint8_t*>(m_heap.allocate(40));
    m_heap.free(pointer, test_caller);
    EXPECT_TRUE(m_recorder.reports.empty());
    pointer[20] = 1;
    void* again = m_heap.allocate(40, 16, test_caller);
    EXPECT_EQ(again, pointer);
    expect_one_report(HeapProblem::UseAfterFree, pointer);
    m_heap.free(again, test_caller);
    m_heap.free(keep, test_caller);
    expect_clean_end();
}

TEST_F(HeapDebug, WriteAfterFreeIsFoundWhenTheSlabIsReleased) {
    auto* pointer = static_cast<uint8_t*>(m_heap.allocate(700));
    void* other = m_heap.allocate(700);
    m_heap.free(pointer, test_caller);
    pointer[699] = 1;
    m_heap.free(other, test_caller);
    EXPECT_TRUE(m_recorder.reports.empty());
    m_heap.trim(); // the empty slab goes back: its freed objects are checked one last time
    expect_one_report(HeapProblem::UseAfterFree, pointer, nullptr);
    EXPECT_EQ(m_backend.pages_held(), 0u);
    expect_clean_end();
}

TEST_F(HeapDebug, WriteAfterFreeIsFoundWhenACachedSlabIsRecycled) {
    // Two slabs of 2048-byte objects; with the first one partial, emptying the second sends it to
    // the shared cache.
    std::vector<uint8_t*> pointers;
    while (m_backend.pages_held() < 2 * Heap::slab_pages)
        pointers.push_back(static_cast<uint8_t*>(m_heap.allocate(2048)));
    uint8_t* last = pointers.back();
    pointers.pop_back();
    m_heap.free(pointers.front(), test_caller);
    pointers.erase(pointers.begin());
    m_heap.free(last, test_caller);
    last[0] = 7;
    EXPECT_TRUE(m_recorder.reports.empty());
    void* other_class = m_heap.allocate(16, 16, test_caller); // takes the cached slab
    expect_one_report(HeapProblem::UseAfterFree, last);
    EXPECT_EQ(m_backend.pages_held(), 2 * Heap::slab_pages);
    m_heap.free(other_class);
    for (uint8_t* pointer : pointers)
        m_heap.free(pointer);
    expect_clean_end();
}

TEST_F(HeapDebug, FreedMemoryIsPoisonedAndRedzonesFilled) {
    auto* pointer = static_cast<uint8_t*>(m_heap.allocate(100));
    EXPECT_EQ(pointer[-1], Heap::redzone_byte);
    EXPECT_EQ(pointer[100], Heap::redzone_byte); // the class slack belongs to the redzone
    EXPECT_EQ(pointer[127 + 16], Heap::redzone_byte);
    m_heap.free(pointer);
    for (size_t i = 0; i < 128; ++i)
        ASSERT_EQ(pointer[i], Heap::poison_byte);
    expect_clean_end();
}

TEST_F(HeapDebug, EveryProblemOnceThenTheHeapStillWorks) {
    std::vector<void*> live;
    for (int i = 0; i < 50; ++i)
        live.push_back(m_heap.allocate(i * 37));
    auto* victim = static_cast<uint8_t*>(live[10]);
    const auto* caller = reinterpret_cast<const void*>(0x1234);
    m_heap.free(victim + 16, caller);
    expect_one_report(HeapProblem::InvalidPointer, victim + 16, caller);
    m_heap.free(victim + 8, caller);
    expect_one_report(HeapProblem::MisalignedFree, victim + 8, caller);
    int on_stack = 0;
    m_heap.free(&on_stack, caller);
    ASSERT_EQ(m_recorder.reports.size(), 1u);
    m_recorder.reports.clear();
    victim[370] = 9;
    m_heap.free(victim, caller);
    expect_one_report(HeapProblem::RedzoneOverrun, victim, caller);
    m_heap.free(victim, caller);
    expect_one_report(HeapProblem::DoubleFree, victim, caller);
    live.erase(live.begin() + 10);
    for (int i = 0; i < 200; ++i)
        live.push_back(m_heap.allocate(i * 13));
    for (void* pointer : live)
        m_heap.free(pointer);
    expect_clean_end();
}

TEST(HeapProblemNames, AreDescriptive) {
    EXPECT_STREQ(mm::heap_problem_name(HeapProblem::DoubleFree), "double free");
    EXPECT_STREQ(mm::heap_problem_name(HeapProblem::UseAfterFree), "use after free");
    EXPECT_STREQ(mm::heap_problem_name(HeapProblem::MisalignedFree), "misaligned free");
}

} // namespace
