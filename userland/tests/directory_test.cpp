// The name space: directories, links, renames, path resolution (symlinks, "." and "..", trailing
// slashes), the working directory and chroot, directory listings, stat and the calls that change
// what it reports (modes, owners, times), special files and statfs, as Linux does them.
// Every test works in its own directory made with mkdtemp under /tmp and removed at the end.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

// From <linux/fs.h>, <linux/stat.h> and <linux/magic.h>, which musl does not ship.
constexpr unsigned kRenameNoreplace = 1u << 0;
constexpr unsigned kRenameExchange = 1u << 1;
constexpr unsigned kStatxBasicStats = 0x7ff;
constexpr long kTmpfsMagic = 0x01021994;
constexpr unsigned char kDtFifo = 1, kDtChr = 2, kDtDir = 4, kDtReg = 8, kDtLnk = 10;
constexpr uid_t kNobody = 65534;

struct StatxTimestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};

struct StatxBuffer {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
static_assert(sizeof(StatxBuffer) == 256);

int remove_entry(const char* path, const struct stat*, int, FTW*) {
    return remove(path);
}

// A fresh directory under /tmp for one test, removed with everything in it when the test ends.
class Scratch {
public:
    Scratch() {
        snprintf(dir_, sizeof(dir_), "/tmp/directory_test.XXXXXX");
        if (mkdtemp(dir_) == nullptr)
            dir_[0] = '\0';
        paths_ = static_cast<char(*)[kPathSize]>(malloc(kPaths * kPathSize));
    }
    ~Scratch() {
        if (dir_[0] != '\0')
            nftw(dir_, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(paths_);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    [[nodiscard]] bool ok() const { return dir_[0] != '\0' && paths_ != nullptr; }
    [[nodiscard]] const char* dir() const { return dir_; }
    // dir/name, in a buffer of its own that lives as long as the Scratch (up to kPaths of them,
    // then the oldest are reused).
    const char* path(const char* name) {
        char* buffer = paths_[next_++ % kPaths];
        snprintf(buffer, kPathSize, "%s/%s", dir_, name);
        return buffer;
    }
    const char* file(const char* name, const char* content = "") {
        const char* full = path(name);
        int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (write(fd, content, strlen(content)) != static_cast<ssize_t>(strlen(content)))
                fprintf(stderr, "short write to %s\n", full);
            close(fd);
        }
        return full;
    }
    const char* directory(const char* name) {
        const char* full = path(name);
        mkdir(full, 0755);
        return full;
    }

private:
    static constexpr int kPaths = 256;
    static constexpr int kPathSize = 512;
    char dir_[64];
    char (*paths_)[kPathSize] = nullptr;
    unsigned next_ = 0;
};

// Restores the working directory when a test that changes it ends, whichever way.
class CwdGuard {
public:
    CwdGuard() : fd_(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
    ~CwdGuard() {
        if (fchdir(fd_) != 0)
            perror("fchdir back");
        close(fd_);
    }
    CwdGuard(const CwdGuard&) = delete;
    CwdGuard& operator=(const CwdGuard&) = delete;

private:
    int fd_;
};

class UmaskGuard {
public:
    explicit UmaskGuard(mode_t mask) : old_(umask(mask)) {}
    ~UmaskGuard() { umask(old_); }
    UmaskGuard(const UmaskGuard&) = delete;
    UmaskGuard& operator=(const UmaskGuard&) = delete;

private:
    mode_t old_;
};

struct stat stat_of(const char* path) {
    struct stat status {};
    if (stat(path, &status) != 0)
        status.st_ino = 0;
    return status;
}

struct stat lstat_of(const char* path) {
    struct stat status {};
    if (lstat(path, &status) != 0)
        status.st_ino = 0;
    return status;
}

bool exists(const char* path) {
    struct stat status {};
    return lstat(path, &status) == 0;
}

const char* contents(const char* path) {
    static char buffer[128];
    buffer[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return "<cannot open>";
    ssize_t length = read(fd, buffer, sizeof(buffer) - 1);
    buffer[length < 0 ? 0 : length] = '\0';
    close(fd);
    return buffer;
}

long long nanoseconds(const timespec& time) {
    return time.tv_sec * 1000000000LL + time.tv_nsec;
}

void sleep_a_little() {
    // Longer than a scheduler tick: Linux stamps inodes with the coarse (per-tick) clock.
    timespec pause{0, 30 * 1000 * 1000};
    nanosleep(&pause, nullptr);
}

// One getdents64 record.
struct Entry {
    uint64_t inode;
    unsigned char type;
    char name[256];
};

// Reads every entry of the directory `fd` with getdents64, calling `visit` on each; returns the
// count or -1.
template <typename Visit>
long for_each_entry(int fd, Visit visit) {
    alignas(8) static char buffer[32768];
    long count = 0;
    for (;;) {
        long length = sys::raw_syscall(SYS_getdents64, fd, sys::arg(buffer), sizeof(buffer));
        if (length < 0)
            return -1;
        if (length == 0)
            return count;
        for (long offset = 0; offset < length;) {
            Entry entry{};
            uint16_t record_length = 0;
            memcpy(&entry.inode, buffer + offset, 8);
            memcpy(&record_length, buffer + offset + 16, 2);
            entry.type = static_cast<unsigned char>(buffer[offset + 18]);
            snprintf(entry.name, sizeof(entry.name), "%s", buffer + offset + 19);
            visit(entry);
            ++count;
            if (record_length == 0)
                return -1;
            offset += record_length;
        }
    }
}

} // namespace

TEST(mkdir_creates_an_empty_directory_and_rmdir_removes_it) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* dir = scratch.path("d");
    EXPECT_EQ(mkdir(dir, 0755), 0);
    struct stat status = stat_of(dir);
    EXPECT_TRUE(S_ISDIR(status.st_mode));
    EXPECT_EQ(status.st_nlink, 2u);                 // its name and its "."
    EXPECT_EQ(stat_of(scratch.dir()).st_nlink, 3u); // the parent gained a ".."
    EXPECT_EQ(rmdir(dir), 0);
    EXPECT_FALSE(exists(dir));
    EXPECT_EQ(stat_of(scratch.dir()).st_nlink, 2u);
}

TEST(mkdir_fails_with_eexist_enoent_and_enotdir) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("f");
    scratch.directory("d");
    EXPECT_ERRNO(mkdir(scratch.path("d"), 0755), EEXIST);
    EXPECT_ERRNO(mkdir(scratch.path("f"), 0755), EEXIST);
    EXPECT_ERRNO(mkdir(scratch.path("missing/d"), 0755), ENOENT);
    EXPECT_ERRNO(mkdir(scratch.path("f/d"), 0755), ENOTDIR);
    EXPECT_ERRNO(mkdir(scratch.path("."), 0755), EEXIST);
    EXPECT_ERRNO(mkdir("", 0755), ENOENT);
}

TEST(mkdirat_creates_relative_to_the_directory_fd) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int dir = open(scratch.directory("parent"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    EXPECT_EQ(mkdirat(dir, "child", 0700), 0);
    EXPECT_TRUE(S_ISDIR(stat_of(scratch.path("parent/child")).st_mode));
    int file = open(scratch.file("f"), O_RDONLY | O_CLOEXEC);
    EXPECT_ERRNO(mkdirat(file, "child", 0700), ENOTDIR);
    EXPECT_ERRNO(mkdirat(999, "child", 0700), EBADF);
    close(file);
    close(dir);
}

TEST(rmdir_refuses_non_empty_directories_files_and_dot) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.directory("d");
    scratch.file("d/f");
    scratch.file("f");
    EXPECT_ERRNO(rmdir(scratch.path("d")), ENOTEMPTY);
    EXPECT_ERRNO(rmdir(scratch.path("f")), ENOTDIR);
    EXPECT_ERRNO(rmdir(scratch.path("missing")), ENOENT);
    EXPECT_ERRNO(rmdir(scratch.path("d/.")), EINVAL);
    // ".." as the last component is refused as not empty (POSIX only names ".").
    scratch.directory("e");
    EXPECT_ERRNO(rmdir(scratch.path("e/..")), ENOTEMPTY);
    EXPECT_TRUE(exists(scratch.path("e")));
    EXPECT_EQ(unlink(scratch.path("d/f")), 0);
    EXPECT_EQ(rmdir(scratch.path("d/")), 0); // a trailing slash is fine on a directory
}

TEST(unlink_removes_files_and_refuses_directories_with_eisdir) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("f", "x");
    scratch.directory("d");
    EXPECT_ERRNO(unlink(scratch.path("d")), EISDIR); // POSIX says EPERM; Linux says EISDIR
    EXPECT_ERRNO(unlink(scratch.path("f/")), ENOTDIR);
    EXPECT_ERRNO(unlink(scratch.path("missing")), ENOENT);
    // An open file outlives its last name.
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(unlink(file), 0);
    EXPECT_FALSE(exists(file));
    char c = 0;
    EXPECT_EQ(read(fd, &c, 1), 1);
    EXPECT_EQ(c, 'x');
    struct stat status {};
    EXPECT_EQ(fstat(fd, &status), 0);
    EXPECT_EQ(status.st_nlink, 0u);
    close(fd);
}

