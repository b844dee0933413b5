// MSI and MSI-X on configuration spaces recorded from QEMU (virtio-rng's MSI-X, the PCI bridge's
// 64-bit MSI with per-vector masking, e1000e's both) and on hostile hand-built ones; the x86 message;
// programming and reading back a table held in an array.
#include "pci/msi.h"
#include "pci/registers.h"
#include "pci/scan.h"
#include "recorded_machine.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

namespace {

using namespace pci;
using namespace pci::testing;

struct Recorded {
    FakeConfigSpace space;
    std::unique_ptr<ScanResult> result = std::make_unique<ScanResult>();

    explicit Recorded(const char* path, bool extended) {
        EXPECT_TRUE(load_recording(path, space));
        space.extended = extended;
        scan(space, *result);
    }
    const Function& at(uint8_t bus, uint8_t device, uint8_t function = 0) {
        for (const Function& each : result->functions)
            if (each.address == Address{0, bus, device, function})
                return each;
        ADD_FAILURE() << "no function at " << int(bus) << ":" << int(device);
        return result->functions[0];
    }
};

TEST(MsiMessage, AddressesTheLocalApicAndCarriesTheVector) {
    MsiMessage message = x86_msi_message(0, 0x61).value();
    EXPECT_EQ(message.address, 0xfee00000u);
    EXPECT_EQ(message.data, 0x61u); // fixed delivery, edge
    EXPECT_EQ(x86_msi_message(3, 0x70).value().address, 0xfee03000u);
    EXPECT_EQ(x86_msi_message(254, 0x70).value().address, 0xfeefe000u);
    EXPECT_TRUE(x86_msi_message(255, 0x70).is_error()); // broadcast
    EXPECT_TRUE(x86_msi_message(256, 0x70).is_error());
    EXPECT_TRUE(x86_msi_message(0, 14).is_error()); // an exception vector
}

TEST(MsiRecorded, VirtioRngOnPcHasTwoMsixEntriesInBar1) {
    Recorded pc(BLOG_OS_PCI_QEMU_PC, false);
    const Function& rng = pc.at(0, 5);
    ASSERT_EQ(rng.device_id, 0x1005);
    EXPECT_EQ(read_msi_capability(pc.space, rng).error().code(), ktl::Errno::NoEntry);
    MsixCapability msix = read_msix_capability(pc.space, rng).value();
    EXPECT_EQ(msix.offset, 0x98);
    EXPECT_EQ(msix.table_size, 2);
    EXPECT_FALSE(msix.enabled);
    EXPECT_FALSE(msix.function_masked);
    EXPECT_EQ(msix.table_bar, 1);
    EXPECT_EQ(msix.table_offset, 0u);
    EXPECT_EQ(msix.pba_bar, 1);
    EXPECT_EQ(msix.pba_offset, 0x800u);
    MmioRegion table = msix_table_region(msix, rng).value();
    EXPECT_EQ(table.physical, 0xfea71000u);
    EXPECT_EQ(table.length, 32u);
    MmioRegion pba = msix_pba_region(msix, rng).value();
    EXPECT_EQ(pba.physical, 0xfea71800u);
    EXPECT_EQ(pba.length, 8u);
}

TEST(MsiRecorded, TheModernVirtioRngBehindAQ35RootPortToo) {
    Recorded q35(BLOG_OS_PCI_QEMU_Q35, true);
    const Function& rng = q35.at(1, 0);
    ASSERT_EQ(rng.device_id, 0x1044);
    MsixCapability msix = read_msix_capability(q35.space, rng).value();
    EXPECT_EQ(msix.table_size, 2);
    EXPECT_EQ(msix_table_region(msix, rng).value().physical, 0xfe800000u);
    // The root port's own MSI-X, which Linux's port driver had enabled when it was recorded.
    MsixCapability port = read_msix_capability(q35.space, q35.at(0, 4)).value();
    EXPECT_TRUE(port.enabled);
    EXPECT_EQ(port.table_size, 1);
}

TEST(MsiRecorded, BridgeMsiIs64BitWithPerVectorMasking) {
    Recorded pc(BLOG_OS_PCI_QEMU_PC, false);
    const Function& bridge = pc.at(0, 6);
    MsiCapability msi = read_msi_capability(pc.space, bridge).value();
    EXPECT_EQ(msi.offset, 0x4c);
    EXPECT_TRUE(msi.is_64bit);
    EXPECT_TRUE(msi.per_vector_masking);
    EXPECT_FALSE(msi.enabled);
    EXPECT_EQ(msi.vectors_capable, 1);
    EXPECT_EQ(msi.data_offset, 0x58);
    EXPECT_EQ(msi.mask_offset, 0x5c);
    EXPECT_EQ(msi.pending_offset, 0x60);

    MsiMessage message = x86_msi_message(0, 0x62).value();
    ASSERT_FALSE(program_msi(pc.space, bridge.address, msi, message).is_error());
    FakeFunction& raw = *pc.space.get(bridge.address);
    EXPECT_EQ(raw.get32(0x50), 0xfee00000u);
    EXPECT_EQ(raw.get32(0x54), 0u);
    EXPECT_EQ(raw.get16(0x58), 0x62);
    EXPECT_EQ(raw.get16(0x4e) & 1, 0); // programmed, not enabled
    set_msi_enabled(pc.space, bridge.address, msi, true);
    EXPECT_EQ(raw.get16(0x4e) & 1, 1);
    EXPECT_TRUE(read_msi_capability(pc.space, bridge).value().enabled);
    ASSERT_FALSE(set_msi_masked(pc.space, bridge.address, msi, 0, true).is_error());
    EXPECT_EQ(raw.get32(0x5c), 1u);
    ASSERT_FALSE(set_msi_masked(pc.space, bridge.address, msi, 0, false).is_error());
    EXPECT_EQ(raw.get32(0x5c), 0u);
    EXPECT_EQ(set_msi_masked(pc.space, bridge.address, msi, 1, true).error().code(),
              ktl::Errno::InvalidArgument);
    // More messages than it can send.
    EXPECT_TRUE(program_msi(pc.space, bridge.address, msi, message, 2).is_error());
    set_msi_enabled(pc.space, bridge.address, msi, false);
    EXPECT_EQ(raw.get16(0x4e) & 1, 0);
}

TEST(MsiRecorded, E1000eHasBothWith64BitMsiWithoutMasking) {
    Recorded q35(BLOG_OS_PCI_QEMU_Q35, true);
    const Function& nic = q35.at(0, 2);
    ASSERT_EQ(nic.device_id, 0x10d3);
    MsiCapability msi = read_msi_capability(q35.space, nic).value();
    EXPECT_EQ(msi.offset, 0xd0);
    EXPECT_TRUE(msi.is_64bit);
    EXPECT_FALSE(msi.per_vector_masking);
    EXPECT_EQ(msi.data_offset, 0xdc);
    EXPECT_EQ(set_msi_masked(q35.space, nic.address, msi, 0, true).error().code(), ktl::Errno::NotSupported);
    MsixCapability msix = read_msix_capability(q35.space, nic).value();
    EXPECT_EQ(msix.table_size, 5);
    EXPECT_EQ(msix.table_bar, 3);
    EXPECT_EQ(msix.pba_offset, 0x2000u);
    EXPECT_EQ(msix_table_region(msix, nic).value().physical, 0xfea90000u);
    EXPECT_EQ(msix_pba_region(msix, nic).value().physical, 0xfea92000u);
}

TEST(MsixTable, EntriesAreWrittenMaskedAndReadBack) {
    MsixCapability msix;
    msix.table_size = 3;
    uint32_t table[3 * 4] = {};
    for (uint16_t index = 0; index < 3; ++index)
        table[index * 4 + 3] = msix_entry::control_masked; // reset state: every entry masked
    MsiMessage message = x86_msi_message(1, 0x65).value();
    ASSERT_FALSE(write_msix_entry(table, msix, 2, message).is_error());
    EXPECT_EQ(table[8], 0xfee01000u);
    EXPECT_EQ(table[9], 0u);
    EXPECT_EQ(table[10], 0x65u);
    EXPECT_EQ(table[11], 1u); // still masked
    ASSERT_FALSE(set_msix_entry_masked(table, msix, 2, false).is_error());
    EXPECT_EQ(table[11], 0u);
    MsiMessage back = read_msix_entry(table, msix, 2).value();
    EXPECT_EQ(back.address, message.address);
    EXPECT_EQ(back.data, message.data);
    EXPECT_TRUE(write_msix_entry(table, msix, 3, message).is_error());
    EXPECT_TRUE(set_msix_entry_masked(table, msix, 3, true).is_error());
    EXPECT_TRUE(read_msix_entry(table, msix, 3).is_error());
}

TEST(MsixControl, EnableAndFunctionMaskBitsLeaveTheSizeAlone) {
    FakeConfigSpace space;
    Address address{0, 0, 3, 0};
    space.add(address).ids(0x1af4, 0x1041).capabilities({{0x40, capability::msi_x}}).set16(0x42, 0x0003);
    Function function;
    read_function(space, address, function);
    MsixCapability msix = read_msix_capability(space, function).value();
    EXPECT_EQ(msix.table_size, 4);
    set_msix_control(space, address, msix, true, true);
    EXPECT_EQ(space.get(address)->get16(0x42), 0xc003);
    set_msix_control(space, address, msix, true, false);
    EXPECT_EQ(space.get(address)->get16(0x42), 0x8003);
    set_msix_control(space, address, msix, false, false);
    EXPECT_EQ(space.get(address)->get16(0x42), 0x0003);
}

TEST(MsiHostile, CapabilitiesThatRunPastTheHeaderOrLieAreRefused) {
    FakeConfigSpace space;
    Address address{0, 0, 4, 0};
    // A 64-bit MSI capability with masking at 0xf0 would need up to 0x108.
    space.add(address).ids(0x1234, 0x11e8).capabilities({{0xf0, capability::msi}}).set16(0xf2, 0x0180);
    Function function;
    read_function(space, address, function);
    EXPECT_EQ(read_msi_capability(space, function).error().code(), ktl::Errno::InvalidArgument);
    // Reserved multiple-message encodings (more than 32 vectors).
    space.get(address)->set16(0xf2, 0x000e);
    EXPECT_EQ(read_msi_capability(space, function).error().code(), ktl::Errno::InvalidArgument);
    // A 32-bit-only MSI cannot take a message above 4 GiB.
    space.get(address)->set16(0xf2, 0x0000);
    MsiCapability msi = read_msi_capability(space, function).value();
    EXPECT_FALSE(msi.is_64bit);
    EXPECT_EQ(msi.data_offset, 0xf8);
    EXPECT_TRUE(program_msi(space, address, msi, MsiMessage{0x1'0000'0000ull, 0x60}).is_error());
    EXPECT_FALSE(program_msi(space, address, msi, MsiMessage{0xfee00000, 0x60}).is_error());
    EXPECT_EQ(space.get(address)->get16(0xf8), 0x60);

    // MSI-X with a BIR of 7, a table in an absent BAR, an I/O BAR, or past the BAR's end.
    Address other{0, 0, 5, 0};
    space.add(other)
        .ids(0x1af4, 0x1041)
        .io_bar(0, 0xc000, 0x40)
        .memory32_bar(1, 0xfe000000, 0x1000)
        .capabilities({{0x40, capability::msi_x}});
    auto msix_with = [&](uint16_t control, uint32_t table, uint32_t pba) {
        space.get(other)->set16(0x42, control);
        space.get(other)->set32(0x44, table);
        space.get(other)->set32(0x48, pba);
        Function read;
        read_function(space, other, read);
        return std::make_pair(read, read_msix_capability(space, read));
    };
    EXPECT_TRUE(msix_with(0, 7, 1).second.is_error());
    auto [absent, in_absent] = msix_with(0, 2, 1);
    EXPECT_TRUE(msix_table_region(in_absent.value(), absent).is_error());
    auto [io, in_io] = msix_with(0, 0, 1);
    EXPECT_TRUE(msix_table_region(in_io.value(), io).is_error());
    // 2048 entries of 16 bytes do not fit a 4 KiB BAR; 256 do exactly.
    auto [big, too_big] = msix_with(0x7ff, 1, 1 | 0x800);
    EXPECT_TRUE(msix_table_region(too_big.value(), big).is_error());
    auto [exact, fits] = msix_with(0xff, 1, 1);
    EXPECT_EQ(msix_table_region(fits.value(), exact).value().length, 4096u);
    auto [straddling, past_end] = msix_with(0, 1 | 0xff8, 1);
    EXPECT_TRUE(msix_table_region(past_end.value(), straddling).is_error());
    auto [last, in_last] = msix_with(0, 1 | 0xff0, 1);
    EXPECT_EQ(msix_table_region(in_last.value(), last).value().physical, 0xfe000ff0u);
}

TEST(MsiFuzz, RandomCapabilitiesDecodeWithinTheirBoundsOrAreRefused) {
    for (uint32_t seed = 0; seed < 2000; ++seed) {
        SCOPED_TRACE(seed);
        std::mt19937 random(seed);
        FakeConfigSpace space;
        Address address{0, 0, 1, 0};
        FakeFunction& fake = space.add(address);
        for (uint16_t offset = 0x10; offset < ConfigSpace::conventional_size; ++offset)
            fake.set8(offset, uint8_t(random()));
        fake.ids(0x1234, 0x5678).header_type(0);
        uint8_t msi_at = uint8_t(0x40 + (random() % 48) * 4), msix_at = uint8_t(0x40 + (random() % 48) * 4);
        if (msi_at == msix_at)
            msix_at = msi_at == 0xfc ? 0x40 : uint8_t(msi_at + 4);
        fake.capabilities({{msi_at, capability::msi}, {msix_at, capability::msi_x}});
        fake.set16(uint16_t(msi_at + 2), uint16_t(random()));
        fake.set16(uint16_t(msix_at + 2), uint16_t(random()));
        for (uint8_t index = 0; index < 6; ++index)
            fake.bar_writable[index] = random() % 2 ? uint32_t(random()) : 0;
        Function function;
        read_function(space, address, function);

        auto msi = read_msi_capability(space, function);
        if (!msi.is_error()) {
            EXPECT_LE(msi.value().data_offset + 2u, ConfigSpace::conventional_size);
            EXPECT_LE(msi.value().vectors_capable, 32);
            EXPECT_EQ(msi.value().vectors_capable & (msi.value().vectors_capable - 1), 0);
            if (msi.value().per_vector_masking) {
                EXPECT_LE(msi.value().pending_offset + 4u, ConfigSpace::conventional_size);
            }
            (void)program_msi(space, address, msi.value(), MsiMessage{0xfee00000, 0x60});
        }
        auto msix = read_msix_capability(space, function);
        if (!msix.is_error()) {
            EXPECT_GE(msix.value().table_size, 1);
            EXPECT_LE(msix.value().table_size, 2048);
            auto table = msix_table_region(msix.value(), function);
            if (!table.is_error()) {
                bool inside = false;
                for (const Bar& bar : function.bars)
                    inside |= bar.index == msix.value().table_bar && bar.kind != BarKind::Io &&
                              table.value().physical >= bar.address &&
                              table.value().physical + table.value().length <= bar.address + bar.size;
                EXPECT_TRUE(inside);
            }
        }
        if (HasFailure())
            return;
    }
}

} // namespace
