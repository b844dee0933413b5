// An owned, NUL-terminated, immutable string on the heap: names of files, mounts and processes that
// outlive the buffer they came from. Move-only; copies are explicit with try_clone() because they can fail.
#pragma once

#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

namespace ktl {

class String {
public:
    String() = default;
    String(const String&) = delete;
    String& operator=(const String&) = delete;
    String(String&& other)
        : m_characters(std::exchange(other.m_characters, nullptr)),
          m_length(std::exchange(other.m_length, 0)) {}
    String& operator=(String&& other) {
        if (this != &other) {
            release();
            m_characters = std::exchange(other.m_characters, nullptr);
            m_length = std::exchange(other.m_length, 0);
        }
        return *this;
    }
    ~String() { release(); }

    // Copies `text`; the empty string allocates nothing.
    static ErrorOr<String> try_create(StringView text) {
        String string;
        if (text.is_empty())
            return string;
        if (text.length() == SIZE_MAX)
            return Errno::NoMemory;
        auto* characters = static_cast<char*>(::operator new(text.length() + 1, std::nothrow));
        if (!characters)
            return Errno::NoMemory;
        for (size_t i = 0; i < text.length(); ++i)
            characters[i] = text[i];
        characters[text.length()] = '\0';
        string.m_characters = characters;
        string.m_length = text.length();
        return string;
    }

    StringView view() const { return {characters(), m_length}; }
    // Never null: "" when empty.
    const char* characters() const { return m_characters ? m_characters : ""; }
    size_t length() const { return m_length; }
    bool is_empty() const { return m_length == 0; }

    bool operator==(StringView other) const { return view() == other; }
    bool operator==(const String& other) const { return view() == other.view(); }

    ErrorOr<String> try_clone() const { return try_create(view()); }

private:
    void release() {
        ::operator delete(m_characters);
        m_characters = nullptr;
        m_length = 0;
    }

    char* m_characters = nullptr;
    size_t m_length = 0;
};

} // namespace ktl
