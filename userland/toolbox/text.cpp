// Utilities over streams of text: cat head tail wc tee echo yes seq.
#include "toolbox.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

namespace {

int open_input(const char* path) {
    return strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
}

void close_input(int fd) {
    if (fd != 0)
        close(fd);
}

// "-5" as the first argument means "-n 5" to head and tail (the historical form scripts still use).
std::vector<char*> with_obsolete_count(int argc, char** argv, std::vector<char>& storage) {
    std::vector<char*> arguments(argv, argv + argc);
    if (argc > 1 && argv[1][0] == '-' && isdigit(static_cast<unsigned char>(argv[1][1]))) {
        storage.assign({'-', 'n'});
        storage.insert(storage.end(), argv[1] + 1, argv[1] + strlen(argv[1]) + 1);
        arguments[1] = storage.data();
    }
    return arguments;
}

void print_header(const char* path, bool& first) {
    printf("%s==> %s <==\n", first ? "" : "\n", strcmp(path, "-") == 0 ? "standard input" : path);
    first = false;
}

// tail -f: what has been printed of each file so far.
struct FollowedFile {
    const char* path;
    off_t printed;
};

// Polls the files four times a second and prints what was appended, until killed; a file that shrank
// was truncated and is read again from its start.
[[noreturn]] void follow_files(std::vector<FollowedFile>& files, bool show_headers) {
    const FollowedFile* last_shown = files.size() == 1 ? &files[0] : &files.back();
    for (;;) {
        fflush(stdout);
        bool any = false;
        for (FollowedFile& file : files) {
            struct stat status;
            if (stat(file.path, &status) != 0)
                continue;
            if (status.st_size < file.printed) {
                error("%s: file truncated", file.path);
                file.printed = 0;
            }
            if (status.st_size == file.printed)
                continue;
            int fd = open(file.path, O_RDONLY);
            if (fd < 0 || lseek(fd, file.printed, SEEK_SET) < 0) {
                if (fd >= 0)
                    close(fd);
                continue;
            }
            if (show_headers && last_shown != &file)
                printf("\n==> %s <==\n", file.path);
            last_shown = &file;
            char buffer[16384];
            ssize_t got;
            while ((got = read(fd, buffer, sizeof(buffer))) > 0) {
                fwrite(buffer, 1, static_cast<size_t>(got), stdout);
                file.printed += got;
            }
            close(fd);
            any = true;
        }
        if (!any) {
            struct timespec quarter_second = {0, 250000000};
            nanosleep(&quarter_second, nullptr);
        }
    }
}

// head -n -N / -c -N: the whole input but its last N lines or bytes.
void print_all_but_last(const char* path, unsigned long long count, bool bytes, int& status) {
    char* data;
    size_t size;
    if (!read_all(path, data, size)) {
        error_errno(errno, "error reading %s", quote(path));
        status = 1;
        return;
    }
    size_t end = size;
    if (bytes) {
        end = count < size ? size - count : 0;
    } else {
        // Keep the first (lines - count) lines; an unterminated last line counts as one.
        unsigned long long lines = 0;
        for (size_t i = 0; i < size; ++i)
            if (data[i] == '\n' || i + 1 == size)
                ++lines;
        unsigned long long keep = count < lines ? lines - count : 0;
        end = 0;
        for (unsigned long long kept = 0; kept < keep && end < size; ++end)
            if (data[end] == '\n')
                ++kept;
    }
    fwrite(data, 1, end, stdout);
    free(data);
}

} // namespace

