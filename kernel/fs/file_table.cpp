#include "fs/file_table.h"

#include "fs/file_locks.h"

namespace fs {

ktl::ErrorOr<RefPtr<OpenFile>> FileTable::get(int fd) {
    if (!valid(fd))
        return ktl::Errno::BadFileDescriptor;
    sync::SpinlockGuard guard(m_lock);
    if (!m_slots[fd].file)
        return ktl::Errno::BadFileDescriptor;
    return RefPtr<OpenFile>(m_slots[fd].file);
}

ktl::ErrorOr<int> FileTable::install(RefPtr<OpenFile> file, bool close_on_exec, int lowest) {
    if (lowest < 0 || lowest >= max_descriptors)
        return ktl::Errno::InvalidArgument;
    int end = limit();
    sync::SpinlockGuard guard(m_lock);
    for (int fd = lowest; fd < end; ++fd) {
        if (!m_slots[fd].file) {
            m_slots[fd] = {file.leak_ref(), close_on_exec};
            return fd;
        }
    }
    return ktl::Errno::TooManyOpenFiles;
}

ktl::ErrorOr<void> FileTable::install_at(int fd, RefPtr<OpenFile> file, bool close_on_exec) {
    if (!valid(fd) || fd >= limit())
        return ktl::Errno::BadFileDescriptor;
    OpenFile* previous;
    {
        sync::SpinlockGuard guard(m_lock);
        previous = m_slots[fd].file;
        m_slots[fd] = {file.leak_ref(), close_on_exec};
    }
    if (previous)
        release_closed(previous); // outside the lock: the last reference may wake a pipe's other end
    return {};
}

ktl::ErrorOr<void> FileTable::close(int fd) {
    if (!valid(fd))
        return ktl::Errno::BadFileDescriptor;
    OpenFile* file;
    {
        sync::SpinlockGuard guard(m_lock);
        file = m_slots[fd].file;
        m_slots[fd] = {};
    }
    if (!file)
        return ktl::Errno::BadFileDescriptor;
    release_closed(file);
    return {};
}

void FileTable::close_range(unsigned first, unsigned last, bool only_mark_close_on_exec) {
    if (last >= static_cast<unsigned>(max_descriptors))
        last = max_descriptors - 1;
    for (unsigned fd = first; fd <= last && fd < static_cast<unsigned>(max_descriptors); ++fd) {
        OpenFile* file = nullptr;
        {
            sync::SpinlockGuard guard(m_lock);
            if (only_mark_close_on_exec) {
                if (m_slots[fd].file)
                    m_slots[fd].close_on_exec = true;
                continue;
            }
            file = m_slots[fd].file;
            m_slots[fd] = {};
        }
        if (file)
            release_closed(file);
    }
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

ktl::ErrorOr<RefPtr<FileTable>> FileTable::clone() {
    RefPtr<FileTable> copy = TRY(ktl::try_make_ref_counted<FileTable>());
    copy->set_limit(static_cast<uint64_t>(limit()));
    sync::SpinlockGuard guard(m_lock);
    for (int fd = 0; fd < max_descriptors; ++fd) {
        copy->m_slots[fd] = m_slots[fd];
        if (m_slots[fd].file)
            m_slots[fd].file->ref();
    }
    return copy;
}

void FileTable::close_on_exec_all() {
    for (int fd = 0; fd < max_descriptors; ++fd) {
        OpenFile* file = nullptr;
        {
            sync::SpinlockGuard guard(m_lock);
            if (m_slots[fd].close_on_exec) {
                file = m_slots[fd].file;
                m_slots[fd] = {};
            }
        }
        if (file)
            release_closed(file);
    }
}

void FileTable::close_all() {
    for (int fd = 0; fd < max_descriptors; ++fd) {
        OpenFile* file;
        {
            sync::SpinlockGuard guard(m_lock);
            file = m_slots[fd].file;
            m_slots[fd] = {};
        }
        if (file)
            release_closed(file);
    }
}

size_t FileTable::open_count() {
    sync::SpinlockGuard guard(m_lock);
    size_t count = 0;
    for (const Slot& slot : m_slots)
        count += slot.file != nullptr;
    return count;
}

void FileTable::release_closed(OpenFile* file) {
    if (file->inode())
        release_posix_locks(*file->inode(), posix_lock_owner(*this));
    file->unref();
}

int FileTable::end() {
    sync::SpinlockGuard guard(m_lock);
    for (int fd = max_descriptors; fd > 0; --fd)
        if (m_slots[fd - 1].file)
            return fd;
    return 0;
}

} // namespace fs
