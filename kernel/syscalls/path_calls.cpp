// Calls that name files by path: open and its relatives, the stat family, directory changes,
// links, permissions and times, the working directory, statfs, mount. Each is Linux's *at form
// underneath; the older calls pass AT_FDCWD.
#include "fs/vfs.h"
#include "syscalls/file_support.h"

#include <utility>

namespace syscalls {

namespace {

constexpr uint32_t at_symlink_no_follow = fs::at_symlink_no_follow;
constexpr uint32_t at_symlink_follow = fs::at_symlink_follow;
constexpr uint32_t at_empty_path = fs::at_empty_path;
constexpr uint32_t at_remove_directory = fs::at_remove_directory;
constexpr uint32_t at_no_automount = fs::at_no_automount;
constexpr uint32_t at_statx_sync_mask = 0x6000;

// The path `path` names from `dirfd`, or with AT_EMPTY_PATH and an empty path, dirfd's own.
ktl::ErrorOr<fs::Path> resolve_at(int dirfd, mm::UserPtr<const char> path, uint32_t flags) {
    UserPath text;
    TRY(UserPath::copy(text, path, flags & at_empty_path));
    if (text.view().is_empty()) {
        if (dirfd == at_fdcwd)
            return TRY(current_process_or_error())->fs_context().cwd();
        return path_of_fd(dirfd);
    }
    fs::Lookup lookup = TRY(lookup_at(dirfd, text.view()));
    return fs::resolve(lookup, text.view(), !(flags & at_symlink_no_follow));
}

constexpr uint32_t valid_open_flags = fs::open_access_mode | fs::open_create | fs::open_exclusive |
                                      fs::open_no_controlling_tty | fs::open_truncate | fs::open_append |
                                      fs::open_nonblocking | fs::open_data_sync | fs::open_async |
                                      fs::open_direct | fs::open_large_file | fs::open_directory |
                                      fs::open_no_follow | fs::open_no_access_time | fs::open_close_on_exec |
                                      fs::open_sync | fs::open_path | fs::open_temporary_file;

Result open_at(int dirfd, mm::UserPtr<const char> path, uint32_t flags, uint32_t mode) {
    // Linux ignores unknown open flags (openat2 does not); O_TMPFILE is not supported yet.
    flags &= valid_open_flags;
    if ((flags & fs::open_temporary_file) == fs::open_temporary_file)
        return ktl::Errno::NotSupported;
    if (flags & fs::open_path)
        flags &= fs::open_path | fs::open_close_on_exec | fs::open_directory | fs::open_no_follow;
    UserPath text;
    TRY(UserPath::copy(text, path));
    fs::Lookup lookup = TRY(lookup_at(dirfd, text.view()));
    fs::RefPtr<fs::OpenFile> file = TRY(fs::open(lookup, text.view(), flags, mode & 07777));
    return TRY(TRY(current_files())->install(std::move(file), flags & fs::open_close_on_exec));
}

} // namespace

Result sys_open(mm::UserPtr<const char> path, uint32_t flags, uint32_t mode) {
    return open_at(at_fdcwd, path, flags, mode);
}

Result sys_openat(int dirfd, mm::UserPtr<const char> path, uint32_t flags, uint32_t mode) {
    return open_at(dirfd, path, flags, mode);
}

Result sys_creat(mm::UserPtr<const char> path, uint32_t mode) {
    return open_at(at_fdcwd, path, fs::open_create | fs::open_write_only | fs::open_truncate, mode);
}

Result sys_openat2(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<uint64_t> how, size_t size) {
    // struct open_how { u64 flags; u64 mode; u64 resolve; }
    if (size < 24 || size > 4096)
        return ktl::Errno::InvalidArgument;
    uint64_t fields[3];
    TRY(mm::copy_from_user(fields, how, 3));
    // Bytes past the ones we know must be zero, as Linux's extensible structs say.
    for (size_t offset = 24; offset < size; ++offset) {
        uint8_t byte = TRY(mm::read_user(mm::UserPtr<uint8_t>(how.address() + offset)));
        if (byte)
            return ktl::Errno::ArgumentListTooLong;
    }
    uint64_t flags = fields[0], mode = fields[1], resolve = fields[2];
    if (flags & ~static_cast<uint64_t>(valid_open_flags))
        return ktl::Errno::InvalidArgument;
    if (mode & ~07777ull || (mode && !(flags & fs::open_create)))
        return ktl::Errno::InvalidArgument;
    if (resolve != 0)
        return ktl::Errno::InvalidArgument; // RESOLVE_* restrictions come later
    return open_at(dirfd, path, static_cast<uint32_t>(flags), static_cast<uint32_t>(mode));
}

// The stat family.
Result sys_stat(mm::UserPtr<const char> path, mm::UserPtr<uint8_t> status) {
    fs::Path found = TRY(resolve_at(at_fdcwd, path, 0));
    LinuxStat stat = to_linux_stat(found.inode().metadata());
    TRY(mm::copy_to_user(status.address(), &stat, sizeof stat));
    return 0;
}

Result sys_lstat(mm::UserPtr<const char> path, mm::UserPtr<uint8_t> status) {
    fs::Path found = TRY(resolve_at(at_fdcwd, path, at_symlink_no_follow));
    LinuxStat stat = to_linux_stat(found.inode().metadata());
    TRY(mm::copy_to_user(status.address(), &stat, sizeof stat));
    return 0;
}

Result sys_newfstatat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<uint8_t> status, uint32_t flags) {
    if (flags & ~(at_symlink_no_follow | at_empty_path | at_no_automount))
        return ktl::Errno::InvalidArgument;
    fs::InodeMetadata metadata;
    if (flags & at_empty_path) {
        UserPath text;
        TRY(UserPath::copy(text, path, true));
        if (text.view().is_empty() && dirfd != at_fdcwd) {
            // Any fd, not only ones with a path (a pipe's): fstat's answer.
            fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(dirfd));
            metadata = TRY(file->metadata());
            LinuxStat stat = to_linux_stat(metadata);
            TRY(mm::copy_to_user(status.address(), &stat, sizeof stat));
            return 0;
        }
    }
    fs::Path found = TRY(resolve_at(dirfd, path, flags));
    LinuxStat stat = to_linux_stat(found.inode().metadata());
    TRY(mm::copy_to_user(status.address(), &stat, sizeof stat));
    return 0;
}

