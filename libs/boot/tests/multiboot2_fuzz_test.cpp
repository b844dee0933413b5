// Randomized Multiboot2 tests with fixed seeds: mutated blocks must never crash the parser and,
// when accepted, must yield a sane BootInfo; and the sanitized memory map must agree with a
// straightforward per-address model of the raw entries.
#include "boot/multiboot2.h"
#include "multiboot2_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

namespace {

using boot::BootInfo;
using boot::BootWarning;
using boot::BootWarnings;
using boot::MemoryType;
using boot::testing::Bytes;
using boot::testing::Multiboot2Builder;
using boot::testing::RawEntry;
using boot::testing::RgbFramebuffer;

constexpr uint64_t u64_max = ~0ull;

// Checks every promise BootInfo makes (fatal gtest failures when one is broken).
void expect_sane(const BootInfo& info, size_t buffer_size) {
    const auto& map = info.memory_map;
    for (size_t i = 0; i < map.size(); ++i) {
        const auto& region = map[i];
        ASSERT_GT(region.length, 0u);
        ASSERT_LE(region.length, u64_max - region.base); // end() does not wrap
        uint32_t type = static_cast<uint32_t>(region.type);
        ASSERT_TRUE(type >= 1 && type <= 5) << type;
        if (i > 0) {
            ASSERT_LE(map[i - 1].end(), region.base); // sorted and disjoint
            if (map[i - 1].end() == region.base) {
                ASSERT_NE(map[i - 1].type, region.type); // merged
            }
        }
    }
    for (const auto& module : info.modules) {
        ASSERT_LE(module.start, module.end);
        ASSERT_LT(strnlen(module.name, sizeof module.name), sizeof module.name);
    }
    ASSERT_LT(strnlen(info.command_line, sizeof info.command_line), sizeof info.command_line);
    ASSERT_LT(strnlen(info.loader_name, sizeof info.loader_name), sizeof info.loader_name);
    ASSERT_LE(info.info_size, buffer_size);
    ASSERT_EQ(info.info_size % 8, 0u);
    if (info.has_framebuffer) {
        const auto& fb = info.framebuffer;
        ASSERT_GT(fb.width, 0u);
        ASSERT_GT(fb.height, 0u);
        ASSERT_GE(uint64_t(fb.pitch), uint64_t(fb.width) * ((fb.bits_per_pixel + 7) / 8));
        ASSERT_LE(fb.physical_address, u64_max - uint64_t(fb.pitch) * fb.height);
    }
    if (info.has_elf_sections) {
        ASSERT_LE(info.elf_sections.headers_offset_in_info + info.elf_sections.headers_size, info.info_size);
    }
}

std::vector<uint8_t> fuzz_seed_block() {
    return Multiboot2Builder()
        .command_line("log=debug test=\"a b\"")
        .loader_name("GRUB 2.06")
        .basic_memory_info(639, 130048)
        .memory_map({{0x0, 0x9fc00, 1},
                     {0x9fc00, 0x400, 2},
                     {0xf0000, 0x10000, 2},
                     {0x100000, 0x7ee0000, 1},
                     {0x7fe0000, 0x20000, 3},
                     {0x200000, 0x1000, 5},
                     {0xfffc0000, 0x40000, 20},
                     {0xfffffffffffff000, 0x1000, 4}})
        .module(0x200000, 0x201234, "initrd.tar")
        .module(0x300000, 0x300010, "second")
        .framebuffer(RgbFramebuffer{})
        .elf_sections(2, 64, 1, 128)
        .old_rsdp(boot::testing::rsdp_v1(0x7fe14d2))
        .new_rsdp(boot::testing::rsdp_v2(0x7fe14d2, 0x7fe1500))
        .tag(99, Bytes().u32(5).bytes())
        .build();
}

uint32_t interesting_u32(std::mt19937_64& random, size_t block_size) {
    static const uint32_t values[] = {0,  1,  7,  8,          9,          12,         15,
                                      16, 17, 20, 23,         24,         31,         32,
                                      36, 38, 40, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff};
    switch (random() % 4) {
    case 0:
        return values[random() % std::size(values)];
    case 1:
        return static_cast<uint32_t>(block_size + random() % 17) - 8;
    case 2:
        return static_cast<uint32_t>(random() % 512);
    default:
        return static_cast<uint32_t>(random());
    }
}

void mutate(std::vector<uint8_t>& block, std::mt19937_64& random) {
    int count = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < count; ++i) {
        switch (random() % 7) {
        case 0: // random byte
            if (!block.empty())
                block[random() % block.size()] = static_cast<uint8_t>(random());
            break;
        case 1: // one bit
            if (!block.empty())
                block[random() % block.size()] ^= static_cast<uint8_t>(1u << (random() % 8));
            break;
        case 2: // a size-like value where a type, size or field lives
            if (block.size() >= 4) {
                size_t offset = (random() % (block.size() / 4)) * 4;
                boot::testing::set_u32(block, offset, interesting_u32(random, block.size()));
            }
            break;
        case 3: // truncate
            block.resize(random() % (block.size() + 1));
            break;
        case 4: // extend with noise
            for (size_t n = random() % 24; n > 0; --n)
                block.push_back(static_cast<uint8_t>(random()));
            break;
        case 5: // total_size
            if (block.size() >= 4)
                boot::testing::set_u32(block, 0, interesting_u32(random, block.size()));
            break;
        case 6: // copy a chunk elsewhere (duplicates tags, shifts alignment)
            if (block.size() >= 16) {
                size_t from = random() % block.size();
                size_t length = std::min<size_t>(random() % 64, block.size() - from);
                std::vector<uint8_t> chunk(block.begin() + from, block.begin() + from + length);
                size_t to = random() % block.size();
                block.insert(block.begin() + to, chunk.begin(), chunk.end());
            }
            break;
        }
    }
}