TEST(unlinkat_removes_files_or_with_at_removedir_directories) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("f");
    scratch.directory("d");
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    EXPECT_ERRNO(unlinkat(dir, "d", 0), EISDIR);
    EXPECT_ERRNO(unlinkat(dir, "f", AT_REMOVEDIR), ENOTDIR);
    EXPECT_ERRNO(unlinkat(dir, "f", 0x1), EINVAL);
    EXPECT_EQ(unlinkat(dir, "d", AT_REMOVEDIR), 0);
    EXPECT_EQ(unlinkat(dir, "f", 0), 0);
    EXPECT_FALSE(exists(scratch.path("d")));
    EXPECT_FALSE(exists(scratch.path("f")));
    close(dir);
}

TEST(rename_moves_a_file_and_replaces_an_existing_file) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("a", "from a");
    scratch.file("b", "from b");
    ino_t inode = stat_of(scratch.path("a")).st_ino;
    EXPECT_EQ(rename(scratch.path("a"), scratch.path("b")), 0);
    EXPECT_FALSE(exists(scratch.path("a")));
    EXPECT_STREQ(contents(scratch.path("b")), "from a");
    EXPECT_EQ(stat_of(scratch.path("b")).st_ino, inode);
    scratch.directory("d");
    EXPECT_EQ(rename(scratch.path("b"), scratch.path("d/c")), 0);
    EXPECT_STREQ(contents(scratch.path("d/c")), "from a");
    EXPECT_ERRNO(rename(scratch.path("missing"), scratch.path("x")), ENOENT);
    EXPECT_ERRNO(rename(scratch.path("d/c"), scratch.path("missing/x")), ENOENT);
}

TEST(rename_onto_itself_or_another_link_to_it_does_nothing) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("a", "x");
    ASSERT_EQ(link(scratch.path("a"), scratch.path("b")), 0);
    EXPECT_EQ(rename(scratch.path("a"), scratch.path("a")), 0);
    // Two links to one file: POSIX says do nothing, so both names stay.
    EXPECT_EQ(rename(scratch.path("a"), scratch.path("b")), 0);
    EXPECT_TRUE(exists(scratch.path("a")));
    EXPECT_TRUE(exists(scratch.path("b")));
    EXPECT_EQ(stat_of(scratch.path("a")).st_nlink, 2u);
}

TEST(rename_of_directories_follows_the_emptiness_and_type_rules) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.directory("src");
    scratch.file("src/inside", "kept");
    scratch.directory("empty");
    scratch.directory("full");
    scratch.file("full/f");
    scratch.file("file");
    EXPECT_ERRNO(rename(scratch.path("src"), scratch.path("full")), ENOTEMPTY);
    EXPECT_ERRNO(rename(scratch.path("src"), scratch.path("file")), ENOTDIR);
    EXPECT_ERRNO(rename(scratch.path("file"), scratch.path("empty")), EISDIR);
    EXPECT_ERRNO(rename(scratch.path("src"), scratch.path("src/sub")), EINVAL);
    scratch.directory("src/deeper");
    EXPECT_ERRNO(rename(scratch.path("src"), scratch.path("src/deeper/x")), EINVAL);
    EXPECT_EQ(rename(scratch.path("src"), scratch.path("empty")), 0); // over an empty directory
    EXPECT_FALSE(exists(scratch.path("src")));
    EXPECT_STREQ(contents(scratch.path("empty/inside")), "kept");
    // ".." of the moved directory now leads to its new parent.
    EXPECT_EQ(rename(scratch.path("empty"), scratch.path("full/moved")), 0);
    EXPECT_EQ(stat_of(scratch.path("full/moved/..")).st_ino, stat_of(scratch.path("full")).st_ino);
    EXPECT_EQ(stat_of(scratch.path("full")).st_nlink, 3u);
    EXPECT_ERRNO(rename(scratch.path("full/."), scratch.path("x")), EBUSY);
}

