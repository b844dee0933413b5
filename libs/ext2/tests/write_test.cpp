// Changing images mke2fs made, then asking e2fsprogs: after every scenario `e2fsck -fn` must find
// a clean file system, and debugfs must read back what the library wrote.
#include "support.h"

#include <algorithm>
#include <map>
#include <random>

namespace ext2::test {
namespace {

struct Variant {
    uint32_t block_size;
    const char* options;
    const char* size;
};

std::string describe(const testing::TestParamInfo<Variant>& info) {
    std::string name = std::to_string(info.param.block_size);
    for (const char* c = info.param.options; *c; ++c)
        name += isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
    return name;
}

NewInode regular(uint16_t permissions = 0644) {
    return NewInode{.mode = uint16_t(mode_regular | permissions)};
}
NewInode directory_mode(uint16_t permissions = 0755) {
    return NewInode{.mode = uint16_t(mode_directory | permissions)};
}

class Ext2Write : public testing::TestWithParam<Variant> {
protected:
    void SetUp() override {
        EXT2_REQUIRE_TOOLS();
        std::string tree = directory / "tree";
        std::filesystem::create_directories(tree + "/old/inner");
        write_file(tree + "/existing.txt", "existing\n");
        write_file(tree + "/old/inner/file", "deep\n");
        write_file(tree + "/victim", pattern(40000, 7));
        image = directory / "image";
        auto made = make_image(image, GetParam().block_size, tree, GetParam().size, GetParam().options);
        ASSERT_EQ(made.status, 0) << made.output;
        mount();
    }

    void mount() {
        fs = nullptr;
        store = std::make_unique<FileStore>(image);
        ASSERT_TRUE(store->is_open());
        Diagnostic diagnostic;
        auto mounted = FileSystem::mount(*store, clock, {}, diagnostic);
        ASSERT_FALSE(mounted.is_error()) << text(diagnostic.text());
        fs = mounted.release_value();
        ASSERT_FALSE(fs->is_read_only()) << text(fs->read_only_reason());
    }

    // Unmounts and checks the image with e2fsck; remounts for more.
    void expect_clean(const char* when) {
        ASSERT_FALSE(fs->unmount().is_error());
        fs = nullptr;
        store = nullptr;
        auto checked = e2fsck(image);
        EXPECT_EQ(checked.status, 0) << when << ":\n" << checked.output;
        mount();
    }

    std::string cat(const std::string& path) { return debugfs_cat(image, path, directory / "dumped"); }

    InodeNumber make_file(InodeNumber parent, const char* name, const std::string& bytes) {
        auto created = fs->create(parent, name, regular());
        EXPECT_FALSE(created.is_error()) << name << ": " << (created.is_error() ? created.error().name() : "")
                                         << " " << text(fs->diagnostic());
        if (created.is_error())
            return 0;
        InodeNumber inode = created.value();
        EXPECT_EQ(MUST(write_string(*fs, inode, 0, bytes)), bytes.size());
        return inode;
    }

