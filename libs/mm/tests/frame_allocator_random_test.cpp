// Randomized FrameAllocator tests with fixed seeds: a random (often corrupt) memory map, then a long mix
// of allocate / free / allocate_contiguous / free_contiguous and invalid frees, each checked against a
// model made of two std::sets. The model also knows the answer: the lowest free frame, the lowest run.
#include "frame_statistics_printer.h"
#include "mm/frame_allocator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <vector>

namespace {

using mm::frame_size;
using mm::FrameAllocator;
using mm::FrameStatistics;
using mm::PhysicalRange;

constexpr uint64_t MiB = 1024 * 1024;
constexpr uint64_t GiB = 1024 * MiB;

struct MemoryMap {
    uint64_t highest;
    std::vector<PhysicalRange> usable;
    std::vector<PhysicalRange> reserved;
};

// The model: every managed frame (worked out frame by frame from the definitions, not from the
// allocator's rules) is in exactly one of two lists, free or allocated. Arrays rather than std::sets
// because this runs a million steps at -O0.
class Model {
public:
    static constexpr size_t npos = SIZE_MAX;

    explicit Model(const MemoryMap& map) {
        uint64_t highest_frame_end = map.highest / frame_size * frame_size;
        std::set<uint64_t> usable;
        for (const PhysicalRange& range : map.usable) {
            if (range.base >= range.end)
                continue;
            uint64_t first = range.base - range.base % frame_size;
            for (uint64_t address = first; address < range.end && address < highest_frame_end;
                 address += frame_size) {
                // Wholly inside the range and below highest.
                if (address >= range.base && range.end - address >= frame_size)
                    usable.insert(address);
            }
        }
        for (uint64_t address : usable) {
            bool touched = false;
            for (const PhysicalRange& range : map.reserved)
                touched = touched || (range.base < range.end && range.base < address + frame_size &&
                                      address < range.end);
            if (touched)
                ++m_reserved;
            else
                managed.push_back(address);
        }
        m_is_free.assign(managed.size(), 1);
        m_position.resize(managed.size());
        for (size_t i = 0; i < managed.size(); ++i) {
            m_position[i] = i;
            m_lists[1].push_back(i);
        }
    }

    FrameStatistics statistics() const {
        return {managed.size(), free_count(), allocated_count(), m_reserved};
    }
    size_t free_count() const { return m_lists[1].size(); }
    size_t allocated_count() const { return m_lists[0].size(); }

    // Position of `address` in `managed`, or npos.
    size_t index_of(uint64_t address) const {
        const uint64_t* frames = managed.data();
        size_t size = managed.size();
        size_t low = 0, high = size;
        while (low < high) {
            size_t middle = low + (high - low) / 2;
            if (frames[middle] < address)
                low = middle + 1;
            else
                high = middle;
        }
        return low < size && frames[low] == address ? low : npos;
    }
    bool is_managed(uint64_t address) const { return index_of(address) != npos; }
    bool is_free(uint64_t address) const {
        size_t index = index_of(address);
        return index != npos && m_is_free[index];
    }
    bool is_allocated(uint64_t address) const {
        size_t index = index_of(address);
        return index != npos && !m_is_free[index];
    }

    std::optional<uint64_t> random_free(std::mt19937_64& random) const {
        return random_in(m_lists[1], random);
    }
    std::optional<uint64_t> random_allocated(std::mt19937_64& random) const {
        return random_in(m_lists[0], random);
    }

    std::optional<uint64_t> lowest_free() const {
        const uint8_t* is_free = m_is_free.data();
        size_t frames = managed.size();
        for (size_t i = 0; i < frames; ++i) {
            if (is_free[i])
                return managed[i];
        }
        return std::nullopt;
    }

    // Lowest start of `count` free frames aligned to `alignment` frames and ending at or below `below`.
    std::optional<uint64_t> lowest_run(uint64_t count, uint64_t alignment, uint64_t below) const {
        const uint64_t* address = managed.data();
        const uint8_t* is_free = m_is_free.data();
        uint64_t bytes = count * frame_size;
        uint64_t align = alignment * frame_size;
        size_t frames = managed.size();
        for (size_t i = 0; i < frames;) {
            if (!is_free[i]) {
                ++i;
                continue;
            }
            // A maximal run of free frames [start, end).
            uint64_t start = address[i];
            if (start >= below)
                return std::nullopt;
            size_t j = i + 1;
            while (j < frames && is_free[j] && address[j] == address[j - 1] + frame_size)
                ++j;
            uint64_t end = address[j - 1] + frame_size;
            uint64_t candidate = (start + align - 1) / align * align;
            if (candidate + bytes <= end && candidate + bytes <= below)
                return candidate;
            i = j;
        }
        return std::nullopt;
    }

