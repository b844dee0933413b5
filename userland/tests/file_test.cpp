// Regular files through file descriptors: open flags and their errors, reads and writes at offsets,
// lseek, dup, fcntl, locks, truncation, the copy calls, memfd and file mappings, as Linux does them.
// Every test works in its own directory made with mkdtemp under /tmp and removed at the end.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

void* const kKernelAddress = reinterpret_cast<void*>(0xffff800000000000);
void* const kUnmappedAddress = reinterpret_cast<void*>(1);
const char* const kKernelPath = static_cast<const char*>(kKernelAddress);
const char* const kUnmappedPath = static_cast<const char*>(kUnmappedAddress);

// From <linux/close_range.h> and <linux/falloc.h>, which musl does not ship.
constexpr unsigned kCloseRangeCloexec = 1u << 2;
constexpr int kFallocKeepSize = 0x01;

int remove_entry(const char* path, const struct stat*, int, FTW*) {
    return remove(path);
}

// A fresh directory under /tmp for one test, removed with everything in it when the test ends.
class Scratch {
public:
    Scratch() {
        snprintf(dir_, sizeof(dir_), "/tmp/file_test.XXXXXX");
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
    // Creates dir/name holding `content`; returns its path.
    const char* file(const char* name, const char* content) {
        const char* full = path(name);
        int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (write(fd, content, strlen(content)) != static_cast<ssize_t>(strlen(content)))
                fprintf(stderr, "short write to %s\n", full);
            close(fd);
        }
        return full;
    }

private:
    static constexpr int kPaths = 256;
    static constexpr int kPathSize = 512;
    char dir_[64];
    char (*paths_)[kPathSize] = nullptr;
    unsigned next_ = 0;
};

// The whole content of `fd` from offset 0 (up to the buffer's size), as a NUL-terminated string.
const char* contents(int fd) {
    static char buffer[256];
    ssize_t length = pread(fd, buffer, sizeof(buffer) - 1, 0);
    buffer[length < 0 ? 0 : length] = '\0';
    return buffer;
}

const char* contents(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    const char* result = contents(fd);
    close(fd);
    return result;
}

off_t file_size(int fd) {
    struct stat status {};
    return fstat(fd, &status) == 0 ? status.st_size : -1;
}

bool all_zero(const char* data, size_t size) {
    for (size_t i = 0; i < size; ++i)
        if (data[i] != 0)
            return false;
    return true;
}

} // namespace

TEST(open_creates_a_file_that_read_returns) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.path("a"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(write(fd, "hello file", 10), 10);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 10);
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    char buffer[32] = {};
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 10);
    EXPECT_STREQ(buffer, "hello file");
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 0); // end of file
    EXPECT_EQ(close(fd), 0);
    EXPECT_STREQ(contents(scratch.path("a")), "hello file");
}

TEST(open_of_a_missing_file_fails_with_enoent) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    EXPECT_ERRNO(open(scratch.path("missing"), O_RDONLY), ENOENT);
    EXPECT_ERRNO(open(scratch.path("missing/dir/file"), O_RDONLY | O_CREAT, 0644), ENOENT);
    EXPECT_ERRNO(open("", O_RDONLY), ENOENT);
}

