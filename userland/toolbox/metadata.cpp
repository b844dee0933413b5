// Utilities about files and file systems: stat du df hexdump date.
#include "toolbox.h"
#include "toolbox/format.h"
#include "toolbox/walk.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

namespace {

const char* file_type_name(const struct stat& status) {
    switch (status.st_mode & S_IFMT) {
    case S_IFREG:
        return status.st_size == 0 ? "regular empty file" : "regular file";
    case S_IFDIR:
        return "directory";
    case S_IFLNK:
        return "symbolic link";
    case S_IFCHR:
        return "character special file";
    case S_IFBLK:
        return "block special file";
    case S_IFIFO:
        return "fifo";
    case S_IFSOCK:
        return "socket";
    default:
        return "weird file";
    }
}

const char* user_of(uid_t uid) {
    struct passwd* entry = getpwuid(uid);
    return entry != nullptr ? entry->pw_name : "UNKNOWN";
}

const char* group_of(gid_t gid) {
    struct group* entry = getgrgid(gid);
    return entry != nullptr ? entry->gr_name : "UNKNOWN";
}

// "2026-12-07 11:16:23.123456789 +0000", stat's human-readable time.
void print_stat_time(const struct timespec& when) {
    struct tm broken_down;
    localtime_r(&when.tv_sec, &broken_down);
    char text[64];
    strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &broken_down);
    char zone[16];
    strftime(zone, sizeof(zone), "%z", &broken_down);
    printf("%s.%09ld %s", text, when.tv_nsec, zone);
}

void print_stat_format(const char* format, const char* path, const struct stat& status) {
    for (const char* p = format; *p != '\0'; ++p) {
        if (*p == '\\' && p[1] != '\0') {
            ++p;
            putchar(*p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
            continue;
        }
        if (*p != '%' || p[1] == '\0') {
            putchar(*p);
            continue;
        }
        char mode[11];
        switch (*++p) {
        case '%':
            putchar('%');
            break;
        case 'n':
            fputs(path, stdout);
            break;
        case 'N':
            printf("%s", quote(path));
            if (S_ISLNK(status.st_mode)) {
                char target[PATH_MAX];
                ssize_t length = readlink(path, target, sizeof(target) - 1);
                if (length >= 0) {
                    target[length] = '\0';
                    printf(" -> %s", quote(target));
                }
            }
            break;
        case 's':
            printf("%lld", static_cast<long long>(status.st_size));
            break;
        case 'a':
            printf("%o", status.st_mode & 07777);
            break;
        case 'A':
            format_mode(status.st_mode, mode);
            fputs(mode, stdout);
            break;
        case 'f':
            printf("%x", status.st_mode);
            break;
        case 'F':
            fputs(file_type_name(status), stdout);
            break;
        case 'u':
            printf("%u", status.st_uid);
            break;
        case 'U':
            fputs(user_of(status.st_uid), stdout);
            break;
        case 'g':
            printf("%u", status.st_gid);
            break;
        case 'G':
            fputs(group_of(status.st_gid), stdout);
            break;
        case 'h':
            printf("%lu", static_cast<unsigned long>(status.st_nlink));
            break;
        case 'i':
            printf("%lu", static_cast<unsigned long>(status.st_ino));
            break;
        case 'b':
            printf("%lld", static_cast<long long>(status.st_blocks));
            break;
        case 'B':
            printf("512");
            break;
        case 'o':
            printf("%ld", static_cast<long>(status.st_blksize));
            break;
        case 'd':
            printf("%lu", static_cast<unsigned long>(status.st_dev));
            break;
        case 'D':
            printf("%lx", static_cast<unsigned long>(status.st_dev));
            break;
        case 't':
            printf("%x", major(status.st_rdev));
            break;
        case 'T':
            printf("%x", minor(status.st_rdev));
            break;
        case 'X':
            printf("%lld", static_cast<long long>(status.st_atime));
            break;
        case 'Y':
            printf("%lld", static_cast<long long>(status.st_mtime));
            break;
        case 'Z':
            printf("%lld", static_cast<long long>(status.st_ctime));
            break;
        case 'x':
            print_stat_time(status.st_atim);
            break;
        case 'y':
            print_stat_time(status.st_mtim);
            break;
        case 'z':
            print_stat_time(status.st_ctim);
            break;
        default:
            putchar('?');
        }
    }
    putchar('\n');
}

} // namespace

