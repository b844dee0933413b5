// Utilities that search and reorder: grep sort uniq find xargs.
#include "toolbox.h"
#include "toolbox/text.h"
#include "toolbox/walk.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fnmatch.h>
#include <regex.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

namespace {

// The lines of a buffer read by read_all: views without their newlines.
std::vector<std::string_view> split_lines(const char* data, size_t size) {
    std::vector<std::string_view> lines;
    size_t start = 0;
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == '\n') {
            lines.emplace_back(data + start, i - start);
            start = i + 1;
        }
    }
    if (start < size)
        lines.emplace_back(data + start, size - start);
    return lines;
}

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

namespace {

struct SortOptions {
    std::vector<SortKey> keys;
    bool numeric = false, reverse = false, unique = false, fold = false;
    int separator = -1;
};

int compare_text(std::string_view a, std::string_view b, bool fold) {
    size_t length = std::min(a.size(), b.size());
    for (size_t i = 0; i < length; ++i) {
        int x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (fold) {
            x = toupper(x);
            y = toupper(y);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// The comparison by keys (or the whole line when there are none), without the last-resort tie break.
int compare_keys(std::string_view a, std::string_view b, const SortOptions& options) {
    if (options.keys.empty()) {
        int order = options.numeric ? compare_numeric(a, b) : compare_text(a, b, options.fold);
        return options.reverse ? -order : order;
    }
    for (const SortKey& key : options.keys) {
        std::string_view x = extract_key(a, key, options.separator);
        std::string_view y = extract_key(b, key, options.separator);
        // A key with its own flags uses only those; one without inherits the global ones.
        bool own = key.numeric || key.reverse;
        bool numeric = own ? key.numeric : options.numeric;
        bool reverse = own ? key.reverse : options.reverse;
        int order = numeric ? compare_numeric(x, y) : compare_text(x, y, options.fold);
        if (order != 0)
            return reverse ? -order : order;
    }
    return 0;
}

} // namespace

int sort_main(int argc, char** argv) {
    static const LongOption longs[] = {{"numeric-sort", 'n', false},   {"reverse", 'r', false},
                                       {"unique", 'u', false},         {"key", 'k', true},
                                       {"field-separator", 't', true}, {"output", 'o', true},
                                       {"ignore-case", 'f', false}};
    OptionParser parser(argc, argv, "nruk:t:o:fbs", longs, sizeof(longs) / sizeof(longs[0]));
    SortOptions options;
    const char* output_path = nullptr;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        switch (code) {
        case 'n':
            options.numeric = true;
            break;
        case 'r':
            options.reverse = true;
            break;
        case 'u':
            options.unique = true;
            break;
        case 'f':
            options.fold = true;
            break;
        case 'b':
        case 's':
            break;
        case 'k': {
            SortKey key;
            if (!parse_sort_key(parser.argument(), key)) {
                error("invalid number at field start: invalid count at start of %s",
                      quote(parser.argument()));
                return 2;
            }
            options.keys.push_back(key);
            break;
        }
        case 't':
            if (strlen(parser.argument()) != 1) {
                error("multi-character tab %s", quote(parser.argument()));
                return 2;
            }
            options.separator = static_cast<unsigned char>(parser.argument()[0]);
            break;
        case 'o':
            output_path = parser.argument();
            break;
        default:
            handle_common_option(code, 2);
        }
    }
    std::vector<char*> files(parser.operands());
    static char dash[] = "-";
    if (files.empty())
        files.push_back(dash);
    std::vector<std::string_view> lines;
    std::vector<char*> buffers;
    for (char* path : files) {
        char* data;
        size_t size;
        if (!read_all(path, data, size)) {
            error_errno(errno, "cannot read: %s", path);
            return 2;
        }
        buffers.push_back(data);
        for (std::string_view line : split_lines(data, size))
            lines.push_back(line);
    }
    // Indices sorted with the input position as the final tie, so equal lines keep their order.
    std::vector<size_t> order(lines.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        int result = compare_keys(lines[a], lines[b], options);
        if (result == 0 && !options.unique && (!options.keys.empty() || options.numeric || options.fold)) {
            // GNU's last resort: the whole lines, byte by byte (reversed by -r).
            result = compare_text(lines[a], lines[b], false);
            if (options.reverse)
                result = -result;
        }
        if (result != 0)
            return result < 0;
        return a < b;
    });
    FILE* output = stdout;
    if (output_path != nullptr) {
        output = fopen(output_path, "w");
        if (output == nullptr) {
            error_errno(errno, "open failed: %s", output_path);
            return 2;
        }
    }
    const std::string_view* previous = nullptr;
    for (size_t index : order) {
        if (options.unique && previous != nullptr && compare_keys(*previous, lines[index], options) == 0)
            continue;
        fwrite(lines[index].data(), 1, lines[index].size(), output);
        fputc('\n', output);
        previous = &lines[index];
    }
    if (output != stdout && fclose(output) != 0) {
        error_errno(errno, "write failed: %s", output_path);
        return 2;
    }
    for (char* buffer : buffers)
        free(buffer);
    return 0;
}

int uniq_main(int argc, char** argv) {
    static const LongOption longs[] = {
        {"count", 'c', false}, {"repeated", 'd', false}, {"unique", 'u', false}, {"ignore-case", 'i', false}};
    OptionParser parser(argc, argv, "cdui", longs, 4);
    bool count = false, repeated = false, unique = false, fold = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'c')
            count = true;
        else if (code == 'd')
            repeated = true;
        else if (code == 'u')
            unique = true;
        else if (code == 'i')
            fold = true;
        else
            handle_common_option(code);
    }
    const std::vector<char*>& operands = parser.operands();
    if (operands.size() > 2) {
        error("extra operand %s", quote(operands[2]));
        report_try_help();
        return 1;
    }
    const char* input = operands.empty() ? "-" : operands[0];
    char* data;
    size_t size;
    if (!read_all(input, data, size)) {
        error_errno(errno, "%s", input);
        return 1;
    }
    if (operands.size() == 2 && freopen(operands[1], "w", stdout) == nullptr) {
        error_errno(errno, "%s", operands[1]);
        return 1;
    }
    std::vector<std::string_view> lines = split_lines(data, size);
    for (size_t i = 0; i < lines.size();) {
        size_t j = i + 1;
        while (j < lines.size() && compare_text(lines[i], lines[j], fold) == 0)
            ++j;
        size_t run = j - i;
        if ((!repeated || run > 1) && (!unique || run == 1)) {
            if (count)
                printf("%7zu ", run);
            print_line(lines[i]);
        }
        i = j;
    }
    free(data);
    return 0;
}

