#include "fs/generated_file.h"

#include <cstdint>

namespace fs {

ktl::ErrorOr<size_t> GeneratedFile::read(IoBuffer buffer, size_t length) {
    sync::MutexLocker locker(m_position_lock);
    size_t done = TRY(copy_out(m_position, buffer, length));
    m_position += done;
    return done;
}

ktl::ErrorOr<size_t> GeneratedFile::read_at(uint64_t offset, IoBuffer buffer, size_t length) {
    return copy_out(offset, buffer, length);
}

ktl::ErrorOr<int64_t> GeneratedFile::seek(int64_t offset, Whence whence) {
    sync::MutexLocker locker(m_position_lock);
    int64_t base = 0;
    if (whence == Whence::Current)
        base = static_cast<int64_t>(m_position);
    else if (whence == Whence::End)
        base = static_cast<int64_t>(m_content.length());
    else if (whence != Whence::Set)
        return ktl::Errno::InvalidArgument;
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
        return ktl::Errno::InvalidArgument;
    m_position = static_cast<uint64_t>(base + offset);
    return static_cast<int64_t>(m_position);
}

ktl::ErrorOr<size_t> GeneratedFile::copy_out(uint64_t offset, IoBuffer buffer, size_t length) {
    if (offset >= m_content.length())
        return 0;
    size_t available = m_content.length() - offset;
    size_t count = length < available ? length : available;
    TRY(buffer.write(m_content.characters() + offset, count));
    return count;
}

} // namespace fs