int stat_main(int argc, char** argv) {
    static const LongOption longs[] = {{"dereference", 'L', false}, {"format", 'c', true}};
    OptionParser parser(argc, argv, "Lc:", longs, 2);
    bool follow = false;
    const char* format = nullptr;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'L')
            follow = true;
        else if (code == 'c')
            format = parser.argument();
        else
            handle_common_option(code);
    }
    if (parser.operands().empty()) {
        error("missing operand");
        report_try_help();
        return 1;
    }
    int result = 0;
    for (char* path : parser.operands()) {
        struct stat status;
        if ((follow ? stat(path, &status) : lstat(path, &status)) != 0) {
            // GNU 9's wording, from the statx(2) it calls.
            error_errno(errno, "cannot statx %s", quote(path));
            result = 1;
            continue;
        }
        if (format != nullptr) {
            print_stat_format(format, path, status);
            continue;
        }
        print_stat_format(S_ISLNK(status.st_mode) ? "  File: %N" : "  File: %n", path, status);
        printf("  Size: %-10lld\tBlocks: %-10lld IO Block: %-6ld %s\n",
               static_cast<long long>(status.st_size), static_cast<long long>(status.st_blocks),
               static_cast<long>(status.st_blksize), file_type_name(status));
        printf("Device: %lxh/%lud\tInode: %-11lu Links: %lu\n", static_cast<unsigned long>(status.st_dev),
               static_cast<unsigned long>(status.st_dev), static_cast<unsigned long>(status.st_ino),
               static_cast<unsigned long>(status.st_nlink));
        char mode[11];
        format_mode(status.st_mode, mode);
        printf("Access: (%04o/%s)  Uid: (%5u/%8s)   Gid: (%5u/%8s)\n", status.st_mode & 07777, mode,
               status.st_uid, user_of(status.st_uid), status.st_gid, group_of(status.st_gid));
        print_stat_format("Access: %x\nModify: %y\nChange: %z\n Birth: -", path, status);
    }
    return result;
}

namespace {

struct DiskUsageOptions {
    bool summarize = false, human = false, all = false;
};

void print_usage(uint64_t bytes, const char* path, const DiskUsageOptions& options) {
    char text[32];
    if (options.human)
        format_human_size(bytes, text, sizeof(text));
    else
        snprintf(text, sizeof(text), "%llu", static_cast<unsigned long long>((bytes + 1023) / 1024));
    printf("%s\t%s\n", text, path);
}

class UsageWalker final : public TreeVisitor {
public:
    explicit UsageWalker(const DiskUsageOptions& options) : m_options(options) {}
    bool enter(const char* path, const struct stat& status, int depth) override {
        // A file with several links is counted once, as GNU du does.
        if (status.st_nlink > 1 && !S_ISDIR(status.st_mode)) {
            for (const auto& seen : m_seen)
                if (seen.first == status.st_dev && seen.second == status.st_ino)
                    return false;
            m_seen.emplace_back(status.st_dev, status.st_ino);
        }
        uint64_t bytes = static_cast<uint64_t>(status.st_blocks) * 512;
        if (S_ISDIR(status.st_mode)) {
            m_totals.push_back(bytes);
            return true;
        }
        if (m_totals.empty()) {
            print_usage(bytes, path, m_options); // a file operand
            return false;
        }
        m_totals.back() += bytes;
        if (m_options.all && !m_options.summarize)
            print_usage(bytes, path, m_options);
        return false;
    }
    void leave(const char* path, const struct stat&, int depth) override {
        uint64_t total = m_totals.back();
        m_totals.pop_back();
        if (!m_totals.empty())
            m_totals.back() += total;
        if (!m_options.summarize || depth == 0)
            print_usage(total, path, m_options);
    }
    void failed(const char* path, int error_number) override {
        error_errno(error_number, "cannot access %s", quote(path));
        ok = false;
    }
    bool ok = true;

private:
    const DiskUsageOptions& m_options;
    std::vector<uint64_t> m_totals;
    std::vector<std::pair<dev_t, ino_t>> m_seen;
};

} // namespace

