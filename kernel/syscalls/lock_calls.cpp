// File lock calls: fcntl's record-lock commands (F_GETLK, F_SETLK, F_SETLKW and the OFD forms) and
// flock(2), turning Linux's struct flock and flags into fs/file_locks.h requests.
#include "fs/file_locks.h"
#include "syscalls/file_support.h"

#include <cstddef>

namespace syscalls {

namespace {

enum : int16_t { lock_read = 0, lock_write = 1, lock_unlock = 2 }; // F_RDLCK, F_WRLCK, F_UNLCK
enum : uint32_t { flock_shared = 1, flock_exclusive = 2, flock_nonblocking = 4, flock_unlock = 8 };

// Linux's struct flock on x86-64 (off_t and pid_t as there).
struct LinuxFlock {
    int16_t type;
    int16_t whence;
    int64_t start;
    int64_t length;
    int32_t pid;
};
static_assert(sizeof(LinuxFlock) == 32);
static_assert(offsetof(LinuxFlock, whence) == 2 && offsetof(LinuxFlock, start) == 8);
static_assert(offsetof(LinuxFlock, length) == 16 && offsetof(LinuxFlock, pid) == 24);

bool is_ofd_command(int command) {
    return command == fcntl_ofd_getlk || command == fcntl_ofd_setlk || command == fcntl_ofd_setlkw;
}

// l_whence, l_start and l_len as a byte range (Linux's flock64_to_posix_lock).
ktl::ErrorOr<fs_locks::ByteRange> range_of(fs::OpenFile& file, const LinuxFlock& request) {
    int64_t base;
    switch (static_cast<fs::Whence>(request.whence)) {
    case fs::Whence::Set:
        base = 0;
        break;
    case fs::Whence::Current:
        base = static_cast<int64_t>(file.offset());
        break;
    case fs::Whence::End:
        base = static_cast<int64_t>(file.inode()->metadata().size);
        break;
    default:
        return ktl::Errno::InvalidArgument;
    }
    return fs_locks::resolve_range(base, request.start, request.length);
}

ktl::ErrorOr<long> get_lock(fs::OpenFile& file, fs_locks::Owner owner, int command, LinuxFlock& request) {
    if (request.type != lock_read && request.type != lock_write)
        return ktl::Errno::InvalidArgument;
    fs_locks::ByteRange range = TRY(range_of(file, request));
    if (command == fcntl_ofd_getlk && request.pid != 0)
        return ktl::Errno::InvalidArgument;
    fs_locks::LockType type =
        request.type == lock_write ? fs_locks::LockType::Write : fs_locks::LockType::Read;
    fs_locks::RecordLock conflict;
    if (!TRY(fs::find_record_conflict(*file.inode(), owner, type, range, conflict))) {
        request.type = lock_unlock; // the rest stays as the caller wrote it, as on Linux
        return 0;
    }
    request.type = conflict.type == fs_locks::LockType::Write ? lock_write : lock_read;
    request.whence = static_cast<int16_t>(fs::Whence::Set);
    request.start = conflict.range.start;
    request.length = fs_locks::reported_length(conflict.range);
    request.pid = conflict.pid;
    return 0;
}

ktl::ErrorOr<long> set_lock(int fd, fs::OpenFile& file, fs::RecordLockRequest lock, int command,
                            const LinuxFlock& request) {
    lock.range = TRY(range_of(file, request));
    switch (request.type) {
    case lock_read:
        lock.type = fs::LockRequest::Read;
        if (!file.can_read())
            return ktl::Errno::BadFileDescriptor;
        break;
    case lock_write:
        lock.type = fs::LockRequest::Write;
        if (!file.can_write())
            return ktl::Errno::BadFileDescriptor;
        break;
    case lock_unlock:
        lock.type = fs::LockRequest::Unlock;
        break;
    default:
        return ktl::Errno::InvalidArgument;
    }
    if (lock.owned_by_description && request.pid != 0)
        return ktl::Errno::InvalidArgument;
    lock.wait = command == fcntl_setlkw || command == fcntl_ofd_setlkw;
    TRY(fs::set_record_lock(*file.inode(), lock));
    // A close of the fd while we set (or waited for) the lock could not drop it yet: drop it now
    // (Linux's fcntl_setlk re-checks the same way).
    if (!lock.owned_by_description && lock.type != fs::LockRequest::Unlock) {
        auto now = TRY(current_files())->get(fd);
        if (now.is_error() || now.value().ptr() != &file) {
            lock.type = fs::LockRequest::Unlock;
            (void)fs::set_record_lock(*file.inode(), lock);
        }
    }
    return 0;
}

} // namespace

ktl::ErrorOr<long> fcntl_record_lock(int fd, fs::OpenFile& file, int command, uint64_t argument) {
    if (file.is_path_only() || !file.inode())
        return ktl::Errno::BadFileDescriptor;
    mm::UserPtr<LinuxFlock> user_request(argument);
    LinuxFlock request;
    TRY(mm::copy_from_user(&request, user_request));
    fs::FileTable* table = TRY(current_files());
    bool ofd = is_ofd_command(command);
    fs_locks::Owner owner = ofd ? fs::description_lock_owner(file) : fs::posix_lock_owner(*table);
    if (command == fcntl_getlk || command == fcntl_ofd_getlk) {
        TRY(get_lock(file, owner, command, request));
        TRY(mm::copy_to_user(user_request, &request));
        return 0;
    }
    fs::RecordLockRequest lock;
    lock.owner = owner;
    lock.pid = ofd ? -1 : static_cast<int32_t>(proc::current_process()->pid());
    lock.owned_by_description = ofd;
    return set_lock(fd, file, lock, command, request);
}

Result sys_flock(int fd, uint32_t operation) {
    bool wait = !(operation & flock_nonblocking);
    fs::LockRequest request;
    switch (operation & ~flock_nonblocking) {
    case flock_shared:
        request = fs::LockRequest::Read;
        break;
    case flock_exclusive:
        request = fs::LockRequest::Write;
        break;
    case flock_unlock:
        request = fs::LockRequest::Unlock;
        break;
    default:
        return ktl::Errno::InvalidArgument;
    }
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (file->is_path_only() || !file->inode())
        return ktl::Errno::BadFileDescriptor;
    TRY(fs::set_flock(*file->inode(), fs::description_lock_owner(*file), request, wait));
    return 0;
}

} // namespace syscalls
