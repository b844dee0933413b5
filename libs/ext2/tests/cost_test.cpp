// How many block reads and writes the library asks of its store: deterministic counts, so a change
// that makes every block cost an extra metadata read or write fails here (speed itself is for the
// benchmarks). The kernel's store is a cache, but each call still costs a lookup and a copy.
#include "support.h"

namespace ext2::test {
namespace {

TEST(Ext2Cost, SequentialWritesAndReadsCostAboutOneStoreOperationPerBlock) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 4096, "", "64M").status, 0);
    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    InodeNumber inode = MUST(fs->create(root_inode, "file", NewInode{.mode = mode_regular | 0644}));
    std::string chunk = pattern(1 << 20, 1);
    constexpr uint64_t blocks = 32 * 256; // 32 MiB, through the double indirect range
    uint64_t reads = store.reads, writes = store.writes;
    for (uint64_t i = 0; i < 32; ++i)
        MUST(write_string(*fs, inode, i << 20, chunk));
    // Data blocks plus, per 1 MiB call, the bitmap, the map's blocks, the inode, descriptors and superblock.
    EXPECT_LT(store.writes - writes, blocks * 105 / 100);
    EXPECT_LT(store.reads - reads, blocks / 50);

    reads = store.reads;
    std::string bytes(1 << 20, '\0');
    for (uint64_t i = 0; i < 32; ++i) {
        MUST(fs->read(inode, i << 20, reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
        ASSERT_EQ(bytes, chunk);
    }
    EXPECT_LT(store.reads - reads, blocks * 101 / 100);
    MUST(fs->unmount());
    EXPECT_EQ(e2fsck(image).status, 0);
}

TEST(Ext2Cost, CreatingAndDeletingAFileCostsAFewBlockOperations) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 4096, "", "16M").status, 0);
    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    uint64_t before = store.reads + store.writes;
    for (int i = 0; i < 1000; ++i)
        MUST(fs->create(root_inode, ("file" + std::to_string(i)).c_str(),
                        NewInode{.mode = mode_regular | 0644}));
    for (int i = 0; i < 1000; ++i) {
        Unlinked unlinked = MUST(fs->unlink(root_inode, ("file" + std::to_string(i)).c_str(), false));
        MUST(fs->free_inode_if_unlinked(unlinked.inode));
    }
    EXPECT_LT(store.reads + store.writes - before, 1000u * 20);
    MUST(fs->unmount());
    EXPECT_EQ(e2fsck(image).status, 0);
}

TEST(Ext2Cost, AStoreThatLendsBlocksServesFileReadsInPlace) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string tree = directory / "tree";
    std::filesystem::create_directories(tree);
    std::string bytes = pattern(100 * 1024 + 7, 4);
    write_file(tree + "/file", bytes);
    {
        FILE* file = fopen((tree + "/sparse").c_str(), "wb");
        fseek(file, 64 * 1024, SEEK_SET);
        fputs("end", file);
        fclose(file);
    }
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 1024, tree, "2M").status, 0);
    FILE* file = fopen(image.c_str(), "rb");
    std::vector<uint8_t> contents(2 << 20);
    ASSERT_EQ(fread(contents.data(), 1, contents.size(), file), contents.size());
    fclose(file);
    MemoryStore store(std::move(contents));
    store.lend = true;
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {.read_only = true}, diagnostic));
    EXPECT_EQ(read_all(*fs, MUST(fs->lookup(root_inode, "file"))), bytes);
    EXPECT_EQ(store.lent, 101u); // every data block, once
    EXPECT_EQ(store.outstanding, 0);
    std::string sparse = read_all(*fs, MUST(fs->lookup(root_inode, "sparse")));
    EXPECT_EQ(sparse, std::string(64 * 1024, '\0') + "end"); // holes are not borrowed
    EXPECT_EQ(store.lent, 102u);
    EXPECT_EQ(store.outstanding, 0);
}

} // namespace
} // namespace ext2::test
