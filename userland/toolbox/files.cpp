// Utilities that change the file tree: cp mv rm mkdir rmdir ln touch chmod chown.
#include "toolbox.h"
#include "toolbox/mode.h"
#include "toolbox/walk.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

namespace {

bool is_directory(const char* path) {
    struct stat status;
    return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

// DEST, or DEST/basename(SOURCE) when DEST is a directory (the "into a directory" forms).
void destination_for(const char* source, const char* destination, bool into, char* out, size_t size) {
    if (!into) {
        snprintf(out, size, "%s", destination);
        return;
    }
    char name[NAME_MAX + 1];
    base_name(source, name, sizeof(name));
    join_path(out, size, destination, name);
}

// The operand checks cp, mv and ln share; returns false (reported) when the operands cannot work.
bool check_operands(const std::vector<char*>& operands, bool& into) {
    if (operands.empty()) {
        error("missing file operand");
        report_try_help();
        return false;
    }
    if (operands.size() == 1) {
        error("missing destination file operand after %s", quote(operands[0]));
        report_try_help();
        return false;
    }
    into = is_directory(operands.back());
    if (operands.size() > 2 && !into) {
        error("target %s: Not a directory", quote(operands.back()));
        return false;
    }
    return true;
}

// Whether `path` (which need not exist yet) lies inside or at `directory`: copying a directory there
// would never end.
bool is_inside(const char* path, const char* directory) {
    char parent[PATH_MAX], resolved_parent[PATH_MAX], resolved_directory[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", path);
    char* slash = strrchr(parent, '/');
    if (slash == nullptr)
        strcpy(parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (realpath(parent, resolved_parent) == nullptr || realpath(directory, resolved_directory) == nullptr)
        return false;
    size_t length = strlen(resolved_directory);
    return strncmp(resolved_parent, resolved_directory, length) == 0 &&
           (resolved_parent[length] == '\0' || resolved_parent[length] == '/' || length == 1);
}

struct CopyOptions {
    bool recursive = false;
    bool preserve = false;
    bool force = false;
};

void preserve_attributes(const char* destination, const struct stat& status, bool is_link) {
    struct timespec times[2] = {status.st_atim, status.st_mtim};
    utimensat(AT_FDCWD, destination, times, is_link ? AT_SYMLINK_NOFOLLOW : 0);
    // Ownership only sticks for root; an unprivileged copy keeps its own, as GNU does.
    (void)!lchown(destination, status.st_uid, status.st_gid);
    if (!is_link)
        chmod(destination, status.st_mode & 07777);
}

bool copy_file(const char* source, const char* destination, const struct stat& status,
               const CopyOptions& options) {
    int input = open(source, O_RDONLY);
    if (input < 0) {
        error_errno(errno, "cannot open %s for reading", quote(source));
        return false;
    }
    int output = open(destination, O_WRONLY | O_CREAT | O_TRUNC, status.st_mode & 0777);
    if (output < 0 && options.force && errno == EACCES && unlink(destination) == 0)
        output = open(destination, O_WRONLY | O_CREAT | O_TRUNC, status.st_mode & 0777);
    if (output < 0) {
        error_errno(errno, "cannot create regular file %s", quote(destination));
        close(input);
        return false;
    }
    bool ok = true;
    char buffer[65536];
    for (;;) {
        ssize_t got = read(input, buffer, sizeof(buffer));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            error_errno(errno, "error reading %s", quote(source));
            ok = false;
            break;
        }
        if (got == 0)
            break;
        for (ssize_t done = 0; done < got;) {
            ssize_t written = write(output, buffer + done, static_cast<size_t>(got - done));
            if (written < 0) {
                error_errno(errno, "error writing %s", quote(destination));
                ok = false;
                break;
            }
            done += written;
        }
        if (!ok)
            break;
    }
    close(input);
    if (close(output) != 0 && ok) {
        error_errno(errno, "error writing %s", quote(destination));
        ok = false;
    }
    if (ok && options.preserve)
        preserve_attributes(destination, status, false);
    return ok;
}

bool copy_tree(const char* source, const char* destination, const CopyOptions& options, bool top) {
    struct stat status;
    // Operands are followed (cp a-link b copies the file); links inside a tree copied with -r stay links.
    if ((top ? stat(source, &status) : lstat(source, &status)) != 0) {
        error_errno(errno, "cannot stat %s", quote(source));
        return false;
    }
    if (S_ISDIR(status.st_mode)) {
        if (!options.recursive) {
            error("-r not specified; omitting directory %s", quote(source));
            return false;
        }
        struct stat existing;
        if (stat(destination, &existing) == 0 && existing.st_ino == status.st_ino &&
            existing.st_dev == status.st_dev) {
            error("cannot copy a directory, %s, into itself, %s", quote(source), quote(destination));
            return false;
        }
        if (mkdir(destination, (status.st_mode & 0777) | S_IRWXU) != 0 && errno != EEXIST) {
            error_errno(errno, "cannot create directory %s", quote(destination));
            return false;
        }
        std::vector<char*> names;
        if (read_directory(source, names, true) != 0) {
            error_errno(errno, "cannot access %s", quote(source));
            return false;
        }
        bool ok = true;
        for (char* name : names) {
            char from[PATH_MAX], to[PATH_MAX];
            if (!join_path(from, sizeof(from), source, name) ||
                !join_path(to, sizeof(to), destination, name)) {
                error_errno(ENAMETOOLONG, "%s", quote(source));
                ok = false;
                continue;
            }
            ok = copy_tree(from, to, options, false) && ok;
        }
        free_names(names);
        if (options.preserve)
            preserve_attributes(destination, status, false);
        else
            chmod(destination, status.st_mode & 07777);
        return ok;
    }
    if (S_ISLNK(status.st_mode)) {
        char target[PATH_MAX];
        ssize_t length = readlink(source, target, sizeof(target) - 1);
        if (length < 0) {
            error_errno(errno, "cannot read symbolic link %s", quote(source));
            return false;
        }
        target[length] = '\0';
        if (options.force)
            unlink(destination);
        if (symlink(target, destination) != 0) {
            error_errno(errno, "cannot create symbolic link %s", quote(destination));
            return false;
        }
        if (options.preserve)
            preserve_attributes(destination, status, true);
        return true;
    }
    if (S_ISREG(status.st_mode))
        return copy_file(source, destination, status, options);
    if (options.recursive &&
        (S_ISFIFO(status.st_mode) || S_ISCHR(status.st_mode) || S_ISBLK(status.st_mode))) {
        if (mknod(destination, status.st_mode, status.st_rdev) != 0) {
            error_errno(errno, "cannot create special file %s", quote(destination));
            return false;
        }
        return true;
    }
    return copy_file(source, destination, status, options);
}

struct RemoveOptions {
    bool recursive = false;
    bool force = false;
    bool directories = false; // -d: empty directories too
};

class Remover final : public TreeVisitor {
public:
    explicit Remover(const RemoveOptions& options) : m_options(options) {}
    bool enter(const char* path, const struct stat& status, int) override {
        if (!S_ISDIR(status.st_mode)) {
            if (unlink(path) != 0)
                report(path, errno);
            return false;
        }
        return true;
    }
    void leave(const char* path, const struct stat&, int) override {
        if (rmdir(path) != 0)
            report(path, errno);
    }
    void failed(const char* path, int error_number) override {
        if (!(m_options.force && error_number == ENOENT))
            report(path, error_number);
    }
    bool ok = true;

private:
    void report(const char* path, int error_number) {
        error_errno(error_number, "cannot remove %s", quote(path));
        ok = false;
    }
    const RemoveOptions& m_options;
};

bool remove_path(const char* path, const RemoveOptions& options) {
    char name[NAME_MAX + 1];
    base_name(path, name, sizeof(name));
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "/") == 0) {
        if (strcmp(name, "/") == 0)
            error("it is dangerous to operate recursively on '/'");
        else
            error("refusing to remove '.' or '..' directory: skipping %s", quote(path));
        return false;
    }
    struct stat status;
    if (lstat(path, &status) != 0) {
        if (options.force && errno == ENOENT)
            return true;
        error_errno(errno, "cannot remove %s", quote(path));
        return false;
    }
    if (S_ISDIR(status.st_mode)) {
        if (options.recursive) {
            Remover remover(options);
            walk_tree(path, remover, {.follow_root = false});
            return remover.ok;
        }
        if (options.directories) {
            if (rmdir(path) == 0)
                return true;
            error_errno(errno, "cannot remove %s", quote(path));
            return false;
        }
        error("cannot remove %s: Is a directory", quote(path));
        return false;
    }
    if (unlink(path) != 0) {
        error_errno(errno, "cannot remove %s", quote(path));
        return false;
    }
    return true;
}

} // namespace