int cat_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "nu");
    bool number = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'n')
            number = true;
        else if (code != 'u') // -u: unbuffered, which we always are
            handle_common_option(code);
    }
    std::vector<char*> files(parser.operands());
    static char dash[] = "-";
    if (files.empty())
        files.push_back(dash);
    int status = 0;
    unsigned long line = 0;
    bool at_line_start = true;
    for (char* path : files) {
        int fd = open_input(path);
        if (fd < 0) {
            error_errno(errno, "%s", path);
            status = 1;
            continue;
        }
        bool ok;
        if (!number) {
            ok = copy_to_stdout(fd);
        } else {
            char* data;
            size_t size;
            close_input(fd);
            fd = -1;
            ok = read_all(path, data, size);
            if (ok) {
                for (size_t i = 0; i < size; ++i) {
                    if (at_line_start)
                        printf("%6lu\t", ++line);
                    putchar(data[i]);
                    at_line_start = data[i] == '\n';
                }
                free(data);
            }
        }
        if (!ok) {
            error_errno(errno, "%s", path);
            status = 1;
        }
        if (fd >= 0)
            close_input(fd);
    }
    return status;
}

int head_main(int argc, char** argv) {
    std::vector<char> storage;
    std::vector<char*> arguments = with_obsolete_count(argc, argv, storage);
    OptionParser parser(static_cast<int>(arguments.size()), arguments.data(), "n:c:qv");
    unsigned long long count = 10;
    bool bytes = false;
    bool all_but_last = false; // -n -N: everything except the last N
    int headers = 0;           // 0 when several files, -1 never (-q), 1 always (-v)
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'n' || code == 'c') {
            const char* text = parser.argument();
            all_but_last = text[0] == '-';
            if (!parse_count(text + (all_but_last ? 1 : 0), count)) {
                error("invalid number of %s: %s", code == 'n' ? "lines" : "bytes", quote(parser.argument()));
                return 1;
            }
            bytes = code == 'c';
        } else if (code == 'q') {
            headers = -1;
        } else if (code == 'v') {
            headers = 1;
        } else {
            handle_common_option(code);
        }
    }
    std::vector<char*> files(parser.operands());
    static char dash[] = "-";
    if (files.empty())
        files.push_back(dash);
    bool show_headers = headers == 1 || (headers == 0 && files.size() > 1);
    bool first = true;
    int status = 0;
    for (char* path : files) {
        int fd = open_input(path);
        if (fd < 0) {
            error_errno(errno, "cannot open %s for reading", quote(path));
            status = 1;
            continue;
        }
        if (show_headers)
            print_header(path, first);
        if (all_but_last) {
            close_input(fd);
            print_all_but_last(path, count, bytes, status);
            continue;
        }
        unsigned long long left = count;
        char buffer[4096];
        while (left > 0) {
            ssize_t got = read(fd, buffer, sizeof(buffer));
            if (got < 0) {
                error_errno(errno, "error reading %s", quote(path));
                status = 1;
                break;
            }
            if (got == 0)
                break;
            size_t take = 0;
            if (bytes) {
                take = static_cast<size_t>(got) < left ? static_cast<size_t>(got) : left;
                left -= take;
            } else {
                while (take < static_cast<size_t>(got) && left > 0)
                    if (buffer[take++] == '\n')
                        --left;
            }
            fwrite(buffer, 1, take, stdout);
        }
        close_input(fd);
    }
    return status;
}

