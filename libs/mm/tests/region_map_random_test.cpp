// RegionMap against a model: one optional attribute set per page over a small window of address
// space. 100 000 random insert/map_fixed/unmap/protect/find/find_free operations per configuration,
// with allocations failing now and then; after each, the map's regions must be exactly the model's
// maximal runs (so sorted, disjoint and fully merged), the removed ranges must be the model's pages that
// went away, and a failed operation must have changed nothing.
#include "mm/region_map.h"
#include "region_map_helpers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace {

using namespace region_map_test;
using mm::Protection;
using mm::Region;
using mm::RegionAttributes;
using mm::RegionFlags;
using mm::RegionKind;
using mm::RegionMap;
using Regions = std::vector<Region>;
using ktl::Errno;

class Model {
public:
    Model(uint64_t base, size_t pages) : m_base(base), m_pages(pages) {}

    uint64_t address(size_t page_index) const { return m_base + page_index * page; }
    size_t page_count() const { return m_pages.size(); }
    bool is_mapped(size_t index) const { return m_pages[index].has_value(); }

    // Maximal runs of mapped pages with equal attributes: what the map must hold.
    Regions runs() const { return runs_in(0, m_pages.size()); }
    Regions runs_in(size_t first, size_t end) const {
        Regions result;
        for (size_t i = first; i < end; ++i) {
            if (!m_pages[i])
                continue;
            if (!result.empty() && result.back().end == address(i) && result.back().attributes == *m_pages[i])
                result.back().end += page;
            else
                result.push_back(Region{address(i), address(i + 1), *m_pages[i]});
        }
        return result;
    }
    // Pieces removed from [first, end): the model's runs there, cut where the old runs were cut.
    // Runs are maximal, so a map that matched the model reports exactly these.
    Regions removed_pieces(size_t first, size_t end) const { return runs_in(first, end); }

    bool any_mapped(size_t first, size_t end) const {
        for (size_t i = first; i < end; ++i)
            if (m_pages[i])
                return true;
        return false;
    }
    bool all_mapped(size_t first, size_t end) const {
        for (size_t i = first; i < end; ++i)
            if (!m_pages[i])
                return false;
        return true;
    }
    void set(size_t first, size_t end, std::optional<RegionAttributes> attributes) {
        for (size_t i = first; i < end; ++i)
            m_pages[i] = attributes;
    }
    void set_protection(size_t first, size_t end, Protection protection) {
        for (size_t i = first; i < end; ++i)
            m_pages[i]->protection = protection;
    }
    std::optional<Region> region_containing(size_t index) const {
        for (const Region& run : runs())
            if (run.contains(address(index)))
                return run;
        return std::nullopt;
    }
    // Linux placement by brute force: the hint if free and in bounds, else the highest fit.
    std::optional<size_t> find_free(size_t length, std::optional<size_t> hint, size_t lowest,
                                    size_t highest) const {
        if (length > highest - lowest)
            return std::nullopt;
        if (hint && *hint >= lowest && *hint + length <= highest && !any_mapped(*hint, *hint + length))
            return hint;
        for (size_t start = highest - length + 1; start-- > lowest;)
            if (!any_mapped(start, start + length))
                return start;
        return std::nullopt;
    }

private:
    uint64_t m_base;
    std::vector<std::optional<RegionAttributes>> m_pages;
};

// A small palette, so that equal neighbours (and so merges) are frequent.
RegionAttributes random_attributes(std::mt19937_64& random) {
    static const RegionAttributes palette[] = {
        attributes(read_write),
        attributes(read_only),
        attributes(read_write, RegionKind::Stack, RegionFlags::GrowsDown | RegionFlags::DemandZero),
        attributes(read_execute, RegionKind::ProgramImage, RegionFlags::None, 1),
        attributes(read_execute, RegionKind::ProgramImage, RegionFlags::None, 2),
        attributes(Protection::None, RegionKind::Heap),
    };
    return palette[random() % std::size(palette)];
}

Protection random_protection(std::mt19937_64& random) {
    return static_cast<Protection>(random() % 8);
}

