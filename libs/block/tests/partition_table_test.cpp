// Partition tables built byte by byte (MBR primaries, extended chains, GPT with both headers), then
// damaged: every table the parser accepts must lie within the disk, and damage must never hang it.
#include "block/crc32.h"
#include "block/partition_table.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr uint32_t sector_size = 512;

struct Disk {
    explicit Disk(uint64_t sectors) : bytes(sectors * sector_size) {}
    std::vector<uint8_t> bytes;
    uint64_t sectors() const { return bytes.size() / sector_size; }
    uint8_t* sector(uint64_t lba) { return bytes.data() + lba * sector_size; }

    block::PartitionTable parse(ktl::ErrorOr<void>* status = nullptr) {
        block::PartitionTable table;
        std::vector<uint8_t> scratch(2 * sector_size);
        auto reader = [&](uint64_t lba, uint8_t* out) -> ktl::ErrorOr<void> {
            if (lba >= sectors())
                return ktl::Errno::IoError;
            std::memcpy(out, sector(lba), sector_size);
            return {};
        };
        auto result = block::read_partition_table(reader, sectors(), sector_size, scratch.data(), table);
        if (status)
            *status = result;
        else
            EXPECT_FALSE(result.is_error());
        return table;
    }
};

void put32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
    put32(p, static_cast<uint32_t>(v));
    put32(p + 4, static_cast<uint32_t>(v >> 32));
}

void mbr_entry(uint8_t* record, int slot, uint8_t type, uint32_t start, uint32_t count, uint8_t status = 0) {
    uint8_t* p = record + 446 + slot * 16;
    p[0] = status;
    p[4] = type;
    put32(p + 8, start);
    put32(p + 12, count);
    record[510] = 0x55;
    record[511] = 0xaa;
}

// A GPT disk: protective MBR, primary header at 1, entries at 2-33, backup entries and header at the end.
struct GptPartition {
    uint32_t index;
    uint64_t first, last;
};

void write_gpt_header(Disk& disk, uint64_t lba, uint64_t alternate, uint64_t entries_lba,
                      uint32_t entries_crc) {
    uint8_t* h = disk.sector(lba);
    std::memset(h, 0, sector_size);
    std::memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, lba);
    put64(h + 32, alternate);
    put64(h + 40, 34);
    put64(h + 48, disk.sectors() - 34);
    std::memset(h + 56, 0x42, 16);
    put64(h + 72, entries_lba);
    put32(h + 80, 128);
    put32(h + 84, 128);
    put32(h + 88, entries_crc);
    put32(h + 16, block::crc32(h, 92));
}

Disk gpt_disk(uint64_t sectors, const std::vector<GptPartition>& partitions) {
    Disk disk(sectors);
    mbr_entry(disk.sector(0), 0, 0xee, 1, static_cast<uint32_t>(sectors - 1));
    std::vector<uint8_t> entries(128 * 128);
    for (const GptPartition& p : partitions) {
        uint8_t* e = entries.data() + p.index * 128;
        std::memset(e, 0x11, 16); // a type GUID
        std::memset(e + 16, static_cast<int>(p.index + 1), 16);
        put64(e + 32, p.first);
        put64(e + 40, p.last);
    }
    uint32_t crc = block::crc32(entries.data(), entries.size());
    std::memcpy(disk.sector(2), entries.data(), entries.size());
    std::memcpy(disk.sector(sectors - 33), entries.data(), entries.size());
    write_gpt_header(disk, 1, sectors - 1, 2, crc);
    write_gpt_header(disk, sectors - 1, 1, sectors - 33, crc);
    return disk;
}

void expect_within_disk(const block::PartitionTable& table, uint64_t sectors) {
    for (size_t i = 0; i < table.count; ++i) {
        EXPECT_GT(table.entries[i].count, 0u);
        EXPECT_GT(table.entries[i].start, 0u);
        EXPECT_LE(table.entries[i].start + table.entries[i].count, sectors);
    }
}

} // namespace

