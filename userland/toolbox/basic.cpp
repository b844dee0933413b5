// Small utilities a shell session leans on: pwd true false test/[ env sleep uname.
#include "toolbox.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

extern char** environ;

namespace toolbox {

int pwd_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "LP");
    for (int code; (code = parser.next()) != OptionParser::end;)
        if (code != 'L' && code != 'P')
            handle_common_option(code);
    char path[4096];
    if (getcwd(path, sizeof(path)) == nullptr) {
        error_errno(errno, "cannot get current directory");
        return 1;
    }
    puts(path);
    return 0;
}

// true and false ignore their arguments, as POSIX says; GNU's --help is the one exception.
int true__main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        exit_with_help();
    return 0;
}

int false__main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        exit_with_help();
    return 1;
}

namespace {

// test's grammar by recursive descent: or-expressions of and-expressions of (negated) primaries.
class TestExpression {
public:
    TestExpression(int count, char** words) : m_count(count), m_words(words) {}

    // 0 true, 1 false, 2 error (reported).
    int evaluate() {
        if (m_count == 0)
            return 1;
        bool value = parse_or();
        if (m_failed)
            return 2;
        if (m_position < m_count) {
            error("extra argument %s", quote(m_words[m_position]));
            return 2;
        }
        return value ? 0 : 1;
    }

private:
    const char* peek(int offset = 0) const {
        return m_position + offset < m_count ? m_words[m_position + offset] : nullptr;
    }
    bool is(const char* word, const char* expected) const {
        return word != nullptr && strcmp(word, expected) == 0;
    }

    bool parse_or() {
        bool value = parse_and();
        while (!m_failed && is(peek(), "-o")) {
            ++m_position;
            value = parse_and() || value;
        }
        return value;
    }
    bool parse_and() {
        bool value = parse_not();
        while (!m_failed && is(peek(), "-a")) {
            ++m_position;
            value = parse_not() && value;
        }
        return value;
    }
    bool parse_not() {
        // "! X" negates, but "! = X" compares the string "!".
        if (is(peek(), "!") && !is_binary(peek(1))) {
            ++m_position;
            return !parse_not();
        }
        return parse_primary();
    }
    static bool is_binary(const char* word) {
        static const char* const operators[] = {"=",   "==",  "!=",  "-eq", "-ne", "-lt", "-le",
                                                "-gt", "-ge", "-nt", "-ot", "-ef", "<",   ">"};
        if (word == nullptr)
            return false;
        for (const char* op : operators)
            if (strcmp(word, op) == 0)
                return true;
        return false;
    }
    bool fail_missing(const char* after) {
        error("missing argument after %s", quote(after));
        m_failed = true;
        return false;
    }
    bool integer(const char* text, long long& value) {
        char* end = nullptr;
        errno = 0;
        value = strtoll(text, &end, 10);
        while (*end == ' ' || *end == '\t')
            ++end;
        if (end == text || *end != '\0' || errno != 0) {
            error("invalid integer %s", quote(text));
            m_failed = true;
            return false;
        }
        return true;
    }
    bool parse_primary() {
        const char* word = peek();
        if (word == nullptr)
            return fail_missing(m_position > 0 ? m_words[m_position - 1] : "test");
        if (is(word, "(") && m_count - m_position >= 3) {
            ++m_position;
            bool value = parse_or();
            if (!is(peek(), ")")) {
                error("')' expected");
                m_failed = true;
                return false;
            }
            ++m_position;
            return value;
        }
        if (is_binary(peek(1)) && m_position + 2 < m_count) {
            const char* left = word;
            const char* op = peek(1);
            const char* right = peek(2);
            m_position += 3;
            return binary(left, op, right);
        }
        if (word[0] == '-' && word[1] != '\0' && word[2] == '\0' && m_position + 1 < m_count &&
            strchr("bcdefghknprsStuwxzLO", word[1])) {
            const char* operand = peek(1);
            m_position += 2;
            return unary(word[1], operand);
        }
        ++m_position;
        return word[0] != '\0';
    }
    bool binary(const char* left, const char* op, const char* right) {
        if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0)
            return strcmp(left, right) == 0;
        if (strcmp(op, "!=") == 0)
            return strcmp(left, right) != 0;
        if (strcmp(op, "<") == 0)
            return strcmp(left, right) < 0;
        if (strcmp(op, ">") == 0)
            return strcmp(left, right) > 0;
        if (op[1] == 'n' || op[1] == 'o' || (op[1] == 'e' && op[2] == 'f')) {
            struct stat a, b;
            bool has_a = stat(left, &a) == 0, has_b = stat(right, &b) == 0;
            if (strcmp(op, "-ef") == 0)
                return has_a && has_b && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
            if (strcmp(op, "-nt") == 0)
                return has_a && (!has_b || a.st_mtime > b.st_mtime);
            return has_b && (!has_a || a.st_mtime < b.st_mtime);
        }
        long long a, b;
        if (!integer(left, a) || !integer(right, b))
            return false;
        if (strcmp(op, "-eq") == 0)
            return a == b;
        if (strcmp(op, "-ne") == 0)
            return a != b;
        if (strcmp(op, "-lt") == 0)
            return a < b;
        if (strcmp(op, "-le") == 0)
            return a <= b;
        if (strcmp(op, "-gt") == 0)
            return a > b;
        return a >= b;
    }
    bool unary(char op, const char* operand) {
        if (op == 'z')
            return operand[0] == '\0';
        if (op == 'n')
            return operand[0] != '\0';
        if (op == 't')
            return isatty(atoi(operand));
        struct stat status;
        if ((op == 'h' || op == 'L' ? lstat(operand, &status) : stat(operand, &status)) != 0)
            return false;
        switch (op) {
        case 'e':
            return true;
        case 'f':
            return S_ISREG(status.st_mode);
        case 'd':
            return S_ISDIR(status.st_mode);
        case 'b':
            return S_ISBLK(status.st_mode);
        case 'c':
            return S_ISCHR(status.st_mode);
        case 'p':
            return S_ISFIFO(status.st_mode);
        case 'S':
            return S_ISSOCK(status.st_mode);
        case 'h':
        case 'L':
            return S_ISLNK(status.st_mode);
        case 's':
            return status.st_size > 0;
        case 'g':
            return status.st_mode & S_ISGID;
        case 'u':
            return status.st_mode & S_ISUID;
        case 'k':
            return status.st_mode & S_ISVTX;
        case 'r':
            return access(operand, R_OK) == 0;
        case 'w':
            return access(operand, W_OK) == 0;
        case 'x':
            return access(operand, X_OK) == 0;
        case 'O':
            return status.st_uid == geteuid();
        case 'G':
            return status.st_gid == getegid();
        }
        return false;
    }

