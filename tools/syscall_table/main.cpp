// syscall_table [--check FILE | --update FILE]: the Markdown table of implemented system calls, made from
// kernel/syscalls/syscall_list.h, the list the kernel's dispatch table is built from, so docs/syscalls.md
// cannot drift from the kernel. Without options it prints the block; --check compares a file's block with
// it (exit 1 and a diff when they differ), --update rewrites the file's block in place.
#include "syscalls/syscall_list.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view begin_marker = "<!-- syscall-table:begin -->";
constexpr std::string_view end_marker = "<!-- syscall-table:end -->";

struct Syscall {
    int number;
    std::string_view name;
    std::string_view summary;
};

constexpr Syscall syscalls[] = {
#define BLOG_OS_TABLE_ROW(number, name, summary) {number, #name, summary},
    BLOG_OS_SYSCALLS(BLOG_OS_TABLE_ROW)
#undef BLOG_OS_TABLE_ROW
};

// A `|` would end the cell and a `*` could start emphasis; the summaries are plain text.
std::string escape_cell(std::string_view text) {
    std::string escaped;
    for (char c : text) {
        if (c == '\\' || c == '|' || c == '*' || c == '`' || c == '<')
            escaped += '\\';
        escaped += c;
    }
    return escaped;
}

std::vector<std::string> generate_block() {
    std::vector<Syscall> sorted(std::begin(syscalls), std::end(syscalls));
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Syscall& a, const Syscall& b) { return a.number < b.number; });
    std::vector<std::string> lines{std::string(begin_marker), "| number | name | notes |", "|---|---|---|"};
    for (const Syscall& call : sorted) {
        std::string row = "| " + std::to_string(call.number) + " | `" + std::string(call.name) + "` |";
        row += call.summary.empty() ? " |" : " " + escape_cell(call.summary) + " |";
        lines.push_back(row);
    }
    lines.emplace_back(end_marker);
    return lines;
}

// Two entries with one number would make the kernel's table keep only one of them.
bool numbers_are_unique() {
    std::vector<int> numbers;
    for (const Syscall& call : syscalls)
        numbers.push_back(call.number);
    std::sort(numbers.begin(), numbers.end());
    auto duplicate = std::adjacent_find(numbers.begin(), numbers.end());
    if (duplicate == numbers.end())
        return true;
    std::fprintf(stderr, "syscall_table: number %d appears twice in kernel/syscalls/syscall_list.h\n",
                 *duplicate);
    return false;
}

bool read_lines(const std::string& path, std::vector<std::string>& lines, bool& ends_with_newline) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        std::fprintf(stderr, "syscall_table: cannot read %s\n", path.c_str());
        return false;
    }
    std::stringstream contents;
    contents << file.rdbuf();
    std::string text = contents.str();
    ends_with_newline = !text.empty() && text.back() == '\n';
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return true;
}

bool write_lines(const std::string& path, const std::vector<std::string>& lines, bool ends_with_newline) {
    std::string text;
    for (size_t i = 0; i < lines.size(); ++i) {
        text += lines[i];
        if (i + 1 < lines.size() || ends_with_newline)
            text += '\n';
    }
    // Written beside the file and renamed over it, so a failed write leaves the page as it was.
    std::string temporary = path + ".syscall_table.tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        if (!file || !(file << text) || !file.flush()) {
            std::fprintf(stderr, "syscall_table: cannot write %s\n", temporary.c_str());
            std::remove(temporary.c_str());
            return false;
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::fprintf(stderr, "syscall_table: cannot replace %s\n", path.c_str());
        std::remove(temporary.c_str());
        return false;
    }
    return true;
}

std::string_view trimmed(std::string_view line) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
        line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
        line.remove_prefix(1);
    return line;
}

struct BlockPosition {
    size_t begin; // the begin marker's line
    size_t end;   // the end marker's line
};

