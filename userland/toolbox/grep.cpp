// grep: lines matching POSIX regular expressions (musl's regcomp) or fixed strings, GNU's options and
// exit statuses.
#include "toolbox.h"
#include "toolbox/walk.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex.h>
#include <string_view>
#include <sys/stat.h>
#include <vector>

namespace toolbox {

namespace {

void print_line(std::string_view line) {
    fwrite(line.data(), 1, line.size(), stdout);
    putchar('\n');
}

struct GrepOptions {
    bool invert = false, number = false, count = false, list = false, quiet = false, recursive = false;
    bool whole_line = false, whole_word = false, only_matching = false, list_unmatched = false;
    bool fixed = false, ignore_case = false, no_messages = false;
    int with_names = 0; // -1 never (-h), 0 when several files, 1 always (-H)
};

class Matcher {
public:
    bool compile(const std::vector<const char*>& patterns, const GrepOptions& options, bool extended) {
        m_options = &options;
        for (const char* text : patterns) {
            // A pattern with newlines is one pattern per line.
            const char* start = text;
            for (;;) {
                const char* end = strchr(start, '\n');
                size_t length = end != nullptr ? static_cast<size_t>(end - start) : strlen(start);
                char* piece = strndup(start, length);
                m_fixed.push_back(piece);
                if (!options.fixed) {
                    regex_t expression;
                    int flags = (extended ? REG_EXTENDED : 0) | (options.ignore_case ? REG_ICASE : 0);
                    // -x: the pattern must span the line, so it is anchored at both ends.
                    char anchored[4096];
                    const char* source = piece;
                    if (options.whole_line) {
                        snprintf(anchored, sizeof(anchored), extended ? "^(%s)$" : "^\\(%s\\)$", piece);
                        source = anchored;
                    }
                    if (int code = regcomp(&expression, source, flags); code != 0) {
                        char message[256];
                        regerror(code, &expression, message, sizeof(message));
                        error("%s", message);
                        return false;
                    }
                    m_expressions.push_back(expression);
                }
                if (end == nullptr)
                    break;
                start = end + 1;
            }
        }
        return true;
    }

    // The leftmost match in line[from..] that -x and -w allow, as [start, end); `line` is NUL-terminated
    // at line[length].
    bool find(const char* line, size_t length, size_t from, size_t& start, size_t& end) const {
        for (size_t position = from; position <= length; ++position) {
            if (!find_any(line, length, position, start, end))
                return false;
            if (acceptable(line, length, start, end))
                return true;
            // -w: a match inside a word does not count; look again one character later.
            position = start;
        }
        return false;
    }

    bool matches(const char* line, size_t length) const {
        size_t start, end;
        return find(line, length, 0, start, end);
    }

private:
    static bool is_word_character(char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; }

    bool acceptable(const char* line, size_t length, size_t start, size_t end) const {
        if (m_options->fixed && m_options->whole_line && (start != 0 || end != length))
            return false;
        if (!m_options->whole_word)
            return true;
        return (start == 0 || !is_word_character(line[start - 1])) &&
               (end == length || !is_word_character(line[end]));
    }

    // The earliest (then longest) match of any pattern starting at `from` or later.
    bool find_any(const char* line, size_t length, size_t from, size_t& start, size_t& end) const {
        bool found = false;
        auto consider = [&](size_t match_start, size_t match_end) {
            if (!found || match_start < start || (match_start == start && match_end > end)) {
                start = match_start;
                end = match_end;
                found = true;
            }
        };
        if (m_options->fixed) {
            for (const char* piece : m_fixed) {
                const char* hit =
                    m_options->ignore_case ? strcasestr(line + from, piece) : strstr(line + from, piece);
                if (hit != nullptr)
                    consider(static_cast<size_t>(hit - line),
                             static_cast<size_t>(hit - line) + strlen(piece));
            }
            return found;
        }
        for (const regex_t& expression : m_expressions) {
            regmatch_t match;
            if (regexec(&expression, line + from, 1, &match, from > 0 ? REG_NOTBOL : 0) == 0)
                consider(from + static_cast<size_t>(match.rm_so), from + static_cast<size_t>(match.rm_eo));
        }
        (void)length;
        return found;
    }

