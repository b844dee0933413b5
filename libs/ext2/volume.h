// The implementation behind ext2::FileSystem: one mounted file system's geometry, its superblock and
// group descriptors held in memory, and the operations, split by subject:
//   volume.cpp     mount checks, superblock and group descriptors, bitmaps and allocation, inodes
//   block_map.cpp  logical to physical blocks (direct, indirect, double, triple), file data, truncate
//   directory.cpp  entries, lookup, listing, create, link, unlink, rename, freeing inodes
#pragma once

#include "ext2/ext2.h"
#include "ext2/layout.h"
#include "ktl/format.h"
#include "ktl/vector.h"

#include <new>

namespace ext2 {

// One block's bytes, uninitialised when made (every user fills it first): a vector would zero each
// byte of every buffer on every block access.
class Buffer {
public:
    Buffer() = default;
    Buffer(Buffer&& other) : m_data(other.m_data), m_size(other.m_size) {
        other.m_data = nullptr;
        other.m_size = 0;
    }
    Buffer& operator=(Buffer&& other) {
        if (this != &other) {
            delete[] m_data;
            m_data = other.m_data;
            m_size = other.m_size;
            other.m_data = nullptr;
            other.m_size = 0;
        }
        return *this;
    }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer() { delete[] m_data; }

    static ErrorOr<Buffer> allocate(size_t size) {
        Buffer buffer;
        buffer.m_data = new (std::nothrow) uint8_t[size];
        if (!buffer.m_data)
            return Errno::NoMemory;
        buffer.m_size = size;
        return buffer;
    }
    uint8_t* data() { return m_data; }
    const uint8_t* data() const { return m_data; }
    size_t size() const { return m_size; }
    uint8_t& operator[](size_t index) { return m_data[index]; }
    uint8_t operator[](size_t index) const { return m_data[index]; }

private:
    uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

// An inode as loaded: its number and its first 128 bytes. Changes are written back by store_inode.
struct LoadedInode {
    InodeNumber number = 0;
    disk::Inode raw{};
    bool fast_symlink = false; // its text is in i_block

    uint16_t type() const { return raw.mode & mode_type_mask; }
    bool is_directory() const { return type() == mode_directory; }
    bool is_regular() const { return type() == mode_regular; }
    bool is_symlink() const { return type() == mode_symlink; }
    // Only regular files, directories and slow symlinks keep block numbers in i_block.
    bool has_block_map() const;
    uint64_t size() const;
    void set_size(uint64_t size);
    uint32_t uid() const { return raw.uid | (uint32_t(raw.uid_high) << 16); }
    uint32_t gid() const { return raw.gid | (uint32_t(raw.gid_high) << 16); }
};

class Volume {
public:
    Volume(BlockStore& store, Clock& clock) : m_store(store), m_clock(clock) {}
    ErrorOr<void> mount(MountOptions options, Diagnostic& diagnostic);

    // Geometry, after mount.
    uint32_t block_size() const { return m_block_size; }
    uint32_t blocks_count() const { return m_blocks_count; }
    uint32_t inodes_count() const { return m_inodes_count; }
    bool read_only() const { return m_read_only; }
    const Diagnostic& read_only_reason() const { return m_read_only_reason; }
    const Diagnostic& error() const { return m_error; }
    Statistics statistics() const;
    ErrorOr<void> write_superblock();
    ErrorOr<void> sync();
    ErrorOr<void> unmount();
    // Writes what changed in the superblock and group descriptors; every changing call ends with it.
    ErrorOr<void> commit();
    ErrorOr<void> check_writable() const {
        if (m_read_only)
            return Errno::ReadOnlyFilesystem;
        return {};
    }

    // Records a corruption found after mount (kept for diagnostic()) and returns IoError.
    template <typename... Args>
    ktl::Error corrupt(ktl::StringView format, const Args&... args) {
        char text[160];
        m_error.set(ktl::format_into(text, sizeof text, format, args...));
        note_errors();
        return ktl::Error::from_errno(Errno::IoError);
    }

    // Marks the file system as having errors (s_state), as Linux does, so the next fsck checks it.
    void note_errors();