    // Moves a frame between the lists; fails the test if it is not managed or already in the target list.
    void set_free(uint64_t address, bool free) {
        size_t index = index_of(address);
        ASSERT_NE(index, npos) << "not managed: " << std::hex << address;
        ASSERT_NE(m_is_free[index], free)
            << (free ? "already free: " : "already allocated: ") << std::hex << address;
        std::vector<size_t>& from = m_lists[free ? 0 : 1];
        size_t position = m_position[index];
        from[position] = from.back();
        m_position[from[position]] = position;
        from.pop_back();
        std::vector<size_t>& to = m_lists[free ? 1 : 0];
        m_position[index] = to.size();
        to.push_back(index);
        m_is_free[index] = free;
    }

    std::vector<uint64_t> managed; // sorted addresses

private:
    std::optional<uint64_t> random_in(const std::vector<size_t>& list, std::mt19937_64& random) const {
        if (list.empty())
            return std::nullopt;
        return managed[list[random() % list.size()]];
    }

    uint64_t m_reserved = 0;
    std::vector<uint8_t> m_is_free; // per managed frame
    std::vector<size_t> m_lists[2]; // [0] allocated, [1] free: indexes into `managed`
    std::vector<size_t> m_position; // per managed frame: where it sits in its list
};

MemoryMap random_dense_map(std::mt19937_64& random) {
    MemoryMap map;
    map.highest = 64 * MiB + (random() % 2) * 0x800; // sometimes not frame-aligned
    auto address = [&](uint64_t limit) { return random() % limit; };
    // RAM in a handful of unaligned, overlapping pieces with holes between, some running past highest.
    for (int i = 0; i < 8; ++i) {
        uint64_t base = 4096 + address(72 * MiB);
        map.usable.push_back({base, base + address(16 * MiB)});
    }
    map.usable.push_back({0x5000, 0x5000});                    // empty
    map.usable.push_back({40 * MiB, 30 * MiB});                // reversed
    map.usable.push_back({UINT64_MAX - 10 * MiB, UINT64_MAX}); // far beyond
    // Reserved: the low 64 KiB, small pieces (kernel, modules, the metadata), a reversed one.
    map.reserved.push_back({0, 0x10000});
    for (int i = 0; i < 12; ++i) {
        uint64_t base = address(64 * MiB);
        map.reserved.push_back({base, base + 1 + address(256 * 1024)});
    }
    map.reserved.push_back({50 * MiB, 49 * MiB});
    return map;
}

// 64 GiB of address space (five bitmap levels) with a few MiB of RAM scattered across it.
MemoryMap random_sparse_map(std::mt19937_64& random) {
    MemoryMap map;
    map.highest = 64 * GiB;
    for (int i = 0; i < 6; ++i) {
        uint64_t base = MiB + random() % (64 * GiB - 8 * MiB);
        map.usable.push_back({base, base + random() % (3 * MiB)});
        map.reserved.push_back({base + random() % (2 * MiB), base + 2 * MiB + random() % (64 * 1024)});
    }
    return map;
}

class RandomRun {
public:
    RandomRun(uint64_t seed, bool sparse)
        : m_random(seed), m_map(sparse ? random_sparse_map(m_random) : random_dense_map(m_random)),
          m_model(m_map) {
        m_storage.assign(FrameAllocator::metadata_bytes_for(m_map.highest) / sizeof(uint64_t),
                         0x5a5a5a5a5a5a5a5a);
        auto result = m_frames.initialize(m_storage, m_map.highest, m_map.usable, m_map.reserved);
        EXPECT_FALSE(result.is_error());
    }

    void run(uint64_t steps) {
        ASSERT_GT(m_model.managed.size(), 100u) << "the random map should have some RAM";
        ASSERT_EQ(m_frames.statistics(), m_model.statistics());
        full_check();
        for (uint64_t step = 0; step < steps; ++step) {
            m_step = step;
            one_step();
            if (testing::Test::HasFatalFailure())
                return;
            ASSERT_EQ(m_frames.statistics(), m_model.statistics()) << "step " << step;
            for (int i = 0; i < 2; ++i) {
                uint64_t address = random_managed();
                ASSERT_EQ(m_frames.is_free(address), m_model.is_free(address)) << step;
            }
            if (step % 25000 == 0)
                full_check();
            m_peak_used = std::max<uint64_t>(m_peak_used, m_model.allocated_count());
            ++m_counts[m_last_kind];
        }
        full_check();
        release_everything();
    }