TEST(open_with_o_creat_and_o_excl_fails_with_eexist_on_any_existing_name) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "x");
    EXPECT_ERRNO(open(file, O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
    EXPECT_ERRNO(open(scratch.dir(), O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    // Even a dangling symlink counts: O_EXCL never follows it.
    ASSERT_EQ(symlink("nowhere", scratch.path("dangling")), 0);
    EXPECT_ERRNO(open(scratch.path("dangling"), O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
    EXPECT_ERRNO(access(scratch.path("nowhere"), F_OK), ENOENT);
    int fd = open(scratch.path("b"), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    close(fd);
}

TEST(open_of_a_directory_for_writing_fails_with_eisdir) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    EXPECT_ERRNO(open(scratch.dir(), O_WRONLY), EISDIR);
    EXPECT_ERRNO(open(scratch.dir(), O_RDWR), EISDIR);
    EXPECT_ERRNO(open(scratch.dir(), O_RDONLY | O_CREAT, 0644), EISDIR);
    int fd = open(scratch.dir(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char buffer[8];
    EXPECT_ERRNO(read(fd, buffer, sizeof(buffer)), EISDIR);
    EXPECT_ERRNO(write(fd, "x", 1), EBADF);
    close(fd);
}

TEST(o_directory_refuses_files_and_a_file_in_a_path_fails_with_enotdir) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "x");
    EXPECT_ERRNO(open(file, O_RDONLY | O_DIRECTORY), ENOTDIR);
    EXPECT_ERRNO(open(scratch.path("a/b"), O_RDONLY), ENOTDIR);
    EXPECT_ERRNO(open(scratch.path("a/"), O_RDONLY), ENOTDIR);
    int fd = open(scratch.dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    close(fd);
}

TEST(o_nofollow_refuses_a_final_symlink_with_eloop) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    scratch.file("target", "through the link");
    ASSERT_EQ(symlink("target", scratch.path("link")), 0);
    EXPECT_ERRNO(open(scratch.path("link"), O_RDONLY | O_NOFOLLOW), ELOOP);
    int fd = open(scratch.path("link"), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_STREQ(contents(fd), "through the link");
    close(fd);
    // O_PATH | O_NOFOLLOW opens the link itself.
    fd = open(scratch.path("link"), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    struct stat status {};
    EXPECT_EQ(fstat(fd, &status), 0);
    EXPECT_TRUE(S_ISLNK(status.st_mode));
    close(fd);
}

TEST(o_trunc_empties_the_file_even_when_opened_read_only) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "some content");
    int fd = open(file, O_RDWR | O_TRUNC | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(file_size(fd), 0);
    close(fd);
    scratch.file("a", "more content");
    // POSIX leaves O_RDONLY | O_TRUNC unspecified; Linux truncates.
    fd = open(file, O_RDONLY | O_TRUNC | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(file_size(fd), 0);
    close(fd);
}

TEST(creat_makes_a_write_only_truncated_file) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "old content");
    int fd = creat(file, 0644);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(file_size(fd), 0);
    EXPECT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
    char buffer[4];
    EXPECT_ERRNO(read(fd, buffer, sizeof(buffer)), EBADF);
    EXPECT_EQ(write(fd, "new", 3), 3);
    close(fd);
    EXPECT_STREQ(contents(file), "new");
}

TEST(reads_and_writes_respect_the_access_mode) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "data");
    char buffer[8];
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(read(fd, buffer, sizeof(buffer)), EBADF);
    EXPECT_ERRNO(pread(fd, buffer, sizeof(buffer), 0), EBADF);
    close(fd);
    fd = open(file, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(write(fd, "x", 1), EBADF);
    EXPECT_ERRNO(pwrite(fd, "x", 1, 0), EBADF);
    close(fd);
}

TEST(an_o_path_descriptor_allows_fstat_but_no_io) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "12345");
    int fd = open(file, O_PATH | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char buffer[8];
    EXPECT_ERRNO(read(fd, buffer, sizeof(buffer)), EBADF);
    EXPECT_ERRNO(write(fd, "x", 1), EBADF);
    EXPECT_ERRNO(pread(fd, buffer, sizeof(buffer), 0), EBADF);
    // musl's fchmod() retries an EBADF through /proc/self/fd, so ask the kernel directly.
    EXPECT_EQ(sys::raw_syscall(SYS_fchmod, fd, 0600), -EBADF);
    EXPECT_ERRNO(ftruncate(fd, 0), EBADF);
    EXPECT_EQ(file_size(fd), 5);
    // It still works as a directory fd for *at calls when it names a directory.
    int dir = open(scratch.dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    int inner = openat(dir, "a", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(inner, 0);
    EXPECT_STREQ(contents(inner), "12345");
    close(inner);
    close(dir);
    close(fd);
}

TEST(openat_resolves_relative_paths_from_the_directory_fd) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    ASSERT_EQ(mkdir(scratch.path("sub"), 0755), 0);
    scratch.file("sub/a", "in sub");
    int dir = open(scratch.path("sub"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir, 0);
    int fd = openat(dir, "a", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_STREQ(contents(fd), "in sub");
    // An absolute path ignores the directory fd, even a bad one.
    int absolute = openat(999, scratch.path("sub/a"), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(absolute, 0);
    close(absolute);
    EXPECT_ERRNO(openat(999, "a", O_RDONLY), EBADF);
    EXPECT_ERRNO(openat(fd, "a", O_RDONLY), ENOTDIR); // a file is no directory fd
    close(fd);
    close(dir);
}

TEST(o_cloexec_sets_fd_cloexec_and_fioclex_toggles_it) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", ""), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(ioctl(fd, FIONCLEX), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), 0);
    EXPECT_EQ(ioctl(fd, FIOCLEX), 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    int plain = open(scratch.path("a"), O_RDONLY);
    ASSERT_GE(plain, 0);
    EXPECT_EQ(fcntl(plain, F_GETFD), 0);
    close(plain);
    close(fd);
}

TEST(close_range_closes_or_marks_every_descriptor_in_the_range) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "");
    int base = open(file, O_RDONLY);
    ASSERT_GE(base, 0);
    int first = fcntl(base, F_DUPFD, 200);
    close(base);
    ASSERT_EQ(first, 200);
    ASSERT_EQ(dup2(first, 201), 201);
    ASSERT_EQ(dup2(first, 202), 202);
    EXPECT_EQ(sys::raw_syscall(SYS_close_range, 201, 202, kCloseRangeCloexec), 0);
    EXPECT_EQ(fcntl(200, F_GETFD), 0);
    EXPECT_EQ(fcntl(201, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(202, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(sys::raw_syscall(SYS_close_range, 200, 299, 0), 0);
    EXPECT_ERRNO(fcntl(200, F_GETFD), EBADF);
    EXPECT_ERRNO(fcntl(202, F_GETFD), EBADF);
    EXPECT_EQ(sys::raw_syscall(SYS_close_range, 5, 4, 0), -EINVAL);
}

TEST(lseek_moves_from_the_start_the_current_offset_and_the_end) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "0123456789"), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char c = 0;
    EXPECT_EQ(lseek(fd, 3, SEEK_SET), 3);
    EXPECT_EQ(read(fd, &c, 1), 1);
    EXPECT_EQ(c, '3');
    EXPECT_EQ(lseek(fd, 2, SEEK_CUR), 6);
    EXPECT_EQ(read(fd, &c, 1), 1);
    EXPECT_EQ(c, '6');
    EXPECT_EQ(lseek(fd, -1, SEEK_END), 9);
    EXPECT_EQ(read(fd, &c, 1), 1);
    EXPECT_EQ(c, '9');
    EXPECT_EQ(lseek(fd, 100, SEEK_END), 110); // past the end is allowed
    EXPECT_EQ(read(fd, &c, 1), 0);
    EXPECT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
    EXPECT_ERRNO(lseek(fd, -11, SEEK_END), EINVAL);
    EXPECT_ERRNO(lseek(fd, 0, 42), EINVAL);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 110); // failed seeks leave the offset alone
    close(fd);
}

TEST(lseek_on_a_pipe_fails_with_espipe) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    EXPECT_ERRNO(lseek(fds[0], 0, SEEK_SET), ESPIPE);
    EXPECT_ERRNO(lseek(fds[1], 0, SEEK_CUR), ESPIPE);
    char buffer[4];
    EXPECT_ERRNO(pread(fds[0], buffer, sizeof(buffer), 0), ESPIPE);
    EXPECT_ERRNO(pwrite(fds[1], "x", 1, 0), ESPIPE);
    close(fds[0]);
    close(fds[1]);
}

TEST(a_write_past_the_end_leaves_a_hole_that_reads_as_zeros) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.path("a"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "start", 5), 5);
    constexpr off_t kFar = 3 * 4096 + 100;
    ASSERT_EQ(lseek(fd, kFar, SEEK_SET), kFar);
    EXPECT_EQ(file_size(fd), 5); // seeking alone does not grow the file
    ASSERT_EQ(write(fd, "end", 3), 3);
    EXPECT_EQ(file_size(fd), kFar + 3);
    static char gap[kFar - 5];
    memset(gap, 'x', sizeof(gap));
    EXPECT_EQ(pread(fd, gap, sizeof(gap), 5), static_cast<ssize_t>(sizeof(gap)));
    EXPECT_TRUE(all_zero(gap, sizeof(gap)));
    char tail[8] = {};
    EXPECT_EQ(pread(fd, tail, sizeof(tail), kFar), 3);
    EXPECT_STREQ(tail, "end");
    close(fd);
}

TEST(pread_and_pwrite_use_their_offset_and_leave_the_file_offset) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "abcdefgh"), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(lseek(fd, 2, SEEK_SET), 2);
    char buffer[8] = {};
    EXPECT_EQ(pread(fd, buffer, 3, 4), 3);
    EXPECT_STREQ(buffer, "efg");
    EXPECT_EQ(pwrite(fd, "XY", 2, 6), 2);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);
    EXPECT_EQ(pread(fd, buffer, 4, 10), 0); // past the end
    EXPECT_ERRNO(pread(fd, buffer, 1, -1), EINVAL);
    EXPECT_STREQ(contents(fd), "abcdefXY");
    EXPECT_EQ(pwrite(fd, "Z", 1, 10), 1);
    EXPECT_EQ(file_size(fd), 11);
    close(fd);
}