TEST(PartitionTable, crc32_matches_the_standard_check_value) {
    EXPECT_EQ(block::crc32("123456789", 9), 0xcbf43926u);
    EXPECT_EQ(block::crc32_update(block::crc32("1234", 4), "56789", 5), 0xcbf43926u);
}

TEST(PartitionTable, a_blank_disk_has_no_table) {
    Disk disk(2048);
    auto table = disk.parse();
    EXPECT_EQ(table.kind, block::TableKind::None);
    EXPECT_EQ(table.count, 0u);
}

TEST(PartitionTable, mbr_primaries_are_numbered_by_slot) {
    Disk disk(8192);
    mbr_entry(disk.sector(0), 0, 0x83, 2048, 2048, 0x80);
    mbr_entry(disk.sector(0), 2, 0x82, 4096, 1024);
    auto table = disk.parse();
    ASSERT_EQ(table.kind, block::TableKind::Mbr);
    ASSERT_EQ(table.count, 2u);
    EXPECT_EQ(table.entries[0].number, 1u);
    EXPECT_EQ(table.entries[0].start, 2048u);
    EXPECT_EQ(table.entries[0].count, 2048u);
    EXPECT_TRUE(table.entries[0].bootable);
    EXPECT_EQ(table.entries[1].number, 3u);
    EXPECT_EQ(table.entries[1].mbr_type, 0x82);
    EXPECT_EQ(table.problem, nullptr);
}

TEST(PartitionTable, a_boot_sector_with_a_bad_status_byte_is_not_a_table) {
    Disk disk(8192);
    mbr_entry(disk.sector(0), 0, 0x83, 2048, 2048, 0x12);
    EXPECT_EQ(disk.parse().kind, block::TableKind::None);
}

TEST(PartitionTable, logical_partitions_follow_the_extended_chain_from_five) {
    Disk disk(16384);
    mbr_entry(disk.sector(0), 0, 0x83, 2048, 2048);
    mbr_entry(disk.sector(0), 1, 0x05, 4096, 8192);
    // First EBR at 4096: a logical partition 2048 sectors in, then the next EBR at 4096 + 4096.
    mbr_entry(disk.sector(4096), 0, 0x83, 2048, 1024);
    mbr_entry(disk.sector(4096), 1, 0x05, 4096, 4096);
    mbr_entry(disk.sector(8192), 0, 0x83, 2048, 2000);
    auto table = disk.parse();
    ASSERT_EQ(table.count, 4u);
    EXPECT_EQ(table.entries[1].number, 2u);
    EXPECT_TRUE(table.entries[1].extended);
    EXPECT_EQ(table.entries[1].count, 2u); // 1 KiB, as Linux shows it
    EXPECT_EQ(table.entries[2].number, 5u);
    EXPECT_EQ(table.entries[2].start, 4096u + 2048);
    EXPECT_EQ(table.entries[2].count, 1024u);
    EXPECT_EQ(table.entries[3].number, 6u);
    EXPECT_EQ(table.entries[3].start, 8192u + 2048);
    EXPECT_EQ(table.problem, nullptr);
}

TEST(PartitionTable, an_extended_chain_that_loops_ends) {
    Disk disk(16384);
    mbr_entry(disk.sector(0), 0, 0x05, 4096, 8192);
    mbr_entry(disk.sector(4096), 0, 0x83, 16, 16);
    mbr_entry(disk.sector(4096), 1, 0x05, 0, 4096); // points back at itself
    auto table = disk.parse();
    EXPECT_EQ(table.count, 2u);
    EXPECT_NE(table.problem, nullptr);
}

TEST(PartitionTable, partitions_past_the_end_are_cut_or_dropped) {
    Disk disk(4096);
    mbr_entry(disk.sector(0), 0, 0x83, 2048, 0xffffffff);
    mbr_entry(disk.sector(0), 1, 0x83, 0xfffffff0, 16);
    auto table = disk.parse();
    ASSERT_EQ(table.count, 1u);
    EXPECT_EQ(table.entries[0].count, 2048u);
    EXPECT_NE(table.problem, nullptr);
}

