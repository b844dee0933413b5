// A process's file descriptors: small integers naming open file descriptions, each with its own
// close-on-exec flag. Lowest free number first, as POSIX requires.
#pragma once

#include "fs/file.h"
#include "sync/spinlock.h"

#include <cstddef>

namespace fs {

class FileTable {
public:
    static constexpr int max_descriptors = 256; // what RLIMIT_NOFILE reports

    FileTable() = default;
    ~FileTable() { close_all(); }
    FileTable(const FileTable&) = delete;
    FileTable& operator=(const FileTable&) = delete;

    // The description behind `fd`, with a reference for the caller; BadFileDescriptor if none.
    ktl::ErrorOr<FileRef> get(int fd);
    // Installs `file` at the lowest free number >= `lowest`; TooManyOpenFiles if none.
    ktl::ErrorOr<int> install(FileRef file, bool close_on_exec, int lowest = 0);
    // dup2/dup3: `file` goes to exactly `fd`, closing what was there.
    ktl::ErrorOr<void> install_at(int fd, FileRef file, bool close_on_exec);
    ktl::ErrorOr<void> close(int fd);
    ktl::ErrorOr<bool> close_on_exec(int fd);
    ktl::ErrorOr<void> set_close_on_exec(int fd, bool value);
    // A copy sharing every description, for a child that does not share the table.
    ktl::ErrorOr<void> copy_from(FileTable& other);
    void close_on_exec_all();
    void close_all();
    size_t open_count();

private:
    struct Slot {
        File* file = nullptr;
        bool close_on_exec = false;
    };
    static bool valid(int fd) { return fd >= 0 && fd < max_descriptors; }
    sync::Spinlock m_lock;
    Slot m_slots[max_descriptors];
};

} // namespace fs
