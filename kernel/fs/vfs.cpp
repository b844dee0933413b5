#include "fs/vfs.h"

#include "console/log.h"
#include "fs/block_node.h"
#include "fs/char_device.h"
#include "fs/tmpfs/tmpfs.h"
#include "ktl/path_components.h"
#include "ktl/string_builder.h"
#include "sync/mutex.h"

#include <new>

namespace fs {

namespace {

constexpr ktl::StringView log_subsystem = "vfs";

// File system types.
struct FileSystemType {
    ktl::StringView name;
    FileSystemFactory factory = nullptr;
    bool requires_device = false;
};
constexpr size_t max_types = 16;
struct TypeTable {
    FileSystemType types[max_types];
    size_t count = 0;
};
constinit sync::SpinlockProtected<TypeTable, sync::Spinlock> file_system_types;

// The mount table, in mount order.
struct MountTableState {
    ktl::Vector<RefPtr<Mount>> mounts;
    RefPtr<Mount> root;
};
sync::Mutex mount_lock;
MountTableState* mount_table = nullptr;

} // namespace

struct MountTable {
    static void set_parent(Mount& mount, RefPtr<Mount> parent, RefPtr<Dentry> mount_point) {
        mount.m_parent = static_cast<RefPtr<Mount>&&>(parent);
        mount.m_mount_point = static_cast<RefPtr<Dentry>&&>(mount_point);
    }
};

namespace {

// The mount most recently attached at `at`, if any.
RefPtr<Mount> mounted_at(const Path& at) {
    sync::MutexLocker locker(mount_lock);
    if (!mount_table)
        return {};
    for (size_t i = mount_table->mounts.size(); i-- > 0;) {
        Mount& mount = *mount_table->mounts[i];
        if (mount.parent() == at.mount && mount.mount_point() == at.dentry)
            return mount_table->mounts[i];
    }
    return {};
}

// Crosses into whatever is mounted at `at`, and at its root, and so on.
void enter_mounts(Path& at) {
    while (at.dentry->is_mount_point()) {
        RefPtr<Mount> child = mounted_at(at);
        if (!child)
            return;
        at.dentry = child->root();
        at.mount = static_cast<RefPtr<Mount>&&>(child);
    }
}

// "..": never above `root`; from a mount's root, up from where it is mounted.
Path go_up(Path at, const Path& root) {
    for (;;) {
        if (at == root)
            return at;
        if (at.dentry == at.mount->root()) {
            if (!at.mount->parent())
                return at; // the root of everything
            Path below{at.mount->parent(), at.mount->mount_point()};
            at = static_cast<Path&&>(below);
            continue;
        }
        RefPtr<Dentry> parent = at.dentry->parent_ref();
        if (!parent)
            return at;
        at.dentry = static_cast<RefPtr<Dentry>&&>(parent);
        enter_mounts(at);
        return at;
    }
}

bool is_directory(const Path& path) {
    return path.inode().access().is_directory();
}

class Walker {
public:
    explicit Walker(const Lookup& lookup) : m_lookup(lookup) {}

