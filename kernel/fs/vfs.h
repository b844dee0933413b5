// The VFS: path walks, mounts, permission checks and the operations the file calls are made of.
// File systems register a type (register_file_system) and are mounted by name; every operation
// here works on Paths and enforces Linux's rules (errno values included), so file systems only
// store.
#pragma once

#include "fs/mount.h"
#include "fs/open_file.h"
#include "ktl/function_ref.h"
#include "ktl/string.h"
#include "ktl/vector.h"

namespace fs {

// Who is asking, for permission checks (the file-system ids: fsuid, fsgid, and the supplementary
// groups).
struct Credentials {
    static constexpr size_t max_groups = 32;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t groups[max_groups] = {};
    uint32_t group_count = 0;
    bool is_superuser() const { return uid == 0; }
    bool in_group(uint32_t group) const {
        if (group == gid)
            return true;
        for (uint32_t i = 0; i < group_count; ++i)
            if (groups[i] == group)
                return true;
        return false;
    }
};

// One call's view of the caller: its root, where relative paths start (the cwd or a directory fd),
// its umask and its identity.
struct Lookup {
    Path root;
    Path start;
    Credentials credentials;
    uint32_t umask = 022;
};

// Path-walk flags (AT_* values where Linux has them).
enum : uint32_t {
    at_symlink_no_follow = 0x100,
    at_remove_directory = 0x200,
    at_symlink_follow = 0x400,
    at_no_automount = 0x800,
    at_empty_path = 0x1000,
    at_eaccess = 0x200, // faccessat's, shares the bit with AT_REMOVEDIR
};

// access(2) modes.
enum : uint32_t { access_exists = 0, access_execute = 1, access_write = 2, access_read = 4 };

// Whether `credentials` may do `access` (access_* bits) on an inode with `metadata`; root passes
// except for execute, which needs some execute bit (or a directory).
bool may_access(const InodeMetadata& metadata, const Credentials& credentials, uint32_t access);
bool may_access(const Inode::Access& bits, const Credentials& credentials, uint32_t access);

// Follows the path to what it names. `follow` says whether a final symlink is followed; a trailing
// slash always follows and requires a directory. Empty paths are NoEntry.
ktl::ErrorOr<Path> resolve(const Lookup& lookup, ktl::StringView path, bool follow = true);

// The directory that holds the path's last component, and that component. A trailing slash is
// reported, since it allows only directories.
struct ParentAndName {
    Path parent;
    ktl::StringView name; // points into the caller's path text
    bool trailing_slash = false;
};
ktl::ErrorOr<ParentAndName> resolve_parent(const Lookup& lookup, ktl::StringView path);

ktl::ErrorOr<RefPtr<OpenFile>> open(const Lookup& lookup, ktl::StringView path, uint32_t flags,
                                    uint32_t mode);
// Opens what `path` already names, for execve and fd-relative reopen (/proc/self/fd/N).
ktl::ErrorOr<RefPtr<OpenFile>> open_resolved(const Lookup& lookup, const Path& path, uint32_t flags);

ktl::ErrorOr<void> make_directory(const Lookup& lookup, ktl::StringView path, uint32_t mode);
ktl::ErrorOr<void> make_node(const Lookup& lookup, ktl::StringView path, uint32_t mode, uint64_t device);
ktl::ErrorOr<void> make_symlink(const Lookup& lookup, ktl::StringView target, ktl::StringView path);
ktl::ErrorOr<void> make_link(const Lookup& old_lookup, ktl::StringView old_path, const Lookup& new_lookup,
                             ktl::StringView new_path, bool follow);
// A new name for what `target` names (linkat with AT_EMPTY_PATH).
ktl::ErrorOr<void> make_link_to(const Path& target, const Lookup& new_lookup, ktl::StringView new_path);
ktl::ErrorOr<void> remove(const Lookup& lookup, ktl::StringView path, bool directory);
enum : uint32_t { rename_no_replace = 1, rename_exchange = 2, rename_whiteout = 4 };
ktl::ErrorOr<void> rename(const Lookup& old_lookup, ktl::StringView old_path, const Lookup& new_lookup,
                          ktl::StringView new_path, uint32_t flags);
ktl::ErrorOr<ktl::String> read_link(const Lookup& lookup, ktl::StringView path);

// Attribute changes on a resolved path, with their permission checks.
ktl::ErrorOr<void> change_mode(const Path& path, const Credentials& credentials, uint32_t mode);
ktl::ErrorOr<void> change_owner(const Path& path, const Credentials& credentials, int64_t uid, int64_t gid);
// utimensat: a null `times` is "now" for both; UTIME_NOW / UTIME_OMIT in nanoseconds.
inline constexpr int64_t utime_now = (1l << 30) - 1;
inline constexpr int64_t utime_omit = (1l << 30) - 2;
ktl::ErrorOr<void> change_times(const Path& path, const Credentials& credentials, const Timestamp* times);
ktl::ErrorOr<void> truncate(const Path& path, const Credentials& credentials, int64_t length);

// The path of `path` as seen from `root` ("/a/b"); a deleted one ends in " (deleted)", and one
// outside `root` is reported from its own file system's root, as Linux does.
ktl::ErrorOr<ktl::String> path_name(const Path& path, const Path& root);

// Mounts.
using FileSystemFactory = ktl::ErrorOr<RefPtr<FileSystem>> (*)(ktl::StringView source, uint64_t flags,
                                                               ktl::StringView options);
// `requires_device` is false for virtual file systems (nodev in /proc/filesystems).
ktl::ErrorOr<void> register_file_system(ktl::StringView type, FileSystemFactory factory,
                                        bool requires_device);
ktl::ErrorOr<void> mount(ktl::StringView source, const Path& target, ktl::StringView type, uint64_t flags,
                         ktl::StringView options);
// Mounts `file_system` at `target` (the root mount when the table is empty).
ktl::ErrorOr<void> attach(RefPtr<FileSystem> file_system, const Path* target, ktl::StringView source,
                          uint64_t flags);
enum : uint32_t { unmount_force = 1, unmount_detach = 2, unmount_expire = 4, unmount_no_follow = 8 };
// Busy while anything besides the caller's `target` holds the mount, or something is mounted in it.
ktl::ErrorOr<void> unmount(Path target, uint32_t flags);
// The root of the root mount.
Path root_path();
// The mount table, for /proc/mounts: mount point path, source, type, flags.
void for_each_mount(ktl::FunctionRef<void(const Mount&, const Path& mount_point)> visit);
void for_each_file_system_type(ktl::FunctionRef<void(ktl::StringView type, bool requires_device)> visit);

// Registers the built-in file systems and mounts a tmpfs as the root.
void initialize_vfs();

} // namespace fs
