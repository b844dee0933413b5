// System calls with the Linux x86-64 numbers and errno values, reached from `syscall` and `int 0x80`
// alike. Each is a small function returning ErrorOr<long>; the dispatcher turns an error into -errno.
// Unknown numbers return -ENOSYS and are logged once each.
#pragma once

#include <cstdint>

namespace syscalls {

// Installs the dispatcher and the handler that kills a task whose user code faults.
void initialize();
// How many system calls have been dispatched, for tests and statistics.
uint64_t dispatched_count();
// The name of an implemented call, or null.
const char* syscall_name(uint64_t number);

} // namespace syscalls