int tail_main(int argc, char** argv) {
    std::vector<char> storage;
    std::vector<char*> arguments = with_obsolete_count(argc, argv, storage);
    static const LongOption longs[] = {{"follow", 'f', false}, {"lines", 'n', true}, {"bytes", 'c', true}};
    OptionParser parser(static_cast<int>(arguments.size()), arguments.data(), "n:c:qvf", longs, 3);
    unsigned long long count = 10;
    bool bytes = false;
    bool from_start = false; // +N: starting at line/byte N
    bool follow = false;
    int headers = 0;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'f') {
            follow = true;
        } else if (code == 'n' || code == 'c') {
            const char* text = parser.argument();
            from_start = text[0] == '+';
            if (text[0] == '+' || text[0] == '-')
                ++text;
            if (!parse_count(text, count)) {
                error("invalid number of %s: %s", code == 'n' ? "lines" : "bytes", quote(parser.argument()));
                return 1;
            }
            bytes = code == 'c';
        } else if (code == 'q') {
            headers = -1;
        } else if (code == 'v') {
            headers = 1;
        } else {
            handle_common_option(code);
        }
    }
    std::vector<char*> files(parser.operands());
    static char dash[] = "-";
    if (files.empty())
        files.push_back(dash);
    bool show_headers = headers == 1 || (headers == 0 && files.size() > 1);
    bool first = true;
    int status = 0;
    std::vector<FollowedFile> followed;
    for (char* path : files) {
        char* data;
        size_t size;
        if (!read_all(path, data, size)) {
            if (errno == EISDIR)
                error_errno(errno, "error reading %s", quote(path));
            else
                error_errno(errno, "cannot open %s for reading", quote(path));
            status = 1;
            continue;
        }
        if (show_headers)
            print_header(path, first);
        size_t start;
        if (bytes) {
            if (from_start)
                start = count == 0 ? 0 : (count - 1 < size ? count - 1 : size);
            else
                start = count < size ? size - count : 0;
        } else if (from_start) {
            start = 0;
            for (unsigned long long line = 1; line < count && start < size; ++start)
                if (data[start] == '\n')
                    ++line;
        } else {
            // Back from the end: the last line may lack its newline and still counts.
            start = size;
            unsigned long long lines = 0;
            size_t position = size;
            if (position > 0 && data[position - 1] == '\n')
                --position;
            while (position > 0) {
                if (data[position - 1] == '\n' && ++lines == count)
                    break;
                --position;
            }
            start = count == 0 ? size : position;
        }
        fwrite(data + start, 1, size - start, stdout);
        free(data);
        if (follow && strcmp(path, "-") != 0)
            followed.push_back({path, static_cast<off_t>(size)});
    }
    if (follow && !followed.empty())
        follow_files(followed, show_headers);
    return status;
}

int wc_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "lwcm");
    bool lines = false, words = false, chars = false, bytes = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        switch (code) {
        case 'l':
            lines = true;
            break;
        case 'w':
            words = true;
            break;
        case 'm':
            chars = true;
            break;
        case 'c':
            bytes = true;
            break;
        default:
            handle_common_option(code);
        }
    }
    if (!lines && !words && !chars && !bytes)
        lines = words = bytes = true;
    std::vector<char*> files(parser.operands());
    bool no_operands = files.empty();
    static char dash[] = "-";
    if (no_operands)
        files.push_back(dash);

    // GNU's column width: the digits of the total size of the regular files, 7 when any input is not a
    // regular file, and no padding at all for one count of one file.
    unsigned long long total_size = 0;
    bool irregular = false;
    for (char* path : files) {
        struct stat status;
        int result = strcmp(path, "-") == 0 ? fstat(0, &status) : stat(path, &status);
        if (result == 0 && S_ISREG(status.st_mode))
            total_size += static_cast<unsigned long long>(status.st_size);
        else if (result == 0)
            irregular = true;
    }
    int width = 1;
    for (unsigned long long value = total_size; value >= 10; value /= 10)
        ++width;
    if (irregular && width < 7)
        width = 7;
    if (lines + words + chars + bytes == 1 && files.size() == 1)
        width = 1;

    unsigned long long totals[4] = {};
    int status = 0;
    auto print = [&](const unsigned long long counts[4], const char* name) {
        const bool shown[4] = {lines, words, chars, bytes};
        bool first = true;
        for (int i = 0; i < 4; ++i) {
            if (!shown[i])
                continue;
            printf("%s%*llu", first ? "" : " ", width, counts[i]);
            first = false;
        }
        if (name != nullptr)
            printf(" %s", name);
        putchar('\n');
    };
    for (char* path : files) {
        int fd = open_input(path);
        if (fd < 0) {
            error_errno(errno, "%s", path);
            status = 1;
            continue;
        }
        unsigned long long counts[4] = {};
        bool in_word = false;
        char buffer[16384];
        ssize_t got;
        while ((got = read(fd, buffer, sizeof(buffer))) > 0) {
            for (ssize_t i = 0; i < got; ++i) {
                unsigned char c = static_cast<unsigned char>(buffer[i]);
                if (c == '\n')
                    ++counts[0];
                bool space = isspace(c);
                if (!space && !in_word)
                    ++counts[1];
                // Only printable characters start words in the C locale; others neither start nor end one.
                if (space)
                    in_word = false;
                else if (isprint(c))
                    in_word = true;
            }
            counts[2] += static_cast<unsigned long long>(got);
            counts[3] += static_cast<unsigned long long>(got);
        }
        if (got < 0) {
            error_errno(errno, "%s", path);
            status = 1;
        }
        close_input(fd);
        for (int i = 0; i < 4; ++i)
            totals[i] += counts[i];
        print(counts, no_operands ? nullptr : path);
    }
    if (files.size() > 1)
        print(totals, "total");
    return status;
}