TEST(readv_and_writev_scatter_and_gather_in_order) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.path("a"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    char one[] = "one-", two[] = "two-", three[] = "three";
    iovec out[] = {{one, 4}, {two, 4}, {three, 5}};
    EXPECT_EQ(writev(fd, out, 3), 13);
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    char a[3] = {}, b[6] = {}, c[8] = {};
    iovec in[] = {{a, 2}, {b, 5}, {c, 7}};
    EXPECT_EQ(readv(fd, in, 3), 13);
    EXPECT_STREQ(a, "on");
    EXPECT_STREQ(b, "e-two");
    EXPECT_STREQ(c, "-three");
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 13);
    close(fd);
}

TEST(preadv_and_pwritev_work_at_an_offset) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "0123456789"), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char x[] = "ab", y[] = "cd";
    iovec out[] = {{x, 2}, {y, 2}};
    EXPECT_EQ(pwritev(fd, out, 2, 3), 4);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
    EXPECT_STREQ(contents(fd), "012abcd789");
    char p[4] = {}, q[4] = {};
    iovec in[] = {{p, 3}, {q, 3}};
    EXPECT_EQ(preadv(fd, in, 2, 5), 5);
    EXPECT_STREQ(p, "cd7");
    EXPECT_STREQ(q, "89");
    close(fd);
}

