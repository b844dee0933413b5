// AcpiTables::discover and find: root selection, validation of every listed table, and the hostile
// cases (lying lengths, wrapping addresses, self-listing roots, duplicates, overlaps, floods).
#include "acpi/tables.h"
#include "acpi_builder.h"

#include <gtest/gtest.h>

#include <memory>

namespace {

using namespace acpi;
using namespace acpi::testing;

constexpr uint64_t u64_max = ~0ull;

// AcpiTables is ~10 KiB; the tests keep it off the stack the way the kernel keeps it in static storage.
std::unique_ptr<AcpiTables> make_tables() {
    return std::make_unique<AcpiTables>();
}

std::string signature_of(const Table& table) {
    return std::string(table.signature().data(), table.signature().length());
}

TEST(AcpiTables, PrefersXsdtForRevision2AndReadsUnalignedEntries) {
    Machine machine = standard_machine();
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, Machine::rsdt, Machine::xsdt, 2).is_error());
    EXPECT_TRUE(tables->uses_xsdt());
    EXPECT_EQ(tables->root().address, Machine::xsdt);
    EXPECT_TRUE(tables->warnings().is_empty());
    ASSERT_EQ(tables->table_count(), 5u); // four listed plus the DSDT from the FADT
    EXPECT_EQ(signature_of(tables->table(0)), "FACP");
    EXPECT_EQ(signature_of(tables->table(4)), "DSDT");

    auto madt = tables->find("APIC");
    ASSERT_FALSE(madt.is_error());
    EXPECT_EQ(madt.value().address, Machine::madt);
    TableHeader header = madt.value().header();
    EXPECT_EQ(header.length, madt.value().bytes.size());
    EXPECT_EQ(header.revision, 5);
    EXPECT_EQ(std::string(header.oem_id, 6), "BLOGOS");
    EXPECT_EQ(std::string(header.oem_table_id, 8), "TESTTBL ");
    EXPECT_EQ(header.oem_revision, 1u);
    EXPECT_EQ(header.creator_id, 0x4c504d42u);
    EXPECT_EQ(header.creator_revision, 7u);
    EXPECT_EQ(tables->find("DSDT").value().address, Machine::dsdt);
}

TEST(AcpiTables, UsesRsdtForRevision0EvenWithAnXsdtAddress) {
    Machine machine = standard_machine();
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, Machine::rsdt, Machine::xsdt, 0).is_error());
    EXPECT_FALSE(tables->uses_xsdt());
    EXPECT_EQ(tables->root().address, Machine::rsdt);
    EXPECT_EQ(tables->table_count(), 5u);
}

TEST(AcpiTables, UsesRsdtWhenRevision2HasNoXsdt) {
    Machine machine = standard_machine();
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, Machine::rsdt, 0, 2).is_error());
    EXPECT_FALSE(tables->uses_xsdt());
    EXPECT_TRUE(tables->warnings().is_empty());
}

TEST(AcpiTables, FallsBackToRsdtWhenXsdtChecksumIsWrong) {
    Machine machine = standard_machine();
    machine.memory.regions()[0].bytes[Machine::xsdt - Machine::base + 9] ^= 1;
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, Machine::rsdt, Machine::xsdt, 2).is_error());
    EXPECT_FALSE(tables->uses_xsdt());
    EXPECT_TRUE(tables->has_warning(WarningKind::XsdtUnusable));
    EXPECT_EQ(tables->table_count(), 5u);
}

TEST(AcpiTables, RootErrors) {
    auto tables = make_tables();
    FakeMemory empty;
    EXPECT_EQ(tables->discover(empty, 0, 0, 2).release_error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(tables->discover(empty, 0x1000, 0, 0).release_error().code(), ktl::Errno::BadAddress);

    auto expect_rejected = [&](std::vector<uint8_t> root, ktl::Errno expected) {
        FakeMemory memory;
        memory.add_region(0x1000, 0x100);
        memory.write(0x1000, root);
        auto result = tables->discover(memory, 0x1000, 0, 0);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.release_error().code(), expected);
        EXPECT_EQ(tables->table_count(), 0u);
    };
    expect_rejected(TableBuilder("XSDT").build(), ktl::Errno::InvalidArgument); // RSDT expected
    auto bad_checksum = root_table(false, {});
    bad_checksum[9] ^= 0x55;
    expect_rejected(bad_checksum, ktl::Errno::InvalidArgument);
    expect_rejected(TableBuilder("RSDT").build_with_length(35), ktl::Errno::InvalidArgument);
    expect_rejected(TableBuilder("RSDT").build_with_length(0), ktl::Errno::InvalidArgument);
    // A 4 GiB length is refused before any attempt to map or checksum it.
    expect_rejected(TableBuilder("RSDT").build_with_length(0xffffffff), ktl::Errno::InvalidArgument);
    // A length running past the end of memory.
    expect_rejected(TableBuilder("RSDT").build_with_length(0x200), ktl::Errno::BadAddress);

    // Revision 2, unusable XSDT and no RSDT: the XSDT's error.
    FakeMemory memory;
    memory.add_region(0x1000, 0x100);
    memory.write(0x1000, TableBuilder("XSDT").build_with_length(20));
    auto result = tables->discover(memory, 0, 0x1000, 2);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.release_error().code(), ktl::Errno::InvalidArgument);
    EXPECT_TRUE(tables->has_warning(WarningKind::XsdtUnusable));
}

