// The \_S5_ finder on QEMU's real DSDTs (pc and q35, from the dumps in tests/data), on hand-built AML
// for every integer encoding and name prefix, and on truncated and corrupted copies, where it must
// answer NoEntry (or a valid sleep type) and never read past the table. Also the FADT's PM1 control
// blocks from the same dumps, and the PM1 values a power-off writes.
#include "acpi/fadt.h"
#include "acpi/sleep_states.h"
#include "acpi_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <random>

namespace {

using namespace acpi;
using namespace acpi::testing;

struct Dump {
    const char* path;
    uint64_t base;
    uint64_t rsdt;
};
constexpr Dump q35_dump{BLOG_OS_ACPI_QEMU_TABLES, 0x1fe0000, 0x1fe2297};
// `-machine pc -smp 2 -m 32` under SeaBIOS (QEMU 7.2): FACS, DSDT, FACP (revision 1), APIC, HPET, WAET,
// RSDT. Dumped with no boot disk, from the monitor: `pmemsave 0x1fe0000 0x20000 "dump"` (the RSDP at
// 0xf59d0 names the RSDT), cut after the RSDT's last byte.
constexpr Dump pc_dump{BLOG_OS_ACPI_QEMU_PC_TABLES, 0x1fe0000, 0x1fe1aff};

std::unique_ptr<AcpiTables> discover(const Dump& dump, FakeMemory& memory) {
    std::ifstream file(dump.path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(bytes.empty()) << dump.path;
    memory.write(dump.base, bytes);
    auto tables = std::make_unique<AcpiTables>();
    EXPECT_FALSE(tables->discover(memory, dump.rsdt, 0, 0).is_error());
    return tables;
}

std::vector<uint8_t> copy_of(const Table& table) {
    return std::vector<uint8_t>(table.bytes.data(), table.bytes.data() + table.bytes.size());
}

class QemuDsdt : public ::testing::TestWithParam<Dump> {};

TEST_P(QemuDsdt, DeclaresS5AsSleepTypeZeroBesideS3AndS4) {
    FakeMemory memory;
    auto tables = discover(GetParam(), memory);
    Table dsdt = tables->find("DSDT").value();
    auto s5 = find_sleep_type(dsdt, 5);
    ASSERT_FALSE(s5.is_error()) << s5.error().name();
    // QEMU's PIIX4 and ICH9 PM both power off for SLP_TYP 0.
    EXPECT_EQ(s5.value().pm1a, 0);
    EXPECT_EQ(s5.value().pm1b, 0);
    // The neighbours declared just before it: Package (4) {1, 1, 0, 0} (OneOp) and {2, 2, 0, 0}
    // (BytePrefix), so the search must tell the names apart.
    auto s3 = find_sleep_type(dsdt, 3);
    ASSERT_FALSE(s3.is_error());
    EXPECT_EQ(s3.value().pm1a, 1);
    EXPECT_EQ(s3.value().pm1b, 1);
    auto s4 = find_sleep_type(dsdt, 4);
    ASSERT_FALSE(s4.is_error());
    EXPECT_EQ(s4.value().pm1a, 2);
    EXPECT_EQ(s4.value().pm1b, 2);
    EXPECT_EQ(find_sleep_type(dsdt, 1).error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(find_sleep_type(dsdt, 6).error().code(), ktl::Errno::InvalidArgument);
}

TEST_P(QemuDsdt, EveryTruncationIsFoundOrRefusedWithinTheTable) {
    FakeMemory memory;
    auto tables = discover(GetParam(), memory);
    std::vector<uint8_t> bytes = copy_of(tables->find("DSDT").value());
    size_t found = 0;
    for (size_t length = 0; length <= bytes.size(); ++length) {
        // A copy exactly `length` long, so a read past it is caught by the sanitizer.
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(length));
        auto s5 = find_sleep_type(table_over(cut, cut.size()), 5);
        if (s5.is_error()) {
            EXPECT_TRUE(s5.error().code() == ktl::Errno::NoEntry ||
                        (length < table_header_size && s5.error().code() == ktl::Errno::InvalidArgument))
                << length;
        } else {
            ++found;
            EXPECT_EQ(s5.value().pm1a, 0);
        }
    }
    // Found from the length that holds the whole package on.
    EXPECT_GT(found, 0u);
    EXPECT_LT(found, bytes.size());
}

TEST_P(QemuDsdt, RandomCorruptionNeverYieldsAnOutOfRangeSleepType) {
    FakeMemory memory;
    auto tables = discover(GetParam(), memory);
    const std::vector<uint8_t> original = copy_of(tables->find("DSDT").value());
    std::mt19937 random(1234);
    for (int round = 0; round < 300; ++round) {
        std::vector<uint8_t> bytes = original;
        for (int flips = 0; flips < 8; ++flips)
            bytes[random() % bytes.size()] = static_cast<uint8_t>(random());
        auto s5 = find_sleep_type(table_over(bytes, bytes.size()), 5);
        if (!s5.is_error()) {
            EXPECT_LE(s5.value().pm1a, 7);
            EXPECT_LE(s5.value().pm1b, 7);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Machines, QemuDsdt, ::testing::Values(pc_dump, q35_dump),
                         [](const auto& info) { return info.index == 0 ? "pc" : "q35"; });

// AML bytes wrapped into a DSDT.
Table dsdt_with(const std::vector<uint8_t>& aml, std::vector<uint8_t>& storage) {
    storage = TableBuilder("DSDT", 2).raw(aml).build();
    return table_over(storage, storage.size());
}

std::vector<uint8_t> name_s5(std::vector<uint8_t> package_contents, std::vector<uint8_t> prefix = {}) {
    std::vector<uint8_t> aml = {0x08};
    aml.insert(aml.end(), prefix.begin(), prefix.end());
    aml.insert(aml.end(), {'_', 'S', '5', '_', 0x12});
    aml.push_back(static_cast<uint8_t>(package_contents.size() + 1)); // one-byte PkgLength
    aml.insert(aml.end(), package_contents.begin(), package_contents.end());
    return aml;
}

TEST(SleepStates, EveryIntegerEncodingIsRead) {
    std::vector<uint8_t> storage;
    struct Case {
        std::vector<uint8_t> contents;
        uint8_t a, b;
    };
    const Case cases[] = {
        {{0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00}, 5, 7},                // BytePrefix
        {{0x02, 0x0b, 0x06, 0x00, 0x01}, 6, 1},                            // WordPrefix, OneOp
        {{0x02, 0x0c, 0x03, 0, 0, 0, 0x0e, 2, 0, 0, 0, 0, 0, 0, 0}, 3, 2}, // DWord, QWord
        {{0x01, 0x0b, 0x05, 0x07}, 5, 7},                                  // legacy: one word, a in bits 0-7
        {{0x02, 0x00, 0x00}, 0, 0},                                        // ZeroOp
    };
    for (const Case& c : cases) {
        auto s5 = find_sleep_type(dsdt_with(name_s5(c.contents), storage), 5);
        ASSERT_FALSE(s5.is_error()) << ::testing::PrintToString(c.contents);
        EXPECT_EQ(s5.value().pm1a, c.a);
        EXPECT_EQ(s5.value().pm1b, c.b);
    }
}

TEST(SleepStates, RootAndParentPrefixesAndAMultiBytePkgLength) {
    std::vector<uint8_t> storage;
    auto rooted = find_sleep_type(dsdt_with(name_s5({0x02, 0x0a, 0x05, 0x0a, 0x05}, {'\\'}), storage), 5);
    ASSERT_FALSE(rooted.is_error());
    EXPECT_EQ(rooted.value().pm1a, 5);
    auto parent = find_sleep_type(dsdt_with(name_s5({0x02, 0x01, 0x01}, {'^', '^'}), storage), 5);
    ASSERT_FALSE(parent.is_error());
    EXPECT_EQ(parent.value().pm1b, 1);
    // A two-byte PkgLength (0x40 | low nibble, then the next 8 bits): 6 bytes in all.
    std::vector<uint8_t> aml = {0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0a, 0x03, 0x01};
    auto wide = find_sleep_type(dsdt_with(aml, storage), 5);
    ASSERT_FALSE(wide.is_error());
    EXPECT_EQ(wide.value().pm1a, 3);
    EXPECT_EQ(wide.value().pm1b, 1);
}

TEST(SleepStates, AReferenceOrAnUnusablePackageIsSkippedForALaterDeclaration) {
    std::vector<uint8_t> storage;
    std::vector<uint8_t> aml = {
        0x70, '_',  'S', '5', '_', 0x60,                   // Store(_S5_, Local0): no NameOp before it
        0x08, '_',  'S', '5', '_', 0x12, 0x04, 0x01, 0x0d, // a string element: not a sleep type
        'x',  0x00,
    };
    std::vector<uint8_t> good = name_s5({0x02, 0x0a, 0x06, 0x0a, 0x02});
    aml.insert(aml.end(), good.begin(), good.end());
    auto s5 = find_sleep_type(dsdt_with(aml, storage), 5);
    ASSERT_FALSE(s5.is_error());
    EXPECT_EQ(s5.value().pm1a, 6);
    EXPECT_EQ(s5.value().pm1b, 2);
}

TEST(SleepStates, MalformedPackagesAreRefused) {
    std::vector<uint8_t> storage;
    const std::vector<std::vector<uint8_t>> bad = {
        {},                       // empty package: no NumElements
        {0x00},                   // NumElements 0
        {0x02, 0x0a, 0x08, 0x00}, // SLP_TYPa 8 does not fit in 3 bits
        {0x02, 0x0a},             // BytePrefix without its byte
        {0x02, 0x0c, 0x01, 0x00}, // DWordPrefix cut short by the package's end
        {0x01, 0x0b, 0x05, 0x09}, // legacy word with SLP_TYPb 9
        {0x02, 0x12, 0x01, 0x00}, // a nested package
    };
    for (const auto& contents : bad) {
        auto s5 = find_sleep_type(dsdt_with(name_s5(contents), storage), 5);
        EXPECT_TRUE(s5.is_error()) << ::testing::PrintToString(contents);
    }
    // PkgLength longer than the table.
    std::vector<uint8_t> aml = {0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x02, 0x00, 0x00};
    EXPECT_EQ(find_sleep_type(dsdt_with(aml, storage), 5).error().code(), ktl::Errno::NoEntry);
    // Bits 5-4 set in a multi-byte lead.
    aml = {0x08, '_', 'S', '5', '_', 0x12, 0x76, 0x00, 0x02, 0x00, 0x00, 0x00};
    EXPECT_EQ(find_sleep_type(dsdt_with(aml, storage), 5).error().code(), ktl::Errno::NoEntry);
    // The name at the very end of the table, and a table of only a header.
    aml = {0x08, '_', 'S', '5', '_'};
    EXPECT_EQ(find_sleep_type(dsdt_with(aml, storage), 5).error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(find_sleep_type(dsdt_with({}, storage), 5).error().code(), ktl::Errno::NoEntry);
}

TEST(QemuFadt, Pm1ControlBlocksAndTheSmiCommand) {
    FakeMemory pc_memory, q35_memory;
    auto pc = discover(pc_dump, pc_memory);
    auto q35 = discover(q35_dump, q35_memory);
    Fadt pc_fadt = parse_fadt(pc->find("FACP").value()).release_value();
    Fadt q35_fadt = parse_fadt(q35->find("FACP").value()).release_value();
    for (const Fadt* fadt : {&pc_fadt, &q35_fadt}) {
        ASSERT_TRUE(fadt->has_pm1a_control);
        EXPECT_EQ(fadt->pm1a_control.address_space, uint8_t(AddressSpace::SystemIo));
        EXPECT_EQ(fadt->pm1a_control.address, 0x604u);
        EXPECT_FALSE(fadt->has_pm1b_control);
        EXPECT_FALSE(fadt->has_sleep_control);
        EXPECT_EQ(fadt->smi_command_port, 0xb2u);
        EXPECT_TRUE(fadt->can_enable_acpi());
    }
    // PIIX4 and ICH9 want different ACPI_ENABLE values; revision 1 has no reset register.
    EXPECT_EQ(pc_fadt.revision, 1);
    EXPECT_EQ(pc_fadt.acpi_enable_value, 0xf1);
    EXPECT_FALSE(pc_fadt.has_reset_register);
    EXPECT_EQ(q35_fadt.acpi_enable_value, 0x02);
    EXPECT_TRUE(q35_fadt.has_reset_register);
}

TEST(Fadt, Pm1ControlFromTheExtendedBlockOrTheLegacyPort) {
    FadtFields fields;
    std::vector<uint8_t> bytes = fadt_table(fields);
    poke(bytes, 64, 0xb004, 4); // PM1a_CNT_BLK
    poke(bytes, 68, 0xb104, 4); // PM1b_CNT_BLK
    poke(bytes, 89, 2, 1);      // PM1_CNT_LEN
    TableBuilder::fix_checksum(bytes);
    Fadt legacy = parse_fadt(table_over(bytes, bytes.size())).release_value();
    ASSERT_TRUE(legacy.has_pm1a_control);
    EXPECT_EQ(legacy.pm1a_control.address, 0xb004u);
    ASSERT_TRUE(legacy.has_pm1b_control);
    EXPECT_EQ(legacy.pm1b_control.address, 0xb104u);

    poke_gas(bytes, 172, 0, 16, 0xfe000404); // X_PM1a_CNT_BLK in memory wins
    poke(bytes, 89, 0, 1);                   // and PM1_CNT_LEN 0 drops the legacy PM1b
    TableBuilder::fix_checksum(bytes);
    Fadt extended = parse_fadt(table_over(bytes, bytes.size())).release_value();
    ASSERT_TRUE(extended.has_pm1a_control);
    EXPECT_EQ(extended.pm1a_control.address_space, uint8_t(AddressSpace::SystemMemory));
    EXPECT_EQ(extended.pm1a_control.address, 0xfe000404u);
    EXPECT_FALSE(extended.has_pm1b_control);
}

TEST(Pm1Control, SleepValueKeepsOtherBitsAndReplacesTheType) {
    EXPECT_EQ(pm1_sleep_value(0x0001, 0, true), 0x2001);  // SCI_EN kept, SLP_TYP 0, SLP_EN
    EXPECT_EQ(pm1_sleep_value(0x1c01, 5, false), 0x1401); // old SLP_TYP 7 replaced by 5
    EXPECT_EQ(pm1_sleep_value(0x2000, 7, true), 0x3c00);
    EXPECT_EQ(sleep_control_value(5), 0x34);
}

} // namespace
