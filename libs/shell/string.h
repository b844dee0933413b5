// A growable byte string for the shell. The musl userland can use libstdc++'s header-only parts
// only, and std::string drags in the locale machinery that musl lacks, so the shell owns this one.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace shell {

class String {
public:
    static constexpr size_t npos = static_cast<size_t>(-1);

    String() = default;
    String(const char* text) { append(text, strlen(text)); }
    String(const char* text, size_t length) { append(text, length); }
    String(std::string_view text) { append(text.data(), text.size()); }
    String(size_t count, char c) {
        for (size_t i = 0; i < count; ++i)
            push_back(c);
    }
    String(const String& other) { append(other.m_data, other.m_size); }
    String(String&& other) noexcept
        : m_data(other.m_data), m_size(other.m_size), m_capacity(other.m_capacity) {
        other.m_data = nullptr;
        other.m_size = other.m_capacity = 0;
    }
    String& operator=(const String& other) {
        if (this != &other) {
            m_size = 0;
            append(other.m_data, other.m_size);
        }
        return *this;
    }
    String& operator=(String&& other) noexcept {
        if (this != &other) {
            free(m_data);
            m_data = other.m_data;
            m_size = other.m_size;
            m_capacity = other.m_capacity;
            other.m_data = nullptr;
            other.m_size = other.m_capacity = 0;
        }
        return *this;
    }
    ~String() { free(m_data); }

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    // Always NUL-terminated, so it can go straight to a system call.
    const char* c_str() const { return m_data ? m_data : ""; }
    const char* data() const { return c_str(); }
    char* begin() { return m_data; }
    char* end() { return m_data + m_size; }
    const char* begin() const { return m_data; }
    const char* end() const { return m_data + m_size; }
    char& operator[](size_t index) { return m_data[index]; }
    char operator[](size_t index) const { return m_data[index]; }
    char back() const { return m_data[m_size - 1]; }
    operator std::string_view() const { return {c_str(), m_size}; }
    std::string_view view() const { return {c_str(), m_size}; }

    void clear() { resize(0); }
    void pop_back() { resize(m_size - 1); }
    void resize(size_t size) {
        reserve(size);
        if (size > m_size)
            memset(m_data + m_size, 0, size - m_size);
        m_size = size;
        if (m_data)
            m_data[m_size] = '\0';
    }
    void reserve(size_t capacity) {
        if (capacity + 1 <= m_capacity)
            return;
        size_t grown = m_capacity * 2 > capacity + 1 ? m_capacity * 2 : capacity + 1;
        if (grown < 16)
            grown = 16;
        // Out of memory is fatal for the shell, as it is for operator new in the runtime.
        char* data = static_cast<char*>(realloc(m_data, grown));
        if (!data)
            abort();
        m_data = data;
        m_capacity = grown;
    }
    String& append(const char* text, size_t length) {
        reserve(m_size + length);
        if (length)
            memcpy(m_data + m_size, text, length);
        m_size += length;
        m_data[m_size] = '\0';
        return *this;
    }
    void push_back(char c) { append(&c, 1); }
    String& operator+=(char c) { return append(&c, 1); }
    String& operator+=(std::string_view text) { return append(text.data(), text.size()); }
    String& operator+=(const String& text) { return append(text.m_data, text.m_size); }
    String& operator+=(const char* text) { return append(text, strlen(text)); }

    String substr(size_t pos, size_t length = npos) const {
        if (pos > m_size)
            pos = m_size;
        if (length > m_size - pos)
            length = m_size - pos;
        return String(c_str() + pos, length);
    }
    size_t find(char c, size_t pos = 0) const { return view().find(c, pos); }
    size_t find(std::string_view text, size_t pos = 0) const { return view().find(text, pos); }
    size_t rfind(char c, size_t pos = npos) const { return view().rfind(c, pos); }
    bool starts_with(std::string_view text) const { return view().starts_with(text); }
    bool ends_with(std::string_view text) const { return view().ends_with(text); }
    void erase(size_t pos, size_t length = npos) {
        if (pos >= m_size)
            return;
        if (length > m_size - pos)
            length = m_size - pos;
        memmove(m_data + pos, m_data + pos + length, m_size - pos - length);
        resize(m_size - length);
    }
    void insert(size_t pos, std::string_view text) {
        size_t old = m_size;
        reserve(m_size + text.size());
        resize(m_size + text.size());
        memmove(m_data + pos + text.size(), m_data + pos, old - pos);
        memcpy(m_data + pos, text.data(), text.size());
    }

    friend bool operator==(const String& a, const String& b) { return a.view() == b.view(); }
    friend bool operator==(const String& a, const char* b) { return a.view() == std::string_view(b); }
    friend bool operator<(const String& a, const String& b) { return a.view() < b.view(); }
    friend String operator+(String a, std::string_view b) {
        a += b;
        return a;
    }
    friend String operator+(String a, char b) {
        a += b;
        return a;
    }
    friend String operator+(const char* a, const String& b) {
        String result(a);
        result += b;
        return result;
    }

private:
    char* m_data = nullptr;
    size_t m_size = 0;
    size_t m_capacity = 0;
};

// Decimal text of a number, for $?, $#, $$ and arithmetic results.
String to_string(long value);

} // namespace shell
