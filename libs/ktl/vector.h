// A growable array on the heap whose every allocation can fail: each fallible operation returns
// ErrorOr<void> and leaves the vector exactly as it was when the allocation fails. Move-only; copies are
// explicit with try_clone() because they can fail too.
#pragma once

#include "ktl/assert.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace ktl {

namespace detail {

// Heap storage for `count` objects of T, uninitialised; nullptr on exhaustion or size overflow.
template <typename T>
T* allocate_uninitialized(size_t count) {
    static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned element types are not supported");
    if (count > SIZE_MAX / sizeof(T))
        return nullptr;
    return static_cast<T*>(::operator new(count * sizeof(T), std::nothrow));
}

inline void deallocate(void* storage) {
    ::operator delete(storage);
}

// A T copy that can fail: the copy constructor if T has one, else T::try_clone() (String, Vector).
template <typename T>
concept TryCloneable = std::is_same_v<decltype(std::declval<const T&>().try_clone()), ErrorOr<T>>;

} // namespace detail

template <typename T>
class Vector {
public:
    Vector() = default;
    Vector(const Vector&) = delete;
    Vector& operator=(const Vector&) = delete;
    Vector(Vector&& other)
        : m_elements(std::exchange(other.m_elements, nullptr)), m_size(std::exchange(other.m_size, 0)),
          m_capacity(std::exchange(other.m_capacity, 0)) {}
    Vector& operator=(Vector&& other) {
        if (this != &other) {
            clear();
            m_elements = std::exchange(other.m_elements, nullptr);
            m_size = std::exchange(other.m_size, 0);
            m_capacity = std::exchange(other.m_capacity, 0);
        }
        return *this;
    }
    ~Vector() { clear(); }

    size_t size() const { return m_size; }
    bool is_empty() const { return m_size == 0; }
    size_t capacity() const { return m_capacity; }
    T* data() { return m_elements; }
    const T* data() const { return m_elements; }

    T& operator[](size_t index) {
        KTL_ASSERT(index < m_size);
        return m_elements[index];
    }
    const T& operator[](size_t index) const {
        KTL_ASSERT(index < m_size);
        return m_elements[index];
    }
    T* begin() { return m_elements; }
    T* end() { return m_elements + m_size; }
    const T* begin() const { return m_elements; }
    const T* end() const { return m_elements + m_size; }
    T& first() { return (*this)[0]; }
    const T& first() const { return (*this)[0]; }
    T& last() { return (*this)[m_size - 1]; }
    const T& last() const { return (*this)[m_size - 1]; }

    // `value` may be an element of this vector: it is moved before the old storage is released.
    [[nodiscard]] ErrorOr<void> try_append(T&& value) { return try_insert(m_size, std::move(value)); }
    [[nodiscard]] ErrorOr<void> try_append(const T& value) requires std::is_copy_constructible_v<T> {
        return try_extend(&value, 1);
    }

    // Capacity for at least `capacity` elements without reallocating.
    [[nodiscard]] ErrorOr<void> try_reserve(size_t capacity) {
        if (capacity <= m_capacity)
            return {};
        T* elements = detail::allocate_uninitialized<T>(capacity);
        if (!elements)
            return Errno::NoMemory;
        adopt_storage(elements, capacity, m_size, 0);
        return {};
    }

    // Default-constructs new elements when growing, destroys the removed ones when shrinking.
    [[nodiscard]] ErrorOr<void> try_resize(size_t size) {
        if (size > m_capacity)
            TRY(try_reserve(size > m_capacity * 2 ? size : m_capacity * 2));
        while (m_size > size)
            m_elements[--m_size].~T();
        while (m_size < size)
            new (&m_elements[m_size++]) T();
        return {};
    }