namespace {

// find's expression as a tree: tests and actions at the leaves, !, -a and -o inside.
struct FindNode {
    enum class Kind {
        And,
        Or,
        Not,
        Name,
        IName,
        Path,
        Type,
        Print,
        Print0,
        Exec,
        ExecPlus,
        True,
        Empty
    } kind = Kind::True;
    FindNode* left = nullptr;
    FindNode* right = nullptr;
    const char* text = nullptr;
    std::vector<char*> command; // -exec's words, "{}" where the name goes
    std::vector<char*> batch;   // -exec ... + : names collected so far
};

struct FindState {
    int status = 0;
    bool has_action = false;
    std::vector<FindNode*> batches;
};

class FindParser {
public:
    FindParser(std::vector<char*> words, FindState& state) : m_words(std::move(words)), m_state(state) {}

    FindNode* parse() {
        if (m_words.empty())
            return make(FindNode::Kind::True);
        FindNode* node = parse_or();
        if (node != nullptr && m_position < m_words.size()) {
            error("unexpected extra predicate %s", quote(m_words[m_position]));
            return nullptr;
        }
        return node;
    }

private:
    FindNode* make(FindNode::Kind kind, FindNode* left = nullptr, FindNode* right = nullptr) {
        FindNode* node = new FindNode();
        node->kind = kind;
        node->left = left;
        node->right = right;
        return node;
    }
    const char* peek() const { return m_position < m_words.size() ? m_words[m_position] : nullptr; }
    bool is(const char* word) const { return peek() != nullptr && strcmp(peek(), word) == 0; }

