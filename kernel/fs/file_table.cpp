#include "fs/file_table.h"

namespace fs {

ktl::ErrorOr<FileRef> FileTable::get(int fd) {
    if (!valid(fd))
        return ktl::Errno::BadFileDescriptor;
    sync::SpinlockGuard guard(m_lock);
    if (!m_slots[fd].file)
        return ktl::Errno::BadFileDescriptor;
    return FileRef::retain(m_slots[fd].file);
}

ktl::ErrorOr<int> FileTable::install(FileRef file, bool close_on_exec, int lowest) {
    if (lowest < 0 || lowest >= max_descriptors)
        return ktl::Errno::InvalidArgument;
    sync::SpinlockGuard guard(m_lock);
    for (int fd = lowest; fd < max_descriptors; ++fd) {
        if (!m_slots[fd].file) {
            m_slots[fd] = {file.leak(), close_on_exec};
            return fd;
        }
    }
    return ktl::Errno::TooManyOpenFiles;
}

ktl::ErrorOr<void> FileTable::install_at(int fd, FileRef file, bool close_on_exec) {
    if (!valid(fd))
        return ktl::Errno::BadFileDescriptor;
    File* previous;
    {
        sync::SpinlockGuard guard(m_lock);
        previous = m_slots[fd].file;
        m_slots[fd] = {file.leak(), close_on_exec};
    }
    if (previous)
        previous->release(); // outside the lock: the last release may wake a pipe's other end
    return {};
}

ktl::ErrorOr<void> FileTable::close(int fd) {
    if (!valid(fd))
        return ktl::Errno::BadFileDescriptor;
    File* file;
    {
        sync::SpinlockGuard guard(m_lock);
        file = m_slots[fd].file;
        m_slots[fd] = {};
    }
    if (!file)
        return ktl::Errno::BadFileDescriptor;
    file->release();
    return {};
}

ktl::ErrorOr<bool> FileTable::close_on_exec(int fd) {
    if (!valid(fd))
        return ktl::Errno::BadFileDescriptor;
    sync::SpinlockGuard guard(m_lock);
    if (!m_slots[fd].file)
        return ktl::Errno::BadFileDescriptor;
    return m_slots[fd].close_on_exec;
}

ktl::ErrorOr<void> FileTable::set_close_on_exec(int fd, bool value) {
    if (!valid(fd))
        return ktl::Errno::BadFileDescriptor;
    sync::SpinlockGuard guard(m_lock);
    if (!m_slots[fd].file)
        return ktl::Errno::BadFileDescriptor;
    m_slots[fd].close_on_exec = value;
    return {};
}

ktl::ErrorOr<void> FileTable::copy_from(FileTable& other) {
    sync::SpinlockGuard guard(other.m_lock);
    for (int fd = 0; fd < max_descriptors; ++fd) {
        m_slots[fd] = other.m_slots[fd];
        if (m_slots[fd].file)
            m_slots[fd].file->retain();
    }
    return {};
}

void FileTable::close_on_exec_all() {
    for (int fd = 0; fd < max_descriptors; ++fd) {
        File* file = nullptr;
        {
            sync::SpinlockGuard guard(m_lock);
            if (m_slots[fd].close_on_exec) {
                file = m_slots[fd].file;
                m_slots[fd] = {};
            }
        }
        if (file)
            file->release();
    }
}

void FileTable::close_all() {
    for (int fd = 0; fd < max_descriptors; ++fd) {
        File* file;
        {
            sync::SpinlockGuard guard(m_lock);
            file = m_slots[fd].file;
            m_slots[fd] = {};
        }
        if (file)
            file->release();
    }
}

size_t FileTable::open_count() {
    sync::SpinlockGuard guard(m_lock);
    size_t count = 0;
    for (const Slot& slot : m_slots)
        count += slot.file != nullptr;
    return count;
}

} // namespace fs