namespace {

struct StatxTimestamp {
    int64_t seconds;
    uint32_t nanoseconds;
    int32_t reserved;
};
struct Statx {
    uint32_t mask;
    uint32_t block_size;
    uint64_t attributes;
    uint32_t link_count;
    uint32_t uid;
    uint32_t gid;
    uint16_t mode;
    uint16_t spare0;
    uint64_t inode;
    uint64_t size;
    uint64_t blocks;
    uint64_t attributes_mask;
    StatxTimestamp access_time, birth_time, change_time, modify_time;
    uint32_t rdev_major, rdev_minor;
    uint32_t device_major, device_minor;
    uint64_t mount_id;
    uint32_t direct_io_memory_align, direct_io_offset_align;
    uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256);
static_assert(__builtin_offsetof(Statx, access_time) == 64);
static_assert(__builtin_offsetof(Statx, rdev_major) == 128);

StatxTimestamp statx_time(fs::Timestamp time) {
    return {time.seconds, static_cast<uint32_t>(time.nanoseconds), 0};
}

} // namespace

Result sys_statx(int dirfd, mm::UserPtr<const char> path, uint32_t flags, uint32_t mask,
                 mm::UserPtr<uint8_t> buffer) {
    constexpr uint32_t statx_reserved = 0x80000000;
    constexpr uint32_t statx_basic_stats = 0x7ff, statx_birth_time = 0x800;
    if (flags & ~(at_symlink_no_follow | at_empty_path | at_no_automount | at_statx_sync_mask))
        return ktl::Errno::InvalidArgument;
    if ((flags & at_statx_sync_mask) == at_statx_sync_mask || (mask & statx_reserved))
        return ktl::Errno::InvalidArgument;
    fs::InodeMetadata metadata;
    UserPath text;
    TRY(UserPath::copy(text, path, flags & at_empty_path));
    if (text.view().is_empty()) {
        if (dirfd == at_fdcwd) {
            metadata = TRY(current_process_or_error())->fs_context().cwd().inode().metadata();
        } else {
            fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(dirfd));
            metadata = TRY(file->metadata());
        }
    } else {
        fs::Lookup lookup = TRY(lookup_at(dirfd, text.view()));
        fs::Path found = TRY(fs::resolve(lookup, text.view(), !(flags & at_symlink_no_follow)));
        metadata = found.inode().metadata();
    }
    Statx result{};
    result.mask = statx_basic_stats | statx_birth_time;
    result.block_size = metadata.block_size;
    result.link_count = metadata.link_count;
    result.uid = metadata.uid;
    result.gid = metadata.gid;
    result.mode = static_cast<uint16_t>(metadata.mode);
    result.inode = metadata.inode;
    result.size = metadata.size;
    result.blocks = metadata.blocks;
    result.access_time = statx_time(metadata.access_time);
    result.birth_time = statx_time(metadata.birth_time);
    result.change_time = statx_time(metadata.change_time);
    result.modify_time = statx_time(metadata.modify_time);
    result.rdev_major = fs::device_major(metadata.rdev);
    result.rdev_minor = fs::device_minor(metadata.rdev);
    result.device_major = fs::device_major(metadata.device);
    result.device_minor = fs::device_minor(metadata.device);
    TRY(mm::copy_to_user(buffer.address(), &result, sizeof result));
    return 0;
}

