// Expansion builds fields of characters, each flagged as quoted (literal: never split or
// globbed) or split-eligible (the result of an unquoted expansion); splitting, globbing and quote
// removal then read only the flags, so no quote characters need to survive into the text.
#include "shell/expand.h"

#include <cctype>
#include <fnmatch.h>
#include <glob.h>
#include <pwd.h>

#include "shell/arithmetic.h"
#include "shell/parser.h"

namespace shell {

namespace {

constexpr unsigned char quoted_flag = 1;
constexpr unsigned char split_flag = 2;

// The end of a ${...} that starts at `i` (at the '$'): the index of its '}', or npos.
size_t find_brace_end(std::string_view text, size_t i) {
    size_t j = i + 2;
    int depth = 1;
    while (j < text.size()) {
        char c = text[j];
        if (c == '\\') {
            j += 2;
            continue;
        }
        if (c == '\'') {
            size_t close = text.find('\'', j + 1);
            if (close == std::string_view::npos)
                return close;
            j = close + 1;
            continue;
        }
        if (c == '"') {
            ++j;
            while (j < text.size() && text[j] != '"') {
                if (text[j] == '\\')
                    ++j;
                else if (text[j] == '$' && j + 1 < text.size() && text[j + 1] == '{') {
                    size_t end = find_brace_end(text, j);
                    if (end == std::string_view::npos)
                        return end;
                    j = end;
                }
                ++j;
            }
            ++j;
            continue;
        }
        if (c == '$' && j + 1 < text.size() && text[j + 1] == '{') {
            size_t end = find_brace_end(text, j);
            if (end == std::string_view::npos)
                return end;
            j = end + 1;
            continue;
        }
        if (c == '$' && j + 1 < text.size() && text[j + 1] == '(') {
            bool need_more = false;
            size_t end = Parser::find_substitution_end(text, j + 2, &need_more);
            if (end == std::string_view::npos)
                return end;
            j = end;
            continue;
        }
        if (c == '{')
            ++depth;
        if (c == '}' && --depth == 0)
            return j;
        ++j;
    }
    return std::string_view::npos;
}

// The end of $(( ... )) starting at `i` (at the '$'): the index just past "))", or npos.
size_t find_arithmetic_end(std::string_view text, size_t i) {
    int depth = 0;
    for (size_t j = i + 3; j < text.size(); ++j) {
        if (text[j] == '(') {
            ++depth;
        } else if (text[j] == ')') {
            if (depth == 0)
                return (j + 1 < text.size() && text[j + 1] == ')') ? j + 2 : std::string_view::npos;
            --depth;
        }
    }
    return std::string_view::npos;
}

bool is_special_parameter(char c) {
    return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!' || c == '0';
}

// $(...) and `...` lose all trailing newlines (XCU 2.6.3).
void strip_trailing_newlines(String& output) {
    while (!output.empty() && output.back() == '\n')
        output.pop_back();
}

bool is_glob_special(char c) {
    return c == '*' || c == '?' || c == '[' || c == ']' || c == '\\';
}

} // namespace

String to_string(long value) {
    char buffer[32];
    unsigned long magnitude =
        value < 0 ? 0 - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
    size_t length = 0;
    do {
        buffer[sizeof(buffer) - 1 - length++] = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        buffer[sizeof(buffer) - 1 - length++] = '-';
    return String(buffer + sizeof(buffer) - length, length);
}

void Expander::append(char c, bool quoted) {
    Field& field = m_fields.back();
    field.text += c;
    field.flags.push_back(quoted ? quoted_flag : 0);
    if (quoted)
        field.quoted = true;
}

void Expander::append_value(std::string_view value, bool quoted) {
    Field& field = m_fields.back();
    for (char c : value) {
        field.text += c;
        field.flags.push_back(quoted ? quoted_flag : split_flag);
    }
    if (quoted && !value.empty())
        field.quoted = true;
}

void Expander::break_field() {
    m_fields.push_back(Field{});
}

String Expander::ifs() {
    const String* value = m_host.lookup("IFS");
    return value ? *value : String(" \t\n");
}

bool Expander::parameter_value(std::string_view name, String& value, bool& set) {
    if (name == "@" || name == "*") {
        const std::vector<String>& parameters = m_host.positional_parameters();
        set = !parameters.empty();
        String separator = ifs();
        value.clear();
        for (size_t i = 0; i < parameters.size(); ++i) {
            if (i > 0 && !separator.empty())
                value += separator[0];
            value += parameters[i];
        }
        return true;
    }
    const String* found = m_host.lookup(name);
    set = found != nullptr;
    value = found ? *found : String();
    return true;
}

bool Expander::expand_tilde(std::string_view text, size_t& i, bool assignment) {
    size_t end = i + 1;
    while (end < text.size() && text[end] != '/' && !(assignment && text[end] == ':'))
        ++end;
    std::string_view user = text.substr(i + 1, end - i - 1);
    for (char c : user)
        if (c == '\'' || c == '"' || c == '\\' || c == '$' || c == '`')
            return false; // a quoted tilde-prefix is literal
    String home;
    if (user.empty()) {
        const String* value = m_host.lookup("HOME");
        if (!value)
            return false;
        home = *value;
    } else {
        struct passwd* entry = getpwnam(String(user).c_str());
        if (!entry)
            return false;
        home = entry->pw_dir;
    }
    for (char c : home)
        append(c, true);
    m_fields.back().quoted = true;
    i = end;
    return true;
}

bool Expander::expand_backquote(std::string_view text, size_t& i, bool in_double_quotes) {
    size_t j = i + 1;
    String source;
    while (j < text.size() && text[j] != '`') {
        // Inside backquotes a backslash keeps its meaning only before $ ` \ (and " in double quotes).
        if (text[j] == '\\' && j + 1 < text.size() &&
            (text[j + 1] == '$' || text[j + 1] == '`' || text[j + 1] == '\\' ||
             (in_double_quotes && text[j + 1] == '"'))) {
            source += text[j + 1];
            j += 2;
            continue;
        }
        source += text[j++];
    }
    i = j + 1;
    String output;
    if (!m_host.command_substitution(source, output))
        return false;
    strip_trailing_newlines(output);
    append_value(output, in_double_quotes);
    return true;
}

bool Expander::expand_dollar(std::string_view text, size_t& i, bool in_double_quotes) {
    size_t next = i + 1;
    if (next >= text.size()) {
        append('$', in_double_quotes);
        ++i;
        return true;
    }
    char c = text[next];
    if (c == '(' && next + 1 < text.size() && text[next + 1] == '(') {
        size_t end = find_arithmetic_end(text, i);
        if (end != std::string_view::npos) {
            std::string_view inside = text.substr(i + 3, end - 2 - (i + 3));
            // The expression is expanded as if in double quotes first: parameters, substitutions.
            Expander inner(m_host);
            String expression;
            if (!inner.expand_word(String("\"") + inside + "\"", expression))
                return false;
            ArithmeticVariables variables{
                [this](std::string_view name) { return m_host.lookup(name); },
                [this](std::string_view name, long value) { m_host.assign(name, to_string(value)); }};
            long result = 0;
            String error;
            if (!evaluate_arithmetic(expression, variables, result, error)) {
                m_host.report_error(error);
                return false;
            }
            append_value(to_string(result), in_double_quotes);
            i = end;
            return true;
        }
    }
    if (c == '(') {
        bool need_more = false;
        size_t end = Parser::find_substitution_end(text, next + 1, &need_more);
        if (end == std::string_view::npos) {
            m_host.report_error("syntax error: bad substitution");
            return false;
        }
        String output;
        if (!m_host.command_substitution(text.substr(next + 1, end - 1 - (next + 1)), output))
            return false;
        strip_trailing_newlines(output);
        append_value(output, in_double_quotes);
        i = end;
        return true;
    }
    if (c == '{') {
        size_t end = find_brace_end(text, i);
        if (end == std::string_view::npos) {
            m_host.report_error("syntax error: bad substitution");
            return false;
        }
        i = end + 1;
        return expand_braced(text.substr(next + 1, end - next - 1), in_double_quotes);
    }
    String name;
    if (isdigit(static_cast<unsigned char>(c)) || is_special_parameter(c)) {
        name = String(&c, 1);
        i = next + 1;
    } else if (isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t end = next;
        while (end < text.size() && (isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
            ++end;
        name = text.substr(next, end - next);
        i = end;
    } else {
        append('$', in_double_quotes);
        ++i;
        return true;
    }
    return expand_braced(name, in_double_quotes);
}

// ${...} without its braces (and plain $name): the parameter, then an operator and its word.
bool Expander::expand_braced(std::string_view inside, bool in_double_quotes) {
    bool length = false;
    if (inside.size() > 1 && inside[0] == '#') {
        length = true;
        inside.remove_prefix(1);
    }
    size_t name_end = 0;
    if (!inside.empty() && (is_special_parameter(inside[0]) || inside[0] == '#')) {
        name_end = 1;
    } else if (!inside.empty() && isdigit(static_cast<unsigned char>(inside[0]))) {
        while (name_end < inside.size() && isdigit(static_cast<unsigned char>(inside[name_end])))
            ++name_end;
    } else {
        while (name_end < inside.size() &&
               (isalnum(static_cast<unsigned char>(inside[name_end])) || inside[name_end] == '_'))
            ++name_end;
    }
    std::string_view name = inside.substr(0, name_end);
    std::string_view rest = inside.substr(name_end);
    if (name.empty() || (length && !rest.empty())) {
        m_host.report_error(String("${") + inside + "}: bad substitution");
        return false;
    }
    String value;
    bool set = false;
    parameter_value(name, value, set);
    bool is_list = name == "@" || name == "*";

    String op;
    std::string_view word;
    if (!rest.empty()) {
        size_t op_length = 1;
        if (rest[0] == ':' && rest.size() > 1 &&
            (rest[1] == '-' || rest[1] == '=' || rest[1] == '?' || rest[1] == '+'))
            op_length = 2;
        else if ((rest[0] == '%' || rest[0] == '#') && rest.size() > 1 && rest[1] == rest[0])
            op_length = 2;
        else if (!(rest[0] == '-' || rest[0] == '=' || rest[0] == '?' || rest[0] == '+' || rest[0] == '%' ||
                   rest[0] == '#')) {
            m_host.report_error(String("${") + inside + "}: bad substitution");
            return false;
        }
        op = rest.substr(0, op_length);
        word = rest.substr(op_length);
    }

    bool colon = op.starts_with(":");
    bool use_word_if_unset = !set || (colon && value.empty());
    if (op == "-" || op == ":-") {
        if (use_word_if_unset)
            return expand_brace_word(word, in_double_quotes);
    } else if (op == "=" || op == ":=") {
        if (use_word_if_unset) {
            String assigned;
            Expander inner(m_host);
            if (!inner.expand_word(word, assigned))
                return false;
            if (!m_host.assign(name, assigned))
                return false;
            value = assigned;
        }
    } else if (op == "?" || op == ":?") {
        if (use_word_if_unset) {
            String message;
            Expander inner(m_host);
            if (!inner.expand_word(word, message))
                return false;
            m_host.report_error(String(name) + ": " +
                                (word.empty() ? String("parameter not set") : message).view());
            return false;
        }
    } else if (op == "+" || op == ":+") {
        if (!use_word_if_unset)
            return expand_brace_word(word, in_double_quotes);
        return true;
    } else if (!op.empty()) {
        // % %% # ##: remove the shortest or longest matching suffix or prefix.
        String pattern;
        Expander inner(m_host);
        if (!inner.expand_pattern(word, pattern))
            return false;
        if (!set && m_host.option_nounset()) {
            m_host.report_error(String(name) + ": parameter not set");
            return false;
        }
        size_t size = value.size();
        String result = value;
        if (op == "%" || op == "%%") {
            for (size_t k = 0; k <= size; ++k) {
                size_t start = op == "%" ? size - k : k;
                if (fnmatch(pattern.c_str(), value.c_str() + start, 0) == 0) {
                    result = value.substr(0, start);
                    break;
                }
            }
        } else {
            for (size_t k = 0; k <= size; ++k) {
                size_t end = op == "#" ? k : size - k;
                if (fnmatch(pattern.c_str(), value.substr(0, end).c_str(), 0) == 0) {
                    result = value.substr(end);
                    break;
                }
            }
        }
        append_value(result, in_double_quotes);
        return true;
    }

    if (!set && !is_list && m_host.option_nounset()) {
        m_host.report_error(String(name) + ": parameter not set");
        return false;
    }
    if (length) {
        if (is_list)
            append_value(to_string(static_cast<long>(m_host.positional_parameters().size())),
                         in_double_quotes);
        else
            append_value(to_string(static_cast<long>(value.size())), in_double_quotes);
        return true;
    }
    if (is_list && (name == "@" || !in_double_quotes)) {
        // "$@" is one field per parameter; unquoted $@ and $* are too, each split again.
        const std::vector<String>& parameters = m_host.positional_parameters();
        if (in_double_quotes)
            m_saw_at = true;
        for (size_t k = 0; k < parameters.size(); ++k) {
            if (k > 0)
                break_field();
            append_value(parameters[k], in_double_quotes);
            if (in_double_quotes)
                m_fields.back().quoted = true;
        }
        return true;
    }
    append_value(value, in_double_quotes);
    return true;
}

bool Expander::expand_brace_word(std::string_view word, bool in_double_quotes) {
    bool saved = m_in_brace_word;
    m_in_brace_word = in_double_quotes;
    size_t i = 0;
    bool ok = expand_text(word, i, in_double_quotes, false);
    m_in_brace_word = saved;
    return ok;
}

// Expands `text` from i up to its end (or, in double quotes, the closing quote).
bool Expander::expand_text(std::string_view text, size_t& i, bool in_double_quotes, bool here_document) {
    while (i < text.size()) {
        char c = text[i];
        if (in_double_quotes && c == '"' && !here_document) {
            if (!m_in_brace_word)
                return true;
            // "${x:-"a b"}": quotes inside the braces nest rather than end the outer ones.
            ++i;
            m_in_brace_word = false;
            bool ok = expand_text(text, i, true, false);
            m_in_brace_word = true;
            if (!ok)
                return false;
            ++i;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= text.size()) {
                append('\\', true);
                ++i;
                continue;
            }
            char next = text[i + 1];
            if (next == '\n') {
                i += 2;
                continue;
            }
            bool escapes = !in_double_quotes || next == '$' || next == '`' || next == '\\' ||
                           (next == '"' && !here_document);
            if (escapes) {
                append(next, true);
                i += 2;
            } else {
                append('\\', true);
                ++i;
            }
            continue;
        }
        if (c == '\'' && !in_double_quotes) {
            size_t close = text.find('\'', i + 1);
            if (close == std::string_view::npos)
                close = text.size();
            for (size_t k = i + 1; k < close; ++k)
                append(text[k], true);
            m_fields.back().quoted = true;
            i = close + 1;
            continue;
        }
        if (c == '"' && !in_double_quotes) {
            ++i;
            bool saw_at = m_saw_at;
            m_saw_at = false;
            if (!expand_text(text, i, true, false))
                return false;
            // "" is an empty field of its own, but "$@" with no parameters is no field at all.
            if (!m_saw_at)
                m_fields.back().quoted = true;
            m_saw_at = saw_at;
            ++i; // the closing quote
            continue;
        }
        if (c == '$') {
            if (!expand_dollar(text, i, in_double_quotes))
                return false;
            continue;
        }
        if (c == '`') {
            if (!expand_backquote(text, i, in_double_quotes))
                return false;
            continue;
        }
        append(c, in_double_quotes);
        ++i;
    }
    return true;
}

bool Expander::expand_into(std::string_view word, bool assignment) {
    m_fields.clear();
    break_field();
    size_t i = 0;
    if (assignment) {
        // NAME=value: the name is literal; tilde expansion after '=' and each ':'.
        size_t equals = word.find('=');
        for (; i <= equals; ++i)
            append(word[i], true);
        size_t start = i;
        String value_text(word.substr(start));
        std::string_view text = word;
        while (i < text.size()) {
            if ((i == start || text[i - 1] == ':') && text[i] == '~' && expand_tilde(text, i, true))
                continue;
            // Expand up to the next unquoted ':' so each element gets its tilde.
            size_t stop = i;
            size_t colon = std::string_view::npos;
            while (stop < text.size()) {
                char c = text[stop];
                if (c == ':') {
                    colon = stop;
                    break;
                }
                if (c == '\\') {
                    stop += 2;
                } else if (c == '\'') {
                    size_t close = text.find('\'', stop + 1);
                    stop = close == std::string_view::npos ? text.size() : close + 1;
                } else if (c == '"' || c == '$' || c == '`') {
                    break; // quoting or expansions: no more tilde prefixes worth finding
                } else {
                    ++stop;
                }
            }
            if (colon == std::string_view::npos) {
                return expand_text(text, i, false, false);
            }
            std::string_view piece = text.substr(0, colon);
            if (!expand_text(piece, i, false, false))
                return false;
            append(':', false);
            i = colon + 1;
            if (i == text.size())
                return true;
        }
        return true;
    }
    if (!word.empty() && word[0] == '~')
        expand_tilde(word, i, false);
    return expand_text(word, i, false, false);
}

String Expander::joined_fields_text() {
    String result;
    for (size_t k = 0; k < m_fields.size(); ++k) {
        if (k > 0)
            result += ' ';
        result += m_fields[k].text;
    }
    return result;
}

bool Expander::expand_word(std::string_view word, String& result, bool assignment) {
    if (!expand_into(word, assignment))
        return false;
    result = joined_fields_text();
    if (assignment)
        result = result.substr(word.find('=') + 1);
    return true;
}

String Expander::pattern_of(const Field& field) {
    String pattern;
    for (size_t k = 0; k < field.text.size(); ++k) {
        char c = field.text[k];
        if ((field.flags[k] & quoted_flag) && is_glob_special(c))
            pattern += '\\';
        pattern += c;
    }
    return pattern;
}

bool Expander::expand_pattern(std::string_view word, String& pattern) {
    if (!expand_into(word, false))
        return false;
    pattern.clear();
    for (size_t k = 0; k < m_fields.size(); ++k) {
        if (k > 0)
            pattern += ' ';
        pattern += pattern_of(m_fields[k]);
    }
    return true;
}

bool Expander::expand_here_document(std::string_view body, String& result) {
    m_fields.clear();
    break_field();
    size_t i = 0;
    if (!expand_text(body, i, true, true))
        return false;
    result = joined_fields_text();
    return true;
}

void Expander::split(const Field& field, std::vector<Field>& out) {
    String separators = ifs();
    enum class State { Start, InField, AfterSpace, AfterDelimiter } state = State::Start;
    Field current;
    size_t produced = out.size();
    for (size_t k = 0; k < field.text.size(); ++k) {
        char c = field.text[k];
        bool separator = (field.flags[k] & split_flag) && separators.find(c) != String::npos;
        if (!separator) {
            current.text += c;
            current.flags.push_back(field.flags[k]);
            state = State::InField;
            continue;
        }
        bool space = c == ' ' || c == '\t' || c == '\n';
        if (space) {
            if (state == State::InField) {
                out.push_back(current);
                current = Field{};
                state = State::AfterSpace;
            }
            continue;
        }
        if (state == State::InField) {
            out.push_back(current);
            current = Field{};
        } else if (state != State::AfterSpace) {
            out.push_back(Field{}); // an empty field between two delimiters, or before the first
        }
        state = State::AfterDelimiter;
    }
    if (state == State::InField)
        out.push_back(current);
    if (out.size() == produced && field.quoted)
        out.push_back(current);
}

void Expander::glob_field(const Field& field, std::vector<String>& out) {
    bool has_magic = false;
    for (size_t k = 0; k < field.text.size(); ++k) {
        char c = field.text[k];
        if (!(field.flags[k] & quoted_flag) && (c == '*' || c == '?' || c == '['))
            has_magic = true;
    }
    if (has_magic && !m_host.option_noglob()) {
        String pattern = pattern_of(field);
        glob_t matches{};
        if (glob(pattern.c_str(), 0, nullptr, &matches) == 0 && matches.gl_pathc > 0) {
            for (size_t k = 0; k < matches.gl_pathc; ++k)
                out.push_back(String(matches.gl_pathv[k]));
            globfree(&matches);
            return;
        }
        globfree(&matches);
    }
    out.push_back(field.text);
}

bool Expander::expand_words(const std::vector<String>& words, std::vector<String>& fields) {
    for (const String& word : words) {
        if (!expand_into(word, false))
            return false;
        std::vector<Field> expanded = m_fields;
        for (const Field& field : expanded) {
            std::vector<Field> pieces;
            split(field, pieces);
            for (const Field& piece : pieces)
                glob_field(piece, fields);
        }
    }
    return true;
}

std::vector<String> Expander::split_fields(std::string_view text, std::string_view ifs, size_t max_fields) {
    std::vector<String> fields;
    auto is_space = [&](char c) {
        return (c == ' ' || c == '\t' || c == '\n') && ifs.find(c) != std::string_view::npos;
    };
    auto is_delimiter = [&](char c) { return ifs.find(c) != std::string_view::npos && !is_space(c); };
    size_t i = 0;
    while (i < text.size() && is_space(text[i]))
        ++i;
    while (i < text.size()) {
        if (max_fields && fields.size() + 1 == max_fields) {
            // The last variable takes the rest, less trailing IFS whitespace.
            size_t end = text.size();
            while (end > i && is_space(text[end - 1]))
                --end;
            // A single trailing delimiter goes too when it is all that follows the last field.
            if (end > i && is_delimiter(text[end - 1])) {
                size_t before = end - 1;
                bool other = false;
                for (size_t k = i; k < before; ++k)
                    other = other || ifs.find(text[k]) != std::string_view::npos;
                if (!other)
                    end = before;
            }
            fields.push_back(String(text.substr(i, end - i)));
            return fields;
        }
        size_t start = i;
        while (i < text.size() && ifs.find(text[i]) == std::string_view::npos)
            ++i;
        fields.push_back(String(text.substr(start, i - start)));
        while (i < text.size() && is_space(text[i]))
            ++i;
        if (i < text.size() && is_delimiter(text[i])) {
            ++i;
            while (i < text.size() && is_space(text[i]))
                ++i;
        }
    }
    return fields;
}

} // namespace shell
