// Reading images mke2fs made from a tree: every file type, holes, indirect blocks, hard links,
// device nodes, a file past 4 GiB, each block size and revision, and resumable directory listings.
#include "support.h"

#include <algorithm>

namespace ext2::test {
namespace {

struct Variant {
    uint32_t block_size;
    const char* options;
};

std::string describe(const testing::TestParamInfo<Variant>& info) {
    std::string name = std::to_string(info.param.block_size);
    for (const char* c = info.param.options; *c; ++c)
        name += isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
    return name;
}

const std::string slow_target = std::string(100, 'x') + "/target";

class Ext2Read : public testing::TestWithParam<Variant> {
protected:
    void SetUp() override {
        EXT2_REQUIRE_TOOLS();
        std::string tree = directory / "tree";
        std::filesystem::create_directories(tree + "/sub/deeper");
        write_file(tree + "/hello.txt", "hello, ext2\n");
        write_file(tree + "/empty", "");
        write_file(tree + "/big.bin", pattern(300 * 1024 + 123, 1));
        write_file(tree + "/sub/inner.txt", "inner\n");
        write_file(tree + "/sub/deeper/x", "x");
        std::filesystem::create_symlink("hello.txt", tree + "/fast");
        std::filesystem::create_symlink(slow_target, tree + "/slow");
        std::filesystem::create_hard_link(tree + "/hello.txt", tree + "/sub/hard");
        ASSERT_EQ(mkfifo((tree + "/fifo").c_str(), 0600), 0);
        {
            // A hole at the start and in the middle.
            FILE* file = fopen((tree + "/sparse").c_str(), "wb");
            ASSERT_NE(file, nullptr);
            fseek(file, 512 * 1024, SEEK_SET);
            fputs("middle", file);
            fseek(file, 1024 * 1024 - 3, SEEK_SET);
            fputs("end", file);
            fclose(file);
        }
        image = directory / "image";
        auto made = make_image(image, GetParam().block_size, tree, "4M", GetParam().options);
        ASSERT_EQ(made.status, 0) << made.output;
        // Devices with the old (8-bit) and the new (large numbers) encoding.
        debugfs(image, "mknod chr c 1 3", true);
        debugfs(image, "mknod blk b 259 700", true);
        ASSERT_EQ(e2fsck(image).status, 0) << e2fsck(image).output;
        store = std::make_unique<FileStore>(image);
        ASSERT_TRUE(store->is_open());
        Diagnostic diagnostic;
        auto mounted = FileSystem::mount(*store, clock, MountOptions{.read_only = true}, diagnostic);
        ASSERT_FALSE(mounted.is_error()) << text(diagnostic.text());
        fs = mounted.release_value();
    }

    Metadata stat(const std::string& path) {
        auto inode = resolve(*fs, path);
        EXPECT_FALSE(inode.is_error()) << path;
        if (inode.is_error())
            return {};
        auto metadata = fs->metadata(inode.value());
        EXPECT_FALSE(metadata.is_error()) << path;
        return metadata.is_error() ? Metadata{} : metadata.value();
    }

    std::string contents(const std::string& path) {
        auto inode = resolve(*fs, path);
        return inode.is_error() ? "<missing>" : read_all(*fs, inode.value());
    }

