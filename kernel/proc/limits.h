// Resource limits (getrlimit(2)): a soft and a hard value per resource, per process, inherited by
// fork and kept across execve. What is enforced: RLIMIT_NOFILE (the file table refuses numbers at
// or above it), RLIMIT_NPROC (fork fails with EAGAIN for a non-root user with that many
// processes), RLIMIT_AS (mmap, brk and mremap fail with ENOMEM past it). RLIMIT_STACK is reported;
// the main stack is a fixed 8 MiB region. RLIMIT_CORE is kept: nothing dumps core.
#pragma once

#include <cstdint>

namespace proc {

enum class Resource : int {
    Cpu,
    FileSize,
    Data,
    Stack,
    Core,
    ResidentSet,
    Processes,
    OpenFiles,
    LockedMemory,
    AddressSpace,
    Locks,
    PendingSignals,
    MessageQueues,
    Nice,
    RealTimePriority,
    RealTimeCpu,
};
inline constexpr int resource_count = 16;
inline constexpr uint64_t unlimited = ~0ull;

struct Limit {
    uint64_t current = unlimited; // the soft limit
    uint64_t maximum = unlimited; // the hard limit
};

struct Limits {
    Limit values[resource_count];

    Limit& operator[](Resource resource) { return values[static_cast<int>(resource)]; }
    const Limit& operator[](Resource resource) const { return values[static_cast<int>(resource)]; }

    // What the first process starts with: Linux's defaults for init.
    static Limits initial();
};

// How many processes may exist at once: 400 (the kernel keeps stacks for its own tasks beyond
// them), fewer where memory would run out first (256 KiB of RAM a process). Linux derives its
// threads-max from memory the same way. Also the first process's RLIMIT_NPROC.
uint64_t max_processes();

} // namespace proc