TEST(rename_with_trailing_slashes_needs_directories) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("f");
    scratch.directory("d");
    EXPECT_ERRNO(rename(scratch.path("f/"), scratch.path("g")), ENOTDIR);
    EXPECT_ERRNO(rename(scratch.path("f"), scratch.path("g/")), ENOTDIR);
    EXPECT_EQ(rename(scratch.path("d/"), scratch.path("e/")), 0);
    EXPECT_TRUE(S_ISDIR(stat_of(scratch.path("e")).st_mode));
    EXPECT_EQ(rename(scratch.path("e"), scratch.path("d/")), 0);
    EXPECT_TRUE(S_ISDIR(stat_of(scratch.path("d")).st_mode));
}

// After RENAME_EXCHANGE the names inside the swapped directories follow them: the working directory
// inside one is still below it, so moving that directory into it is refused. (Once the cache kept
// the old parents, and the move went through and made a cycle.)
TEST(exchanged_directories_cannot_then_be_moved_below_themselves) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(mkdir(scratch.path("a"), 0755), 0);
    ASSERT_EQ(mkdir(scratch.path("a/b"), 0755), 0);
    ASSERT_EQ(mkdir(scratch.path("c"), 0755), 0);
    char previous[PATH_MAX];
    ASSERT_TRUE(getcwd(previous, sizeof previous) != nullptr);
    ASSERT_EQ(chdir(scratch.path("a/b")), 0);
    ASSERT_EQ(sys::raw_syscall(SYS_renameat2, AT_FDCWD, sys::arg(scratch.path("a")), AT_FDCWD,
                               sys::arg(scratch.path("c")), kRenameExchange),
              0);
    // "c" is the old "a" now, and the working directory is its "b".
    char here[PATH_MAX];
    ASSERT_TRUE(getcwd(here, sizeof here) != nullptr);
    EXPECT_STREQ(here, scratch.path("c/b"));
    EXPECT_ERRNO(rename(scratch.path("c"), "x"), EINVAL);
    EXPECT_ERRNO(rename(scratch.path("c"), scratch.path("c/b/x")), EINVAL);
    ASSERT_EQ(chdir(previous), 0);
    EXPECT_EQ(rmdir(scratch.path("c/b")), 0);
    EXPECT_EQ(rmdir(scratch.path("c")), 0);
    EXPECT_EQ(rmdir(scratch.path("a")), 0);
}

TEST(renameat2_noreplace_refuses_existing_targets_and_exchange_swaps) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("a", "A");
    scratch.file("b", "B");
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    EXPECT_EQ(sys::raw_syscall(SYS_renameat2, dir, sys::arg("a"), dir, sys::arg("b"), kRenameNoreplace),
              -EEXIST);
    EXPECT_STREQ(contents(scratch.path("b")), "B");
    EXPECT_EQ(sys::raw_syscall(SYS_renameat2, dir, sys::arg("a"), dir, sys::arg("b"), kRenameExchange), 0);
    EXPECT_STREQ(contents(scratch.path("a")), "B");
    EXPECT_STREQ(contents(scratch.path("b")), "A");
    EXPECT_EQ(sys::raw_syscall(SYS_renameat2, dir, sys::arg("a"), dir, sys::arg("c"), kRenameNoreplace), 0);
    EXPECT_STREQ(contents(scratch.path("c")), "B");
    EXPECT_EQ(sys::raw_syscall(SYS_renameat2, dir, sys::arg("b"), dir, sys::arg("x"), kRenameExchange),
              -ENOENT);
    EXPECT_EQ(sys::raw_syscall(SYS_renameat2, dir, sys::arg("b"), dir, sys::arg("c"),
                               kRenameExchange | kRenameNoreplace),
              -EINVAL);
    EXPECT_EQ(renameat(dir, "b", AT_FDCWD, scratch.path("d")), 0);
    EXPECT_STREQ(contents(scratch.path("d")), "A");
    close(dir);
}

TEST(link_adds_a_name_to_the_same_inode) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* a = scratch.file("a", "shared");
    ASSERT_EQ(link(a, scratch.path("b")), 0);
    struct stat first = stat_of(a), second = stat_of(scratch.path("b"));
    EXPECT_EQ(first.st_ino, second.st_ino);
    EXPECT_EQ(first.st_nlink, 2u);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_EQ(linkat(dir, "b", dir, "c", 0), 0);
    EXPECT_EQ(stat_of(a).st_nlink, 3u);
    EXPECT_EQ(unlink(a), 0);
    EXPECT_EQ(stat_of(scratch.path("c")).st_nlink, 2u);
    EXPECT_STREQ(contents(scratch.path("c")), "shared");
    EXPECT_ERRNO(link(scratch.path("b"), scratch.path("c")), EEXIST);
    EXPECT_ERRNO(link(scratch.path("missing"), scratch.path("x")), ENOENT);
    scratch.directory("d");
    EXPECT_ERRNO(link(scratch.path("d"), scratch.path("d2")), EPERM); // no hard links to directories
    close(dir);
}

TEST(link_to_a_symlink_links_the_symlink_unless_at_symlink_follow) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("target", "t");
    ASSERT_EQ(symlink("target", scratch.path("link")), 0);
    // Linux's link() does not follow a final symlink (POSIX lets it choose).
    ASSERT_EQ(link(scratch.path("link"), scratch.path("hard")), 0);
    EXPECT_TRUE(S_ISLNK(lstat_of(scratch.path("hard")).st_mode));
    ASSERT_EQ(linkat(AT_FDCWD, scratch.path("link"), AT_FDCWD, scratch.path("followed"), AT_SYMLINK_FOLLOW),
              0);
    EXPECT_TRUE(S_ISREG(lstat_of(scratch.path("followed")).st_mode));
    EXPECT_EQ(stat_of(scratch.path("target")).st_nlink, 2u);
}

