// read, write, writev and ioctl: results and errors as Linux gives them.
#include "test/test.h"

#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

namespace {

// Lowest canonical address of the kernel half: never accessible from user space.
void* const kKernelAddress = reinterpret_cast<void*>(0xffff800000000000);
void* const kUnmappedAddress = reinterpret_cast<void*>(1);
constexpr int kBadFd = 999;

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) == 0) {
            read_end = fds[0];
            write_end = fds[1];
        }
    }
    ~Pipe() {
        close(read_end);
        close(write_end);
    }
    [[nodiscard]] bool ok() const { return read_end >= 0; }
};

} // namespace

TEST(write_to_stdout_returns_the_byte_count) {
    const char message[] = "io_test: a line written with write(2)\n";
    EXPECT_EQ(write(STDOUT_FILENO, message, strlen(message)), static_cast<ssize_t>(strlen(message)));
}

TEST(write_of_zero_bytes_returns_zero) {
    EXPECT_EQ(write(STDOUT_FILENO, "", 0), 0);
}

TEST(write_to_a_bad_fd_fails_with_ebadf) {
    EXPECT_ERRNO(write(kBadFd, "x", 1), EBADF);
    EXPECT_ERRNO(write(-1, "x", 1), EBADF);
}

TEST(write_from_a_bad_pointer_fails_with_efault) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    EXPECT_ERRNO(write(pipe.write_end, kUnmappedAddress, 10), EFAULT);
    EXPECT_ERRNO(write(pipe.write_end, kKernelAddress, 10), EFAULT);
}

TEST(read_returns_what_was_written_to_a_pipe) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    ASSERT_EQ(write(pipe.write_end, "hello", 5), 5);
    char buffer[16] = {};
    EXPECT_EQ(read(pipe.read_end, buffer, sizeof(buffer)), 5);
    EXPECT_STREQ(buffer, "hello");
}

TEST(read_of_zero_bytes_returns_zero) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    char buffer[1];
    EXPECT_EQ(read(pipe.read_end, buffer, 0), 0);
}

TEST(read_into_a_bad_pointer_fails_with_efault) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    ASSERT_EQ(write(pipe.write_end, "data", 4), 4);
    EXPECT_ERRNO(read(pipe.read_end, kUnmappedAddress, 4), EFAULT);
    EXPECT_ERRNO(read(pipe.read_end, kKernelAddress, 4), EFAULT);
}

TEST(read_from_a_bad_fd_fails_with_ebadf) {
    char buffer[4];
    EXPECT_ERRNO(read(kBadFd, buffer, sizeof(buffer)), EBADF);
}

TEST(pipe_ends_only_work_in_their_direction) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    char buffer[4];
    EXPECT_ERRNO(read(pipe.write_end, buffer, sizeof(buffer)), EBADF);
    EXPECT_ERRNO(write(pipe.read_end, "x", 1), EBADF);
}

TEST(read_after_close_fails_with_ebadf) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    ASSERT_EQ(close(fds[0]), 0);
    ASSERT_EQ(close(fds[1]), 0);
    char buffer[4];
    EXPECT_ERRNO(read(fds[0], buffer, sizeof(buffer)), EBADF);
    EXPECT_ERRNO(close(fds[0]), EBADF);
}

TEST(writev_gathers_every_buffer_in_order) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    char first[] = "one ";
    char second[] = "two ";
    char third[] = "three";
    iovec parts[] = {{first, 4}, {second, 4}, {nullptr, 0}, {third, 5}};
    EXPECT_EQ(writev(pipe.write_end, parts, 4), 13);
    char buffer[32] = {};
    EXPECT_EQ(read(pipe.read_end, buffer, sizeof(buffer)), 13);
    EXPECT_STREQ(buffer, "one two three");
}

TEST(writev_to_stdout_returns_the_byte_count) {
    char text[] = "io_test: a line written with writev(2)\n";
    iovec parts[] = {{text, 9}, {text + 9, strlen(text) - 9}};
    EXPECT_EQ(writev(STDOUT_FILENO, parts, 2), static_cast<ssize_t>(strlen(text)));
}

TEST(writev_of_zero_buffers_returns_zero) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    iovec part{};
    EXPECT_EQ(writev(pipe.write_end, &part, 0), 0);
}