int du_main(int argc, char** argv) {
    static const LongOption longs[] = {
        {"summarize", 's', false}, {"human-readable", 'h', false}, {"all", 'a', false}};
    OptionParser parser(argc, argv, "shak", longs, 3);
    DiskUsageOptions options;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 's')
            options.summarize = true;
        else if (code == 'h')
            options.human = true;
        else if (code == 'a')
            options.all = true;
        else if (code != 'k')
            handle_common_option(code);
    }
    std::vector<char*> paths(parser.operands());
    static char dot[] = ".";
    if (paths.empty())
        paths.push_back(dot);
    int status = 0;
    for (char* path : paths) {
        UsageWalker walker(options);
        walk_tree(path, walker, {.follow_root = false});
        if (!walker.ok)
            status = 1;
    }
    return status;
}

int df_main(int argc, char** argv) {
    static const LongOption longs[] = {{"human-readable", 'h', false}};
    OptionParser parser(argc, argv, "hk", longs, 1);
    bool human = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'h')
            human = true;
        else if (code != 'k')
            handle_common_option(code);
    }
    FILE* mounts = fopen("/proc/mounts", "r");
    if (mounts == nullptr) {
        error_errno(errno, "cannot read table of mounted file systems");
        return 1;
    }
    struct Row {
        char source[256], target[256];
        struct statfs info;
    };
    std::vector<Row> rows;
    char line[1024];
    while (fgets(line, sizeof(line), mounts)) {
        Row row;
        char type[64];
        if (sscanf(line, "%255s %255s %63s", row.source, row.target, type) != 3)
            continue;
        if (statfs(row.target, &row.info) != 0 || row.info.f_blocks == 0)
            continue;
        rows.push_back(row);
    }
    fclose(mounts);
    int status = 0;
    // With operands, the mount holding each of them (the longest matching mount point on its device).
    if (!parser.operands().empty()) {
        std::vector<Row> chosen;
        for (char* path : parser.operands()) {
            struct stat file;
            if (stat(path, &file) != 0) {
                error_errno(errno, "%s", path);
                status = 1;
                continue;
            }
            const Row* best = nullptr;
            for (const Row& row : rows) {
                struct stat mount_point;
                if (stat(row.target, &mount_point) == 0 && mount_point.st_dev == file.st_dev)
                    if (best == nullptr || strlen(row.target) >= strlen(best->target))
                        best = &row;
            }
            if (best != nullptr)
                chosen.push_back(*best);
        }
        rows = chosen;
    }
    printf(human ? "%-15s %5s %5s %5s %4s %s\n" : "%-15s %10s %10s %10s %4s %s\n", "Filesystem",
           human ? "Size" : "1K-blocks", "Used", human ? "Avail" : "Available", "Use%", "Mounted on");
    for (const Row& row : rows) {
        uint64_t unit = static_cast<uint64_t>(row.info.f_frsize ? row.info.f_frsize : row.info.f_bsize);
        uint64_t total = row.info.f_blocks * unit, free_bytes = row.info.f_bfree * unit;
        uint64_t available = row.info.f_bavail * unit, used = total - free_bytes;
        uint64_t base = used + available;
        unsigned percent = base == 0 ? 0 : static_cast<unsigned>((used * 100 + base - 1) / base);
        char a[32], b[32], c[32];
        if (human) {
            format_human_size(total, a, sizeof(a));
            format_human_size(used, b, sizeof(b));
            format_human_size(available, c, sizeof(c));
            printf("%-15s %5s %5s %5s %3u%% %s\n", row.source, a, b, c, percent, row.target);
        } else {
            printf("%-15s %10llu %10llu %10llu %3u%% %s\n", row.source,
                   static_cast<unsigned long long>(total / 1024),
                   static_cast<unsigned long long>(used / 1024),
                   static_cast<unsigned long long>(available / 1024), percent, row.target);
        }
    }
    return status;
}

