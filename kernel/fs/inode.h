// Inodes: the objects names refer to (Linux's struct inode), and the file systems that hold them.
//
// A file system implements FileSystem (one per mount of a file system instance: the superblock) and
// Inode; the VFS (fs/vfs.h) does names, paths, mounts, permissions and open file descriptions on
// top. docs/filesystems.md is the driver's guide. Inodes are reference counted: a dentry, an open
// file description or a mapping keeps one alive; a file system frees its storage when the last
// reference goes and no name is left (link count 0).
//
// Locking: each inode guards its own data with its own lock. Operations on two directories (rename)
// are serialised per file system by FileSystem::rename_lock, then take the directories in address
// order.
#pragma once

#include "fs/io_buffer.h"
#include "ktl/error_or.h"
#include "ktl/format.h"
#include "ktl/function_ref.h"
#include "ktl/ref_ptr.h"
#include "ktl/string.h"
#include "ktl/string_view.h"
#include "mm/mapped_object.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"

#include <cstddef>
#include <cstdint>

namespace fs {

class OpenFile;
class Inode;
struct Path;
class FileLocks;

template <typename T>
using RefPtr = ktl::RefPtr<T>;

// st_mode's type bits (Linux's S_IF*).
enum : uint32_t {
    mode_type_mask = 0170000,
    mode_socket = 0140000,
    mode_symlink = 0120000,
    mode_regular = 0100000,
    mode_block_device = 0060000,
    mode_directory = 0040000,
    mode_character_device = 0020000,
    mode_fifo = 0010000,
    mode_set_uid = 04000,
    mode_set_gid = 02000,
    mode_sticky = 01000,
    mode_permissions = 07777,
};

enum class FileType : uint8_t {
    Unknown,
    Fifo,
    CharacterDevice,
    Directory,
    BlockDevice,
    Regular,
    Symlink,
    Socket
};
FileType file_type_of(uint32_t mode);
// getdents64's d_type (Linux's DT_*), which is the S_IF* type shifted right by 12.
inline uint8_t directory_entry_type(uint32_t mode) {
    return static_cast<uint8_t>((mode & mode_type_mask) >> 12);
}

inline constexpr size_t name_max = 255;  // NAME_MAX
inline constexpr size_t path_max = 4096; // PATH_MAX, with the NUL
inline constexpr int max_symlink_hops = 40;

struct Timestamp {
    int64_t seconds = 0;
    int64_t nanoseconds = 0;
    bool operator==(const Timestamp&) const = default;
};
Timestamp current_time();

// Device numbers as Linux's new_encode_dev/MKDEV agree on for values below 2^20.
constexpr uint64_t make_device(uint32_t major, uint32_t minor) {
    return (static_cast<uint64_t>(major & 0xfffff000) << 32) | ((major & 0xfff) << 8) |
           (static_cast<uint64_t>(minor & 0xffffff00) << 12) | (minor & 0xff);
}
constexpr uint32_t device_major(uint64_t device) {
    return static_cast<uint32_t>(((device >> 32) & 0xfffff000) | ((device >> 8) & 0xfff));
}
constexpr uint32_t device_minor(uint64_t device) {
    return static_cast<uint32_t>(((device >> 12) & 0xffffff00) | (device & 0xff));
}

// What stat(2) reports.
struct InodeMetadata {
    uint64_t device = 0; // the file system's
    uint64_t inode = 0;
    uint32_t mode = 0;
    uint32_t link_count = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t rdev = 0;
    uint64_t size = 0;
    uint64_t blocks = 0; // 512-byte units
    uint32_t block_size = 4096;
    Timestamp access_time;
    Timestamp modify_time;
    Timestamp change_time;
    Timestamp birth_time;