    int m_count;
    char** m_words;
    int m_position = 0;
    bool m_failed = false;
};

} // namespace

int test_main(int argc, char** argv) {
    int count = argc - 1;
    if (strcmp(current_utility().name, "[") == 0) {
        if (argc == 2 && strcmp(argv[1], "--help") == 0)
            exit_with_help();
        if (count == 0 || strcmp(argv[argc - 1], "]") != 0) {
            error("missing ']'");
            return 2;
        }
        --count;
    }
    return TestExpression(count, argv + 1).evaluate();
}

int env_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "iu:0");
    parser.stop_at_first_operand();
    bool clear = false, null_terminated = false;
    std::vector<const char*> unset;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'i')
            clear = true;
        else if (code == 'u')
            unset.push_back(parser.argument());
        else if (code == '0')
            null_terminated = true;
        else
            handle_common_option(code, 125);
    }
    std::vector<char*> operands(parser.operands());
    size_t index = 0;
    // A lone "-" is the historical spelling of -i.
    if (!operands.empty() && strcmp(operands[0], "-") == 0) {
        clear = true;
        ++index;
    }
    if (clear)
        clearenv();
    for (const char* name : unset)
        unsetenv(name);
    for (; index < operands.size() && strchr(operands[index], '=') != nullptr; ++index)
        putenv(operands[index]);
    if (index == operands.size()) {
        for (char** variable = environ; variable != nullptr && *variable != nullptr; ++variable)
            printf("%s%c", *variable, null_terminated ? '\0' : '\n');
        return 0;
    }
    fflush(stdout);
    std::vector<char*> command(operands.begin() + static_cast<long>(index), operands.end());
    command.push_back(nullptr);
    execvp(command[0], command.data());
    int saved = errno;
    error_errno(saved, "%s", quote(command[0]));
    return saved == ENOENT ? 127 : 126;
}