int tee_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "ai");
    bool append = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'a')
            append = true;
        else if (code != 'i')
            handle_common_option(code);
    }
    int status = 0;
    std::vector<int> outputs{1};
    std::vector<const char*> names{"standard output"};
    for (char* path : parser.operands()) {
        int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0666);
        if (fd < 0) {
            error_errno(errno, "%s", path);
            status = 1;
            continue;
        }
        outputs.push_back(fd);
        names.push_back(path);
    }
    char buffer[16384];
    for (;;) {
        ssize_t got = read(0, buffer, sizeof(buffer));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            error_errno(errno, "read error");
            status = 1;
        }
        if (got <= 0)
            break;
        for (size_t i = 0; i < outputs.size(); ++i) {
            if (outputs[i] < 0)
                continue;
            for (ssize_t done = 0; done < got;) {
                ssize_t written = write(outputs[i], buffer + done, static_cast<size_t>(got - done));
                if (written < 0) {
                    error_errno(errno, "%s", names[i]);
                    status = 1;
                    outputs[i] = -1;
                    break;
                }
                done += written;
            }
        }
    }
    for (size_t i = 1; i < outputs.size(); ++i)
        if (outputs[i] >= 0 && close(outputs[i]) != 0) {
            error_errno(errno, "%s", names[i]);
            status = 1;
        }
    return status;
}

namespace {

// echo -e's escapes; returns false after \c (stop all output).
bool print_escaped(const char* text) {
    for (const char* p = text; *p != '\0'; ++p) {
        if (*p != '\\' || p[1] == '\0') {
            putchar(*p);
            continue;
        }
        switch (*++p) {
        case 'a':
            putchar('\a');
            break;
        case 'b':
            putchar('\b');
            break;
        case 'c':
            return false;
        case 'e':
            putchar('\033');
            break;
        case 'f':
            putchar('\f');
            break;
        case 'n':
            putchar('\n');
            break;
        case 'r':
            putchar('\r');
            break;
        case 't':
            putchar('\t');
            break;
        case 'v':
            putchar('\v');
            break;
        case '\\':
            putchar('\\');
            break;
        case '0': {
            int value = 0;
            for (int i = 0; i < 3 && p[1] >= '0' && p[1] <= '7'; ++i)
                value = value * 8 + (*++p - '0');
            putchar(value);
            break;
        }
        case 'x': {
            int value = 0, i = 0;
            for (; i < 2 && isxdigit(static_cast<unsigned char>(p[1])); ++i) {
                char c = *++p;
                value =
                    value * 16 + (isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10);
            }
            if (i == 0)
                fputs("\\x", stdout);
            else
                putchar(value);
            break;
        }
        default:
            putchar('\\');
            putchar(*p);
        }
    }
    return true;
}

} // namespace

int echo_main(int argc, char** argv) {
    // GNU echo takes an argument as options only if every letter in it is one of n, e, E.
    bool newline = true, escapes = false;
    int index = 1;
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        exit_with_help();
    for (; index < argc; ++index) {
        const char* word = argv[index];
        if (word[0] != '-' || word[1] == '\0' || strspn(word + 1, "neE") != strlen(word + 1))
            break;
        for (const char* p = word + 1; *p != '\0'; ++p) {
            if (*p == 'n')
                newline = false;
            else
                escapes = *p == 'e';
        }
    }
    for (int i = index; i < argc; ++i) {
        if (i > index)
            putchar(' ');
        if (escapes) {
            if (!print_escaped(argv[i]))
                return 0;
        } else {
            fputs(argv[i], stdout);
        }
    }
    if (newline)
        putchar('\n');
    return 0;
}