Result sys_getdents64(int fd, mm::UserPtr<uint8_t> buffer, size_t length) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (file->is_path_only())
        return ktl::Errno::BadFileDescriptor;
    if (!file->inode() || !file->inode()->metadata().is_directory())
        return ktl::Errno::NotDirectory;
    if (!mm::is_user_range(buffer.address(), length))
        return ktl::Errno::BadAddress;
    return static_cast<long>(
        TRY(file->read_directory(fs::IoBuffer::user(buffer), length > 0x7ffff000 ? 0x7ffff000 : length)));
}

// Making and removing names.
Result sys_mkdirat(int dirfd, mm::UserPtr<const char> path, uint32_t mode) {
    UserPath text;
    TRY(UserPath::copy(text, path));
    fs::Lookup lookup = TRY(lookup_at(dirfd, text.view()));
    TRY(fs::make_directory(lookup, text.view(), mode));
    return 0;
}

Result sys_mkdir(mm::UserPtr<const char> path, uint32_t mode) {
    return sys_mkdirat(at_fdcwd, path, mode);
}

Result sys_mknodat(int dirfd, mm::UserPtr<const char> path, uint32_t mode, uint64_t device) {
    UserPath text;
    TRY(UserPath::copy(text, path));
    fs::Lookup lookup = TRY(lookup_at(dirfd, text.view()));
    // The user ABI's dev_t is new_encode_dev's 32 bits: 12 bits of major, 20 of minor.
    uint32_t encoded = static_cast<uint32_t>(device);
    uint32_t major = (encoded >> 8) & 0xfff;
    uint32_t minor = (encoded & 0xff) | ((encoded >> 12) & 0xfff00);
    TRY(fs::make_node(lookup, text.view(), mode, fs::make_device(major, minor)));
    return 0;
}

Result sys_mknod(mm::UserPtr<const char> path, uint32_t mode, uint64_t device) {
    return sys_mknodat(at_fdcwd, path, mode, device);
}

Result sys_unlinkat(int dirfd, mm::UserPtr<const char> path, uint32_t flags) {
    if (flags & ~at_remove_directory)
        return ktl::Errno::InvalidArgument;
    UserPath text;
    TRY(UserPath::copy(text, path));
    fs::Lookup lookup = TRY(lookup_at(dirfd, text.view()));
    TRY(fs::remove(lookup, text.view(), flags & at_remove_directory));
    return 0;
}

Result sys_unlink(mm::UserPtr<const char> path) {
    return sys_unlinkat(at_fdcwd, path, 0);
}

Result sys_rmdir(mm::UserPtr<const char> path) {
    return sys_unlinkat(at_fdcwd, path, at_remove_directory);
}