TEST(readlink_returns_the_target_truncated_without_a_nul) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(symlink("some/target/path", scratch.path("link")), 0);
    char buffer[32];
    memset(buffer, '#', sizeof(buffer));
    EXPECT_EQ(readlink(scratch.path("link"), buffer, sizeof(buffer)), 16);
    EXPECT_EQ(memcmp(buffer, "some/target/path#", 17), 0); // no NUL is added
    memset(buffer, '#', sizeof(buffer));
    EXPECT_EQ(readlink(scratch.path("link"), buffer, 4), 4);
    EXPECT_EQ(memcmp(buffer, "some#", 5), 0);
    EXPECT_EQ(lstat_of(scratch.path("link")).st_size, 16);
    scratch.file("file");
    EXPECT_ERRNO(readlink(scratch.path("file"), buffer, sizeof(buffer)), EINVAL);
    EXPECT_ERRNO(readlink(scratch.path("missing"), buffer, sizeof(buffer)), ENOENT);
    // musl's readlink() turns a zero size into a one-byte read, so ask the kernel directly.
    EXPECT_EQ(sys::raw_syscall(SYS_readlink, sys::arg(scratch.path("link")), sys::arg(buffer), 0), -EINVAL);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_EQ(symlinkat("../elsewhere", dir, "rel"), 0);
    memset(buffer, 0, sizeof(buffer));
    EXPECT_EQ(readlinkat(dir, "rel", buffer, sizeof(buffer)), 12);
    EXPECT_STREQ(buffer, "../elsewhere");
    // With an empty path, readlinkat reads the symlink an O_PATH | O_NOFOLLOW fd names.
    int link_fd = openat(dir, "rel", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    memset(buffer, 0, sizeof(buffer));
    EXPECT_EQ(readlinkat(link_fd, "", buffer, sizeof(buffer)), 12);
    EXPECT_STREQ(buffer, "../elsewhere");
    EXPECT_ERRNO(symlink("x", scratch.path("rel")), EEXIST);
    EXPECT_ERRNO(symlink("", scratch.path("empty")), ENOENT);
    close(link_fd);
    close(dir);
}

TEST(symlinks_resolve_relative_to_their_own_directory) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.directory("d");
    scratch.file("d/target", "found");
    ASSERT_EQ(symlink("d/target", scratch.path("link")), 0);
    ASSERT_EQ(symlink("../d/target", scratch.path("d/up")), 0);
    ASSERT_EQ(symlink("d", scratch.path("dirlink")), 0);
    EXPECT_STREQ(contents(scratch.path("link")), "found");
    EXPECT_STREQ(contents(scratch.path("d/up")), "found");
    EXPECT_STREQ(contents(scratch.path("dirlink/target")), "found");
    EXPECT_TRUE(S_ISDIR(lstat_of(scratch.path("dirlink/")).st_mode)); // a trailing slash follows
    EXPECT_TRUE(S_ISLNK(lstat_of(scratch.path("dirlink")).st_mode));
    ASSERT_EQ(symlink(scratch.path("d/target"), scratch.path("absolute")), 0);
    EXPECT_STREQ(contents(scratch.path("absolute")), "found");
    ASSERT_EQ(symlink("nowhere", scratch.path("dangling")), 0);
    EXPECT_ERRNO(open(scratch.path("dangling"), O_RDONLY), ENOENT);
    // Creating through a dangling symlink creates its target.
    int fd = open(scratch.path("dangling"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    close(fd);
    EXPECT_TRUE(S_ISREG(lstat_of(scratch.path("nowhere")).st_mode));
}

TEST(symlink_loops_fail_with_eloop) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(symlink("self", scratch.path("self")), 0);
    ASSERT_EQ(symlink("b", scratch.path("a")), 0);
    ASSERT_EQ(symlink("a", scratch.path("b")), 0);
    EXPECT_ERRNO(open(scratch.path("self"), O_RDONLY), ELOOP);
    EXPECT_ERRNO(open(scratch.path("a"), O_RDONLY), ELOOP);
    struct stat ignored {};
    EXPECT_ERRNO(stat(scratch.path("b/x"), &ignored), ELOOP);
    EXPECT_ERRNO(open(scratch.path("a"), O_WRONLY | O_CREAT, 0644), ELOOP);
    EXPECT_TRUE(S_ISLNK(lstat_of(scratch.path("a")).st_mode)); // lstat does not follow
}

TEST(a_chain_of_40_symlinks_resolves_and_41_fail_with_eloop) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("target", "end of chain");
    char name[16], previous[16] = "target";
    for (int i = 1; i <= 41; ++i) {
        snprintf(name, sizeof(name), "l%d", i);
        ASSERT_EQ(symlink(previous, scratch.path(name)), 0);
        snprintf(previous, sizeof(previous), "%s", name);
    }
    // Linux follows at most 40 symlinks in one lookup (MAXSYMLINKS).
    EXPECT_STREQ(contents(scratch.path("l40")), "end of chain");
    EXPECT_ERRNO(open(scratch.path("l41"), O_RDONLY), ELOOP);
}

TEST(trailing_slashes_need_a_directory) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("f");
    EXPECT_ERRNO(open(scratch.path("f/"), O_RDONLY), ENOTDIR);
    struct stat ignored {};
    EXPECT_ERRNO(stat(scratch.path("f/"), &ignored), ENOTDIR);
    // Creating a file through a name with a trailing slash: Linux answers EISDIR.
    EXPECT_ERRNO(open(scratch.path("new/"), O_WRONLY | O_CREAT, 0644), EISDIR);
    EXPECT_FALSE(exists(scratch.path("new")));
    EXPECT_EQ(mkdir(scratch.path("newdir/"), 0755), 0);
    EXPECT_TRUE(S_ISDIR(stat_of(scratch.path("newdir//")).st_mode));
    EXPECT_TRUE(S_ISDIR(stat_of(scratch.path("newdir/.")).st_mode));
}

TEST(dot_and_dot_dot_resolve_and_the_root_is_its_own_parent) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.directory("a");
    scratch.directory("a/b");
    EXPECT_EQ(stat_of("/..").st_ino, stat_of("/").st_ino);
    EXPECT_EQ(stat_of("/../../..").st_ino, stat_of("/").st_ino);
    EXPECT_EQ(stat_of(scratch.path("a/b/..")).st_ino, stat_of(scratch.path("a")).st_ino);
    EXPECT_EQ(stat_of(scratch.path("a/./b/../.")).st_ino, stat_of(scratch.path("a")).st_ino);
    EXPECT_EQ(stat_of(scratch.path("a/b/../..")).st_ino, stat_of(scratch.dir()).st_ino);
    EXPECT_EQ(stat_of("/tmp/..").st_ino, stat_of("/").st_ino);
    // ".." is looked up after the symlink before it is followed, not textually.
    ASSERT_EQ(symlink("a/b", scratch.path("to_b")), 0);
    EXPECT_EQ(stat_of(scratch.path("to_b/..")).st_ino, stat_of(scratch.path("a")).st_ino);
}

