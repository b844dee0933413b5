// ext2, read-write, as a library: the kernel's fs/ext2 glue and the host tests both sit on it.
//
// Scope: revisions 0 and 1; block sizes 1, 2 and 4 KiB; sparse superblocks; large files; fast and
// slow symlinks; holes; hard links; device nodes (old and new encodings); indexed (htree)
// directories read as linear, and their index flag cleared when one is modified, as Linux's ext2
// does. Any other INCOMPAT feature refuses the mount; an unknown RO_COMPAT feature mounts read-only.
// docs/ext2.md explains the design.
//
// Every byte of the image is hostile: a corrupt file system gives an error (IoError, with a line of
// text in diagnostic()), never a crash, a hang or a read outside a buffer.
//
// I/O goes through a BlockStore the caller provides; timestamps come from the caller's Clock.
//
// Concurrency: a FileSystem has no locks and the library no global state. The caller serialises
// every call on one FileSystem, reads included, since they share its metadata cache (the kernel
// glue holds one mutex per mount around each call); different FileSystem objects are independent. The
// BlockStore and Clock are only called from inside those calls.
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/own_ptr.h"
#include "ktl/string.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace ext2 {

using ktl::Errno;
using ktl::ErrorOr;

using InodeNumber = uint32_t;
inline constexpr InodeNumber root_inode = 2;
inline constexpr uint16_t magic = 0xef53; // statfs's f_type too
inline constexpr size_t name_max = 255;

// The device under the file system. Blocks are `block_size` bytes (the file system's block size,
// or 1024 while the superblock is read at mount): block N starts at byte N * block_size.
class BlockStore {
public:
    virtual ~BlockStore() = default;
    // The device's size in bytes.
    virtual uint64_t size() const = 0;
    virtual ErrorOr<void> read_block(uint64_t block, uint32_t block_size, uint8_t* buffer) = 0;
    virtual ErrorOr<void> write_block(uint64_t block, uint32_t block_size, const uint8_t* buffer) = 0;
    // Makes the writes so far durable (sync, umount).
    virtual ErrorOr<void> flush() = 0;
    // Optional, for stores that hold blocks in memory (the kernel's block cache): the block's bytes
    // in place, valid until return_block, so file data is copied once (store to caller) instead of
    // twice. NotSupported (the default) makes the library read into its own buffer instead.
    virtual ErrorOr<const uint8_t*> borrow_block(uint64_t block, uint32_t block_size) {
        (void)block;
        (void)block_size;
        return Errno::NotSupported;
    }
    virtual void return_block(uint64_t block, uint32_t block_size) {
        (void)block;
        (void)block_size;
    }
};

// Wall-clock seconds since the epoch for timestamps (the kernel's current_time; fixed in tests).
class Clock {
public:
    virtual ~Clock() = default;
    virtual int64_t now() = 0;
};

// Why something was refused or found corrupt: one line of text the caller logs ("unsupported
// INCOMPAT feature 0x40 (extents)", "inode 12: block 123456 is outside the file system").
class Diagnostic {
public:
    ktl::StringView text() const { return {m_text, m_length}; }
    bool is_empty() const { return m_length == 0; }
    void clear() { m_length = 0; }
    // Records the message (the first one since the last clear wins) and returns `code`.
    ktl::Error fail(Errno code, ktl::StringView text);
    void set(ktl::StringView text);

private:
    char m_text[160] = {};
    size_t m_length = 0;
};

// st_mode's type bits (Linux's S_IF*).
enum : uint16_t {
    mode_type_mask = 0170000,
    mode_socket = 0140000,
    mode_symlink = 0120000,
    mode_regular = 0100000,
    mode_block_device = 0060000,
    mode_directory = 0040000,
    mode_character_device = 0020000,
    mode_fifo = 0010000,
    mode_permissions = 07777,
};

// What stat(2) needs of an inode.
struct Metadata {
    InodeNumber inode = 0;
    uint16_t mode = 0; // type and permission bits
    uint16_t link_count = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t size = 0;
    uint64_t blocks = 0; // 512-byte units, as i_blocks counts them (indirect blocks included)
    int64_t access_time = 0;
    int64_t modify_time = 0;
    int64_t change_time = 0;
    uint32_t device_major = 0; // character and block devices
    uint32_t device_minor = 0;
    uint32_t flags = 0;      // i_flags
    uint32_t generation = 0; // i_generation (NFS handles)

