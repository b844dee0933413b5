// sort and uniq: ordering lines by bytes, numbers or keys, and dropping adjacent repeats.
#include "toolbox.h"
#include "toolbox/text.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
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

} // namespace

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

} // namespace toolbox
