// echo, printf and test: builtins that compute output from their arguments alone.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include "shell/builtins.h"

namespace shell {

namespace {

// One backslash escape at text[i] (just past the backslash); false for \c, which ends all output.
// `octal_needs_zero`: echo and %b spell octal \0NNN; printf's format spells it \NNN.
bool escape(std::string_view text, size_t& i, String& out, bool octal_needs_zero) {
    if (i >= text.size()) {
        out += '\\';
        return true;
    }
    char c = text[i++];
    switch (c) {
    case 'a':
        out += '\a';
        return true;
    case 'b':
        out += '\b';
        return true;
    case 'c':
        return false;
    case 'f':
        out += '\f';
        return true;
    case 'n':
        out += '\n';
        return true;
    case 'r':
        out += '\r';
        return true;
    case 't':
        out += '\t';
        return true;
    case 'v':
        out += '\v';
        return true;
    case '\\':
        out += '\\';
        return true;
    default:
        break;
    }
    if (c >= '0' && c <= '7') {
        int value = 0;
        int digits = 0;
        size_t k = i - 1;
        if (octal_needs_zero && c == '0')
            k = i;
        while (k < text.size() && digits < 3 && text[k] >= '0' && text[k] <= '7') {
            value = value * 8 + (text[k] - '0');
            ++k;
            ++digits;
        }
        i = k;
        out += static_cast<char>(value);
        return true;
    }
    out += '\\';
    out += c;
    return true;
}

long number_argument(const String& text, bool& bad) {
    if (!text.empty() && (text[0] == '\'' || text[0] == '"'))
        return text.size() > 1 ? static_cast<unsigned char>(text[1]) : 0;
    if (text.empty())
        return 0;
    char* end = nullptr;
    errno = 0;
    long value = strtol(text.c_str(), &end, 0);
    if (*end != '\0' || errno)
        bad = true;
    return value;
}

} // namespace

int builtin_echo(std::vector<String>& argv, String& out) {
    size_t first = 1;
    bool newline = true;
    if (argv.size() > 1 && argv[1] == "-n") {
        newline = false;
        first = 2;
    }
    for (size_t k = first; k < argv.size(); ++k) {
        if (k > first)
            out += ' ';
        std::string_view text = argv[k];
        for (size_t i = 0; i < text.size();) {
            if (text[i] == '\\') {
                ++i;
                if (!escape(text, i, out, true))
                    return 0;
            } else {
                out += text[i++];
            }
        }
    }
    if (newline)
        out += '\n';
    return 0;
}

int builtin_printf(std::vector<String>& argv, String& out, String& error) {
    if (argv.size() < 2) {
        error = "usage: printf format [arg ...]";
        return 2;
    }
    std::string_view format = argv[1];
    size_t next = 2;
    int status = 0;
    auto take = [&]() -> const String* { return next < argv.size() ? &argv[next++] : nullptr; };
    static const String empty;
    do {
        size_t consumed_before = next;
        for (size_t i = 0; i < format.size();) {
            char c = format[i];
            if (c == '\\') {
                ++i;
                if (!escape(format, i, out, false))
                    return status;
                continue;
            }
            if (c != '%') {
                out += c;
                ++i;
                continue;
            }
            if (i + 1 < format.size() && format[i + 1] == '%') {
                out += '%';
                i += 2;
                continue;
            }
            // %[flags][width][.precision]conversion, with * taking an argument.
            String spec = "%";
            ++i;
            while (i < format.size() && String("-+ #0").find(format[i]) != String::npos)
                spec += format[i++];
            for (int part = 0; part < 2; ++part) {
                if (part == 1) {
                    if (i < format.size() && format[i] == '.')
                        spec += format[i++];
                    else
                        break;
                }
                if (i < format.size() && format[i] == '*') {
                    const String* argument = take();
                    bool bad = false;
                    spec += to_string(argument ? number_argument(*argument, bad) : 0);
                    ++i;
                } else {
                    while (i < format.size() && isdigit(static_cast<unsigned char>(format[i])))
                        spec += format[i++];
                }
            }
            if (i >= format.size()) {
                error = String("%") + ": missing format character";
                return 1;
            }
            char conversion = format[i++];
            const String* argument = take();
            const String& text = argument ? *argument : empty;
            char buffer[512];
            switch (conversion) {
            case 'd':
            case 'i': {
                bool bad = false;
                long value = number_argument(text, bad);
                if (bad) {
                    error = text + ": not completely converted";
                    status = 1;
                }
                snprintf(buffer, sizeof(buffer), (spec + "ld").c_str(), value);
                out += buffer;
                break;
            }
            case 'o':
            case 'u':
            case 'x':
            case 'X': {
                bool bad = false;
                long value = number_argument(text, bad);
                if (bad) {
                    error = text + ": not completely converted";
                    status = 1;
                }
                snprintf(buffer, sizeof(buffer), (spec + "l" + conversion).c_str(),
                         static_cast<unsigned long>(value));
                out += buffer;
                break;
            }
            case 'e':
            case 'E':
            case 'f':
            case 'F':
            case 'g':
            case 'G': {
                double value = text.empty() ? 0.0 : strtod(text.c_str(), nullptr);
                snprintf(buffer, sizeof(buffer), (spec + conversion).c_str(), value);
                out += buffer;
                break;
            }
            case 'c':
                if (!text.empty()) {
                    snprintf(buffer, sizeof(buffer), (spec + 'c').c_str(), text[0]);
                    out += buffer;
                } else if (!argument) {
                    // no argument: nothing
                } else {
                    snprintf(buffer, sizeof(buffer), (spec + 'c').c_str(), 0);
                    out.append(buffer, strlen(buffer) + 1 > 1 ? strlen(buffer) : 1);
                }
                break;
            case 's':
            case 'b': {
                String value;
                if (conversion == 'b') {
                    bool stop = false;
                    for (size_t k = 0; k < text.size();) {
                        if (text[k] == '\\') {
                            ++k;
                            if (!escape(text, k, value, true)) {
                                stop = true;
                                break;
                            }
                        } else {
                            value += text[k++];
                        }
                    }
                    if (stop) {
                        out += value;
                        return status;
                    }
                } else {
                    value = text;
                }
                int needed = snprintf(nullptr, 0, (spec + 's').c_str(), value.c_str());
                String formatted(static_cast<size_t>(needed) + 1, '\0');
                snprintf(formatted.begin(), formatted.size(), (spec + 's').c_str(), value.c_str());
                formatted.resize(static_cast<size_t>(needed));
                out += formatted;
                break;
            }
            default:
                error = String("%") + conversion + ": invalid directive";
                return 1;
            }
        }
        if (next == consumed_before)
            break;
    } while (next < argv.size());
    return status;
}

namespace {

class TestEvaluator {
public:
    TestEvaluator(std::vector<String>& argv, size_t begin, size_t end, String& error)
        : m_argv(argv), m_position(begin), m_end(end), m_error(error) {}