int cp_main(int argc, char** argv) {
    static const LongOption longs[] = {
        {"recursive", 'r', false}, {"preserve", 'p', false}, {"force", 'f', false}};
    OptionParser parser(argc, argv, "rRpfa", longs, 3);
    CopyOptions options;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'r' || code == 'R')
            options.recursive = true;
        else if (code == 'p')
            options.preserve = true;
        else if (code == 'f')
            options.force = true;
        else if (code == 'a')
            options.recursive = options.preserve = true;
        else
            handle_common_option(code);
    }
    const std::vector<char*>& operands = parser.operands();
    bool into = false;
    if (!check_operands(operands, into))
        return 1;
    int status = 0;
    for (size_t i = 0; i + 1 < operands.size(); ++i) {
        char destination[PATH_MAX];
        destination_for(operands[i], operands.back(), into, destination, sizeof(destination));
        struct stat source_status, destination_status;
        if (stat(operands[i], &source_status) == 0 && stat(destination, &destination_status) == 0 &&
            source_status.st_ino == destination_status.st_ino &&
            source_status.st_dev == destination_status.st_dev && !S_ISDIR(source_status.st_mode)) {
            error("%s and %s are the same file", quote(operands[i]), quote(destination));
            status = 1;
            continue;
        }
        if (options.recursive && is_directory(operands[i]) && is_inside(destination, operands[i])) {
            error("cannot copy a directory, %s, into itself, %s", quote(operands[i]), quote(destination));
            status = 1;
            continue;
        }
        if (!copy_tree(operands[i], destination, options, true))
            status = 1;
    }
    return status;
}

