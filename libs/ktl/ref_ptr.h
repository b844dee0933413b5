// Shared ownership with an intrusive, atomic reference count: RefCounted<T> is the base a shared object
// derives from, RefPtr<T> a counted pointer to it. Objects that file descriptions, inodes and dentries
// share are owned this way instead of with hand-written retain/release pairs.
#pragma once

#include "ktl/assert.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace ktl {

// The count starts at 1: the creator's reference, which adopt_ref() or try_make_ref_counted() hands to a
// RefPtr. At 0 the object calls its own `will_be_destroyed()` if it has one, then deletes itself.
template <typename T>
class RefCounted {
public:
    RefCounted(const RefCounted&) = delete;
    RefCounted& operator=(const RefCounted&) = delete;

    void ref() const {
        [[maybe_unused]] uint32_t old_count = __atomic_fetch_add(&m_ref_count, 1, __ATOMIC_RELAXED);
        KTL_ASSERT(old_count > 0);
    }
    void unref() const {
        uint32_t old_count = __atomic_fetch_sub(&m_ref_count, 1, __ATOMIC_ACQ_REL);
        KTL_ASSERT(old_count > 0);
        if (old_count != 1)
            return;
        auto* self = const_cast<T*>(static_cast<const T*>(this));
        if constexpr (requires(T & object) { object.will_be_destroyed(); })
            self->will_be_destroyed();
        delete static_cast<const T*>(this);
    }
    uint32_t ref_count() const { return __atomic_load_n(&m_ref_count, __ATOMIC_RELAXED); }
    // A new reference unless the count already reached zero (the object is being destroyed): for
    // caches that keep plain pointers and let their objects go on the last unref.
    [[nodiscard]] bool try_ref() const {
        uint32_t count = __atomic_load_n(&m_ref_count, __ATOMIC_RELAXED);
        while (count != 0) {
            if (__atomic_compare_exchange_n(&m_ref_count, &count, count + 1, true, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED))
                return true;
        }
        return false;
    }

protected:
    RefCounted() = default;
    ~RefCounted() = default;

private:
    mutable uint32_t m_ref_count = 1;
};

template <typename T>
class RefPtr {
public:
    RefPtr() = default;
    RefPtr(std::nullptr_t) {}
    // Takes a new reference; to take over the creator's initial one use adopt_ref().
    RefPtr(T* object) : m_object(object) {
        if (m_object)
            m_object->ref();
    }
    RefPtr(T& object) : m_object(&object) { m_object->ref(); }
    RefPtr(const RefPtr& other) : RefPtr(other.m_object) {}
    RefPtr(RefPtr&& other) : m_object(other.leak_ref()) {}
    template <typename U>
    requires(std::is_convertible_v<U*, T*>) RefPtr(const RefPtr<U>& other) : RefPtr(other.ptr()) {}
    template <typename U>
    requires(std::is_convertible_v<U*, T*>) RefPtr(RefPtr<U>&& other) : m_object(other.leak_ref()) {}
    ~RefPtr() { clear(); }

    RefPtr& operator=(const RefPtr& other) {
        RefPtr copy(other);
        swap(copy);
        return *this;
    }
    RefPtr& operator=(RefPtr&& other) {
        RefPtr moved(std::move(other));
        swap(moved);
        return *this;
    }
    template <typename U>
    requires(std::is_convertible_v<U*, T*>) RefPtr& operator=(const RefPtr<U>& other) {
        RefPtr copy(other);
        swap(copy);
        return *this;
    }
    template <typename U>
    requires(std::is_convertible_v<U*, T*>) RefPtr& operator=(RefPtr<U>&& other) {
        RefPtr moved(std::move(other));
        swap(moved);
        return *this;
    }
    RefPtr& operator=(std::nullptr_t) {
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

    // Drops this pointer's reference (possibly destroying the object) and becomes null.
    void clear() {
        if (T* object = leak_ref())
            object->unref();
    }
    // Gives up ownership without dropping the reference; the caller must unref() it later.
    [[nodiscard]] T* leak_ref() { return std::exchange(m_object, nullptr); }
    void swap(RefPtr& other) { std::swap(m_object, other.m_object); }

    bool operator==(const RefPtr& other) const { return m_object == other.m_object; }
    bool operator==(const T* other) const { return m_object == other; }
    bool operator==(std::nullptr_t) const { return m_object == nullptr; }

private:
    struct AdoptTag {};
    RefPtr(T& object, AdoptTag) : m_object(&object) {}
    template <typename U>
    friend RefPtr<U> adopt_ref(U& object);

    T* m_object = nullptr;
};

// Wraps an object whose initial reference nobody holds yet, without incrementing the count.
template <typename T>
RefPtr<T> adopt_ref(T& object) {
    return RefPtr<T>(object, typename RefPtr<T>::AdoptTag{});
}

// Allocates a T with `new (std::nothrow)`; ENOMEM when the heap is exhausted.
template <typename T, typename... Args>
ErrorOr<RefPtr<T>> try_make_ref_counted(Args&&... args) {
    T* object = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!object)
        return Errno::NoMemory;
    return adopt_ref(*object);
}

} // namespace ktl
