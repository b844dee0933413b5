#include "fs/file.h"

namespace fs {

ktl::ErrorOr<size_t> File::read(mm::UserPtr<char>, size_t) {
    return ktl::Errno::InvalidArgument;
}

ktl::ErrorOr<size_t> File::write(mm::UserPtr<const char>, size_t) {
    return ktl::Errno::InvalidArgument;
}

ktl::ErrorOr<long> File::ioctl(uint64_t, uint64_t) {
    return ktl::Errno::NotTerminal;
}

void File::set_status_flags(uint32_t flags) {
    // Only these may change after open (fcntl F_SETFL); the access mode never does.
    constexpr uint32_t changeable = open_nonblocking | open_append;
    __atomic_store_n(&m_flags, (m_flags & ~changeable) | (flags & changeable), __ATOMIC_RELAXED);
}

} // namespace fs
