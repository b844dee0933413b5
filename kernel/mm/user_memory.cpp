#include "mm/user_memory.h"

#include "arch/paging.h"
#include "sched/scheduler.h"

#include <cstring>

namespace mm {

namespace {

// Every page of [address, address + length) is user memory of the running task, writable if asked.
ktl::ErrorOr<void> check_user_range(uint64_t address, size_t length, bool for_writing) {
    if (length == 0)
        return {};
    if (address >= user_half_end || length > user_half_end - address)
        return ktl::Errno::BadAddress;
    sched::Task* task = sched::current_task();
    if (!task || !task->address_space)
        return ktl::Errno::BadAddress;
    uint64_t page = address & ~(arch::page_size - 1);
    for (; page < address + length; page += arch::page_size) {
        auto translation = task->address_space->translate(page);
        if (translation.is_error())
            return ktl::Errno::BadAddress;
        arch::PageFlags flags = translation.value().flags;
        if (!arch::has(flags, arch::PageFlags::User) ||
            (for_writing && !arch::has(flags, arch::PageFlags::Writable)))
            return ktl::Errno::BadAddress;
    }
    return {};
}

} // namespace

ktl::ErrorOr<void> copy_from_user(void* destination, uint64_t source, size_t length) {
    TRY(check_user_range(source, length, false));
    arch::UserAccessScope user_access;
    memcpy(destination, reinterpret_cast<const void*>(source), length);
    return {};
}

ktl::ErrorOr<void> copy_to_user(uint64_t destination, const void* source, size_t length) {
    TRY(check_user_range(destination, length, true));
    arch::UserAccessScope user_access;
    memcpy(reinterpret_cast<void*>(destination), source, length);
    return {};
}

} // namespace mm
