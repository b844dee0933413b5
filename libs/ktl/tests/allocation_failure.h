// Makes the nothrow operator new fail on demand, so the tests can check what every container does when
// the heap is exhausted. Only `new (std::nothrow)` is affected; GoogleTest's own allocations are not.
#pragma once

#include <cstddef>

namespace ktl_test {

// While alive, the nothrow allocations after the first `successes` fail.
class FailAllocationsAfter {
public:
    explicit FailAllocationsAfter(size_t successes);
    ~FailAllocationsAfter();
    FailAllocationsAfter(const FailAllocationsAfter&) = delete;
    FailAllocationsAfter& operator=(const FailAllocationsAfter&) = delete;
};

// How many nothrow allocations have succeeded since the program started.
size_t nothrow_allocation_count();

} // namespace ktl_test