TEST(o_append_writes_at_the_end_whatever_the_offset) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "base"), O_RDWR | O_APPEND | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    EXPECT_EQ(write(fd, "+1", 2), 2);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 6);
    // A documented Linux bug: pwrite on an O_APPEND fd appends and ignores its offset.
    EXPECT_EQ(pwrite(fd, "+2", 2, 0), 2);
    EXPECT_STREQ(contents(fd), "base+1+2");
    close(fd);
}

TEST(dup_shares_the_offset_but_two_opens_do_not) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "abcdef");
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    int copy = dup(fd);
    ASSERT_GT(copy, fd);
    EXPECT_EQ(fcntl(copy, F_GETFD), 0); // dup does not copy FD_CLOEXEC
    int other = open(file, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(other, 0);
    char c = 0;
    ASSERT_EQ(read(fd, &c, 1), 1);
    ASSERT_EQ(read(copy, &c, 1), 1);
    EXPECT_EQ(c, 'b');
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);
    ASSERT_EQ(read(other, &c, 1), 1);
    EXPECT_EQ(c, 'a');
    close(other);
    close(copy);
    close(fd);
}

TEST(fcntl_getfl_reports_the_mode_and_setfl_changes_only_status_flags) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "1"), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    int flags = fcntl(fd, F_GETFL);
    EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
    EXPECT_EQ(flags & (O_APPEND | O_NONBLOCK), 0);
    EXPECT_EQ(flags & O_CLOEXEC, 0); // a descriptor flag, not a status flag
    // The access mode cannot change: O_RDONLY is silently ignored.
    EXPECT_EQ(fcntl(fd, F_SETFL, O_RDONLY | O_APPEND), 0);
    flags = fcntl(fd, F_GETFL);
    EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
    EXPECT_EQ(flags & O_APPEND, O_APPEND);
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    EXPECT_EQ(write(fd, "2", 1), 1);
    EXPECT_STREQ(contents(fd), "12");
    EXPECT_ERRNO(fcntl(999, F_GETFL), EBADF);
    close(fd);
}

TEST(fcntl_dupfd_returns_the_lowest_free_fd_at_or_above_the_minimum) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", ""), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fcntl(fd, F_DUPFD, 100), 100);
    EXPECT_EQ(fcntl(fd, F_DUPFD, 100), 101);
    EXPECT_EQ(fcntl(100, F_GETFD), 0);
    EXPECT_EQ(fcntl(fd, F_DUPFD_CLOEXEC, 100), 102);
    EXPECT_EQ(fcntl(102, F_GETFD), FD_CLOEXEC);
    EXPECT_ERRNO(fcntl(fd, F_DUPFD, -1), EINVAL);
    EXPECT_ERRNO(fcntl(fd, F_DUPFD, INT_MAX), EINVAL);
    close(100);
    close(101);
    close(102);
    close(fd);
}