int hexdump_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "C");
    bool canonical = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'C')
            canonical = true;
        else
            handle_common_option(code);
    }
    std::vector<char*> files(parser.operands());
    static char dash[] = "-";
    if (files.empty())
        files.push_back(dash);
    // All inputs form one stream, as in hexdump(1).
    std::vector<unsigned char> data;
    int status = 0;
    for (char* path : files) {
        char* bytes;
        size_t size;
        if (!read_all(path, bytes, size)) {
            error_errno(errno, "%s", path);
            status = 1;
            continue;
        }
        data.insert(data.end(), bytes, bytes + size);
        free(bytes);
    }
    // A line equal to the one before is shown once as "*".
    bool starred = false;
    for (size_t offset = 0; offset < data.size(); offset += 16) {
        size_t length = std::min<size_t>(16, data.size() - offset);
        if (offset > 0 && length == 16 && memcmp(&data[offset], &data[offset - 16], 16) == 0) {
            if (!starred)
                puts("*");
            starred = true;
            continue;
        }
        starred = false;
        if (canonical) {
            printf("%08zx ", offset);
            for (size_t i = 0; i < 16; ++i) {
                if (i == 8)
                    putchar(' ');
                if (i < length)
                    printf(" %02x", data[offset + i]);
                else
                    printf("   ");
            }
            printf("  |");
            for (size_t i = 0; i < length; ++i)
                putchar(isprint(data[offset + i]) ? data[offset + i] : '.');
            puts("|");
        } else {
            printf("%07zx", offset);
            for (size_t i = 0; i < 16; i += 2) {
                if (i >= length) {
                    printf("     "); // a short last line keeps the columns
                    continue;
                }
                unsigned value = data[offset + i] | (i + 1 < length ? data[offset + i + 1] << 8 : 0);
                printf(" %04x", value);
            }
            putchar('\n');
        }
    }
    if (!data.empty())
        printf(canonical ? "%08zx\n" : "%07zx\n", data.size());
    return status;
}

int date_main(int argc, char** argv) {
    static const LongOption longs[] = {{"utc", 'u', false}, {"date", 'd', true}, {"reference", 'r', true}};
    OptionParser parser(argc, argv, "ud:r:", longs, 3);
    time_t now = time(nullptr);
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'u') {
            setenv("TZ", "UTC0", 1);
        } else if (code == 'd') {
            const char* text = parser.argument();
            char* end = nullptr;
            long long seconds = text[0] == '@' ? strtoll(text + 1, &end, 10) : 0;
            if (text[0] != '@' || end == text + 1 || *end != '\0') {
                error("invalid date %s", quote(text));
                return 1;
            }
            now = static_cast<time_t>(seconds);
        } else if (code == 'r') {
            struct stat status;
            if (stat(parser.argument(), &status) != 0) {
                error_errno(errno, "%s", parser.argument());
                return 1;
            }
            now = status.st_mtime;
        } else {
            handle_common_option(code);
        }
    }
    tzset();
    const char* format = "%a %b %e %H:%M:%S %Z %Y";
    for (char* operand : parser.operands()) {
        if (operand[0] != '+') {
            error("invalid date %s", quote(operand));
            return 1;
        }
        format = operand + 1;
    }
    struct tm broken_down;
    localtime_r(&now, &broken_down);
    char text[1024];
    size_t length = strftime(text, sizeof(text), format, &broken_down);
    if (length == 0 && format[0] != '\0')
        text[0] = '\0';
    puts(text);
    return 0;
}

} // namespace toolbox