TEST(Multiboot2Fuzz, RandomMutationsNeverCrash) {
    const std::vector<uint8_t> seed = fuzz_seed_block();
    std::mt19937_64 random(0xb1060500);
    static BootInfo info;
    size_t accepted = 0;
    size_t rejected = 0;
    for (int iteration = 0; iteration < 200000; ++iteration) {
        std::vector<uint8_t> block = seed;
        mutate(block, random);
        BootWarnings warnings;
        auto result = boot::testing::parse(block, info, warnings);
        if (result.is_error()) {
            ASSERT_EQ(result.error().code(), ktl::Errno::InvalidArgument);
            ++rejected;
            continue;
        }
        ++accepted;
        expect_sane(info, block.size());
        if (::testing::Test::HasFatalFailure()) {
            ADD_FAILURE() << "iteration " << iteration;
            return;
        }
    }
    RecordProperty("accepted", static_cast<int>(accepted));
    RecordProperty("rejected", static_cast<int>(rejected));
    // Both paths must have been exercised a fair amount.
    EXPECT_GT(accepted, 20000u);
    EXPECT_GT(rejected, 20000u);
}

// ---- memory map against a model ----

int rank_of_raw(uint32_t type) {
    switch (type) {
    case 1:
        return 0;
    case 3:
        return 1;
    case 4:
        return 3;
    case 5:
        return 4;
    default: // Reserved and every unknown number
        return 2;
    }
}

// The expected type at `address`: the most restrictive raw entry covering it, or -1 for a hole.
int model_rank(const std::vector<RawEntry>& entries, uint64_t address) {
    int best = -1;
    for (const RawEntry& entry : entries) {
        uint64_t end = entry.length > u64_max - entry.base ? u64_max : entry.base + entry.length;
        if (entry.base <= address && address < end)
            best = std::max(best, rank_of_raw(entry.type));
    }
    return best;
}

