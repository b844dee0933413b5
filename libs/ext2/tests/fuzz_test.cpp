// Corrupt images: thousands of mutated copies of real mke2fs images (superblock, group descriptors,
// bitmaps, inode tables, directory blocks, indirect blocks), each mounted, walked, read and changed.
// Every call must return (a value or an error): no crash, no hang, no read outside a buffer. This
// executable is built with AddressSanitizer and UndefinedBehaviorSanitizer (CMakeLists.txt).
#include "support.h"

#include <random>
#include <set>

namespace ext2::test {
namespace {

struct Seed {
    std::vector<uint8_t> bytes;
    uint32_t block_size = 0;
    std::vector<uint32_t> targets; // blocks worth corrupting: metadata, directories, indirect blocks
};

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::vector<uint8_t> bytes;
    FILE* file = fopen(path.c_str(), "rb");
    if (!file)
        return bytes;
    uint8_t chunk[65536];
    size_t count;
    while ((count = fread(chunk, 1, sizeof chunk, file)) > 0)
        bytes.insert(bytes.end(), chunk, chunk + count);
    fclose(file);
    return bytes;
}

// Block numbers debugfs prints for a path's blocks ("blocks" command) and its indirect blocks.
void add_blocks_of(const std::string& image, const std::string& path, std::vector<uint32_t>& targets) {
    for (uint64_t block : debugfs_block_numbers(image, path))
        targets.push_back(static_cast<uint32_t>(block));
    std::string stat = debugfs(image, "stat " + path);
    for (const char* kind : {"(IND):", "(DIND):", "(TIND):"}) {
        size_t at = stat.find(kind);
        if (at != std::string::npos)
            targets.push_back(static_cast<uint32_t>(std::stoul(stat.substr(at + strlen(kind)))));
    }
}

Seed make_seed(const TemporaryDirectory& directory, uint32_t block_size, const std::string& options) {
    std::string tree = directory / ("tree" + std::to_string(block_size));
    std::filesystem::create_directories(tree + "/sub/deeper");
    std::filesystem::create_directories(tree + "/many");
    write_file(tree + "/hello.txt", "hello\n");
    // Indirect blocks at every block size, double indirect ones at 1 KiB.
    write_file(tree + "/big", pattern(block_size * (12 + (block_size == 1024 ? 256 + 20 : 30)), 3));
    write_file(tree + "/sub/deeper/file", "deep");
    for (int i = 0; i < 60; ++i)
        write_file(tree + "/many/name-" + std::to_string(i), std::to_string(i));
    std::filesystem::create_symlink("hello.txt", tree + "/fast");
    std::filesystem::create_symlink(std::string(120, 's'), tree + "/slow");
    std::filesystem::create_hard_link(tree + "/hello.txt", tree + "/sub/hard");
    {
        FILE* file = fopen((tree + "/sparse").c_str(), "wb");
        fseek(file, 300 * 1024, SEEK_SET);
        fputs("x", file);
        fclose(file);
    }
    std::string image = directory / ("image" + std::to_string(block_size));
    EXPECT_EQ(make_image(image, block_size, tree, block_size == 1024 ? "1M" : "2M", options).status, 0);
    Seed seed;
    seed.block_size = block_size;
    for (const char* path : {"/", "/sub", "/sub/deeper", "/many", "/big", "/sparse", "/slow"})
        add_blocks_of(image, path, seed.targets);
    // The first group's metadata: superblock, descriptors, bitmaps, and the inode table's blocks
    // that hold the inodes in use (at most 64 of 128 bytes or more on 4 KiB blocks: the first 4).
    seed.bytes = read_bytes(image);
    for (uint32_t block = 0; block < 4; ++block)
        seed.targets.push_back(block);
    uint64_t descriptors = block_size == 1024 ? 2048 : block_size;
    uint32_t descriptor[3];
    memcpy(descriptor, &seed.bytes[descriptors], sizeof descriptor);
    seed.targets.push_back(descriptor[0]); // block bitmap
    seed.targets.push_back(descriptor[1]); // inode bitmap
    uint32_t inode_blocks = block_size == 1024 ? 16 : 4;
    for (uint32_t block = 0; block < inode_blocks; ++block)
        for (int weight = 0; weight < 3; ++weight) // inodes are where most pointers live
            seed.targets.push_back(descriptor[2] + block);
    return seed;
}

// A store that counts its work, so a walk that would not end shows up as a failure, not a timeout.
class CountingStore final : public BlockStore {
public:
    explicit CountingStore(MemoryStore& inner) : m_inner(inner) {}
    uint64_t size() const override { return m_inner.size(); }
    ErrorOr<void> read_block(uint64_t block, uint32_t block_size, uint8_t* buffer) override {
        ++operations;
        return m_inner.read_block(block, block_size, buffer);
    }
    ErrorOr<void> write_block(uint64_t block, uint32_t block_size, const uint8_t* buffer) override {
        ++operations;
        return m_inner.write_block(block, block_size, buffer);
    }
    ErrorOr<void> flush() override { return {}; }
    ErrorOr<const uint8_t*> borrow_block(uint64_t block, uint32_t block_size) override {
        ++operations;
        return m_inner.borrow_block(block, block_size);
    }
    void return_block(uint64_t block, uint32_t block_size) override {
        m_inner.return_block(block, block_size);
    }
    uint64_t operations = 0;

private:
    MemoryStore& m_inner;
};

void mutate(std::vector<uint8_t>& bytes, const Seed& seed, std::mt19937& random) {
    int count = 1 + random() % 4;
    for (int n = 0; n < count; ++n) {
        uint64_t offset;
        uint32_t where = random() % 8;
        if (where == 0) {
            offset = 1024 + random() % 256; // the superblock's fields
        } else if (where == 1) {
            offset =
                (seed.block_size == 1024 ? 2048 : seed.block_size) + random() % 64; // the first descriptors
        } else {
            uint64_t block = where < 7 ? seed.targets[random() % seed.targets.size()]
                                       : random() % (bytes.size() / seed.block_size);
            offset = block * seed.block_size + random() % seed.block_size;
        }
        if (offset + 4 > bytes.size())
            continue;
        switch (random() % 6) {
        case 0:
            bytes[offset] ^= static_cast<uint8_t>(1u << (random() % 8));
            break;
        case 1:
            bytes[offset] = static_cast<uint8_t>(random());
            break;
        case 2: {
            const uint32_t interesting[] = {0,
                                            1,
                                            2,
                                            11,
                                            0x7fffffff,
                                            0x80000000,
                                            0xffffffff,
                                            0xffff,
                                            1024,
                                            4096,
                                            static_cast<uint32_t>(bytes.size() / seed.block_size),
                                            static_cast<uint32_t>(random())};
            uint32_t value = interesting[random() % (sizeof interesting / sizeof *interesting)];
            memcpy(&bytes[offset & ~3ull], &value, 4);
            break;
        }
        case 3: {
            uint16_t value = static_cast<uint16_t>(random() % 3 == 0   ? 0
                                                   : random() % 3 == 0 ? 0xffff
                                                                       : random() % 64);
            memcpy(&bytes[offset & ~1ull], &value, 2);
            break;
        }
        case 4:
            memset(&bytes[offset], 0, std::min<uint64_t>(random() % 64 + 1, bytes.size() - offset));
            break;
        case 5: {
            // A block pointer elsewhere: self references, loops, shared blocks.
            uint32_t value = seed.targets[random() % seed.targets.size()];
            memcpy(&bytes[offset & ~3ull], &value, 4);
            break;
        }
        }
    }
}

// Everything a user could make the kernel do with the mounted image.
void exercise(FileSystem& fs, std::mt19937& random) {
    std::vector<InodeNumber> directories = {root_inode};
    std::vector<std::pair<InodeNumber, std::string>> names;
    std::vector<InodeNumber> files;
    std::set<InodeNumber> seen;
    std::vector<uint8_t> buffer(64 * 1024);
    for (size_t index = 0; index < directories.size() && index < 64; ++index) {
        InodeNumber directory = directories[index];
        std::vector<std::pair<std::string, InodeNumber>> entries;
        (void)fs.read_directory(directory, 0, [&](const DirectoryEntry& entry) {
            entries.push_back({text(entry.name), entry.inode});
            return entries.size() < 500;
        });
        // Resuming from a cookie in the middle.
        (void)fs.read_directory(directory, random() % 4096, [&](const DirectoryEntry&) { return true; });
        for (auto& [name, inode] : entries) {
            if (name == "." || name == ".." || name.empty() || name.size() > name_max)
                continue;
            (void)fs.lookup(directory, name.c_str());
            names.push_back({directory, name});
            auto metadata = fs.metadata(inode);
            if (metadata.is_error() || !seen.insert(inode).second)
                continue;
            // What fsync would write back: every map walked, ending in a value or an error.
            (void)fs.list_blocks(inode, [](const BlockRun& run) -> ErrorOr<void> {
                EXPECT_GT(run.count, 0u);
                return {};
            });
            if (metadata.value().is_directory())
                directories.push_back(inode);
            else if (metadata.value().is_symlink())
                (void)fs.readlink(inode);
            else if (metadata.value().is_regular()) {
                files.push_back(inode);
                for (uint64_t offset = 0; offset < std::min<uint64_t>(metadata.value().size, 256 << 10);
                     offset += buffer.size())
                    if (fs.read(inode, offset, buffer.data(), buffer.size()).is_error())
                        break;
            }
        }
    }
    (void)fs.statistics();
    if (fs.is_read_only())
        return;
    // Changes, aimed at what the walk found.
    for (int step = 0; step < 12; ++step) {
        InodeNumber directory = directories[random() % directories.size()];
        std::string name = "fz" + std::to_string(random() % 8);
        switch (random() % 11) {
        case 0: {
            auto created = fs.create(directory, name.c_str(), NewInode{.mode = mode_regular | 0644});
            if (!created.is_error())
                files.push_back(created.value());
            break;
        }
        case 1:
            (void)fs.create(directory, name.c_str(), NewInode{.mode = mode_directory | 0755});
            break;
        case 2:
            (void)fs.symlink(directory, name.c_str(), std::string(random() % 200 + 1, 'l').c_str(), {});
            break;
        case 3:
            if (!files.empty())
                (void)fs.write(files[random() % files.size()], random() % (1 << 20), buffer.data(),
                               random() % 20000);
            break;
        case 4:
            if (!files.empty())
                (void)fs.truncate(files[random() % files.size()], random() % (1 << 20));
            break;
        case 5:
            if (!names.empty()) {
                auto& [parent, victim] = names[random() % names.size()];
                auto unlinked = fs.unlink(parent, victim.c_str(), random() % 2);
                if (!unlinked.is_error())
                    (void)fs.free_inode_if_unlinked(unlinked.value().inode);
            }
            break;
        case 6:
            if (!names.empty()) {
                auto& [parent, old_name] = names[random() % names.size()];
                auto renamed = fs.rename(parent, old_name.c_str(), directory, name.c_str());
                if (!renamed.is_error() && renamed.value().inode)
                    (void)fs.free_inode_if_unlinked(renamed.value().inode);
            }
            break;
        case 7:
            if (!files.empty())
                (void)fs.link(directory, name.c_str(), files[random() % files.size()]);
            break;
        case 9:
            if (!files.empty())
                (void)fs.allocate(files[random() % files.size()], random() % (1 << 20), random() % 40000 + 1);
            break;
        case 10:
            if (!names.empty()) {
                auto& [parent, other] = names[random() % names.size()];
                (void)fs.exchange(parent, other.c_str(), directory, name.c_str());
            }
            break;
        case 8: {
            AttributeChange change;
            change.which = AttributeChange::Mode | AttributeChange::Uid;
            change.mode = 0600;
            change.uid = static_cast<uint32_t>(random());
            if (!files.empty())
                (void)fs.set_attributes(files[random() % files.size()], change);
            break;
        }
        }
    }
    (void)fs.sync();
    (void)fs.unmount();
}

class Ext2Fuzz : public testing::TestWithParam<uint32_t> {};

TEST_P(Ext2Fuzz, MutatedImagesNeverCrashOrHang) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    Seed seed = make_seed(directory, GetParam(), GetParam() == 4096 ? "-I 256" : "-O dir_index");
    ASSERT_FALSE(seed.bytes.empty());
    FixedClock clock;
    // The untouched image mounts and walks without errors: the harness itself works.
    {
        MemoryStore memory(seed.bytes);
        Diagnostic diagnostic;
        auto fs = FileSystem::mount(memory, clock, {}, diagnostic);
        ASSERT_FALSE(fs.is_error()) << text(diagnostic.text());
        std::mt19937 random(1);
        exercise(*fs.value(), random);
        EXPECT_TRUE(fs.value()->diagnostic().is_empty()) << text(fs.value()->diagnostic());
    }
    std::mt19937 random(GetParam() * 7919);
    int mounted = 0, refused = 0, errors = 0;
    // EXT2_FUZZ_ITERATIONS=N runs a longer campaign by hand; the seeds stay deterministic.
    const char* requested = getenv("EXT2_FUZZ_ITERATIONS");
    const int iterations = requested ? atoi(requested) : 3000;
    for (int iteration = 0; iteration < iterations; ++iteration) {
        std::vector<uint8_t> bytes = seed.bytes;
        mutate(bytes, seed, random);
        MemoryStore memory(std::move(bytes));
        memory.lend = iteration % 2; // half the runs read file data in place
        CountingStore store(memory);
        Diagnostic diagnostic;
        auto fs = FileSystem::mount(store, clock, {}, diagnostic);
        if (fs.is_error()) {
            EXPECT_FALSE(diagnostic.is_empty()) << "iteration " << iteration << ": refused without a reason";
            ++refused;
            continue;
        }
        ++mounted;
        exercise(*fs.value(), random);
        if (!fs.value()->diagnostic().is_empty())
            ++errors;
        ASSERT_LT(store.operations, 2'000'000u) << "iteration " << iteration << " did too much work";
        ASSERT_EQ(memory.outstanding, 0) << "iteration " << iteration << " kept a borrowed block";
    }
    // The mutations must reach past the mount checks, or the test proves little.
    EXPECT_GT(mounted, iterations / 4);
    EXPECT_GT(refused, 10);
    EXPECT_GT(errors, iterations / 50);
    printf("%d mounted (%d found corruption), %d refused\n", mounted, errors, refused);
}