// Tries to take a write lock on bytes [argv[1], +10) of argv[0]: exit 0 if it got it, 1 on
// EAGAIN/EACCES (and then checks F_GETLK names the parent), 2 on anything else.
CHILD_SCENARIO(try_write_lock) {
    if (argc < 2)
        return 2;
    int fd = open(argv[0], O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 2;
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = atoi(argv[1]);
    lock.l_len = 10;
    if (fcntl(fd, F_SETLK, &lock) == 0)
        return 0;
    if (errno != EAGAIN && errno != EACCES)
        return 2;
    struct flock query = lock;
    if (fcntl(fd, F_GETLK, &query) != 0 || query.l_type != F_WRLCK || query.l_pid != getppid())
        return 3;
    return 1;
}

TEST(fcntl_record_locks_conflict_only_with_other_processes) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "0123456789abcdefghijklmnopqrstuvwxyz");
    int fd = open(file, O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = 0;
    lock.l_len = 10;
    ASSERT_EQ(fcntl(fd, F_SETLK, &lock), 0);
    // The owner's own locks never conflict: F_GETLK answers F_UNLCK.
    struct flock query = lock;
    EXPECT_EQ(fcntl(fd, F_GETLK, &query), 0);
    EXPECT_EQ(query.l_type, F_UNLCK);
    EXPECT_EXITED(test::run_child("try_write_lock", {file, "5"}), 1);
    EXPECT_EXITED(test::run_child("try_write_lock", {file, "20"}), 0);
    // Closing any fd of the file drops the process's locks on it (POSIX's famous trap).
    int other = open(file, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(other, 0);
    close(other);
    EXPECT_EXITED(test::run_child("try_write_lock", {file, "5"}), 0);
    lock.l_type = F_WRLCK;
    ASSERT_EQ(fcntl(fd, F_SETLK, &lock), 0);
    lock.l_type = F_UNLCK;
    EXPECT_EQ(fcntl(fd, F_SETLK, &lock), 0);
    EXPECT_EXITED(test::run_child("try_write_lock", {file, "5"}), 0);
    lock.l_type = F_RDLCK; // a read lock needs a readable fd
    int write_only = open(file, O_WRONLY | O_CLOEXEC);
    EXPECT_ERRNO(fcntl(write_only, F_SETLK, &lock), EBADF);
    close(write_only);
    close(fd);
}

TEST(flock_conflicts_between_open_file_descriptions_in_one_process) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "");
    int first = open(file, O_RDONLY | O_CLOEXEC);
    int second = open(file, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    EXPECT_EQ(flock(first, LOCK_EX), 0);
    EXPECT_ERRNO(flock(second, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    EXPECT_ERRNO(flock(second, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    int copy = dup(first); // a dup shares the lock
    EXPECT_EQ(flock(copy, LOCK_EX | LOCK_NB), 0);
    EXPECT_EQ(flock(first, LOCK_UN), 0);
    EXPECT_EQ(flock(second, LOCK_SH | LOCK_NB), 0);
    EXPECT_EQ(flock(first, LOCK_SH | LOCK_NB), 0); // shared locks coexist
    EXPECT_ERRNO(flock(first, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    EXPECT_ERRNO(flock(first, 0), EINVAL);
    EXPECT_ERRNO(flock(999, LOCK_SH), EBADF);
    close(copy);
    close(second);
    close(first);
}

TEST(truncate_shrinks_and_growing_again_reads_zeros) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* file = scratch.file("a", "abcdefghij");
    int fd = open(file, O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(ftruncate(fd, 4), 0);
    EXPECT_EQ(file_size(fd), 4);
    EXPECT_EQ(truncate(file, 8), 0);
    EXPECT_EQ(file_size(fd), 8);
    char buffer[8];
    ASSERT_EQ(pread(fd, buffer, 8, 0), 8);
    EXPECT_EQ(memcmp(buffer, "abcd\0\0\0\0", 8), 0);
    EXPECT_ERRNO(ftruncate(fd, -1), EINVAL);
    EXPECT_ERRNO(truncate(scratch.path("missing"), 0), ENOENT);
    EXPECT_ERRNO(truncate(scratch.dir(), 0), EISDIR);
    int read_only = open(file, O_RDONLY | O_CLOEXEC);
    EXPECT_ERRNO(ftruncate(read_only, 0), EINVAL); // Linux: EINVAL, not EBADF
    close(read_only);
    close(fd);
}

TEST(fallocate_reserves_space_and_grows_the_file_unless_told_to_keep_the_size) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "xy"), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fallocate(fd, 0, 0, 8192), 0);
    EXPECT_EQ(file_size(fd), 8192);
    struct stat status {};
    ASSERT_EQ(fstat(fd, &status), 0);
    EXPECT_GE(status.st_blocks, 16); // 512-byte units
    EXPECT_EQ(fallocate(fd, kFallocKeepSize, 8192, 8192), 0);
    EXPECT_EQ(file_size(fd), 8192);
    char buffer[4] = {};
    EXPECT_EQ(pread(fd, buffer, 4, 0), 4);
    EXPECT_EQ(memcmp(buffer, "xy\0\0", 4), 0);
    EXPECT_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
    EXPECT_ERRNO(fallocate(fd, 0, -1, 10), EINVAL);
    close(fd);
}

TEST(fsync_fdatasync_sync_and_syncfs_succeed_on_files) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "durable"), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fsync(fd), 0);
    EXPECT_EQ(fdatasync(fd), 0);
    sync();
    EXPECT_EQ(syncfs(fd), 0);
    EXPECT_ERRNO(fsync(999), EBADF);
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    EXPECT_ERRNO(fsync(fds[0]), EINVAL);
    close(fds[0]);
    close(fds[1]);
    close(fd);
}

