// Word expansion in the order of POSIX XCU 2.6: tilde, parameter, command substitution and
// arithmetic, then field splitting by IFS, pathname expansion and quote removal. The interpreter
// supplies variables and runs command substitutions through ExpansionHost, so this compiles and
// is tested without processes.
#pragma once

#include <string_view>
#include <vector>

#include "shell/string.h"

namespace shell {

class ExpansionHost {
public:
    virtual ~ExpansionHost() = default;
    // A variable, positional ("1") or special ("?", "$", "#", "-", "!", "0") parameter; null when unset.
    virtual const String* lookup(std::string_view name) = 0;
    virtual const std::vector<String>& positional_parameters() = 0;
    // ${x=y} and arithmetic assignments; false (after reporting) when x is read-only.
    virtual bool assign(std::string_view name, const String& value) = 0;
    // Runs `source` in a subshell and returns all it wrote; false when the shell must stop.
    virtual bool command_substitution(std::string_view source, String& output) = 0;
    virtual void report_error(std::string_view message) = 0;
    virtual bool option_nounset() { return false; }
    virtual bool option_noglob() { return false; }
};

class Expander {
public:
    explicit Expander(ExpansionHost& host) : m_host(host) {}

    // A command's words: each may become any number of fields. False on an expansion error.
    bool expand_words(const std::vector<String>& words, std::vector<String>& fields);
    // One word to one string, no splitting or globbing: assignments, redirection targets, case words.
    bool expand_word(std::string_view word, String& result, bool assignment = false);
    // A case or ${x#...} pattern: quoted characters come out backslash-escaped for fnmatch.
    bool expand_pattern(std::string_view word, String& pattern);
    // An unquoted here-document's body: parameters, substitutions, and a backslash only
    // before `$`, `` ` ``, `\\` or a newline.
    bool expand_here_document(std::string_view body, String& result);

    // Field splitting of plain text by IFS, as `read` does (at most `max_fields`, the last keeps the rest).
    static std::vector<String> split_fields(std::string_view text, std::string_view ifs, size_t max_fields);

private:
    struct Field {
        String text;
        std::vector<unsigned char> flags;
        bool quoted = false; // has a quoted part, even an empty one: never removed as empty
    };

    bool expand_into(std::string_view word, bool assignment);
    bool expand_text(std::string_view text, size_t& i, bool in_double_quotes, bool here_document);
    bool expand_dollar(std::string_view text, size_t& i, bool in_double_quotes);
    bool expand_braced(std::string_view inside, bool in_double_quotes);
    bool expand_brace_word(std::string_view word, bool in_double_quotes);
    bool expand_backquote(std::string_view text, size_t& i, bool in_double_quotes);
    bool expand_tilde(std::string_view text, size_t& i, bool assignment);
    void append(char c, bool quoted);
    void append_value(std::string_view value, bool quoted);
    void break_field();
    String ifs();
    void split(const Field& field, std::vector<Field>& out);
    void glob_field(const Field& field, std::vector<String>& out);
    static String pattern_of(const Field& field);
    bool parameter_value(std::string_view name, String& value, bool& set);
    String joined_fields_text();

    ExpansionHost& m_host;
    std::vector<Field> m_fields;
    bool m_in_brace_word = false; // the word of ${x:-word} inside double quotes
    bool m_saw_at = false;        // "$@" inside the current double quotes
};

} // namespace shell