    TemporaryDirectory directory;
    std::string image;
    FixedClock clock;
    std::unique_ptr<FileStore> store;
    ktl::OwnPtr<FileSystem> fs;
};

TEST_P(Ext2Write, CreatedFilesOfEveryTypeCheckCleanAndReadBackInDebugfs) {
    uint32_t block_size = GetParam().block_size;
    // Sizes that end in the direct blocks, the indirect and the double indirect ranges.
    std::string small = "small file\n";
    std::string medium = pattern(block_size * 20 + 17, 2);
    std::string large = pattern(block_size * (12 + block_size / 4 + 3) + 5, 3);
    make_file(root_inode, "small", small);
    make_file(root_inode, "medium", medium);
    make_file(root_inode, "large", large);
    InodeNumber sub = MUST(fs->create(root_inode, "sub", directory_mode()));
    make_file(sub, "nested", "nested\n");
    MUST(fs->symlink(root_inode, "fast", "small", NewInode{.mode = 0777}));
    std::string long_target = std::string(200, 'y') + "/z";
    MUST(fs->symlink(sub, "slow", long_target.c_str(), NewInode{.mode = 0777}));
    MUST(fs->create(root_inode, "chr",
                    NewInode{.mode = mode_character_device | 0600, .device_major = 4, .device_minor = 64}));
    MUST(fs->create(root_inode, "blk",
                    NewInode{.mode = mode_block_device | 0600, .device_major = 259, .device_minor = 300}));
    MUST(fs->create(root_inode, "fifo", NewInode{.mode = mode_fifo | 0600}));
    MUST(fs->create(root_inode, "socket", NewInode{.mode = mode_socket | 0755}));
    EXPECT_EQ(fs->create(root_inode, "small", regular()).error().code(), Errno::Exists);
    expect_clean("after creating");

    EXPECT_EQ(cat("/small"), small);
    EXPECT_EQ(cat("/medium"), medium);
    EXPECT_EQ(cat("/large"), large);
    EXPECT_EQ(cat("/sub/nested"), "nested\n");
    std::string listing = debugfs(image, "ls -l /");
    for (const char* name : {"small", "medium", "large", "sub", "fast", "chr", "blk", "fifo", "socket"})
        EXPECT_NE(listing.find(name), std::string::npos) << name << " not in\n" << listing;
    // debugfs reads a slow link's block as a file's data when named by inode number.
    InodeNumber slow = MUST(resolve(*fs, "sub/slow"));
    EXPECT_EQ(cat("<" + std::to_string(slow) + ">"), long_target);
    std::string fast = debugfs(image, "stat /fast");
    EXPECT_NE(fast.find("Fast link dest: \"small\""), std::string::npos) << fast;
    EXPECT_NE(debugfs(image, "stat /chr").find("4:64"), std::string::npos);
    EXPECT_NE(debugfs(image, "stat /blk").find("259:300"), std::string::npos) << debugfs(image, "stat /blk");

    // And the library reads its own work back after a remount.
    EXPECT_EQ(read_all(*fs, MUST(resolve(*fs, "large"))), large);
    EXPECT_EQ(text(MUST(fs->readlink(MUST(resolve(*fs, "sub/slow")))).view()), long_target);
    Metadata blk = MUST(fs->metadata(MUST(resolve(*fs, "blk"))));
    EXPECT_EQ(blk.device_major, 259u);
    EXPECT_EQ(blk.device_minor, 300u);
    EXPECT_EQ(MUST(fs->metadata(sub)).link_count, 2u);
    EXPECT_EQ(MUST(fs->metadata(root_inode)).link_count, 5u); // ., .., lost+found, old, sub
}

TEST_P(Ext2Write, SparseWritesReachTheTripleIndirectBlocks) {
    uint64_t per_block = GetParam().block_size / 4;
    uint64_t triple_start = (12 + per_block + per_block * per_block) * GetParam().block_size;
    InodeNumber inode = MUST(fs->create(root_inode, "sparse", regular()));
    std::string head = "head", middle = pattern(5000, 9), tail = "tail of the triple indirect range";
    MUST(write_string(*fs, inode, 0, head));
    MUST(write_string(*fs, inode, 12 * GetParam().block_size + 100, middle));
    MUST(write_string(*fs, inode, triple_start + 12345, tail));
    Metadata metadata = MUST(fs->metadata(inode));
    EXPECT_EQ(metadata.size, triple_start + 12345 + tail.size());
    EXPECT_LT(metadata.blocks * 512, 64ull * GetParam().block_size); // holes stay holes
    expect_clean("after sparse writes");
    std::string stat = debugfs(image, "stat /sparse");
    EXPECT_NE(stat.find("(TIND)"), std::string::npos) << stat;
    char bytes[64] = {};
    EXPECT_EQ(
        MUST(fs->read(inode, triple_start + 12345 - 4, reinterpret_cast<uint8_t*>(bytes), tail.size() + 4)),
        tail.size() + 4);
    EXPECT_EQ(std::string(bytes, tail.size() + 4), std::string(4, '\0') + tail);

    // Shrinking into the double indirect range frees the triple indirect tree.
    MUST(fs->truncate(inode, 12 * GetParam().block_size + 3000));
    expect_clean("after truncating the triple indirect range away");
    std::string expected =
        head + std::string(12 * GetParam().block_size + 100 - head.size(), '\0') + middle.substr(0, 2900);
    EXPECT_EQ(cat("/sparse"), expected);
    // Growing again must show zeros past the old end, not the bytes that were there.
    MUST(fs->truncate(inode, 12 * GetParam().block_size + 6000));
    std::string grown = read_all(*fs, inode);
    EXPECT_EQ(grown.substr(12 * GetParam().block_size + 3000), std::string(3000, '\0'));
    MUST(fs->truncate(inode, 0));
    EXPECT_EQ(MUST(fs->metadata(inode)).blocks, 0u);
    expect_clean("after truncating to zero");
}

TEST_P(Ext2Write, OverwritesAndAppendsKeepTheOtherBytes) {
    InodeNumber inode = MUST(resolve(*fs, "victim"));
    std::string expected = pattern(40000, 7);
    std::mt19937 random(42);
    for (int round = 0; round < 40; ++round) {
        size_t offset = random() % 50000;
        std::string bytes = pattern(random() % 9000 + 1, round + 100);
        MUST(write_string(*fs, inode, offset, bytes));
        if (expected.size() < offset + bytes.size())
            expected.resize(offset + bytes.size(), '\0');
        expected.replace(offset, bytes.size(), bytes);
    }
    EXPECT_EQ(read_all(*fs, inode), expected);
    expect_clean("after overwrites");
    EXPECT_EQ(cat("/victim"), expected);
}

TEST_P(Ext2Write, UnlinkKeepsAnOpenFileUntilItIsReleased) {
    InodeNumber victim = MUST(resolve(*fs, "victim"));
    Statistics before = fs->statistics();
    Unlinked unlinked = MUST(fs->unlink(root_inode, "victim", false));
    EXPECT_EQ(unlinked.inode, victim);
    EXPECT_EQ(unlinked.link_count, 0u);
    EXPECT_EQ(fs->lookup(root_inode, "victim").error().code(), Errno::NoEntry);
    // Still open: the data is there.
    EXPECT_EQ(read_all(*fs, victim), pattern(40000, 7));
    EXPECT_EQ(fs->statistics().free_blocks, before.free_blocks);
    EXPECT_TRUE(MUST(fs->free_inode_if_unlinked(victim)));
    EXPECT_GT(fs->statistics().free_blocks, before.free_blocks);
    EXPECT_EQ(fs->statistics().free_inodes, before.free_inodes + 1);
    expect_clean("after unlinking and releasing");
    EXPECT_EQ(debugfs(image, "ls -l /").find("victim"), std::string::npos);
}

// The kernel frees again an inode whose first free failed (no memory): a second call after a
// complete free must be a no-op, not a "freed twice" corruption that flags the file system.
TEST_P(Ext2Write, FreeingAnInodeAgainDoesNothingAndFlagsNoError) {
    InodeNumber victim = MUST(resolve(*fs, "victim"));
    MUST(fs->unlink(root_inode, "victim", false));
    EXPECT_TRUE(MUST(fs->free_inode_if_unlinked(victim)));
    Statistics freed = fs->statistics();
    EXPECT_FALSE(MUST(fs->free_inode_if_unlinked(victim)));
    EXPECT_EQ(fs->statistics().free_inodes, freed.free_inodes);
    EXPECT_EQ(fs->statistics().free_blocks, freed.free_blocks);
    EXPECT_TRUE(fs->diagnostic().is_empty())
        << std::string(fs->diagnostic().data(), fs->diagnostic().length());
    expect_clean("after freeing twice");
    EXPECT_EQ(debugfs(image, "stats").find("with errors"), std::string::npos);
}

TEST_P(Ext2Write, HardLinksCountAndSurviveTheirFirstName) {
    InodeNumber existing = MUST(resolve(*fs, "existing.txt"));
    InodeNumber old = MUST(resolve(*fs, "old"));
    MUST(fs->link(old, "second", existing));
    MUST(fs->link(root_inode, "third", existing));
    EXPECT_EQ(MUST(fs->metadata(existing)).link_count, 3u);
    EXPECT_EQ(fs->link(root_inode, "third", existing).error().code(), Errno::Exists);
    EXPECT_EQ(fs->link(root_inode, "dirlink", old).error().code(), Errno::NotPermitted);
    Unlinked unlinked = MUST(fs->unlink(root_inode, "existing.txt", false));
    EXPECT_EQ(unlinked.link_count, 2u);
    EXPECT_FALSE(MUST(fs->free_inode_if_unlinked(existing)));
    expect_clean("after linking");
    EXPECT_EQ(cat("/old/second"), "existing\n");
    EXPECT_EQ(cat("/third"), "existing\n");
}

TEST_P(Ext2Write, DirectoriesComeAndGoWithTheirLinkCounts) {
    InodeNumber a = MUST(fs->create(root_inode, "a", directory_mode()));
    InodeNumber b = MUST(fs->create(a, "b", directory_mode()));
    make_file(b, "f", "f");
    EXPECT_EQ(MUST(fs->metadata(a)).link_count, 3u);
    Statistics before = fs->statistics();
    EXPECT_EQ(fs->create(root_inode, "a", directory_mode()).error().code(), Errno::Exists);
    EXPECT_EQ(fs->statistics().free_blocks, before.free_blocks); // the new inode and block undone
    EXPECT_EQ(fs->statistics().free_inodes, before.free_inodes);
    EXPECT_EQ(fs->unlink(root_inode, "a", true).error().code(), Errno::NotEmpty);
    EXPECT_EQ(fs->unlink(root_inode, "a", false).error().code(), Errno::IsDirectory);
    EXPECT_EQ(fs->unlink(b, "f", true).error().code(), Errno::NotDirectory);
    Unlinked file = MUST(fs->unlink(b, "f", false));
    MUST(fs->free_inode_if_unlinked(file.inode));
    Unlinked removed = MUST(fs->unlink(a, "b", true));
    EXPECT_EQ(removed.inode, b);
    EXPECT_EQ(removed.link_count, 0u);
    EXPECT_EQ(MUST(fs->metadata(a)).link_count, 2u);
    EXPECT_EQ(fs->create(b, "late", regular()).error().code(), Errno::NoEntry); // removed while open
    MUST(fs->free_inode_if_unlinked(b));
    expect_clean("after rmdir");
}

TEST_P(Ext2Write, RenamesWithinAcrossAndOver) {
    InodeNumber old = MUST(resolve(*fs, "old"));
    InodeNumber inner = MUST(resolve(*fs, "old/inner"));
    InodeNumber fresh = MUST(fs->create(root_inode, "fresh", directory_mode()));
    // A file within one directory, then over an existing file.
    MUST(fs->rename(root_inode, "existing.txt", root_inode, "renamed.txt"));
    Unlinked replaced = MUST(fs->rename(root_inode, "renamed.txt", root_inode, "victim"));
    EXPECT_EQ(replaced.link_count, 0u);
    MUST(fs->free_inode_if_unlinked(replaced.inode));
    // A directory to another parent: its ".." and both parents' counts change.
    MUST(fs->rename(old, "inner", fresh, "moved"));
    EXPECT_EQ(MUST(fs->lookup(inner, "..")), fresh);
    EXPECT_EQ(MUST(fs->metadata(old)).link_count, 2u);
    EXPECT_EQ(MUST(fs->metadata(fresh)).link_count, 3u);
    // A directory over an empty directory, and refusals.
    MUST(fs->create(root_inode, "empty", directory_mode()));
    EXPECT_EQ(fs->rename(root_inode, "victim", root_inode, "empty").error().code(), Errno::IsDirectory);
    EXPECT_EQ(fs->rename(root_inode, "fresh", root_inode, "victim").error().code(), Errno::NotDirectory);
    EXPECT_EQ(fs->rename(root_inode, "empty", root_inode, "fresh").error().code(), Errno::NotEmpty);
    Unlinked gone = MUST(fs->rename(root_inode, "old", root_inode, "empty"));
    EXPECT_EQ(gone.link_count, 0u);
    MUST(fs->free_inode_if_unlinked(gone.inode));
    EXPECT_EQ(fs->rename(root_inode, "nothing", root_inode, "x").error().code(), Errno::NoEntry);
    expect_clean("after renames");
    EXPECT_EQ(cat("/victim"), "existing\n");
    EXPECT_EQ(cat("/fresh/moved/file"), "deep\n");
    EXPECT_NE(debugfs(image, "ls -l /").find("empty"), std::string::npos);
    EXPECT_EQ(debugfs(image, "ls -l /").find(" old"), std::string::npos);
}

TEST_P(Ext2Write, ExchangeSwapsAFileAndADirectoryBetweenParents) {
    InodeNumber old = MUST(resolve(*fs, "old"));
    InodeNumber inner = MUST(resolve(*fs, "old/inner"));
    InodeNumber existing = MUST(resolve(*fs, "existing.txt"));
    MUST(fs->exchange(root_inode, "existing.txt", old, "inner"));
    EXPECT_EQ(MUST(fs->lookup(root_inode, "existing.txt")), inner);
    EXPECT_EQ(MUST(fs->lookup(old, "inner")), existing);
    EXPECT_EQ(MUST(fs->lookup(inner, "..")), root_inode);
    EXPECT_EQ(MUST(fs->metadata(old)).link_count, 2u);
    EXPECT_EQ(MUST(fs->metadata(root_inode)).link_count, 5u); // ., .., lost+found, old, the moved one
    EXPECT_EQ(fs->exchange(root_inode, "missing", old, "inner").error().code(), Errno::NoEntry);
    expect_clean("after exchange");
    EXPECT_EQ(cat("/old/inner"), "existing\n");
    EXPECT_EQ(cat("/existing.txt/file"), "deep\n");
}

TEST_P(Ext2Write, AllocateGivesStorageAndZeros) {
    InodeNumber inode = MUST(fs->create(root_inode, "allocated", regular()));
    MUST(write_string(*fs, inode, 0, "start"));
    MUST(fs->allocate(inode, 0, 20 * GetParam().block_size));
    Metadata metadata = MUST(fs->metadata(inode));
    EXPECT_EQ(metadata.size, 20u * GetParam().block_size);
    EXPECT_GE(metadata.blocks * 512, 20u * GetParam().block_size);
    std::string bytes = read_all(*fs, inode);
    EXPECT_EQ(bytes.substr(0, 5), "start");
    EXPECT_EQ(bytes.substr(5), std::string(bytes.size() - 5, '\0'));
    expect_clean("after allocate");
}

TEST_P(Ext2Write, AttributesStoreWideIdsAndTimes) {
    InodeNumber inode = MUST(resolve(*fs, "existing.txt"));
    AttributeChange change;
    change.which = AttributeChange::Mode | AttributeChange::Uid | AttributeChange::Gid |
                   AttributeChange::AccessTime | AttributeChange::ModifyTime;
    change.mode = 04711;
    change.uid = 70001;
    change.gid = 80002;
    change.access_time = 1600000000;
    change.modify_time = 1500000000;
    MUST(fs->set_attributes(inode, change));
    Metadata metadata = MUST(fs->metadata(inode));
    EXPECT_EQ(metadata.mode, mode_regular | 04711);
    EXPECT_EQ(metadata.uid, 70001u);
    EXPECT_EQ(metadata.gid, 80002u);
    EXPECT_EQ(metadata.access_time, 1600000000);
    EXPECT_EQ(metadata.modify_time, 1500000000);
    EXPECT_EQ(metadata.change_time, clock.time);
    expect_clean("after set_attributes");
    std::string stat = debugfs(image, "stat /existing.txt");
    EXPECT_NE(stat.find("User: 70001"), std::string::npos) << stat;
    EXPECT_NE(stat.find("Group: 80002"), std::string::npos) << stat;
    EXPECT_NE(stat.find("Mode:  04711"), std::string::npos) << stat;
}

TEST_P(Ext2Write, ManyEntriesGrowTheDirectoryAndShrinkBack) {
    InodeNumber many = MUST(fs->create(root_inode, "many", directory_mode()));
    for (int i = 0; i < 150; ++i)
        make_file(many, ("file-with-a-longish-name-" + std::to_string(i)).c_str(), std::to_string(i));
    EXPECT_GT(MUST(fs->metadata(many)).size, GetParam().block_size);
    expect_clean("after 150 creates");
    for (int i = 0; i < 150; i += 2) {
        Unlinked unlinked =
            MUST(fs->unlink(many, ("file-with-a-longish-name-" + std::to_string(i)).c_str(), false));
        MUST(fs->free_inode_if_unlinked(unlinked.inode));
    }
    EXPECT_EQ(list(*fs, many).size(), 77u);
    expect_clean("after 75 unlinks");
    EXPECT_EQ(cat("/many/file-with-a-longish-name-149"), "149");
}

TEST_P(Ext2Write, FillingTheDiskEndsInNoSpaceAndStaysClean) {
    InodeNumber inode = MUST(fs->create(root_inode, "filler", regular()));
    std::string chunk = pattern(64 * 1024, 5);
    uint64_t offset = 0;
    for (int i = 0; i < 10000; ++i) {
        auto written = write_string(*fs, inode, offset, chunk);
        if (written.is_error()) {
            EXPECT_EQ(written.error().code(), Errno::NoSpace);
            break;
        }
        offset += written.value();
    }
    EXPECT_EQ(fs->statistics().free_blocks, 0u);
    expect_clean("when full");
    MUST(fs->truncate(MUST(resolve(*fs, "filler")), 1000));
    expect_clean("after freeing the disk again");
}

TEST_P(Ext2Write, StatisticsFollowEveryChange) {
    Statistics before = fs->statistics();
    InodeNumber inode = make_file(root_inode, "counted", pattern(10 * GetParam().block_size, 1));
    Statistics after = fs->statistics();
    EXPECT_EQ(after.free_inodes, before.free_inodes - 1);
    EXPECT_EQ(after.free_blocks, before.free_blocks - 10);
    MUST(fs->unlink(root_inode, "counted", false));
    MUST(fs->free_inode_if_unlinked(inode));
    EXPECT_EQ(fs->statistics().free_blocks, before.free_blocks);
    EXPECT_EQ(fs->statistics().free_inodes, before.free_inodes);
}

// Random operations against a model, checked by e2fsck at the end and by reading back each file.
TEST_P(Ext2Write, RandomOperationsMatchAModel) {
    std::mt19937 random(GetParam().block_size);
    std::map<std::string, std::string> model;
    InodeNumber dirs[2] = {root_inode, MUST(fs->create(root_inode, "d", directory_mode()))};
    auto full = [](int d, const std::string& name) { return (d ? "d/" : "") + name; };
    for (int step = 0; step < 400; ++step) {
        int d = random() % 2;
        std::string name = "f" + std::to_string(random() % 20);
        std::string path = full(d, name);
        switch (random() % 5) {
        case 0:
            if (!model.count(path)) {
                MUST(fs->create(dirs[d], name.c_str(), regular()));
                model[path] = "";
            }
            break;
        case 1:
            if (model.count(path)) {
                std::string bytes = pattern(random() % (3 * GetParam().block_size), step);
                size_t offset = random() % (model[path].size() + 100);
                MUST(write_string(*fs, MUST(resolve(*fs, path)), offset, bytes));
                if (model[path].size() < offset + bytes.size())
                    model[path].resize(offset + bytes.size(), '\0');
                model[path].replace(offset, bytes.size(), bytes);
            }
            break;
        case 2:
            if (model.count(path)) {
                size_t size = random() % (model[path].size() + 50);
                MUST(fs->truncate(MUST(resolve(*fs, path)), size));
                model[path].resize(size, '\0');
            }
            break;
        case 3:
            if (model.count(path)) {
                Unlinked unlinked = MUST(fs->unlink(dirs[d], name.c_str(), false));
                MUST(fs->free_inode_if_unlinked(unlinked.inode));
                model.erase(path);
            }
            break;
        case 4: {
            int to = random() % 2;
            std::string target = "f" + std::to_string(random() % 20);
            if (model.count(path) && full(to, target) != path) {
                Unlinked replaced = MUST(fs->rename(dirs[d], name.c_str(), dirs[to], target.c_str()));
                if (replaced.inode)
                    MUST(fs->free_inode_if_unlinked(replaced.inode));
                model[full(to, target)] = model[path];
                model.erase(path);
            }
            break;
        }
        }
    }
    for (auto& [path, bytes] : model)
        EXPECT_EQ(read_all(*fs, MUST(resolve(*fs, path))), bytes) << path;
    expect_clean("after random operations");
    for (auto& [path, bytes] : model)
        EXPECT_EQ(cat("/" + path), bytes) << path;
}

INSTANTIATE_TEST_SUITE_P(Images, Ext2Write,
                         testing::Values(Variant{1024, "-O ^dir_index", "2M"}, Variant{2048, "", "4M"},
                                         Variant{4096, "-I 128", "8M"},
                                         Variant{4096, "-I 256 -O dir_index", "8M"},
                                         Variant{1024, "-r 0", "2M"}, Variant{4096, "-O flex_bg", "8M"},
                                         Variant{1024, "-O ^sparse_super,^resize_inode", "2M"},
                                         Variant{1024, "-g 1024", "4M"}), // four groups
                         describe);

// An htree directory (e2fsck -D builds the index) reads as linear; changing it drops the index
// flag, as Linux's ext2 does, and e2fsck stays happy.
TEST(Ext2WriteIndexed, AnIndexedDirectoryIsReadLinearlyAndLosesItsIndexWhenChanged) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string tree = directory / "tree";
    std::filesystem::create_directories(tree + "/big");
    for (int i = 0; i < 400; ++i)
        write_file(tree + "/big/entry-number-" + std::to_string(i), std::to_string(i));
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 1024, tree, "4M", "-O dir_index").status, 0);
    run_command(find_tool("e2fsck") + " -fyD " + shell_quote(image));
    std::string before = debugfs(image, "stat /big");
    ASSERT_NE(before.find("Flags: 0x1000"), std::string::npos) << "e2fsck -D made no index:\n" << before;

    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    InodeNumber big = MUST(fs->lookup(root_inode, "big"));
    EXPECT_EQ(list(*fs, big).size(), 402u);
    EXPECT_EQ(read_all(*fs, MUST(fs->lookup(big, "entry-number-377"))), "377");
    InodeNumber added = MUST(fs->create(big, "added", NewInode{.mode = mode_regular | 0644}));
    MUST(write_string(*fs, added, 0, "added"));
    Unlinked unlinked = MUST(fs->unlink(big, "entry-number-5", false));
    MUST(fs->free_inode_if_unlinked(unlinked.inode));
    EXPECT_EQ(MUST(fs->metadata(big)).flags & 0x1000, 0u);
    MUST(fs->unmount());
    auto checked = e2fsck(image);
    EXPECT_EQ(checked.status, 0) << checked.output;
    EXPECT_EQ(debugfs_cat(image, "/big/added", directory / "dumped"), "added");
}

