// A process's file descriptors: small integers naming open file descriptions, each with its own
// close-on-exec flag. Lowest free number first, as POSIX requires. A table is reference counted so
// that clone(CLONE_FILES) can share it between processes.
#pragma once

#include "fs/open_file.h"
#include "sync/spinlock.h"

#include <cstddef>

namespace fs {

class FileTable : public ktl::RefCounted<FileTable> {
public:
    static constexpr int max_descriptors = 1024; // what RLIMIT_NOFILE reports, as Linux's default

    FileTable() = default;
    ~FileTable() { close_all(); }
    FileTable(const FileTable&) = delete;
    FileTable& operator=(const FileTable&) = delete;

    // The description behind `fd`, with a reference for the caller; BadFileDescriptor if none.
    ktl::ErrorOr<RefPtr<OpenFile>> get(int fd);
    // Installs `file` at the lowest free number >= `lowest`; TooManyOpenFiles if none.
    ktl::ErrorOr<int> install(RefPtr<OpenFile> file, bool close_on_exec, int lowest = 0);
    // dup2/dup3: `file` goes to exactly `fd`, closing what was there.
    ktl::ErrorOr<void> install_at(int fd, RefPtr<OpenFile> file, bool close_on_exec);
    ktl::ErrorOr<void> close(int fd);
    // close_range(2): closes (or, with `only_mark_close_on_exec`, marks) every open fd in [first, last].
    void close_range(unsigned first, unsigned last, bool only_mark_close_on_exec);
    ktl::ErrorOr<bool> close_on_exec(int fd);
    ktl::ErrorOr<void> set_close_on_exec(int fd, bool value);
    // A copy sharing every description, for a child that does not share the table.
    ktl::ErrorOr<RefPtr<FileTable>> clone();
    void close_on_exec_all();
    void close_all();
    size_t open_count();
    // The highest open fd + 1 (0 when none is open), for /proc/PID/fd listings.
    int end();
    // RLIMIT_NOFILE: new descriptors stay below it (install: EMFILE, install_at: EBADF); those
    // already open above it stay open, as on Linux.
    void set_limit(uint64_t limit) {
        int bounded =
            limit < static_cast<uint64_t>(max_descriptors) ? static_cast<int>(limit) : max_descriptors;
        __atomic_store_n(&m_limit, bounded, __ATOMIC_RELAXED);
    }
    int limit() const { return __atomic_load_n(&m_limit, __ATOMIC_RELAXED); }

private:
    struct Slot {
        OpenFile* file = nullptr; // one reference
        bool close_on_exec = false;
    };
    static bool valid(int fd) { return fd >= 0 && fd < max_descriptors; }
    // Drops the table's reference to a description taken out of a slot, after this table's POSIX
    // locks on its file: Linux drops them on every close of any fd of the file. Without m_lock held.
    void release_closed(OpenFile* file);
    sync::Spinlock m_lock;
    int m_limit = max_descriptors;
    Slot m_slots[max_descriptors];
};

} // namespace fs
