// FileSystem::list_blocks, the listing fsync writes back by: checked against what debugfs says a file
// owns (its inode's block, indirect blocks, data blocks), through holes, single and double indirect
// maps, and against corrupt maps (a pointer outside the file system, a map that names more blocks
// than the inode counts), which end in an error, never a crash or an endless walk.
#include "support.h"

#include <set>

namespace ext2::test {
namespace {

struct Listing {
    std::vector<BlockRun> runs;
    std::vector<uint64_t> blocks(BlockRole role) const {
        std::vector<uint64_t> out;
        for (const BlockRun& run : runs)
            if (run.role == role)
                for (uint64_t i = 0; i < run.count; ++i)
                    out.push_back(run.first + i);
        return out;
    }
};

ErrorOr<Listing> list_of(FileSystem& fs, InodeNumber inode) {
    Listing listing;
    TRY(fs.list_blocks(inode, [&](const BlockRun& run) -> ErrorOr<void> {
        listing.runs.push_back(run);
        return {};
    }));
    return listing;
}

// Every number debugfs prints after `label` (as "(IND):1234") in `text`.
std::set<uint64_t> numbers_after(const std::string& text, const std::string& label) {
    std::set<uint64_t> numbers;
    for (size_t at = text.find(label); at != std::string::npos; at = text.find(label, at + 1))
        numbers.insert(std::stoull(text.substr(at + label.size())));
    return numbers;
}

// debugfs's "blocks": every block of the file, indirect ones included.
std::set<uint64_t> debugfs_blocks(const std::string& image, const std::string& path) {
    std::vector<uint64_t> numbers = debugfs_block_numbers(image, path);
    return std::set<uint64_t>(numbers.begin(), numbers.end());
}

// debugfs's "imap": the block and byte offset of the inode in its table.
std::pair<uint64_t, uint64_t> debugfs_imap(const std::string& image, const std::string& path) {
    std::string text = debugfs(image, "imap " + path);
    size_t at = text.find("located at block ");
    if (at == std::string::npos)
        return {0, 0};
    at += strlen("located at block ");
    uint64_t block = std::stoull(text.substr(at));
    size_t offset = text.find("offset ", at);
    return {block, offset == std::string::npos ? 0 : std::stoull(text.substr(offset + 7), nullptr, 16)};
}

std::vector<uint8_t> read_image(const std::string& path) {
    std::vector<uint8_t> bytes(std::filesystem::file_size(path));
    FILE* file = fopen(path.c_str(), "rb");
    EXPECT_NE(file, nullptr);
    if (file) {
        EXPECT_EQ(fread(bytes.data(), 1, bytes.size(), file), bytes.size());
        fclose(file);
    }
    return bytes;
}

class Ext2List : public testing::Test {
protected:
    void SetUp() override {
        EXT2_REQUIRE_TOOLS();
        image = directory / "image";
        ASSERT_EQ(make_image(image, 1024, "", "4M").status, 0);
        FileStore store(image);
        Diagnostic diagnostic;
        auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
        auto make = [&](const char* name) {
            return MUST(fs->create(root_inode, name, NewInode{.mode = mode_regular | 0644}));
        };
        MUST(write_string(*fs, make("small"), 0, pattern(1000, 1)));
        // Blocks 0, 100 (single indirect) and 12 + 256 + 5 (double indirect), holes between.
        InodeNumber holes = make("holes");
        for (uint64_t block : {0u, 100u, 12u + 256u + 5u})
            MUST(write_string(*fs, holes, block * 1024, pattern(1024, uint32_t(block))));
        // Through the double indirect range with no hole.
        MUST(write_string(*fs, make("dense"), 0, pattern((12 + 256 + 30) * 1024, 3)));
        MUST(
            fs->create(root_inode, "device",
                       NewInode{.mode = mode_character_device | 0600, .device_major = 1, .device_minor = 3}));
        MUST(fs->symlink(root_inode, "fast", "small", NewInode{.mode = 0777}));
        MUST(fs->unmount());
    }