int mv_main(int argc, char** argv) {
    static const LongOption longs[] = {{"force", 'f', false}};
    OptionParser parser(argc, argv, "fin", longs, 1);
    for (int code; (code = parser.next()) != OptionParser::end;)
        if (code != 'f' && code != 'i' && code != 'n')
            handle_common_option(code);
    const std::vector<char*>& operands = parser.operands();
    bool into = false;
    if (!check_operands(operands, into))
        return 1;
    int status = 0;
    for (size_t i = 0; i + 1 < operands.size(); ++i) {
        const char* source = operands[i];
        char destination[PATH_MAX];
        destination_for(source, operands.back(), into, destination, sizeof(destination));
        struct stat source_status;
        if (lstat(source, &source_status) != 0) {
            error_errno(errno, "cannot stat %s", quote(source));
            status = 1;
            continue;
        }
        if (rename(source, destination) == 0)
            continue;
        if (errno == EINVAL) {
            // rename(2)'s answer to a directory moved below itself.
            error("cannot move %s to a subdirectory of itself, %s", quote(source), quote(destination));
            status = 1;
            continue;
        }
        if (errno != EXDEV) {
            error_errno(errno, "cannot move %s to %s", quote(source), quote(destination));
            status = 1;
            continue;
        }
        // Another file system: copy with everything kept, then remove the original.
        CopyOptions copy{.recursive = true, .preserve = true, .force = true};
        RemoveOptions removal{.recursive = true, .force = true};
        if (!copy_tree(source, destination, copy, false) || !remove_path(source, removal))
            status = 1;
    }
    return status;
}