    // Blocks, bounds-checked against the file system.
    ErrorOr<Buffer> new_buffer();
    bool valid_block(uint64_t block) const { return block >= m_first_data_block && block < m_blocks_count; }
    // Metadata (maps, bitmaps, inode tables, directories) goes through a small cache of recent
    // blocks whose changes are written back by commit(), at the end of each call: a long write
    // updates a bitmap and an indirect block once, not once per block. File data goes around it
    // (the _data_ calls), so a long read or write cannot push the metadata out.
    ErrorOr<void> read_block(uint32_t block, Buffer& buffer);
    ErrorOr<void> read_data_block(uint32_t block, Buffer& buffer);
    ErrorOr<void> write_block(uint32_t block, const Buffer& buffer);
    ErrorOr<void> write_data_block(uint32_t block, const Buffer& buffer);
    // A metadata block's bytes in the cache itself, for the small reads and changes of bitmaps and
    // indirect blocks (no block-sized copy each time). The pointer is good until the next cache
    // call; `will_change` marks the block for write-back.
    ErrorOr<uint8_t*> metadata_block(uint32_t block, bool will_change);
    ErrorOr<uint32_t> read_pointer(uint32_t block, uint32_t index);
    ErrorOr<void> write_pointer(uint32_t block, uint32_t index, uint32_t value);
    ErrorOr<void> zero_block(uint32_t block);
    int64_t now() { return m_clock.now(); }

    // Inodes.
    bool valid_inode_number(InodeNumber inode) const {
        return inode == root_inode || (inode >= m_first_inode && inode <= m_inodes_count);
    }
    // A valid number of an inode in use (not freed: a directory entry to a free inode is corruption).
    ErrorOr<LoadedInode> load_inode(InodeNumber inode);
    ErrorOr<void> store_inode(const LoadedInode& inode);
    // Writes a fresh inode (zeroing any space past the first 128 bytes).
    ErrorOr<void> store_new_inode(const LoadedInode& inode);
    uint32_t group_of_inode(InodeNumber inode) const { return (inode - 1) / m_inodes_per_group; }
    Metadata metadata_of(const LoadedInode& inode) const;

    // Allocation. `goal` is a block near which to look (0: anywhere).
    ErrorOr<uint32_t> allocate_block(uint32_t goal);
    ErrorOr<void> free_block(uint32_t block);
    ErrorOr<InodeNumber> allocate_inode(InodeNumber parent, bool directory);
    ErrorOr<void> free_inode_number(InodeNumber inode, bool directory);
    void adjust_used_directories(InodeNumber inode, int delta);
    uint32_t first_block_of_group(uint32_t group) const {
        return m_first_data_block + group * m_blocks_per_group;
    }
    // Large files need RO_COMPAT_LARGE_FILE (revision 1): set on the first one.
    ErrorOr<void> note_large_file();

    // Block maps (block_map.cpp). 0 is a hole.
    ErrorOr<uint32_t> map_block(const LoadedInode& inode, uint64_t logical);
    // Allocates the block (and indirect blocks on the way) if it is a hole; `fresh` says it was.
    ErrorOr<uint32_t> map_or_allocate(LoadedInode& inode, uint64_t logical, bool& fresh);
    // Frees every block at logical index >= `keep` and indirect blocks left empty.
    ErrorOr<void> free_blocks_from(LoadedInode& inode, uint64_t keep);
    uint64_t max_file_size() const;
    // The inode-table block holding `inode` (a valid number).
    uint32_t inode_table_block(InodeNumber inode);
    ErrorOr<void> list_blocks(InodeNumber inode, FileSystem::EmitRun emit);

    // File data (block_map.cpp).
    ErrorOr<size_t> read_data(const LoadedInode& inode, uint64_t offset, size_t length,
                              FileSystem::ConsumeChunk consume);
    ErrorOr<size_t> write_data(LoadedInode& inode, uint64_t offset, size_t length,
                               FileSystem::ProduceChunk produce);
    ErrorOr<void> resize(LoadedInode& inode, uint64_t size);