    FindNode* parse_or() {
        FindNode* left = parse_and();
        while (left != nullptr && (is("-o") || is("-or"))) {
            ++m_position;
            FindNode* right = parse_and();
            if (right == nullptr)
                return nullptr;
            left = make(FindNode::Kind::Or, left, right);
        }
        return left;
    }
    FindNode* parse_and() {
        FindNode* left = parse_not();
        while (left != nullptr && peek() != nullptr && !is("-o") && !is("-or") && !is(")")) {
            if (is("-a") || is("-and"))
                ++m_position;
            FindNode* right = parse_not();
            if (right == nullptr)
                return nullptr;
            left = make(FindNode::Kind::And, left, right);
        }
        return left;
    }
    FindNode* parse_not() {
        if (is("!") || is("-not")) {
            ++m_position;
            FindNode* operand = parse_not();
            return operand != nullptr ? make(FindNode::Kind::Not, operand) : nullptr;
        }
        return parse_primary();
    }
    const char* argument_of(const char* option) {
        if (m_position >= m_words.size()) {
            error("missing argument to %s", quote(option));
            return nullptr;
        }
        return m_words[m_position++];
    }
    FindNode* parse_primary() {
        const char* word = peek();
        if (word == nullptr) {
            error("expected an expression");
            return nullptr;
        }
        ++m_position;
        if (strcmp(word, "(") == 0) {
            FindNode* inner = parse_or();
            if (inner == nullptr)
                return nullptr;
            if (!is(")")) {
                error("invalid expression; I was expecting to find a ')' somewhere but did not see one.");
                return nullptr;
            }
            ++m_position;
            return inner;
        }
        FindNode::Kind kind;
        if (strcmp(word, "-name") == 0)
            kind = FindNode::Kind::Name;
        else if (strcmp(word, "-iname") == 0)
            kind = FindNode::Kind::IName;
        else if (strcmp(word, "-path") == 0 || strcmp(word, "-wholename") == 0)
            kind = FindNode::Kind::Path;
        else if (strcmp(word, "-type") == 0)
            kind = FindNode::Kind::Type;
        else if (strcmp(word, "-print") == 0) {
            m_state.has_action = true;
            return make(FindNode::Kind::Print);
        } else if (strcmp(word, "-print0") == 0) {
            m_state.has_action = true;
            return make(FindNode::Kind::Print0);
        } else if (strcmp(word, "-empty") == 0) {
            return make(FindNode::Kind::Empty);
        } else if (strcmp(word, "-true") == 0) {
            return make(FindNode::Kind::True);
        } else if (strcmp(word, "-false") == 0) {
            return make(FindNode::Kind::Not, make(FindNode::Kind::True));
        } else if (strcmp(word, "-exec") == 0) {
            return parse_exec();
        } else {
            error("unknown predicate %s", quote(word));
            return nullptr;
        }
        const char* argument = argument_of(word);
        if (argument == nullptr)
            return nullptr;
        if (kind == FindNode::Kind::Type && (strlen(argument) != 1 || !strchr("fdlcbps", argument[0]))) {
            error("Unknown argument to -type: %s", argument);
            return nullptr;
        }
        FindNode* node = make(kind);
        node->text = argument;
        return node;
    }
    FindNode* parse_exec() {
        m_state.has_action = true;
        FindNode* node = make(FindNode::Kind::Exec);
        for (; m_position < m_words.size(); ++m_position) {
            char* word = m_words[m_position];
            if (strcmp(word, ";") == 0) {
                ++m_position;
                return node;
            }
            if (strcmp(word, "+") == 0 && !node->command.empty() && strcmp(node->command.back(), "{}") == 0) {
                ++m_position;
                node->kind = FindNode::Kind::ExecPlus;
                node->command.pop_back();
                m_state.batches.push_back(node);
                return node;
            }
            node->command.push_back(word);
        }
        error("missing argument to '-exec'");
        return nullptr;
    }