    bool is_directory() const { return (mode & mode_type_mask) == mode_directory; }
    bool is_regular() const { return (mode & mode_type_mask) == mode_regular; }
    bool is_symlink() const { return (mode & mode_type_mask) == mode_symlink; }
    bool is_fifo() const { return (mode & mode_type_mask) == mode_fifo; }
    bool is_character_device() const { return (mode & mode_type_mask) == mode_character_device; }
    bool is_block_device() const { return (mode & mode_type_mask) == mode_block_device; }
};

// chmod, chown, utimensat and truncate's changes, applied by Inode::set_attributes. The VFS has
// checked permissions; the file system only stores.
struct AttributeChange {
    enum : uint32_t { Mode = 1, Uid = 2, Gid = 4, AccessTime = 8, ModifyTime = 16, ChangeTime = 32 };
    uint32_t which = 0;
    uint32_t mode = 0; // permission bits only
    uint32_t uid = 0;
    uint32_t gid = 0;
    Timestamp access_time;
    Timestamp modify_time;
    Timestamp change_time;
};

// One directory entry as read_directory hands it out. `next_cookie` resumes after it.
struct DirectoryEntry {
    ktl::StringView name;
    uint64_t inode = 0;
    uint8_t type = 0; // DT_*
    uint64_t next_cookie = 0;
};

// What a new inode starts as; mode includes the type bits.
struct NewInode {
    uint32_t mode = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t rdev = 0;
};

// statfs(2).
struct FileSystemStatistics {
    uint64_t type = 0; // f_type magic
    uint64_t block_size = 4096;
    uint64_t blocks = 0;
    uint64_t free_blocks = 0;
    uint64_t available_blocks = 0;
    uint64_t files = 0;
    uint64_t free_files = 0;
    uint64_t name_length = name_max;
    uint64_t flags = 0;
};

class FileSystem : public ktl::RefCounted<FileSystem> {
public:
    virtual ~FileSystem() = default;
    virtual RefPtr<Inode> root() = 0;
    virtual ktl::StringView type_name() const = 0;
    virtual ktl::ErrorOr<void> statistics(FileSystemStatistics& statistics);
    virtual ktl::ErrorOr<void> sync() { return {}; }
    // The machine is going down with this file system still mounted (a disk root, which cannot be
    // unmounted): written back and, on a disk, marked cleanly unmounted, as Linux's shutdown leaves
    // it by remounting read-only. Later writes may fail.
    virtual ktl::ErrorOr<void> power_off() { return sync(); }
    // Its last mount is gone: a file system that holds its root inode lets go of it here, since the
    // root holds the file system (the rest goes with the last dentry and description).
    virtual void detached() {}
    // The text after the type in /proc/mounts ("rw,size=65536k").
    virtual void describe_options(ktl::FormatSink& sink) const;
    uint64_t device() const { return m_device; }
    // False for file systems whose names come and go on their own (procfs's pids): the dentry cache
    // then keeps none of their names, and every path walk asks the file system again.
    virtual bool caches_names() const { return true; }
    // Renames are serialised per file system, so two can never take two directories in opposite order.
    sync::Mutex& rename_lock() { return m_rename_lock; }

protected:
    FileSystem();
    // A file system on a block device reports the device's number as st_dev, as Linux does.
    explicit FileSystem(uint64_t device);

private:
    uint64_t m_device;
    sync::Mutex m_rename_lock;
};

class Inode : public ktl::RefCounted<Inode> {
public:
    virtual ~Inode();
    Inode(const Inode&) = delete;
    Inode& operator=(const Inode&) = delete;

    FileSystem& file_system() const { return *m_file_system; }
    uint64_t number() const { return m_number; }
    virtual InodeMetadata metadata() = 0;

    // Type, permission bits, owner and group without the inode's lock: the path walk checks them
    // for every component. A file system that keeps them current (set_access) makes walks cheap;
    // one that does not is asked through metadata().
    struct Access {
        uint32_t mode;
        uint32_t uid;
        uint32_t gid;
        bool is_directory() const { return (mode & mode_type_mask) == mode_directory; }
        bool is_symlink() const { return (mode & mode_type_mask) == mode_symlink; }
    };
    Access access() {
        uint32_t mode = __atomic_load_n(&m_access_mode, __ATOMIC_ACQUIRE);
        if (mode == 0) {
            InodeMetadata full = metadata();
            return {full.mode, full.uid, full.gid};
        }
        return {mode, __atomic_load_n(&m_access_uid, __ATOMIC_RELAXED),
                __atomic_load_n(&m_access_gid, __ATOMIC_RELAXED)};
    }

    // Regular files (and whatever else a file system makes readable this way). A read at or past
    // the end returns 0; holes read as zeros.
    virtual ktl::ErrorOr<size_t> read_at(uint64_t offset, IoBuffer buffer, size_t length);
    virtual ktl::ErrorOr<size_t> write_at(uint64_t offset, IoBuffer buffer, size_t length);
    // O_APPEND: writes at the end as one step, so two appenders never overwrite each other.
    // Returns the bytes written; `end` is the offset after them.
    virtual ktl::ErrorOr<size_t> append(IoBuffer buffer, size_t length, uint64_t& end);
    virtual ktl::ErrorOr<void> truncate(uint64_t size);
    // fallocate: makes sure the bytes [offset, offset + length) have storage (NoSpace if they
    // cannot); the size does not change.
    virtual ktl::ErrorOr<void> allocate(uint64_t offset, uint64_t length);
    virtual ktl::ErrorOr<void> set_attributes(const AttributeChange& change) = 0;
    // Bumped by every change of a regular file's bytes: caches of its content (programs' shared
    // pages) are only valid for the generation they were built from.
    uint64_t content_generation() const { return __atomic_load_n(&m_content_generation, __ATOMIC_ACQUIRE); }