    TemporaryDirectory directory;
    std::string image;
    FixedClock clock;
    std::unique_ptr<FileStore> store;
    ktl::OwnPtr<FileSystem> fs;
};

TEST_P(Ext2Read, TheRootListsEveryName) {
    std::vector<std::string> expected = {".",    "..",        "big.bin",    "blk",  "chr",    "empty", "fast",
                                         "fifo", "hello.txt", "lost+found", "slow", "sparse", "sub"};
    EXPECT_EQ(list(*fs, root_inode), expected);
    EXPECT_EQ(list(*fs, resolve(*fs, "sub").value()),
              (std::vector<std::string>{".", "..", "deeper", "hard", "inner.txt"}));
}

TEST_P(Ext2Read, FilesReadBackByteForByte) {
    EXPECT_EQ(contents("hello.txt"), "hello, ext2\n");
    EXPECT_EQ(contents("empty"), "");
    EXPECT_EQ(contents("big.bin"), pattern(300 * 1024 + 123, 1)); // indirect and double indirect at 1 KiB
    EXPECT_EQ(contents("sub/inner.txt"), "inner\n");
    EXPECT_EQ(contents("sub/deeper/x"), "x");
}

TEST_P(Ext2Read, PartialReadsAndReadsPastTheEnd) {
    InodeNumber big = resolve(*fs, "big.bin").value();
    std::string expected = pattern(300 * 1024 + 123, 1);
    for (uint64_t offset : {0ull, 1ull, 1023ull, 4095ull, 12 * 1024ull + 5, 270 * 1024ull - 7}) {
        std::string bytes(5000, '\0');
        auto read = fs->read(big, offset, reinterpret_cast<uint8_t*>(bytes.data()), bytes.size());
        ASSERT_FALSE(read.is_error());
        EXPECT_EQ(read.value(), 5000u);
        EXPECT_EQ(bytes, expected.substr(offset, 5000)) << offset;
    }
    uint8_t byte;
    EXPECT_EQ(fs->read(big, expected.size(), &byte, 1).value(), 0u);
    EXPECT_EQ(fs->read(big, expected.size() - 1, &byte, 10).value(), 1u);
    EXPECT_EQ(fs->read(big, 1ull << 40, &byte, 1).value(), 0u);
}

TEST_P(Ext2Read, HolesReadAsZeros) {
    std::string bytes = contents("sparse");
    ASSERT_EQ(bytes.size(), 1024u * 1024u);
    EXPECT_EQ(bytes.substr(0, 512 * 1024), std::string(512 * 1024, '\0'));
    EXPECT_EQ(bytes.substr(512 * 1024, 6), "middle");
    EXPECT_EQ(bytes.substr(512 * 1024 + 6, 512 * 1024 - 9), std::string(512 * 1024 - 9, '\0'));
    EXPECT_EQ(bytes.substr(1024 * 1024 - 3), "end");
    EXPECT_LT(stat("sparse").blocks * 512, 64u * 1024u); // the holes take no blocks
}

// What mmap builds on: the block data_block names holds the file's bytes, a hole is block 0.
TEST_P(Ext2Read, DataBlocksHoldTheFilesBytesAndHolesAreZero) {
    const uint32_t block_size = fs->block_size();
    InodeNumber big = resolve(*fs, "big.bin").value();
    std::string expected = pattern(300 * 1024 + 123, 1);
    std::vector<uint8_t> block(block_size);
    // Direct, first indirect and (at 1 KiB) double indirect blocks, and the partial last one.
    for (uint64_t index : {0ull, 11ull, 12ull, 200ull, (300 * 1024ull) / block_size}) {
        if (index * block_size >= expected.size())
            continue;
        auto number = fs->data_block(big, index);
        ASSERT_FALSE(number.is_error()) << index;
        ASSERT_NE(number.value(), 0u) << index;
        ASSERT_FALSE(store->read_block(number.value(), block_size, block.data()).is_error());
        uint64_t offset = index * block_size;
        size_t length = std::min<size_t>(block_size, expected.size() - offset);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(block.data()), length),
                  expected.substr(offset, length))
            << index;
    }
    InodeNumber sparse = resolve(*fs, "sparse").value();
    EXPECT_EQ(fs->data_block(sparse, 0).value(), 0u);
    EXPECT_NE(fs->data_block(sparse, 512 * 1024 / block_size).value(), 0u);
    EXPECT_TRUE(fs->data_block(resolve(*fs, "sub").value(), 0).is_error()); // only regular files
}

