// ls: the seed's ls made real. Output matches GNU ls in the C locale where the options overlap (one
// name a line when stdout is not a terminal); on a terminal, names go in columns and in colour.
#include "toolbox.h"
#include "toolbox/format.h"
#include "toolbox/walk.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <grp.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

namespace {

struct ListOptions {
    bool long_format = false;
    bool all = false;        // -a: . and .. and dot files
    bool almost_all = false; // -A: dot files only
    bool human = false;
    bool recursive = false;
    bool directory = false;
    bool one_per_line = false;
    bool colour = false;
    bool columns = false;
    char sort_by = 'n'; // 'n' name, 't' modification time (-t), 'S' size (-S)
    bool reverse = false;
};

struct Entry {
    char* name; // as shown
    char* path; // to stat and readlink
    struct stat status;
    bool status_ok;
};

// Exit status: 1 for trouble below the operands, 2 for an operand that cannot be read (GNU's split).
int g_status = 0;

void note_status(int status) {
    g_status = std::max(g_status, status);
}

const char* user_name(uid_t uid, char* buffer, size_t size) {
    if (struct passwd* entry = getpwuid(uid))
        return entry->pw_name;
    snprintf(buffer, size, "%u", static_cast<unsigned>(uid));
    return buffer;
}

const char* group_name(gid_t gid, char* buffer, size_t size) {
    if (struct group* entry = getgrgid(gid))
        return entry->gr_name;
    snprintf(buffer, size, "%u", static_cast<unsigned>(gid));
    return buffer;
}

const char* colour_of(const struct stat& status) {
    if (S_ISDIR(status.st_mode))
        return "01;34";
    if (S_ISLNK(status.st_mode))
        return "01;36";
    if (S_ISCHR(status.st_mode) || S_ISBLK(status.st_mode))
        return "01;33";
    if (S_ISFIFO(status.st_mode))
        return "33";
    if (S_ISSOCK(status.st_mode))
        return "01;35";
    if (status.st_mode & 0111)
        return "01;32";
    return nullptr;
}

void print_name(const Entry& entry, const ListOptions& options) {
    const char* colour = options.colour && entry.status_ok ? colour_of(entry.status) : nullptr;
    if (colour != nullptr)
        printf("\033[%sm%s\033[0m", colour, entry.name);
    else
        fputs(entry.name, stdout);
}

int digits(unsigned long long value) {
    int count = 1;
    while (value >= 10) {
        value /= 10;
        ++count;
    }
    return count;
}

bool is_device(const struct stat& status) {
    return S_ISCHR(status.st_mode) || S_ISBLK(status.st_mode);
}

// The size column's text; a device's "major, minor" has each number padded to its own column's width.
void size_text(const Entry& entry, const ListOptions& options, int major_width, int minor_width, char* out,
               size_t size) {
    const struct stat& status = entry.status;
    if (is_device(status))
        snprintf(out, size, "%*u, %*u", major_width, major(status.st_rdev), minor_width,
                 minor(status.st_rdev));
    else if (options.human)
        format_human_size(static_cast<uint64_t>(status.st_size), out, size);
    else
        snprintf(out, size, "%lld", static_cast<long long>(status.st_size));
}

void print_long(std::vector<Entry>& entries, const ListOptions& options) {
    // Columns are as wide as their widest cell: numbers right-aligned, names left-aligned.
    int link_width = 1, owner_width = 1, group_width = 1, size_width = 1, major_width = 1, minor_width = 1;
    char buffer[64];
    for (const Entry& entry : entries) {
        if (is_device(entry.status)) {
            major_width = std::max(major_width, digits(major(entry.status.st_rdev)));
            minor_width = std::max(minor_width, digits(minor(entry.status.st_rdev)));
        }
    }
    for (const Entry& entry : entries) {
        link_width = std::max(link_width, digits(entry.status.st_nlink));
        owner_width =
            std::max(owner_width, static_cast<int>(strlen(user_name(entry.status.st_uid, buffer, 64))));
        group_width =
            std::max(group_width, static_cast<int>(strlen(group_name(entry.status.st_gid, buffer, 64))));
        size_text(entry, options, major_width, minor_width, buffer, sizeof(buffer));
        size_width = std::max(size_width, static_cast<int>(strlen(buffer)));
    }
    time_t now = time(nullptr);
    for (const Entry& entry : entries) {
        const struct stat& status = entry.status;
        char mode[11];
        format_mode(status.st_mode, mode);
        char owner[32], group[32], size[32], when[32];
        struct tm broken_down;
        localtime_r(&status.st_mtime, &broken_down);
        format_listing_time(broken_down, static_cast<int64_t>(now - status.st_mtime), when, sizeof(when));
        size_text(entry, options, major_width, minor_width, size, sizeof(size));
        printf("%s %*lu %-*s %-*s %*s %s ", mode, link_width, static_cast<unsigned long>(status.st_nlink),
               owner_width, user_name(status.st_uid, owner, sizeof(owner)), group_width,
               group_name(status.st_gid, group, sizeof(group)), size_width, size, when);
        print_name(entry, options);
        if (S_ISLNK(status.st_mode)) {
            char target[PATH_MAX];
            ssize_t length = readlink(entry.path, target, sizeof(target) - 1);
            if (length >= 0) {
                target[length] = '\0';
                printf(" -> %s", target);
            }
        }
        putchar('\n');
    }
}

int terminal_width() {
    struct winsize size;
    if (ioctl(1, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    if (const char* columns = getenv("COLUMNS"))
        if (int value = atoi(columns); value > 0)
            return value;
    return 80;
}

// Down the columns, then across, like GNU's default on a terminal.
void print_columns(const std::vector<Entry>& entries, const ListOptions& options) {
    size_t widest = 1;
    for (const Entry& entry : entries)
        widest = std::max(widest, strlen(entry.name));
    size_t column_width = widest + 2;
    size_t columns = std::max<size_t>(1, static_cast<size_t>(terminal_width()) / column_width);
    size_t rows = (entries.size() + columns - 1) / columns;
    for (size_t row = 0; row < rows; ++row) {
        for (size_t column = 0; column < columns; ++column) {
            size_t index = column * rows + row;
            if (index >= entries.size())
                break;
            print_name(entries[index], options);
            if ((column + 1) * rows + row < entries.size())
                printf("%*s", static_cast<int>(column_width - strlen(entries[index].name)), "");
        }
        putchar('\n');
    }
}

void print_entries(std::vector<Entry>& entries, const ListOptions& options) {
    if (options.long_format)
        print_long(entries, options);
    else if (options.columns && !options.one_per_line)
        print_columns(entries, options);
    else
        for (const Entry& entry : entries) {
            print_name(entry, options);
            putchar('\n');
        }
}

void free_entries(std::vector<Entry>& entries) {
    for (Entry& entry : entries) {
        free(entry.name);
        free(entry.path);
    }
    entries.clear();
}

// The listing order: newest (-t) or largest (-S) first, names breaking ties; -r reverses all of it.
void sort_entries(std::vector<Entry>& entries, const ListOptions& options) {
    std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
        int order = 0;
        if (options.sort_by == 't') {
            const struct timespec &x = a.status.st_mtim, &y = b.status.st_mtim;
            if (x.tv_sec != y.tv_sec || x.tv_nsec != y.tv_nsec)
                order = x.tv_sec > y.tv_sec || (x.tv_sec == y.tv_sec && x.tv_nsec > y.tv_nsec) ? -1 : 1;
        } else if (options.sort_by == 'S' && a.status.st_size != b.status.st_size) {
            order = a.status.st_size > b.status.st_size ? -1 : 1;
        }
        if (order == 0)
            order = strcmp(a.name, b.name);
        return options.reverse ? order > 0 : order < 0;
    });
}

void list_directory(const char* path, const ListOptions& options, bool header, bool& first_output,
                    int depth) {
    std::vector<char*> names;
    if (read_directory(path, names, true, options.all) != 0) {
        error_errno(errno, "cannot open directory %s", quote(path));
        note_status(depth == 0 ? 2 : 1);
        return;
    }
    if (!first_output)
        putchar('\n');
    first_output = false;
    if (header)
        printf("%s:\n", path);
    std::vector<Entry> entries;
    uint64_t total_bytes = 0;
    for (char* name : names) {
        if (name[0] == '.' && !options.all && !options.almost_all)
            continue;
        char full[PATH_MAX];
        if (!join_path(full, sizeof(full), path, name))
            continue;
        Entry entry{strdup(name), strdup(full), {}, false};
        entry.status_ok = lstat(full, &entry.status) == 0;
        if (!entry.status_ok && options.long_format) {
            error_errno(errno, "cannot access %s", quote(full));
            note_status(1);
            free(entry.name);
            free(entry.path);
            continue;
        }
        total_bytes += static_cast<uint64_t>(entry.status.st_blocks) * 512;
        entries.push_back(entry);
    }
    free_names(names);
    sort_entries(entries, options);
    if (options.long_format) {
        char total[32];
        if (options.human)
            format_human_size(total_bytes, total, sizeof(total));
        else
            snprintf(total, sizeof(total), "%llu",
                     static_cast<unsigned long long>((total_bytes + 1023) / 1024));
        printf("total %s\n", total);
    }
    print_entries(entries, options);
    if (options.recursive) {
        for (const Entry& entry : entries) {
            if (!entry.status_ok || !S_ISDIR(entry.status.st_mode))
                continue;
            if (strcmp(entry.name, ".") == 0 || strcmp(entry.name, "..") == 0)
                continue;
            list_directory(entry.path, options, true, first_output, depth + 1);
        }
    }
    free_entries(entries);
}

} // namespace

