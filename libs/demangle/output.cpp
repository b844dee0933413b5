// The demangler's output buffer: appends, and the in-place insert/erase/rotate that move a declarator
// into the middle of an already printed type. Every edit checks its positions, so a parser bug can
// garble the text but never write outside the buffer.
#include "demangle/parser.h"

namespace demangle::detail {

namespace {

void reverse(char* first, char* last) {
    while (first < last && first < --last) {
        char saved = *first;
        *first++ = *last;
        *last = saved;
    }
}

} // namespace

void Output::append(StringView text) {
    if (m_overflowed || text.is_empty())
        return;
    m_dropped_separator = false;
    if (text.length() > m_capacity - m_size) {
        m_overflowed = true;
        return;
    }
    for (size_t i = 0; i < text.length(); ++i)
        m_buffer[m_size + i] = text[i];
    m_size += text.length();
}

void Output::append_number(uint64_t value) {
    char digits[20];
    size_t count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        append_char(digits[--count]);
}

void Output::insert(size_t at, StringView text) {
    if (!valid(at))
        return;
    size_t old_size = m_size;
    append(text); // grows the buffer (or overflows) and puts the text at the end
    if (m_overflowed)
        return;
    rotate(at, old_size, m_size);
}

void Output::erase(size_t from, size_t to) {
    if (!valid(to) || from > to)
        return;
    for (size_t i = to; i < m_size; ++i)
        m_buffer[from + (i - to)] = m_buffer[i];
    m_size -= to - from;
}

void Output::truncate(size_t size) {
    if (valid(size))
        m_size = size;
}

void Output::rotate(size_t first, size_t middle, size_t last) {
    if (!valid(last) || first > middle || middle > last)
        return;
    reverse(m_buffer + first, m_buffer + middle);
    reverse(m_buffer + middle, m_buffer + last);
    reverse(m_buffer + first, m_buffer + last);
}

} // namespace demangle::detail
