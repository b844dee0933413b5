// Bounds-checked little-endian reads from a byte range: every boot-time parser reads hostile input
// through this, so an out-of-range field is an error and never a wild read.
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ktl {

class ByteReader {
public:
    constexpr ByteReader() = default;
    constexpr ByteReader(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}

    constexpr const uint8_t* data() const { return m_data; }
    constexpr size_t size() const { return m_size; }

    // Sub-range [offset, offset+length), or EINVAL when it does not lie inside this one.
    ErrorOr<ByteReader> slice(size_t offset, size_t length) const {
        if (!contains(offset, length))
            return Errno::InvalidArgument;
        return ByteReader(m_data + offset, length);
    }

    template <typename T>
    requires std::is_integral_v<T> ErrorOr<T> read(size_t offset)
    const {
        if (!contains(offset, sizeof(T)))
            return Errno::InvalidArgument;
        std::make_unsigned_t<T> value = 0;
        for (size_t i = 0; i < sizeof(T); ++i)
            value |= static_cast<std::make_unsigned_t<T>>(
                static_cast<std::make_unsigned_t<T>>(m_data[offset + i]) << (8 * i));
        return static_cast<T>(value);
    }

    constexpr bool contains(size_t offset, size_t length) const {
        return offset <= m_size && length <= m_size - offset;
    }

private:
    const uint8_t* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace ktl
