// Finding virtio devices among PCI functions and their register windows: QEMU's virtio-rng-pci from the
// recorded `pc` and `q35` machines, and hand-built capabilities that lie about their BARs.
#include "fake_config_space.h"
#include "recorded_machine.h"
#include "virtio/pci_layout.h"
#include "virtio/spec.h"

#include "pci/scan.h"

#include <gtest/gtest.h>

#include <memory>

namespace {

using namespace virtio;
using ::pci::Address;
using ::pci::Function;
using ::pci::testing::FakeConfigSpace;
using ::pci::testing::FakeFunction;

void expect_qemu_rng_layout(const char* recording, bool transitional) {
    FakeConfigSpace space;
    ASSERT_TRUE(::pci::testing::load_recording(recording, space));
    auto result = std::make_unique<::pci::ScanResult>();
    ::pci::scan(space, *result);
    int found = 0;
    for (const Function& function : result->functions) {
        virtio::pci::Identity identity;
        if (!virtio::pci::identify(function, identity))
            continue;
        ++found;
        EXPECT_EQ(identity.device_type, device_type::entropy);
        EXPECT_EQ(identity.transitional, transitional);
        auto modern = virtio::pci::find_modern_layout(space, function);
        ASSERT_TRUE(modern.has_value());
        // QEMU puts the modern registers in BAR 4, 4 KiB apart: common, ISR, device, notify.
        EXPECT_EQ(modern.value().common.bar, 4);
        EXPECT_GE(modern.value().common.length, uint32_t(common_cfg::size));
        EXPECT_EQ(modern.value().isr.bar, 4);
        EXPECT_TRUE(modern.value().notify.present);
        EXPECT_EQ(modern.value().notify_offset_multiplier, 4u);
        auto legacy = virtio::pci::find_legacy_layout(function);
        ASSERT_EQ(legacy.has_value(), transitional);
        if (transitional)
            EXPECT_GE(legacy.value().length, 0x14u);
    }
    EXPECT_EQ(found, 1);
}

// QEMU 7.2's default on conventional PCI: transitional, 1af4:1005, both interfaces.
TEST(VirtioPciLayout, FindsQemusTransitionalRngOnTheRecordedPcMachine) {
    expect_qemu_rng_layout(BLOG_OS_PCI_QEMU_PC, true);
}

// Behind a PCI Express root port QEMU drops the legacy interface: 1af4:1044, no I/O BAR.
TEST(VirtioPciLayout, FindsQemusModernOnlyRngBehindARootPortOnTheRecordedQ35Machine) {
    expect_qemu_rng_layout(BLOG_OS_PCI_QEMU_Q35, false);
}

TEST(VirtioPciLayout, IdentifiesModernAndTransitionalIdsOnly) {
    Function function;
    virtio::pci::Identity identity;
    function.vendor_id = 0x1af4;
    function.device_id = 0x1044;
    ASSERT_TRUE(virtio::pci::identify(function, identity));
    EXPECT_EQ(identity.device_type, 4);
    EXPECT_FALSE(identity.transitional);
    function.device_id = 0x1001;
    function.subsystem_id = 2;
    ASSERT_TRUE(virtio::pci::identify(function, identity));
    EXPECT_EQ(identity.device_type, 2);
    EXPECT_TRUE(identity.transitional);
    function.device_id = 0x1040; // type 0 is reserved
    EXPECT_FALSE(virtio::pci::identify(function, identity));
    function.device_id = 0x1100; // QEMU's other 1af4 devices (ivshmem 1af4:1110)
    EXPECT_FALSE(virtio::pci::identify(function, identity));
    function.vendor_id = 0x8086;
    function.device_id = 0x1044;
    EXPECT_FALSE(virtio::pci::identify(function, identity));
}

constexpr Address here{0, 0, 5, 0};

// A modern device with a 16 KiB memory BAR 4 and caps at 0x40.. (type, bar, offset, length).
struct CapabilitySpec {
    uint8_t type, bar;
    uint32_t offset, length;
    uint8_t cap_length = 16;
};
Function build(FakeConfigSpace& space, std::initializer_list<CapabilitySpec> caps, bool io_bar_2 = false) {
    FakeFunction& fake = space.add(here).ids(0x1af4, 0x1044).class_code(0xff, 0, 0, 1);
    fake.memory64_bar(4, 0xfe000000, 0x4000);
    if (io_bar_2)
        fake.io_bar(2, 0xc000, 0x100);
    std::vector<std::pair<uint8_t, uint8_t>> list;
    uint8_t offset = 0x40;
    for (size_t i = 0; i < caps.size(); ++i, offset += 0x14)
        list.push_back({offset, 0x09});
    // capabilities() wants an initializer list: chain by hand the same way.
    fake.set16(::pci::reg::status, fake.get16(::pci::reg::status) | ::pci::reg::status_capabilities_list);
    uint16_t previous_next = ::pci::reg::capabilities_pointer;
    offset = 0x40;
    for (const CapabilitySpec& cap : caps) {
        fake.set8(previous_next, offset);
        fake.set8(offset, 0x09);
        fake.set8(offset + 1, 0);
        fake.set8(offset + 2, cap.cap_length);
        fake.set8(offset + 3, cap.type);
        fake.set8(offset + 4, cap.bar);
        fake.set32(offset + 8, cap.offset);
        fake.set32(offset + 12, cap.length);
        fake.set32(offset + 16, 4); // notify multiplier (read only for notify caps)
        previous_next = offset + 1;
        offset += 0x14;
    }
    Function function;
    ::pci::read_function(space, here, function);
    return function;
}

TEST(VirtioPciLayout, TakesTheFirstUsableCapabilityOfEachType) {
    FakeConfigSpace space;
    Function function = build(space, {{pci_cfg_type::common, 4, 0x0000, 0x1000, 16},
                                      {pci_cfg_type::isr, 4, 0x1000, 0x1000, 16},
                                      {pci_cfg_type::device, 4, 0x2000, 0x1000, 16},
                                      {pci_cfg_type::notify, 4, 0x3000, 0x1000, 20},
                                      {pci_cfg_type::common, 4, 0x2000, 0x1000, 16}});
    auto layout = virtio::pci::find_modern_layout(space, function).value();
    EXPECT_EQ(layout.common.physical, 0xfe000000u);
    EXPECT_EQ(layout.isr.physical, 0xfe001000u);
    EXPECT_EQ(layout.device.physical, 0xfe002000u);
    EXPECT_EQ(layout.notify.physical, 0xfe003000u);
    EXPECT_EQ(layout.notify_offset_multiplier, 4u);
}

TEST(VirtioPciLayout, WindowsOutsideTheirBarOrTooShortAreSkipped) {
    struct Case {
        const char* what;
        CapabilitySpec common;
    } cases[] = {
        {"past the BAR's end", {pci_cfg_type::common, 4, 0x3ff0, 0x38}},
        {"offset plus length overflowing 32 bits", {pci_cfg_type::common, 4, 0xffffffc8, 0x38}},
        {"shorter than the common structure", {pci_cfg_type::common, 4, 0, 0x37}},
        {"an absent BAR", {pci_cfg_type::common, 1, 0, 0x38}},
        {"a BAR index beyond 5", {pci_cfg_type::common, 9, 0, 0x38}},
        {"an I/O BAR", {pci_cfg_type::common, 2, 0, 0x38}},
        {"a capability shorter than its structure", {pci_cfg_type::common, 4, 0, 0x38, 12}},
    };
    for (const Case& test : cases) {
        FakeConfigSpace space;
        Function function = build(
            space,
            {test.common, {pci_cfg_type::isr, 4, 0x1000, 4}, {pci_cfg_type::notify, 4, 0x3000, 0x1000, 20}},
            true);
        EXPECT_EQ(virtio::pci::find_modern_layout(space, function).error().code(), ktl::Errno::NoEntry)
            << test.what;
    }
}

TEST(VirtioPciLayout, ANotifyCapabilityWithoutItsMultiplierIsSkipped) {
    FakeConfigSpace space;
    Function function = build(space, {{pci_cfg_type::common, 4, 0, 0x1000},
                                      {pci_cfg_type::isr, 4, 0x1000, 4},
                                      {pci_cfg_type::notify, 4, 0x3000, 0x1000, 16}});
    EXPECT_EQ(virtio::pci::find_modern_layout(space, function).error().code(), ktl::Errno::NoEntry);
}

TEST(VirtioPciLayout, LegacyNeedsAnIoBarZeroLongEnoughForTheRegisters) {
    Function function;
    EXPECT_TRUE(virtio::pci::find_legacy_layout(function).is_error());
    (void)function.bars.try_append({0, ::pci::BarKind::Io, false, 0xc000, 0x20});
    EXPECT_EQ(virtio::pci::find_legacy_layout(function).value().io_base, 0xc000);
    function.bars[0].size = 0x10;
    EXPECT_TRUE(virtio::pci::find_legacy_layout(function).is_error());
    function.bars[0] = {0, ::pci::BarKind::Memory32, false, 0xc000, 0x20};
    EXPECT_TRUE(virtio::pci::find_legacy_layout(function).is_error());
    function.bars[0] = {0, ::pci::BarKind::Io, false, 0xfff0, 0x20}; // past port 0xffff
    EXPECT_TRUE(virtio::pci::find_legacy_layout(function).is_error());
}

} // namespace