TEST(PartitionTable, gpt_entries_are_numbered_by_index) {
    Disk disk = gpt_disk(8192, {{0, 2048, 4095}, {2, 4096, 8000}});
    auto table = disk.parse();
    ASSERT_EQ(table.kind, block::TableKind::Gpt);
    ASSERT_EQ(table.count, 2u);
    EXPECT_EQ(table.entries[0].number, 1u);
    EXPECT_EQ(table.entries[0].start, 2048u);
    EXPECT_EQ(table.entries[0].count, 2048u);
    EXPECT_EQ(table.entries[1].number, 3u);
    EXPECT_EQ(table.entries[1].count, 8000u - 4096 + 1);
    EXPECT_FALSE(table.used_backup_gpt);
}

TEST(PartitionTable, a_damaged_primary_gpt_header_falls_back_to_the_backup) {
    Disk disk = gpt_disk(8192, {{0, 2048, 4095}});
    disk.sector(1)[40] ^= 1; // first_usable changed: the CRC no longer matches
    auto table = disk.parse();
    ASSERT_EQ(table.kind, block::TableKind::Gpt);
    EXPECT_TRUE(table.used_backup_gpt);
    ASSERT_EQ(table.count, 1u);
    EXPECT_EQ(table.entries[0].start, 2048u);
}

TEST(PartitionTable, a_damaged_primary_entry_array_falls_back_to_the_backup) {
    Disk disk = gpt_disk(8192, {{0, 2048, 4095}});
    disk.sector(2)[32] ^= 1;
    auto table = disk.parse();
    EXPECT_TRUE(table.used_backup_gpt);
    ASSERT_EQ(table.count, 1u);
    EXPECT_EQ(table.entries[0].start, 2048u);
}

TEST(PartitionTable, both_gpt_copies_damaged_give_no_partitions) {
    Disk disk = gpt_disk(8192, {{0, 2048, 4095}});
    disk.sector(2)[32] ^= 1;
    disk.sector(8192 - 33)[32] ^= 1;
    auto table = disk.parse();
    EXPECT_EQ(table.count, 0u);
    EXPECT_NE(table.problem, nullptr);
}

TEST(PartitionTable, a_gpt_entry_outside_the_usable_range_is_refused) {
    Disk disk = gpt_disk(8192, {{0, 10, 4095}, {1, 4096, 9000}, {2, 5000, 4000}});
    auto table = disk.parse();
    EXPECT_EQ(table.count, 0u);
    EXPECT_NE(table.problem, nullptr);
}

TEST(PartitionTable, read_errors_are_returned) {
    Disk disk(1); // the reader fails past sector 0; the parser refuses a 1-sector disk first
    ktl::ErrorOr<void> status = {};
    disk.parse(&status);
    EXPECT_TRUE(status.is_error());
}

// Random damage to valid tables: whatever is accepted lies within the disk, and parsing ends.
TEST(PartitionTable, random_damage_never_escapes_the_disk) {
    std::mt19937 random(1234);
    for (int round = 0; round < 3000; ++round) {
        Disk disk = round % 2 ? gpt_disk(4096, {{0, 2048, 3000}, {5, 3001, 4000}}) : Disk(4096);
        if (round % 2 == 0) {
            mbr_entry(disk.sector(0), 0, 0x83, 2048, 100);
            mbr_entry(disk.sector(0), 1, 0x0f, 2200, 1800);
            mbr_entry(disk.sector(2200), 0, 0x83, 10, 100);
            mbr_entry(disk.sector(2200), 1, 0x05, 200, 100);
        }
        int flips = 1 + static_cast<int>(random() % 8);
        for (int i = 0; i < flips; ++i) {
            uint64_t lba = round % 2 ? random() % 3 : (random() % 2 ? 0 : 2200);
            if (round % 3 == 0)
                lba = 4095;
            disk.sector(lba)[random() % sector_size] ^= static_cast<uint8_t>(1 + random() % 255);
        }
        ktl::ErrorOr<void> status = {};
        auto table = disk.parse(&status);
        expect_within_disk(table, disk.sectors());
    }
}