int rm_main(int argc, char** argv) {
    static const LongOption longs[] = {
        {"recursive", 'r', false}, {"force", 'f', false}, {"dir", 'd', false}, {"verbose", 'v', false}};
    OptionParser parser(argc, argv, "rRfdiv", longs, 4);
    RemoveOptions options;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'r' || code == 'R')
            options.recursive = true;
        else if (code == 'f')
            options.force = true;
        else if (code == 'd')
            options.directories = true;
        else if (code != 'i' && code != 'v')
            handle_common_option(code);
    }
    if (parser.operands().empty()) {
        if (options.force)
            return 0;
        error("missing operand");
        report_try_help();
        return 1;
    }
    int status = 0;
    for (char* path : parser.operands())
        if (!remove_path(path, options))
            status = 1;
    return status;
}

int mkdir_main(int argc, char** argv) {
    static const LongOption longs[] = {{"parents", 'p', false}, {"mode", 'm', true}};
    OptionParser parser(argc, argv, "pm:v", longs, 2);
    bool parents = false;
    const char* mode_text = nullptr;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'p')
            parents = true;
        else if (code == 'm')
            mode_text = parser.argument();
        else if (code != 'v')
            handle_common_option(code);
    }
    if (parser.operands().empty()) {
        error("missing operand");
        report_try_help();
        return 1;
    }
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = 0777 & ~mask;
    if (mode_text != nullptr && !apply_mode(mode_text, 0777, true, mask, mode)) {
        error("invalid mode %s", quote(mode_text));
        return 1;
    }
    int status = 0;
    for (char* path : parser.operands()) {
        if (parents) {
            // Each missing ancestor in turn, with the default mode; the last with the requested one.
            char partial[PATH_MAX];
            snprintf(partial, sizeof(partial), "%s", path);
            bool ok = true;
            for (char* slash = partial + 1; ok && (slash = strchr(slash, '/')) != nullptr; ++slash) {
                *slash = '\0';
                if (mkdir(partial, 0777) != 0 && errno != EEXIST) {
                    error_errno(errno, "cannot create directory %s", quote(partial));
                    ok = false;
                }
                *slash = '/';
            }
            if (!ok) {
                status = 1;
                continue;
            }
            if (mkdir(path, mode) != 0) {
                if (errno == EEXIST && is_directory(path))
                    continue;
                error_errno(errno, "cannot create directory %s", quote(path));
                status = 1;
                continue;
            }
        } else if (mkdir(path, mode) != 0) {
            error_errno(errno, "cannot create directory %s", quote(path));
            status = 1;
            continue;
        }
        // -m is exact, not filtered by the umask.
        if (mode_text != nullptr)
            chmod(path, mode);
    }
    return status;
}

int rmdir_main(int argc, char** argv) {
    static const LongOption longs[] = {{"parents", 'p', false}};
    OptionParser parser(argc, argv, "p", longs, 1);
    bool parents = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'p')
            parents = true;
        else
            handle_common_option(code);
    }
    if (parser.operands().empty()) {
        error("missing operand");
        report_try_help();
        return 1;
    }
    int status = 0;
    for (char* path : parser.operands()) {
        if (rmdir(path) != 0) {
            error_errno(errno, "failed to remove %s", quote(path));
            status = 1;
            continue;
        }
        if (!parents)
            continue;
        char partial[PATH_MAX];
        snprintf(partial, sizeof(partial), "%s", path);
        for (char* slash; (slash = strrchr(partial, '/')) != nullptr && slash != partial;) {
            while (slash > partial && slash[-1] == '/')
                --slash;
            *slash = '\0';
            if (rmdir(partial) != 0) {
                error_errno(errno, "failed to remove %s", quote(partial));
                status = 1;
                break;
            }
        }
    }
    return status;
}

