#include "fs/open_file.h"

#include "fs/file_locks.h"
#include "mm/kernel_heap.h"

#include <cstring>

namespace fs {

namespace {

constexpr uint32_t kept_flags = ~(open_create | open_exclusive | open_no_controlling_tty | open_truncate);
constexpr uint64_t fionread = 0x541b;

// Linux's struct linux_dirent64, without the name that follows it.
struct DirentHeader {
    uint64_t inode;
    int64_t next_offset;
    uint16_t record_length;
    uint8_t type;
} __attribute__((packed));
static_assert(sizeof(DirentHeader) == 19);

} // namespace

OpenFile::OpenFile(RefPtr<Inode> inode, uint32_t flags)
    : m_inode(static_cast<RefPtr<Inode>&&>(inode)), m_flags(flags & kept_flags) {}

// The description's OFD and flock locks end with it (Linux's locks_remove_file in __fput).
OpenFile::~OpenFile() {
    if (m_inode)
        release_description_locks(*m_inode, description_lock_owner(*this));
    if (m_module)
        module::put(m_module); // the last close of a module's device lets the module go
}

void OpenFile::set_status_flags(uint32_t flags) {
    constexpr uint32_t changeable =
        open_nonblocking | open_append | open_async | open_direct | open_no_access_time;
    uint32_t old = __atomic_load_n(&m_flags, __ATOMIC_RELAXED);
    __atomic_store_n(&m_flags, (old & ~changeable) | (flags & changeable), __ATOMIC_RELAXED);
}

uint64_t OpenFile::offset() {
    sync::MutexLocker locker(m_offset_lock);
    return m_offset;
}

ktl::ErrorOr<size_t> OpenFile::read(IoBuffer buffer, size_t length) {
    if (!m_inode)
        return ktl::Errno::InvalidArgument;
    sync::MutexLocker locker(m_offset_lock);
    size_t done = TRY(m_inode->read_at(m_offset, buffer, length));
    m_offset += done;
    return done;
}

ktl::ErrorOr<size_t> OpenFile::write(IoBuffer buffer, size_t length) {
    if (!m_inode)
        return ktl::Errno::InvalidArgument;
    sync::MutexLocker locker(m_offset_lock);
    if (flags() & open_append) {
        uint64_t end = m_offset;
        size_t done = TRY(m_inode->append(buffer, length, end));
        m_offset = end;
        return done;
    }
    size_t done = TRY(m_inode->write_at(m_offset, buffer, length));
    m_offset += done;
    return done;
}

ktl::ErrorOr<size_t> OpenFile::read_at(uint64_t offset, IoBuffer buffer, size_t length) {
    if (!m_inode)
        return ktl::Errno::IllegalSeek;
    return m_inode->read_at(offset, buffer, length);
}

ktl::ErrorOr<size_t> OpenFile::write_at(uint64_t offset, IoBuffer buffer, size_t length) {
    if (!m_inode)
        return ktl::Errno::IllegalSeek;
    // Linux: pwrite on an O_APPEND description appends whatever the offset says.
    if (flags() & open_append) {
        uint64_t end = 0;
        return m_inode->append(buffer, length, end);
    }
    return m_inode->write_at(offset, buffer, length);
}

ktl::ErrorOr<int64_t> OpenFile::seek(int64_t offset, Whence whence) {
    if (!is_seekable())
        return ktl::Errno::IllegalSeek;
    sync::MutexLocker locker(m_offset_lock);
    int64_t base = 0;
    switch (whence) {
    case Whence::Set:
        break;
    case Whence::Current:
        base = static_cast<int64_t>(m_offset);
        break;
    case Whence::End:
    case Whence::Data:
    case Whence::Hole: {
        InodeMetadata metadata = TRY(this->metadata());
        int64_t size = static_cast<int64_t>(metadata.size);
        if (whence == Whence::End) {
            base = size;
            break;
        }
        // Every byte is data as far as we say: SEEK_DATA stays, SEEK_HOLE goes to the end.
        if (offset < 0 || offset >= size)
            return ktl::Errno::NoDeviceOrAddress;
        if (whence == Whence::Hole)
            offset = size;
        break;
    }
    default:
        return ktl::Errno::InvalidArgument;
    }
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
        return ktl::Errno::InvalidArgument;
    m_offset = static_cast<uint64_t>(base + offset);
    return static_cast<int64_t>(m_offset);
}

ktl::ErrorOr<void> OpenFile::sync(bool data_only) {
    if (!m_inode)
        return ktl::Errno::InvalidArgument;
    return m_inode->sync(data_only);
}

ktl::ErrorOr<long> OpenFile::ioctl(uint64_t request, uint64_t argument) {
    if (request == fionread && m_inode) {
        InodeMetadata metadata = m_inode->metadata();
        if (metadata.is_regular()) {
            uint64_t here = offset();
            int32_t available = metadata.size > here ? static_cast<int32_t>(metadata.size - here) : 0;
            TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &available));
            return 0;
        }
    }
    return ktl::Errno::NotTerminal;
}

