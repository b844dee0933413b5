// A non-owning view of characters; `<string_view>` drags in libc headers, this does not.
#pragma once

#include <cstddef>

namespace ktl {

class StringView {
public:
    constexpr StringView() = default;
    constexpr StringView(const char* characters, size_t length)
        : m_characters(characters), m_length(length) {}
    constexpr StringView(const char* c_string) : m_characters(c_string), m_length(0) {
        if (c_string)
            while (c_string[m_length] != '\0')
                ++m_length;
    }

    constexpr const char* data() const { return m_characters; }
    constexpr size_t length() const { return m_length; }
    constexpr size_t size() const { return m_length; }
    constexpr bool is_empty() const { return m_length == 0; }
    constexpr char operator[](size_t index) const { return m_characters[index]; }
    constexpr const char* begin() const { return m_characters; }
    constexpr const char* end() const { return m_characters + m_length; }

    constexpr StringView substring(size_t start, size_t length = static_cast<size_t>(-1)) const {
        if (start > m_length)
            start = m_length;
        if (length > m_length - start)
            length = m_length - start;
        return {m_characters + start, length};
    }
    constexpr bool starts_with(StringView prefix) const {
        return prefix.m_length <= m_length && substring(0, prefix.m_length) == prefix;
    }
    constexpr bool ends_with(StringView suffix) const {
        return suffix.m_length <= m_length && substring(m_length - suffix.m_length) == suffix;
    }
    static constexpr size_t npos = static_cast<size_t>(-1);
    constexpr size_t find(char character, size_t from = 0) const {
        for (size_t i = from; i < m_length; ++i)
            if (m_characters[i] == character)
                return i;
        return npos;
    }
    constexpr size_t find(StringView needle, size_t from = 0) const {
        if (needle.m_length > m_length)
            return npos;
        for (size_t i = from; i + needle.m_length <= m_length; ++i)
            if (substring(i, needle.m_length) == needle)
                return i;
        return npos;
    }
    constexpr bool contains(StringView needle) const { return find(needle) != npos; }

    constexpr bool operator==(const StringView& other) const {
        if (m_length != other.m_length)
            return false;
        for (size_t i = 0; i < m_length; ++i)
            if (m_characters[i] != other.m_characters[i])
                return false;
        return true;
    }

private:
    const char* m_characters = nullptr;
    size_t m_length = 0;
};

} // namespace ktl