int actual_rank(const BootInfo& info, uint64_t address) {
    for (const auto& region : info.memory_map)
        if (region.base <= address && address < region.end())
            return boot::memory_type_rank(region.type);
    return -1;
}

uint64_t random_point(std::mt19937_64& random) {
    switch (random() % 6) {
    case 0:
    case 1:
        return (random() % 24) * 0x1000;
    case 2:
        return u64_max - (random() % 4) * 0x1000;
    case 3:
        return (random() % 24) * 0x1000 + random() % 3 - 1;
    case 4:
        return random() % 0x20000;
    default:
        return random();
    }
}

RawEntry random_entry(std::mt19937_64& random) {
    static const uint32_t types[] = {1, 1, 1, 2, 3, 4, 5, 0, 7, 20, 0xffffffff};
    RawEntry entry;
    entry.base = random_point(random);
    entry.type = types[random() % std::size(types)];
    switch (random() % 5) {
    case 0:
        entry.length = 0;
        break;
    case 1:
        entry.length = u64_max - random() % 3; // wraps for almost every base
        break;
    default: {
        uint64_t end = random_point(random);
        entry.length = end > entry.base ? end - entry.base : (random() % 8) * 0x800;
        break;
    }
    }
    return entry;
}

void check_against_model(const std::vector<RawEntry>& entries, std::mt19937_64& random, int iteration) {
    static BootInfo info;
    BootWarnings warnings;
    auto block = Multiboot2Builder().memory_map(entries).build();
    ASSERT_FALSE(boot::testing::parse(block, info, warnings).is_error());
    expect_sane(info, block.size());
    bool truncated = warnings.has(BootWarning::MemoryMapTruncated);
    uint64_t limit = truncated ? info.highest_address() : u64_max;

    std::vector<uint64_t> samples;
    for (const RawEntry& entry : entries) {
        uint64_t end = entry.length > u64_max - entry.base ? u64_max : entry.base + entry.length;
        for (uint64_t point : {entry.base, entry.base - 1, entry.base + 1, end, end - 1, end + 1})
            samples.push_back(point);
    }
    for (const auto& region : info.memory_map)
        for (uint64_t point : {region.base, region.base - 1, region.end(), region.end() - 1})
            samples.push_back(point);
    for (int i = 0; i < 16; ++i)
        samples.push_back(random_point(random));

    for (uint64_t address : samples) {
        if (truncated && address >= limit)
            continue;
        ASSERT_EQ(actual_rank(info, address), model_rank(entries, address))
            << "iteration " << iteration << " address " << std::hex << address;
    }
    // The warnings describe what was done.
    bool any_zero = false;
    for (const RawEntry& entry : entries)
        any_zero |= entry.length == 0 || (entry.base == u64_max);
    EXPECT_EQ(warnings.has(BootWarning::ZeroLengthRegion), any_zero) << iteration;
}

TEST(Multiboot2Fuzz, MemoryMapMatchesModel) {
    std::mt19937_64 random(0x3e3a9);
    for (int iteration = 0; iteration < 5000; ++iteration) {
        std::vector<RawEntry> entries(random() % 40);
        for (RawEntry& entry : entries)
            entry = random_entry(random);
        check_against_model(entries, random, iteration);
        if (::testing::Test::HasFatalFailure())
            return;
    }
}

TEST(Multiboot2Fuzz, TruncatedMemoryMapIsAPrefixOfTheModel) {
    std::mt19937_64 random(0x7a11);
    for (int iteration = 0; iteration < 300; ++iteration) {
        // Many small entries of alternating types so that more than 128 regions result.
        std::vector<RawEntry> entries;
        for (int i = 0; i < 150 + static_cast<int>(random() % 150); ++i)
            entries.push_back({(random() % 4096) * 0x1000, (1 + random() % 3) * 0x1000,
                               static_cast<uint32_t>(1 + random() % 5)});
        check_against_model(entries, random, iteration);
        if (::testing::Test::HasFatalFailure())
            return;
    }
}

} // namespace