uint32_t OpenFile::poll_events() {
    // Regular files and directories are always ready, as POSIX says.
    return poll_in | poll_read_normal | poll_out | poll_write_normal;
}

sched::WaitQueue* OpenFile::poll_queue() {
    return m_inode ? &m_inode->wait_queue() : nullptr;
}

ktl::ErrorOr<RefPtr<mm::MappedObject>> OpenFile::mapping_object() {
    if (!m_inode)
        return ktl::Errno::NoDevice;
    return m_inode->create_mapping();
}

ktl::ErrorOr<InodeMetadata> OpenFile::metadata() {
    if (!m_inode)
        return ktl::Errno::BadFileDescriptor;
    return m_inode->metadata();
}

ktl::ErrorOr<size_t> OpenFile::read_directory(IoBuffer buffer, size_t length) {
    if (!m_inode)
        return ktl::Errno::NotDirectory;
    sync::MutexLocker locker(m_offset_lock);
    // Records are gathered in a kernel buffer and copied out in few large pieces: one user copy
    // per 20-byte record cost more than the records.
    constexpr size_t staging_capacity = 4096;
    auto* staging = static_cast<char*>(mm::kmalloc(staging_capacity));
    if (!staging)
        return ktl::Errno::NoMemory;
    size_t staged = 0;              // bytes in `staging`
    size_t flushed = 0;             // bytes already copied to `buffer`
    uint64_t staged_end = m_offset; // the offset after the last staged record
    ktl::Error failure = ktl::Error::from_errno(ktl::Errno::InvalidArgument);
    bool failed = false;
    bool too_small = false;
    auto flush = [&]() -> bool {
        if (staged == 0)
            return true;
        if (auto written = buffer.write(staging, staged, flushed); written.is_error()) {
            failure = written.error();
            failed = true;
            return false;
        }
        flushed += staged;
        staged = 0;
        m_offset = staged_end;
        return true;
    };
    auto listed = m_inode->read_directory(m_offset, [&](const DirectoryEntry& entry) {
        size_t record = (sizeof(DirentHeader) + entry.name.length() + 1 + 7) & ~size_t(7);
        if (flushed + staged + record > length) {
            too_small = flushed + staged == 0;
            return false;
        }
        if (staged + record > staging_capacity && !flush())
            return false;
        DirentHeader header{entry.inode, static_cast<int64_t>(entry.next_cookie),
                            static_cast<uint16_t>(record), entry.type};
        char* at = staging + staged;
        memcpy(at, &header, sizeof header);
        memcpy(at + sizeof header, entry.name.data(), entry.name.length());
        // The NUL and the padding: at most eight bytes, stored one by one.
        for (size_t pad = sizeof header + entry.name.length(); pad < record; ++pad)
            at[pad] = 0;
        staged += record;
        staged_end = entry.next_cookie;
        return true;
    });
    if (!failed)
        flush();
    mm::kfree(staging);
    TRY(listed);
    if (failed && flushed == 0)
        return failure;
    if (too_small)
        return ktl::Errno::InvalidArgument;
    return flushed;
}

} // namespace fs