Result sys_renameat2(int old_dirfd, mm::UserPtr<const char> old_path, int new_dirfd,
                     mm::UserPtr<const char> new_path, uint32_t flags) {
    UserPath old_text, new_text;
    TRY(UserPath::copy(old_text, old_path));
    TRY(UserPath::copy(new_text, new_path));
    fs::Lookup old_lookup = TRY(lookup_at(old_dirfd, old_text.view()));
    fs::Lookup new_lookup = TRY(lookup_at(new_dirfd, new_text.view()));
    TRY(fs::rename(old_lookup, old_text.view(), new_lookup, new_text.view(), flags));
    return 0;
}

Result sys_renameat(int old_dirfd, mm::UserPtr<const char> old_path, int new_dirfd,
                    mm::UserPtr<const char> new_path) {
    return sys_renameat2(old_dirfd, old_path, new_dirfd, new_path, 0);
}

Result sys_rename(mm::UserPtr<const char> old_path, mm::UserPtr<const char> new_path) {
    return sys_renameat2(at_fdcwd, old_path, at_fdcwd, new_path, 0);
}

Result sys_linkat(int old_dirfd, mm::UserPtr<const char> old_path, int new_dirfd,
                  mm::UserPtr<const char> new_path, uint32_t flags) {
    if (flags & ~(at_symlink_follow | at_empty_path))
        return ktl::Errno::InvalidArgument;
    UserPath old_text, new_text;
    TRY(UserPath::copy(old_text, old_path, flags & at_empty_path));
    TRY(UserPath::copy(new_text, new_path));
    fs::Lookup new_lookup = TRY(lookup_at(new_dirfd, new_text.view()));
    if (old_text.view().is_empty()) {
        // linkat(fd, "", ..., AT_EMPTY_PATH): a name for what fd is open on.
        if (!TRY(current_process_or_error())->credentials().is_superuser())
            return ktl::Errno::NoEntry; // Linux wants CAP_DAC_READ_SEARCH for this
        fs::Path target = TRY(path_of_fd(old_dirfd));
        TRY(fs::make_link_to(target, new_lookup, new_text.view()));
        return 0;
    }
    fs::Lookup old_lookup = TRY(lookup_at(old_dirfd, old_text.view()));
    TRY(fs::make_link(old_lookup, old_text.view(), new_lookup, new_text.view(), flags & at_symlink_follow));
    return 0;
}

Result sys_link(mm::UserPtr<const char> old_path, mm::UserPtr<const char> new_path) {
    return sys_linkat(at_fdcwd, old_path, at_fdcwd, new_path, 0);
}

Result sys_symlinkat(mm::UserPtr<const char> target, int dirfd, mm::UserPtr<const char> path) {
    UserPath target_text, path_text;
    TRY(UserPath::copy(target_text, target));
    TRY(UserPath::copy(path_text, path));
    fs::Lookup lookup = TRY(lookup_at(dirfd, path_text.view()));
    TRY(fs::make_symlink(lookup, target_text.view(), path_text.view()));
    return 0;
}

Result sys_symlink(mm::UserPtr<const char> target, mm::UserPtr<const char> path) {
    return sys_symlinkat(target, at_fdcwd, path);
}

Result sys_readlinkat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<char> buffer, int size) {
    if (size <= 0)
        return ktl::Errno::InvalidArgument;
    UserPath text;
    TRY(UserPath::copy(text, path, true));
    fs::Path link;
    if (text.view().is_empty()) {
        link = TRY(path_of_fd(dirfd)); // an O_PATH|O_NOFOLLOW fd on a link
    } else {
        fs::Lookup lookup = TRY(lookup_at(dirfd, text.view()));
        link = TRY(fs::resolve(lookup, text.view(), false));
    }
    if (!link.inode().metadata().is_symlink())
        return ktl::Errno::InvalidArgument;
    ktl::String target = TRY(link.inode().link_target());
    size_t length = target.length() < static_cast<size_t>(size) ? target.length() : static_cast<size_t>(size);
    TRY(mm::copy_to_user(buffer.address(), target.characters(), length)); // no NUL, as readlink(2)
    return static_cast<long>(length);
}