    // Mounts a copy of the image in memory, changed by `change` first.
    std::unique_ptr<FileSystem> mount_copy(const std::function<void(std::vector<uint8_t>&)>& change = {}) {
        std::vector<uint8_t> bytes = read_image(image);
        if (change)
            change(bytes);
        memory = std::make_unique<MemoryStore>(std::move(bytes));
        Diagnostic diagnostic;
        auto fs = FileSystem::mount(*memory, clock, {}, diagnostic);
        EXPECT_FALSE(fs.is_error()) << text(diagnostic.text());
        return fs.is_error() ? nullptr : std::unique_ptr<FileSystem>(fs.release_value().leak_ptr());
    }

    // Checks the listing of `path` against debugfs: the inode's block, the indirect blocks, and
    // every block of the file.
    void expect_as_debugfs_says(FileSystem& fs, const std::string& path) {
        SCOPED_TRACE(path);
        InodeNumber inode = MUST(resolve(fs, path));
        Listing listing = MUST(list_of(fs, inode));
        ASSERT_FALSE(listing.runs.empty());
        EXPECT_EQ(listing.runs[0].role, BlockRole::Inode);
        EXPECT_EQ(listing.blocks(BlockRole::Inode), std::vector<uint64_t>{debugfs_imap(image, path).first});
        std::string stat = debugfs(image, "stat " + path);
        std::set<uint64_t> indirect = numbers_after(stat, "(IND):");
        for (uint64_t block : numbers_after(stat, "(DIND):"))
            indirect.insert(block);
        std::vector<uint64_t> listed_indirect = listing.blocks(BlockRole::Indirect);
        EXPECT_EQ(std::set<uint64_t>(listed_indirect.begin(), listed_indirect.end()), indirect);
        std::set<uint64_t> all(listed_indirect.begin(), listed_indirect.end());
        std::vector<uint64_t> data = listing.blocks(BlockRole::Data);
        all.insert(data.begin(), data.end());
        EXPECT_EQ(all, debugfs_blocks(image, path));
        EXPECT_EQ(all.size(), listed_indirect.size() + data.size()) << "a block listed twice";
    }