    std::vector<char*> m_words;
    size_t m_position = 0;
    FindState& m_state;
};

// Runs `words` and waits: the exit status, or -1 when it could not run or died. find quotes the name of
// a command it cannot run, xargs does not (as GNU's do).
int run_command(std::vector<char*> words, bool quote_name = true) {
    fflush(stdout);
    words.push_back(nullptr);
    pid_t child = fork();
    if (child < 0) {
        error_errno(errno, "cannot fork");
        return -1;
    }
    if (child == 0) {
        execvp(words[0], words.data());
        int saved = errno;
        error_errno(saved, "%s", quote_name ? quote(words[0]) : words[0]);
        _exit(saved == ENOENT ? 127 : 126);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return -1;
}

void run_batch(FindNode* node, FindState& state) {
    if (node->batch.empty())
        return;
    std::vector<char*> words(node->command);
    words.insert(words.end(), node->batch.begin(), node->batch.end());
    if (run_command(words) != 0)
        state.status = 1;
    for (char* name : node->batch)
        free(name);
    node->batch.clear();
}

bool evaluate(FindNode* node, const char* path, const struct stat& status, FindState& state) {
    switch (node->kind) {
    case FindNode::Kind::And:
        return evaluate(node->left, path, status, state) && evaluate(node->right, path, status, state);
    case FindNode::Kind::Or:
        return evaluate(node->left, path, status, state) || evaluate(node->right, path, status, state);
    case FindNode::Kind::Not:
        return !evaluate(node->left, path, status, state);
    case FindNode::Kind::True:
        return true;
    case FindNode::Kind::Name:
    case FindNode::Kind::IName: {
        char name[NAME_MAX + 1];
        base_name(path, name, sizeof(name));
        return fnmatch(node->text, name, node->kind == FindNode::Kind::IName ? FNM_CASEFOLD : 0) == 0;
    }
    case FindNode::Kind::Path:
        return fnmatch(node->text, path, 0) == 0;
    case FindNode::Kind::Type: {
        static const struct {
            char letter;
            mode_t type;
        } types[] = {{'f', S_IFREG}, {'d', S_IFDIR}, {'l', S_IFLNK}, {'c', S_IFCHR},
                     {'b', S_IFBLK}, {'p', S_IFIFO}, {'s', S_IFSOCK}};
        for (const auto& type : types)
            if (type.letter == node->text[0])
                return (status.st_mode & S_IFMT) == type.type;
        return false;
    }
    case FindNode::Kind::Empty: {
        if (S_ISREG(status.st_mode))
            return status.st_size == 0;
        if (!S_ISDIR(status.st_mode))
            return false;
        std::vector<char*> names;
        bool empty = read_directory(path, names, false) == 0 && names.empty();
        free_names(names);
        return empty;
    }
    case FindNode::Kind::Print:
        printf("%s\n", path);
        return true;
    case FindNode::Kind::Print0:
        fputs(path, stdout);
        putchar('\0');
        return true;
    case FindNode::Kind::Exec: {
        std::vector<char*> words;
        std::vector<char*> owned;
        for (char* word : node->command) {
            // Every "{}" inside a word becomes the path.
            if (strstr(word, "{}") == nullptr) {
                words.push_back(word);
                continue;
            }
            size_t size = strlen(word) + strlen(path) * 8 + 1;
            char* expanded = static_cast<char*>(malloc(size));
            char* out = expanded;
            for (const char* p = word; *p != '\0';) {
                if (p[0] == '{' && p[1] == '}') {
                    out = stpcpy(out, path);
                    p += 2;
                } else {
                    *out++ = *p++;
                }
            }
            *out = '\0';
            words.push_back(expanded);
            owned.push_back(expanded);
        }
        bool ok = run_command(words) == 0;
        for (char* word : owned)
            free(word);
        return ok;
    }
    case FindNode::Kind::ExecPlus:
        node->batch.push_back(strdup(path));
        if (node->batch.size() >= 1024)
            run_batch(node, state);
        return true;
    }
    return false;
}

class FindWalker final : public TreeVisitor {
public:
    FindWalker(FindNode* expression, FindState& state, int min_depth, int max_depth)
        : m_expression(expression), m_state(state), m_min_depth(min_depth), m_max_depth(max_depth) {}
    bool enter(const char* path, const struct stat& status, int depth) override {
        if (depth >= m_min_depth)
            evaluate(m_expression, path, status, m_state);
        return m_max_depth < 0 || depth < m_max_depth;
    }
    void failed(const char* path, int error_number) override {
        error_errno(error_number, "%s", quote(path));
        m_state.status = 1;
    }

private:
    FindNode* m_expression;
    FindState& m_state;
    int m_min_depth, m_max_depth;
};

} // namespace

int find_main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        exit_with_help();
    // Paths come first, up to the first word that starts an expression.
    int index = 1;
    bool follow = false;
    for (; index < argc && argv[index][0] == '-' &&
           (strcmp(argv[index], "-L") == 0 || strcmp(argv[index], "-P") == 0);
         ++index)
        follow = argv[index][1] == 'L';
    std::vector<const char*> paths;
    for (; index < argc; ++index) {
        const char* word = argv[index];
        if ((word[0] == '-' && word[1] != '\0') || strcmp(word, "!") == 0 || strcmp(word, "(") == 0)
            break;
        paths.push_back(word);
    }
    if (paths.empty())
        paths.push_back(".");
    // Global options may stand anywhere in the expression; they are taken out before parsing it.
    int min_depth = 0, max_depth = -1;
    std::vector<char*> words;
    for (; index < argc; ++index) {
        bool is_max = strcmp(argv[index], "-maxdepth") == 0, is_min = strcmp(argv[index], "-mindepth") == 0;
        if (is_max || is_min) {
            unsigned long long value;
            if (index + 1 >= argc || !parse_count(argv[index + 1], value)) {
                error("Expected a positive decimal integer argument to %s, but got %s", argv[index],
                      quote(index + 1 < argc ? argv[index + 1] : ""));
                return 1;
            }
            (is_max ? max_depth : min_depth) = static_cast<int>(value);
            ++index;
            continue;
        }
        words.push_back(argv[index]);
    }
    FindState state;
    FindNode* expression = FindParser(words, state).parse();
    if (expression == nullptr)
        return 1;
    // With no action anywhere, matching entries are printed.
    if (!state.has_action) {
        FindNode* print = new FindNode();
        print->kind = FindNode::Kind::Print;
        FindNode* both = new FindNode();
        both->kind = FindNode::Kind::And;
        both->left = expression;
        both->right = print;
        expression = both;
    }
    for (const char* path : paths) {
        FindWalker walker(expression, state, min_depth, max_depth);
        walk_tree(path, walker, {.follow_root = follow, .follow_links = follow});
    }
    for (FindNode* node : state.batches)
        run_batch(node, state);
    return state.status;
}

