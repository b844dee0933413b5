// ErrorOr<T>: a value or an errno-compatible Error, the return type of every fallible function.
// TRY(expr) returns the error to the caller; MUST(expr) is for paths where failure is a kernel bug.
#pragma once

#include "ktl/errno.h"

#include <new>
#include <type_traits>
#include <utility>

namespace ktl {

class [[nodiscard]] Error {
public:
    static constexpr Error from_errno(Errno code) { return Error(code); }
    constexpr Errno code() const { return m_code; }
    constexpr int errno_value() const { return static_cast<int>(m_code); }
    const char* name() const { return errno_name(m_code); }
    constexpr bool operator==(const Error&) const = default;

private:
    constexpr explicit Error(Errno code) : m_code(code) {}
    Errno m_code;
};

template <typename T>
class [[nodiscard]] ErrorOr {
public:
    ErrorOr(const T& value) : m_has_value(true) { new (&m_storage.value) T(value); }
    ErrorOr(T&& value) : m_has_value(true) { new (&m_storage.value) T(std::move(value)); }
    template <typename U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, ErrorOr> &&
             !std::is_same_v<std::remove_cvref_t<U>, Error> && !std::is_same_v<std::remove_cvref_t<U>, T>)
        ErrorOr(U&& value)
        : m_has_value(true) {
        new (&m_storage.value) T(std::forward<U>(value));
    }
    ErrorOr(Error error) : m_has_value(false) { new (&m_storage.error) Error(error); }
    ErrorOr(Errno code) : ErrorOr(Error::from_errno(code)) {}

    ErrorOr(ErrorOr&& other) : m_has_value(other.m_has_value) {
        if (m_has_value)
            new (&m_storage.value) T(std::move(other.m_storage.value));
        else
            new (&m_storage.error) Error(other.m_storage.error);
    }
    ErrorOr(const ErrorOr& other) : m_has_value(other.m_has_value) {
        if (m_has_value)
            new (&m_storage.value) T(other.m_storage.value);
        else
            new (&m_storage.error) Error(other.m_storage.error);
    }
    ErrorOr& operator=(ErrorOr&& other) {
        if (this != &other) {
            this->~ErrorOr();
            new (this) ErrorOr(std::move(other));
        }
        return *this;
    }
    ~ErrorOr() {
        if (m_has_value)
            m_storage.value.~T();
    }

    bool is_error() const { return !m_has_value; }
    bool has_value() const { return m_has_value; }
    T& value() { return m_storage.value; }
    const T& value() const { return m_storage.value; }
    Error error() const { return m_storage.error; }
    T release_value() { return std::move(m_storage.value); }
    Error release_error() { return m_storage.error; }
    T value_or(T fallback) const { return m_has_value ? m_storage.value : fallback; }

private:
    union Storage {
        Storage() {}
        ~Storage() {}
        T value;
        Error error;
    } m_storage;
    bool m_has_value;
};

template <>
class [[nodiscard]] ErrorOr<void> {
public:
    ErrorOr() : m_error(Error::from_errno(Errno::NotPermitted)), m_has_value(true) {}
    ErrorOr(Error error) : m_error(error), m_has_value(false) {}
    ErrorOr(Errno code) : ErrorOr(Error::from_errno(code)) {}

    bool is_error() const { return !m_has_value; }
    bool has_value() const { return m_has_value; }
    Error error() const { return m_error; }
    Error release_error() { return m_error; }
    void release_value() {}

private:
    Error m_error;
    bool m_has_value;
};

} // namespace ktl

// Evaluates to the value of `expression`, or returns its error from the enclosing function.
#define TRY(expression)                                                                                      \
    ({                                                                                                       \
        auto _try_result = (expression);                                                                     \
        if (_try_result.is_error())                                                                          \
            return _try_result.release_error();                                                              \
        _try_result.release_value();                                                                         \
    })