TEST(writev_with_a_negative_or_huge_count_fails_with_einval) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    static iovec parts[IOV_MAX + 1] = {};
    EXPECT_ERRNO(writev(pipe.write_end, parts, -1), EINVAL);
    EXPECT_ERRNO(writev(pipe.write_end, parts, IOV_MAX + 1), EINVAL);
}

TEST(writev_with_a_bad_iovec_pointer_fails_with_efault) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    EXPECT_ERRNO(writev(pipe.write_end, static_cast<iovec*>(kUnmappedAddress), 1), EFAULT);
    char* bad_base = static_cast<char*>(kKernelAddress);
    iovec part{bad_base, 4};
    EXPECT_ERRNO(writev(pipe.write_end, &part, 1), EFAULT);
}

TEST(writev_to_a_bad_fd_fails_with_ebadf) {
    char text[] = "x";
    iovec part{text, 1};
    EXPECT_ERRNO(writev(kBadFd, &part, 1), EBADF);
}

// stdout is a pipe under CTest and the console on blog_os: isatty() says which answer is right.
TEST(terminal_ioctls_succeed_on_terminals_and_fail_with_enotty_elsewhere) {
    for (int fd : {STDIN_FILENO, STDOUT_FILENO}) {
        errno = 0;
        bool terminal = isatty(fd) == 1;
        termios settings{};
        winsize size{};
        if (terminal) {
            EXPECT_EQ(ioctl(fd, TCGETS, &settings), 0);
            EXPECT_EQ(ioctl(fd, TIOCGWINSZ, &size), 0);
        } else if (errno != EBADF) {
            EXPECT_ERRNO(ioctl(fd, TCGETS, &settings), ENOTTY);
            EXPECT_ERRNO(ioctl(fd, TIOCGWINSZ, &size), ENOTTY);
        }
    }
}

TEST(terminal_ioctls_on_a_pipe_fail_with_enotty) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    termios settings{};
    winsize size{};
    EXPECT_ERRNO(ioctl(pipe.read_end, TCGETS, &settings), ENOTTY);
    EXPECT_ERRNO(ioctl(pipe.write_end, TIOCGWINSZ, &size), ENOTTY);
    EXPECT_FALSE(isatty(pipe.read_end));
}

TEST(ioctl_on_a_bad_fd_fails_with_ebadf) {
    winsize size{};
    EXPECT_ERRNO(ioctl(kBadFd, TIOCGWINSZ, &size), EBADF);
    termios settings{};
    EXPECT_ERRNO(ioctl(kBadFd, TCGETS, &settings), EBADF);
}

// F_GETPIPE_SZ and F_SETPIPE_SZ: 64 KiB to start with, sizes round up to a power of two pages, the
// new capacity holds what it says, and a pipe cannot shrink below what it holds.
TEST(pipe_capacity_can_be_read_and_changed_with_fcntl) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    EXPECT_EQ(fcntl(pipe.write_end, F_GETPIPE_SZ), 65536);
    EXPECT_EQ(fcntl(pipe.read_end, F_SETPIPE_SZ, 100000), 131072);
    EXPECT_EQ(fcntl(pipe.write_end, F_GETPIPE_SZ), 131072);
    ASSERT_EQ(fcntl(pipe.write_end, F_SETFL, O_NONBLOCK), 0);
    static char bytes[131072];
    memset(bytes, 'p', sizeof bytes);
    EXPECT_EQ(write(pipe.write_end, bytes, sizeof bytes), static_cast<ssize_t>(sizeof bytes));
    EXPECT_ERRNO(write(pipe.write_end, "x", 1), EAGAIN); // full at exactly the new capacity
    EXPECT_ERRNO(fcntl(pipe.write_end, F_SETPIPE_SZ, 4096), EBUSY);
    static char back[131072];
    EXPECT_EQ(read(pipe.read_end, back, sizeof back), static_cast<ssize_t>(sizeof back));
    EXPECT_EQ(memcmp(bytes, back, sizeof back), 0);
    EXPECT_EQ(fcntl(pipe.write_end, F_SETPIPE_SZ, 1), 4096); // at least a page
    EXPECT_ERRNO(fcntl(kBadFd, F_GETPIPE_SZ), EBADF);
}