    // The public operations (directory.cpp, block_map.cpp).
    ErrorOr<size_t> read(InodeNumber inode, uint64_t offset, size_t length, FileSystem::ConsumeChunk consume);
    ErrorOr<size_t> write(InodeNumber inode, uint64_t offset, size_t length,
                          FileSystem::ProduceChunk produce);
    ErrorOr<void> truncate(InodeNumber inode, uint64_t size);
    ErrorOr<void> set_attributes(InodeNumber inode, const AttributeChange& change);
    ErrorOr<InodeNumber> lookup(InodeNumber directory, ktl::StringView name);
    ErrorOr<void> read_directory(InodeNumber directory, uint64_t cookie,
                                 ktl::FunctionRef<bool(const DirectoryEntry&)> emit);
    ErrorOr<InodeNumber> create(InodeNumber directory, ktl::StringView name, const NewInode& what,
                                ktl::StringView symlink_target);
    ErrorOr<void> link(InodeNumber directory, ktl::StringView name, InodeNumber inode);
    ErrorOr<Unlinked> unlink(InodeNumber directory, ktl::StringView name, bool is_directory);
    ErrorOr<Unlinked> rename(InodeNumber old_directory, ktl::StringView old_name, InodeNumber new_directory,
                             ktl::StringView new_name);
    ErrorOr<void> allocate(InodeNumber inode, uint64_t offset, uint64_t length);
    ErrorOr<void> exchange(InodeNumber directory, ktl::StringView name, InodeNumber other_directory,
                           ktl::StringView other_name);
    ErrorOr<ktl::String> readlink(InodeNumber inode);
    ErrorOr<bool> free_inode_if_unlinked(InodeNumber inode);

private:
    // Directory internals (directory.cpp).
    struct Found {
        uint64_t logical = 0;  // the directory block
        uint32_t offset = 0;   // of the entry in it
        uint32_t previous = 0; // offset of the entry before it in the block, or `offset` if first
        InodeNumber inode = 0;
    };
    ErrorOr<LoadedInode> load_directory(InodeNumber directory);
    // Walks every entry, checking each block's chain; `visit(buffer, logical, offset, previous,
    // header)` returns true to stop. Returns whether a visit stopped it.
    ErrorOr<bool> walk_directory(const LoadedInode& directory, Buffer& buffer, uint64_t first_logical,
                                 ktl::FunctionRef<bool(uint64_t logical, uint32_t offset, uint32_t previous,
                                                       const disk::DirectoryEntryHeader& header)>
                                     visit);
    uint32_t name_length_of(const disk::DirectoryEntryHeader& header) const;
    ErrorOr<void> set_entry_inode(LoadedInode& directory, ktl::StringView name, InodeNumber inode,
                                  uint16_t mode);
    ErrorOr<bool> find_entry(const LoadedInode& directory, ktl::StringView name, Found& found,
                             Buffer& buffer);
    ErrorOr<void> add_entry(LoadedInode& directory, ktl::StringView name, InodeNumber inode, uint16_t mode);
    ErrorOr<void> remove_entry(LoadedInode& directory, const Found& found, Buffer& buffer);
    ErrorOr<bool> directory_is_empty(const LoadedInode& directory);
    void directory_modified(LoadedInode& directory);
    ktl::StringView entry_name(const Buffer& buffer, uint32_t offset,
                               const disk::DirectoryEntryHeader& header) const;
    uint8_t file_type_for(uint16_t mode) const;
    ErrorOr<void> free_inode(LoadedInode& inode);

    // Allocation internals (volume.cpp).
    disk::GroupDescriptor& group(uint32_t index);
    void mark_group_dirty(uint32_t index);
    uint32_t blocks_in_group(uint32_t group) const;
    ErrorOr<bool> try_allocate_in_group(uint32_t group, uint32_t start, uint32_t& block);
    ErrorOr<void> validate(Diagnostic& diagnostic);
    // Sparse superblocks: copies only in groups 0, 1 and powers of 3, 5 and 7.
    bool group_has_superblock(uint32_t group) const;

    // Indirect walks (block_map.cpp).
    ErrorOr<void> free_tree(uint32_t& pointer, int level, LoadedInode& inode);
    ErrorOr<void> truncate_tree(uint32_t& pointer, int level, uint64_t first, uint64_t keep,
                                LoadedInode& inode);
    ErrorOr<void> release_block(uint32_t block, LoadedInode& inode);
    struct BlockLister;
    ErrorOr<void> list_tree(uint32_t pointer, int level, BlockLister& lister);

    struct CachedBlock {
        uint32_t block = 0; // 0: empty (block 0 is never metadata read through the cache)
        uint64_t last_use = 0;
        bool dirty = false;
        Buffer data;
    };
    static constexpr size_t cache_entries = 16;
    CachedBlock* cached(uint32_t block);
    // A free entry for `block`, writing back the least recently used one if it was changed.
    ErrorOr<CachedBlock*> cache_entry_for(uint32_t block);
    ErrorOr<void> write_back(CachedBlock& entry);
    void update_cached(uint32_t block, const uint8_t* data);

    BlockStore& m_store;
    Clock& m_clock;
    CachedBlock m_cache[cache_entries];
    uint64_t m_cache_clock = 0;
    disk::Superblock m_super{};
    ktl::Vector<uint8_t> m_descriptors;  // the primary group descriptor table, whole blocks
    ktl::Vector<uint8_t> m_dirty_tables; // one flag per descriptor block
    bool m_super_dirty = false;
    bool m_read_only = false;
    Diagnostic m_read_only_reason;
    Diagnostic m_error;

    uint32_t m_block_size = 0;
    uint32_t m_pointers_per_block = 0;
    uint32_t m_blocks_count = 0;
    uint32_t m_inodes_count = 0;
    uint32_t m_first_data_block = 0;
    uint32_t m_blocks_per_group = 0;
    uint32_t m_inodes_per_group = 0;
    uint32_t m_inode_size = 0;
    uint32_t m_first_inode = 0;
    uint32_t m_group_count = 0;
    uint32_t m_descriptor_blocks = 0;
    uint32_t m_inode_table_blocks = 0;
    uint32_t m_next_generation = 0;
    uint64_t m_overhead = 0; // blocks statfs leaves out of the total
};

} // namespace ext2