TEST(AcpiTables, BadChecksumTablesAreWarnedAndHidden) {
    Machine machine = standard_machine();
    machine.memory.regions()[0].bytes[Machine::hpet - Machine::base + 40] ^= 0xff;
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, Machine::rsdt, Machine::xsdt, 2).is_error());
    ASSERT_EQ(tables->warnings().size(), 1u);
    EXPECT_EQ(tables->warnings()[0].kind, WarningKind::BadChecksum);
    EXPECT_EQ(tables->warnings()[0].address, Machine::hpet);
    EXPECT_EQ(tables->find("HPET").release_error().code(), ktl::Errno::NoEntry);
    auto hpet = tables->find("HPET", 0, AcpiTables::Checksum::Ignore);
    ASSERT_FALSE(hpet.is_error());
    EXPECT_FALSE(hpet.value().checksum_ok);
}

TEST(AcpiTables, FindByIndexAndSignatureLength) {
    FakeMemory memory;
    memory.add_region(0x2000, 0x200);
    memory.write(0x2000, TableBuilder("SSDT").u32(1).build());
    memory.write(0x2040, TableBuilder("SSDT").u32(2).build());
    memory.write(0x2080, TableBuilder("SSDT").u32(3).build());
    memory.write(0x2100, root_table(true, {0x2000, 0x2040, 0x2080}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0, 0x2100, 2).is_error());
    EXPECT_EQ(tables->find("SSDT", 0).value().address, 0x2000u);
    EXPECT_EQ(tables->find("SSDT", 2).value().address, 0x2080u);
    EXPECT_EQ(tables->find("SSDT", 3).release_error().code(), ktl::Errno::NoEntry);
    EXPECT_EQ(tables->find("SSD").release_error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(tables->find("SSDTX").release_error().code(), ktl::Errno::InvalidArgument);
    EXPECT_EQ(tables->find("FACP").release_error().code(), ktl::Errno::NoEntry);
}

TEST(AcpiTables, RootListingItselfDoesNotLoop) {
    FakeMemory memory;
    memory.add_region(0x3000, 0x100);
    memory.write(0x3000, root_table(true, {0x3000, 0x3000, 0x3000}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0, 0x3000, 2).is_error());
    EXPECT_EQ(tables->table_count(), 0u);
    EXPECT_EQ(tables->warnings().size(), 3u);
    EXPECT_TRUE(tables->has_warning(WarningKind::Duplicate));
}

TEST(AcpiTables, RsdtAndXsdtListingEachOtherAreNotFollowed) {
    FakeMemory memory;
    memory.add_region(0x3000, 0x100);
    memory.write(0x3000, root_table(true, {0x3080}));
    memory.write(0x3080, root_table(false, {0x3000}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0x3080, 0x3000, 2).is_error());
    // The RSDT is listed as an ordinary table; its own entries are never read.
    ASSERT_EQ(tables->table_count(), 1u);
    EXPECT_EQ(signature_of(tables->table(0)), "RSDT");
}

TEST(AcpiTables, FadtWhoseDsdtIsTheFadtOrTheRoot) {
    for (uint64_t dsdt : {0x4000ull, 0x4200ull, 0x4001ull}) {
        FakeMemory memory;
        memory.add_region(0x4000, 0x300);
        FadtFields fields;
        fields.x_dsdt = dsdt;
        memory.write(0x4000, fadt_table(fields));
        memory.write(0x4200, root_table(true, {0x4000}));
        auto tables = make_tables();
        ASSERT_FALSE(tables->discover(memory, 0, 0x4200, 2).is_error());
        EXPECT_EQ(tables->table_count(), 1u);
        EXPECT_TRUE(tables->has_warning(WarningKind::DsdtInvalid)) << dsdt;
    }
}

TEST(AcpiTables, DsdtFromTheRevision1Fadt) {
    FakeMemory memory;
    memory.add_region(0x5000, 0x300);
    FadtFields fields;
    fields.revision = 1;
    fields.dsdt = 0x5200;
    fields.x_dsdt = 0x9999999; // beyond a revision-1 table's 116 bytes: must not be read
    memory.write(0x5000, fadt_table(fields, 116));
    memory.write(0x5200, TableBuilder("DSDT").u8(0).build());
    memory.write(0x5280, root_table(false, {0x5000}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0x5280, 0, 0).is_error());
    EXPECT_TRUE(tables->warnings().is_empty());
    EXPECT_EQ(tables->find("DSDT").value().address, 0x5200u);
}

TEST(AcpiTables, DsdtListedInTheRootIsNotAddedTwice) {
    Machine machine = standard_machine();
    machine.memory.write(Machine::xsdt,
                         root_table(true, {Machine::fadt, Machine::dsdt, Machine::madt, Machine::hpet}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, 0, Machine::xsdt, 2).is_error());
    EXPECT_EQ(tables->table_count(), 4u);
    EXPECT_TRUE(tables->warnings().is_empty());
    EXPECT_TRUE(tables->find("DSDT", 1).is_error());
}

TEST(AcpiTables, DuplicateAndOverlappingEntriesAreDropped) {
    FakeMemory memory;
    memory.add_region(0x6000, 0x200);
    memory.write(0x6000, TableBuilder("AAAA").zeros(28).build()); // 64 bytes
    memory.write(0x60f0, TableBuilder("CCCC").build());           // its last 20 bytes are the root's first
    // 0x6020 starts inside AAAA, 0x6104 inside the root.
    memory.write(0x6100, root_table(true, {0x6000, 0x6000, 0x6020, 0x6104, 0x60f0}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0, 0x6100, 2).is_error());
    ASSERT_EQ(tables->table_count(), 1u);
    ASSERT_EQ(tables->warnings().size(), 4u);
    EXPECT_EQ(tables->warnings()[0].kind, WarningKind::Duplicate);
    EXPECT_EQ(tables->warnings()[1].kind, WarningKind::Overlap);
    EXPECT_EQ(tables->warnings()[2].kind, WarningKind::Overlap);
    EXPECT_EQ(tables->warnings()[2].address, 0x6104u);
    EXPECT_EQ(tables->warnings()[3].kind, WarningKind::Overlap);
    EXPECT_EQ(tables->warnings()[3].address, 0x60f0u);
}

TEST(AcpiTables, LyingLengthsAndNullEntries) {
    FakeMemory memory;
    memory.add_region(0x7000, 0x400);
    memory.write(0x7000, TableBuilder("LONG").build_with_length(0xffffffff));
    memory.write(0x7040, TableBuilder("SHRT").build_with_length(35));
    memory.write(0x7080, TableBuilder("PAST").build_with_length(0x1000)); // past the region
    memory.write(0x70c0, TableBuilder("GOOD").build());
    memory.write(0x7200, root_table(true, {0x7000, 0, 0x7040, 0x7080, 0x70c0, 0x12345678}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0, 0x7200, 2).is_error());
    ASSERT_EQ(tables->table_count(), 1u);
    EXPECT_EQ(signature_of(tables->table(0)), "GOOD");
    std::vector<WarningKind> kinds;
    for (const Warning& warning : tables->warnings())
        kinds.push_back(warning.kind);
    EXPECT_EQ(kinds,
              (std::vector<WarningKind>{WarningKind::TooLong, WarningKind::NullEntry, WarningKind::TooShort,
                                        WarningKind::Unreachable, WarningKind::Unreachable}));
}

TEST(AcpiTables, TablesNearTheTopOfTheAddressSpaceAreRejected) {
    FakeMemory memory;
    // Memory really exists up to 2^64 here, so only the wrap checks can refuse these.
    memory.add_region(u64_max - 0xff, 0x100);
    memory.write(u64_max - 0xff, TableBuilder("EDGE").build_with_length(0x100));  // ends exactly at 2^64
    memory.write(u64_max - 0x7f, TableBuilder("WRAP").build_with_length(0x1000)); // wraps
    memory.add_region(0x8000, 0x100);
    memory.write(0x8000, root_table(true, {u64_max - 0xff, u64_max - 0x7f, u64_max - 10, u64_max}));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0, 0x8000, 2).is_error());
    EXPECT_EQ(tables->table_count(), 0u);
    ASSERT_EQ(tables->warnings().size(), 4u);
    for (const Warning& warning : tables->warnings())
        EXPECT_EQ(warning.kind, WarningKind::Unreachable);

    // The root itself up there.
    memory.write(u64_max - 0xff, root_table(true, {}));
    EXPECT_FALSE(tables->discover(memory, 0, u64_max - 0xff, 2).is_error()); // 36 bytes fit below 2^64
    EXPECT_EQ(tables->discover(memory, 0, u64_max - 20, 2).release_error().code(), ktl::Errno::BadAddress);
}