Result sys_readlink(mm::UserPtr<const char> path, mm::UserPtr<char> buffer, int size) {
    return sys_readlinkat(at_fdcwd, path, buffer, size);
}

// The working directory and the root.
namespace {

// chdir, fchdir and chroot: the place must be a directory the caller may search.
ktl::ErrorOr<void> may_enter(const fs::Path& place, proc::Process& process) {
    fs::Inode::Access access = place.inode().access();
    if (!access.is_directory())
        return ktl::Errno::NotDirectory;
    if (!fs::may_access(access, process.credentials(), fs::access_execute))
        return ktl::Errno::AccessDenied;
    return {};
}

} // namespace

Result sys_chdir(mm::UserPtr<const char> path) {
    fs::Path found = TRY(resolve_at(at_fdcwd, path, 0));
    proc::Process* process = TRY(current_process_or_error());
    TRY(may_enter(found, *process));
    process->fs_context().set_cwd(std::move(found));
    return 0;
}

Result sys_fchdir(int fd) {
    fs::Path found = TRY(path_of_fd(fd));
    proc::Process* process = TRY(current_process_or_error());
    TRY(may_enter(found, *process));
    process->fs_context().set_cwd(std::move(found));
    return 0;
}

Result sys_chroot(mm::UserPtr<const char> path) {
    proc::Process* process = TRY(current_process_or_error());
    fs::Path found = TRY(resolve_at(at_fdcwd, path, 0));
    TRY(may_enter(found, *process));
    if (!process->credentials().is_superuser())
        return ktl::Errno::NotPermitted;
    process->fs_context().set_root(std::move(found));
    return 0;
}

Result sys_getcwd(mm::UserPtr<char> buffer, size_t size) {
    proc::Process* process = TRY(current_process_or_error());
    fs::Path cwd = process->fs_context().cwd();
    fs::Path root = process->fs_context().root();
    ktl::String name = TRY(fs::path_name(cwd, root));
    // Linux: a cwd that is unlinked or outside the root comes back "(unreachable)"-prefixed.
    if (cwd.dentry->is_deleted())
        return ktl::Errno::NoEntry;
    if (name.length() + 1 > size)
        return ktl::Errno::OutOfRange;
    TRY(mm::copy_to_user(buffer.address(), name.characters(), name.length() + 1));
    return static_cast<long>(name.length() + 1);
}

Result sys_umask(uint32_t mask) {
    return TRY(current_process_or_error())->fs_context().exchange_umask(mask & 0777);
}

// Permissions, owners, times, sizes.
Result sys_faccessat2(int dirfd, mm::UserPtr<const char> path, uint32_t mode, uint32_t flags) {
    if (mode & ~7u)
        return ktl::Errno::InvalidArgument;
    if (flags & ~(fs::at_eaccess | at_symlink_no_follow | at_empty_path))
        return ktl::Errno::InvalidArgument;
    fs::Path found = TRY(resolve_at(dirfd, path, flags & (at_symlink_no_follow | at_empty_path)));
    proc::Process* process = TRY(current_process_or_error());
    if (mode == fs::access_exists)
        return 0;
    fs::InodeMetadata metadata = found.inode().metadata();
    if ((mode & fs::access_write) && found.mount->is_read_only() && !metadata.is_character_device() &&
        !metadata.is_block_device() && !metadata.is_fifo())
        return ktl::Errno::ReadOnlyFilesystem;
    // access(2) asks for the real ids (what a set-user-ID program's invoker may do); AT_EACCESS for
    // the effective ones.
    fs::Credentials credentials = process->credentials();
    if (!(flags & fs::at_eaccess)) {
        proc::Identity ids = process->identity();
        credentials.uid = ids.real_uid;
        credentials.gid = ids.real_gid;
    }
    if (!fs::may_access(metadata, credentials, mode))
        return ktl::Errno::AccessDenied;
    return 0;
}

Result sys_faccessat(int dirfd, mm::UserPtr<const char> path, uint32_t mode) {
    return sys_faccessat2(dirfd, path, mode, 0);
}

Result sys_access(mm::UserPtr<const char> path, uint32_t mode) {
    return sys_faccessat2(at_fdcwd, path, mode, 0);
}

