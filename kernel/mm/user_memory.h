// User memory, reached only through UserPtr and the copy routines here: they check that every byte is
// in the user half and mapped for user access in the running task's address space, so a bad pointer
// is BadAddress (-EFAULT), never a kernel fault. (Checking the mapping first is enough while each
// address space has one task; threads will need the copy itself to recover from faults.)
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace mm {

inline constexpr uint64_t user_half_end = 0x0000'8000'0000'0000;

template <typename T>
class UserPtr {
public:
    constexpr explicit UserPtr(uint64_t address) : m_address(address) {}
    uint64_t address() const { return m_address; }
    UserPtr offset(size_t elements) const { return UserPtr(m_address + elements * sizeof(T)); }

private:
    uint64_t m_address;
};

ktl::ErrorOr<void> copy_from_user(void* destination, uint64_t source, size_t length);
ktl::ErrorOr<void> copy_to_user(uint64_t destination, const void* source, size_t length);

template <typename T>
ktl::ErrorOr<void> copy_from_user(T* destination, UserPtr<T> source, size_t count = 1) {
    return copy_from_user(static_cast<void*>(destination), source.address(), count * sizeof(T));
}
template <typename T>
ktl::ErrorOr<void> copy_to_user(UserPtr<T> destination, const T* source, size_t count = 1) {
    return copy_to_user(destination.address(), static_cast<const void*>(source), count * sizeof(T));
}

} // namespace mm