// nice [-n N] [COMMAND [ARG]...]: runs COMMAND with its nice value raised by N (default 10), or
// prints the current nice value. As GNU's, a refused change is a warning and the command still runs.
int nice_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "n:");
    parser.stop_at_first_operand();
    long long adjustment = 10;
    bool adjustment_given = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'n') {
            char* end = nullptr;
            errno = 0;
            adjustment = strtoll(parser.argument(), &end, 10);
            if (end == parser.argument() || *end != '\0' || errno != 0) {
                error("invalid adjustment %s", quote(parser.argument()));
                return 125;
            }
            adjustment_given = true;
        } else {
            handle_common_option(code, 125);
        }
    }
    std::vector<char*> command(parser.operands());
    errno = 0;
    int current = getpriority(PRIO_PROCESS, 0);
    if (current == -1 && errno != 0) {
        error_errno(errno, "cannot get niceness");
        return 125;
    }
    if (command.empty()) {
        if (adjustment_given) {
            error("a command must be given with an adjustment");
            return 125;
        }
        printf("%d\n", current);
        return 0;
    }
    long long wanted = current + adjustment;
    wanted = wanted < -20 ? -20 : wanted > 19 ? 19 : wanted;
    if (setpriority(PRIO_PROCESS, 0, static_cast<int>(wanted)) != 0)
        error_errno(errno, "cannot set niceness");
    fflush(stdout);
    command.push_back(nullptr);
    execvp(command[0], command.data());
    int saved = errno;
    error_errno(saved, "%s", quote(command[0]));
    return saved == ENOENT ? 127 : 126;
}

int sleep_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "");
    for (int code; (code = parser.next()) != OptionParser::end;)
        handle_common_option(code);
    if (parser.operands().empty()) {
        error("missing operand");
        report_try_help();
        return 1;
    }
    double seconds = 0;
    for (char* word : parser.operands()) {
        char* end = nullptr;
        double value = strtod(word, &end);
        double scale = 1;
        if (end != word && *end != '\0' && end[1] == '\0') {
            scale = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
            ++end;
        }
        if (end == word || *end != '\0' || scale == 0 || value < 0 || std::isnan(value)) {
            error("invalid time interval %s", quote(word));
            report_try_help();
            return 1;
        }
        seconds += value * scale;
    }
    struct timespec left;
    left.tv_sec = static_cast<time_t>(seconds);
    left.tv_nsec = static_cast<long>((seconds - static_cast<double>(left.tv_sec)) * 1e9);
    while (nanosleep(&left, &left) != 0) {
        if (errno != EINTR) {
            error_errno(errno, "cannot sleep");
            return 1;
        }
    }
    return 0;
}

int uname_main(int argc, char** argv) {
    static const LongOption longs[] = {{"all", 'a', false},
                                       {"kernel-name", 's', false},
                                       {"nodename", 'n', false},
                                       {"kernel-release", 'r', false},
                                       {"kernel-version", 'v', false},
                                       {"machine", 'm', false},
                                       {"operating-system", 'o', false}};
    OptionParser parser(argc, argv, "asnrvmpio", longs, sizeof(longs) / sizeof(longs[0]));
    bool fields[6] = {}; // s n r v m o
    bool processor = false, platform = false, any = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        const char* letters = "snrvmo";
        if (code == 'a') {
            for (bool& field : fields)
                field = true;
        } else if (code == 'p') {
            processor = true;
        } else if (code == 'i') {
            platform = true;
        } else if (code > 0 && strchr(letters, code) != nullptr) {
            fields[strchr(letters, code) - letters] = true;
        } else {
            handle_common_option(code);
        }
        any = true;
    }
    if (!parser.operands().empty()) {
        error("extra operand %s", quote(parser.operands()[0]));
        report_try_help();
        return 1;
    }
    if (!any)
        fields[0] = true;
    struct utsname names;
    if (uname(&names) != 0) {
        error_errno(errno, "cannot get system name");
        return 1;
    }
    // -o: GNU names the Linux user space "GNU/Linux"; elsewhere the kernel name says it.
    const char* system = strcmp(names.sysname, "Linux") == 0 ? "GNU/Linux" : names.sysname;
    const char* values[6] = {names.sysname, names.nodename, names.release,
                             names.version, names.machine,  system};
    bool first = true;
    auto print = [&](const char* value) {
        printf("%s%s", first ? "" : " ", value);
        first = false;
    };
    for (int i = 0; i < 5; ++i)
        if (fields[i])
            print(values[i]);
    if (processor)
        print("unknown");
    if (platform)
        print("unknown");
    if (fields[5])
        print(values[5]);
    putchar('\n');
    return 0;
}

} // namespace toolbox
