// Reads DWARF fields one after another from one range of bytes, never past its end: fixed-size
// little-endian values, LEB128, NUL-terminated strings. Shared by the call-frame and debug-info readers.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace dwarf {

class ByteCursor {
public:
    ByteCursor(ktl::ByteReader bytes, size_t offset = 0) : m_bytes(bytes), m_offset(offset) {}

    size_t offset() const { return m_offset; }
    size_t size() const { return m_bytes.size(); }
    bool at_end() const { return m_offset >= m_bytes.size(); }
    ktl::ByteReader bytes() const { return m_bytes; }

    template <typename T>
    ktl::ErrorOr<T> read() {
        T value = TRY(m_bytes.read<T>(m_offset));
        m_offset += sizeof(T);
        return value;
    }

    // A little-endian unsigned value of 1 to 8 bytes (3 for strx3/addrx3).
    ktl::ErrorOr<uint64_t> read_sized(size_t size) {
        if (size == 0 || size > 8 || !m_bytes.contains(m_offset, size))
            return ktl::Errno::InvalidArgument;
        uint64_t value = 0;
        for (size_t i = 0; i < size; ++i)
            value |= static_cast<uint64_t>(m_bytes.data()[m_offset + i]) << (8 * i);
        m_offset += size;
        return value;
    }

    // LEB128 longer than 64 bits is accepted (padding); its excess bits are dropped.
    ktl::ErrorOr<uint64_t> read_uleb128() {
        uint64_t value = 0;
        unsigned shift = 0;
        for (;;) {
            uint8_t byte = TRY(read<uint8_t>());
            if (shift < 64)
                value |= static_cast<uint64_t>(byte & 0x7f) << shift;
            shift += 7;
            if (!(byte & 0x80))
                return value;
        }
    }

    ktl::ErrorOr<int64_t> read_sleb128() {
        uint64_t value = 0;
        unsigned shift = 0;
        uint8_t byte = 0;
        do {
            byte = TRY(read<uint8_t>());
            if (shift < 64)
                value |= static_cast<uint64_t>(byte & 0x7f) << shift;
            shift += 7;
        } while (byte & 0x80);
        if (shift < 64 && (byte & 0x40))
            value |= ~uint64_t(0) << shift;
        return static_cast<int64_t>(value);
    }

    ktl::ErrorOr<void> skip(uint64_t count) {
        if (!m_bytes.contains(m_offset, count))
            return ktl::Errno::InvalidArgument;
        m_offset += count;
        return {};
    }

    ktl::ErrorOr<void> skip_string() {
        for (size_t i = m_offset; i < m_bytes.size(); ++i) {
            if (m_bytes.data()[i] == 0) {
                m_offset = i + 1;
                return {};
            }
        }
        return ktl::Errno::InvalidArgument;
    }

    ktl::ErrorOr<void> seek(size_t offset) {
        if (offset > m_bytes.size())
            return ktl::Errno::InvalidArgument;
        m_offset = offset;
        return {};
    }

private:
    ktl::ByteReader m_bytes;
    size_t m_offset;
};

} // namespace dwarf
