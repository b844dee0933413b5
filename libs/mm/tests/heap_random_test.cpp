// Heap: randomized against a model. Each seed drives the same sequence of allocations (sizes biased
// small, some large up to 64 KiB, random alignments) and frees (after checking the block's fill
// pattern) through a heap with and without debug checks, in phases that grow and shrink the live
// set so slabs are acquired, recycled and returned. After every step the live blocks are known not
// to overlap and the statistics match the model; at the end trim() leaves the backend empty.
#include "mm/heap.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <tuple>
#include <vector>

namespace {

using mm::Heap;

// posix_memalign rather than aligned_alloc: the same glibc code, but C11 aligned_alloc wants sizes that
// are multiples of the alignment (ASan enforces it) and a large block's pages are not.
void* allocate_aligned(size_t alignment, size_t bytes) {
    void* base = nullptr;
    return posix_memalign(&base, alignment, bytes) == 0 ? base : nullptr;
}

// Heap-allocated pages that counts what the heap holds and checks every free against it.
class CountingBackend final : public mm::HeapBackend {
public:
    ~CountingBackend() {
        for (auto& [base, pages] : m_blocks)
            std::free(base);
    }
    void* allocate_pages(size_t count, size_t alignment) override {
        void* base = allocate_aligned(alignment, count * Heap::page_size);
        std::memset(base, 0xa5, count * Heap::page_size);
        m_blocks[base] = count;
        m_pages_held += count;
        return base;
    }
    void free_pages(void* base, size_t count) override {
        auto block = m_blocks.find(base);
        ASSERT_TRUE(block != m_blocks.end() && block->second == count);
        std::free(base);
        m_blocks.erase(block);
        m_pages_held -= count;
    }
    size_t pages_held() const { return m_pages_held; }

private:
    std::map<void*, size_t> m_blocks;
    size_t m_pages_held = 0;
};

struct ModelBlock {
    size_t size;
    size_t alignment;
    uint8_t fill;
};

constexpr size_t steps_per_run = 500'000;
constexpr size_t phase_steps = 25'000;
constexpr size_t max_live = 3000;

class HeapRandom : public ::testing::TestWithParam<std::tuple<uint64_t, bool>> {};

TEST_P(HeapRandom, MatchesModel) {
    const auto [seed, debug] = GetParam();
    CountingBackend backend;
    size_t reports = 0;
    Heap heap(backend,
              {debug,
               [](mm::HeapProblem, const void*, const void*, void* count) { ++*static_cast<size_t*>(count); },
               &reports});
    std::mt19937_64 random(seed);
    auto below = [&](size_t bound) { return static_cast<size_t>(random() % bound); };

    std::map<uintptr_t, ModelBlock> live; // by address: also the interval set for overlap checks
    std::vector<uintptr_t> addresses;     // the same blocks, for picking one at random
    size_t bytes_allocated = 0;
    std::vector<uint8_t> expected(64 * 1024 + 1);

    auto pick_size = [&]() -> size_t {
        const size_t bucket = below(100);
        if (bucket < 55)
            return below(129);
        if (bucket < 85)
            return 129 + below(1024 - 128);
        if (bucket < 97)
            return 1025 + below(4096 - 1024);
        return 4097 + below(64 * 1024 - 4096 + 1);
    };
    auto pick_alignment = [&]() -> size_t {
        if (below(5) != 0)
            return 16;
        return size_t(1) << below(13); // 1 .. 4096
    };
    auto free_at = [&](size_t position) {
        const uintptr_t address = addresses[position];
        auto block = live.find(address);
        ASSERT_NE(block, live.end());
        auto* pointer = reinterpret_cast<uint8_t*>(address);
        std::memset(expected.data(), block->second.fill, block->second.size);
        ASSERT_EQ(std::memcmp(pointer, expected.data(), block->second.size), 0)
            << "block of " << block->second.size << " bytes was overwritten";
        heap.free(pointer);
        bytes_allocated -= block->second.size;
        live.erase(block);
        addresses[position] = addresses.back();
        addresses.pop_back();
    };

    for (size_t step = 0; step < steps_per_run; ++step) {
        // Even phases lean towards allocation, odd ones towards freeing.
        const bool growing = (step / phase_steps) % 2 == 0;
        const bool allocate =
            addresses.empty() || (addresses.size() < max_live && below(100) < (growing ? 65u : 35u));
        if (allocate) {
            const size_t size = pick_size();
            const size_t alignment = pick_alignment();
            auto* pointer = static_cast<uint8_t*>(heap.allocate(size, alignment));
            ASSERT_NE(pointer, nullptr);
            const auto address = reinterpret_cast<uintptr_t>(pointer);
            ASSERT_EQ(address % (alignment < 16 ? 16 : alignment), 0u) << size << " " << alignment;
            const size_t usable = heap.usable_size(pointer);
            ASSERT_GE(usable, size);
            if (debug) {
                ASSERT_EQ(usable, size);
            }
            const uintptr_t end = address + (size == 0 ? 1 : size);
            auto next = live.lower_bound(address);
            ASSERT_TRUE(next == live.end() || next->first >= end) << "overlaps the next live block";
            if (next != live.begin()) {
                auto previous = std::prev(next);
                const size_t previous_size = previous->second.size == 0 ? 1 : previous->second.size;
                ASSERT_LE(previous->first + previous_size, address) << "overlaps the previous live block";
            }
            const auto fill = static_cast<uint8_t>(random());
            std::memset(pointer, fill, size);
            live[address] = {size, alignment, fill};
            addresses.push_back(address);
            bytes_allocated += size;
        } else {
            free_at(below(addresses.size()));
        }
        const auto statistics = heap.statistics();
        ASSERT_EQ(statistics.live_allocations, live.size());
        ASSERT_EQ(statistics.bytes_allocated, bytes_allocated);
        ASSERT_EQ(statistics.bytes_reserved, backend.pages_held() * Heap::page_size);
        if (step % 40'000 == 39'999)
            heap.trim();
    }
    while (!addresses.empty())
        free_at(addresses.size() - 1);
    const auto statistics = heap.statistics();
    EXPECT_EQ(statistics.live_allocations, 0u);
    EXPECT_EQ(statistics.bytes_allocated, 0u);
    EXPECT_EQ(statistics.large_blocks, 0u);
    EXPECT_EQ(statistics.failed_allocations, 0u);
    EXPECT_EQ(statistics.total_allocations, statistics.total_frees);
    EXPECT_LE(backend.pages_held(), Heap::max_idle_slabs * Heap::slab_pages + 2);
    heap.trim();
    EXPECT_EQ(backend.pages_held(), 0u);
    EXPECT_EQ(heap.statistics().backend_page_allocations, heap.statistics().backend_page_frees);
    EXPECT_EQ(reports, 0u);
}

INSTANTIATE_TEST_SUITE_P(HeapRandomSeeds, HeapRandom,
                         ::testing::Combine(::testing::Values(uint64_t{1}, uint64_t{2}, uint64_t{3},
                                                              uint64_t{0x5eed}),
                                            ::testing::Bool()),
                         [](const auto& info) {
                             return "Seed" + std::to_string(std::get<0>(info.param)) +
                                    (std::get<1>(info.param) ? "Debug" : "Release");
                         });

} // namespace