TEST_P(Ext2Read, MetadataOfEachType) {
    EXPECT_TRUE(stat("hello.txt").is_regular());
    EXPECT_EQ(stat("hello.txt").size, 12u);
    EXPECT_EQ(stat("hello.txt").link_count, 2u); // sub/hard
    EXPECT_EQ(resolve(*fs, "hello.txt").value(), resolve(*fs, "sub/hard").value());
    EXPECT_TRUE(stat("sub").is_directory());
    EXPECT_EQ(stat("sub").link_count, 3u);
    EXPECT_EQ(stat("fifo").mode & mode_type_mask, mode_fifo);
    EXPECT_EQ(stat("fifo").mode & mode_permissions, 0600);
    Metadata chr = stat("chr");
    EXPECT_EQ(chr.mode & mode_type_mask, mode_character_device);
    EXPECT_EQ(chr.device_major, 1u);
    EXPECT_EQ(chr.device_minor, 3u);
    Metadata blk = stat("blk");
    EXPECT_EQ(blk.mode & mode_type_mask, mode_block_device);
    EXPECT_EQ(blk.device_major, 259u);
    EXPECT_EQ(blk.device_minor, 700u);
    EXPECT_EQ(stat(".").inode, root_inode);
}

TEST_P(Ext2Read, FastAndSlowSymlinks) {
    auto fast = fs->readlink(resolve(*fs, "fast").value());
    ASSERT_FALSE(fast.is_error());
    EXPECT_EQ(text(fast.value().view()), "hello.txt");
    auto slow = fs->readlink(resolve(*fs, "slow").value());
    ASSERT_FALSE(slow.is_error());
    EXPECT_EQ(text(slow.value().view()), slow_target);
    EXPECT_EQ(stat("slow").size, slow_target.size());
    EXPECT_EQ(fs->readlink(resolve(*fs, "hello.txt").value()).error().code(), Errno::InvalidArgument);
}

TEST_P(Ext2Read, ListingsResumeFromAnyCookie) {
    std::vector<std::string> all = list(*fs, root_inode);
    // One entry per call, as a small getdents buffer would.
    std::vector<std::string> resumed;
    uint64_t cookie = 0;
    for (int calls = 0; calls < 100; ++calls) {
        bool got = false;
        MUST(fs->read_directory(root_inode, cookie, [&](const DirectoryEntry& entry) {
            resumed.push_back(text(entry.name));
            cookie = entry.next_cookie;
            got = true;
            return false;
        }));
        if (!got)
            break;
    }
    std::sort(resumed.begin(), resumed.end());
    EXPECT_EQ(resumed, all);
}

TEST_P(Ext2Read, LookupErrors) {
    EXPECT_EQ(fs->lookup(root_inode, "missing").error().code(), Errno::NoEntry);
    EXPECT_EQ(fs->lookup(resolve(*fs, "hello.txt").value(), "x").error().code(), Errno::NotDirectory);
    EXPECT_EQ(fs->lookup(root_inode, std::string(256, 'a').c_str()).error().code(), Errno::NameTooLong);
    EXPECT_EQ(fs->metadata(0).error().code(), Errno::IoError);
    EXPECT_EQ(fs->metadata(1u << 30).error().code(), Errno::IoError);
}

TEST_P(Ext2Read, ReadOnlyRefusesChanges) {
    EXPECT_TRUE(fs->is_read_only());
    EXPECT_EQ(fs->create(root_inode, "new", NewInode{.mode = mode_regular | 0644}).error().code(),
              Errno::ReadOnlyFilesystem);
    EXPECT_EQ(fs->unlink(root_inode, "hello.txt", false).error().code(), Errno::ReadOnlyFilesystem);
}