Result sys_fchmodat(int dirfd, mm::UserPtr<const char> path, uint32_t mode) {
    fs::Path found = TRY(resolve_at(dirfd, path, 0));
    TRY(fs::change_mode(found, TRY(current_process_or_error())->credentials(), mode));
    return 0;
}

Result sys_chmod(mm::UserPtr<const char> path, uint32_t mode) {
    return sys_fchmodat(at_fdcwd, path, mode);
}

Result sys_fchmod(int fd, uint32_t mode) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (file->is_path_only())
        return ktl::Errno::BadFileDescriptor;
    if (file->path().is_null())
        return ktl::Errno::InvalidArgument;
    TRY(fs::change_mode(file->path(), TRY(current_process_or_error())->credentials(), mode));
    return 0;
}

Result sys_fchownat(int dirfd, mm::UserPtr<const char> path, int32_t uid, int32_t gid, uint32_t flags) {
    if (flags & ~(at_symlink_no_follow | at_empty_path))
        return ktl::Errno::InvalidArgument;
    fs::Path found = TRY(resolve_at(dirfd, path, flags));
    TRY(fs::change_owner(found, TRY(current_process_or_error())->credentials(), uid, gid));
    return 0;
}

Result sys_chown(mm::UserPtr<const char> path, int32_t uid, int32_t gid) {
    return sys_fchownat(at_fdcwd, path, uid, gid, 0);
}

Result sys_lchown(mm::UserPtr<const char> path, int32_t uid, int32_t gid) {
    return sys_fchownat(at_fdcwd, path, uid, gid, at_symlink_no_follow);
}

Result sys_fchown(int fd, int32_t uid, int32_t gid) {
    fs::Path found = TRY(path_of_fd(fd));
    TRY(fs::change_owner(found, TRY(current_process_or_error())->credentials(), uid, gid));
    return 0;
}

Result sys_utimensat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<Timespec> times, uint32_t flags) {
    if (flags & ~(at_symlink_no_follow | at_empty_path))
        return ktl::Errno::InvalidArgument;
    fs::Timestamp values[2];
    fs::Timestamp* pointer = nullptr;
    if (!times.is_null()) {
        Timespec raw[2];
        TRY(mm::copy_from_user(raw, times, 2));
        for (int i = 0; i < 2; ++i)
            values[i] = {raw[i].seconds, raw[i].nanoseconds};
        pointer = values;
        if (values[0].nanoseconds == fs::utime_omit && values[1].nanoseconds == fs::utime_omit)
            return 0; // nothing to do, and Linux does not even look the path up
    }
    fs::Path found;
    if (path.is_null()) {
        // futimens: utimensat(fd, NULL, ...).
        found = TRY(path_of_fd(dirfd));
    } else {
        found = TRY(resolve_at(dirfd, path, flags));
    }
    TRY(fs::change_times(found, TRY(current_process_or_error())->credentials(), pointer));
    return 0;
}

Result sys_futimesat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<int64_t> times) {
    fs::Timestamp values[2];
    fs::Timestamp* pointer = nullptr;
    if (!times.is_null()) {
        int64_t raw[4]; // two struct timevals
        TRY(mm::copy_from_user(raw, times, 4));
        for (int i = 0; i < 2; ++i) {
            if (raw[2 * i + 1] < 0 || raw[2 * i + 1] >= 1'000'000)
                return ktl::Errno::InvalidArgument;
            values[i] = {raw[2 * i], raw[2 * i + 1] * 1000};
        }
        pointer = values;
    }
    fs::Path found = TRY(resolve_at(dirfd, path, 0));
    TRY(fs::change_times(found, TRY(current_process_or_error())->credentials(), pointer));
    return 0;
}

Result sys_utimes(mm::UserPtr<const char> path, mm::UserPtr<int64_t> times) {
    return sys_futimesat(at_fdcwd, path, times);
}

Result sys_truncate(mm::UserPtr<const char> path, int64_t length) {
    fs::Path found = TRY(resolve_at(at_fdcwd, path, 0));
    TRY(fs::truncate(found, TRY(current_process_or_error())->credentials(), length));
    return 0;
}