TEST(AcpiTables, TableCountIsCapped) {
    FakeMemory memory;
    constexpr size_t count = 300;
    memory.add_region(0x100000, count * 0x40);
    std::vector<uint64_t> addresses;
    for (size_t i = 0; i < count; ++i) {
        addresses.push_back(0x100000 + i * 0x40);
        memory.write(addresses.back(), TableBuilder("SSDT").u32(uint32_t(i)).build());
    }
    memory.write(0x200000, root_table(true, addresses));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0, 0x200000, 2).is_error());
    EXPECT_EQ(tables->table_count(), AcpiTables::max_tables);
    EXPECT_TRUE(tables->has_warning(WarningKind::TooManyTables));
    EXPECT_EQ(tables->find("SSDT", 255).value().address, 0x100000u + 255 * 0x40);
}

TEST(AcpiTables, FloodOfBadEntriesIsBoundedAndWarningsAreCapped) {
    // A root of ~1 MiB of null entries: the walk stops after max_root_entries, warnings after 32.
    FakeMemory memory;
    std::vector<uint64_t> addresses(130000, 0);
    memory.write(0x400000, root_table(true, addresses));
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0, 0x400000, 2).is_error());
    EXPECT_EQ(tables->table_count(), 0u);
    EXPECT_EQ(tables->warnings().size(), AcpiTables::max_warnings);
    EXPECT_GT(tables->dropped_warnings(), 0u);
    EXPECT_LE(tables->warnings().size() + tables->dropped_warnings(), 4 * AcpiTables::max_tables + 1);
    EXPECT_LT(memory.map_calls(), 10u);
}