    bool is_directory() const { return (mode & mode_type_mask) == mode_directory; }
    bool is_regular() const { return (mode & mode_type_mask) == mode_regular; }
    bool is_symlink() const { return (mode & mode_type_mask) == mode_symlink; }
};

// What a new inode starts as. `mode` includes the type bits; the device numbers are for
// character and block devices.
struct NewInode {
    uint16_t mode = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t device_major = 0;
    uint32_t device_minor = 0;
};

// chmod, chown and utimensat's changes (the caller has checked permissions). A change of mode keeps
// the type bits. Size changes go through truncate().
struct AttributeChange {
    enum : uint32_t { Mode = 1, Uid = 2, Gid = 4, AccessTime = 8, ModifyTime = 16, ChangeTime = 32 };
    uint32_t which = 0;
    uint16_t mode = 0; // permission bits
    uint32_t uid = 0;
    uint32_t gid = 0;
    int64_t access_time = 0;
    int64_t modify_time = 0;
    int64_t change_time = 0;
};

// One directory entry as read_directory hands it out; `next_cookie` resumes after it. "." and ".."
// are entries like the others (ext2 stores them).
struct DirectoryEntry {
    ktl::StringView name;
    InodeNumber inode = 0;
    uint8_t type = 0; // DT_* (S_IF* >> 12), 0 if unknown
    uint64_t next_cookie = 0;
};

// statfs(2).
struct Statistics {
    uint32_t block_size = 0;
    uint64_t blocks = 0;
    uint64_t free_blocks = 0;
    uint64_t available_blocks = 0; // free minus those reserved for root
    uint64_t inodes = 0;
    uint64_t free_inodes = 0;
};

// What an unlink or a rename left behind: the inode that lost a name (0 if none) and its link count
// now. At 0 the caller calls free_inode_if_unlinked once nothing holds the inode open any more.
struct Unlinked {
    InodeNumber inode = 0;
    uint16_t link_count = 0;
};

struct MountOptions {
    bool read_only = false;
};

// What a block is to the inode that owns it (list_blocks).
enum class BlockRole : uint8_t {
    Inode,    // the inode-table block holding the inode (shared with its neighbours)
    Indirect, // a block of its map: single, double or triple indirect
    Data,     // its bytes (a directory's entries, a slow symlink's text)
};

// Consecutive store blocks [first, first + count) of one role.
struct BlockRun {
    uint64_t first = 0;
    uint64_t count = 0;
    BlockRole role = BlockRole::Data;
};

class Volume; // the implementation (volume.h)

class FileSystem {
public:
    // Reads and checks the superblock and group descriptors. Refused (with the reason in
    // `diagnostic`): not ext2, corrupt, or an INCOMPAT feature this code does not know. A file system
    // with an unknown RO_COMPAT feature mounts read-only (read_only_reason() says why).
    static ErrorOr<ktl::OwnPtr<FileSystem>> mount(BlockStore& store, Clock& clock, MountOptions options,
                                                  Diagnostic& diagnostic);
    ~FileSystem();
    FileSystem(const FileSystem&) = delete;
    FileSystem& operator=(const FileSystem&) = delete;

    bool is_read_only() const;
    // Why the file system is read-only when the caller did not ask for it (empty otherwise).
    ktl::StringView read_only_reason() const;
    // The last corruption or I/O failure found after mount (empty if none).
    ktl::StringView diagnostic() const;
    uint32_t block_size() const;
    Statistics statistics() const;
    // Writes the superblock and group descriptors and flushes the store.
    ErrorOr<void> sync();
    // sync() and marks the file system cleanly unmounted; later changes fail with ReadOnlyFilesystem.
    ErrorOr<void> unmount();

    ErrorOr<Metadata> metadata(InodeNumber inode);