void run_against_model(uint64_t base, size_t pages, uint64_t seed, size_t operations) {
    std::mt19937_64 random(seed);
    TestNodeAllocator allocator;
    RegionMap map(allocator);
    Model model(base, pages);
    size_t failed_allocations = 0;

    for (size_t step = 0; step < operations; ++step) {
        size_t first = random() % pages;
        size_t length =
            1 + random() % (random() % 4 == 0 ? pages - first : std::min<size_t>(8, pages - first));
        size_t end = first + length;
        // Now and then an allocation fails: the operation must then fail cleanly and change nothing.
        bool inject_failure = random() % 16 == 0;
        if (inject_failure)
            allocator.fail_on(random() % 3);
        const size_t failures_before = allocator.failures;
        const Regions before = regions_of(map);
        Regions removed;
        auto record = [&](const Region& r) { removed.push_back(r); };

        ktl::ErrorOr<void> result{};
        Errno expected = no_error;
        std::optional<Regions> expected_removed;
        unsigned operation = random() % 6;
        switch (operation) {
        case 0: {
            auto attributes = random_attributes(random);
            result = map.insert(model.address(first), length * page, attributes);
            if (model.any_mapped(first, end)) {
                expected = Errno::Exists;
            } else if (!result.is_error()) {
                model.set(first, end, attributes);
            }
            break;
        }
        case 1: {
            auto attributes = random_attributes(random);
            expected_removed = model.removed_pieces(first, end);
            result = map.map_fixed(model.address(first), length * page, attributes, record);
            if (!result.is_error())
                model.set(first, end, attributes);
            break;
        }
        case 2:
            expected_removed = model.removed_pieces(first, end);
            result = map.unmap(model.address(first), length * page, record);
            if (!result.is_error())
                model.set(first, end, std::nullopt);
            break;
        case 3: {
            auto protection = random_protection(random);
            result = map.protect(model.address(first), length * page, protection);
            if (!model.all_mapped(first, end))
                expected = Errno::NoMemory;
            else if (!result.is_error())
                model.set_protection(first, end, protection);
            break;
        }
        case 4: {
            size_t index = random() % pages;
            uint64_t address = model.address(index) + random() % page;
            const Region* found = map.find(address);
            auto expected_region = model.region_containing(index);
            ASSERT_EQ(found != nullptr, expected_region.has_value()) << "step " << step;
            if (found) {
                ASSERT_EQ(*found, *expected_region) << "step " << step;
            }
            const Region* above = map.find_at_or_above(address);
            const Region* expected_above = nullptr;
            for (const Region& r : map)
                if (r.end > address) {
                    expected_above = &r;
                    break;
                }
            ASSERT_EQ(above, expected_above) << "step " << step;
            break;
        }
        case 5: {
            size_t lowest = random() % pages;
            size_t highest = lowest + 1 + random() % (pages - lowest);
            size_t wanted = 1 + random() % 6;
            std::optional<size_t> hint;
            uint64_t hint_address = 0;
            if (random() % 2) {
                hint = random() % pages;
                hint_address = model.address(*hint);
                if (random() % 4 == 0 && *hint > 0) { // unaligned: rounds up to the page it names
                    hint_address -= 1 + random() % (page - 1);
                }
            }
            auto found =
                map.find_free(wanted * page, hint_address, model.address(lowest), model.address(highest));
            auto expected_start = model.find_free(wanted, hint, lowest, highest);
            if (expected_start) {
                ASSERT_FALSE(found.is_error()) << "step " << step;
                ASSERT_EQ(found.value(), model.address(*expected_start)) << "step " << step;
            } else {
                ASSERT_EQ(error_of(found), Errno::NoMemory) << "step " << step;
            }
            break;
        }
        }
        allocator.stop_failing();

        if (allocator.failures != failures_before) {
            // The allocator said no: the operation must have failed with NoMemory and changed nothing.
            ++failed_allocations;
            ASSERT_EQ(error_of(result), Errno::NoMemory) << "step " << step;
            ASSERT_EQ(regions_of(map), before) << "step " << step;
            ASSERT_TRUE(removed.empty()) << "step " << step;
        } else {
            ASSERT_EQ(error_of(result), expected) << "step " << step << " operation " << operation;
            if (expected_removed && !result.is_error()) {
                ASSERT_EQ(removed, *expected_removed) << "step " << step;
            }
        }
        ASSERT_EQ(regions_of(map), model.runs()) << "step " << step << " operation " << operation;
        ASSERT_EQ(allocator.live_nodes, map.count());
        ASSERT_TRUE(map.check_invariants()) << "step " << step;
    }
    EXPECT_GT(failed_allocations, 100u);
}

TEST(RegionMapRandom, AgainstAPerPageModelNearZero) {
    run_against_model(0, 64, 1, 100000);
}

TEST(RegionMapRandom, AgainstAPerPageModelAtTheTopOfTheAddressSpace) {
    constexpr size_t pages = 48;
    run_against_model(~uint64_t{0} - (pages + 1) * page + 1, pages, 2, 100000);
}

TEST(RegionMapRandom, AgainstAPerPageModelWithManyPages) {
    run_against_model(0x400000, 512, 3, 100000);
}

} // namespace
