// Open file descriptions (Linux's struct file): what a file descriptor refers to. One holds the
// inode it was opened on, the path it was opened by, the file offset and the status flags. dup and
// fork share a description (and so its offset); two opens of one file make two.
//
// The base class reads and writes through the inode at the offset, which is what regular files and
// directories need. Kinds with their own behaviour (terminals, pipe ends, devices, procfs files
// generated at open) derive and override.
#pragma once

#include "fs/inode.h"
#include "fs/mount.h"
#include "module/module_ref.h"
#include "sync/mutex.h"

#include <cstddef>
#include <cstdint>

namespace fs {

// open(2) flags (Linux's values). The status flags stay on the description.
enum : uint32_t {
    open_read_only = 0,
    open_write_only = 1,
    open_read_write = 2,
    open_access_mode = 3,
    open_create = 0100,
    open_exclusive = 0200,
    open_no_controlling_tty = 0400,
    open_truncate = 01000,
    open_append = 02000,
    open_nonblocking = 04000,
    open_data_sync = 010000,
    open_async = 020000,
    open_direct = 040000,
    open_large_file = 0100000,
    open_directory = 0200000,
    open_no_follow = 0400000,
    open_no_access_time = 01000000,
    open_close_on_exec = 02000000,
    open_sync = 04010000,
    open_path = 010000000,
    open_temporary_file = 020200000,
};

// poll(2) events.
enum : uint32_t {
    poll_in = 0x001,
    poll_priority = 0x002,
    poll_out = 0x004,
    poll_error = 0x008,
    poll_hang_up = 0x010,
    poll_invalid = 0x020,
    poll_read_normal = 0x040,
    poll_write_normal = 0x100,
};

enum class Whence : int { Set = 0, Current = 1, End = 2, Data = 3, Hole = 4 };

class OpenFile : public ktl::RefCounted<OpenFile> {
public:
    // Takes `flags` as open(2) got them; keeps the access mode and status flags.
    OpenFile(RefPtr<Inode> inode, uint32_t flags);
    virtual ~OpenFile();
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;

    // At the description's offset, advancing it (read(2), write(2)).
    virtual ktl::ErrorOr<size_t> read(IoBuffer buffer, size_t length);
    virtual ktl::ErrorOr<size_t> write(IoBuffer buffer, size_t length);
    // At an explicit offset, leaving the description's alone (pread64, pwrite64); IllegalSeek for
    // kinds without offsets.
    virtual ktl::ErrorOr<size_t> read_at(uint64_t offset, IoBuffer buffer, size_t length);
    virtual ktl::ErrorOr<size_t> write_at(uint64_t offset, IoBuffer buffer, size_t length);
    virtual ktl::ErrorOr<int64_t> seek(int64_t offset, Whence whence);
    virtual ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument);
    // The poll(2) events that hold now; a poller sleeps on poll_queue() and asks again when woken.
    virtual uint32_t poll_events();
    virtual sched::WaitQueue* poll_queue();
    virtual ktl::ErrorOr<InodeMetadata> metadata();
    // fsync (fdatasync with `data_only`): writes what the description's data depends on (the inode's
    // sync; a block device writes its cached pages and flushes).
    virtual ktl::ErrorOr<void> sync(bool data_only = false);
    // mmap: what the mapping maps (the inode's pages by default). A null object means "anonymous
    // memory", as a mapping of /dev/zero is.
    virtual ktl::ErrorOr<RefPtr<mm::MappedObject>> mapping_object();
    virtual bool is_terminal() const { return false; }
    virtual bool is_seekable() const { return true; }
    // A short description for logs and /proc: "file", "tty", "pipe".
    virtual const char* kind() const { return "file"; }

    // getdents64: fills `buffer` with linux_dirent64 records from the offset on.
    ktl::ErrorOr<size_t> read_directory(IoBuffer buffer, size_t length);

    Inode* inode() const { return m_inode.ptr(); }
    // What /proc/PID/fd shows for a description without a path ("/memfd:x (deleted)"); empty
    // for one with a path or one procfs names itself (pipes).
    ktl::StringView anonymous_name() const { return m_anonymous_name.view(); }
    void set_anonymous_name(ktl::String name) { m_anonymous_name = static_cast<ktl::String&&>(name); }
    const Path& path() const { return m_path; }
    void set_path(Path path) { m_path = static_cast<Path&&>(path); }

    bool can_read() const {
        return !(m_flags & open_path) && (m_flags & open_access_mode) != open_write_only;
    }
    bool can_write() const {
        return !(m_flags & open_path) && (m_flags & open_access_mode) != open_read_only;
    }
    bool is_path_only() const { return m_flags & open_path; }
    uint32_t flags() const { return __atomic_load_n(&m_flags, __ATOMIC_RELAXED); }
    bool is_nonblocking() const { return flags() & open_nonblocking; }
    // fcntl(F_SETFL): only O_APPEND, O_NONBLOCK (and the ignored O_ASYNC, O_DIRECT, O_NOATIME) change.
    void set_status_flags(uint32_t flags);
    uint64_t offset();
    // Keeps a pin (module::try_get) on the module serving this description until it closes.
    void hold_module(module::Module* owner) { m_module = owner; }

protected:
    // Kinds with no inode of their own yet still get one for fstat (a pipe's, a terminal's).
    RefPtr<Inode> m_inode;

private:
    uint32_t m_flags;
    Path m_path;
    ktl::String m_anonymous_name;
    // Held across a read or write so concurrent users of one description see whole updates of the
    // offset, as Linux's f_pos_lock gives.
    sync::Mutex m_offset_lock;
    uint64_t m_offset = 0;
    module::Module* m_module = nullptr;
};

} // namespace fs