TEST(chdir_and_fchdir_change_where_relative_paths_start_and_getcwd_reports_it) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    CwdGuard guard;
    scratch.directory("d");
    scratch.file("d/f", "relative");
    ASSERT_EQ(chdir(scratch.path("d")), 0);
    EXPECT_STREQ(contents("f"), "relative");
    char cwd[PATH_MAX] = {};
    ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != nullptr);
    EXPECT_STREQ(cwd, scratch.path("d"));
    ASSERT_EQ(chdir(".."), 0);
    ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != nullptr);
    EXPECT_STREQ(cwd, scratch.dir());
    int dir = open(scratch.path("d"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_EQ(fchdir(dir), 0);
    EXPECT_STREQ(contents("./f"), "relative");
    EXPECT_ERRNO(chdir(scratch.path("d/f")), ENOTDIR);
    EXPECT_ERRNO(chdir(scratch.path("missing")), ENOENT);
    int file = open(scratch.path("d/f"), O_RDONLY | O_CLOEXEC);
    EXPECT_ERRNO(fchdir(file), ENOTDIR);
    EXPECT_ERRNO(fchdir(999), EBADF);
    close(file);
    close(dir);
}

TEST(getcwd_fails_with_erange_into_a_small_buffer_and_enoent_once_removed) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    CwdGuard guard;
    ASSERT_EQ(chdir(scratch.directory("d")), 0);
    size_t length = strlen(scratch.path("d"));
    char cwd[PATH_MAX];
    EXPECT_EQ(sys::raw_syscall(SYS_getcwd, sys::arg(cwd), static_cast<long>(length)), -ERANGE);
    EXPECT_EQ(sys::raw_syscall(SYS_getcwd, sys::arg(cwd), static_cast<long>(length + 1)),
              static_cast<long>(length + 1)); // the length with the NUL
    EXPECT_TRUE(getcwd(cwd, 4) == nullptr);
    EXPECT_EQ(errno, ERANGE);
    EXPECT_EQ(sys::raw_syscall(SYS_getcwd, 1, sizeof(cwd)), -EFAULT);
    ASSERT_EQ(rmdir(scratch.path("d")), 0);
    EXPECT_TRUE(getcwd(cwd, sizeof(cwd)) == nullptr);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_ERRNO(open("new", O_WRONLY | O_CREAT, 0644), ENOENT); // a removed directory takes no entries
}

// chroot(argv[0]), then checks what the new root looks like. Exit 0 when all hold, else the
// number of the first check that failed.
CHILD_SCENARIO(chroot_and_look_around) {
    if (argc < 1 || chroot(argv[0]) != 0)
        return 1;
    if (chdir("/") != 0)
        return 2;
    struct stat root {
    }, parent{}, marker{};
    if (stat("/", &root) != 0 || stat("/..", &parent) != 0 || root.st_ino != parent.st_ino)
        return 3;
    if (stat("/../../marker", &marker) != 0 || !S_ISREG(marker.st_mode))
        return 4;
    char cwd[64] = {};
    if (getcwd(cwd, sizeof(cwd)) == nullptr || strcmp(cwd, "/") != 0)
        return 5;
    if (access("/tmp", F_OK) == 0 || errno != ENOENT) // the old root is out of reach
        return 6;
    return 0;
}

TEST(chroot_confines_path_lookup_and_dot_dot_stays_inside) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("marker");
    EXPECT_EXITED(test::run_child("chroot_and_look_around", {scratch.dir()}), 0);
    EXPECT_ERRNO(chroot(scratch.path("marker")), ENOTDIR);
    EXPECT_ERRNO(chroot(scratch.path("missing")), ENOENT);
}

TEST(getdents64_lists_exactly_the_entries_with_their_types) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("file");
    scratch.directory("dir");
    ASSERT_EQ(symlink("file", scratch.path("link")), 0);
    ASSERT_EQ(mkfifo(scratch.path("fifo"), 0644), 0);
    ASSERT_EQ(mknod(scratch.path("null"), S_IFCHR | 0666, makedev(1, 3)), 0);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    struct Expected {
        const char* name;
        unsigned char type;
        int seen;
    } expected[] = {{".", kDtDir, 0},    {"..", kDtDir, 0},    {"file", kDtReg, 0}, {"dir", kDtDir, 0},
                    {"link", kDtLnk, 0}, {"fifo", kDtFifo, 0}, {"null", kDtChr, 0}};
    int unexpected = 0;
    long count = for_each_entry(dir, [&](const Entry& entry) {
        for (auto& wanted : expected)
            if (strcmp(entry.name, wanted.name) == 0) {
                ++wanted.seen;
                EXPECT_EQ(entry.type, wanted.type);
                EXPECT_NE(entry.inode, 0u);
                if (strcmp(entry.name, "file") == 0)
                    EXPECT_EQ(entry.inode, stat_of(scratch.path("file")).st_ino);
                return;
            }
        ++unexpected;
    });
    EXPECT_EQ(count, 7);
    EXPECT_EQ(unexpected, 0);
    for (const auto& wanted : expected)
        EXPECT_EQ(wanted.seen, 1);
    // At the end it keeps returning 0; after rewinding it lists again.
    char small[8];
    EXPECT_EQ(sys::raw_syscall(SYS_getdents64, dir, sys::arg(small), sizeof(small)), 0);
    ASSERT_EQ(lseek(dir, 0, SEEK_SET), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_getdents64, dir, sys::arg(small), sizeof(small)), -EINVAL); // too small
    int file = open(scratch.path("file"), O_RDONLY | O_CLOEXEC);
    alignas(8) char buffer[256];
    EXPECT_EQ(sys::raw_syscall(SYS_getdents64, file, sys::arg(buffer), sizeof(buffer)), -ENOTDIR);
    EXPECT_EQ(sys::raw_syscall(SYS_getdents64, dir, 1, sizeof(buffer)), -EFAULT);
    close(file);
    close(dir);
}

