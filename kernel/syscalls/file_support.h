// What the file calls share: the caller's file table, paths copied from user space, the Lookup a
// (dirfd, path) pair means, and Linux's stat layouts.
#pragma once

#include "fs/vfs.h"
#include "mm/kernel_heap.h"
#include "proc/process.h"
#include "syscalls/handlers.h"

namespace syscalls {

inline constexpr int at_fdcwd = -100;

// fcntl(2) commands (Linux's values); file_calls.cpp handles them, lock_calls.cpp the locks.
enum : int {
    fcntl_dupfd = 0,
    fcntl_getfd = 1,
    fcntl_setfd = 2,
    fcntl_getfl = 3,
    fcntl_setfl = 4,
    fcntl_getlk = 5,
    fcntl_setlk = 6,
    fcntl_setlkw = 7,
    fcntl_setown = 8,
    fcntl_getown = 9,
    fcntl_ofd_getlk = 36,
    fcntl_ofd_setlk = 37,
    fcntl_ofd_setlkw = 38,
    fcntl_dupfd_cloexec = 1030,
    fcntl_setpipe_size = 1031,
    fcntl_getpipe_size = 1032,
    fcntl_add_seals = 1033,
    fcntl_get_seals = 1034,
};

ktl::ErrorOr<proc::Process*> current_process_or_error();
ktl::ErrorOr<fs::FileTable*> current_files();

// A path copied in from user space: at most PATH_MAX bytes with the NUL (ENAMETOOLONG beyond),
// EFAULT for a bad pointer. Empty paths are ENOENT unless `allow_empty` (AT_EMPTY_PATH).
class UserPath {
public:
    UserPath() = default;
    ~UserPath() {
        if (m_text != m_inline)
            mm::kfree(m_text);
    }
    UserPath(const UserPath&) = delete;
    UserPath& operator=(const UserPath&) = delete;
    static ktl::ErrorOr<void> copy(UserPath& path, mm::UserPtr<const char> source, bool allow_empty = false);
    ktl::StringView view() const { return ktl::StringView(m_text, m_length); }

private:
    // Most paths are short: they stay on the stack, and only long ones take a PATH_MAX buffer.
    static constexpr size_t inline_capacity = 192;
    char m_inline[inline_capacity];
    char* m_text = m_inline;
    size_t m_length = 0;
};

// The Lookup for `path` relative to `dirfd` (AT_FDCWD or a directory's fd): ENOTDIR if dirfd is
// not a directory, EBADF if it is not open (only when the path is relative, as Linux).
ktl::ErrorOr<fs::Lookup> lookup_at(int dirfd, ktl::StringView path);

// What fstat, fstatat and AT_EMPTY_PATH calls act on: the path behind `fd`.
ktl::ErrorOr<fs::Path> path_of_fd(int fd);

// Linux's struct stat on x86-64.
struct LinuxStat {
    uint64_t device;
    uint64_t inode;
    uint64_t link_count;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t padding0;
    uint64_t rdev;
    int64_t size;
    int64_t block_size;
    int64_t blocks;
    int64_t access_seconds, access_nanoseconds;
    int64_t modify_seconds, modify_nanoseconds;
    int64_t change_seconds, change_nanoseconds;
    int64_t reserved[3];
};
static_assert(sizeof(LinuxStat) == 144);
LinuxStat to_linux_stat(const fs::InodeMetadata& metadata);

// fcntl's record-lock commands (F_GETLK, F_SETLK, F_SETLKW, F_OFD_*) on `file`, the description
// behind `fd`; `argument` points at a struct flock (syscalls/lock_calls.cpp).
ktl::ErrorOr<long> fcntl_record_lock(int fd, fs::OpenFile& file, int command, uint64_t argument);

} // namespace syscalls