// statfs.
namespace {

struct LinuxStatfs {
    int64_t type;
    int64_t block_size;
    uint64_t blocks;
    uint64_t free_blocks;
    uint64_t available_blocks;
    uint64_t files;
    uint64_t free_files;
    int32_t file_system_id[2];
    int64_t name_length;
    int64_t fragment_size;
    int64_t flags;
    int64_t spare[4];
};
static_assert(sizeof(LinuxStatfs) == 120);

Result write_statfs(const fs::Path& path, mm::UserPtr<uint8_t> buffer) {
    fs::FileSystemStatistics statistics;
    TRY(path.inode().file_system().statistics(statistics));
    LinuxStatfs result{};
    result.type = static_cast<int64_t>(statistics.type);
    result.block_size = static_cast<int64_t>(statistics.block_size);
    result.blocks = statistics.blocks;
    result.free_blocks = statistics.free_blocks;
    result.available_blocks = statistics.available_blocks;
    result.files = statistics.files;
    result.free_files = statistics.free_files;
    uint64_t device = path.inode().file_system().device();
    result.file_system_id[0] = static_cast<int32_t>(device);
    result.file_system_id[1] = static_cast<int32_t>(device >> 32);
    result.name_length = static_cast<int64_t>(statistics.name_length);
    result.fragment_size = static_cast<int64_t>(statistics.block_size);
    // ST_VALID (0x20) says the flags are meaningful, as Linux sets it.
    result.flags = static_cast<int64_t>(path.mount->flags() & (fs::mount_read_only | fs::mount_no_set_uid |
                                                               fs::mount_no_devices | fs::mount_no_execute)) |
                   0x20;
    TRY(mm::copy_to_user(buffer.address(), &result, sizeof result));
    return 0;
}

} // namespace

Result sys_statfs(mm::UserPtr<const char> path, mm::UserPtr<uint8_t> buffer) {
    fs::Path found = TRY(resolve_at(at_fdcwd, path, 0));
    return write_statfs(found, buffer);
}

Result sys_fstatfs(int fd, mm::UserPtr<uint8_t> buffer) {
    fs::Path found = TRY(path_of_fd(fd));
    return write_statfs(found, buffer);
}

// Mounts.
Result sys_mount(mm::UserPtr<const char> source, mm::UserPtr<const char> target, mm::UserPtr<const char> type,
                 uint64_t flags, mm::UserPtr<const char> data) {
    proc::Process* process = TRY(current_process_or_error());
    if (!process->credentials().is_superuser())
        return ktl::Errno::NotPermitted;
    // Linux ignores the magic number some callers still put in the top half.
    if ((flags & 0xffff0000) == 0xc0ed0000)
        flags &= 0xffff;
    UserPath source_text, type_text;
    if (!source.is_null())
        TRY(UserPath::copy(source_text, source, true));
    if (!type.is_null())
        TRY(UserPath::copy(type_text, type, true));
    char options[4096];
    size_t options_length = 0;
    if (!data.is_null()) {
        // Linux copies a page; the options are text for the file systems here.
        auto copied = mm::copy_string_from_user(options, data.address(), sizeof options);
        if (copied.is_error() && copied.error().code() != ktl::Errno::NameTooLong)
            return copied.error();
        options_length = copied.is_error() ? sizeof options - 1 : copied.value();
    }
    fs::Path where = TRY(resolve_at(at_fdcwd, target, 0));
    TRY(fs::mount(source_text.view(), where, type_text.view(), flags,
                  ktl::StringView(options, options_length)));
    return 0;
}

Result sys_umount2(mm::UserPtr<const char> target, uint32_t flags) {
    proc::Process* process = TRY(current_process_or_error());
    if (!process->credentials().is_superuser())
        return ktl::Errno::NotPermitted;
    if (flags & ~(fs::unmount_force | fs::unmount_detach | fs::unmount_expire | fs::unmount_no_follow))
        return ktl::Errno::InvalidArgument;
    fs::Path where =
        TRY(resolve_at(at_fdcwd, target, (flags & fs::unmount_no_follow) ? at_symlink_no_follow : 0));
    TRY(fs::unmount(std::move(where), flags));
    return 0;
}

} // namespace syscalls
