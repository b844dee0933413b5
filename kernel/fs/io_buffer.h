// A transfer's memory: user memory (read(2), write(2)) or kernel memory (execve reading a program,
// procfs, the initrd unpacker). Every file operation takes one, so the kernel reads files through
// the same calls user space does; only user memory is checked and copied fault-safely.
#pragma once

#include "ktl/error_or.h"
#include "mm/user_memory.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fs {

class IoBuffer {
public:
    static IoBuffer user(uint64_t address) { return IoBuffer(address, true); }
    template <typename T>
    static IoBuffer user(mm::UserPtr<T> pointer) {
        return IoBuffer(pointer.address(), true);
    }
    static IoBuffer kernel(void* address) {
        return IoBuffer(reinterpret_cast<uint64_t>(address), true, false);
    }
    static IoBuffer kernel(const void* address) {
        return IoBuffer(reinterpret_cast<uint64_t>(address), false, false);
    }

    bool is_user() const { return m_user; }
    IoBuffer offset(size_t bytes) const { return IoBuffer(m_address + bytes, m_writable, m_user); }

    // Into the buffer, at `at` bytes from its start.
    ktl::ErrorOr<void> write(const void* source, size_t length, size_t at = 0) const {
        if (m_user)
            return mm::copy_to_user(m_address + at, source, length);
        if (!m_writable)
            return ktl::Errno::BadAddress;
        memcpy(reinterpret_cast<void*>(m_address + at), source, length);
        return {};
    }
    // Out of the buffer.
    ktl::ErrorOr<void> read(void* destination, size_t length, size_t at = 0) const {
        if (m_user)
            return mm::copy_from_user(destination, m_address + at, length);
        memcpy(destination, reinterpret_cast<const void*>(m_address + at), length);
        return {};
    }
    ktl::ErrorOr<void> fill_zero(size_t length, size_t at = 0) const {
        if (m_user)
            return mm::clear_user(m_address + at, length);
        if (!m_writable)
            return ktl::Errno::BadAddress;
        memset(reinterpret_cast<void*>(m_address + at), 0, length);
        return {};
    }

    // Brings the buffer's user pages in before a file system takes a lock the page-fault path may
    // need too (a mapping of the very file being read or written). Rewrites each page's first byte
    // with itself when the buffer will be written, so a copy-on-write page is copied now.
    ktl::ErrorOr<void> prefault(size_t length, bool will_write) const {
        if (!m_user || length == 0)
            return {};
        constexpr uint64_t page = 4096;
        uint64_t end = m_address + length;
        for (uint64_t at = m_address; at < end; at = (at & ~(page - 1)) + page) {
            uint8_t byte;
            TRY(mm::copy_from_user(&byte, at, 1));
            if (will_write)
                TRY(mm::copy_to_user(at, &byte, 1));
        }
        return {};
    }

private:
    explicit IoBuffer(uint64_t address, bool writable, bool user = true)
        : m_address(address), m_writable(writable), m_user(user) {}
    uint64_t m_address;
    bool m_writable;
    bool m_user;
};

} // namespace fs