// Files past 2 GiB set RO_COMPAT_LARGE_FILE (already set by mke2fs on revision 1: clear it first).
TEST(Ext2WriteLarge, AWriteAt5GiBMakesALargeFile) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 4096, "", "8M", "-O ^large_file").status, 0);
    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    InodeNumber inode = MUST(fs->create(root_inode, "huge", NewInode{.mode = mode_regular | 0644}));
    MUST(write_string(*fs, inode, 5ull << 30, "five"));
    EXPECT_EQ(MUST(fs->metadata(inode)).size, (5ull << 30) + 4);
    MUST(fs->unmount());
    auto checked = e2fsck(image);
    EXPECT_EQ(checked.status, 0) << checked.output;
    EXPECT_NE(run_command(find_tool("dumpe2fs") + " -h " + shell_quote(image)).output.find("large_file"),
              std::string::npos);
    std::string stat = debugfs(image, "stat /huge");
    EXPECT_NE(stat.find("Size: 5368709124"), std::string::npos) << stat;
}

// ext3 is ext2 with a journal (a COMPAT feature): with nothing to recover it mounts, as Linux's
// ext2 mounts it, and changes leave it clean. ext4's extents refuse the mount.
TEST(Ext2OtherFormats, Ext3MountsAndStaysCleanExt4IsRefused) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string ext3 = directory / "ext3";
    ASSERT_EQ(run_command(find_tool("mke2fs") + " -q -t ext3 -F " + shell_quote(ext3) + " 8M").status, 0);
    {
        FileStore store(ext3);
        FixedClock clock;
        Diagnostic diagnostic;
        auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
        InodeNumber inode = MUST(fs->create(root_inode, "on-ext3", NewInode{.mode = mode_regular | 0644}));
        MUST(write_string(*fs, inode, 0, pattern(50000, 3)));
        MUST(fs->unmount());
    }
    auto checked = e2fsck(ext3);
    EXPECT_EQ(checked.status, 0) << checked.output;
    EXPECT_EQ(debugfs_cat(ext3, "/on-ext3", directory / "dumped"), pattern(50000, 3));

    std::string ext4 = directory / "ext4";
    ASSERT_EQ(run_command(find_tool("mke2fs") + " -q -t ext4 -F " + shell_quote(ext4) + " 8M").status, 0);
    FileStore store(ext4);
    FixedClock clock;
    Diagnostic diagnostic;
    EXPECT_TRUE(FileSystem::mount(store, clock, {}, diagnostic).is_error());
    EXPECT_EQ(text(diagnostic.text()), "unsupported INCOMPAT feature 0x40 (extents)");
}

