// Replaces the global nothrow operator new for the test binary; see allocation_failure.h.
#include "allocation_failure.h"

#include <cstdlib>
#include <new>

namespace {
bool failing = false;
size_t successes_left = 0;
size_t allocation_count = 0;

void* allocate(size_t size) {
    if (failing) {
        if (successes_left == 0)
            return nullptr;
        --successes_left;
    }
    void* pointer = std::malloc(size ? size : 1);
    if (pointer)
        ++allocation_count;
    return pointer;
}
} // namespace

void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return allocate(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return allocate(size);
}

namespace ktl_test {

FailAllocationsAfter::FailAllocationsAfter(size_t successes) {
    failing = true;
    successes_left = successes;
}
FailAllocationsAfter::~FailAllocationsAfter() {
    failing = false;
}

size_t nothrow_allocation_count() {
    return allocation_count;
}

} // namespace ktl_test
