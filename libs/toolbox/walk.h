// Depth-first walks over a directory tree for cp -r, rm -r, du, find, chmod -R and ls -R. Paths are
// built in one buffer ("dir/sub/name"), entries come in directory order or sorted by name (ls).
#pragma once

#include <cstddef>
#include <sys/stat.h>
#include <vector>

namespace toolbox {

class TreeVisitor {
public:
    // Called for every entry, the root included. For a directory, returning false skips its contents.
    virtual bool enter(const char* path, const struct stat& status, int depth) = 0;
    // Called after a directory's contents (only if enter returned true).
    virtual void leave(const char* path, const struct stat& status, int depth) {}
    // lstat, opendir or readdir failed for `path`.
    virtual void failed(const char* path, int error_number) = 0;

protected:
    ~TreeVisitor() = default;
};

struct WalkOptions {
    bool follow_root = true;   // stat, not lstat, the root (a symlink operand to a directory is walked)
    bool follow_links = false; // stat every entry (find -L)
    bool sorted = false;       // names in strcmp order instead of directory order
};

// Walks `root`; returns false when anything failed (already reported through failed()).
bool walk_tree(const char* root, TreeVisitor& visitor, const WalkOptions& options);

// The names in directory `path` without "." and "..", optionally sorted; -1 with errno set on failure.
int read_directory(const char* path, std::vector<char*>& names, bool sorted, bool include_dots = false);
void free_names(std::vector<char*>& names);

// "dir" + "name" -> "dir/name" (no doubled slash); false if it does not fit in `size`.
bool join_path(char* out, size_t size, const char* directory, const char* name);

// The last component of `path` without trailing slashes, written into `out` ("a/b/" -> "b").
void base_name(const char* path, char* out, size_t size);

} // namespace toolbox