int ls_main(int argc, char** argv) {
    enum { colour_option = 256 };
    static const LongOption longs[] = {{"all", 'a', false},
                                       {"almost-all", 'A', false},
                                       {"directory", 'd', false},
                                       {"human-readable", 'h', false},
                                       {"recursive", 'R', false},
                                       {"color", colour_option, true},
                                       {"colour", colour_option, true}};
    OptionParser parser(argc, argv, "laAhRd1trS", longs, sizeof(longs) / sizeof(longs[0]));
    ListOptions options;
    bool terminal = isatty(1);
    options.columns = terminal;
    options.colour = terminal;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        switch (code) {
        case 'l':
            options.long_format = true;
            break;
        case 'a':
            options.all = true;
            break;
        case 'A':
            options.almost_all = true;
            break;
        case 'h':
            options.human = true;
            break;
        case 'R':
            options.recursive = true;
            break;
        case 'd':
            options.directory = true;
            break;
        case 't':
        case 'S':
            options.sort_by = static_cast<char>(code);
            break;
        case 'r':
            options.reverse = true;
            break;
        case '1':
            options.one_per_line = true;
            break;
        case colour_option: {
            const char* when = parser.argument();
            if (strcmp(when, "always") == 0 || strcmp(when, "yes") == 0)
                options.colour = true;
            else if (strcmp(when, "never") == 0 || strcmp(when, "no") == 0 || strcmp(when, "none") == 0)
                options.colour = false;
            else if (strcmp(when, "auto") == 0 || strcmp(when, "tty") == 0)
                options.colour = terminal;
            else {
                error("invalid argument %s for '--color'", quote(when));
                exit_with_usage_error(2);
            }
            break;
        }
        default:
            handle_common_option(code, 2);
        }
    }
    std::vector<char*> operands(parser.operands());
    static char dot[] = ".";
    if (operands.empty())
        operands.push_back(dot);

    // Operands that are files (or anything, with -d) are listed first, together; directories after.
    std::vector<Entry> files;
    std::vector<Entry> directories;
    for (char* operand : operands) {
        Entry entry{strdup(operand), strdup(operand), {}, false};
        // Symlinks on the command line are followed unless the link itself is what is shown.
        bool follow = !options.directory && !options.long_format;
        entry.status_ok = (follow ? stat(operand, &entry.status) : lstat(operand, &entry.status)) == 0;
        if (!entry.status_ok && follow)
            entry.status_ok = lstat(operand, &entry.status) == 0;
        if (!entry.status_ok) {
            error_errno(errno, "cannot access %s", quote(operand));
            note_status(2);
            free(entry.name);
            free(entry.path);
            continue;
        }
        // With -l a link operand was not followed, so it is listed as the link itself.
        bool is_directory = S_ISDIR(entry.status.st_mode);
        (is_directory && !options.directory ? directories : files).push_back(entry);
    }
    sort_entries(files, options);
    sort_entries(directories, options);
    bool first_output = true;
    if (!files.empty()) {
        print_entries(files, options);
        first_output = false;
    }
    bool headers = operands.size() > 1 || options.recursive || g_status != 0;
    for (const Entry& directory : directories)
        list_directory(directory.path, options, headers, first_output, 0);
    free_entries(files);
    free_entries(directories);
    return g_status;
}

} // namespace toolbox