    // Walks `path` from `start`. `follow_last`: follow a final symlink.
    ktl::ErrorOr<Path> walk(const Path& start, ktl::StringView path, bool follow_last) {
        if (path.is_empty())
            return ktl::Errno::NoEntry;
        if (path.length() >= path_max)
            return ktl::Errno::NameTooLong;
        ktl::PathComponents components(path);
        Path at = components.is_absolute() ? m_lookup.root : start;
        bool trailing_slash = components.has_trailing_slash();
        ktl::StringView component;
        bool is_last = false;
        while (components.next(component, is_last)) {
            if (component.length() > name_max)
                return ktl::Errno::NameTooLong;
            Inode::Access directory = at.inode().access();
            if (!directory.is_directory())
                return ktl::Errno::NotDirectory;
            if (!may_access(directory, m_lookup.credentials, access_execute))
                return ktl::Errno::AccessDenied;
            if (component == ".")
                continue;
            if (component == "..") {
                at = go_up(static_cast<Path&&>(at), m_lookup.root);
                continue;
            }
            RefPtr<Dentry> child = TRY(dentry_cache::lookup(*at.dentry, component));
            Path next{at.mount, static_cast<RefPtr<Dentry>&&>(child)};
            enter_mounts(next);
            if (next.inode().access().is_symlink() && (!is_last || follow_last || trailing_slash)) {
                if (++m_hops > max_symlink_hops)
                    return ktl::Errno::TooManySymlinks;
                Path destination;
                if (TRY(next.inode().link_destination(destination))) {
                    at = static_cast<Path&&>(destination);
                    continue;
                }
                ktl::String target = TRY(next.inode().link_target());
                if (target.is_empty())
                    return ktl::Errno::NoEntry;
                at = TRY(walk(at, target.view(), true));
                continue;
            }
            at = static_cast<Path&&>(next);
        }
        if (trailing_slash && !is_directory(at))
            return ktl::Errno::NotDirectory;
        return at;
    }

private:
    const Lookup& m_lookup;
    int m_hops = 0;
};

// Whether the caller may add or remove names in `directory`.
ktl::ErrorOr<void> may_change_directory(const Lookup& lookup, const Path& directory) {
    Inode::Access metadata = directory.inode().access();
    if (!metadata.is_directory())
        return ktl::Errno::NotDirectory;
    if (!may_access(metadata, lookup.credentials, access_write | access_execute))
        return ktl::Errno::AccessDenied;
    if (directory.mount->is_read_only())
        return ktl::Errno::ReadOnlyFilesystem;
    return {};
}

// The sticky bit: in a sticky directory only the owner of the file or of the directory (or root)
// may remove or rename a name.
ktl::ErrorOr<void> may_delete(const Lookup& lookup, const Path& directory, Inode& victim) {
    if (lookup.credentials.is_superuser())
        return {};
    InodeMetadata metadata = directory.inode().metadata();
    if (!(metadata.mode & mode_sticky))
        return {};
    if (metadata.uid == lookup.credentials.uid || victim.metadata().uid == lookup.credentials.uid)
        return {};
    return ktl::Errno::NotPermitted;
}

bool is_dot_or_dot_dot(ktl::StringView name) {
    return name == "." || name == "..";
}

} // namespace

bool may_access(const InodeMetadata& metadata, const Credentials& credentials, uint32_t access) {
    return may_access(Inode::Access{metadata.mode, metadata.uid, metadata.gid}, credentials, access);
}

bool may_access(const Inode::Access& metadata, const Credentials& credentials, uint32_t access) {
    access &= access_read | access_write | access_execute;
    if (credentials.is_superuser()) {
        // Root reads and writes anything, and executes what anyone may (directories: searches).
        if (!(access & access_execute) || metadata.is_directory())
            return true;
        return metadata.mode & 0111;
    }
    uint32_t granted;
    if (metadata.uid == credentials.uid)
        granted = (metadata.mode >> 6) & 7;
    else if (credentials.in_group(metadata.gid))
        granted = (metadata.mode >> 3) & 7;
    else
        granted = metadata.mode & 7;
    return (granted & access) == access;
}

ktl::ErrorOr<Path> resolve(const Lookup& lookup, ktl::StringView path, bool follow) {
    Walker walker(lookup);
    return walker.walk(lookup.start, path, follow);
}

ktl::ErrorOr<ParentAndName> resolve_parent(const Lookup& lookup, ktl::StringView path) {
    if (path.is_empty())
        return ktl::Errno::NoEntry;
    if (path.length() >= path_max)
        return ktl::Errno::NameTooLong;
    size_t end = path.length();
    bool trailing_slash = false;
    while (end > 0 && path[end - 1] == '/') {
        --end;
        trailing_slash = true;
    }
    ParentAndName result;
    if (end == 0) {
        // "/" (or "//"): the root, with no name in it.
        result.parent = lookup.root;
        result.trailing_slash = true;
        return result;
    }
    size_t slash = end;
    while (slash > 0 && path[slash - 1] != '/')
        --slash;
    result.name = path.substring(slash, end - slash);
    result.trailing_slash = trailing_slash;
    if (result.name.length() > name_max)
        return ktl::Errno::NameTooLong;
    Walker walker(lookup);
    if (slash == 0) {
        result.parent = lookup.start;
    } else {
        result.parent = TRY(walker.walk(lookup.start, path.substring(0, slash), true));
    }
    Inode::Access directory = result.parent.inode().access();
    if (!directory.is_directory())
        return ktl::Errno::NotDirectory;
    if (!may_access(directory, lookup.credentials, access_execute))
        return ktl::Errno::AccessDenied;
    return result;
}

ktl::ErrorOr<RefPtr<OpenFile>> open_resolved(const Lookup& lookup, const Path& path, uint32_t flags) {
    InodeMetadata metadata = path.inode().metadata();
    RefPtr<OpenFile> file;
    if (flags & open_path) {
        if ((flags & open_directory) && !metadata.is_directory())
            return ktl::Errno::NotDirectory;
        constexpr uint32_t path_flags = open_path | open_close_on_exec | open_directory | open_no_follow;
        file = TRY(ktl::try_make_ref_counted<OpenFile>(path.dentry->inode_ref(), flags & path_flags));
        file->set_path(path);
        return file;
    }
    uint32_t access_mode = flags & open_access_mode;
    if (access_mode == open_access_mode)
        return ktl::Errno::InvalidArgument;
    bool writes = access_mode != open_read_only;
    if (metadata.is_symlink())
        return ktl::Errno::TooManySymlinks; // O_NOFOLLOW on a link
    if ((flags & open_directory) && !metadata.is_directory())
        return ktl::Errno::NotDirectory;
    if (metadata.is_directory() && (writes || (flags & open_create)))
        return ktl::Errno::IsDirectory;
    uint32_t wanted = (access_mode != open_write_only ? uint32_t{access_read} : 0u) |
                      (writes ? uint32_t{access_write} : 0u);
    if ((flags & open_truncate) && !writes)
        wanted |= access_write; // Linux truncates an O_RDONLY|O_TRUNC open too, if it may write
    if (!may_access(metadata, lookup.credentials, wanted))
        return ktl::Errno::AccessDenied;
    if ((writes || (flags & open_truncate)) && path.mount->is_read_only() &&
        (metadata.is_regular() || metadata.is_directory()))
        return ktl::Errno::ReadOnlyFilesystem;
    if (metadata.is_character_device()) {
        if (path.mount->flags() & mount_no_devices)
            return ktl::Errno::AccessDenied;
        file = TRY(open_character_device(path.dentry->inode_ref(), metadata.rdev, flags));
    } else if (metadata.is_block_device()) {
        if (path.mount->flags() & mount_no_devices)
            return ktl::Errno::AccessDenied;
        file = TRY(open_block_device(path.dentry->inode_ref(), metadata.rdev, flags));
    } else if ((metadata.mode & mode_type_mask) == mode_socket) {
        return ktl::Errno::NoDeviceOrAddress;
    } else {
        file = TRY(path.inode().open_special(flags));
        if (!file) {
            if ((flags & open_truncate) && metadata.is_regular() && (writes || (flags & open_truncate)))
                TRY(path.inode().truncate(0));
            file = TRY(ktl::try_make_ref_counted<OpenFile>(path.dentry->inode_ref(), flags));
        }
    }
    file->set_path(path);
    return file;
}

namespace {

ktl::ErrorOr<RefPtr<OpenFile>> open_creating(const Lookup& lookup, ktl::StringView path, uint32_t flags,
                                             uint32_t mode, int& symlink_hops);

} // namespace

ktl::ErrorOr<RefPtr<OpenFile>> open(const Lookup& lookup, ktl::StringView path, uint32_t flags,
                                    uint32_t mode) {
    if (!(flags & open_create) || (flags & open_path)) {
        bool follow = !(flags & open_no_follow);
        Path found = TRY(resolve(lookup, path, follow));
        if ((flags & open_no_follow) && found.inode().access().is_symlink() && !(flags & open_path))
            return ktl::Errno::TooManySymlinks;
        return open_resolved(lookup, found, flags);
    }
    int symlink_hops = 0;
    return open_creating(lookup, path, flags, mode, symlink_hops);
}

namespace {

ktl::ErrorOr<RefPtr<OpenFile>> open_creating(const Lookup& lookup, ktl::StringView path, uint32_t flags,
                                             uint32_t mode, int& symlink_hops) {
    if (path.is_empty())
        return ktl::Errno::NoEntry;
    ParentAndName where = TRY(resolve_parent(lookup, path));
    if (where.name.is_empty() || is_dot_or_dot_dot(where.name) || where.trailing_slash)
        return ktl::Errno::IsDirectory;
    for (int attempt = 0; attempt < 8; ++attempt) {
        auto existing = dentry_cache::lookup(*where.parent.dentry, where.name);
        if (!existing.is_error()) {
            if (flags & open_exclusive)
                return ktl::Errno::Exists;
            Path found{where.parent.mount, existing.release_value()};
            enter_mounts(found);
            if (found.inode().access().is_symlink()) {
                if (flags & open_no_follow)
                    return ktl::Errno::TooManySymlinks;
                // O_CREAT follows the link and makes its target if that is missing, as Linux does.
                if (++symlink_hops > max_symlink_hops)
                    return ktl::Errno::TooManySymlinks;
                ktl::String target = TRY(found.inode().link_target());
                Lookup from_parent = lookup;
                from_parent.start = where.parent;
                return open_creating(from_parent, target.view(), flags, mode, symlink_hops);
            }
            return open_resolved(lookup, found, flags);
        }
        if (existing.error().code() != ktl::Errno::NoEntry)
            return existing.error();
        TRY(may_change_directory(lookup, where.parent));
        NewInode what{mode_regular | (mode & ~lookup.umask & mode_permissions), lookup.credentials.uid,
                      lookup.credentials.gid, 0};
        auto created = where.parent.inode().create(where.name, what);
        if (created.is_error()) {
            if (created.error().code() == ktl::Errno::Exists && !(flags & open_exclusive))
                continue; // someone else made it first: open theirs
            return created.error();
        }
        RefPtr<Dentry> dentry =
            TRY(dentry_cache::add(*where.parent.dentry, where.name, created.release_value()));
        Path made{where.parent.mount, static_cast<RefPtr<Dentry>&&>(dentry)};
        // The creator may write what it made, whatever mode it gave it.
        auto file = TRY(ktl::try_make_ref_counted<OpenFile>(made.dentry->inode_ref(), flags));
        file->set_path(made);
        return RefPtr<OpenFile>(file.ptr());
    }
    return ktl::Errno::TryAgain;
}

} // namespace

namespace {

ktl::ErrorOr<void> make(const Lookup& lookup, ktl::StringView path, const NewInode& what,
                        ktl::StringView target) {
    ParentAndName where = TRY(resolve_parent(lookup, path));
    if (where.name.is_empty() || is_dot_or_dot_dot(where.name))
        return ktl::Errno::Exists;
    // A trailing slash names a directory: only mkdir may have one. Linux's filename_create says
    // EEXIST if the name exists and ENOENT ("you asked for a directory") if it does not.
    if (where.trailing_slash && (what.mode & mode_type_mask) != mode_directory) {
        if (!dentry_cache::lookup(*where.parent.dentry, where.name).is_error())
            return ktl::Errno::Exists;
        return ktl::Errno::NoEntry;
    }
    if (!dentry_cache::lookup(*where.parent.dentry, where.name).is_error())
        return ktl::Errno::Exists;
    TRY(may_change_directory(lookup, where.parent));
    RefPtr<Inode> inode;
    if ((what.mode & mode_type_mask) == mode_symlink)
        inode = TRY(where.parent.inode().create_symlink(where.name, target, what));
    else
        inode = TRY(where.parent.inode().create(where.name, what));
    TRY(dentry_cache::add(*where.parent.dentry, where.name, static_cast<RefPtr<Inode>&&>(inode)));
    return {};
}

} // namespace

ktl::ErrorOr<void> make_directory(const Lookup& lookup, ktl::StringView path, uint32_t mode) {
    NewInode what{mode_directory | (mode & ~lookup.umask & 07777), lookup.credentials.uid,
                  lookup.credentials.gid, 0};
    return make(lookup, path, what, {});
}

ktl::ErrorOr<void> make_node(const Lookup& lookup, ktl::StringView path, uint32_t mode, uint64_t device) {
    uint32_t type = mode & mode_type_mask;
    if (type == 0)
        type = mode_regular;
    switch (type) {
    case mode_regular:
    case mode_fifo:
    case mode_socket:
        device = 0;
        break;
    case mode_character_device:
    case mode_block_device:
        if (!lookup.credentials.is_superuser())
            return ktl::Errno::NotPermitted;
        break;
    case mode_directory:
        return ktl::Errno::NotPermitted; // mknod does not make directories, as Linux says
    default:
        return ktl::Errno::InvalidArgument;
    }
    NewInode what{type | (mode & ~lookup.umask & 07777), lookup.credentials.uid, lookup.credentials.gid,
                  device};
    return make(lookup, path, what, {});
}

ktl::ErrorOr<void> make_symlink(const Lookup& lookup, ktl::StringView target, ktl::StringView path) {
    if (target.is_empty())
        return ktl::Errno::NoEntry;
    if (target.length() >= path_max)
        return ktl::Errno::NameTooLong;
    NewInode what{mode_symlink | 0777, lookup.credentials.uid, lookup.credentials.gid, 0};
    return make(lookup, path, what, target);
}

ktl::ErrorOr<void> make_link(const Lookup& old_lookup, ktl::StringView old_path, const Lookup& new_lookup,
                             ktl::StringView new_path, bool follow) {
    Path old_target = TRY(resolve(old_lookup, old_path, follow));
    return make_link_to(old_target, new_lookup, new_path);
}

ktl::ErrorOr<void> make_link_to(const Path& old_target, const Lookup& new_lookup, ktl::StringView new_path) {
    // Linux's order: the new name's walk and checks (filename_create), then vfs_link's.
    ParentAndName where = TRY(resolve_parent(new_lookup, new_path));
    if (where.name.is_empty() || is_dot_or_dot_dot(where.name))
        return ktl::Errno::Exists;
    if (!dentry_cache::lookup(*where.parent.dentry, where.name).is_error())
        return ktl::Errno::Exists;
    if (where.trailing_slash)
        return ktl::Errno::NoEntry;
    if (where.parent.mount != old_target.mount)
        return ktl::Errno::CrossDevice;
    TRY(may_change_directory(new_lookup, where.parent));
    if (old_target.inode().metadata().is_directory())
        return ktl::Errno::NotPermitted;
    TRY(where.parent.inode().link(where.name, old_target.inode()));
    TRY(dentry_cache::add(*where.parent.dentry, where.name, old_target.dentry->inode_ref()));
    return {};
}

ktl::ErrorOr<void> remove(const Lookup& lookup, ktl::StringView path, bool directory) {
    ParentAndName where = TRY(resolve_parent(lookup, path));
    if (where.name.is_empty())
        return directory ? ktl::Errno::Busy : ktl::Errno::IsDirectory;
    if (where.name == ".")
        return directory ? ktl::Errno::InvalidArgument : ktl::Errno::IsDirectory;
    if (where.name == "..")
        return directory ? ktl::Errno::NotEmpty : ktl::Errno::IsDirectory;
    RefPtr<Dentry> victim = TRY(dentry_cache::lookup(*where.parent.dentry, where.name));
    InodeMetadata metadata = victim->inode().metadata();
    if (!directory && where.trailing_slash)
        return metadata.is_directory() ? ktl::Errno::IsDirectory : ktl::Errno::NotDirectory;
    if (directory && !metadata.is_directory())
        return ktl::Errno::NotDirectory;
    TRY(may_change_directory(lookup, where.parent));
    TRY(may_delete(lookup, where.parent, victim->inode()));
    if (victim->is_mount_point() || victim == where.parent.mount->root())
        return ktl::Errno::Busy;
    TRY(where.parent.inode().unlink(where.name, directory));
    dentry_cache::remove(*where.parent.dentry, where.name);
    return {};
}

ktl::ErrorOr<void> rename(const Lookup& old_lookup, ktl::StringView old_path, const Lookup& new_lookup,
                          ktl::StringView new_path, uint32_t flags) {
    if (flags & ~(rename_no_replace | rename_exchange | rename_whiteout))
        return ktl::Errno::InvalidArgument;
    if ((flags & rename_no_replace) && (flags & rename_exchange))
        return ktl::Errno::InvalidArgument;
    if (flags & rename_whiteout)
        return ktl::Errno::InvalidArgument; // whiteouts are for overlay file systems
    ParentAndName from = TRY(resolve_parent(old_lookup, old_path));
    ParentAndName to = TRY(resolve_parent(new_lookup, new_path));
    // The checks come in do_renameat2's order, so a call that breaks several rules gets Linux's errno.
    bool exchange = flags & rename_exchange;
    if (from.parent.mount != to.parent.mount)
        return ktl::Errno::CrossDevice;
    if (from.name.is_empty() || is_dot_or_dot_dot(from.name))
        return ktl::Errno::Busy;
    if (to.name.is_empty() || is_dot_or_dot_dot(to.name))
        return (flags & rename_no_replace) ? ktl::Errno::Exists : ktl::Errno::Busy;
    FileSystem& file_system = from.parent.inode().file_system();
    sync::MutexLocker rename_locker(file_system.rename_lock());
    RefPtr<Dentry> moving = TRY(dentry_cache::lookup(*from.parent.dentry, from.name));
    InodeMetadata moving_metadata = moving->inode().metadata();
    auto replaced = dentry_cache::lookup(*to.parent.dentry, to.name);
    if (replaced.is_error() && replaced.error().code() != ktl::Errno::NoEntry)
        return replaced.error();
    if ((flags & rename_no_replace) && !replaced.is_error())
        return ktl::Errno::Exists;
    if (exchange) {
        if (replaced.is_error())
            return replaced.error();
        if (to.trailing_slash && !replaced.value()->inode().metadata().is_directory())
            return ktl::Errno::NotDirectory;
    }
    // A trailing slash needs a directory; with RENAME_EXCHANGE, on each side for its own name.
    if (!moving_metadata.is_directory() && (from.trailing_slash || (!exchange && to.trailing_slash)))
        return ktl::Errno::NotDirectory;
    // Linux's lock_rename trap, checked before permissions and types: a directory cannot move into
    // itself or below itself (EINVAL), and no name can replace a directory above its own
    // (ENOTEMPTY, or EINVAL for an exchange), whatever the target's type.
    for (RefPtr<Dentry> at = to.parent.dentry; at; at = at->parent_ref())
        if (at == moving)
            return ktl::Errno::InvalidArgument;
    if (!replaced.is_error())
        for (RefPtr<Dentry> at = from.parent.dentry; at; at = at->parent_ref())
            if (at == replaced.value())
                return exchange ? ktl::Errno::InvalidArgument : ktl::Errno::NotEmpty;
    if (exchange) {
        RefPtr<Dentry>& other = replaced.value();
        TRY(may_change_directory(old_lookup, from.parent));
        TRY(may_change_directory(new_lookup, to.parent));
        TRY(may_delete(old_lookup, from.parent, moving->inode()));
        TRY(may_delete(new_lookup, to.parent, other->inode()));
        if (moving->is_mount_point() || other->is_mount_point())
            return ktl::Errno::Busy;
        if (moving == other)
            return {};
        TRY(from.parent.inode().exchange(from.name, to.parent.inode(), to.name));
        if (dentry_cache::exchange(*from.parent.dentry, from.name, *to.parent.dentry, to.name).is_error()) {
            // No memory for the new names: drop both, so no stale path stays cached.
            dentry_cache::forget(*from.parent.dentry, from.name);
            dentry_cache::forget(*to.parent.dentry, to.name);
        }
        return {};
    }
    TRY(may_change_directory(old_lookup, from.parent));
    TRY(may_change_directory(new_lookup, to.parent));
    TRY(may_delete(old_lookup, from.parent, moving->inode()));
    if (moving->is_mount_point() || moving == from.parent.mount->root())
        return ktl::Errno::Busy;
    if (!replaced.is_error()) {
        RefPtr<Dentry>& victim = replaced.value();
        if (victim == moving)
            return {}; // the same name again
        if (&victim->inode() == &moving->inode())
            return {}; // two links to one inode: nothing happens, as POSIX says
        if (victim->is_mount_point())
            return ktl::Errno::Busy;
        TRY(may_delete(new_lookup, to.parent, victim->inode()));
        InodeMetadata victim_metadata = victim->inode().metadata();
        if (moving_metadata.is_directory() && !victim_metadata.is_directory())
            return ktl::Errno::NotDirectory;
        if (!moving_metadata.is_directory() && victim_metadata.is_directory())
            return ktl::Errno::IsDirectory;
    }
    TRY(from.parent.inode().rename(from.name, to.parent.inode(), to.name));
    TRY(dentry_cache::move(*from.parent.dentry, from.name, *to.parent.dentry, to.name));
    return {};
}

ktl::ErrorOr<ktl::String> read_link(const Lookup& lookup, ktl::StringView path) {
    Path found = TRY(resolve(lookup, path, false));
    if (!found.inode().metadata().is_symlink())
        return ktl::Errno::InvalidArgument;
    return found.inode().link_target();
}

namespace {

ktl::ErrorOr<void> must_own(const Path& path, const Credentials& credentials) {
    if (path.mount->is_read_only())
        return ktl::Errno::ReadOnlyFilesystem;
    if (credentials.is_superuser() || path.inode().metadata().uid == credentials.uid)
        return {};
    return ktl::Errno::NotPermitted;
}

} // namespace

ktl::ErrorOr<void> change_mode(const Path& path, const Credentials& credentials, uint32_t mode) {
    TRY(must_own(path, credentials));
    AttributeChange change;
    change.which = AttributeChange::Mode;
    change.mode = mode & 07777;
    // Linux: an owner outside the file's group cannot make it set-group-ID; the bit is dropped.
    if (!credentials.is_superuser() && (change.mode & mode_set_gid) &&
        !credentials.in_group(path.inode().metadata().gid))
        change.mode &= ~mode_set_gid;
    return path.inode().set_attributes(change);
}

ktl::ErrorOr<void> change_owner(const Path& path, const Credentials& credentials, int64_t uid, int64_t gid) {
    if (path.mount->is_read_only())
        return ktl::Errno::ReadOnlyFilesystem;
    InodeMetadata metadata = path.inode().metadata();
    AttributeChange change;
    if (uid != -1) {
        if (uid < 0 || uid > 0xfffffffe)
            return ktl::Errno::InvalidArgument;
        // Only root gives files away; an owner may "change" the owner to itself, nobody else may.
        if (!credentials.is_superuser() &&
            (static_cast<uint32_t>(uid) != metadata.uid || metadata.uid != credentials.uid))
            return ktl::Errno::NotPermitted;
        change.which |= AttributeChange::Uid;
        change.uid = static_cast<uint32_t>(uid);
    }
    if (gid != -1) {
        if (gid < 0 || gid > 0xfffffffe)
            return ktl::Errno::InvalidArgument;
        if (!credentials.is_superuser() &&
            (metadata.uid != credentials.uid || !credentials.in_group(static_cast<uint32_t>(gid))))
            return ktl::Errno::NotPermitted;
        change.which |= AttributeChange::Gid;
        change.gid = static_cast<uint32_t>(gid);
    }
    // Linux clears set-user-ID and set-group-ID on a non-directory whose owner changes.
    if (change.which && !metadata.is_directory() && (metadata.mode & (mode_set_uid | mode_set_gid))) {
        change.which |= AttributeChange::Mode;
        change.mode = metadata.mode & 07777 & ~(mode_set_uid | mode_set_gid);
    }
    return path.inode().set_attributes(change);
}

ktl::ErrorOr<void> change_times(const Path& path, const Credentials& credentials, const Timestamp* times) {
    if (path.mount->is_read_only())
        return ktl::Errno::ReadOnlyFilesystem;
    InodeMetadata metadata = path.inode().metadata();
    bool owner = credentials.is_superuser() || metadata.uid == credentials.uid;
    Timestamp now = current_time();
    AttributeChange change;
    bool only_now = !times || ((times[0].nanoseconds == utime_now || times[0].nanoseconds == utime_omit) &&
                               (times[1].nanoseconds == utime_now || times[1].nanoseconds == utime_omit));
    if (!owner) {
        // Setting times to "now" needs write permission; anything else needs ownership.
        if (!only_now)
            return ktl::Errno::NotPermitted;
        if (!may_access(metadata, credentials, access_write))
            return ktl::Errno::AccessDenied;
    }
    for (int index = 0; index < 2; ++index) {
        Timestamp value = times ? times[index] : Timestamp{0, utime_now};
        if (value.nanoseconds == utime_omit)
            continue;
        if (value.nanoseconds == utime_now)
            value = now;
        else if (value.nanoseconds < 0 || value.nanoseconds > 999'999'999)
            return ktl::Errno::InvalidArgument;
        if (index == 0) {
            change.which |= AttributeChange::AccessTime;
            change.access_time = value;
        } else {
            change.which |= AttributeChange::ModifyTime;
            change.modify_time = value;
        }
    }
    change.which |= AttributeChange::ChangeTime;
    change.change_time = now;
    return path.inode().set_attributes(change);
}

ktl::ErrorOr<void> truncate(const Path& path, const Credentials& credentials, int64_t length) {
    if (length < 0)
        return ktl::Errno::InvalidArgument;
    InodeMetadata metadata = path.inode().metadata();
    if (metadata.is_directory())
        return ktl::Errno::IsDirectory;
    if (!metadata.is_regular())
        return ktl::Errno::InvalidArgument;
    if (!may_access(metadata, credentials, access_write))
        return ktl::Errno::AccessDenied;
    if (path.mount->is_read_only())
        return ktl::Errno::ReadOnlyFilesystem;
    return path.inode().truncate(static_cast<uint64_t>(length));
}

ktl::ErrorOr<ktl::String> path_name(const Path& path, const Path& root) {
    // Built backwards from the end of a scratch buffer.
    char* buffer = new (std::nothrow) char[path_max];
    if (!buffer)
        return ktl::Errno::NoMemory;
    size_t start = path_max;
    bool too_long = false;
    Path at = path;
    while (!(at == root)) {
        if (at.dentry == at.mount->root()) {
            if (!at.mount->parent())
                break;
            Path below{at.mount->parent(), at.mount->mount_point()};
            at = static_cast<Path&&>(below);
            continue;
        }
        RefPtr<Dentry> parent = at.dentry->parent_ref();
        if (!parent)
            break;
        auto name = at.dentry->name();
        if (name.is_error()) {
            delete[] buffer;
            return name.error();
        }
        ktl::StringView text = name.value().view();
        if (text.length() + 1 > start) {
            too_long = true;
            break;
        }
        start -= text.length();
        for (size_t i = 0; i < text.length(); ++i)
            buffer[start + i] = text[i];
        buffer[--start] = '/';
        at.dentry = static_cast<RefPtr<Dentry>&&>(parent);
    }
    if (start == path_max)
        buffer[--start] = '/';
    if (too_long) {
        delete[] buffer;
        return ktl::Errno::NameTooLong;
    }
    ktl::StringBuilder text;
    auto appended = text.try_append(ktl::StringView(buffer + start, path_max - start));
    delete[] buffer;
    TRY(appended);
    if (path.dentry->is_deleted())
        TRY(text.try_append(" (deleted)"));
    return text.try_build();
}

ktl::ErrorOr<void> register_file_system(ktl::StringView type, FileSystemFactory factory,
                                        bool requires_device) {
    return file_system_types.with([&](TypeTable& table) -> ktl::ErrorOr<void> {
        for (size_t i = 0; i < table.count; ++i) {
            if (table.types[i].name == type)
                return ktl::Errno::Busy;
        }
        if (table.count == max_types)
            return ktl::Errno::NoSpace;
        table.types[table.count++] = {type, factory, requires_device};
        return {};
    });
}

void for_each_file_system_type(ktl::FunctionRef<void(ktl::StringView type, bool requires_device)> visit) {
    TypeTable copy = file_system_types.with([](TypeTable& table) { return table; });
    for (size_t i = 0; i < copy.count; ++i)
        visit(copy.types[i].name, copy.types[i].requires_device);
}

ktl::ErrorOr<void> attach(RefPtr<FileSystem> file_system, const Path* target, ktl::StringView source,
                          uint64_t flags) {
    RefPtr<Dentry> root = TRY(Dentry::create_root(file_system->root()));
    ktl::String source_text = TRY(ktl::String::try_create(source));
    auto mount = TRY(ktl::try_make_ref_counted<Mount>(static_cast<RefPtr<FileSystem>&&>(file_system),
                                                      static_cast<RefPtr<Dentry>&&>(root),
                                                      static_cast<ktl::String&&>(source_text), flags));
    sync::MutexLocker locker(mount_lock);
    if (!mount_table) {
        mount_table = new (std::nothrow) MountTableState;
        if (!mount_table)
            return ktl::Errno::NoMemory;
    }
    if (target) {
        if (target->dentry->is_deleted())
            return ktl::Errno::NoEntry;
        TRY(mount_table->mounts.try_append(RefPtr<Mount>(mount)));
        MountTable::set_parent(*mount, target->mount, target->dentry);
        target->dentry->add_mount();
    } else {
        if (mount_table->root)
            return ktl::Errno::Busy;
        TRY(mount_table->mounts.try_append(RefPtr<Mount>(mount)));
        mount_table->root = mount;
    }
    return {};
}

ktl::ErrorOr<void> mount(ktl::StringView source, const Path& target, ktl::StringView type, uint64_t flags,
                         ktl::StringView options) {
    if (flags & (mount_bind | mount_move | mount_remount))
        return ktl::Errno::InvalidArgument; // bind, move and remount come later
    if (flags & (mount_shared | mount_slave | mount_private))
        return {}; // propagation: everything is private already
    if (!target.inode().metadata().is_directory())
        return ktl::Errno::NotDirectory;
    FileSystemFactory factory = file_system_types.with([&](TypeTable& table) -> FileSystemFactory {
        for (size_t i = 0; i < table.count; ++i) {
            if (table.types[i].name == type)
                return table.types[i].factory;
        }
        return nullptr;
    });
    if (!factory)
        return ktl::Errno::NoDevice;
    RefPtr<FileSystem> file_system = TRY(factory(source, flags, options));
    constexpr uint64_t kept = mount_read_only | mount_no_set_uid | mount_no_devices | mount_no_execute |
                              mount_synchronous | mount_no_access_time | mount_relative_access_time |
                              mount_strict_access_time;
    return attach(static_cast<RefPtr<FileSystem>&&>(file_system), &target, source, flags & kept);
}

ktl::ErrorOr<void> unmount(Path target, uint32_t flags) {
    if (flags & ~(unmount_force | unmount_detach | unmount_expire | unmount_no_follow))
        return ktl::Errno::InvalidArgument;
    if (flags & unmount_expire)
        return ktl::Errno::InvalidArgument;
    RefPtr<Mount> mount;
    {
        sync::MutexLocker locker(mount_lock);
        if (!mount_table)
            return ktl::Errno::InvalidArgument;
        if (target.dentry != target.mount->root())
            return ktl::Errno::InvalidArgument; // not a mount point
        if (!target.mount->parent())
            return ktl::Errno::Busy; // the root stays
        size_t index = mount_table->mounts.size();
        for (size_t i = 0; i < mount_table->mounts.size(); ++i) {
            if (mount_table->mounts[i] == target.mount)
                index = i;
            else if (mount_table->mounts[i]->parent() == target.mount)
                return ktl::Errno::Busy; // something is mounted inside
        }
        if (index == mount_table->mounts.size())
            return ktl::Errno::InvalidArgument;
        // Held by the table, by `target` and by nothing else, unless detaching lazily.
        if (!(flags & unmount_detach) && target.mount->ref_count() > 2)
            return ktl::Errno::Busy;
        mount = mount_table->mounts[index];
        mount_table->mounts.remove(index);
        mount->mount_point()->remove_mount();
    }
    // A lazily detached mount keeps its parent links for paths still inside it; /proc/mounts no
    // longer lists it. The file system lets go of its root, and the names cached below it go, so
    // the last holder frees everything.
    (void)mount->file_system().sync();
    mount->file_system().detached();
    dentry_cache::prune_below(*mount->root());
    return {};
}

Path root_path() {
    Path root;
    {
        sync::MutexLocker locker(mount_lock);
        if (!mount_table || !mount_table->root)
            return {};
        root = Path{mount_table->root, mount_table->root->root()};
    }
    // A file system mounted on "/" (root= at boot, over the initrd's tmpfs) is the root from then on,
    // as Linux's switch from rootfs to the real root.
    while (RefPtr<Mount> above = mounted_at(root))
        root = Path{above, above->root()};
    return root;
}

void for_each_mount(ktl::FunctionRef<void(const Mount&, const Path& mount_point)> visit) {
    ktl::Vector<RefPtr<Mount>> copy;
    {
        sync::MutexLocker locker(mount_lock);
        if (!mount_table)
            return;
        for (auto& mount : mount_table->mounts) {
            if (copy.try_append(RefPtr<Mount>(mount)).is_error())
                break;
        }
    }
    for (auto& mount : copy) {
        Path mount_point =
            mount->parent() ? Path{mount->parent(), mount->mount_point()} : Path{mount, mount->root()};
        visit(*mount, mount_point);
    }
}

void initialize_vfs() {
    tmpfs::register_type();
    dentry_cache::register_shrinker();
    auto root = tmpfs::create("mode=755");
    if (root.is_error()) {
        klog::error(log_subsystem, "no root file system: {}", root.error().name());
        return;
    }
    if (auto attached = attach(root.release_value(), nullptr, "rootfs", 0); attached.is_error())
        klog::error(log_subsystem, "cannot mount the root: {}", attached.error().name());
}

} // namespace fs