int xargs_main(int argc, char** argv) {
    static const LongOption longs[] = {
        {"max-args", 'n', true}, {"null", '0', false}, {"no-run-if-empty", 'r', false}};
    OptionParser parser(argc, argv, "n:0rt", longs, 3);
    parser.stop_at_first_operand();
    unsigned long long max_args = 0;
    bool null_separated = false, skip_empty = false, trace = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'n') {
            if (!parse_count(parser.argument(), max_args) || max_args == 0) {
                error("invalid number %s for -n option", quote(parser.argument()));
                return 1;
            }
        } else if (code == '0') {
            null_separated = true;
        } else if (code == 'r') {
            skip_empty = true;
        } else if (code == 't') {
            trace = true;
        } else {
            handle_common_option(code);
        }
    }
    std::vector<char*> command(parser.operands());
    static char echo[] = "echo";
    if (command.empty())
        command.push_back(echo);
    char* data;
    size_t size;
    if (!read_all("-", data, size)) {
        error_errno(errno, "read error");
        return 1;
    }
    // Words: blank-separated, with '...', "..." and backslash quoting; or NUL-separated with -0.
    std::vector<char*> items;
    std::vector<char> word;
    bool in_word = false;
    for (size_t i = 0; i <= size; ++i) {
        char c = i < size ? data[i] : '\0';
        bool end = i == size;
        if (null_separated) {
            if (c == '\0' && (in_word || !end)) {
                if (!(end && !in_word)) {
                    word.push_back('\0');
                    items.push_back(strdup(word.data()));
                }
                word.clear();
                in_word = false;
            } else if (!end) {
                word.push_back(c);
                in_word = true;
            }
            continue;
        }
        if (end || c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                word.push_back('\0');
                items.push_back(strdup(word.data()));
                word.clear();
                in_word = false;
            }
            continue;
        }
        in_word = true;
        if (c == '\\' && i + 1 < size) {
            word.push_back(data[++i]);
        } else if (c == '\'' || c == '"') {
            size_t close = i + 1;
            while (close < size && data[close] != c && data[close] != '\n')
                ++close;
            if (close >= size || data[close] != c) {
                error(
                    "unmatched %s quote; by default quotes are special to xargs unless you use the -0 option",
                    c == '"' ? "double" : "single");
                return 1;
            }
            word.insert(word.end(), data + i + 1, data + close);
            i = close;
        } else {
            word.push_back(c);
        }
    }
    free(data);
    if (items.empty() && skip_empty)
        return 0;
    int status = 0;
    size_t per_run = max_args == 0 ? items.size() : static_cast<size_t>(max_args);
    size_t position = 0;
    do {
        std::vector<char*> words(command);
        size_t take = std::min(per_run == 0 ? items.size() : per_run, items.size() - position);
        words.insert(words.end(), items.begin() + static_cast<long>(position),
                     items.begin() + static_cast<long>(position + take));
        position += take;
        if (trace) {
            for (size_t i = 0; i < words.size(); ++i)
                fprintf(stderr, "%s%s", i > 0 ? " " : "", words[i]);
            fputc('\n', stderr);
        }
        int result = run_command(words, false);
        if (result == 126 || result == 127)
            return result;
        if (result == 255) {
            error("%s: exited with status 255; aborting", quote(words[0]));
            return 124;
        }
        if (result < 0)
            return 125;
        if (result != 0)
            status = 123;
    } while (position < items.size());
    return status;
}

} // namespace toolbox