TEST(a_directory_of_ten_thousand_entries_is_created_listed_and_emptied) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    constexpr int kEntries = 10000;
    int dir = open(scratch.directory("big"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    char name[32];
    for (int i = 0; i < kEntries; ++i) {
        snprintf(name, sizeof(name), "entry-%05d", i);
        int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        close(fd);
    }
    static unsigned char seen[kEntries];
    memset(seen, 0, sizeof(seen));
    int others = 0;
    long count = for_each_entry(dir, [&](const Entry& entry) {
        int index = -1;
        if (sscanf(entry.name, "entry-%d", &index) == 1 && index >= 0 && index < kEntries)
            ++seen[index];
        else if (strcmp(entry.name, ".") != 0 && strcmp(entry.name, "..") != 0)
            ++others;
    });
    EXPECT_EQ(count, kEntries + 2);
    EXPECT_EQ(others, 0);
    int missing_or_repeated = 0;
    for (unsigned char times : seen)
        missing_or_repeated += times != 1;
    EXPECT_EQ(missing_or_repeated, 0);
    for (int i = 0; i < kEntries; ++i) {
        snprintf(name, sizeof(name), "entry-%05d", i);
        ASSERT_EQ(unlinkat(dir, name, 0), 0);
    }
    ASSERT_EQ(lseek(dir, 0, SEEK_SET), 0);
    EXPECT_EQ(for_each_entry(dir, [](const Entry&) {}), 2);
    close(dir);
    EXPECT_EQ(rmdir(scratch.path("big")), 0);
}

TEST(stat_reports_type_mode_links_size_and_blocks) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    UmaskGuard mask(0);
    static char data[5000];
    memset(data, 'd', sizeof(data));
    int fd = open(scratch.path("f"), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    ASSERT_GE(fd, 0);
    struct stat status {};
    ASSERT_EQ(fstat(fd, &status), 0);
    EXPECT_EQ(status.st_mode, S_IFREG | 0640u);
    EXPECT_EQ(status.st_size, 0);
    EXPECT_EQ(status.st_blocks, 0);
    EXPECT_EQ(status.st_nlink, 1u);
    EXPECT_EQ(status.st_uid, getuid());
    EXPECT_EQ(status.st_gid, getgid());
    EXPECT_GT(status.st_blksize, 0);
    ASSERT_EQ(write(fd, data, sizeof(data)), 5000);
    ASSERT_EQ(fstat(fd, &status), 0);
    EXPECT_EQ(status.st_size, 5000);
    EXPECT_GE(status.st_blocks, 10); // 512-byte units, whole blocks
    struct stat by_name = stat_of(scratch.path("f"));
    EXPECT_EQ(by_name.st_ino, status.st_ino);
    EXPECT_EQ(by_name.st_dev, status.st_dev);
    ASSERT_EQ(symlink("f", scratch.path("link")), 0);
    struct stat link = lstat_of(scratch.path("link"));
    EXPECT_TRUE(S_ISLNK(link.st_mode));
    EXPECT_EQ(link.st_mode & 07777, 0777u); // symlink permissions are always 0777
    EXPECT_EQ(link.st_size, 1);
    EXPECT_NE(link.st_ino, status.st_ino);
    EXPECT_ERRNO(stat(scratch.path("missing"), &status), ENOENT);
    EXPECT_ERRNO(fstat(999, &status), EBADF);
    close(fd);
}

TEST(fstatat_honours_at_symlink_nofollow_and_at_empty_path) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("f", "12345");
    ASSERT_EQ(symlink("f", scratch.path("link")), 0);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    struct stat status {};
    ASSERT_EQ(fstatat(dir, "link", &status, 0), 0);
    EXPECT_TRUE(S_ISREG(status.st_mode));
    EXPECT_EQ(status.st_size, 5);
    ASSERT_EQ(fstatat(dir, "link", &status, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_TRUE(S_ISLNK(status.st_mode));
    int fd = openat(dir, "f", O_RDONLY | O_CLOEXEC);
    ASSERT_EQ(fstatat(fd, "", &status, AT_EMPTY_PATH), 0);
    EXPECT_EQ(status.st_size, 5);
    ASSERT_EQ(fstatat(dir, "", &status, AT_EMPTY_PATH), 0);
    EXPECT_TRUE(S_ISDIR(status.st_mode));
    EXPECT_EQ(sys::raw_syscall(SYS_newfstatat, fd, sys::arg(""), sys::arg(&status), 0), -ENOENT);
    EXPECT_EQ(sys::raw_syscall(SYS_newfstatat, dir, sys::arg("f"), sys::arg(&status), 0x8000), -EINVAL);
    close(fd);
    close(dir);
}

TEST(statx_reports_the_same_as_stat) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("f", "statx!");
    ASSERT_EQ(link(file, scratch.path("g")), 0);
    struct stat status = stat_of(file);
    StatxBuffer buffer{};
    ASSERT_EQ(sys::raw_syscall(SYS_statx, AT_FDCWD, sys::arg(scratch.path("g")), 0, kStatxBasicStats,
                               sys::arg(&buffer)),
              0);
    EXPECT_EQ(buffer.stx_mask & kStatxBasicStats, kStatxBasicStats);
    EXPECT_EQ(buffer.stx_mode, status.st_mode);
    EXPECT_EQ(buffer.stx_nlink, 2u);
    EXPECT_EQ(buffer.stx_size, 6u);
    EXPECT_EQ(buffer.stx_ino, status.st_ino);
    EXPECT_EQ(buffer.stx_uid, status.st_uid);
    EXPECT_EQ(buffer.stx_blocks, static_cast<uint64_t>(status.st_blocks));
    EXPECT_EQ(buffer.stx_mtime.tv_sec, status.st_mtim.tv_sec);
    EXPECT_EQ(buffer.stx_mtime.tv_nsec, static_cast<uint32_t>(status.st_mtim.tv_nsec));
    EXPECT_EQ(makedev(buffer.stx_dev_major, buffer.stx_dev_minor), status.st_dev);
    EXPECT_EQ(sys::raw_syscall(SYS_statx, AT_FDCWD, sys::arg(file), 0, 0x80000000u, sys::arg(&buffer)),
              -EINVAL); // STATX__RESERVED
    EXPECT_EQ(sys::raw_syscall(SYS_statx, AT_FDCWD, sys::arg(file), 0, kStatxBasicStats, 1), -EFAULT);
}

TEST(writes_update_mtime_and_chmod_updates_only_ctime) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("f", "x");
    const timespec old_times[2] = {{1000000000, 0}, {1000000000, 500}};
    ASSERT_EQ(utimensat(AT_FDCWD, file, old_times, 0), 0);
    struct stat before = stat_of(file);
    EXPECT_EQ(before.st_mtim.tv_sec, 1000000000);
    EXPECT_EQ(before.st_mtim.tv_nsec, 500);
    sleep_a_little();
    int fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_EQ(write(fd, "y", 1), 1);
    close(fd);
    struct stat written = stat_of(file);
    EXPECT_GT(nanoseconds(written.st_mtim), nanoseconds(before.st_mtim));
    EXPECT_GT(nanoseconds(written.st_ctim), nanoseconds(before.st_ctim));
    EXPECT_EQ(nanoseconds(written.st_atim), nanoseconds(before.st_atim)); // nothing read it
    sleep_a_little();
    ASSERT_EQ(chmod(file, 0600), 0);
    struct stat changed = stat_of(file);
    EXPECT_EQ(nanoseconds(changed.st_mtim), nanoseconds(written.st_mtim));
    EXPECT_GT(nanoseconds(changed.st_ctim), nanoseconds(written.st_ctim));
}

