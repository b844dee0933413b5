// The real tables SeaBIOS builds for `qemu-system-x86_64 -machine q35 -smp 2 -m 32` (QEMU 7.2),
// dumped with the monitor's pmemsave: physical 0x1fe0000 (FACS, DSDT, then the other tables, tightly
// packed and unaligned) up to the end of the RSDT. The RSDP there was revision 0, RSDT 0x1fe2297.
#include "acpi/fadt.h"
#include "acpi/hpet.h"
#include "acpi/madt.h"
#include "acpi_builder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>

namespace {

using namespace acpi;
using namespace acpi::testing;

constexpr uint64_t dump_base = 0x1fe0000;
constexpr uint64_t rsdt_address = 0x1fe2297;

FakeMemory qemu_memory() {
    std::ifstream file(BLOG_OS_ACPI_QEMU_TABLES, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.size(), 8911u);
    FakeMemory memory;
    memory.write(dump_base, bytes);
    return memory;
}

TEST(QemuQ35, DiscoversTheTables) {
    FakeMemory memory = qemu_memory();
    auto tables = std::make_unique<AcpiTables>();
    ASSERT_FALSE(tables->discover(memory, rsdt_address, 0, 0).is_error());
    EXPECT_TRUE(tables->warnings().is_empty());
    std::string signatures;
    for (size_t i = 0; i < tables->table_count(); ++i)
        signatures += std::string(tables->table(i).signature().data(), 4) + " ";
    EXPECT_EQ(signatures, "FACP APIC HPET MCFG WAET DSDT ");
    EXPECT_EQ(tables->find("DSDT").value().bytes.size(), 8263u);

    StringSink sink;
    tables->write_summary(sink);
    EXPECT_NE(
        sink.text().find("ACPI: RSDT at 0x1fe2297, 56 bytes, revision 1, OEM \"BOCHS \" \"BXPC    \"\n"),
        std::string::npos)
        << sink.text();
    EXPECT_NE(sink.text().find("ACPI:   FACP at 0x1fe2087, 244 bytes, revision 3"), std::string::npos);
}

TEST(QemuQ35, MadtHpetAndFadt) {
    FakeMemory memory = qemu_memory();
    auto tables = std::make_unique<AcpiTables>();
    ASSERT_FALSE(tables->discover(memory, rsdt_address, 0, 0).is_error());

    auto madt = std::make_unique<Madt>();
    ASSERT_FALSE(parse_madt(tables->find("APIC").value(), *madt).is_error());
    EXPECT_EQ(madt->local_apic_address, 0xfee00000u);
    EXPECT_TRUE(madt->pc_at_compatible);
    EXPECT_FALSE(madt->malformed);
    ASSERT_EQ(madt->processors.size(), 2u);
    for (uint32_t i = 0; i < 2; ++i) {
        EXPECT_EQ(madt->processors[i].processor_uid, i);
        EXPECT_EQ(madt->processors[i].apic_id, i);
        EXPECT_TRUE(madt->processors[i].enabled);
    }
    ASSERT_EQ(madt->io_apics.size(), 1u);
    EXPECT_EQ(madt->io_apics[0].address, 0xfec00000u);
    EXPECT_EQ(madt->io_apics[0].gsi_base, 0u);
    ASSERT_EQ(madt->overrides.size(), 5u);
    EXPECT_EQ(madt->overrides[0].source, 0); // the PIT on GSI 2
    EXPECT_EQ(madt->overrides[0].gsi, 2u);
    EXPECT_EQ(madt->overrides[0].trigger, TriggerMode::Conforms);
    const uint8_t level_irqs[] = {5, 9, 10, 11}; // PCI interrupt links and the SCI
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(madt->overrides[1 + i].source, level_irqs[i]);
        EXPECT_EQ(madt->overrides[1 + i].gsi, level_irqs[i]);
        EXPECT_EQ(madt->overrides[1 + i].polarity, Polarity::ActiveHigh);
        EXPECT_EQ(madt->overrides[1 + i].trigger, TriggerMode::Level);
    }
    ASSERT_EQ(madt->local_nmis.size(), 1u);
    EXPECT_EQ(madt->local_nmis[0].processor_uid, LocalNmi::all_processors);
    EXPECT_EQ(madt->local_nmis[0].lint, 1);

    Hpet hpet = parse_hpet(tables->find("HPET").value()).release_value();
    EXPECT_EQ(hpet.base.address, 0xfed00000u);
    EXPECT_EQ(hpet.comparator_count(), 3u);
    EXPECT_TRUE(hpet.legacy_replacement_capable());
    EXPECT_TRUE(hpet.counter_is_64_bit());
    EXPECT_EQ(hpet.pci_vendor_id(), 0x8086);

    Fadt fadt = parse_fadt(tables->find("FACP").value()).release_value();
    EXPECT_EQ(fadt.revision, 3);
    EXPECT_EQ(fadt.sci_interrupt, 9);
    EXPECT_EQ(fadt.facs_address, 0x1fe0000u);
    EXPECT_EQ(fadt.dsdt_address, 0x1fe0040u);
    ASSERT_TRUE(fadt.has_pm_timer);
    EXPECT_EQ(fadt.pm_timer.address, 0x608u);
    EXPECT_EQ(fadt.pm_timer.address_space, uint8_t(AddressSpace::SystemIo));
    EXPECT_FALSE(fadt.pm_timer_is_32_bit()); // QEMU's ACPI PM timer is 24 bits wide
    EXPECT_EQ(fadt.century_register, 0x32);
    ASSERT_TRUE(fadt.has_reset_register);
    EXPECT_EQ(fadt.reset_register.address, 0xcf9u);
    EXPECT_EQ(fadt.reset_value, 0x0f);
    EXPECT_TRUE(fadt.boot_architecture_valid);
    EXPECT_TRUE(fadt.may_have_8042());
    EXPECT_FALSE(fadt.vga_not_present());
}

} // namespace