TEST(Ext2WriteLarge, Revision0RefusesFilesPast2GiB) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 1024, "", "2M", "-r 0").status, 0);
    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    InodeNumber inode = MUST(fs->create(root_inode, "f", NewInode{.mode = mode_regular | 0644}));
    EXPECT_EQ(write_string(*fs, inode, 3ull << 30, "x").error().code(), Errno::FileTooBig);
    EXPECT_EQ(fs->truncate(inode, 3ull << 30).error().code(), Errno::FileTooBig);
    MUST(write_string(*fs, inode, (2ull << 30) - 2, "x"));
    MUST(fs->unmount());
    EXPECT_EQ(e2fsck(image).status, 0) << e2fsck(image).output;
}

// A read-write mount marks the file system in use (not clean) until unmount, as Linux does, so a
// crash leaves it for fsck to check.
TEST(Ext2WriteState, MountedReadWriteIsNotCleanUntilUnmounted) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 4096, "", "4M").status, 0);
    auto state = [&] {
        std::string header = run_command(find_tool("dumpe2fs") + " -h " + shell_quote(image)).output;
        size_t at = header.find("Filesystem state:");
        return at == std::string::npos ? std::string() : header.substr(at, header.find('\n', at) - at);
    };
    EXPECT_EQ(state(), "Filesystem state:         clean");
    FileStore store(image);
    FixedClock clock;
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    EXPECT_EQ(state(), "Filesystem state:         not clean");
    MUST(fs->unmount());
    EXPECT_EQ(state(), "Filesystem state:         clean");
    EXPECT_EQ(fs->create(root_inode, "late", NewInode{.mode = mode_regular | 0644}).error().code(),
              Errno::ReadOnlyFilesystem);
    EXPECT_EQ(state(), "Filesystem state:         clean");
}

} // namespace
} // namespace ext2::test