TEST(chmod_fchmod_and_fchmodat_set_the_permission_bits) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("f");
    EXPECT_EQ(chmod(file, 0604), 0);
    EXPECT_EQ(stat_of(file).st_mode, S_IFREG | 0604u);
    EXPECT_EQ(chmod(file, 04755 | S_IFDIR), 0); // the type bits are ignored
    EXPECT_EQ(stat_of(file).st_mode, S_IFREG | 04755u);
    int fd = open(file, O_RDONLY | O_CLOEXEC); // fchmod needs no write access
    EXPECT_EQ(fchmod(fd, 01700), 0);
    EXPECT_EQ(stat_of(file).st_mode, S_IFREG | 01700u);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_EQ(fchmodat(dir, "f", 0640, 0), 0);
    EXPECT_EQ(stat_of(file).st_mode, S_IFREG | 0640u);
    EXPECT_ERRNO(chmod(scratch.path("missing"), 0644), ENOENT);
    EXPECT_ERRNO(fchmod(999, 0644), EBADF);
    close(dir);
    close(fd);
}

TEST(chown_lchown_fchown_and_fchownat_change_owners_as_root) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(geteuid(), 0u);
    const char* file = scratch.file("f");
    ASSERT_EQ(symlink("f", scratch.path("link")), 0);
    EXPECT_EQ(chown(file, 1234, 5678), 0);
    EXPECT_EQ(stat_of(file).st_uid, 1234u);
    EXPECT_EQ(stat_of(file).st_gid, 5678u);
    EXPECT_EQ(chown(file, -1, 42), 0); // -1 keeps that id
    EXPECT_EQ(stat_of(file).st_uid, 1234u);
    EXPECT_EQ(stat_of(file).st_gid, 42u);
    EXPECT_EQ(lchown(scratch.path("link"), 7, 8), 0);
    EXPECT_EQ(lstat_of(scratch.path("link")).st_uid, 7u);
    EXPECT_EQ(stat_of(file).st_uid, 1234u);           // the target kept its owner
    EXPECT_EQ(chown(scratch.path("link"), 9, 10), 0); // chown follows
    EXPECT_EQ(stat_of(file).st_uid, 9u);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    EXPECT_EQ(fchown(fd, 11, 12), 0);
    EXPECT_EQ(stat_of(file).st_gid, 12u);
    EXPECT_EQ(fchownat(AT_FDCWD, scratch.path("link"), 13, 14, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(lstat_of(scratch.path("link")).st_uid, 13u);
    EXPECT_EQ(stat_of(file).st_uid, 11u);
    // Changing the owner clears set-user-ID (and set-group-ID with group execute), even for root.
    ASSERT_EQ(chmod(file, 06755), 0);
    EXPECT_EQ(chown(file, 0, 0), 0);
    EXPECT_EQ(stat_of(file).st_mode & 07777, 0755u);
    close(fd);
}

TEST(umask_clears_bits_from_new_files_and_directories) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    UmaskGuard mask(027);
    EXPECT_EQ(umask(027), 027u);
    int fd = creat(scratch.path("f"), 0666);
    ASSERT_GE(fd, 0);
    close(fd);
    EXPECT_EQ(stat_of(scratch.path("f")).st_mode, S_IFREG | 0640u);
    ASSERT_EQ(mkdir(scratch.path("d"), 0777), 0);
    EXPECT_EQ(stat_of(scratch.path("d")).st_mode, S_IFDIR | 0750u);
    ASSERT_EQ(mkfifo(scratch.path("p"), 0666), 0);
    EXPECT_EQ(stat_of(scratch.path("p")).st_mode, S_IFIFO | 0640u);
    // Explicit chmod is not masked.
    ASSERT_EQ(chmod(scratch.path("f"), 0666), 0);
    EXPECT_EQ(stat_of(scratch.path("f")).st_mode, S_IFREG | 0666u);
}

TEST(access_as_root_ignores_read_and_write_bits_but_execute_needs_one_x_bit) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(geteuid(), 0u);
    const char* file = scratch.file("f");
    ASSERT_EQ(chmod(file, 0), 0);
    EXPECT_EQ(access(file, F_OK), 0);
    EXPECT_EQ(access(file, R_OK | W_OK), 0);
    EXPECT_ERRNO(access(file, X_OK), EACCES);
    ASSERT_EQ(chmod(file, 0001), 0); // any x bit lets root execute
    EXPECT_EQ(access(file, X_OK), 0);
    ASSERT_EQ(chmod(scratch.dir(), 0), 0); // directories are always searchable by root
    EXPECT_EQ(access(scratch.dir(), R_OK | W_OK | X_OK), 0);
    ASSERT_EQ(chmod(scratch.dir(), 0700), 0);
    EXPECT_ERRNO(access(scratch.path("missing"), F_OK), ENOENT);
    EXPECT_ERRNO(access(file, 0x10), EINVAL);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_EQ(faccessat(dir, "f", X_OK, 0), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_faccessat2, dir, sys::arg("f"), R_OK, AT_EACCESS), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_faccessat2, dir, sys::arg("f"), R_OK, 0x1), -EINVAL);
    ASSERT_EQ(symlink("missing", scratch.path("dangling")), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_faccessat2, dir, sys::arg("dangling"), F_OK, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_faccessat2, dir, sys::arg("dangling"), F_OK, 0), -ENOENT);
    close(dir);
}

// Drops to nobody, then checks permissions in argv[0] (made by the test below). Exit 0 when all
// hold, else the number of the first check that failed.
CHILD_SCENARIO(permissions_as_nobody) {
    if (argc < 1)
        return 1;
    char path[PATH_MAX];
    if (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
        setresuid(kNobody, kNobody, kNobody) != 0)
        return 2;
    snprintf(path, sizeof(path), "%s/private", argv[0]);
    if (access(path, R_OK) == 0 || errno != EACCES || open(path, O_RDONLY) >= 0 || errno != EACCES)
        return 3;
    if (access(path, F_OK) != 0) // existence needs only search permission on the directory
        return 4;
    snprintf(path, sizeof(path), "%s/public", argv[0]);
    if (access(path, R_OK) != 0 || access(path, W_OK) == 0 || errno != EACCES)
        return 5;
    if (chmod(path, 0777) == 0 || errno != EPERM) // not the owner
        return 6;
    if (chown(path, kNobody, kNobody) == 0 || errno != EPERM)
        return 7;
    snprintf(path, sizeof(path), "%s/new", argv[0]);
    if (open(path, O_WRONLY | O_CREAT, 0644) >= 0 || errno != EACCES) // the directory is not writable
        return 8;
    snprintf(path, sizeof(path), "%s/locked/inside", argv[0]);
    if (access(path, F_OK) == 0 || errno != EACCES) // no search permission on "locked"
        return 9;
    snprintf(path, sizeof(path), "%s/mine", argv[0]);
    if (chmod(path, 0600) != 0) // but the owner may
        return 10;
    // Giving a file to its own owner is still a change of owner: only the owner (or root) may, and
    // it would clear set-user-ID bits. (A bug once let anyone do it.)
    snprintf(path, sizeof(path), "%s/public", argv[0]);
    if (chown(path, 0, static_cast<gid_t>(-1)) == 0 || errno != EPERM)
        return 11;
    return 0;
}

