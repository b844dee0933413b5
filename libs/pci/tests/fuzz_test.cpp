// Randomized scans of hostile configuration spaces: random headers, bus numbers, capability bytes and
// BAR masks. Whatever the input, the scan ends within its bounds, reports only functions that exist,
// gives well-formed BARs and capability lists, and leaves configuration space as it found it.
#include "fake_config_space.h"
#include "pci/scan.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>

namespace {

using namespace pci;
using namespace pci::testing;

constexpr uint8_t header_types[] = {0x00, 0x80, 0x01, 0x81, 0x02, 0x82, 0x7f, 0xff};

void build_random_space(std::mt19937& random, FakeConfigSpace& space) {
    auto byte = [&] { return uint8_t(random()); };
    size_t count = 1 + random() % 64;
    for (size_t index = 0; index < count; ++index) {
        Address address{0, uint8_t(random() % 8), uint8_t(random() % 32), uint8_t(random() % 8)};
        if (random() % 4 == 0)
            address.function = 0;
        FakeFunction& function = space.add(address);
        uint16_t size = space.extended ? ConfigSpace::extended_size : ConfigSpace::conventional_size;
        for (uint16_t offset = 0; offset < size; ++offset)
            function.set8(offset, byte());
        if (function.get16(reg::vendor_id) == reg::absent_vendor)
            function.set16(reg::vendor_id, 0x1234);
        function.set8(reg::header_type, header_types[random() % std::size(header_types)]);
        function.set8(reg::secondary_bus, uint8_t(random() % 10)); // often a bus that exists
        for (uint32_t& writable : function.bar_writable)
            writable = random() % 3 == 0 ? 0 : uint32_t(random());
    }
}

void expect_well_formed(FakeConfigSpace& space, const ScanResult& result) {
    EXPECT_LE(result.buses_scanned, 256u);
    EXPECT_LE(result.functions.size(), ScanResult::max_functions);
    std::set<uint64_t> seen;
    for (const Function& function : result.functions) {
        const FakeFunction* fake = space.get(function.address);
        ASSERT_NE(fake, nullptr) << "a function that does not exist";
        EXPECT_EQ(function.vendor_id, fake->get16(reg::vendor_id));
        uint64_t key =
            uint64_t(function.address.bus) << 8 | function.address.device << 3 | function.address.function;
        EXPECT_TRUE(seen.insert(key).second) << "a function reported twice";

        EXPECT_LE(function.capabilities.size(), Function::max_capabilities);
        std::set<uint8_t> offsets;
        for (const Capability& capability : function.capabilities) {
            EXPECT_GE(capability.offset, 0x40);
            EXPECT_EQ(capability.offset % 4, 0);
            EXPECT_TRUE(offsets.insert(capability.offset).second);
        }

        EXPECT_LE(function.extended_capabilities.size(), Function::max_extended_capabilities);
        std::set<uint16_t> extended_offsets;
        for (const ExtendedCapability& capability : function.extended_capabilities) {
            EXPECT_GE(capability.offset, 0x100);
            EXPECT_EQ(capability.offset % 4, 0);
            EXPECT_TRUE(extended_offsets.insert(capability.offset).second);
        }

        int previous_index = -1;
        for (const Bar& bar : function.bars) {
            EXPECT_GT(int(bar.index), previous_index);
            EXPECT_LT(bar.index, function.is_pci_bridge() ? 2 : 6);
            previous_index = bar.index + (bar.kind == BarKind::Memory64 ? 1 : 0);
            EXPECT_LT(previous_index, function.is_pci_bridge() ? 2 : 6);
            EXPECT_NE(bar.size, 0u);
            EXPECT_EQ(bar.size & (bar.size - 1), 0u) << "size not a power of two";
        }
    }
}

TEST(PciFuzz, RandomSpacesScanWithinBoundsAndAreLeftUnchanged) {
    for (uint32_t seed = 0; seed < 300; ++seed) {
        SCOPED_TRACE(seed);
        std::mt19937 random(seed);
        FakeConfigSpace space;
        space.extended = seed % 2 == 1; // half through "ECAM", with random extended spaces
        build_random_space(random, space);
        FakeConfigSpace before = space;
        auto result = std::make_unique<ScanResult>();
        scan(space, *result);
        expect_well_formed(space, *result);
        EXPECT_EQ(space.bar_probes_while_decoding, 0u);
        for (const Function& function : result->functions)
            EXPECT_EQ(space.get(function.address)->bytes, before.get(function.address)->bytes);
        if (HasFailure())
            return;
    }
}

} // namespace