    // Directories. `name` is one component, never "." or "..", at most name_max bytes.
    virtual ktl::ErrorOr<RefPtr<Inode>> lookup(ktl::StringView name);
    virtual ktl::ErrorOr<RefPtr<Inode>> create(ktl::StringView name, const NewInode& what);
    virtual ktl::ErrorOr<RefPtr<Inode>> create_symlink(ktl::StringView name, ktl::StringView target,
                                                       const NewInode& what);
    virtual ktl::ErrorOr<void> link(ktl::StringView name, Inode& target);
    // Removes the name; `directory` says rmdir (the inode must be an empty directory) or unlink
    // (it must not be a directory).
    virtual ktl::ErrorOr<void> unlink(ktl::StringView name, bool directory);
    // Moves `old_name` here to `new_name` in `new_directory` (same file system), replacing what is
    // there if compatible. The VFS has checked the subtree rule and RENAME_NOREPLACE.
    virtual ktl::ErrorOr<void> rename(ktl::StringView old_name, Inode& new_directory,
                                      ktl::StringView new_name);
    // renameat2(RENAME_EXCHANGE): the two names swap what they refer to. Both exist (checked).
    virtual ktl::ErrorOr<void> exchange(ktl::StringView name, Inode& other_directory,
                                        ktl::StringView other_name);
    // Calls `emit` for entries from `cookie` on, "." and ".." included, until it returns false.
    virtual ktl::ErrorOr<void> read_directory(uint64_t cookie,
                                              ktl::FunctionRef<bool(const DirectoryEntry&)> emit);

    // Symbolic links.
    virtual ktl::ErrorOr<ktl::String> link_target();
    // Linux's "magic" links (procfs's fd/N, exe, cwd and root): where the link leads as a place, not
    // as text, so a walk reaches that very file even when its name has gone. False: walk the text.
    virtual ktl::ErrorOr<bool> link_destination(Path& destination);

    // An open of this inode that needs its own kind of description (a FIFO's pipe end, a procfs
    // file generated at open): null means the VFS's plain description reading through read_at.
    virtual ktl::ErrorOr<RefPtr<OpenFile>> open_special(uint32_t flags);

    // mmap: an object handing out the frames of this file's pages (NoDevice if it cannot be mapped).
    virtual ktl::ErrorOr<RefPtr<mm::MappedObject>> create_mapping();

    // fsync (fdatasync with `data_only`): this file's data and what reading it back needs on the
    // medium. The default syncs the whole file system; ext2 writes only the file's own blocks.
    virtual ktl::ErrorOr<void> sync(bool data_only);

    // Readers and writers waiting for this inode (a FIFO, a device) sleep here.
    sched::WaitQueue& wait_queue() { return m_wait_queue; }

    // fcntl and flock locks on this inode (fs/file_locks.h): made on first use, freed with the inode,
    // so files nobody locks pay one null pointer.
    FileLocks* file_locks_if_any() const { return __atomic_load_n(&m_file_locks, __ATOMIC_ACQUIRE); }
    ktl::ErrorOr<FileLocks*> file_locks();

protected:
    Inode(FileSystem& file_system, uint64_t number);
    void content_changed() { __atomic_add_fetch(&m_content_generation, 1, __ATOMIC_RELEASE); }
    void set_access(uint32_t mode, uint32_t uid, uint32_t gid) {
        __atomic_store_n(&m_access_uid, uid, __ATOMIC_RELAXED);
        __atomic_store_n(&m_access_gid, gid, __ATOMIC_RELAXED);
        __atomic_store_n(&m_access_mode, mode, __ATOMIC_RELEASE);
    }

private:
    RefPtr<FileSystem> m_file_system;
    uint64_t m_number;
    uint64_t m_content_generation = 0;
    uint32_t m_access_mode = 0; // 0: not kept, ask metadata()
    uint32_t m_access_uid = 0;
    uint32_t m_access_gid = 0;
    sched::WaitQueue m_wait_queue;
    FileLocks* m_file_locks = nullptr;
};

} // namespace fs
