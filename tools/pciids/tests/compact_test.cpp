// pci.ids into the compact form and back through lspci's reader: a fixture of real and hostile
// lines, Debian's whole file when it is installed, and a reader that refuses every corrupted file.
#include "compact.h"
#include "toolbox/pci_ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace {

std::string read_file(const char* path) {
    std::ifstream file(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

std::string or_null(const char* name) {
    return name ? name : "(null)";
}

struct Loaded {
    std::vector<uint8_t> bytes;
    toolbox::pci_ids::Names names;
    pciids::ParseReport report;
};

void load_text(const std::string& text, Loaded& loaded) {
    pciids::Database database;
    loaded.report = pciids::parse(text, database);
    loaded.bytes = pciids::write_compact(std::move(database));
    ASSERT_TRUE(loaded.names.load(loaded.bytes.data(), loaded.bytes.size()));
}

TEST(PciIds, FixtureNamesAreFoundWhateverTheirOrderInTheFile) {
    Loaded ids;
    load_text(read_file(BLOG_OS_PCI_IDS_FIXTURE), ids);
    const toolbox::pci_ids::Names& names = ids.names;
    EXPECT_EQ(or_null(names.vendor(0x8086)), "Intel Corporation");
    EXPECT_EQ(or_null(names.device(0x8086, 0x7000)), "82371SB PIIX3 ISA [Natoma/Triton II]");
    EXPECT_EQ(or_null(names.device(0x8086, 0x1237)), "440FX - 82441FX PMC [Natoma]");
    EXPECT_EQ(or_null(names.device(0x8086, 0x7010)), "82371SB PIIX3 IDE [Natoma/Triton II]");
    EXPECT_EQ(or_null(names.subsystem(0x8086, 0x1237, 0x1af4, 0x1100)), "Qemu virtual machine");
    EXPECT_EQ(or_null(names.subsystem(0x8086, 0x1237, 0x1000, 0x0001)), "Example subsystem");
    EXPECT_EQ(or_null(names.subsystem(0x8086, 0x100e, 0x1af4, 0x1100)), "QEMU Virtual Machine");
    EXPECT_EQ(names.subsystem(0x8086, 0x7000, 0x1af4, 0x1100), nullptr);
    EXPECT_EQ(or_null(names.vendor(0x1b36)), "Red Hat, Inc.");
    EXPECT_EQ(or_null(names.device(0x1b36, 0x0002)), "QEMU PCI 16550A Adapter");
    EXPECT_EQ(or_null(names.device(0x1af4, 0x1005)), "Virtio RNG");
    EXPECT_EQ(names.device(0x1af4, 0x1234), nullptr); // under the duplicate vendor
    EXPECT_EQ(names.vendor(0x1234), nullptr);
    EXPECT_EQ(names.vendor(0x5678), nullptr);
    EXPECT_EQ(or_null(names.vendor(0xabcd)), "Trailing blanks and a CR");
    EXPECT_EQ(or_null(names.device(0xabcd, 0x0001)), "Tab separated name");
    EXPECT_EQ(or_null(names.device(0xabcd, 0x0002)), "Control ?[31m characters");
    EXPECT_EQ(or_null(names.class_name(0x06)), "Bridge");
    EXPECT_EQ(or_null(names.subclass(0x06, 0x00)), "Host bridge");
    EXPECT_EQ(or_null(names.subclass(0x06, 0x04)), "PCI bridge");
    EXPECT_EQ(or_null(names.prog_if(0x06, 0x04, 0x00)), "Normal decode");
    EXPECT_EQ(or_null(names.prog_if(0x01, 0x01, 0x80)),
              "ISA Compatibility mode-only controller, supports bus mastering");
    EXPECT_EQ(or_null(names.prog_if(0x07, 0x00, 0x02)), "16550");
    EXPECT_EQ(names.prog_if(0x07, 0x00, 0x03), nullptr);
    EXPECT_EQ(names.subclass(0x07, 0x80), nullptr);
    EXPECT_EQ(names.class_name(0xff), nullptr);
    EXPECT_EQ(ids.report.malformed_lines, 8u);
    EXPECT_EQ(ids.report.orphans, 1u);
    EXPECT_EQ(ids.report.duplicates, 2u);
}

TEST(PciIds, NamesAreCutAndStoredOnce) {
    Loaded ids;
    std::string long_name(1000, 'x');
    load_text("0001  " + long_name + "\n0002  Same\n\t0001  Same\n0003  Same\n", ids);
    EXPECT_EQ(std::string(ids.names.vendor(1)).size(), pciids::max_name_length);
    EXPECT_EQ(ids.names.vendor(2), ids.names.vendor(3)); // one copy of "Same"
    EXPECT_EQ(ids.names.vendor(2), ids.names.device(2, 1));
}

TEST(PciIds, DebiansWholeFileWhenInstalled) {
    std::string text = read_file("/usr/share/misc/pci.ids");
    if (text.empty())
        GTEST_SKIP() << "no /usr/share/misc/pci.ids (Debian package pci.ids)";
    Loaded ids;
    load_text(text, ids);
    EXPECT_EQ(ids.report.malformed_lines + ids.report.orphans + ids.report.duplicates, 0u);
    EXPECT_EQ(or_null(ids.names.device(0x8086, 0x7000)), "82371SB PIIX3 ISA [Natoma/Triton II]");
    EXPECT_EQ(or_null(ids.names.subsystem(0x8086, 0x100e, 0x1af4, 0x1100)), "QEMU Virtual Machine");
    EXPECT_EQ(or_null(ids.names.prog_if(0x0c, 0x03, 0x30)), "XHCI");
    EXPECT_LT(ids.bytes.size(), text.size());
}

TEST(PciIdsReader, RefusesEveryTruncationAndExtension) {
    Loaded ids;
    load_text(read_file(BLOG_OS_PCI_IDS_FIXTURE), ids);
    toolbox::pci_ids::Names names;
    for (size_t length = 0; length < ids.bytes.size(); ++length) {
        EXPECT_FALSE(names.load(ids.bytes.data(), length)) << length;
        EXPECT_EQ(names.vendor(0x8086), nullptr);
    }
    std::vector<uint8_t> longer = ids.bytes;
    longer.push_back(0);
    EXPECT_FALSE(names.load(longer.data(), longer.size()));
    EXPECT_FALSE(names.load(nullptr, 0));
}

TEST(PciIdsReader, RandomCorruptionIsRefusedOrGivesTerminatedNamesInsideTheFile) {
    Loaded ids;
    load_text(read_file(BLOG_OS_PCI_IDS_FIXTURE), ids);
    std::mt19937 random(15);
    size_t accepted = 0;
    for (int round = 0; round < 5000; ++round) {
        std::vector<uint8_t> bytes = ids.bytes;
        // Mostly the header and records, where a lie matters; sometimes the names.
        size_t region = round % 4 == 0 ? bytes.size() : bytes.size() / 2;
        for (int flips = 1 + random() % 4; flips > 0; --flips)
            bytes[random() % region] = static_cast<uint8_t>(random());
        toolbox::pci_ids::Names names;
        if (!names.load(bytes.data(), bytes.size()))
            continue;
        ++accepted;
        auto inside = [&](const char* name) {
            if (!name)
                return;
            const uint8_t* at = reinterpret_cast<const uint8_t*>(name);
            ASSERT_GE(at, bytes.data());
            ASSERT_LT(at, bytes.data() + bytes.size());
            const uint8_t* end = bytes.data() + bytes.size();
            ASSERT_NE(std::find(at, end, uint8_t(0)), end);
        };
        for (uint16_t vendor : {0x8086, 0x1af4, 0x1b36, 0xabcd, 0x0000, 0xffff}) {
            inside(names.vendor(vendor));
            for (uint16_t device : {0x1237, 0x100e, 0x0001, 0x0002, 0x7000})
                inside(names.subsystem(vendor, device, 0x1af4, 0x1100));
        }
        for (uint8_t base : {0x01, 0x06, 0x07})
            for (uint8_t sub : {0x00, 0x01, 0x04})
                inside(names.prog_if(base, sub, 0x00));
    }
    EXPECT_GT(accepted, 0u); // flips in names and reserved bytes are harmless
}

} // namespace