// Corruption found after mount is an error with a line naming where.
TEST(Ext2Corrupt, ABadDirectoryEntryOrBlockPointerIsAnErrorWithAMessage) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string tree = directory / "tree";
    std::filesystem::create_directories(tree);
    write_file(tree + "/big", pattern(20 * 1024, 1));
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 1024, tree, "1M").status, 0);
    std::vector<uint32_t> root_blocks, big_blocks;
    add_blocks_of(image, "/", root_blocks);
    add_blocks_of(image, "/big", big_blocks);
    ASSERT_FALSE(root_blocks.empty());
    ASSERT_EQ(big_blocks.size(), 22u); // 20 data blocks and the indirect one, which stat names last
    std::vector<uint8_t> clean = read_bytes(image);
    FixedClock clock;
    {
        std::vector<uint8_t> bytes = clean;
        uint16_t record_length = 5;
        memcpy(&bytes[root_blocks[0] * 1024 + 4], &record_length, 2); // "."'s rec_len
        MemoryStore store(std::move(bytes));
        Diagnostic diagnostic;
        auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
        EXPECT_EQ(fs->lookup(root_inode, "big").error().code(), Errno::IoError);
        EXPECT_EQ(text(fs->diagnostic()), "directory 2 block 0: bad entry at 0 (rec_len 5, name_len 1)");
        MUST(fs->unmount());
        uint16_t state;
        memcpy(&state, &store.bytes()[1024 + 58], 2);
        EXPECT_EQ(state, 3) << "clean and with errors";
    }
    {
        std::vector<uint8_t> bytes = clean;
        uint32_t outside = 1u << 20;
        memcpy(&bytes[big_blocks.back() * 1024 + 4], &outside, 4); // the indirect block's second entry
        MemoryStore store(std::move(bytes));
        Diagnostic diagnostic;
        auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
        InodeNumber big = MUST(fs->lookup(root_inode, "big"));
        uint8_t buffer[1024];
        EXPECT_EQ(MUST(fs->read(big, 12 * 1024, buffer, sizeof buffer)), 1024u);
        EXPECT_EQ(fs->read(big, 13 * 1024, buffer, sizeof buffer).error().code(), Errno::IoError);
        EXPECT_EQ(text(fs->diagnostic()), "inode 12: block 1048576 is outside the file system");
        // Truncating frees up to the bad pointer and stops there.
        EXPECT_EQ(fs->truncate(big, 0).error().code(), Errno::IoError);
    }
}

