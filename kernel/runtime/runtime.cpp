// What the compiler expects a C++ runtime to provide: the mem* functions it emits calls to, and the
// few ABI hooks for virtual functions, static destructors and sized delete.
#include <cstddef>
#include <cstdint>
#include <new>

extern "C" {

// Plain loops that move 64 bytes an iteration, not `rep movs`/`rep stos`: hardware runs both near
// memory speed, but emulators such as QEMU's TCG dispatch every iteration of a rep-prefixed
// instruction anew (measured: zeroing a page with `rep stosq` cost more than this loop). The
// attribute keeps the compiler from turning the loops back into calls to these very functions.
#define BLOG_OS_NO_LIBCALLS [[gnu::optimize("no-tree-loop-distribute-patterns")]]

namespace {

inline uint64_t load_word(const unsigned char* from) {
    uint64_t word;
    __builtin_memcpy(&word, from, 8);
    return word;
}

inline void store_word(unsigned char* to, uint64_t word) {
    __builtin_memcpy(to, &word, 8);
}

// 64 bytes, all read before any is written (so memmove may call it on overlapping blocks).
inline void copy_block(unsigned char* to, const unsigned char* from) {
    uint64_t a = load_word(from), b = load_word(from + 8), c = load_word(from + 16), d = load_word(from + 24);
    uint64_t e = load_word(from + 32), f = load_word(from + 40), g = load_word(from + 48),
             h = load_word(from + 56);
    store_word(to, a), store_word(to + 8, b), store_word(to + 16, c), store_word(to + 24, d);
    store_word(to + 32, e), store_word(to + 40, f), store_word(to + 48, g), store_word(to + 56, h);
}

} // namespace

BLOG_OS_NO_LIBCALLS void* memcpy(void* destination, const void* source, size_t count) {
    auto* to = static_cast<unsigned char*>(destination);
    auto* from = static_cast<const unsigned char*>(source);
    for (; count >= 64; count -= 64, to += 64, from += 64) {
        copy_block(to, from);
    }
    for (; count >= 8; count -= 8, to += 8, from += 8)
        store_word(to, load_word(from));
    for (; count > 0; --count)
        *to++ = *from++;
    return destination;
}

BLOG_OS_NO_LIBCALLS void* memmove(void* destination, const void* source, size_t count) {
    auto* to = static_cast<unsigned char*>(destination);
    auto* from = static_cast<const unsigned char*>(source);
    if (to <= from || to >= from + count)
        return memcpy(destination, source, count);
    // The destination overlaps above the source: copy from the end down. Each block is read whole
    // before it is written, and later reads lie below everything written so far.
    to += count;
    from += count;
    for (; count >= 64; count -= 64) {
        to -= 64;
        from -= 64;
        copy_block(to, from);
    }
    for (; count > 0; --count)
        *--to = *--from;
    return destination;
}

BLOG_OS_NO_LIBCALLS void* memset(void* destination, int value, size_t count) {
    auto* to = static_cast<unsigned char*>(destination);
    const uint64_t pattern = 0x0101010101010101ull * static_cast<unsigned char>(value);
    for (; count >= 64; count -= 64, to += 64) {
        store_word(to, pattern), store_word(to + 8, pattern), store_word(to + 16, pattern);
        store_word(to + 24, pattern), store_word(to + 32, pattern), store_word(to + 40, pattern);
        store_word(to + 48, pattern), store_word(to + 56, pattern);
    }
    for (; count > 0; --count)
        *to++ = static_cast<unsigned char>(value);
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