    const GrepOptions* m_options = nullptr;
    std::vector<char*> m_fixed;
    std::vector<regex_t> m_expressions;
};

// Searches one file; returns 0 matched, 1 not, 2 error.
int grep_file(const char* path, const char* shown, const Matcher& matcher, const GrepOptions& options,
              bool show_name) {
    char* data;
    size_t size;
    if (!read_all(path, data, size)) {
        if (!options.no_messages)
            error_errno(errno, "%s", shown);
        return 2;
    }
    // regexec wants C strings: one spare byte lets the last line end in a NUL like the others.
    char* grown = static_cast<char*>(realloc(data, size + 1));
    if (grown == nullptr)
        fatal("memory exhausted");
    data = grown;
    data[size] = '\0';
    unsigned long matched = 0, line_number = 0;
    for (size_t start = 0; start < size;) {
        size_t end = start;
        while (end < size && data[end] != '\n')
            ++end;
        ++line_number;
        data[end] = '\0'; // the newline, while the line is matched and printed
        bool hit = matcher.matches(data + start, end - start) != options.invert;
        if (hit) {
            ++matched;
            if (options.quiet || options.list || options.list_unmatched)
                break;
            if (!options.count && options.only_matching && !options.invert) {
                // -o: each non-empty match on a line of its own.
                size_t from = start, match_start, match_end;
                while (from <= end &&
                       matcher.find(data + start, end - start, from - start, match_start, match_end)) {
                    match_start += start;
                    match_end += start;
                    if (match_end > match_start) {
                        if (show_name)
                            printf("%s:", shown);
                        if (options.number)
                            printf("%lu:", line_number);
                        print_line(std::string_view(data + match_start, match_end - match_start));
                    }
                    from = match_end > match_start ? match_end : match_end + 1;
                }
            } else if (!options.count && !options.only_matching) {
                if (show_name)
                    printf("%s:", shown);
                if (options.number)
                    printf("%lu:", line_number);
                print_line(std::string_view(data + start, end - start));
            }
        }
        start = end + 1;
    }
    free(data);
    if (options.count && !options.quiet) {
        if (show_name)
            printf("%s:", shown);
        printf("%lu\n", matched);
    }
    if (options.list && matched > 0 && !options.quiet)
        printf("%s\n", shown);
    if (options.list_unmatched && matched == 0 && !options.quiet)
        printf("%s\n", shown);
    return matched > 0 ? 0 : 1;
}

class GrepWalker final : public TreeVisitor {
public:
    GrepWalker(const Matcher& matcher, const GrepOptions& options, bool show_name)
        : m_matcher(matcher), m_options(options), m_show_name(show_name) {}
    bool enter(const char* path, const struct stat& status, int depth) override {
        if (S_ISDIR(status.st_mode))
            return true;
        // Links met inside the tree are not followed (grep -r, unlike -R).
        if (S_ISLNK(status.st_mode) || (!S_ISREG(status.st_mode) && depth > 0))
            return false;
        merge(grep_file(path, path, m_matcher, m_options, m_show_name));
        return false;
    }
    void failed(const char* path, int error_number) override {
        if (!m_options.no_messages)
            error_errno(error_number, "%s", path);
        merge(2);
    }
    void merge(int result) {
        if (result == 0)
            matched = true;
        if (result == 2)
            trouble = true;
    }
    bool matched = false;
    bool trouble = false;

private:
    const Matcher& m_matcher;
    const GrepOptions& m_options;
    bool m_show_name;
};

} // namespace

int grep_main(int argc, char** argv) {
    static const LongOption longs[] = {{"ignore-case", 'i', false},
                                       {"invert-match", 'v', false},
                                       {"line-number", 'n', false},
                                       {"count", 'c', false},
                                       {"files-with-matches", 'l', false},
                                       {"quiet", 'q', false},
                                       {"silent", 'q', false},
                                       {"recursive", 'r', false},
                                       {"extended-regexp", 'E', false},
                                       {"fixed-strings", 'F', false},
                                       {"regexp", 'e', true},
                                       {"no-messages", 's', false},
                                       {"line-regexp", 'x', false},
                                       {"word-regexp", 'w', false},
                                       {"only-matching", 'o', false},
                                       {"files-without-match", 'L', false}};
    OptionParser parser(argc, argv, "ivnclqrREFGe:sHhxwoL", longs, sizeof(longs) / sizeof(longs[0]));
    GrepOptions options;
    bool extended = false;
    std::vector<const char*> patterns;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        switch (code) {
        case 'i':
            options.ignore_case = true;
            break;
        case 'v':
            options.invert = true;
            break;
        case 'n':
            options.number = true;
            break;
        case 'c':
            options.count = true;
            break;
        case 'l':
            options.list = true;
            break;
        case 'q':
            options.quiet = true;
            break;
        case 'r':
        case 'R':
            options.recursive = true;
            break;
        case 'E':
            extended = true;
            break;
        case 'F':
            options.fixed = true;
            break;
        case 'G':
            extended = false;
            break;
        case 'e':
            patterns.push_back(parser.argument());
            break;
        case 's':
            options.no_messages = true;
            break;
        case 'H':
            options.with_names = 1;
            break;
        case 'x':
            options.whole_line = true;
            break;
        case 'w':
            options.whole_word = true;
            break;
        case 'o':
            options.only_matching = true;
            break;
        case 'L':
            options.list_unmatched = true;
            break;
        case 'h':
            options.with_names = -1;
            break;
        default:
            handle_common_option(code, 2);
        }
    }
    std::vector<char*> files(parser.operands());
    if (patterns.empty()) {
        if (files.empty()) {
            note("Usage: grep [OPTION]... PATTERNS [FILE]...");
            report_try_help();
            return 2;
        }
        patterns.push_back(files.front());
        files.erase(files.begin());
    }
    Matcher matcher;
    if (!matcher.compile(patterns, options, extended))
        return 2;
    static char dash[] = "-";
    static char dot[] = ".";
    if (files.empty())
        files.push_back(options.recursive ? dot : dash);
    bool show_name =
        options.with_names == 1 || (options.with_names == 0 && (files.size() > 1 || options.recursive));
    bool matched = false, trouble = false;
    for (char* path : files) {
        struct stat status;
        bool is_directory = strcmp(path, "-") != 0 && stat(path, &status) == 0 && S_ISDIR(status.st_mode);
        if (is_directory && options.recursive) {
            GrepWalker walker(matcher, options, show_name);
            walk_tree(path, walker, {.follow_root = true});
            matched = matched || walker.matched;
            trouble = trouble || walker.trouble;
            continue;
        }
        if (is_directory) {
            if (!options.no_messages)
                error("%s: Is a directory", path);
            trouble = true;
            continue;
        }
        int result =
            grep_file(path, strcmp(path, "-") == 0 ? "(standard input)" : path, matcher, options, show_name);
        matched = matched || result == 0;
        trouble = trouble || result == 2;
        if (matched && options.quiet)
            return 0;
    }
    if (trouble && !(options.quiet && matched))
        return 2;
    return matched ? 0 : 1;
}

} // namespace toolbox
