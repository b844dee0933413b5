// The framebuffer device as Linux's fbdev offers it: /dev/fb0 (29:0), FBIOGET_VSCREENINFO and
// FBIOGET_FSCREENINFO, FBIOPUT_VSCREENINFO to change the resolution (the console's terminals follow
// it: their window size changes and the foreground group gets SIGWINCH), EINVAL for a mode the
// display cannot show, and mmap of the video memory. Where there is no /dev/fb0 (a Linux host or
// container without one) every test returns; the numbers and structures are Linux's.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace {

// From <linux/fb.h>, which musl does not ship.
constexpr unsigned long FBIOGET_VSCREENINFO = 0x4600, FBIOPUT_VSCREENINFO = 0x4601,
                        FBIOGET_FSCREENINFO = 0x4602;
constexpr uint32_t FB_TYPE_PACKED_PIXELS = 0, FB_VISUAL_TRUECOLOR = 2, FB_ACTIVATE_TEST = 2;
struct fb_bitfield {
    uint32_t offset, length, msb_right;
};
struct fb_var_screeninfo {
    uint32_t xres, yres, xres_virtual, yres_virtual, xoffset, yoffset, bits_per_pixel, grayscale;
    fb_bitfield red, green, blue, transp;
    uint32_t nonstd, activate, height, width, accel_flags, pixclock, left_margin, right_margin, upper_margin,
        lower_margin, hsync_len, vsync_len, sync, vmode, rotate, colorspace, reserved[4];
};
struct fb_fix_screeninfo {
    char id[16];
    unsigned long smem_start;
    uint32_t smem_len, type, type_aux, visual;
    uint16_t xpanstep, ypanstep, ywrapstep;
    uint32_t line_length;
    unsigned long mmio_start;
    uint32_t mmio_len, accel;
    uint16_t capabilities, reserved[2];
};
static_assert(sizeof(fb_var_screeninfo) == 160 && sizeof(fb_fix_screeninfo) == 80);

// /dev/fb0 open read-write, or -1 when the machine has none (the tests then pass vacuously).
int open_framebuffer() {
    return open("/dev/fb0", O_RDWR | O_CLOEXEC);
}

bool get_mode(int fd, fb_var_screeninfo& mode) {
    memset(&mode, 0, sizeof mode);
    return ioctl(fd, FBIOGET_VSCREENINFO, &mode) == 0;
}

// Asks for width x height at 32 bpp, the rest as the current mode has it.
int put_mode(int fd, uint32_t width, uint32_t height, uint32_t bits_per_pixel = 32, uint32_t activate = 0) {
    fb_var_screeninfo mode;
    if (!get_mode(fd, mode))
        return -1;
    mode.xres = mode.xres_virtual = width;
    mode.yres = mode.yres_virtual = height;
    mode.bits_per_pixel = bits_per_pixel;
    mode.activate = activate;
    return ioctl(fd, FBIOPUT_VSCREENINFO, &mode);
}

// The console's character cell, from the size tty1 reports for the current mode.
bool terminal_size(unsigned short& rows, unsigned short& columns) {
    int tty = open("/dev/tty1", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (tty < 0)
        return false;
    winsize size{};
    bool ok = ioctl(tty, TIOCGWINSZ, &size) == 0;
    close(tty);
    rows = size.ws_row;
    columns = size.ws_col;
    return ok;
}

// The restore at the end of each test that changes the mode.
struct ModeKeeper {
    int fd;
    fb_var_screeninfo saved{};
    bool have = false;
    explicit ModeKeeper(int framebuffer) : fd(framebuffer) { have = get_mode(fd, saved); }
    ~ModeKeeper() {
        if (have)
            (void)put_mode(fd, saved.xres, saved.yres, saved.bits_per_pixel);
        close(fd);
    }
};

TEST(fb0_is_char_29_0_and_describes_a_32_bpp_mode) {
    int fd = open_framebuffer();
    if (fd < 0)
        return;
    struct stat status {};
    ASSERT_EQ(fstat(fd, &status), 0);
    EXPECT_TRUE(S_ISCHR(status.st_mode));
    EXPECT_EQ(major(status.st_rdev), 29u);
    EXPECT_EQ(minor(status.st_rdev), 0u);
    fb_var_screeninfo mode;
    ASSERT_TRUE(get_mode(fd, mode));
    EXPECT_GT(mode.xres, 0u);
    EXPECT_GT(mode.yres, 0u);
    EXPECT_EQ(mode.bits_per_pixel, 32u);
    EXPECT_EQ(mode.red.offset, 16u);
    EXPECT_EQ(mode.green.offset, 8u);
    EXPECT_EQ(mode.blue.offset, 0u);
    fb_fix_screeninfo fixed{};
    ASSERT_EQ(ioctl(fd, FBIOGET_FSCREENINFO, &fixed), 0);
    EXPECT_EQ(fixed.type, static_cast<uint32_t>(FB_TYPE_PACKED_PIXELS));
    EXPECT_EQ(fixed.visual, static_cast<uint32_t>(FB_VISUAL_TRUECOLOR));
    EXPECT_GE(fixed.line_length, mode.xres * 4);
    EXPECT_GE(uint64_t(fixed.smem_len), uint64_t(fixed.line_length) * mode.yres);
    EXPECT_ERRNO(ioctl(fd, 0x46ff, 0), ENOTTY);
    close(fd);
}

// The last part of the path a sysfs link points to, in `name` ("" if it is no link).
const char* link_name(const char* path, char (&name)[256]) {
    char target[512];
    name[0] = '\0';
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length <= 0)
        return name;
    target[length] = '\0';
    const char* last = strrchr(target, '/');
    snprintf(name, sizeof name, "%s", last ? last + 1 : target);
    return name;
}