TEST(fionread_counts_unread_bytes_in_pipes_and_files) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    int available = -1;
    EXPECT_EQ(ioctl(fds[0], FIONREAD, &available), 0);
    EXPECT_EQ(available, 0);
    ASSERT_EQ(write(fds[1], "12345", 5), 5);
    EXPECT_EQ(ioctl(fds[0], FIONREAD, &available), 0);
    EXPECT_EQ(available, 5);
    close(fds[0]);
    close(fds[1]);
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "0123456789"), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(lseek(fd, 3, SEEK_SET), 3);
    EXPECT_EQ(ioctl(fd, FIONREAD, &available), 0);
    EXPECT_EQ(available, 7); // size minus offset
    close(fd);
}

TEST(fionbio_and_o_nonblock_make_an_empty_pipe_read_fail_with_eagain) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    int on = 1;
    EXPECT_EQ(ioctl(fds[0], FIONBIO, &on), 0);
    EXPECT_EQ(fcntl(fds[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    char buffer[4];
    EXPECT_ERRNO(read(fds[0], buffer, sizeof(buffer)), EAGAIN);
    int off = 0;
    EXPECT_EQ(ioctl(fds[0], FIONBIO, &off), 0);
    EXPECT_EQ(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
    close(fds[0]);
    close(fds[1]);
}

TEST(o_nonblock_opens_of_a_fifo_succeed_for_readers_and_fail_with_enxio_for_writers) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* fifo = scratch.path("fifo");
    ASSERT_EQ(mkfifo(fifo, 0644), 0);
    EXPECT_ERRNO(open(fifo, O_WRONLY | O_NONBLOCK), ENXIO); // no reader yet
    int reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reader, 0);
    char buffer[4];
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 0); // no writer ever: end of file, not EAGAIN
    int writer = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(writer, 0);
    EXPECT_ERRNO(read(reader, buffer, sizeof(buffer)), EAGAIN);
    EXPECT_EQ(write(writer, "ab", 2), 2);
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 2);
    close(writer);
    close(reader);
}

// busybox's `echo x > fifo & cat fifo` hung: the writer opened, wrote and closed before the
// waiting reader ran, and the reader went on waiting for a writer. Linux returns it the data.
TEST(a_fifo_reader_waiting_in_open_sees_a_writer_that_came_and_went) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* fifo = scratch.path("fifo");
    ASSERT_EQ(mkfifo(fifo, 0644), 0);
    pid_t writer = fork();
    ASSERT_GE(writer, 0);
    if (writer == 0) {
        usleep(100'000); // the reader waits in open by now
        int fd = open(fifo, O_WRONLY);
        _exit(fd >= 0 && write(fd, "ab", 2) == 2 && close(fd) == 0 ? 0 : 1);
    }
    // A hang fails the test instead: the alarm interrupts the open (no SA_RESTART).
    struct sigaction on_alarm = {};
    on_alarm.sa_handler = [](int) {};
    sigaction(SIGALRM, &on_alarm, nullptr);
    alarm(5);
    int reader = open(fifo, O_RDONLY | O_CLOEXEC);
    alarm(0);
    EXPECT_GE(reader, 0);
    int status = 0;
    EXPECT_EQ(waitpid(writer, &status, 0), writer);
    EXPECT_EQ(status, 0);
    char buffer[4] = {};
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 2);
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 0); // no writer left: end of file
    close(reader);
    signal(SIGALRM, SIG_DFL);
}

