// find and xargs: walking trees with an expression of tests and actions, and building command lines
// from standard input; both run commands (fork and exec) and wait for them.
#include "toolbox.h"
#include "toolbox/walk.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

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