TEST_P(Ext2Read, StatisticsMatchDumpe2fs) {
    Statistics statistics = fs->statistics();
    EXPECT_EQ(statistics.block_size, GetParam().block_size);
    std::string header = run_command(find_tool("dumpe2fs") + " -h " + shell_quote(image)).output;
    auto field = [&](const std::string& name) -> uint64_t {
        size_t at = header.find(name + ":");
        return at == std::string::npos ? ~0ull : std::stoull(header.substr(at + name.size() + 1));
    };
    EXPECT_EQ(statistics.free_blocks, field("Free blocks"));
    EXPECT_EQ(statistics.free_inodes, field("Free inodes"));
    EXPECT_EQ(statistics.inodes, field("Inode count"));
    // Linux's total leaves out the metadata. These images are one group: the superblock, one
    // descriptor block, two bitmaps and the inode table (and the boot block at 1 KiB, not counted
    // in the blocks after the first).
    ASSERT_LE(field("Block count") - field("First block"), field("Blocks per group"));
    EXPECT_EQ(statistics.blocks,
              field("Block count") - field("First block") - 1 - 1 - 2 - field("Inode blocks per group"));
    EXPECT_EQ(statistics.available_blocks, field("Free blocks") - field("Reserved block count"));
}

INSTANTIATE_TEST_SUITE_P(Images, Ext2Read,
                         testing::Values(Variant{1024, "-O ^dir_index"}, Variant{2048, ""},
                                         Variant{4096, "-I 128"}, Variant{4096, "-I 256 -O dir_index"},
                                         Variant{1024, "-r 0"}),
                         describe);

// Many groups: statfs leaves out each superblock copy (sparse: groups 0, 1 and powers of 3, 5, 7, as
// dumpe2fs lists them), its descriptors, and every group's bitmaps and inode table.
TEST(Ext2ReadStatistics, TheTotalLeavesOutEveryGroupsMetadata) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 1024, "", "64M").status, 0);
    std::string dump = run_command(find_tool("dumpe2fs") + " " + shell_quote(image)).output;
    auto field = [&](const std::string& name) -> uint64_t {
        size_t at = dump.find(name + ":");
        return at == std::string::npos ? ~0ull : std::stoull(dump.substr(at + name.size() + 1));
    };
    uint64_t copies = 0;
    for (size_t at = 0; (at = dump.find("superblock at", at)) != std::string::npos; ++at)
        ++copies;
    uint64_t groups = (field("Block count") - field("First block") + field("Blocks per group") - 1) /
                      field("Blocks per group");
    ASSERT_GT(groups, 7u);
    ASSERT_LT(copies, groups); // sparse
    uint64_t descriptor_blocks = (groups * 32 + 1023) / 1024;
    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {.read_only = true}, diagnostic));
    EXPECT_EQ(fs->statistics().blocks, field("Block count") - field("First block") -
                                           copies * (1 + descriptor_blocks) -
                                           groups * (2 + field("Inode blocks per group")));
}

TEST(Ext2ReadLarge, AFilePast4GiBReadsItsTailAndHoles) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string tree = directory / "tree";
    std::filesystem::create_directories(tree);
    {
        FILE* file = fopen((tree + "/big").c_str(), "wb");
        ASSERT_NE(file, nullptr);
        fseeko(file, 5ll << 30, SEEK_SET);
        fputs("hello at 5G", file);
        fclose(file);
        ASSERT_EQ(truncate((tree + "/big").c_str(), 6ll << 30), 0);
    }
    std::string image = directory / "image";
    auto made = make_image(image, 4096, tree, "8M");
    ASSERT_EQ(made.status, 0) << made.output;
    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    InodeNumber big = MUST(fs->lookup(root_inode, "big"));
    EXPECT_EQ(MUST(fs->metadata(big)).size, 6ull << 30);
    char bytes[16] = {};
    EXPECT_EQ(MUST(fs->read(big, (5ull << 30) - 2, reinterpret_cast<uint8_t*>(bytes), 13)), 13u);
    EXPECT_EQ(std::string(bytes, 13), std::string("\0\0hello at 5G", 13));
    EXPECT_EQ(MUST(fs->read(big, (6ull << 30) - 4, reinterpret_cast<uint8_t*>(bytes), 16)), 4u);
    EXPECT_EQ(std::string(bytes, 4), std::string(4, '\0'));
}

} // namespace
} // namespace ext2::test
