// MCFG parsing: the real table SeaBIOS builds for q35, synthetic tables with several segment groups,
// and hostile entries (reversed or overlapping bus ranges, misaligned or wrapping windows, truncation).
#include "acpi/mcfg.h"
#include "acpi_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <random>

namespace {

using namespace acpi;
using namespace acpi::testing;

struct Entry {
    uint64_t base;
    uint16_t segment;
    uint8_t start_bus, end_bus;
};

std::vector<uint8_t> mcfg_table(const std::vector<Entry>& entries, size_t extra_bytes = 0) {
    TableBuilder builder("MCFG");
    builder.zeros(8);
    for (const Entry& entry : entries)
        builder.u64(entry.base).u16(entry.segment).u8(entry.start_bus).u8(entry.end_bus).u32(0);
    builder.zeros(extra_bytes);
    return builder.build();
}

TEST(QemuQ35, McfgDescribesOneEcamWindowForSegmentZero) {
    std::ifstream file(BLOG_OS_ACPI_QEMU_TABLES, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    FakeMemory memory;
    memory.write(0x1fe0000, bytes);
    auto tables = std::make_unique<AcpiTables>();
    ASSERT_FALSE(tables->discover(memory, 0x1fe2297, 0, 0).is_error());
    auto table = tables->find("MCFG");
    ASSERT_FALSE(table.is_error());
    Mcfg mcfg;
    ASSERT_FALSE(parse_mcfg(table.value(), mcfg).is_error());
    // QEMU's q35 default: 256 MiB at 0xb0000000 (PCIEXBAR), buses 0-255 of segment 0.
    ASSERT_EQ(mcfg.regions.size(), 1u);
    EXPECT_EQ(mcfg.regions[0].base, 0xb0000000u);
    EXPECT_EQ(mcfg.regions[0].segment, 0);
    EXPECT_EQ(mcfg.regions[0].start_bus, 0);
    EXPECT_EQ(mcfg.regions[0].end_bus, 255);
    EXPECT_EQ(mcfg.regions[0].region_size(), 256u << 20);
    EXPECT_EQ(mcfg.rejected + mcfg.dropped, 0u);
    EXPECT_FALSE(mcfg.trailing_bytes);
    EXPECT_EQ(mcfg.find(0, 0), &mcfg.regions[0]);
    EXPECT_EQ(mcfg.find(1, 0), nullptr);
}

TEST(Mcfg, SeveralSegmentGroupsAndARangeStartingAboveBusZero) {
    std::vector<uint8_t> bytes =
        mcfg_table({{0xe0000000, 0, 0, 63}, {0xd0000000, 1, 0, 255}, {0xc0000000, 0, 128, 191}});
    Mcfg mcfg;
    ASSERT_FALSE(parse_mcfg(table_over(bytes, bytes.size()), mcfg).is_error());
    ASSERT_EQ(mcfg.regions.size(), 3u);
    const EcamRegion* high = mcfg.find(0, 130);
    ASSERT_NE(high, nullptr);
    EXPECT_EQ(high->base, 0xc0000000u);
    // The base is bus 0's: bus 128 lies 128 MiB above it.
    EXPECT_EQ(high->region_base(), 0xc0000000u + (128u << 20));
    EXPECT_EQ(high->region_size(), 64u << 20);
    EXPECT_EQ(mcfg.find(0, 100), nullptr); // between the two ranges of segment 0
    EXPECT_EQ(mcfg.find(1, 255)->base, 0xd0000000u);
    EXPECT_EQ(mcfg.first_of_segment(0)->start_bus, 0);
    EXPECT_EQ(mcfg.first_of_segment(2), nullptr);
}

TEST(Mcfg, InsaneEntriesAreRejectedAndTheRestKept) {
    std::vector<uint8_t> bytes = mcfg_table({
        {0xe0000000, 0, 10, 5},           // reversed bus range
        {0, 0, 0, 255},                   // no base
        {0xe0000800, 0, 0, 0},            // not 1 MiB aligned
        {0xfffffffffff00000ull, 0, 0, 1}, // the window wraps past 2^64
        {0xfffffffffff00000ull, 3, 0, 0}, // exactly the last MiB: fine
        {0xe0000000, 0, 0, 15},           // fine
        {0xf0000000, 0, 15, 20},          // claims bus 15 again
    });
    Mcfg mcfg;
    ASSERT_FALSE(parse_mcfg(table_over(bytes, bytes.size()), mcfg).is_error());
    EXPECT_EQ(mcfg.rejected, 5u);
    ASSERT_EQ(mcfg.regions.size(), 2u);
    EXPECT_EQ(mcfg.regions[0].segment, 3);
    EXPECT_EQ(mcfg.regions[1].base, 0xe0000000u);
    EXPECT_EQ(mcfg.find(0, 16), nullptr);
}

TEST(Mcfg, EntriesPastCapacityAreCountedAndTrailingBytesFlagged) {
    std::vector<Entry> entries;
    for (uint16_t segment = 0; segment < Mcfg::max_regions + 3; ++segment)
        entries.push_back({0x80000000, segment, 0, 0});
    std::vector<uint8_t> bytes = mcfg_table(entries, 7);
    Mcfg mcfg;
    ASSERT_FALSE(parse_mcfg(table_over(bytes, bytes.size()), mcfg).is_error());
    EXPECT_EQ(mcfg.regions.size(), Mcfg::max_regions);
    EXPECT_EQ(mcfg.dropped, 3u);
    EXPECT_TRUE(mcfg.trailing_bytes);
}

TEST(Mcfg, WrongSignatureOrShortHeaderIsRefusedAndNoEntriesIsEmpty) {
    std::vector<uint8_t> bytes = mcfg_table({});
    Mcfg mcfg;
    ASSERT_FALSE(parse_mcfg(table_over(bytes, bytes.size()), mcfg).is_error());
    EXPECT_TRUE(mcfg.regions.is_empty());
    EXPECT_TRUE(parse_mcfg(table_over(bytes, 43), mcfg).is_error());
    std::vector<uint8_t> other = TableBuilder("HPET").zeros(8).u64(0xe0000000).u32(0xff0000).u32(0).build();
    EXPECT_TRUE(parse_mcfg(table_over(other, other.size()), mcfg).is_error());
}

TEST(Mcfg, EveryTruncationAndRandomBytesGiveWellFormedRegions) {
    std::vector<uint8_t> bytes = mcfg_table({{0xe0000000, 0, 0, 255}, {0x100000000ull, 1, 2, 3}});
    for (size_t length = 0; length <= bytes.size(); ++length) {
        Mcfg mcfg;
        auto parsed = parse_mcfg(table_over(bytes, length), mcfg);
        EXPECT_EQ(parsed.is_error(), length < Mcfg::header_size);
        EXPECT_EQ(mcfg.regions.size(), length < Mcfg::header_size ? 0 : (length - Mcfg::header_size) / 16);
    }
    std::mt19937 random(15);
    for (int round = 0; round < 2000; ++round) {
        std::vector<uint8_t> noise = mcfg_table({}, 16 * (random() % 40) + random() % 16);
        for (size_t i = Mcfg::header_size; i < noise.size(); ++i)
            noise[i] = static_cast<uint8_t>(random() % 4 == 0 ? 0 : random());
        Mcfg mcfg;
        ASSERT_FALSE(parse_mcfg(table_over(noise, noise.size()), mcfg).is_error());
        for (const EcamRegion& region : mcfg.regions) {
            ASSERT_LE(region.start_bus, region.end_bus);
            ASSERT_NE(region.base, 0u);
            ASSERT_EQ(region.base % (1u << 20), 0u);
            ASSERT_GE(region.base + ((uint64_t(region.end_bus) + 1) << 20) - 1, region.base);
            for (const EcamRegion& other : mcfg.regions)
                if (&other != &region && other.segment == region.segment)
                    ASSERT_TRUE(other.end_bus < region.start_bus || region.end_bus < other.start_bus);
        }
    }
}

} // namespace