INSTANTIATE_TEST_SUITE_P(BlockSizes, Ext2Fuzz, testing::Values(1024u, 4096u));

// Refusals name their reason.
TEST(Ext2Refuse, UnsupportedFeaturesAndGeometryAreRefusedWithAMessage) {
    EXT2_REQUIRE_TOOLS();
    TemporaryDirectory directory;
    std::string image = directory / "image";
    ASSERT_EQ(make_image(image, 1024, "", "1M").status, 0);
    std::vector<uint8_t> clean = read_bytes(image);
    FixedClock clock;
    auto refusal = [&](auto change) {
        std::vector<uint8_t> bytes = clean;
        auto* super = bytes.data() + 1024;
        change(super);
        MemoryStore store(std::move(bytes));
        Diagnostic diagnostic;
        auto fs = FileSystem::mount(store, clock, {}, diagnostic);
        return fs.is_error() ? text(diagnostic.text()) : std::string("mounted");
    };
    auto set32 = [](uint8_t* at, uint32_t value) { memcpy(at, &value, 4); };
    EXPECT_EQ(refusal([&](uint8_t* s) { set32(s + 96, 0x42); }),
              "unsupported INCOMPAT feature 0x40 (extents)");
    EXPECT_EQ(refusal([&](uint8_t* s) { set32(s + 96, 0x6); }),
              "unsupported INCOMPAT feature 0x4 (journal needs recovery)");
    EXPECT_EQ(refusal([&](uint8_t* s) { set32(s + 96, 0x82); }), "unsupported INCOMPAT feature 0x80 (64bit)");
    EXPECT_EQ(refusal([&](uint8_t* s) { set32(s + 96, 0x12); }),
              "unsupported INCOMPAT feature 0x10 (meta_bg)");
    EXPECT_EQ(refusal([&](uint8_t* s) { s[56] = 0; }), "not ext2: magic 0xef00, expected 0xef53");
    EXPECT_EQ(refusal([&](uint8_t* s) { set32(s + 24, 3); }),
              "unsupported block size 8192 (1, 2 and 4 KiB are)");
    EXPECT_EQ(refusal([&](uint8_t* s) { set32(s + 4, 1u << 30); }).substr(0, 15), "the file system");
    EXPECT_EQ(refusal([&](uint8_t* s) { set32(s + 40, 0); }), "bad inodes per group 0");

    {
        // The root inode must be a directory: make it a regular file.
        std::vector<uint8_t> bytes = clean;
        uint32_t inode_table, inode_size = 0;
        memcpy(&inode_table, &bytes[2048 + 8], 4);
        memcpy(&inode_size, &bytes[1024 + 88], 2);
        bytes[inode_table * 1024 + inode_size + 1] = 0x81;
        MemoryStore store(std::move(bytes));
        Diagnostic diagnostic;
        EXPECT_TRUE(FileSystem::mount(store, clock, {}, diagnostic).is_error());
        EXPECT_EQ(text(diagnostic.text()), "the root inode is not a directory");
    }

    // An unknown RO_COMPAT feature mounts read-only, saying why.
    std::vector<uint8_t> bytes = clean;
    set32(bytes.data() + 1024 + 100, 0x400 | 0x3);
    MemoryStore store(std::move(bytes));
    Diagnostic diagnostic;
    auto fs = MUST(FileSystem::mount(store, clock, {}, diagnostic));
    EXPECT_TRUE(fs->is_read_only());
    EXPECT_EQ(text(fs->read_only_reason()), "unsupported RO_COMPAT features 0x400: mounted read-only");
    EXPECT_EQ(fs->create(root_inode, "x", NewInode{.mode = mode_regular | 0644}).error().code(),
              Errno::ReadOnlyFilesystem);
    EXPECT_EQ(list(*fs, root_inode), (std::vector<std::string>{".", "..", "lost+found"}));
}

} // namespace
} // namespace ext2::test
