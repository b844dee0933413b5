// Virtual terminals through their devices, as Linux's console offers them: /dev/tty1-4 and /dev/tty0,
// the VT_* and KD* ioctls, /dev/vcsN's text. blog_os only: on a Linux host these would switch the
// machine's real screen (and a container has no virtual terminals), so there every test returns.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

namespace {

// linux/vt.h and linux/kd.h.
constexpr unsigned long vt_getstate = 0x5603, vt_activate = 0x5606, vt_waitactive = 0x5607;
constexpr unsigned long kd_get_keyboard_type = 0x4b33, kd_get_mode = 0x4b3b;
struct VtStat {
    unsigned short active, signal, state;
};

bool on_blog_os() {
    return sys::detect_system() == sys::System::BlogOs;
}

// The whole device from where its offset is (a screen is at most a few tens of KiB).
std::string_view read_all(int fd) {
    static char text[256 * 1024];
    size_t length = 0;
    ssize_t got;
    while (length < sizeof text && (got = read(fd, text + length, sizeof text - length)) > 0)
        length += static_cast<size_t>(got);
    return {text, length};
}

TEST(vt_nodes_have_linux_numbers) {
    if (!on_blog_os())
        return;
    const struct {
        const char* path;
        unsigned major_number, minor_number;
    } nodes[] = {{"/dev/tty0", 4, 0},
                 {"/dev/tty1", 4, 1},
                 {"/dev/tty4", 4, 4},
                 {"/dev/vcs", 7, 0},
                 {"/dev/vcs2", 7, 2}};
    for (const auto& node : nodes) {
        struct stat status {};
        ASSERT_EQ(stat(node.path, &status), 0);
        EXPECT_TRUE(S_ISCHR(status.st_mode));
        EXPECT_EQ(major(status.st_rdev), node.major_number);
        EXPECT_EQ(minor(status.st_rdev), node.minor_number);
    }
}

TEST(vt_activate_switches_and_getstate_reports_it) {
    if (!on_blog_os())
        return;
    int fd = open("/dev/tty0", O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    VtStat before{};
    ASSERT_EQ(ioctl(fd, vt_getstate, &before), 0);
    EXPECT_EQ(before.state & 0x1f, 0x1f); // tty0 and tty1-tty4
    ASSERT_EQ(ioctl(fd, vt_activate, 3), 0);
    ASSERT_EQ(ioctl(fd, vt_waitactive, 3), 0);
    VtStat after{};
    ASSERT_EQ(ioctl(fd, vt_getstate, &after), 0);
    EXPECT_EQ(after.active, 3);
    // No such terminal: ENXIO, and the active one stays.
    EXPECT_ERRNO(ioctl(fd, vt_activate, 0), ENXIO);
    EXPECT_ERRNO(ioctl(fd, vt_activate, 9), ENXIO);
    ASSERT_EQ(ioctl(fd, vt_getstate, &after), 0);
    EXPECT_EQ(after.active, 3);
    // /dev/tty0 opened now is tty3.
    int active = open("/dev/tty0", O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(active, 0);
    EXPECT_EQ(write(active, "on tty3\r\n", 9), 9);
    close(active);
    int screen = open("/dev/vcs3", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(screen, 0);
    EXPECT_NE(read_all(screen).find("on tty3"), std::string_view::npos);
    close(screen);
    ASSERT_EQ(ioctl(fd, vt_activate, before.active), 0);
    ASSERT_EQ(ioctl(fd, vt_waitactive, before.active), 0);
    close(fd);
}

TEST(vcs_holds_the_screen_rows_times_columns_without_line_ends) {
    if (!on_blog_os())
        return;
    int terminal = open("/dev/tty4", O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(terminal, 0);
    winsize size{};
    ASSERT_EQ(ioctl(terminal, TIOCGWINSZ, &size), 0);
    EXPECT_GT(size.ws_row, 0);
    EXPECT_GT(size.ws_col, 0);
    const char text[] = "\x1b[H\x1b[2Jfirst\nsecond";
    EXPECT_EQ(write(terminal, text, sizeof text - 1), static_cast<ssize_t>(sizeof text - 1));
    int screen = open("/dev/vcs4", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(screen, 0);
    std::string_view cells = read_all(screen);
    ASSERT_EQ(cells.size(), size_t(size.ws_row) * size.ws_col);
    EXPECT_EQ(cells.find('\n'), std::string_view::npos);
    EXPECT_TRUE(cells.substr(0, 6) == "first ");
    // ONLCR made the newline CR LF: "second" starts the next row.
    EXPECT_TRUE(cells.substr(size.ws_col, 6) == "second");
    // Seekable: SEEK_END is the size, pread reads a row.
    EXPECT_EQ(lseek(screen, 0, SEEK_END), static_cast<off_t>(cells.size()));
    char row[6];
    EXPECT_EQ(pread(screen, row, sizeof row, size.ws_col), 6);
    EXPECT_TRUE(std::string_view(row, 6) == "second");
    EXPECT_EQ(pread(screen, row, sizeof row, static_cast<off_t>(cells.size())), 0);
    EXPECT_ERRNO(lseek(screen, -1, SEEK_SET), EINVAL);
    close(screen);
    close(terminal);
}

// The terminal answers a cursor position report (ESC[6n) on its input, as a typed reply.
TEST(a_cursor_position_query_is_answered_on_the_terminals_input) {
    if (!on_blog_os())
        return;
    int terminal = open("/dev/tty3", O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(terminal, 0);
    termios saved{};
    ASSERT_EQ(tcgetattr(terminal, &saved), 0);
    termios raw = saved;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 20; // 2 s: the answer is there at once, a missing one fails the test
    ASSERT_EQ(tcsetattr(terminal, TCSAFLUSH, &raw), 0);
    const char query[] = "\x1b[H\x1b[2J\x1b[5;7H\x1b[6n";
    EXPECT_EQ(write(terminal, query, sizeof query - 1), static_cast<ssize_t>(sizeof query - 1));
    char answer[16] = {};
    size_t length = 0;
    ssize_t got;
    while (length < sizeof answer - 1 && (got = read(terminal, answer + length, 1)) == 1)
        if (answer[length++] == 'R')
            break;
    EXPECT_TRUE(std::string_view(answer, length) == "\x1b[5;7R");
    tcsetattr(terminal, TCSANOW, &saved);
    close(terminal);
}

TEST(a_console_reports_a_101_key_keyboard_in_text_mode) {
    if (!on_blog_os())
        return;
    int fd = open("/dev/tty1", O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char type = 0;
    ASSERT_EQ(ioctl(fd, kd_get_keyboard_type, &type), 0);
    EXPECT_EQ(type, 2); // KB_101
    int mode = -1;
    ASSERT_EQ(ioctl(fd, kd_get_mode, &mode), 0);
    EXPECT_EQ(mode, 0); // KD_TEXT
    close(fd);
    // A serial line is no console.
    int serial = open("/dev/ttyS0", O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(serial, 0);
    EXPECT_ERRNO(ioctl(serial, kd_get_keyboard_type, &type), ENOTTY);
    close(serial);
}

} // namespace