TEST(fb0_appears_in_sysfs_under_the_device_its_driver_drives) {
    int fd = open_framebuffer();
    if (fd < 0)
        return;
    close(fd);
    int dev = open("/sys/class/graphics/fb0/dev", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(dev, 0);
    char numbers[16] = {};
    EXPECT_EQ(read(dev, numbers, sizeof numbers - 1), 5);
    EXPECT_STREQ(numbers, "29:0\n");
    close(dev);
    char driver[256];
    link_name("/sys/class/graphics/fb0/device/driver", driver);
    EXPECT_NE(driver[0], '\0');
    // Linux drives QEMU's std VGA with bochs-drm; blog_os with bochs-display, whose directory lists
    // the device fb0 belongs to.
    if (sys::detect_system() != sys::System::BlogOs)
        return;
    EXPECT_STREQ(driver, "bochs-display");
    struct stat device {};
    ASSERT_EQ(stat("/sys/class/graphics/fb0/device", &device), 0);
    DIR* bound = opendir("/sys/bus/pci/drivers/bochs-display");
    ASSERT_TRUE(bound != nullptr);
    bool found = false;
    while (dirent* entry = readdir(bound)) {
        char path[400];
        snprintf(path, sizeof path, "/sys/bus/pci/drivers/bochs-display/%s", entry->d_name);
        struct stat status {};
        found |= entry->d_name[0] != '.' && stat(path, &status) == 0 && status.st_ino == device.st_ino &&
                 status.st_dev == device.st_dev;
    }
    closedir(bound);
    EXPECT_TRUE(found);
}

TEST(fbioput_sets_the_mode_and_the_terminals_follow) {
    int fd = open_framebuffer();
    if (fd < 0)
        return;
    ModeKeeper keeper(fd);
    unsigned short rows = 0, columns = 0;
    ASSERT_TRUE(terminal_size(rows, columns));
    ASSERT_GT(columns, 0);
    // The font's cell, from the current mode: the new size must follow from it.
    uint32_t cell_width = keeper.saved.xres / columns, cell_height = keeper.saved.yres / rows;
    ASSERT_GT(cell_width, 0u);
    uint32_t width = keeper.saved.xres == 800 ? 640 : 800, height = keeper.saved.yres == 600 ? 480 : 600;

    fb_var_screeninfo mode;
    ASSERT_TRUE(get_mode(fd, mode));
    mode.xres = mode.xres_virtual = width;
    mode.yres = mode.yres_virtual = height;
    ASSERT_EQ(ioctl(fd, FBIOPUT_VSCREENINFO, &mode), 0);
    EXPECT_EQ(mode.xres, width); // the result is written back
    fb_var_screeninfo now;
    ASSERT_TRUE(get_mode(fd, now));
    EXPECT_EQ(now.xres, width);
    EXPECT_EQ(now.yres, height);
    EXPECT_EQ(now.bits_per_pixel, 32u);
    fb_fix_screeninfo fixed{};
    ASSERT_EQ(ioctl(fd, FBIOGET_FSCREENINFO, &fixed), 0);
    EXPECT_EQ(fixed.line_length, width * 4);

    ASSERT_TRUE(terminal_size(rows, columns));
    EXPECT_EQ(columns, width / cell_width);
    EXPECT_EQ(rows, height / cell_height);
    // /dev/vcs1 holds the new screen: rows x columns characters.
    int vcs = open("/dev/vcs1", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(vcs, 0);
    EXPECT_EQ(lseek(vcs, 0, SEEK_END), static_cast<off_t>(rows) * columns);
    close(vcs);
}

TEST(a_resize_sends_sigwinch_to_the_terminals_foreground_group) {
    int fd = open_framebuffer();
    if (fd < 0)
        return;
    ModeKeeper keeper(fd);
    unsigned short rows = 0, columns = 0;
    ASSERT_TRUE(terminal_size(rows, columns));
    ASSERT_GT(columns, 0);
    uint32_t width = keeper.saved.xres == 640 ? 800 : 640, height = keeper.saved.xres == 640 ? 600 : 480;
    unsigned short expected_columns = static_cast<unsigned short>(width / (keeper.saved.xres / columns));
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    sigset_t old;
    sigprocmask(SIG_BLOCK, &winch, &old);
    pid_t child = fork();
    if (child == 0) {
        // A session of its own with tty1 as its controlling terminal: the foreground group.
        if (setsid() < 0)
            _exit(2);
        int tty = open("/dev/tty1", O_RDWR);
        if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) != 0)
            _exit(3);
        char byte = 1;
        if (write(ready[1], &byte, 1) != 1)
            _exit(4);
        timespec timeout{20, 0};
        siginfo_t info{};
        int got = sigtimedwait(&winch, &info, &timeout);
        winsize size{};
        ioctl(tty, TIOCGWINSZ, &size);
        _exit(got == SIGWINCH && size.ws_col == expected_columns ? 0 : 1);
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
    ASSERT_GT(child, 0);
    char byte = 0;
    ASSERT_EQ(read(ready[0], &byte, 1), 1);
    EXPECT_EQ(put_mode(fd, width, height), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    close(ready[0]);
    close(ready[1]);
}

TEST(a_mode_the_display_cannot_show_is_einval_and_changes_nothing) {
    int fd = open_framebuffer();
    if (fd < 0)
        return;
    ModeKeeper keeper(fd);
    unsigned short rows = 0, columns = 0;
    ASSERT_TRUE(terminal_size(rows, columns));
    fb_fix_screeninfo fixed{};
    ASSERT_EQ(ioctl(fd, FBIOGET_FSCREENINFO, &fixed), 0);
    EXPECT_ERRNO(put_mode(fd, 0, 0), EINVAL);
    EXPECT_ERRNO(put_mode(fd, 640, 480, 13), EINVAL);
    EXPECT_ERRNO(put_mode(fd, 4000000000u, 480), EINVAL);
    // More pixels than the video memory holds.
    EXPECT_ERRNO(put_mode(fd, 8192, fixed.smem_len / (8192 * 4) + 8), EINVAL);
    fb_var_screeninfo panned;
    ASSERT_TRUE(get_mode(fd, panned));
    panned.yoffset = 16;
    EXPECT_ERRNO(ioctl(fd, FBIOPUT_VSCREENINFO, &panned), EINVAL);
    // FB_ACTIVATE_TEST checks a good mode without setting it.
    EXPECT_EQ(put_mode(fd, 640, 480, 32, FB_ACTIVATE_TEST), 0);
    fb_var_screeninfo now;
    ASSERT_TRUE(get_mode(fd, now));
    EXPECT_EQ(now.xres, keeper.saved.xres);
    EXPECT_EQ(now.yres, keeper.saved.yres);
    unsigned short rows_after = 0, columns_after = 0;
    ASSERT_TRUE(terminal_size(rows_after, columns_after));
    EXPECT_EQ(rows_after, rows);
    EXPECT_EQ(columns_after, columns);
}

TEST(mmap_of_fb0_reaches_the_video_memory) {
    int fd = open_framebuffer();
    if (fd < 0)
        return;
    fb_fix_screeninfo fixed{};
    ASSERT_EQ(ioctl(fd, FBIOGET_FSCREENINFO, &fixed), 0);
    fb_var_screeninfo mode;
    ASSERT_TRUE(get_mode(fd, mode));
    size_t length = fixed.smem_len;
    void* mapped = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ASSERT_NE(mapped, MAP_FAILED);
    // The last line of the visible picture: a pattern written there reads back.
    auto* last_line = reinterpret_cast<volatile uint32_t*>(static_cast<char*>(mapped) +
                                                           size_t(fixed.line_length) * (mode.yres - 1));
    for (uint32_t x = 0; x < mode.xres; ++x)
        last_line[x] = 0x00ff00u ^ x;
    bool same = true;
    for (uint32_t x = 0; x < mode.xres; ++x)
        same &= last_line[x] == (0x00ff00u ^ x);
    EXPECT_TRUE(same);
    EXPECT_EQ(munmap(mapped, length), 0);
    close(fd);
}

} // namespace

// For the end-to-end picture: `fb_test --child picture WIDTH HEIGHT` sets the mode, writes a line at
// the bottom of tty1's new screen, says so on stdout and waits for the screenshot.
CHILD_SCENARIO(picture) {
    if (argc < 2)
        return 2;
    int fd = open_framebuffer();
    if (fd < 0 ||
        put_mode(fd, static_cast<uint32_t>(atoi(argv[0])), static_cast<uint32_t>(atoi(argv[1]))) != 0)
        return 3;
    unsigned short rows = 0, columns = 0;
    int tty = open("/dev/tty1", O_WRONLY | O_NOCTTY);
    if (tty < 0 || !terminal_size(rows, columns))
        return 4;
    dprintf(tty, "\x1b[2J\x1b[%u;1Hbottom row of %ux%u", rows, columns, rows);
    printf("fb-picture: ready, %ux%u\n", columns, rows);
    fflush(stdout);
    sleep(30);
    return 0;
}
