// Kernel command line splitting. Quoting follows Linux's next_arg(): quotes toggle whether spaces
// end the word, and one leading and one trailing quote are stripped from the value.
#include "boot/command_line.h"

namespace boot {

namespace {

constexpr bool is_space(char character) {
    return character == ' ' || character == '\t' || character == '\n' || character == '\r';
}

constexpr bool starts_with_quote(ktl::StringView text) {
    return !text.is_empty() && text[0] == '"';
}
constexpr bool ends_with_quote(ktl::StringView text) {
    return !text.is_empty() && text[text.length() - 1] == '"';
}

ktl::StringView drop_last(ktl::StringView text) {
    return text.substring(0, text.length() - 1);
}

} // namespace

size_t CommandLine::program_arguments_start() const {
    size_t position = 0;
    Word word;
    while (next_word(position, word))
        ;
    return position; // just past the `--`, or the end
}

bool CommandLine::next_word(size_t& position, Word& word, bool whole) const {
    while (position < m_text.length() && is_space(m_text[position]))
        ++position;
    if (position >= m_text.length())
        return false;
    size_t start = position;
    bool in_quotes = false;
    while (position < m_text.length() && (in_quotes || !is_space(m_text[position]))) {
        if (m_text[position] == '"')
            in_quotes = !in_quotes;
        ++position;
    }
    ktl::StringView text = m_text.substring(start, position - start);
    if (whole) {
        bool quoted = starts_with_quote(text);
        if (quoted)
            text = text.substring(1);
        word.key = quoted && ends_with_quote(text) ? drop_last(text) : text;
        word.value = {};
        word.has_value = false;
        return true;
    }
    if (text == "--")
        return false;

    // A quote may open the whole word ("key=a b") or just the value (key="a b").
    bool word_quoted = starts_with_quote(text);
    if (word_quoted)
        text = text.substring(1);
    size_t equals = text.find('=');
    if (equals == ktl::StringView::npos) {
        word.key = word_quoted && ends_with_quote(text) ? drop_last(text) : text;
        word.value = {};
        word.has_value = false;
        return true;
    }
    word.key = text.substring(0, equals);
    ktl::StringView value = text.substring(equals + 1);
    bool value_quoted = starts_with_quote(value);
    if (value_quoted)
        value = value.substring(1);
    if ((word_quoted || value_quoted) && ends_with_quote(value))
        value = drop_last(value);
    word.value = value;
    word.has_value = true;
    return true;
}

bool CommandLine::has_flag(ktl::StringView name) const {
    size_t position = 0;
    Word word;
    while (next_word(position, word))
        if (!word.has_value && word.key == name)
            return true;
    return false;
}

bool CommandLine::has(ktl::StringView key) const {
    size_t position = 0;
    Word word;
    while (next_word(position, word))
        if (word.key == key)
            return true;
    return false;
}

ktl::StringView CommandLine::value_of(ktl::StringView key, ktl::StringView fallback) const {
    ktl::StringView result = fallback;
    size_t position = 0;
    Word word;
    while (next_word(position, word))
        if (word.has_value && word.key == key)
            result = word.value;
    return result;
}

} // namespace boot