int yes_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "");
    for (int code; (code = parser.next()) != OptionParser::end;)
        handle_common_option(code);
    // One line built once, written in large blocks: yes is used to feed other programs fast.
    std::vector<char> line;
    if (parser.operands().empty()) {
        line = {'y', '\n'};
    } else {
        for (char* word : parser.operands()) {
            line.insert(line.end(), word, word + strlen(word));
            line.push_back(' ');
        }
        line.back() = '\n';
    }
    std::vector<char> block;
    while (block.size() < 8192)
        block.insert(block.end(), line.begin(), line.end());
    for (;;) {
        if (write(1, block.data(), block.size()) < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EPIPE)
                error_errno(errno, "standard output");
            return 1;
        }
    }
}

namespace {

bool parse_number(const char* text, long double& value, int& decimals) {
    char* end = nullptr;
    errno = 0;
    value = strtold(text, &end);
    if (end == text || *end != '\0' || errno != 0 || std::isnan(value))
        return false;
    const char* dot = strchr(text, '.');
    decimals = dot != nullptr && !strpbrk(text, "eE") ? static_cast<int>(strlen(dot + 1)) : 0;
    return true;
}

} // namespace

int seq_main(int argc, char** argv) {
    // A negative number is an operand, not options: "--" goes in front of the first one.
    std::vector<char*> arguments(argv, argv + argc);
    static char end_of_options[] = "--";
    for (size_t i = 1; i < arguments.size(); ++i) {
        const char* word = arguments[i];
        if (word[0] == '-' && (isdigit(static_cast<unsigned char>(word[1])) || word[1] == '.')) {
            arguments.insert(arguments.begin() + static_cast<long>(i), end_of_options);
            break;
        }
    }
    OptionParser parser(static_cast<int>(arguments.size()), arguments.data(), "s:w");
    const char* separator = "\n";
    bool equal_width = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 's')
            separator = parser.argument();
        else if (code == 'w')
            equal_width = true;
        else
            handle_common_option(code);
    }
    const std::vector<char*>& operands = parser.operands();
    if (operands.empty() || operands.size() > 3) {
        if (operands.empty())
            error("missing operand");
        else
            error("extra operand %s", quote(operands[3]));
        report_try_help();
        return 1;
    }
    long double values[3] = {1, 1, 0};
    int decimals[3] = {0, 0, 0};
    size_t first_index = operands.size() == 1 ? 2 : 0;
    for (size_t i = 0; i < operands.size(); ++i) {
        size_t slot = operands.size() == 2 && i == 1 ? 2 : first_index + i;
        if (!parse_number(operands[i], values[slot], decimals[slot])) {
            error("invalid floating point argument: %s", quote(operands[i]));
            report_try_help();
            return 1;
        }
    }
    long double first = values[0], step = values[1], last = values[2];
    if (step == 0) {
        error("invalid Zero increment value: %s", quote(operands[1]));
        report_try_help();
        return 1;
    }
    // As many decimals as FIRST and INCREMENT have, so 0.1 steps do not print 0.30000000000000004.
    int precision = decimals[0] > decimals[1] ? decimals[0] : decimals[1];
    int width = 0;
    if (equal_width) {
        char text[64];
        width = snprintf(text, sizeof(text), "%.*Lf", precision, first);
        int last_width = snprintf(text, sizeof(text), "%.*Lf", precision, last);
        if (last_width > width)
            width = last_width;
    }
    bool any = false;
    for (unsigned long long i = 0;; ++i) {
        long double value = first + static_cast<long double>(i) * step;
        if (step > 0 ? value > last : value < last)
            break;
        if (any)
            fputs(separator, stdout);
        if (equal_width)
            printf("%0*.*Lf", width, precision, value);
        else
            printf("%.*Lf", precision, value);
        any = true;
    }
    if (any)
        putchar('\n');
    return 0;
}

} // namespace toolbox
