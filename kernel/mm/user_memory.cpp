#include "mm/user_memory.h"

#include "arch/paging.h"
#include "arch/user_mode.h"
#include "mm/address_space.h"
#include "sched/scheduler.h"

namespace mm {

namespace {
arch::PageFaultOutcome resolve_page_fault(uint64_t address, arch::PageFaultAccess access) {
    sched::Task* task = sched::current_task();
    if (!task || !task->address_space)
        return arch::PageFaultOutcome::Refused;
    return task->address_space->handle_page_fault(address, access.write, access.instruction_fetch);
}
} // namespace

void install_demand_paging() {
    arch::set_page_fault_resolver(resolve_page_fault);
}

ktl::ErrorOr<void> copy_from_user(void* destination, uint64_t source, size_t length) {
    if (!is_user_range(source, length))
        return ktl::Errno::BadAddress;
    arch::UserAccessScope user_access;
    if (arch::arch_copy_user(destination, reinterpret_cast<const void*>(source), length) != 0)
        return ktl::Errno::BadAddress;
    return {};
}

ktl::ErrorOr<void> copy_to_user(uint64_t destination, const void* source, size_t length) {
    if (!is_user_range(destination, length))
        return ktl::Errno::BadAddress;
    arch::UserAccessScope user_access;
    if (arch::arch_copy_user(reinterpret_cast<void*>(destination), source, length) != 0)
        return ktl::Errno::BadAddress;
    return {};
}

ktl::ErrorOr<void> clear_user(uint64_t destination, size_t length) {
    if (!is_user_range(destination, length))
        return ktl::Errno::BadAddress;
    arch::UserAccessScope user_access;
    if (arch::arch_fill_user(reinterpret_cast<void*>(destination), 0, length) != 0)
        return ktl::Errno::BadAddress;
    return {};
}

ktl::ErrorOr<size_t> copy_string_from_user(char* destination, uint64_t source, size_t capacity) {
    if (capacity == 0 || source >= user_half_end)
        return ktl::Errno::BadAddress;
    uint64_t limit = user_half_end - source < capacity ? user_half_end - source : capacity;
    int64_t length;
    {
        arch::UserAccessScope user_access;
        length = arch::arch_user_string_length(reinterpret_cast<const char*>(source), limit);
    }
    if (length < 0)
        return ktl::Errno::BadAddress;
    if (static_cast<uint64_t>(length) == limit)
        return limit < capacity ? ktl::Error::from_errno(ktl::Errno::BadAddress)
                                : ktl::Error::from_errno(ktl::Errno::NameTooLong);
    TRY(copy_from_user(destination, source, static_cast<size_t>(length)));
    destination[length] = 0;
    return static_cast<size_t>(length);
}

} // namespace mm
