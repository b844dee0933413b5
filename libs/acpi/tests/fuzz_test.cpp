// Randomized mutation with fixed seeds: byte flips and planted addresses over the whole fake memory
// (with checksums sometimes repaired, so the parsers see mutated content too) must never crash,
// hang or break an invariant. Run under ASan/UBSan as well (a build with -fsanitize=address,undefined).
#include "acpi/fadt.h"
#include "acpi/hpet.h"
#include "acpi/madt.h"
#include "acpi_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <random>

namespace {

using namespace acpi;
using namespace acpi::testing;

constexpr uint64_t u64_max = ~0ull;

void check_invariants(const AcpiTables& tables, const FakeMemory& memory) {
    ASSERT_LE(tables.table_count(), AcpiTables::max_tables);
    ASSERT_LE(tables.warnings().size(), AcpiTables::max_warnings);
    for (size_t i = 0; i < tables.table_count(); ++i) {
        const Table& table = tables.table(i);
        ASSERT_GE(table.bytes.size(), table_header_size);
        ASSERT_LE(table.bytes.size(), AcpiTables::max_table_length);
        ASSERT_LE(table.bytes.size(), u64_max - table.address);
        ASSERT_EQ(table.header().length, table.bytes.size());
        ASSERT_EQ(table.checksum_ok, checksum(table.bytes) == 0);
        ASSERT_NE(table.address, tables.root().address);
        auto mapped = memory.map(table.address, table.bytes.size());
        ASSERT_FALSE(mapped.is_error());
        ASSERT_EQ(mapped.value().data(), table.bytes.data());
    }
}

// Everything the kernel would do with the tables.
void exercise(AcpiTables& tables, const FakeMemory& memory, uint8_t revision, uint64_t rsdt, uint64_t xsdt,
              Madt& madt) {
    if (tables.discover(memory, rsdt, xsdt, revision).is_error())
        return;
    check_invariants(tables, memory);
    StringSink sink;
    tables.write_summary(sink);
    for (size_t i = 0; i < tables.table_count(); ++i) {
        const Table& table = tables.table(i);
        if (!parse_madt(table, madt).is_error()) {
            ASSERT_LE(madt.processors.size() + madt.io_apics.size() + madt.overrides.size() +
                          madt.local_nmis.size() + madt.dropped + madt.short_entries,
                      table.bytes.size() / 2);
        }
        auto hpet = parse_hpet(table);
        if (!hpet.is_error()) {
            ASSERT_EQ(hpet.value().base.address_space, 0);
            ASSERT_NE(hpet.value().base.address, 0u);
        }
        auto fadt = parse_fadt(table);
        if (!fadt.is_error()) {
            ASSERT_EQ(fadt.value().length, table.bytes.size());
        }
    }
    (void)tables.find("APIC", 0, AcpiTables::Checksum::Ignore);
}

struct Corpus {
    FakeMemory memory;
    std::vector<std::pair<uint64_t, size_t>> tables; // positions whose checksums may be repaired
    uint64_t rsdt = 0, xsdt = 0;
    std::vector<uint64_t> interesting; // addresses worth planting
};

void mutate_and_run(const Corpus& corpus, uint32_t seed, int iterations) {
    std::mt19937_64 random(seed);
    auto tables = std::make_unique<AcpiTables>();
    auto madt = std::make_unique<Madt>();
    std::vector<uint64_t> planted = corpus.interesting;
    for (uint64_t value :
         std::initializer_list<uint64_t>{0, 1, 0xffffffff, u64_max, u64_max - 35, u64_max - 0x1000, 35, 36})
        planted.push_back(value);

    FakeMemory memory = corpus.memory;
    for (int iteration = 0; iteration < iterations; ++iteration) {
        // Restore the pristine bytes in place (the regions keep their addresses and sizes).
        for (size_t r = 0; r < memory.regions().size(); ++r)
            memory.regions()[r].bytes = corpus.memory.regions()[r].bytes;
        auto& region = memory.regions()[random() % memory.regions().size()].bytes;
        int mutations = 1 + static_cast<int>(random() % 8);
        for (int m = 0; m < mutations; ++m) {
            size_t offset = random() % region.size();
            switch (random() % 4) {
            case 0: // plant an address or a length
                if (offset + 8 <= region.size())
                    poke(region, offset, planted[random() % planted.size()] + random() % 3,
                         4 << (random() % 2));
                break;
            case 1:
                region[offset] = static_cast<uint8_t>(random());
                break;
            default:
                region[offset] ^= static_cast<uint8_t>(1u << (random() % 8));
                break;
            }
        }
        if (random() % 2 == 0) {
            for (auto [address, length] : corpus.tables) {
                for (auto& candidate : memory.regions()) {
                    if (address >= candidate.base &&
                        address - candidate.base + length <= candidate.bytes.size()) {
                        std::vector<uint8_t> copy(candidate.bytes.begin() + (address - candidate.base),
                                                  candidate.bytes.begin() + (address - candidate.base) +
                                                      length);
                        TableBuilder::fix_checksum(copy);
                        candidate.bytes[address - candidate.base + 9] = copy[9];
                    }
                }
            }
        }
        uint8_t revision = random() % 2 ? 2 : 0;
        exercise(*tables, memory, revision, corpus.rsdt, corpus.xsdt, *madt);
        if (::testing::Test::HasFatalFailure()) {
            ADD_FAILURE() << "seed " << seed << " iteration " << iteration;
            return;
        }
    }
}

Corpus synthetic_corpus() {
    Machine machine = standard_machine();
    Corpus corpus;
    corpus.memory = machine.memory;
    corpus.tables = machine.tables;
    corpus.rsdt = Machine::rsdt;
    corpus.xsdt = Machine::xsdt;
    for (auto [address, length] : machine.tables) {
        corpus.interesting.push_back(address);
        corpus.interesting.push_back(length);
        corpus.interesting.push_back(address + length);
    }
    return corpus;
}

TEST(AcpiFuzz, SyntheticMachineSurvivesRandomMutation) {
    Corpus corpus = synthetic_corpus();
    for (uint32_t seed = 1; seed <= 4; ++seed)
        mutate_and_run(corpus, seed, 25000);
}

TEST(AcpiFuzz, QemuTablesSurviveRandomMutation) {
    std::ifstream file(BLOG_OS_ACPI_QEMU_TABLES, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    Corpus corpus;
    corpus.memory.write(0x1fe0000, bytes);
    corpus.rsdt = 0x1fe2297;
    corpus.tables = {{0x1fe0040, 8263}, {0x1fe2087, 244}, {0x1fe217b, 128}, {0x1fe21fb, 56},
                     {0x1fe2233, 60},   {0x1fe226f, 40},  {0x1fe2297, 56}};
    for (auto [address, length] : corpus.tables)
        corpus.interesting.push_back(address);
    mutate_and_run(corpus, 99, 20000);
}

TEST(AcpiFuzz, RandomRootsOverRandomMemory) {
    // No structure at all: random bytes everywhere, random root addresses, some planted headers.
    std::mt19937_64 random(7);
    auto tables = std::make_unique<AcpiTables>();
    auto madt = std::make_unique<Madt>();
    for (int iteration = 0; iteration < 5000; ++iteration) {
        FakeMemory memory;
        std::vector<uint8_t> bytes(512);
        for (auto& byte : bytes)
            byte = static_cast<uint8_t>(random());
        const char* signatures[] = {"RSDT", "XSDT", "APIC", "HPET", "FACP", "DSDT"};
        for (int k = 0; k < 6; ++k) {
            size_t offset = random() % (bytes.size() - 8);
            std::memcpy(&bytes[offset], signatures[random() % 6], 4);
            poke(bytes, offset + 4, 36 + random() % 200, 4);
        }
        uint64_t base = random() % 2 ? 0x10000 : u64_max - 511;
        memory.write(base, bytes);
        uint64_t root = base + random() % bytes.size();
        exercise(*tables, memory, 2, root, root, *madt);
        ASSERT_FALSE(::testing::Test::HasFatalFailure()) << iteration;
    }
}

} // namespace
