// A vector with inline storage of fixed capacity, for tables built before any heap exists.
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <new>
#include <utility>

namespace ktl {

template <typename T, size_t Capacity>
class FixedVector {
public:
    FixedVector() = default;
    FixedVector(const FixedVector& other) {
        for (const T& item : other)
            (void)try_append(item);
    }
    FixedVector& operator=(const FixedVector& other) {
        if (this != &other) {
            clear();
            for (const T& item : other)
                (void)try_append(item);
        }
        return *this;
    }
    ~FixedVector() { clear(); }

    [[nodiscard]] ErrorOr<void> try_append(T value) {
        if (m_size == Capacity)
            return Errno::NoSpace;
        new (slot(m_size)) T(std::move(value));
        ++m_size;
        return {};
    }
    void remove(size_t index) {
        for (size_t i = index; i + 1 < m_size; ++i)
            (*this)[i] = std::move((*this)[i + 1]);
        --m_size;
        slot(m_size)->~T();
    }
    void clear() {
        while (m_size > 0)
            slot(--m_size)->~T();
    }

    size_t size() const { return m_size; }
    static constexpr size_t capacity() { return Capacity; }
    bool is_empty() const { return m_size == 0; }
    bool is_full() const { return m_size == Capacity; }
    T& operator[](size_t index) { return *slot(index); }
    const T& operator[](size_t index) const { return *slot(index); }
    T* begin() { return slot(0); }
    T* end() { return slot(m_size); }
    const T* begin() const { return slot(0); }
    const T* end() const { return slot(m_size); }

private:
    T* slot(size_t index) { return std::launder(reinterpret_cast<T*>(m_storage) + index); }
    const T* slot(size_t index) const { return std::launder(reinterpret_cast<const T*>(m_storage) + index); }

    alignas(T) unsigned char m_storage[sizeof(T) * Capacity];
    size_t m_size = 0;
};

} // namespace ktl