    TemporaryDirectory directory;
    std::string image;
    FixedClock clock;
    std::unique_ptr<MemoryStore> memory;
};

TEST_F(Ext2List, AFileListsItsInodeBlockIndirectBlocksAndDataBlocksAsDebugfsSeesThem) {
    auto fs = mount_copy();
    ASSERT_TRUE(fs);
    for (const char* path : {"/small", "/holes", "/dense", "/"})
        expect_as_debugfs_says(*fs, path);
    EXPECT_TRUE(fs->diagnostic().is_empty()) << text(fs->diagnostic());
}

TEST_F(Ext2List, HolesGiveNothingAndEachMapLevelComesBeforeWhatItMaps) {
    auto fs = mount_copy();
    ASSERT_TRUE(fs);
    InodeNumber holes = MUST(fs->lookup(root_inode, "holes"));
    Listing listing = MUST(list_of(*fs, holes));
    // Three data blocks and three map blocks (single; double and the single one under it).
    EXPECT_EQ(listing.blocks(BlockRole::Data).size(), 3u);
    EXPECT_EQ(listing.blocks(BlockRole::Indirect).size(), 3u);
    std::vector<BlockRole> roles;
    for (const BlockRun& run : listing.runs)
        for (uint64_t i = 0; i < run.count; ++i)
            roles.push_back(run.role);
    EXPECT_EQ(roles,
              (std::vector<BlockRole>{BlockRole::Inode, BlockRole::Data, BlockRole::Indirect, BlockRole::Data,
                                      BlockRole::Indirect, BlockRole::Indirect, BlockRole::Data}));
    for (uint64_t block : {0u, 100u, 12u + 256u + 5u})
        EXPECT_NE(MUST(fs->data_block(holes, block)), 0u);
}

TEST_F(Ext2List, AContiguousFileIsAFewRunsNotOneCallPerBlock) {
    auto fs = mount_copy();
    ASSERT_TRUE(fs);
    Listing listing = MUST(list_of(*fs, MUST(fs->lookup(root_inode, "dense"))));
    EXPECT_EQ(listing.blocks(BlockRole::Data).size(), 12u + 256u + 30u);
    EXPECT_EQ(listing.blocks(BlockRole::Indirect).size(), 3u);
    // inode; 12 data; IND; 256 data; DIND; IND; 30 data, with no gaps in the allocation between.
    EXPECT_LE(listing.runs.size(), 8u);
}

TEST_F(Ext2List, DeviceNodesAndFastSymlinksHaveOnlyTheirInodeBlock) {
    auto fs = mount_copy();
    ASSERT_TRUE(fs);
    for (const char* name : {"device", "fast"}) {
        InodeNumber inode = MUST(fs->lookup(root_inode, name));
        Listing listing = MUST(list_of(*fs, inode));
        ASSERT_EQ(listing.runs.size(), 1u) << name;
        EXPECT_EQ(listing.runs[0].role, BlockRole::Inode);
        EXPECT_EQ(listing.runs[0].first, debugfs_imap(image, std::string("/") + name).first);
    }
}

TEST_F(Ext2List, APointerOutsideTheFileSystemIsAnErrorAfterTheRunsBeforeIt) {
    uint64_t indirect = *numbers_after(debugfs(image, "stat /holes"), "(IND):").begin();
    auto fs = mount_copy([&](std::vector<uint8_t>& bytes) {
        uint32_t outside = 1u << 20;
        memcpy(&bytes[indirect * 1024 + 4], &outside, 4); // entry 1 of the single indirect block (a hole)
    });
    ASSERT_TRUE(fs);
    Listing listing;
    auto listed =
        fs->list_blocks(MUST(fs->lookup(root_inode, "holes")), [&](const BlockRun& run) -> ErrorOr<void> {
            listing.runs.push_back(run);
            return {};
        });
    ASSERT_TRUE(listed.is_error());
    EXPECT_EQ(listed.error().code(), Errno::IoError);
    EXPECT_EQ(text(fs->diagnostic()).substr(text(fs->diagnostic()).find(':')),
              ": block 1048576 is outside the file system");
    ASSERT_GE(listing.runs.size(), 2u);
    EXPECT_EQ(listing.runs[0].role, BlockRole::Inode);
    EXPECT_EQ(listing.runs[1].role, BlockRole::Data);
}

TEST_F(Ext2List, AMapNamingMoreBlocksThanTheInodeCountsEndsInAnError) {
    auto [table_block, offset] = debugfs_imap(image, "/small");
    ASSERT_NE(table_block, 0u);
    auto fs = mount_copy([&, table_block = table_block, offset = offset](std::vector<uint8_t>& bytes) {
        uint8_t* raw = &bytes[table_block * 1024 + offset];
        uint32_t data;
        memcpy(&data, raw + 40, 4);
        // Every slot, the single, double and triple indirect ones too, names the one data block:
        // read as maps, its bytes would give a walk of millions of blocks.
        for (int slot = 1; slot < 15; ++slot)
            memcpy(raw + 40 + slot * 4, &data, 4);
    });
    ASSERT_TRUE(fs);
    size_t runs = 0;
    auto listed =
        fs->list_blocks(MUST(fs->lookup(root_inode, "small")), [&](const BlockRun&) -> ErrorOr<void> {
            ++runs;
            return {};
        });
    ASSERT_TRUE(listed.is_error());
    EXPECT_EQ(listed.error().code(), Errno::IoError);
    EXPECT_NE(text(fs->diagnostic()).find("its map holds more blocks than it counts"), std::string_view::npos)
        << text(fs->diagnostic());
    EXPECT_LE(runs, 2u);
}

TEST_F(Ext2List, AnErrorFromTheCallerEndsTheWalkWithIt) {
    auto fs = mount_copy();
    ASSERT_TRUE(fs);
    int calls = 0;
    auto listed =
        fs->list_blocks(MUST(fs->lookup(root_inode, "dense")), [&](const BlockRun&) -> ErrorOr<void> {
            ++calls;
            return Errno::Interrupted;
        });
    ASSERT_TRUE(listed.is_error());
    EXPECT_EQ(listed.error().code(), Errno::Interrupted);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(fs->list_blocks(9999999, [](const BlockRun&) -> ErrorOr<void> { return {}; }).error().code(),
              Errno::IoError);
}

} // namespace
} // namespace ext2::test
