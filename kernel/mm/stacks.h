// Kernel stacks with an unmapped guard page below each, so running off the bottom faults instead of
// corrupting whatever lies beneath. Live stacks are registered with an owner name so a fault in a
// guard page can be reported as "kernel stack overflow" of that owner.
#pragma once

#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace mm {

inline constexpr size_t default_kernel_stack_size = 32 * 1024;

struct KernelStack {
    uint64_t bottom = 0; // lowest mapped address; the guard page is just below
    uint64_t top = 0;    // initial stack pointer (16-byte aligned)
    const char* owner = nullptr;
};

// `owner` must outlive the stack (a string literal or a task's name).
ktl::ErrorOr<KernelStack> allocate_kernel_stack(const char* owner, size_t size = default_kernel_stack_size);
void free_kernel_stack(const KernelStack& stack);

// The owner of the stack whose guard page contains `address`, or nullptr.
const char* guard_page_owner(uint64_t address);
// The owner of the stack that contains `address`, or nullptr.
const char* stack_owner(uint64_t address);
size_t live_kernel_stacks();

} // namespace mm
