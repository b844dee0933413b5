// Block devices end to end, in one boot: two disk images made here (every sector starts with its
// number; an MBR with partitions of 4096 sectors at 2048 and 8192), one on a modern virtio-blk device
// with MSI-X, one on a legacy-only device without MSI-X (INTx), plus two 8 MiB RAM disks from the
// command line. /tests/block_device_test checks sizes, partitions and the pattern on each disk, writes
// another pattern over vda2/vdb2 and syncs; after the power-off the host finds exactly that pattern
// there and every other byte unchanged. A third disk, read-only, refuses writes; the first is
// unbound from its driver and bound again.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>

using testing::ContainsRegex;
using testing::HasSubstr;

namespace {

constexpr uint64_t disk_sectors = 16384; // 8 MiB
constexpr uint64_t written_marker = 0xb10c000000000000ull;

std::vector<uint8_t> make_image() {
    std::vector<uint8_t> image(disk_sectors * 512);
    for (uint64_t sector = 0; sector < disk_sectors; ++sector) {
        uint8_t* bytes = image.data() + sector * 512;
        std::memcpy(bytes, &sector, 8);
        for (size_t i = 8; i < 512; ++i)
            bytes[i] = static_cast<uint8_t>(sector * 13 + i);
    }
    auto entry = [&](int slot, uint32_t start, uint32_t count) {
        uint8_t* p = image.data() + 446 + slot * 16;
        std::memset(p, 0, 16);
        p[4] = 0x83;
        std::memcpy(p + 8, &start, 4);
        std::memcpy(p + 12, &count, 4);
    };
    entry(0, 2048, 4096);
    entry(1, 8192, 4096);
    entry(2, 0, 0);
    entry(3, 0, 0);
    image[510] = 0x55;
    image[511] = 0xaa;
    return image;
}

bool write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
}

// What the guest program writes: over the second partition (sectors 8192-12287), and 8 bytes through
// a mapping of the first.
std::vector<uint8_t> expected_after(const std::vector<uint8_t>& original) {
    std::vector<uint8_t> image = original;
    std::memcpy(image.data() + 2049 * 512 + 16, "mmapped!", 8); // through a shared mapping of vda1
    for (uint64_t sector = 0; sector < 4096; ++sector) {
        uint8_t* bytes = image.data() + (8192 + sector) * 512;
        uint64_t value = written_marker | sector;
        std::memcpy(bytes, &value, 8);
        for (size_t i = 8; i < 512; ++i)
            bytes[i] = static_cast<uint8_t>(sector ^ i);
    }
    return image;
}

// The first sector where two images differ, or -1.
int64_t first_difference(const std::string& actual, const std::vector<uint8_t>& expected) {
    if (actual.size() != expected.size())
        return -2;
    for (size_t at = 0; at < expected.size(); at += 512)
        if (std::memcmp(actual.data() + at, expected.data() + at, 512) != 0)
            return static_cast<int64_t>(at / 512);
    return -1;
}