TEST(AcpiTables, RootTrailingBytesAreIgnored) {
    FakeMemory memory;
    memory.add_region(0x9000, 0x100);
    memory.write(0x9000, TableBuilder("SSDT").build());
    memory.write(0x9080, TableBuilder("RSDT").u32(0x9000).u16(0xffff).build());
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(memory, 0x9080, 0, 0).is_error());
    EXPECT_EQ(tables->table_count(), 1u);
    EXPECT_TRUE(tables->has_warning(WarningKind::RootTrailingBytes));
}

TEST(AcpiTables, RediscoveryResetsEverything) {
    Machine machine = standard_machine();
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, Machine::rsdt, Machine::xsdt, 2).is_error());
    FakeMemory empty;
    EXPECT_TRUE(tables->discover(empty, 0x1000, 0, 0).is_error());
    EXPECT_EQ(tables->table_count(), 0u);
    EXPECT_EQ(tables->root().bytes.size(), 0u);
    EXPECT_TRUE(tables->find("APIC").is_error());
}

TEST(AcpiTables, SummaryListsTablesAndWarnings) {
    Machine machine = standard_machine();
    auto& bytes = machine.memory.regions()[0].bytes;
    bytes[Machine::ssdt - Machine::base + 10] = 0x07; // an unprintable OEM id byte
    auto tables = make_tables();
    ASSERT_FALSE(tables->discover(machine.memory, Machine::rsdt, Machine::xsdt, 2).is_error());
    StringSink sink;
    tables->write_summary(sink);
    const std::string& text = sink.text();
    EXPECT_NE(text.find("ACPI: XSDT at 0x7fe0483, 68 bytes, revision 1, OEM \"BLOGOS\" \"TESTTBL \"\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("ACPI:   APIC at 0x7fe0300, 146 bytes, revision 5"), std::string::npos) << text;
    EXPECT_NE(text.find("ACPI:   SSDT at 0x7fe0440, 40 bytes, revision 1, OEM \"?LOGOS\" \"TESTTBL \" (bad "
                        "checksum)\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("ACPI: warning: table checksum does not match (0x7fe0440)\n"), std::string::npos)
        << text;

    auto empty = make_tables();
    StringSink empty_sink;
    empty->write_summary(empty_sink);
    EXPECT_EQ(empty_sink.text(), "ACPI: no root table\n");
}

TEST(LinearMemory, MapsInsideTheWindowOnly) {
    std::vector<uint8_t> window(0x100, 0xab);
    LinearMemory memory(window.data(), window.size());
    EXPECT_EQ(memory.map(0, 0x100).value().data(), window.data());
    EXPECT_EQ(memory.map(0xff, 1).value().data(), window.data() + 0xff);
    EXPECT_FALSE(memory.map(0x100, 0).is_error());
    EXPECT_TRUE(memory.map(0xff, 2).is_error());
    EXPECT_TRUE(memory.map(0x101, 0).is_error());
    EXPECT_TRUE(memory.map(u64_max, 2).is_error());
    EXPECT_TRUE(memory.map(1, ~size_t(0)).is_error());
}

} // namespace