    // Inserts before `index` (index == size() appends), shifting later elements up.
    [[nodiscard]] ErrorOr<void> try_insert(size_t index, T&& value) {
        KTL_ASSERT(index <= m_size);
        if (m_size == m_capacity) {
            size_t capacity = grown_capacity(1);
            T* elements = capacity ? detail::allocate_uninitialized<T>(capacity) : nullptr;
            if (!elements)
                return Errno::NoMemory;
            // Construct first: `value` may live in the old storage.
            new (&elements[index]) T(std::move(value));
            adopt_storage(elements, capacity, index, 1);
            ++m_size;
            return {};
        }
        if (index == m_size) {
            new (&m_elements[m_size]) T(std::move(value));
        } else {
            T moved(std::move(value));
            new (&m_elements[m_size]) T(std::move(m_elements[m_size - 1]));
            for (size_t i = m_size - 1; i > index; --i)
                m_elements[i] = std::move(m_elements[i - 1]);
            m_elements[index] = std::move(moved);
        }
        ++m_size;
        return {};
    }

    // Appends copies of `count` values; they may be elements of this vector.
    [[nodiscard]] ErrorOr<void> try_extend(const T* values,
                                           size_t count) requires std::is_copy_constructible_v<T> {
        if (count == 0)
            return {};
        if (m_size + count > m_capacity) {
            size_t capacity = grown_capacity(count);
            T* elements = capacity ? detail::allocate_uninitialized<T>(capacity) : nullptr;
            if (!elements)
                return Errno::NoMemory;
            for (size_t i = 0; i < count; ++i)
                new (&elements[m_size + i]) T(values[i]);
            adopt_storage(elements, capacity, m_size, count);
        } else {
            for (size_t i = 0; i < count; ++i)
                new (&m_elements[m_size + i]) T(values[i]);
        }
        m_size += count;
        return {};
    }

    // Removes the element at `index`, shifting later elements down.
    void remove(size_t index) {
        KTL_ASSERT(index < m_size);
        for (size_t i = index; i + 1 < m_size; ++i)
            m_elements[i] = std::move(m_elements[i + 1]);
        m_elements[--m_size].~T();
    }

    T take_last() {
        KTL_ASSERT(m_size > 0);
        T value(std::move(m_elements[m_size - 1]));
        m_elements[--m_size].~T();
        return value;
    }

    // Destroys every element and frees the storage.
    void clear() {
        while (m_size > 0)
            m_elements[--m_size].~T();
        detail::deallocate(m_elements);
        m_elements = nullptr;
        m_capacity = 0;
    }

    [[nodiscard]] ErrorOr<Vector> try_clone() const
        requires(std::is_copy_constructible_v<T> || detail::TryCloneable<T>) {
        Vector clone;
        TRY(clone.try_reserve(m_size));
        for (const T& element : *this) {
            if constexpr (std::is_copy_constructible_v<T>) {
                new (&clone.m_elements[clone.m_size]) T(element);
            } else {
                auto copy = element.try_clone();
                if (copy.is_error())
                    return copy.release_error(); // `clone` destroys what it holds so far
                new (&clone.m_elements[clone.m_size]) T(copy.release_value());
            }
            ++clone.m_size;
        }
        return clone;
    }

private:
    // Geometric growth: at least double, so appends are amortised O(1). 0 means the size would overflow.
    size_t grown_capacity(size_t extra) const {
        if (extra > SIZE_MAX / sizeof(T) - m_size)
            return 0;
        size_t needed = m_size + extra;
        size_t doubled = m_capacity > SIZE_MAX / sizeof(T) / 2 ? needed : m_capacity * 2;
        size_t capacity = doubled > needed ? doubled : needed;
        return capacity < 4 ? 4 : capacity;
    }

    // Moves the current elements into `elements`, leaving a gap of `gap` slots at `gap_index` (already
    // constructed by the caller), then releases the old storage.
    void adopt_storage(T* elements, size_t capacity, size_t gap_index, size_t gap) {
        for (size_t i = 0; i < m_size; ++i) {
            new (&elements[i < gap_index ? i : i + gap]) T(std::move(m_elements[i]));
            m_elements[i].~T();
        }
        detail::deallocate(m_elements);
        m_elements = elements;
        m_capacity = capacity;
    }

    T* m_elements = nullptr;
    size_t m_size = 0;
    size_t m_capacity = 0;
};

} // namespace ktl