TEST(Block, VirtioDisksAndRamDisksReadWriteAndPartitionAsOnLinux) {
    std::vector<uint8_t> image = make_image();
    std::string modern = e2e::test_log_path("block-modern.img");
    std::string legacy = e2e::test_log_path("block-legacy.img");
    ASSERT_TRUE(write_file(modern, image));
    ASSERT_TRUE(write_file(legacy, image));
    std::string read_only = e2e::test_log_path("block-read-only.img");
    ASSERT_TRUE(write_file(read_only, std::vector<uint8_t>(image.begin(), image.begin() + 1024 * 512)));
    auto run = e2e::run_kernel(
        "block",
        {"--direct", "--firmware=bios", "--timeout=240", "--disk=" + modern, "--qemu-arg=-drive",
         "--qemu-arg=if=none,id=legacy,format=raw,file=" + legacy, "--qemu-arg=-device",
         "--qemu-arg=virtio-blk-pci,drive=legacy,disable-modern=on,vectors=0", "--qemu-arg=-drive",
         "--qemu-arg=if=none,id=ro,format=raw,readonly=on,file=" + read_only, "--qemu-arg=-device",
         "--qemu-arg=virtio-blk-pci,drive=ro",
         "--cmdline=rd_nr=2 ramdisk_size=8192 init=/bin/sh -- -c \"BLOCK_TEST_DISK=/dev/vda "
         "/tests/block_device_test; echo vda-status=$?; BLOCK_TEST_DISK=/dev/vdb /tests/block_device_test; "
         "echo vdb-status=$?; cat /sys/block/ram1/size /proc/partitions; ls -l /dev/vda1 /dev/ram1; "
         "grep virtio-blk /proc/interrupts; echo vdc-ro=$(cat /sys/block/vdc/ro); "
         "dd if=/dev/zero of=/dev/vdc bs=512 count=1; exec 3</dev/vda1; "
         "echo 0000:00:04.0 > /sys/bus/pci/drivers/virtio_blk/unbind; ls /dev/vda; cat <&3; "
         "echo 0000:00:04.0 > /sys/bus/pci/drivers/virtio_blk/bind; echo rebound=$(cat /sys/block/vda/size); "
         "poweroff -f\""});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial,
                ContainsRegex("\\[virtio-blk\\][^\n]*: vda \\(virtio 1.x interface\\), 16384 sectors "
                              "of 512 bytes \\(8 MiB\\)[^\n]*MSI-X"));
    EXPECT_THAT(run.serial, ContainsRegex("\\[virtio-blk\\][^\n]*: vdb \\(legacy interface\\)[^\n]*INTx"));
    EXPECT_THAT(run.serial, HasSubstr("vda: MBR table, 2 partitions"));
    EXPECT_THAT(run.serial, HasSubstr("2 RAM disks of 8192 KiB"));
    for (const char* test :
         {"the_disk_and_its_partitions_report_their_sizes", "the_disk_holds_the_pattern_the_host_wrote",
          "writes_to_a_partition_reach_the_disk_after_fsync",
          "a_ram_disk_reads_back_what_was_written_at_any_offset",
          "a_shared_mapping_of_a_ram_disk_sees_its_reads_and_writes",
          "proc_partitions_agrees_with_sys_class_block", "block_device_errors_are_linux_errors"})
        EXPECT_THAT(run.serial, HasSubstr(std::string("test ") + test + " ... ok")) << test;
    EXPECT_THAT(run.serial, HasSubstr("vda-status=0"));
    EXPECT_THAT(run.serial, HasSubstr("vdb-status=0"));
    EXPECT_THAT(run.serial, ContainsRegex("\n16384\n"));
    EXPECT_THAT(run.serial, HasSubstr("major minor  #blocks  name\n\n"));
    EXPECT_THAT(run.serial, HasSubstr(" 254        0       8192 vda\n 254        1       2048 vda1\n"
                                      " 254        2       2048 vda2\n"));
    EXPECT_THAT(run.serial, ContainsRegex("brw-rw---- +1 +0 +0 +254, +1 [^\n]*/dev/vda1"));
    EXPECT_THAT(run.serial, ContainsRegex("brw-rw---- +1 +0 +0 +1, +1 [^\n]*/dev/ram1"));
    // The read-only disk says so, refuses writes with EROFS, and stays as it was.
    EXPECT_THAT(run.serial, ContainsRegex("vdc \\(virtio 1.x interface\\), 1024 sectors[^\n]*read-only"));
    EXPECT_THAT(run.serial, HasSubstr("vdc-ro=1"));
    EXPECT_THAT(run.serial, HasSubstr("Read-only file system"));
    EXPECT_EQ(first_difference(e2e::read_file(read_only),
                               std::vector<uint8_t>(image.begin(), image.begin() + 1024 * 512)),
              -1);
    EXPECT_THAT(run.serial, ContainsRegex("PCI-MSIX-0000:00:[0-9a-f]{2}\\.0 +1-edge +virtio-blk-requests"));
    // Unbinding takes the disk and its partitions away (an open partition then fails with EIO);
    // binding brings it back under its old name.
    EXPECT_THAT(run.serial, HasSubstr("pci 0000:00:04.0: unbound from virtio_blk"));
    EXPECT_THAT(run.serial, HasSubstr("'/dev/vda': No such file or directory"));
    EXPECT_THAT(run.serial, HasSubstr("cat: -: I/O error"));
    EXPECT_THAT(run.serial, HasSubstr("rebound=16384"));
    // What the guest wrote is on the host's files, and nothing else changed.
    std::vector<uint8_t> expected = expected_after(image);
    EXPECT_EQ(first_difference(e2e::read_file(modern), expected), -1);
    EXPECT_EQ(first_difference(e2e::read_file(legacy), expected), -1);
}

} // namespace
