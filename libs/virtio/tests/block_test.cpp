// The virtio block device's configuration is hostile input: every field is checked before the kernel
// sizes a disk by it.
#include "virtio/block.h"

#include <gtest/gtest.h>

using namespace virtio::block;

TEST(VirtioBlock, a_plain_disk_has_512_byte_blocks_and_its_capacity) {
    RawConfig raw;
    raw.capacity = 2048;
    Geometry geometry = check_config(raw);
    EXPECT_EQ(geometry.size, 1u << 20);
    EXPECT_EQ(geometry.logical_block_size, 512u);
    EXPECT_EQ(geometry.physical_block_size, 512u);
    EXPECT_FALSE(geometry.read_only);
    EXPECT_FALSE(geometry.has_flush);
    EXPECT_EQ(geometry.problem, nullptr);
}

TEST(VirtioBlock, features_give_block_sizes_read_only_and_flush) {
    RawConfig raw;
    raw.features = feature::blk_size | feature::topology | feature::read_only | feature::flush;
    raw.capacity = 4096;
    raw.blk_size = 4096;
    raw.physical_block_exp = 0;
    Geometry geometry = check_config(raw);
    EXPECT_EQ(geometry.logical_block_size, 4096u);
    EXPECT_EQ(geometry.physical_block_size, 4096u);
    EXPECT_TRUE(geometry.read_only);
    EXPECT_TRUE(geometry.has_flush);
    raw.blk_size = 512;
    raw.physical_block_exp = 3;
    EXPECT_EQ(check_config(raw).physical_block_size, 4096u);
}

TEST(VirtioBlock, a_block_size_out_of_range_is_refused) {
    for (uint32_t size : {0u, 256u, 513u, 8192u, 0xffffffffu}) {
        RawConfig raw;
        raw.features = feature::blk_size;
        raw.capacity = 16;
        raw.blk_size = size;
        Geometry geometry = check_config(raw);
        EXPECT_EQ(geometry.logical_block_size, 512u) << size;
        EXPECT_NE(geometry.problem, nullptr) << size;
    }
}

TEST(VirtioBlock, a_huge_exponent_or_capacity_is_cut) {
    RawConfig raw;
    raw.features = feature::topology | feature::blk_size;
    raw.blk_size = 4096;
    raw.physical_block_exp = 200;
    raw.capacity = UINT64_MAX;
    Geometry geometry = check_config(raw);
    EXPECT_EQ(geometry.physical_block_size, 4096u);
    EXPECT_EQ(geometry.size, 1ull << 55);
    EXPECT_NE(geometry.problem, nullptr);
}

TEST(VirtioBlock, a_capacity_not_a_whole_number_of_blocks_is_rounded_down) {
    RawConfig raw;
    raw.features = feature::blk_size;
    raw.blk_size = 4096;
    raw.capacity = 9; // 4608 bytes
    EXPECT_EQ(check_config(raw).size, 4096u);
}

TEST(VirtioBlock, completions_need_the_status_byte_and_a_whole_read) {
    EXPECT_EQ(completion_errno(true, 4097, 4097, status::ok), 0);
    EXPECT_EQ(completion_errno(false, 1, 1, status::ok), 0);
    EXPECT_EQ(completion_errno(true, 4097, 4096, status::ok), 5); // the status byte not written
    EXPECT_EQ(completion_errno(true, 4097, 1, status::ok), 5);    // a short read
    EXPECT_EQ(completion_errno(false, 1, 0, status::ok), 5);
    EXPECT_EQ(completion_errno(false, 1, 1, status::io_error), 5);
    EXPECT_EQ(completion_errno(false, 1, 1, status::unsupported), 95);
    EXPECT_EQ(completion_errno(false, 1, 1, 0xff), 5); // never written: the driver's own fill
    EXPECT_EQ(completion_errno(true, 4097, 4097, 7), 5);
}
