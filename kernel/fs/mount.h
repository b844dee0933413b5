// Mounts and paths. A mount attaches a file system instance's root dentry over a dentry of another
// mount (its mount point); a Path names a place as (mount, dentry), since one dentry can be reached
// through several mounts. The mount table is the list /proc/mounts prints.
#pragma once

#include "fs/dentry.h"
#include "ktl/string.h"
#include "ktl/vector.h"

namespace fs {

class Mount;

struct Path {
    RefPtr<Mount> mount;
    RefPtr<Dentry> dentry;

    bool is_null() const { return !dentry; }
    Inode& inode() const { return dentry->inode(); }
    bool operator==(const Path& other) const { return mount == other.mount && dentry == other.dentry; }
};

enum : uint64_t {
    mount_read_only = 1,    // MS_RDONLY
    mount_no_set_uid = 2,   // MS_NOSUID
    mount_no_devices = 4,   // MS_NODEV
    mount_no_execute = 8,   // MS_NOEXEC
    mount_synchronous = 16, // MS_SYNCHRONOUS
    mount_remount = 32,     // MS_REMOUNT
    mount_no_access_time = 1024,
    mount_bind = 4096, // MS_BIND
    mount_move = 8192,
    mount_recursive = 16384,
    mount_silent = 32768,
    mount_private = 1 << 18,
    mount_slave = 1 << 19,
    mount_shared = 1 << 20,
    mount_relative_access_time = 1 << 21,
    mount_strict_access_time = 1 << 24,
};

class Mount : public ktl::RefCounted<Mount> {
public:
    Mount(RefPtr<FileSystem> file_system, RefPtr<Dentry> root, ktl::String source, uint64_t flags)
        : m_file_system(static_cast<RefPtr<FileSystem>&&>(file_system)),
          m_root(static_cast<RefPtr<Dentry>&&>(root)), m_source(static_cast<ktl::String&&>(source)),
          m_flags(flags) {}

    FileSystem& file_system() const { return *m_file_system; }
    const RefPtr<Dentry>& root() const { return m_root; }
    // Where it is attached; null for the root mount (and for a mount that has been detached).
    const RefPtr<Mount>& parent() const { return m_parent; }
    const RefPtr<Dentry>& mount_point() const { return m_mount_point; }
    ktl::StringView source() const { return m_source.view(); }
    uint64_t flags() const { return m_flags; }
    bool is_read_only() const { return m_flags & mount_read_only; }

private:
    friend struct MountTable;
    RefPtr<FileSystem> m_file_system;
    RefPtr<Dentry> m_root;
    ktl::String m_source;
    uint64_t m_flags;
    RefPtr<Mount> m_parent;
    RefPtr<Dentry> m_mount_point;
};

} // namespace fs