    int run() {
        if (m_position == m_end)
            return 1;
        bool result = disjunction();
        if (!m_failed && m_position != m_end)
            fail(m_argv[m_position] + ": unexpected operator");
        return m_failed ? 2 : (result ? 0 : 1);
    }

private:
    void fail(const String& message) {
        if (!m_failed) {
            m_failed = true;
            m_error = message;
        }
    }
    bool at(std::string_view word) const { return m_position < m_end && m_argv[m_position].view() == word; }
    size_t remaining() const { return m_end - m_position; }

    bool disjunction() {
        bool result = conjunction();
        while (!m_failed && at("-o")) {
            ++m_position;
            bool right = conjunction();
            result = result || right;
        }
        return result;
    }
    bool conjunction() {
        bool result = negation();
        while (!m_failed && at("-a")) {
            ++m_position;
            bool right = negation();
            result = result && right;
        }
        return result;
    }
    bool negation() {
        if (at("!") && remaining() > 1) {
            ++m_position;
            return !negation();
        }
        return primary();
    }
    static bool is_binary(std::string_view op) {
        return op == "=" || op == "!=" || op == "-eq" || op == "-ne" || op == "-lt" || op == "-le" ||
               op == "-gt" || op == "-ge" || op == "-nt" || op == "-ot" || op == "-ef" || op == "<" ||
               op == ">";
    }
    static bool is_unary(std::string_view op) {
        return op.size() == 2 && op[0] == '-' && String("bcdefghknprstuwxzLSG").find(op[1]) != String::npos;
    }
    long integer(const String& text) {
        char* end = nullptr;
        const char* start = text.c_str();
        while (*start == ' ' || *start == '\t')
            ++start;
        long value = strtol(start, &end, 10);
        while (*end == ' ' || *end == '\t')
            ++end;
        if (text.empty() || *end != '\0' || end == start)
            fail(String("illegal number: ") + text.view());
        return value;
    }
    bool primary() {
        if (m_position >= m_end) {
            fail("argument expected");
            return false;
        }
        if (remaining() >= 3 && is_binary(m_argv[m_position + 1])) {
            const String& left = m_argv[m_position];
            const String& op = m_argv[m_position + 1];
            const String& right = m_argv[m_position + 2];
            m_position += 3;
            return binary(left, op, right);
        }
        if (at("(") && remaining() >= 2) {
            ++m_position;
            bool result = disjunction();
            if (!at(")")) {
                fail("closing paren expected");
                return false;
            }
            ++m_position;
            return result;
        }
        if (remaining() >= 2 && is_unary(m_argv[m_position])) {
            const String& op = m_argv[m_position];
            const String& operand = m_argv[m_position + 1];
            m_position += 2;
            return unary(op[1], operand);
        }
        return !m_argv[m_position++].empty();
    }
    bool binary(const String& left, const String& op, const String& right) {
        if (op == "=")
            return left == right;
        if (op == "!=")
            return !(left == right);
        if (op == "<")
            return left < right;
        if (op == ">")
            return right < left;
        if (op == "-nt" || op == "-ot" || op == "-ef") {
            struct stat a {
            }, b{};
            bool have_a = stat(left.c_str(), &a) == 0;
            bool have_b = stat(right.c_str(), &b) == 0;
            if (op == "-ef")
                return have_a && have_b && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
            if (op == "-nt")
                return have_a && (!have_b || a.st_mtime > b.st_mtime);
            return have_b && (!have_a || a.st_mtime < b.st_mtime);
        }
        long a = integer(left);
        long b = integer(right);
        if (op == "-eq")
            return a == b;
        if (op == "-ne")
            return a != b;
        if (op == "-lt")
            return a < b;
        if (op == "-le")
            return a <= b;
        if (op == "-gt")
            return a > b;
        return a >= b;
    }
    bool unary(char op, const String& operand) {
        if (op == 'n')
            return !operand.empty();
        if (op == 'z')
            return operand.empty();
        if (op == 't') {
            long fd = integer(operand);
            return isatty(static_cast<int>(fd));
        }
        struct stat info {};
        if (op == 'L' || op == 'h')
            return lstat(operand.c_str(), &info) == 0 && S_ISLNK(info.st_mode);
        if (stat(operand.c_str(), &info) != 0)
            return false;
        switch (op) {
        case 'e':
            return true;
        case 'f':
            return S_ISREG(info.st_mode);
        case 'd':
            return S_ISDIR(info.st_mode);
        case 'b':
            return S_ISBLK(info.st_mode);
        case 'c':
            return S_ISCHR(info.st_mode);
        case 'p':
            return S_ISFIFO(info.st_mode);
        case 'S':
            return S_ISSOCK(info.st_mode);
        case 's':
            return info.st_size > 0;
        case 'r':
            return access(operand.c_str(), R_OK) == 0;
        case 'w':
            return access(operand.c_str(), W_OK) == 0;
        case 'x':
            return access(operand.c_str(), X_OK) == 0;
        case 'u':
            return info.st_mode & S_ISUID;
        case 'g':
            return info.st_mode & S_ISGID;
        case 'k':
            return info.st_mode & S_ISVTX;
        case 'G':
            return info.st_gid == getegid();
        default:
            return false;
        }
    }

    std::vector<String>& m_argv;
    size_t m_position;
    size_t m_end;
    String& m_error;
    bool m_failed = false;
};

} // namespace

int builtin_test(std::vector<String>& argv, String& error) {
    size_t end = argv.size();
    if (argv[0] == "[") {
        if (argv.size() < 2 || !(argv.back() == "]")) {
            error = "missing ]";
            return 2;
        }
        --end;
    }
    size_t count = end - 1;
    // POSIX's rules by argument count come first: "test -n" is true, "test ! -z" is false.
    if (count == 1)
        return argv[1].empty() ? 1 : 0;
    if (count == 2 && argv[1] == "!")
        return argv[2].empty() ? 0 : 1;
    if (count == 3 && argv[2] != "-a" && argv[2] != "-o") {
        std::vector<String> three(argv.begin(), argv.begin() + 4);
        TestEvaluator evaluator(three, 1, 4, error);
        return evaluator.run();
    }
    TestEvaluator evaluator(argv, 1, end, error);
    return evaluator.run();
}

} // namespace shell