    void print_counts() const {
        static const char* names[] = {"allocate",
                                      "allocate: no memory",
                                      "free",
                                      "free invalid",
                                      "contiguous",
                                      "contiguous fail",
                                      "free contiguous",
                                      "free contiguous invalid"};
        std::printf("  %llu managed frames, at most %llu in use at once\n",
                    static_cast<unsigned long long>(m_model.managed.size()),
                    static_cast<unsigned long long>(m_peak_used));
        for (size_t i = 0; i < std::size(m_counts); ++i)
            std::printf("  %-24s %llu\n", names[i], static_cast<unsigned long long>(m_counts[i]));
    }

private:
    enum Kind {
        Allocate,
        AllocateFail,
        Free,
        FreeInvalid,
        Contiguous,
        ContiguousFail,
        FreeContiguous,
        FreeContiguousInvalid
    };

    uint64_t below(uint64_t n) { return m_random() % n; }
    uint64_t random_managed() { return m_model.managed[below(m_model.managed.size())]; }

    std::optional<uint64_t> random_allocated() { return m_model.random_allocated(m_random); }

    void one_step() {
        // Phases of 4096 steps shift the mix so memory fills up (to exhaustion), churns while full,
        // drains and fragments in turn.
        uint64_t phase = (m_step / 4096) % 5;
        static const int weights[5][5] = {
            // allocate, free, free invalid, contiguous, free contiguous
            {70, 5, 5, 20, 0},                      // filling
            {40, 25, 5, 15, 15},                    // churning while (nearly) full
            {30, 30, 5, 15, 20}, {5, 55, 5, 5, 30}, // draining
            {20, 25, 5, 40, 10},                    // mostly runs
        };
        int roll = static_cast<int>(below(100));
        int kind = 0;
        while (roll >= weights[phase][kind])
            roll -= weights[phase][kind++];
        switch (kind) {
        case 0:
            return allocate();
        case 1:
            return free_one();
        case 2:
            return free_invalid();
        case 3:
            return allocate_contiguous();
        default:
            return free_contiguous();
        }
    }

    void allocate() {
        m_last_kind = Allocate;
        auto frame = m_frames.allocate();
        auto lowest = m_model.lowest_free();
        if (!lowest) {
            m_last_kind = AllocateFail;
            ASSERT_TRUE(frame.is_error());
            ASSERT_EQ(frame.error().code(), ktl::Errno::NoMemory);
            return;
        }
        ASSERT_FALSE(frame.is_error()) << m_step;
        // The lowest free frame, which the model says is free: so never a hole, reserved or taken twice.
        ASSERT_EQ(frame.value(), *lowest) << m_step;
        take(frame.value());
    }

    void free_one() {
        m_last_kind = Free;
        auto frame = random_allocated();
        if (!frame)
            return free_invalid();
        ASSERT_FALSE(m_frames.free(*frame).is_error()) << m_step;
        give_back(*frame);
        ASSERT_TRUE(m_frames.is_free(*frame));
    }

    void free_invalid() {
        m_last_kind = FreeInvalid;
        uint64_t address = 0;
        switch (below(5)) {
        case 0: { // double free
            auto frame = m_model.random_free(m_random);
            if (!frame)
                return;
            address = *frame;
            break;
        }
        case 1: // unaligned
            address = random_allocated().value_or(random_managed()) + 1 + below(frame_size - 1);
            break;
        case 2: { // a hole or a reserved frame
            address = below(m_map.highest) / frame_size * frame_size;
            if (m_model.is_managed(address))
                return;
            break;
        }
        case 3: // out of range
            address = m_map.highest / frame_size * frame_size + below(1024) * frame_size;
            break;
        default:
            address = (UINT64_MAX - below(UINT64_MAX / 2)) / frame_size * frame_size;
            break;
        }
        FrameStatistics before = m_frames.statistics();
        bool was_free = m_frames.is_free(address);
        auto result = m_frames.free(address);
        ASSERT_TRUE(result.is_error()) << std::hex << address << " step " << std::dec << m_step;
        ASSERT_EQ(result.error().code(), ktl::Errno::InvalidArgument);
        ASSERT_EQ(m_frames.statistics(), before);
        ASSERT_EQ(m_frames.is_free(address), was_free);
    }

    void allocate_contiguous() {
        m_last_kind = Contiguous;
        // Mostly small runs; alignment 1..512 frames, skewed towards small; sometimes a `below` limit.
        uint64_t count = below(4) == 0 ? 1 + below(64) : 1 + below(8);
        uint64_t alignment = uint64_t(1) << (below(8) == 0 ? below(10) : below(4));
        uint64_t limit = below(4) == 0 ? below(m_map.highest + 8 * MiB) : UINT64_MAX;
        auto expected = m_model.lowest_run(count, alignment, limit);
        auto run = m_frames.allocate_contiguous(count, alignment, limit);
        if (!expected) {
            m_last_kind = ContiguousFail;
            ASSERT_TRUE(run.is_error()) << "step " << m_step << " count " << count << " alignment "
                                        << alignment << " got " << std::hex << run.value();
            ASSERT_EQ(run.error().code(), ktl::Errno::NoMemory);
            return;
        }
        ASSERT_FALSE(run.is_error()) << "step " << m_step << " count " << count << " alignment " << alignment
                                     << " expected " << std::hex << *expected;
        ASSERT_EQ(run.value(), *expected) << m_step;
        ASSERT_EQ(run.value() % (alignment * frame_size), 0u);
        ASSERT_LE(run.value() + count * frame_size, limit);
        for (uint64_t i = 0; i < count; ++i)
            take(run.value() + i * frame_size);
    }