TEST(sendfile_copies_between_files_and_updates_the_given_offset) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int in = open(scratch.file("in", "0123456789"), O_RDONLY | O_CLOEXEC);
    int out = open(scratch.path("out"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(in, 0);
    ASSERT_GE(out, 0);
    EXPECT_EQ(sendfile(out, in, nullptr, 4), 4); // from the file offset, which moves
    EXPECT_EQ(lseek(in, 0, SEEK_CUR), 4);
    off_t offset = 7;
    EXPECT_EQ(sendfile(out, in, &offset, 100), 3); // from *offset, which moves instead
    EXPECT_EQ(offset, 10);
    EXPECT_EQ(lseek(in, 0, SEEK_CUR), 4);
    EXPECT_STREQ(contents(out), "0123789");
    EXPECT_ERRNO(sendfile(in, out, nullptr, 1), EBADF); // in is not writable
    close(out);
    close(in);
}

TEST(copy_file_range_copies_between_files_at_offsets) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int in = open(scratch.file("in", "abcdefghij"), O_RDONLY | O_CLOEXEC);
    int out = open(scratch.file("out", "0123456789"), O_RDWR | O_CLOEXEC);
    ASSERT_GE(in, 0);
    ASSERT_GE(out, 0);
    off_t in_offset = 2, out_offset = 5;
    EXPECT_EQ(copy_file_range(in, &in_offset, out, &out_offset, 3, 0), 3);
    EXPECT_EQ(in_offset, 5);
    EXPECT_EQ(out_offset, 8);
    EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0);
    EXPECT_STREQ(contents(out), "01234cde89");
    EXPECT_EQ(copy_file_range(in, nullptr, out, nullptr, 4, 0), 4); // file offsets, which move
    EXPECT_EQ(lseek(in, 0, SEEK_CUR), 4);
    EXPECT_EQ(lseek(out, 0, SEEK_CUR), 4);
    EXPECT_STREQ(contents(out), "abcd4cde89");
    EXPECT_ERRNO(copy_file_range(in, nullptr, out, nullptr, 1, 1), EINVAL); // no flags exist
    close(out);
    close(in);
}

TEST(memfd_create_gives_an_anonymous_file_that_reads_writes_and_truncates) {
    int fd = memfd_create("file_test", MFD_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(write(fd, "in memory", 9), 9);
    EXPECT_STREQ(contents(fd), "in memory");
    EXPECT_EQ(ftruncate(fd, 2), 0);
    EXPECT_STREQ(contents(fd), "in");
    EXPECT_EQ(ftruncate(fd, 4096), 0);
    struct stat status {};
    ASSERT_EQ(fstat(fd, &status), 0);
    EXPECT_TRUE(S_ISREG(status.st_mode));
    EXPECT_EQ(status.st_size, 4096);
    EXPECT_EQ(status.st_nlink, 0u); // it has no name
    char link[64] = {};
    char self[32];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
    EXPECT_GT(readlink(self, link, sizeof(link) - 1), 0);
    EXPECT_STREQ(link, "/memfd:file_test (deleted)");
    EXPECT_ERRNO(memfd_create("x", 0x1000), EINVAL);
    close(fd);
}

TEST(bad_buffers_and_paths_fail_with_efault) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file("a", "0123456789"), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(read(fd, kUnmappedAddress, 4), EFAULT);
    EXPECT_ERRNO(read(fd, kKernelAddress, 4), EFAULT);
    EXPECT_ERRNO(write(fd, kUnmappedAddress, 4), EFAULT);
    EXPECT_ERRNO(pwrite(fd, kKernelAddress, 4, 0), EFAULT);
    EXPECT_STREQ(contents(fd), "0123456789"); // nothing was written
    EXPECT_ERRNO(open(kUnmappedPath, O_RDONLY), EFAULT);
    EXPECT_ERRNO(open(kKernelPath, O_RDONLY), EFAULT);
    EXPECT_ERRNO(openat(AT_FDCWD, kKernelPath, O_RDONLY | O_CREAT, 0644), EFAULT);
    EXPECT_ERRNO(truncate(kUnmappedPath, 0), EFAULT);
    EXPECT_EQ(sys::raw_syscall(SYS_fstat, fd, 1), -EFAULT);
    close(fd);
}

TEST(overlong_names_and_paths_fail_with_enametoolong) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    char name[256 + 1];
    memset(name, 'n', 256);
    name[256] = '\0';
    EXPECT_ERRNO(open(scratch.path(name), O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
    name[255] = '\0'; // 255 is NAME_MAX: allowed
    int fd = open(scratch.path(name), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    close(fd);
    // 4096 bytes with the NUL is PATH_MAX: one more character is too long, even made of "./".
    static char path[PATH_MAX + 2];
    memset(path, '/', PATH_MAX);
    path[PATH_MAX] = '\0';
    EXPECT_ERRNO(open(path, O_RDONLY), ENAMETOOLONG);
    path[PATH_MAX - 1] = '\0';
    fd = open(path, O_RDONLY | O_CLOEXEC); // 4095 slashes name "/"
    EXPECT_GE(fd, 0);
    close(fd);
}

TEST(a_private_file_mapping_keeps_its_writes_to_itself) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.path("a"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 4096), 0);
    ASSERT_EQ(pwrite(fd, "original", 8, 0), 8);
    auto* map = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    ASSERT_NE(map, MAP_FAILED);
    EXPECT_EQ(memcmp(map, "original", 8), 0);
    memcpy(map, "changed!", 8);
    EXPECT_STREQ(contents(fd), "original");
    EXPECT_EQ(memcmp(map, "changed!", 8), 0);
    EXPECT_EQ(munmap(map, 4096), 0);
    close(fd);
}