bool find_block(const std::vector<std::string>& lines, const std::string& path, BlockPosition& block) {
    std::vector<size_t> begins, ends;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (trimmed(lines[i]) == begin_marker)
            begins.push_back(i);
        else if (trimmed(lines[i]) == end_marker)
            ends.push_back(i);
    }
    if (begins.size() != 1 || ends.size() != 1 || ends[0] < begins[0]) {
        std::fprintf(stderr,
                     "syscall_table: %s must hold exactly one '%.*s' line followed by one '%.*s' line "
                     "(found %zu and %zu)\n",
                     path.c_str(), static_cast<int>(begin_marker.size()), begin_marker.data(),
                     static_cast<int>(end_marker.size()), end_marker.data(), begins.size(), ends.size());
        return false;
    }
    block = {begins[0], ends[0]};
    return true;
}

// A line diff (longest common subsequence) printed as - / + / space lines; the tables are small.
void print_diff(const std::vector<std::string>& actual, const std::vector<std::string>& expected) {
    size_t n = actual.size(), m = expected.size();
    std::vector<std::vector<size_t>> common(n + 1, std::vector<size_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            common[i][j] = actual[i] == expected[j] ? common[i + 1][j + 1] + 1
                                                    : std::max(common[i + 1][j], common[i][j + 1]);
    std::fprintf(stderr, "--- in the file\n+++ generated from kernel/syscalls/syscall_list.h\n");
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && actual[i] == expected[j]) {
            std::fprintf(stderr, " %s\n", actual[i].c_str());
            ++i, ++j;
        } else if (i < n && (j == m || common[i + 1][j] >= common[i][j + 1])) {
            std::fprintf(stderr, "-%s\n", actual[i++].c_str());
        } else {
            std::fprintf(stderr, "+%s\n", expected[j++].c_str());
        }
    }
}

int check(const char* program, const std::string& path) {
    std::vector<std::string> lines;
    bool ends_with_newline;
    BlockPosition block;
    if (!read_lines(path, lines, ends_with_newline) || !find_block(lines, path, block))
        return 1;
    std::vector<std::string> actual(lines.begin() + static_cast<long>(block.begin),
                                    lines.begin() + static_cast<long>(block.end) + 1);
    std::vector<std::string> expected = generate_block();
    if (actual == expected)
        return 0;
    std::fprintf(stderr,
                 "syscall_table: the system call table in %s differs from kernel/syscalls/syscall_list.h;\n"
                 "regenerate it with: %s --update %s\n",
                 path.c_str(), program, path.c_str());
    print_diff(actual, expected);
    return 1;
}

int update(const std::string& path) {
    std::vector<std::string> lines;
    bool ends_with_newline;
    BlockPosition block;
    if (!read_lines(path, lines, ends_with_newline) || !find_block(lines, path, block))
        return 1;
    std::vector<std::string> expected = generate_block();
    std::vector<std::string> updated(lines.begin(), lines.begin() + static_cast<long>(block.begin));
    updated.insert(updated.end(), expected.begin(), expected.end());
    updated.insert(updated.end(), lines.begin() + static_cast<long>(block.end) + 1, lines.end());
    if (updated == lines)
        return 0;
    return write_lines(path, updated, ends_with_newline) ? 0 : 1;
}

void print_usage() {
    std::fputs("usage: syscall_table [--check FILE | --update FILE]\n"
               "  prints the Markdown table of kernel/syscalls/syscall_list.h between the markers\n"
               "  --check FILE   exit 1 with a diff if FILE's block differs\n"
               "  --update FILE  rewrite FILE's block in place\n",
               stderr);
}

} // namespace

int main(int argc, char** argv) {
    if (!numbers_are_unique())
        return 1;
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        for (const std::string& line : generate_block())
            std::printf("%s\n", line.c_str());
        return 0;
    }
    if (args.size() == 2 && args[0] == "--check")
        return check(argv[0], std::string(args[1]));
    if (args.size() == 2 && args[0] == "--update")
        return update(std::string(args[1]));
    print_usage();
    return 2;
}
