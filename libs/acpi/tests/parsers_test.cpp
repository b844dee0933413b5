// MADT, HPET and FADT parsers on synthetic tables: every field, the documented choices, and every
// truncation of each table giving an error or a well-formed answer.
#include "acpi/fadt.h"
#include "acpi/hpet.h"
#include "acpi/madt.h"
#include "acpi_builder.h"

#include <gtest/gtest.h>

#include <memory>

namespace {

using namespace acpi;
using namespace acpi::testing;

std::vector<uint8_t> standard_madt() {
    Machine machine = standard_machine();
    auto map = machine.memory.map(Machine::madt, 146);
    return std::vector<uint8_t>(map.value().data(), map.value().data() + 146);
}

void expect_well_formed(const Madt& madt, size_t table_length) {
    EXPECT_LE(madt.processors.size(), Madt::max_processors);
    EXPECT_LE(madt.io_apics.size(), Madt::max_io_apics);
    EXPECT_LE(madt.overrides.size(), Madt::max_overrides);
    EXPECT_LE(madt.local_nmis.size(), Madt::max_local_nmis);
    size_t entries = madt.processors.size() + madt.io_apics.size() + madt.overrides.size() +
                     madt.local_nmis.size() + madt.dropped + madt.short_entries;
    EXPECT_LE(entries, table_length / 2); // every entry took at least 2 bytes
}

TEST(Madt, DecodesEveryEntryType) {
    std::vector<uint8_t> bytes = standard_madt();
    auto madt = std::make_unique<Madt>();
    ASSERT_FALSE(parse_madt(table_over(bytes, bytes.size()), *madt).is_error());
    EXPECT_EQ(madt->local_apic_address, 0xfee00000u);
    EXPECT_TRUE(madt->local_apic_address_overridden);
    EXPECT_TRUE(madt->pc_at_compatible);
    EXPECT_FALSE(madt->malformed);
    EXPECT_EQ(madt->dropped, 0u);
    EXPECT_EQ(madt->short_entries, 0u);

    ASSERT_EQ(madt->processors.size(), 4u);
    EXPECT_EQ(madt->processors[1].processor_uid, 1u);
    EXPECT_EQ(madt->processors[1].apic_id, 1u);
    EXPECT_TRUE(madt->processors[1].enabled);
    EXPECT_FALSE(madt->processors[1].x2apic);
    EXPECT_FALSE(madt->processors[2].enabled);
    EXPECT_TRUE(madt->processors[2].online_capable);
    EXPECT_EQ(madt->processors[3].apic_id, 300u);
    EXPECT_EQ(madt->processors[3].processor_uid, 3u);
    EXPECT_TRUE(madt->processors[3].x2apic);
    EXPECT_TRUE(madt->processors[3].enabled);

    ASSERT_EQ(madt->io_apics.size(), 1u);
    EXPECT_EQ(madt->io_apics[0].id, 0);
    EXPECT_EQ(madt->io_apics[0].address, 0xfec00000u);
    EXPECT_EQ(madt->io_apics[0].gsi_base, 0u);

    ASSERT_EQ(madt->overrides.size(), 2u);
    EXPECT_EQ(madt->overrides[0].source, 0);
    EXPECT_EQ(madt->overrides[0].gsi, 2u);
    EXPECT_EQ(madt->overrides[0].polarity, Polarity::Conforms);
    EXPECT_EQ(madt->overrides[0].trigger, TriggerMode::Conforms);
    EXPECT_EQ(madt->overrides[1].source, 9);
    EXPECT_EQ(madt->overrides[1].polarity, Polarity::ActiveHigh);
    EXPECT_EQ(madt->overrides[1].trigger, TriggerMode::Level);

    ASSERT_EQ(madt->local_nmis.size(), 2u);
    EXPECT_EQ(madt->local_nmis[0].processor_uid, LocalNmi::all_processors);
    EXPECT_EQ(madt->local_nmis[0].lint, 1);
    EXPECT_EQ(madt->local_nmis[0].polarity, Polarity::ActiveHigh);
    EXPECT_EQ(madt->local_nmis[0].trigger, TriggerMode::Edge);
    EXPECT_EQ(madt->local_nmis[1].processor_uid, 3u);
    EXPECT_EQ(madt->local_nmis[1].polarity, Polarity::ActiveLow);
    EXPECT_EQ(madt->local_nmis[1].trigger, TriggerMode::Level);
}

TEST(Madt, AddressOverrideWinsWhereverItIs) {
    std::vector<uint8_t> bytes = madt_builder(0xfee00000, 0)
                                     .raw(address_override_entry(0x1'0000'0000ull))
                                     .raw(local_apic_entry(0, 0, 1))
                                     .build();
    auto madt = std::make_unique<Madt>();
    ASSERT_FALSE(parse_madt(table_over(bytes, bytes.size()), *madt).is_error());
    EXPECT_EQ(madt->local_apic_address, 0x1'0000'0000ull);
    EXPECT_FALSE(madt->pc_at_compatible);
}

TEST(Madt, ZeroLengthEntryStopsTheWalk) {
    std::vector<uint8_t> bytes = madt_builder()
                                     .raw(local_apic_entry(0, 0, 1))
                                     .raw({0, 0, 0, 0, 0, 0, 0, 0})
                                     .raw(local_apic_entry(1, 1, 1))
                                     .build();
    auto madt = std::make_unique<Madt>();
    ASSERT_FALSE(parse_madt(table_over(bytes, bytes.size()), *madt).is_error());
    EXPECT_TRUE(madt->malformed);
    EXPECT_EQ(madt->processors.size(), 1u);
}

TEST(Madt, EntryRunningPastTheEndStopsTheWalk) {
    std::vector<uint8_t> bytes = madt_builder().raw(local_apic_entry(0, 0, 1)).raw({1, 40, 0, 0}).build();
    auto madt = std::make_unique<Madt>();
    ASSERT_FALSE(parse_madt(table_over(bytes, bytes.size()), *madt).is_error());
    EXPECT_TRUE(madt->malformed);
    EXPECT_EQ(madt->processors.size(), 1u);
    EXPECT_TRUE(madt->io_apics.is_empty());

    std::vector<uint8_t> odd = madt_builder().raw(local_apic_entry(0, 0, 1)).u8(0).build(); // 1 stray byte
    ASSERT_FALSE(parse_madt(table_over(odd, odd.size()), *madt).is_error());
    EXPECT_TRUE(madt->malformed);
}

TEST(Madt, ShortKnownEntriesAreSkippedAndUnknownOnesIgnored) {
    std::vector<uint8_t> bytes = madt_builder()
                                     .raw({1, 6, 0, 0, 0, 0})       // I/O APIC needs 12
                                     .raw({0x7f, 5, 1, 2, 3})       // unknown type
                                     .raw({9, 8, 0, 0, 0, 0, 0, 0}) // x2APIC needs 16
                                     .raw(io_apic_entry(2, 0xfec01000, 24))
                                     .build();
    auto madt = std::make_unique<Madt>();
    ASSERT_FALSE(parse_madt(table_over(bytes, bytes.size()), *madt).is_error());
    EXPECT_FALSE(madt->malformed);
    EXPECT_EQ(madt->short_entries, 2u);
    ASSERT_EQ(madt->io_apics.size(), 1u);
    EXPECT_EQ(madt->io_apics[0].gsi_base, 24u);
}

TEST(Madt, FullListsCountDroppedEntries) {
    TableBuilder builder = madt_builder();
    for (int i = 0; i < 300; ++i)
        builder.raw(x2apic_entry(uint32_t(i), 1, uint32_t(i)));
    for (int i = 0; i < 20; ++i)
        builder.raw(io_apic_entry(uint8_t(i), 0xfec00000 + i * 0x1000, i * 24));
    std::vector<uint8_t> bytes = builder.build();
    auto madt = std::make_unique<Madt>();
    ASSERT_FALSE(parse_madt(table_over(bytes, bytes.size()), *madt).is_error());
    EXPECT_EQ(madt->processors.size(), Madt::max_processors);
    EXPECT_EQ(madt->io_apics.size(), Madt::max_io_apics);
    EXPECT_EQ(madt->dropped, 300 - Madt::max_processors + 20 - Madt::max_io_apics);
    EXPECT_EQ(madt->processors[255].apic_id, 255u);
}

TEST(Madt, RejectsOtherTablesAndShortFixedPart) {
    auto madt = std::make_unique<Madt>();
    std::vector<uint8_t> hpet = hpet_table();
    EXPECT_TRUE(parse_madt(table_over(hpet, hpet.size()), *madt).is_error());
    std::vector<uint8_t> bytes = standard_madt();
    EXPECT_TRUE(parse_madt(table_over(bytes, 43), *madt).is_error());
    EXPECT_TRUE(parse_madt(table_over(bytes, 0), *madt).is_error());
    EXPECT_FALSE(parse_madt(table_over(bytes, 44), *madt).is_error());
    EXPECT_TRUE(madt->processors.is_empty());
}

TEST(Madt, EveryTruncationIsAnErrorOrWellFormed) {
    std::vector<uint8_t> bytes = standard_madt();
    auto madt = std::make_unique<Madt>();
    for (size_t length = 0; length <= bytes.size(); ++length) {
        auto result = parse_madt(table_over(bytes, length), *madt);
        if (length < 44) {
            EXPECT_TRUE(result.is_error()) << length;
            continue;
        }
        ASSERT_FALSE(result.is_error()) << length;
        expect_well_formed(*madt, length);
    }
}

TEST(Hpet, DecodesTheTable) {
    std::vector<uint8_t> bytes = hpet_table(0x80868701, 0, 0xfed00000, 2, 0x37ee);
    auto hpet = parse_hpet(table_over(bytes, bytes.size()));
    ASSERT_FALSE(hpet.is_error());
    EXPECT_EQ(hpet.value().event_timer_block_id, 0x80868701u);
    EXPECT_EQ(hpet.value().base.address, 0xfed00000u);
    EXPECT_EQ(hpet.value().base.bit_width, 64);
    EXPECT_EQ(hpet.value().hpet_number, 2);
    EXPECT_EQ(hpet.value().minimum_tick, 0x37ee);
    EXPECT_EQ(hpet.value().hardware_revision(), 1);
    EXPECT_EQ(hpet.value().comparator_count(), 8u);
    EXPECT_FALSE(hpet.value().counter_is_64_bit());
    EXPECT_TRUE(hpet.value().legacy_replacement_capable());
    EXPECT_EQ(hpet.value().pci_vendor_id(), 0x8086);

    std::vector<uint8_t> wide = hpet_table(0x80868701 | (1u << 13));
    EXPECT_TRUE(parse_hpet(table_over(wide, wide.size())).value().counter_is_64_bit());
}

TEST(Hpet, RejectsIoSpaceNullBaseAndTruncation) {
    std::vector<uint8_t> io = hpet_table(0x8086a201, 1);
    EXPECT_EQ(parse_hpet(table_over(io, io.size())).release_error().code(), ktl::Errno::NotSupported);
    std::vector<uint8_t> null = hpet_table(0x8086a201, 0, 0);
    EXPECT_EQ(parse_hpet(table_over(null, null.size())).release_error().code(), ktl::Errno::InvalidArgument);
    std::vector<uint8_t> bytes = hpet_table();
    for (size_t length = 0; length < bytes.size(); ++length)
        EXPECT_TRUE(parse_hpet(table_over(bytes, length)).is_error()) << length;
    std::vector<uint8_t> madt = standard_madt();
    EXPECT_TRUE(parse_hpet(table_over(madt, madt.size())).is_error());
}

TEST(Fadt, DecodesARevision6Table) {
    FadtFields fields;
    fields.facs = 0x7fe0000;
    fields.dsdt = 0x7fe0040;
    fields.x_dsdt = 0x1'07fe'0040ull;
    fields.flags = Fadt::flag_timer_32_bit | Fadt::flag_reset_register;
    fields.boot_architecture = Fadt::boot_8042 | Fadt::boot_vga_not_present;
    fields.x_pm_timer = 0x1808;
    std::vector<uint8_t> bytes = fadt_table(fields);
    auto fadt = parse_fadt(table_over(bytes, bytes.size()));
    ASSERT_FALSE(fadt.is_error());
    const Fadt& value = fadt.value();
    EXPECT_EQ(value.revision, 6);
    EXPECT_EQ(value.length, 276u);
    EXPECT_EQ(value.facs_address, 0x7fe0000u);
    EXPECT_EQ(value.dsdt_address, 0x1'07fe'0040ull); // X_DSDT wins
    EXPECT_EQ(value.sci_interrupt, 9);
    EXPECT_EQ(value.smi_command_port, 0xb2u);
    EXPECT_EQ(value.acpi_enable_value, 0xf1);
    EXPECT_EQ(value.acpi_disable_value, 0xf0);
    ASSERT_TRUE(value.has_pm_timer);
    EXPECT_EQ(value.pm_timer.address, 0x1808u); // X_PM_TMR_BLK wins
    EXPECT_EQ(value.pm_timer.address_space, uint8_t(AddressSpace::SystemIo));
    EXPECT_TRUE(value.pm_timer_is_32_bit());
    EXPECT_EQ(value.century_register, 0x32);
    ASSERT_TRUE(value.has_reset_register);
    EXPECT_EQ(value.reset_register.address, 0xcf9u);
    EXPECT_EQ(value.reset_register.address_space, uint8_t(AddressSpace::SystemIo));
    EXPECT_EQ(value.reset_value, 6);
    EXPECT_TRUE(value.boot_architecture_valid);
    EXPECT_TRUE(value.may_have_8042());
    EXPECT_TRUE(value.vga_not_present());
    EXPECT_FALSE(value.cmos_rtc_not_present());
    EXPECT_FALSE(value.hardware_reduced());
}

TEST(Fadt, LegacyPmTimerAndMissingFeatures) {
    FadtFields fields;
    fields.flags = 0; // 24-bit timer, no reset register
    fields.boot_architecture = 0;
    std::vector<uint8_t> bytes = fadt_table(fields);
    Fadt fadt = parse_fadt(table_over(bytes, bytes.size())).release_value();
    ASSERT_TRUE(fadt.has_pm_timer);
    EXPECT_EQ(fadt.pm_timer.address, 0x608u);
    EXPECT_EQ(fadt.pm_timer.address_space, uint8_t(AddressSpace::SystemIo));
    EXPECT_FALSE(fadt.pm_timer_is_32_bit());
    EXPECT_FALSE(fadt.has_reset_register); // RESET_REG filled in, but RESET_REG_SUP clear
    EXPECT_FALSE(fadt.may_have_8042());
    EXPECT_FALSE(fadt.vga_not_present());

    fields.pm_timer_length = 0; // PM_TMR_BLK without PM_TMR_LEN: no timer
    bytes = fadt_table(fields);
    EXPECT_FALSE(parse_fadt(table_over(bytes, bytes.size())).value().has_pm_timer);

    fields.pm_timer_port = 0;
    fields.pm_timer_length = 4;
    fields.x_pm_timer = 0xfed80000;
    fields.x_pm_timer_space = 7; // functional fixed hardware: not a place we can read a timer from
    bytes = fadt_table(fields);
    EXPECT_FALSE(parse_fadt(table_over(bytes, bytes.size())).value().has_pm_timer);

    fields.x_pm_timer_space = 0;
    bytes = fadt_table(fields);
    Fadt memory_timer = parse_fadt(table_over(bytes, bytes.size())).release_value();
    EXPECT_TRUE(memory_timer.has_pm_timer);
    EXPECT_EQ(memory_timer.pm_timer.address_space, uint8_t(AddressSpace::SystemMemory));

    fields.flags = Fadt::flag_reset_register;
    fields.reset_space = 0x7f; // OEM-defined space
    bytes = fadt_table(fields);
    EXPECT_FALSE(parse_fadt(table_over(bytes, bytes.size())).value().has_reset_register);
    fields.reset_space = 2; // PCI configuration space is allowed for the reset register
    bytes = fadt_table(fields);
    EXPECT_TRUE(parse_fadt(table_over(bytes, bytes.size())).value().has_reset_register);
}

TEST(Fadt, Revision1TableReadsOnlyWhatFits) {
    FadtFields fields;
    fields.revision = 1;
    fields.dsdt = 0xe0040;
    fields.x_dsdt = 0xdead0000;                            // past byte 116: must be ignored
    fields.boot_architecture = Fadt::boot_vga_not_present; // reserved in ACPI 1.0
    std::vector<uint8_t> bytes = fadt_table(fields, 116);
    Fadt fadt = parse_fadt(table_over(bytes, bytes.size())).release_value();
    EXPECT_EQ(fadt.length, 116u);
    EXPECT_EQ(fadt.dsdt_address, 0xe0040u);
    EXPECT_TRUE(fadt.has_pm_timer);
    EXPECT_EQ(fadt.pm_timer.address, 0x608u);
    EXPECT_TRUE(fadt.pm_timer_is_32_bit());
    EXPECT_EQ(fadt.century_register, 0x32);
    EXPECT_FALSE(fadt.has_reset_register); // the flag is set, but RESET_REG is not in the table
    EXPECT_FALSE(fadt.boot_architecture_valid);
    EXPECT_TRUE(fadt.may_have_8042());
    EXPECT_FALSE(fadt.vga_not_present());
}

TEST(Fadt, EveryTruncationIsAnErrorOrWellFormed) {
    FadtFields fields;
    fields.x_dsdt = 0x1234000;
    fields.x_pm_timer = 0x1808;
    std::vector<uint8_t> bytes = fadt_table(fields);
    for (size_t length = 0; length <= bytes.size(); ++length) {
        auto result = parse_fadt(table_over(bytes, length));
        if (length < table_header_size) {
            EXPECT_TRUE(result.is_error()) << length;
            continue;
        }
        ASSERT_FALSE(result.is_error()) << length;
        const Fadt& fadt = result.value();
        EXPECT_EQ(fadt.length, length);
        // Each field appears exactly when the table is long enough to hold it.
        EXPECT_EQ(fadt.has_pm_timer, length >= 92) << length;
        EXPECT_EQ(fadt.pm_timer.address, length >= 220 ? 0x1808u : length >= 92 ? 0x608u : 0u) << length;
        EXPECT_EQ(fadt.century_register, length >= 109 ? 0x32 : 0) << length;
        EXPECT_EQ(fadt.boot_architecture_valid, length >= 111) << length;
        EXPECT_EQ(fadt.flags != 0, length >= 116) << length;
        EXPECT_EQ(fadt.has_reset_register, length >= 129) << length;
        EXPECT_EQ(fadt.dsdt_address, length >= 148 ? 0x1234000u : 0u) << length;
    }
    std::vector<uint8_t> hpet = hpet_table();
    EXPECT_TRUE(parse_fadt(table_over(hpet, hpet.size())).is_error());
}

} // namespace