TEST(a_shared_file_mapping_and_the_file_see_each_others_writes) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.path("a"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 8192), 0);
    auto* map = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    ASSERT_NE(map, MAP_FAILED);
    EXPECT_TRUE(all_zero(map, 8192));
    memcpy(map + 4096, "via map", 8);
    char buffer[8] = {};
    EXPECT_EQ(pread(fd, buffer, 8, 4096), 8);
    EXPECT_STREQ(buffer, "via map");
    EXPECT_EQ(pwrite(fd, "via file", 8, 10), 8);
    EXPECT_EQ(memcmp(map + 10, "via file", 8), 0);
    EXPECT_EQ(msync(map, 8192, MS_SYNC), 0);
    EXPECT_EQ(msync(map, 4096, MS_ASYNC), 0);
    EXPECT_ERRNO(msync(map + 1, 4096, MS_SYNC), EINVAL); // not page aligned
    EXPECT_ERRNO(msync(map, 4096, MS_SYNC | MS_ASYNC), EINVAL);
    EXPECT_EQ(munmap(map, 8192), 0);
    // A read-only fd cannot back a writable shared mapping.
    int read_only = open(scratch.path("a"), O_RDONLY | O_CLOEXEC);
    EXPECT_EQ(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, read_only, 0), MAP_FAILED);
    EXPECT_EQ(errno, EACCES);
    close(read_only);
    close(fd);
}

// A shared mapping of a file opened read-only stays read-only: mprotect cannot add PROT_WRITE (once
// it could, and writes reached the file).
TEST(mprotect_cannot_make_a_read_only_shared_file_mapping_writable) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    const char* path = scratch.file("mapped", "unchanged");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    void* mapping = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
    ASSERT_TRUE(mapping != MAP_FAILED);
    EXPECT_ERRNO(mprotect(mapping, 4096, PROT_READ | PROT_WRITE), EACCES);
    // A private mapping may: its writes are its own copies.
    void* private_mapping = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    ASSERT_TRUE(private_mapping != MAP_FAILED);
    EXPECT_EQ(mprotect(private_mapping, 4096, PROT_READ | PROT_WRITE), 0);
    static_cast<char*>(private_mapping)[0] = 'X';
    EXPECT_STREQ(contents(path), "unchanged");
    munmap(mapping, 4096);
    munmap(private_mapping, 4096);
    close(fd);
}

// Holes read through mappings are zeros, and writing one page of a mapping never shows up in
// another hole, another file or another mapping (the kernel maps one zero page for holes that are
// only read; writing it would write every hole at once).
TEST(writing_a_mapped_hole_changes_only_that_page) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int first = open(scratch.path("first"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int second = open(scratch.path("second"), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    ASSERT_EQ(ftruncate(first, 8192), 0);
    ASSERT_EQ(ftruncate(second, 8192), 0);
    auto* shared = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, first, 0));
    auto* private_map =
        static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, second, 0));
    ASSERT_NE(shared, MAP_FAILED);
    ASSERT_NE(private_map, MAP_FAILED);
    EXPECT_TRUE(all_zero(shared, 8192));
    EXPECT_TRUE(all_zero(private_map, 8192));
    shared[0] = 'S';
    private_map[4096] = 'P';
    EXPECT_EQ(shared[4096], 0);
    EXPECT_EQ(private_map[0], 0);
    char byte = 1;
    EXPECT_EQ(pread(second, &byte, 1, 0), 1);
    EXPECT_EQ(byte, 0);
    EXPECT_EQ(pread(second, &byte, 1, 4096), 1);
    EXPECT_EQ(byte, 0); // the private write stayed private
    EXPECT_EQ(pread(first, &byte, 1, 0), 1);
    EXPECT_EQ(byte, 'S');
    // A fresh mapping of yet another hole still reads zeros.
    auto* again = static_cast<char*>(mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, second, 0));
    ASSERT_NE(again, MAP_FAILED);
    EXPECT_EQ(again[0], 0);
    munmap(shared, 8192);
    munmap(private_map, 8192);
    munmap(again, 4096);
    close(first);
    close(second);
}
