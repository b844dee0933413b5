// Walking a path's components: "a//b/./c/" gives "a", "b", ".", "c", each with whether it is the
// last one. Repeated slashes count as one; a trailing slash is reported once for the whole path (it
// demands a directory). The path walk and its test model share this, so they split paths alike.
#pragma once

#include "ktl/string_view.h"

#include <cstddef>

namespace ktl {

class PathComponents {
public:
    explicit constexpr PathComponents(StringView path) : m_path(path) {}

    constexpr bool is_absolute() const { return !m_path.is_empty() && m_path[0] == '/'; }
    constexpr bool has_trailing_slash() const {
        return !m_path.is_empty() && m_path[m_path.length() - 1] == '/';
    }

    // The next component, and whether nothing but slashes follows it; false at the end.
    constexpr bool next(StringView& component, bool& is_last) {
        while (m_position < m_path.length() && m_path[m_position] == '/')
            ++m_position;
        if (m_position == m_path.length())
            return false;
        size_t end = m_position;
        while (end < m_path.length() && m_path[end] != '/')
            ++end;
        component = m_path.substring(m_position, end - m_position);
        m_position = end;
        size_t rest = end;
        while (rest < m_path.length() && m_path[rest] == '/')
            ++rest;
        is_last = rest == m_path.length();
        return true;
    }

private:
    StringView m_path;
    size_t m_position = 0;
};

} // namespace ktl