    // Regular files (and symlinks' bytes). A read at or past the end returns 0; holes read as zeros.
    // The chunk functions hand the data over in pieces (so the kernel can copy to user memory
    // directly): `consume(bytes, count)` gets the next `count` bytes read; `produce(into, count)`
    // fills the next `count` bytes to write. An error from them ends the call with what was done
    // before it, or the error if nothing was.
    using ConsumeChunk = ktl::FunctionRef<ErrorOr<void>(const uint8_t* bytes, size_t count)>;
    using ProduceChunk = ktl::FunctionRef<ErrorOr<void>(uint8_t* into, size_t count)>;
    ErrorOr<size_t> read(InodeNumber inode, uint64_t offset, size_t length, ConsumeChunk consume);
    ErrorOr<size_t> write(InodeNumber inode, uint64_t offset, size_t length, ProduceChunk produce);
    ErrorOr<size_t> read(InodeNumber inode, uint64_t offset, uint8_t* buffer, size_t length);
    ErrorOr<size_t> write(InodeNumber inode, uint64_t offset, const uint8_t* buffer, size_t length);
    // Sets the size; blocks past the new end are freed, a longer size is a hole. Updates mtime and ctime.
    ErrorOr<void> truncate(InodeNumber inode, uint64_t size);
    ErrorOr<void> set_attributes(InodeNumber inode, const AttributeChange& change);
    // fallocate: gives the bytes [offset, offset + length) storage (zeros where there was a hole).
    // ext2 cannot keep blocks past the end of a file (e2fsck calls that corruption), so a range
    // past the end grows the size to cover it: FALLOC_FL_KEEP_SIZE beyond the end cannot be had.
    ErrorOr<void> allocate(InodeNumber inode, uint64_t offset, uint64_t length);

    // The store block holding file block `index` (block_size() units) of a regular file, 0 for a
    // hole; OutOfRange past the largest file. For callers that map the store's blocks into memory
    // (the kernel's mmap of a file): bytes written there are the file's.
    ErrorOr<uint64_t> data_block(InodeNumber inode, uint64_t index);

    // fsync: the store blocks `inode` occupies, for a caller that writes back only those. First the
    // inode-table block holding it, then its map in order (each indirect block before the blocks it
    // maps), joined into runs of consecutive numbers of one role. Holes give nothing; device nodes,
    // FIFOs, sockets and fast symlinks only their inode block. Bitmaps, descriptors, the superblock
    // and the names of the inode are not listed (Linux's ext2 fsync does not write them either).
    // A pointer outside the file system, or a map holding more blocks than the inode counts
    // (i_blocks: a map that loops or shares blocks), is IoError with diagnostic() set; the runs
    // given before it stand. An error from `emit` ends the walk with it. Nothing is changed.
    using EmitRun = ktl::FunctionRef<ErrorOr<void>(const BlockRun& run)>;
    ErrorOr<void> list_blocks(InodeNumber inode, EmitRun emit);

    // Directories. `name` is one component (not "." or "..", no '/', 1..255 bytes).
    ErrorOr<InodeNumber> lookup(InodeNumber directory, ktl::StringView name); // NoEntry if absent
    // Calls `emit` for the entries from `cookie` (0: the start) until it returns false or the end.
    ErrorOr<void> read_directory(InodeNumber directory, uint64_t cookie,
                                 ktl::FunctionRef<bool(const DirectoryEntry&)> emit);
    // Makes a regular file, directory, device node, FIFO or socket (by what.mode's type).
    ErrorOr<InodeNumber> create(InodeNumber directory, ktl::StringView name, const NewInode& what);
    ErrorOr<InodeNumber> symlink(InodeNumber directory, ktl::StringView name, ktl::StringView target,
                                 const NewInode& what);
    ErrorOr<void> link(InodeNumber directory, ktl::StringView name, InodeNumber inode);
    // Removes the name; `is_directory` says rmdir (the entry must be an empty directory) or unlink
    // (it must not be a directory). The inode's storage stays until free_inode_if_unlinked.
    ErrorOr<Unlinked> unlink(InodeNumber directory, ktl::StringView name, bool is_directory);
    // Moves old_directory/old_name to new_directory/new_name, replacing a compatible target (a file
    // by a file, a directory by an empty directory). Moving a directory fixes its ".." and both
    // parents' link counts. The caller has checked that a directory does not move under itself.
    // The result names the replaced inode, if any.
    ErrorOr<Unlinked> rename(InodeNumber old_directory, ktl::StringView old_name, InodeNumber new_directory,
                             ktl::StringView new_name);
    // renameat2(RENAME_EXCHANGE): the two names swap the inodes they name (both exist). Directories
    // that change parent get their ".." and the parents' link counts fixed.
    ErrorOr<void> exchange(InodeNumber directory, ktl::StringView name, InodeNumber other_directory,
                           ktl::StringView other_name);
    ErrorOr<ktl::String> readlink(InodeNumber inode);

    // The last reference to the inode is gone: if it has no name left (link count 0), its blocks and
    // the inode are freed. Returns whether it was freed.
    ErrorOr<bool> free_inode_if_unlinked(InodeNumber inode);

private:
    explicit FileSystem(ktl::OwnPtr<Volume> volume);
    ktl::OwnPtr<Volume> m_volume;
};

} // namespace ext2
