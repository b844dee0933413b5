// An open file description: what a file descriptor refers to (Linux's `struct file`). Several
// descriptors, in one process or in several after a clone, may share one; it goes away with its
// last reference. Kinds so far: the console terminal and pipes; the VFS adds regular files.
#pragma once

#include "ktl/error_or.h"
#include "mm/user_memory.h"

#include <cstddef>
#include <cstdint>

namespace fs {

// open(2) status flags kept on the description (Linux's values).
enum : uint32_t {
    open_read_only = 0,
    open_write_only = 1,
    open_read_write = 2,
    open_access_mode = 3,
    open_nonblocking = 04000,
    open_append = 02000,
    open_close_on_exec = 02000000,
};

// The part of Linux's `struct stat` the kinds here can fill (see syscalls for the ABI layout).
struct FileStatus {
    uint32_t mode = 0; // S_IFMT bits and permissions
    uint64_t size = 0;
    uint64_t device = 0;
    uint64_t rdev = 0;
    uint64_t inode = 0;
    uint32_t block_size = 4096;
};

class File {
public:
    explicit File(uint32_t flags) : m_flags(flags) {}
    virtual ~File() = default;
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    virtual ktl::ErrorOr<size_t> read(mm::UserPtr<char> buffer, size_t length);
    virtual ktl::ErrorOr<size_t> write(mm::UserPtr<const char> buffer, size_t length);
    virtual ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument);
    virtual ktl::ErrorOr<void> status(FileStatus& status) = 0;
    virtual bool is_terminal() const { return false; }
    // A short description for logs and /proc later: "tty", "pipe".
    virtual const char* kind() const = 0;

    bool can_read() const { return (m_flags & open_access_mode) != open_write_only; }
    bool can_write() const { return (m_flags & open_access_mode) != open_read_only; }
    uint32_t flags() const { return m_flags; }
    void set_status_flags(uint32_t flags);

    void retain() { __atomic_add_fetch(&m_references, 1, __ATOMIC_RELAXED); }
    void release() {
        if (__atomic_sub_fetch(&m_references, 1, __ATOMIC_ACQ_REL) == 0)
            delete this;
    }

private:
    uint32_t m_flags;
    uint32_t m_references = 1;
};

// A counted reference, so a syscall keeps its file alive while another task closes the descriptor.
class FileRef {
public:
    FileRef() = default;
    // Adopts one reference.
    static FileRef adopt(File* file) { return FileRef(file); }
    static FileRef retain(File* file) {
        if (file)
            file->retain();
        return FileRef(file);
    }
    FileRef(FileRef&& other) : m_file(other.m_file) { other.m_file = nullptr; }
    FileRef& operator=(FileRef&& other) {
        if (this != &other) {
            reset();
            m_file = other.m_file;
            other.m_file = nullptr;
        }
        return *this;
    }
    FileRef(const FileRef&) = delete;
    FileRef& operator=(const FileRef&) = delete;
    ~FileRef() { reset(); }
    void reset() {
        if (m_file)
            m_file->release();
        m_file = nullptr;
    }
    File* get() const { return m_file; }
    File* operator->() const { return m_file; }
    explicit operator bool() const { return m_file != nullptr; }
    File* leak() {
        File* file = m_file;
        m_file = nullptr;
        return file;
    }

private:
    explicit FileRef(File* file) : m_file(file) {}
    File* m_file = nullptr;
};

} // namespace fs
