// User memory, reached only through UserPtr and the copy routines here. Each checks that the range
// lies in the user half, then copies with the fault-safe routine: a page that is not there is
// demand-paged in if the address space says it should exist, otherwise the copy stops and reports
// BadAddress (-EFAULT). A bad pointer never faults the kernel.
#pragma once

#include "ktl/error_or.h"
#include "mm/layout.h"

#include <cstddef>
#include <cstdint>

namespace mm {

inline constexpr uint64_t user_half_end = user_space_end;
// Where user mappings end (Linux's TASK_SIZE): one page short of the canonical boundary, so no
// instruction can end at it and leave a non-canonical return address for sysretq or iretq.
inline constexpr uint64_t user_mapping_end = user_half_end - 4096;

template <typename T>
class UserPtr {
public:
    constexpr UserPtr() = default;
    constexpr explicit UserPtr(uint64_t address) : m_address(address) {}
    uint64_t address() const { return m_address; }
    bool is_null() const { return m_address == 0; }
    UserPtr offset(size_t elements) const { return UserPtr(m_address + elements * sizeof(T)); }

private:
    uint64_t m_address = 0;
};

// Whether [address, address + length) lies wholly in the user half (and does not wrap).
inline bool is_user_range(uint64_t address, size_t length) {
    return address <= user_half_end && length <= user_half_end - address;
}

// Page faults on user addresses go to the running task's address space (demand paging).
void install_demand_paging();

ktl::ErrorOr<void> copy_from_user(void* destination, uint64_t source, size_t length);
ktl::ErrorOr<void> copy_to_user(uint64_t destination, const void* source, size_t length);
ktl::ErrorOr<void> clear_user(uint64_t destination, size_t length);
// Copies a NUL-terminated string of at most `capacity - 1` bytes and terminates it; returns its
// length. NameTooLong if no NUL comes within `capacity` bytes.
ktl::ErrorOr<size_t> copy_string_from_user(char* destination, uint64_t source, size_t capacity);

template <typename T>
ktl::ErrorOr<void> copy_from_user(T* destination, UserPtr<T> source, size_t count = 1) {
    return copy_from_user(static_cast<void*>(destination), source.address(), count * sizeof(T));
}
template <typename T>
ktl::ErrorOr<void> copy_to_user(UserPtr<T> destination, const T* source, size_t count = 1) {
    return copy_to_user(destination.address(), static_cast<const void*>(source), count * sizeof(T));
}
template <typename T>
ktl::ErrorOr<T> read_user(UserPtr<T> source) {
    T value;
    TRY(copy_from_user(&value, source));
    return value;
}

} // namespace mm