int ln_main(int argc, char** argv) {
    static const LongOption longs[] = {{"symbolic", 's', false}, {"force", 'f', false}};
    OptionParser parser(argc, argv, "sfnv", longs, 2);
    bool symbolic = false, force = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 's')
            symbolic = true;
        else if (code == 'f')
            force = true;
        else if (code != 'n' && code != 'v')
            handle_common_option(code);
    }
    std::vector<char*> operands(parser.operands());
    // "ln -s TARGET" alone makes the link in the current directory.
    static char here[] = ".";
    if (operands.size() == 1)
        operands.push_back(here);
    bool into = false;
    if (!check_operands(operands, into))
        return 1;
    int status = 0;
    for (size_t i = 0; i + 1 < operands.size(); ++i) {
        const char* target = operands[i];
        char name[PATH_MAX];
        destination_for(target, operands.back(), into, name, sizeof(name));
        struct stat status_of_target;
        if (!symbolic && stat(target, &status_of_target) != 0) {
            error_errno(errno, "failed to access %s", quote(target));
            status = 1;
            continue;
        }
        if (force)
            unlink(name);
        if ((symbolic ? symlink(target, name) : link(target, name)) != 0) {
            if (symbolic)
                error_errno(errno, "failed to create symbolic link %s", quote(name));
            else
                error_errno(errno, "failed to create hard link %s => %s", quote(name), quote(target));
            status = 1;
        }
    }
    return status;
}

namespace {

// touch -d: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (also with 'T'), or "@SECONDS"; local time.
bool parse_date(const char* text, struct timespec& when) {
    if (text[0] == '@') {
        char* end = nullptr;
        long long seconds = strtoll(text + 1, &end, 10);
        if (end == text + 1 || *end != '\0')
            return false;
        when = {static_cast<time_t>(seconds), 0};
        return true;
    }
    struct tm broken_down = {};
    int year, month, day, hour = 0, minute = 0, second = 0;
    char separator = 0;
    int fields = sscanf(text, "%d-%d-%d%c%d:%d:%d", &year, &month, &day, &separator, &hour, &minute, &second);
    if (fields != 3 && fields < 6)
        return false;
    if (fields > 3 && separator != ' ' && separator != 'T')
        return false;
    broken_down.tm_year = year - 1900;
    broken_down.tm_mon = month - 1;
    broken_down.tm_mday = day;
    broken_down.tm_hour = hour;
    broken_down.tm_min = minute;
    broken_down.tm_sec = second;
    broken_down.tm_isdst = -1;
    bool utc = strchr(text, 'Z') != nullptr || (getenv("TZ") && strcmp(getenv("TZ"), "UTC") == 0);
    time_t seconds = utc ? timegm(&broken_down) : mktime(&broken_down);
    when = {seconds, 0};
    return true;
}

// touch -t [[CC]YY]MMDDhhmm[.ss].
bool parse_stamp(const char* text, struct timespec& when) {
    size_t length = strcspn(text, ".");
    const char* dot = text + length;
    if (length != 8 && length != 10 && length != 12)
        return false;
    int digits[12];
    for (size_t i = 0; i < length; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        digits[i] = text[i] - '0';
    }
    auto pair = [&](size_t at) { return digits[at] * 10 + digits[at + 1]; };
    time_t now = time(nullptr);
    struct tm broken_down;
    localtime_r(&now, &broken_down);
    size_t at = 0;
    if (length == 12) {
        broken_down.tm_year = pair(0) * 100 + pair(2) - 1900;
        at = 4;
    } else if (length == 10) {
        int year = pair(0);
        broken_down.tm_year = (year < 69 ? 2000 + year : 1900 + year) - 1900;
        at = 2;
    }
    broken_down.tm_mon = pair(at) - 1;
    broken_down.tm_mday = pair(at + 2);
    broken_down.tm_hour = pair(at + 4);
    broken_down.tm_min = pair(at + 6);
    broken_down.tm_sec = 0;
    if (*dot == '.') {
        if (strlen(dot + 1) != 2)
            return false;
        broken_down.tm_sec = atoi(dot + 1);
    }
    broken_down.tm_isdst = -1;
    when = {mktime(&broken_down), 0};
    return true;
}

} // namespace

