// Single ownership of a heap object: OwnPtr<T> deletes what it holds. The fallible counterpart of
// std::unique_ptr, whose std::make_unique would use throwing new.
#pragma once

#include "ktl/assert.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace ktl {

template <typename T>
class OwnPtr {
public:
    OwnPtr() = default;
    OwnPtr(std::nullptr_t) {}
    OwnPtr(const OwnPtr&) = delete;
    OwnPtr& operator=(const OwnPtr&) = delete;
    OwnPtr(OwnPtr&& other) : m_object(other.leak_ptr()) {}
    template <typename U>
    requires(std::is_convertible_v<U*, T*>) OwnPtr(OwnPtr<U>&& other) : m_object(other.leak_ptr()) {}
    ~OwnPtr() { clear(); }

    OwnPtr& operator=(OwnPtr&& other) {
        OwnPtr moved(std::move(other));
        std::swap(m_object, moved.m_object);
        return *this;
    }
    template <typename U>
    requires(std::is_convertible_v<U*, T*>) OwnPtr& operator=(OwnPtr<U>&& other) {
        OwnPtr moved(std::move(other));
        std::swap(m_object, moved.m_object);
        return *this;
    }
    OwnPtr& operator=(std::nullptr_t) {
        clear();
        return *this;
    }

    T* ptr() const { return m_object; }
    T* operator->() const {
        KTL_ASSERT(m_object);
        return m_object;
    }
    T& operator*() const {
        KTL_ASSERT(m_object);
        return *m_object;
    }
    explicit operator bool() const { return m_object != nullptr; }
    bool is_null() const { return m_object == nullptr; }

    void clear() { delete std::exchange(m_object, nullptr); }
    // Gives up ownership; the caller must delete the object.
    [[nodiscard]] T* leak_ptr() { return std::exchange(m_object, nullptr); }

    bool operator==(std::nullptr_t) const { return m_object == nullptr; }

private:
    explicit OwnPtr(T* object) : m_object(object) {}
    template <typename U>
    friend OwnPtr<U> adopt_own(U* object);

    T* m_object = nullptr;
};

// Takes ownership of an object allocated with `new (std::nothrow)`.
template <typename T>
OwnPtr<T> adopt_own(T* object) {
    return OwnPtr<T>(object);
}

// Allocates a T with `new (std::nothrow)`; ENOMEM when the heap is exhausted.
template <typename T, typename... Args>
ErrorOr<OwnPtr<T>> try_make(Args&&... args) {
    T* object = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!object)
        return Errno::NoMemory;
    return adopt_own(object);
}

} // namespace ktl
