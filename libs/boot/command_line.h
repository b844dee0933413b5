// Kernel command line: words separated by whitespace; a word is `flag` or `key=value`. Double
// quotes keep spaces inside a word (key="a b"); an unterminated quote runs to the end of the line.
// Later words override earlier ones, so a command line appended after the loader's wins. A bare
// `--` ends the kernel's words: what follows are the first program's arguments (as on Linux).
#pragma once

#include "ktl/string_view.h"

#include <cstddef>

namespace boot {

class CommandLine {
public:
    // Keeps a view; the caller keeps the storage alive.
    explicit CommandLine(ktl::StringView text) : m_text(text) {}

    ktl::StringView text() const { return m_text; }

    // `name` present as a bare word (not `name=...`).
    bool has_flag(ktl::StringView name) const;
    // `key` present either as a flag or as key=value.
    bool has(ktl::StringView key) const;
    // The unquoted value of the last `key=value` word, or `fallback` when there is none.
    ktl::StringView value_of(ktl::StringView key, ktl::StringView fallback = {}) const;

    // callback(StringView key, StringView value) for each word in order; value is empty for flags
    // (and for `key=`; use has_flag to tell them apart).
    template <typename F>
    void for_each_word(F&& callback) const {
        size_t position = 0;
        Word word;
        while (next_word(position, word))
            callback(word.key, word.value);
    }

    // callback(StringView argument) for each word after `--`, quotes removed as for values.
    template <typename F>
    void for_each_program_argument(F&& callback) const {
        size_t position = program_arguments_start();
        Word word;
        while (next_word(position, word, true))
            callback(word.key);
    }

private:
    struct Word {
        ktl::StringView key;
        ktl::StringView value;
        bool has_value = false; // `key=` as opposed to `key`
    };

    // Reads the word at or after `position` and moves past it; false at the end of the text.
    // A bare `--` stops the kernel's words; `whole` reads a program argument ('=' is not special).
    bool next_word(size_t& position, Word& word, bool whole = false) const;
    size_t program_arguments_start() const;

    ktl::StringView m_text;
};

} // namespace boot
