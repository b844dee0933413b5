// What the compiler expects a C++ runtime to provide: the mem* functions it emits calls to, and the
// few ABI hooks for virtual functions, static destructors and sized delete.
#include <cstddef>
#include <cstdint>
#include <new>

extern "C" {

void* memcpy(void* destination, const void* source, size_t count) {
    auto* to = static_cast<unsigned char*>(destination);
    auto* from = static_cast<const unsigned char*>(source);
    asm volatile("rep movsb" : "+D"(to), "+S"(from), "+c"(count) : : "memory");
    return destination;
}

void* memmove(void* destination, const void* source, size_t count) {
    auto* to = static_cast<unsigned char*>(destination);
    auto* from = static_cast<const unsigned char*>(source);
    if (to <= from || to >= from + count)
        return memcpy(destination, source, count);
    // Overlap with the destination above the source: copy backwards.
    to += count - 1;
    from += count - 1;
    asm volatile("std; rep movsb; cld" : "+D"(to), "+S"(from), "+c"(count) : : "memory");
    return destination;
}

void* memset(void* destination, int value, size_t count) {
    auto* to = static_cast<unsigned char*>(destination);
    asm volatile("rep stosb" : "+D"(to), "+c"(count) : "a"(value) : "memory");
    return destination;
}

int memcmp(const void* left, const void* right, size_t count) {
    auto* a = static_cast<const unsigned char*>(left);
    auto* b = static_cast<const unsigned char*>(right);
    for (size_t i = 0; i < count; ++i)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char* text) {
    size_t length = 0;
    while (text[length])
        ++length;
    return length;
}

[[noreturn]] void __cxa_pure_virtual() {
    for (;;)
        asm volatile("cli; hlt");
}

// The kernel never exits, so static destructors are never registered or run.
int __cxa_atexit(void (*)(void*), void*, void*) {
    return 0;
}
void* __dso_handle = nullptr;

} // extern "C"

// The tag object for `new (std::nothrow)`; the heap's operators live in mm/kernel_heap.cpp.
namespace std {
const nothrow_t nothrow{};
}