int touch_main(int argc, char** argv) {
    static const LongOption longs[] = {{"no-create", 'c', false}, {"date", 'd', true}};
    OptionParser parser(argc, argv, "acmd:t:r:", longs, 2);
    bool create = true;
    bool explicit_time = false;
    bool access_only = false, modification_only = false;
    struct timespec when = {};
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'c') {
            create = false;
        } else if (code == 'a') {
            access_only = true;
        } else if (code == 'm') {
            modification_only = true;
        } else if (code == 'd' || code == 't') {
            bool ok =
                code == 'd' ? parse_date(parser.argument(), when) : parse_stamp(parser.argument(), when);
            if (!ok) {
                error(code == 'd' ? "invalid date format %s" : "invalid date format %s",
                      quote(parser.argument()));
                return 1;
            }
            explicit_time = true;
        } else if (code == 'r') {
            struct stat reference;
            if (stat(parser.argument(), &reference) != 0) {
                error_errno(errno, "failed to get attributes of %s", quote(parser.argument()));
                return 1;
            }
            when = reference.st_mtim;
            explicit_time = true;
        } else {
            handle_common_option(code);
        }
    }
    if (parser.operands().empty()) {
        error("missing file operand");
        report_try_help();
        return 1;
    }
    struct timespec times[2];
    times[0] = times[1] = explicit_time ? when : timespec{0, UTIME_NOW};
    if (access_only && !modification_only)
        times[1].tv_nsec = UTIME_OMIT;
    if (modification_only && !access_only)
        times[0].tv_nsec = UTIME_OMIT;
    int status = 0;
    for (char* path : parser.operands()) {
        if (create) {
            int fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY, 0666);
            if (fd >= 0) {
                close(fd);
            } else if (errno != EISDIR) {
                int saved = errno;
                struct stat status_of_path;
                if (stat(path, &status_of_path) != 0) {
                    error_errno(saved, "cannot touch %s", quote(path));
                    status = 1;
                    continue;
                }
            }
        }
        if (utimensat(AT_FDCWD, path, times, 0) != 0) {
            if (!create && errno == ENOENT)
                continue;
            error_errno(errno, "setting times of %s", quote(path));
            status = 1;
        }
    }
    return status;
}

namespace {

class ModeChanger final : public TreeVisitor {
public:
    ModeChanger(const char* spec, mode_t mask) : m_spec(spec), m_mask(mask) {}
    bool enter(const char* path, const struct stat& status, int depth) override {
        // Symlinks met inside a tree are skipped: chmod would change what they point to.
        if (S_ISLNK(status.st_mode))
            return false;
        mode_t mode;
        if (!apply_mode(m_spec, status.st_mode, S_ISDIR(status.st_mode), m_mask, mode))
            return false;
        if (chmod(path, mode) != 0) {
            error_errno(errno, "changing permissions of %s", quote(path));
            ok = false;
        }
        return true;
    }
    void failed(const char* path, int error_number) override {
        error_errno(error_number, "cannot access %s", quote(path));
        ok = false;
    }
    bool ok = true;

private:
    const char* m_spec;
    mode_t m_mask;
};

class OwnerChanger final : public TreeVisitor {
public:
    OwnerChanger(uid_t uid, gid_t gid) : m_uid(uid), m_gid(gid) {}
    bool enter(const char* path, const struct stat& status, int depth) override {
        if (lchown(path, m_uid, m_gid) != 0) {
            error_errno(errno, "changing ownership of %s", quote(path));
            ok = false;
        }
        return true;
    }
    void failed(const char* path, int error_number) override {
        error_errno(error_number, "cannot access %s", quote(path));
        ok = false;
    }
    bool ok = true;

private:
    uid_t m_uid;
    gid_t m_gid;
};

} // namespace

