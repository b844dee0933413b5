// Directory walking (see walk.h).
#include "toolbox/walk.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dirent.h>

namespace toolbox {

int read_directory(const char* path, std::vector<char*>& names, bool sorted, bool include_dots) {
    DIR* directory = opendir(path);
    if (directory == nullptr)
        return -1;
    errno = 0;
    while (struct dirent* entry = readdir(directory)) {
        const char* name = entry->d_name;
        if (!include_dots && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
            continue;
        names.push_back(strdup(name));
        errno = 0;
    }
    int saved = errno;
    closedir(directory);
    if (saved != 0) {
        errno = saved;
        return -1;
    }
    if (sorted)
        std::sort(names.begin(), names.end(), [](const char* a, const char* b) { return strcmp(a, b) < 0; });
    return 0;
}

void free_names(std::vector<char*>& names) {
    for (char* name : names)
        free(name);
    names.clear();
}

bool join_path(char* out, size_t size, const char* directory, const char* name) {
    size_t length = strlen(directory);
    bool needs_slash = length > 0 && directory[length - 1] != '/';
    size_t total = length + (needs_slash ? 1 : 0) + strlen(name);
    if (total + 1 > size)
        return false;
    memmove(out, directory, length);
    if (needs_slash)
        out[length++] = '/';
    strcpy(out + length, name);
    return true;
}

void base_name(const char* path, char* out, size_t size) {
    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/')
        --end;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        --start;
    if (end == 1 && path[0] == '/')
        start = 0;
    size_t length = std::min(end - start, size - 1);
    memcpy(out, path + start, length);
    out[length] = '\0';
}

namespace {

bool walk_from(char* path, size_t capacity, TreeVisitor& visitor, const WalkOptions& options, int depth) {
    struct stat status;
    bool follow = options.follow_links || (depth == 0 && options.follow_root);
    if ((follow ? stat(path, &status) : lstat(path, &status)) != 0) {
        visitor.failed(path, errno);
        return false;
    }
    if (!visitor.enter(path, status, depth) || !S_ISDIR(status.st_mode))
        return true;
    std::vector<char*> names;
    bool ok = true;
    if (read_directory(path, names, options.sorted) != 0) {
        visitor.failed(path, errno);
        ok = false;
    }
    size_t length = strlen(path);
    for (char* name : names) {
        if (!join_path(path, capacity, path, name)) {
            visitor.failed(path, ENAMETOOLONG);
            ok = false;
            continue;
        }
        ok = walk_from(path, capacity, visitor, options, depth + 1) && ok;
        path[length] = '\0';
    }
    free_names(names);
    visitor.leave(path, status, depth);
    return ok;
}

} // namespace

bool walk_tree(const char* root, TreeVisitor& visitor, const WalkOptions& options) {
    char path[PATH_MAX];
    if (strlen(root) >= sizeof(path)) {
        visitor.failed(root, ENAMETOOLONG);
        return false;
    }
    strcpy(path, root);
    return walk_from(path, sizeof(path), visitor, options, 0);
}

} // namespace toolbox
