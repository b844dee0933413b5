// Hashing for HashMap: hash_bytes() over raw bytes and Traits<T>, the hash and equality a key type uses.
// Traits<String> also accepts StringView, so a map keyed by String is searched by a view without
// allocating; equal text hashes the same whichever type holds it.
#pragma once

#include "ktl/string.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ktl {

// The murmur3 finaliser: every input bit affects every output bit, so the low bits a table indexes with
// are as good as the high ones.
constexpr uint64_t mix_hash(uint64_t value) {
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdULL;
    value ^= value >> 33;
    value *= 0xc4ceb9fe1a85ec53ULL;
    value ^= value >> 33;
    return value;
}

// FNV-1a 64 over the bytes, then mix_hash().
inline uint64_t hash_bytes(const void* data, size_t length) {
    auto* bytes = static_cast<const unsigned char*>(data);
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < length; ++i) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ULL;
    }
    return mix_hash(hash ^ length);
}

template <typename T>
struct Traits;

template <typename T>
requires(std::is_integral_v<T> || std::is_enum_v<T>) struct Traits<T> {
    static uint64_t hash(const T& value) { return mix_hash(static_cast<uint64_t>(value)); }
    static bool equals(const T& a, const T& b) { return a == b; }
};

template <typename T>
struct Traits<T*> {
    static uint64_t hash(const T* value) { return mix_hash(reinterpret_cast<uintptr_t>(value)); }
    static bool equals(const T* a, const T* b) { return a == b; }
};

template <>
struct Traits<StringView> {
    static uint64_t hash(StringView text) { return hash_bytes(text.data(), text.length()); }
    static bool equals(StringView a, StringView b) { return a == b; }
};

template <>
struct Traits<String> {
    static uint64_t hash(const String& text) { return Traits<StringView>::hash(text.view()); }
    static uint64_t hash(StringView text) { return Traits<StringView>::hash(text); }
    static bool equals(const String& a, const String& b) { return a == b; }
    static bool equals(const String& a, StringView b) { return a.view() == b; }
    static bool equals(StringView a, const String& b) { return a == b.view(); }
};

} // namespace ktl