int chmod_main(int argc, char** argv) {
    // A mode like "-w" looks like an option: take it as the mode when it is not a known letter.
    std::vector<char*> arguments(argv, argv + argc);
    bool recursive = false;
    size_t first = 1;
    while (first < arguments.size() &&
           (strcmp(arguments[first], "-R") == 0 || strcmp(arguments[first], "-v") == 0 ||
            strcmp(arguments[first], "-f") == 0 || strcmp(arguments[first], "-c") == 0 ||
            strcmp(arguments[first], "--recursive") == 0)) {
        if (arguments[first][1] == 'R' || arguments[first][1] == '-')
            recursive = true;
        ++first;
    }
    if (first < arguments.size() && strcmp(arguments[first], "--help") == 0)
        exit_with_help();
    if (first < arguments.size() && strcmp(arguments[first], "--") == 0)
        ++first;
    std::vector<char*> operands(arguments.begin() + static_cast<long>(first), arguments.end());
    if (operands.size() < 2) {
        if (operands.empty())
            error("missing operand");
        else
            error("missing operand after %s", quote(operands[0]));
        report_try_help();
        return 1;
    }
    const char* spec = operands[0];
    mode_t mask = umask(0);
    umask(mask);
    mode_t probe;
    if (!apply_mode(spec, 0, false, mask, probe)) {
        error("invalid mode: %s", quote(spec));
        report_try_help();
        return 1;
    }
    int status = 0;
    for (size_t i = 1; i < operands.size(); ++i) {
        ModeChanger changer(spec, mask);
        if (recursive) {
            walk_tree(operands[i], changer, {.follow_root = true});
        } else {
            struct stat file_status;
            if (stat(operands[i], &file_status) != 0)
                changer.failed(operands[i], errno);
            else
                changer.enter(operands[i], file_status, 0);
        }
        if (!changer.ok)
            status = 1;
    }
    return status;
}

int chown_main(int argc, char** argv) {
    static const LongOption longs[] = {{"recursive", 'R', false}};
    OptionParser parser(argc, argv, "Rhfv", longs, 1);
    bool recursive = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'R')
            recursive = true;
        else if (code != 'h' && code != 'f' && code != 'v')
            handle_common_option(code);
    }
    const std::vector<char*>& operands = parser.operands();
    if (operands.size() < 2) {
        if (operands.empty())
            error("missing operand");
        else
            error("missing operand after %s", quote(operands[0]));
        report_try_help();
        return 1;
    }
    char spec[256];
    snprintf(spec, sizeof(spec), "%s", operands[0]);
    char* separator = strpbrk(spec, ":.");
    const char* group_text = nullptr;
    if (separator != nullptr) {
        *separator = '\0';
        group_text = separator + 1;
    }
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    unsigned long long number;
    if (spec[0] != '\0') {
        if (struct passwd* entry = getpwnam(spec)) {
            uid = entry->pw_uid;
            // "user:" means the user's login group.
            if (group_text != nullptr && group_text[0] == '\0')
                gid = entry->pw_gid;
        } else if (parse_count(spec, number)) {
            uid = static_cast<uid_t>(number);
        } else {
            error("invalid user: %s", quote(operands[0]));
            return 1;
        }
    }
    if (group_text != nullptr && group_text[0] != '\0') {
        if (struct group* entry = getgrnam(group_text))
            gid = entry->gr_gid;
        else if (parse_count(group_text, number))
            gid = static_cast<gid_t>(number);
        else {
            error("invalid group: %s", quote(operands[0]));
            return 1;
        }
    }
    int status = 0;
    for (size_t i = 1; i < operands.size(); ++i) {
        OwnerChanger changer(uid, gid);
        if (recursive) {
            walk_tree(operands[i], changer, {.follow_root = true});
        } else if (chown(operands[i], uid, gid) != 0) {
            if (errno == ENOENT)
                error_errno(errno, "cannot access %s", quote(operands[i]));
            else
                error_errno(errno, "changing ownership of %s", quote(operands[i]));
            changer.ok = false;
        }
        if (!changer.ok)
            status = 1;
    }
    return status;
}

} // namespace toolbox