// Tables written by Debian's own tools, when they are installed: sfdisk (package fdisk) for MBR
// with logical partitions, sgdisk (package gdisk) for GPT.
namespace {

bool have_tool(const char* name) {
    std::string command = std::string("command -v ") + name + " >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

// A zeroed image of `sectors` sectors, partitioned by `command` (run with the image's path as $1).
bool make_image(const std::string& path, uint64_t sectors, const std::string& command) {
    FILE* file = std::fopen(path.c_str(), "wb");
    if (!file)
        return false;
    bool sized = ftruncate(fileno(file), static_cast<off_t>(sectors * sector_size)) == 0;
    std::fclose(file);
    return sized && std::system(("set -e; f='" + path + "'; " + command + " >/dev/null 2>&1").c_str()) == 0;
}

Disk read_image(const std::string& path, uint64_t sectors) {
    Disk disk(sectors);
    FILE* file = std::fopen(path.c_str(), "rb");
    if (file) {
        size_t got = std::fread(disk.bytes.data(), 1, disk.bytes.size(), file);
        (void)got;
        std::fclose(file);
    }
    std::remove(path.c_str());
    return disk;
}

} // namespace

TEST(PartitionTable, reads_what_sfdisk_wrote_with_logical_partitions) {
    if (!have_tool("sfdisk"))
        GTEST_SKIP() << "sfdisk (Debian package fdisk) is not installed";
    std::string path = testing::TempDir() + "sfdisk.img";
    ASSERT_TRUE(
        make_image(path, 65536,
                   "printf 'label: dos\\nstart=2048, size=8192, type=83\\nstart=10240, size=40960, type=5\\n"
                   "start=12288, size=4096, type=83\\nstart=18432, size=8192, type=82\\n' | sfdisk \"$f\""));
    Disk disk = read_image(path, 65536);
    auto table = disk.parse();
    ASSERT_EQ(table.kind, block::TableKind::Mbr);
    ASSERT_EQ(table.count, 4u);
    EXPECT_EQ(table.entries[0].number, 1u);
    EXPECT_EQ(table.entries[0].start, 2048u);
    EXPECT_EQ(table.entries[0].count, 8192u);
    EXPECT_TRUE(table.entries[1].extended);
    EXPECT_EQ(table.entries[2].number, 5u);
    EXPECT_EQ(table.entries[2].start, 12288u);
    EXPECT_EQ(table.entries[2].count, 4096u);
    EXPECT_EQ(table.entries[3].number, 6u);
    EXPECT_EQ(table.entries[3].start, 18432u);
    EXPECT_EQ(table.entries[3].mbr_type, 0x82);
    EXPECT_EQ(table.problem, nullptr);
}

TEST(PartitionTable, reads_what_sgdisk_wrote_and_its_backup) {
    if (!have_tool("sgdisk"))
        GTEST_SKIP() << "sgdisk (Debian package gdisk) is not installed";
    std::string path = testing::TempDir() + "sgdisk.img";
    ASSERT_TRUE(make_image(path, 65536, "sgdisk -n 1:2048:10239 -n 3:20480:40959 \"$f\""));
    Disk disk = read_image(path, 65536);
    auto table = disk.parse();
    ASSERT_EQ(table.kind, block::TableKind::Gpt);
    ASSERT_EQ(table.count, 2u);
    EXPECT_EQ(table.entries[0].number, 1u);
    EXPECT_EQ(table.entries[0].start, 2048u);
    EXPECT_EQ(table.entries[0].count, 8192u);
    EXPECT_EQ(table.entries[1].number, 3u);
    EXPECT_EQ(table.entries[1].count, 20480u);
    disk.sector(1)[0] ^= 0xff; // the primary header damaged: the backup says the same
    auto backup = disk.parse();
    EXPECT_TRUE(backup.used_backup_gpt);
    ASSERT_EQ(backup.count, 2u);
    EXPECT_EQ(backup.entries[1].start, 20480u);
}
