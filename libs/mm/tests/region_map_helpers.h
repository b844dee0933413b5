// Shared by the RegionMap tests: printing for gtest, a node allocator that counts and fails on demand,
// and shorthands for attributes and region lists.
#pragma once

#include "mm/region_map.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <ostream>
#include <vector>

namespace ktl {
[[maybe_unused]] static void PrintTo(Errno code, std::ostream* out) {
    *out << errno_name(code) << " (" << static_cast<int>(code) << ")";
}
} // namespace ktl

namespace mm {
[[maybe_unused]] static void PrintTo(const Region& region, std::ostream* out) {
    *out << std::hex << "[0x" << region.start << ", 0x" << region.end << ")" << std::dec
         << " prot=" << static_cast<int>(region.attributes.protection)
         << " kind=" << static_cast<int>(region.attributes.kind)
         << " flags=" << static_cast<int>(region.attributes.flags) << " tag=" << region.attributes.tag;
}
} // namespace mm

namespace region_map_test {

constexpr uint64_t page = mm::RegionMap::page_size;
constexpr ktl::Errno no_error = static_cast<ktl::Errno>(0);

template <typename T>
ktl::Errno error_of(const ktl::ErrorOr<T>& result) {
    return result.is_error() ? result.error().code() : no_error;
}

// Hands out malloc'd nodes, counts the live ones, and can refuse: the allocation with index
// `fail_at` (0-based, counted from the last arm()) and, if `fail_all_after`, every later one too.
class TestNodeAllocator final : public mm::RegionNodeAllocator {
public:
    ~TestNodeAllocator() { EXPECT_EQ(live_nodes, 0u) << "nodes leaked"; }

    void* allocate_node(size_t size, size_t alignment) override {
        size_t index = attempts++;
        if (failing && (index == fail_at || (fail_all_after && index > fail_at))) {
            ++failures;
            return nullptr;
        }
        ++live_nodes;
        return std::malloc(size);
    }
    void free_node(void* node, size_t) override {
        EXPECT_GT(live_nodes, 0u);
        --live_nodes;
        std::free(node);
    }

    void fail_on(size_t index, bool and_after = false) {
        failing = true;
        attempts = 0;
        fail_at = index;
        fail_all_after = and_after;
    }
    void stop_failing() { failing = false; }

    size_t live_nodes = 0;
    size_t attempts = 0;
    size_t failures = 0;
    bool failing = false;
    size_t fail_at = 0;
    bool fail_all_after = false;
};

inline mm::RegionAttributes attributes(mm::Protection protection,
                                       mm::RegionKind kind = mm::RegionKind::Anonymous,
                                       mm::RegionFlags flags = mm::RegionFlags::DemandZero,
                                       uint64_t tag = 0) {
    return mm::RegionAttributes{protection, kind, flags, tag};
}

constexpr mm::Protection read_only = mm::Protection::Read;
constexpr mm::Protection read_write = mm::Protection::Read | mm::Protection::Write;
constexpr mm::Protection read_execute = mm::Protection::Read | mm::Protection::Execute;

inline std::vector<mm::Region> regions_of(const mm::RegionMap& map) {
    std::vector<mm::Region> regions;
    for (const mm::Region& region : map)
        regions.push_back(region);
    return regions;
}

} // namespace region_map_test
