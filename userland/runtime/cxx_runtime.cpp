// The pieces of the C++ runtime that musl does not provide and that clang-compiled code calls:
// operator new/delete over malloc, static-local guards, pure-virtual traps, __dso_handle and the
// libstdc++ "throw" hooks header-only containers call. Built with -fno-exceptions, so every
// failure that would throw terminates the program with a message instead.
#include <bits/functexcept.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <unistd.h>

namespace {

[[noreturn]] void fatal(const char* what) {
    // Through write(2) directly: stdio may be the thing that is broken.
    const char prefix[] = "fatal: ";
    (void)!write(2, prefix, sizeof(prefix) - 1);
    size_t length = 0;
    while (what[length] != '\0')
        ++length;
    (void)!write(2, what, length);
    (void)!write(2, "\n", 1);
    abort();
}

void* allocate(size_t size) {
    // malloc(0) may return nullptr; operator new must return a unique pointer.
    void* memory = malloc(size == 0 ? 1 : size);
    if (memory == nullptr)
        fatal("operator new: out of memory");
    return memory;
}

void* allocate_aligned(size_t size, std::align_val_t alignment) {
    size_t align = static_cast<size_t>(alignment);
    if (align < sizeof(void*))
        align = sizeof(void*);
    void* memory = nullptr;
    if (posix_memalign(&memory, align, size == 0 ? 1 : size) != 0)
        return nullptr;
    return memory;
}

} // namespace

// <new> declares it; libstdc++, which would define it, is not linked (code shared with the kernel, as
// libs/module in modinfo, allocates with new (std::nothrow)).
namespace std {
const nothrow_t nothrow{};
}

// Plain forms: out of memory is fatal (no std::bad_alloc without exceptions).
void* operator new(size_t size) {
    return allocate(size);
}
void* operator new[](size_t size) {
    return allocate(size);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return malloc(size == 0 ? 1 : size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return malloc(size == 0 ? 1 : size);
}

void* operator new(size_t size, std::align_val_t alignment) {
    void* memory = allocate_aligned(size, alignment);
    if (memory == nullptr)
        fatal("operator new (aligned): out of memory");
    return memory;
}
void* operator new[](size_t size, std::align_val_t alignment) {
    return operator new(size, alignment);
}
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return allocate_aligned(size, alignment);
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return allocate_aligned(size, alignment);
}

// Every delete form ends in free(): musl's posix_memalign memory is freed the same way.
void operator delete(void* memory) noexcept {
    free(memory);
}
void operator delete[](void* memory) noexcept {
    free(memory);
}
void operator delete(void* memory, size_t) noexcept {
    free(memory);
}
void operator delete[](void* memory, size_t) noexcept {
    free(memory);
}
void operator delete(void* memory, const std::nothrow_t&) noexcept {
    free(memory);
}
void operator delete[](void* memory, const std::nothrow_t&) noexcept {
    free(memory);
}
void operator delete(void* memory, std::align_val_t) noexcept {
    free(memory);
}
void operator delete[](void* memory, std::align_val_t) noexcept {
    free(memory);
}
void operator delete(void* memory, size_t, std::align_val_t) noexcept {
    free(memory);
}
void operator delete[](void* memory, size_t, std::align_val_t) noexcept {
    free(memory);
}
void operator delete(void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
    free(memory);
}
void operator delete[](void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
    free(memory);
}

extern "C" {

// Identifies this module to __cxa_atexit (musl provides __cxa_atexit and runs the handlers at
// exit; crtbegin.o, which normally defines this, is not linked).
__attribute__((visibility("hidden"))) void* __dso_handle = &__dso_handle;

void __cxa_pure_virtual() {
    fatal("pure virtual function called");
}
void __cxa_deleted_virtual() {
    fatal("deleted virtual function called");
}

// Static-local initialisation guards (Itanium ABI). Byte 0 of the guard is "done", as the
// compiler's inline fast path checks; byte 1 marks "initialisation in progress". Programs are
// single-threaded, so "in progress" seen on entry can only mean the initialiser recursed into
// itself, which is undefined behaviour the standard lets us diagnose.
int __cxa_guard_acquire(uint64_t* guard) {
    auto* bytes = reinterpret_cast<volatile uint8_t*>(guard);
    if (bytes[0] != 0)
        return 0;
    if (bytes[1] != 0)
        fatal("recursive initialisation of a static local variable");
    bytes[1] = 1;
    return 1;
}

void __cxa_guard_release(uint64_t* guard) {
    auto* bytes = reinterpret_cast<volatile uint8_t*>(guard);
    bytes[1] = 0;
    bytes[0] = 1;
}

// Only reachable when an initialiser throws; kept for the ABI.
void __cxa_guard_abort(uint64_t* guard) {
    reinterpret_cast<volatile uint8_t*>(guard)[1] = 0;
}

} // extern "C"

// libstdc++'s header-only containers call these instead of throwing; they live in libstdc++.so,
// which user programs do not link.
namespace std {
void __throw_bad_alloc() {
    fatal("std::bad_alloc");
}
void __throw_bad_array_new_length() {
    fatal("std::bad_array_new_length");
}
void __throw_length_error(const char* what) {
    fatal(what);
}
void __throw_out_of_range(const char* what) {
    fatal(what);
}
void __throw_out_of_range_fmt(const char* format, ...) {
    fatal(format);
}
void __throw_logic_error(const char* what) {
    fatal(what);
}
void __throw_invalid_argument(const char* what) {
    fatal(what);
}
void __throw_bad_function_call() {
    fatal("std::bad_function_call");
}
} // namespace std