    void free_contiguous() {
        m_last_kind = FreeContiguous;
        auto start = random_allocated();
        if (!start)
            return free_invalid();
        uint64_t want = 1 + below(64);
        uint64_t count = 1;
        while (count < want && m_model.is_allocated(*start + count * frame_size))
            ++count;
        bool invalid = count < want && below(3) == 0;
        if (invalid) {
            // Include the first frame that is not allocated (free, hole, reserved or out of range).
            m_last_kind = FreeContiguousInvalid;
            uint64_t bad_count = count + 1 + below(4);
            FrameStatistics before = m_frames.statistics();
            auto result = m_frames.free_contiguous(*start, bad_count);
            ASSERT_TRUE(result.is_error()) << m_step;
            ASSERT_EQ(result.error().code(), ktl::Errno::InvalidArgument);
            ASSERT_EQ(m_frames.statistics(), before);
            for (uint64_t i = 0; i < count; ++i)
                ASSERT_FALSE(m_frames.is_free(*start + i * frame_size));
            return;
        }
        ASSERT_FALSE(m_frames.free_contiguous(*start, count).is_error()) << m_step;
        for (uint64_t i = 0; i < count; ++i)
            give_back(*start + i * frame_size);
    }

    void take(uint64_t address) { m_model.set_free(address, false); }
    void give_back(uint64_t address) { m_model.set_free(address, true); }

    // Every managed frame, plus the frames around each managed range's edges and random holes.
    void full_check() {
        for (uint64_t address : m_model.managed)
            ASSERT_EQ(m_frames.is_free(address), m_model.is_free(address)) << std::hex << address;
        for (int i = 0; i < 1000; ++i) {
            uint64_t address = below(m_map.highest + MiB) / frame_size * frame_size;
            if (!m_model.is_managed(address)) {
                ASSERT_FALSE(m_frames.is_free(address)) << std::hex << address;
            }
        }
    }

    // Free everything, in runs where possible: all frames must then be free and allocatable again.
    void release_everything() {
        for (size_t i = 0; i < m_model.managed.size(); ++i) {
            uint64_t start = m_model.managed[i];
            if (!m_model.is_allocated(start))
                continue;
            uint64_t count = 1;
            while (m_model.is_allocated(start + count * frame_size))
                ++count;
            ASSERT_FALSE(m_frames.free_contiguous(start, count).is_error());
            for (uint64_t i = 0; i < count; ++i)
                give_back(start + i * frame_size);
        }
        FrameStatistics statistics = m_frames.statistics();
        ASSERT_EQ(statistics, m_model.statistics());
        ASSERT_EQ(statistics.free_frames, statistics.total_frames);
        ASSERT_EQ(statistics.used_frames, 0u);
        full_check();
        ASSERT_EQ(m_frames.allocate().value_or(1), m_model.managed.front());
    }

    std::mt19937_64 m_random;
    MemoryMap m_map;
    Model m_model;
    std::vector<uint64_t> m_storage;
    FrameAllocator m_frames;
    uint64_t m_step = 0;
    Kind m_last_kind = Allocate;
    uint64_t m_counts[8] = {};
    uint64_t m_peak_used = 0;
};

// 3 seeds × 300,000 steps over 64 MiB, plus 100,000 over a sparse 64 GiB: a million in all, a few
// seconds at -O0.
constexpr uint64_t dense_steps = 300000;
constexpr uint64_t sparse_steps = 100000;

TEST(FrameAllocatorRandom, Dense64MiBSeed1) {
    RandomRun run(1, false);
    run.run(dense_steps);
    run.print_counts();
}

TEST(FrameAllocatorRandom, Dense64MiBSeed2) {
    RandomRun run(0x9e3779b97f4a7c15, false);
    run.run(dense_steps);
    run.print_counts();
}

TEST(FrameAllocatorRandom, Dense64MiBSeed3) {
    RandomRun run(20240607, false);
    run.run(dense_steps);
    run.print_counts();
}

TEST(FrameAllocatorRandom, Sparse64GiB) {
    RandomRun run(77, true);
    run.run(sparse_steps);
    run.print_counts();
}

} // namespace