TEST(permission_checks_apply_once_root_is_dropped) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(geteuid(), 0u);
    ASSERT_EQ(chmod(scratch.dir(), 0755), 0); // mkdtemp made it 0700
    ASSERT_EQ(chmod(scratch.file("private", "secret"), 0600), 0);
    ASSERT_EQ(chmod(scratch.file("public", "open"), 0644), 0);
    ASSERT_EQ(chown(scratch.file("mine"), kNobody, kNobody), 0);
    ASSERT_EQ(mkdir(scratch.path("locked"), 0700), 0);
    scratch.file("locked/inside");
    EXPECT_EXITED(test::run_child("permissions_as_nobody", {scratch.dir()}), 0);
    EXPECT_EQ(stat_of(scratch.path("mine")).st_mode & 07777, 0600u);
}

TEST(utimensat_sets_explicit_times_now_or_leaves_them) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("f");
    const timespec explicit_times[2] = {{123456789, 111}, {987654321, 222}};
    ASSERT_EQ(utimensat(AT_FDCWD, file, explicit_times, 0), 0);
    struct stat status = stat_of(file);
    EXPECT_EQ(status.st_atim.tv_sec, 123456789);
    EXPECT_EQ(status.st_atim.tv_nsec, 111);
    EXPECT_EQ(status.st_mtim.tv_sec, 987654321);
    EXPECT_EQ(status.st_mtim.tv_nsec, 222);
    const timespec now_and_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    ASSERT_EQ(utimensat(AT_FDCWD, file, now_and_omit, 0), 0);
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    status = stat_of(file);
    EXPECT_LE(status.st_atim.tv_sec, now.tv_sec);
    EXPECT_GE(status.st_atim.tv_sec, now.tv_sec - 5);
    EXPECT_EQ(status.st_mtim.tv_sec, 987654321);
    const timespec bad[2] = {{0, 1000000000}, {0, 0}};
    EXPECT_ERRNO(utimensat(AT_FDCWD, file, bad, 0), EINVAL);
    // AT_SYMLINK_NOFOLLOW changes the link's own times.
    ASSERT_EQ(symlink("f", scratch.path("link")), 0);
    ASSERT_EQ(utimensat(AT_FDCWD, scratch.path("link"), explicit_times, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(lstat_of(scratch.path("link")).st_mtim.tv_sec, 987654321);
    EXPECT_EQ(stat_of(file).st_mtim.tv_sec, 987654321);
    EXPECT_EQ(stat_of(file).st_atim.tv_sec, status.st_atim.tv_sec);
}

TEST(utimes_and_futimesat_set_times_in_microseconds) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("f");
    const timeval times[2] = {{1111, 5}, {2222, 7}};
    ASSERT_EQ(utimes(file, times), 0);
    struct stat status = stat_of(file);
    EXPECT_EQ(status.st_atim.tv_sec, 1111);
    EXPECT_EQ(status.st_atim.tv_nsec, 5000);
    EXPECT_EQ(status.st_mtim.tv_sec, 2222);
    EXPECT_EQ(status.st_mtim.tv_nsec, 7000);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const timeval later[2] = {{3333, 0}, {4444, 0}};
    // musl's futimesat() goes through utimensat; the raw call checks the system call itself.
    EXPECT_EQ(sys::raw_syscall(SYS_futimesat, dir, sys::arg("f"), sys::arg(later)), 0);
    EXPECT_EQ(stat_of(file).st_mtim.tv_sec, 4444);
    const timeval bad[2] = {{0, 1000000}, {0, 0}};
    EXPECT_ERRNO(utimes(file, bad), EINVAL);
    close(dir);
}

TEST(mknod_makes_fifos_and_a_character_device_that_acts_as_dev_null) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(geteuid(), 0u);
    UmaskGuard mask(0);
    ASSERT_EQ(mknod(scratch.path("fifo"), S_IFIFO | 0620, 0), 0);
    EXPECT_EQ(stat_of(scratch.path("fifo")).st_mode, S_IFIFO | 0620u);
    ASSERT_EQ(mknod(scratch.path("regular"), S_IFREG | 0600, 0), 0);
    EXPECT_EQ(stat_of(scratch.path("regular")).st_mode, S_IFREG | 0600u);
    int dir = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_EQ(mknodat(dir, "null", S_IFCHR | 0666, makedev(1, 3)), 0);
    struct stat status = stat_of(scratch.path("null"));
    EXPECT_EQ(status.st_mode, S_IFCHR | 0666u);
    EXPECT_EQ(major(status.st_rdev), 1u);
    EXPECT_EQ(minor(status.st_rdev), 3u);
    int fd = openat(dir, "null", O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(write(fd, "swallowed", 9), 9);
    char buffer[8];
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 0);
    EXPECT_EQ(stat_of(scratch.path("null")).st_size, 0);
    EXPECT_ERRNO(mknod(scratch.path("fifo"), S_IFIFO | 0600, 0), EEXIST);
    EXPECT_ERRNO(mknod(scratch.path("dir"), S_IFDIR | 0700, 0), EPERM); // mkdir's job
    EXPECT_ERRNO(mknod(scratch.path("bad"), 0170000 | 0600, 0), EINVAL);
    close(fd);
    close(dir);
}

TEST(statfs_and_fstatfs_describe_the_tmp_filesystem) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    struct statfs by_path {
    }, by_fd{};
    ASSERT_EQ(statfs(scratch.dir(), &by_path), 0);
    int fd = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_EQ(fstatfs(fd, &by_fd), 0);
    EXPECT_GT(by_path.f_bsize, 0);
    EXPECT_EQ(by_path.f_type, by_fd.f_type);
    EXPECT_EQ(by_path.f_bsize, by_fd.f_bsize);
    EXPECT_EQ(by_path.f_namelen, 255);
    if (sys::detect_system() == sys::System::BlogOs)
        EXPECT_EQ(by_path.f_type, kTmpfsMagic); // on the host /tmp can be anything
    EXPECT_ERRNO(statfs(scratch.path("missing"), &by_path), ENOENT);
    EXPECT_ERRNO(fstatfs(999, &by_fd), EBADF);
    close(fd);
}
