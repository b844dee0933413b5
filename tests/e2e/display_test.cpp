// The Bochs display driver as a user meets it: a screen under the --direct boot that has no
// framebuffer from the loader, `video=` choosing the resolution (the banner and log drawn at that
// size, compared with the host rendering), the loader's UEFI framebuffer taken over, the same on
// `-device bochs-display`, and /tests/fb_test (FBIOGET/FBIOPUT, the terminals following a mode change,
// EINVAL for bad modes, mmap) passing on each.
#include "e2e_support.h"

#include "console/banner.h"
#include "console/framebuffer_surface.h"
#include "console/psf.h"
#include "console/text_console.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using testing::HasSubstr;

// Boots with a screenshot taken once the boot log is on the screen; checks its size, the banner row
// against the host rendering at that size, and log text below it.
void expect_screen(const std::string& name, std::vector<std::string> arguments, uint32_t width,
                   uint32_t height, const std::vector<std::string>& log_lines) {
    std::string screenshot = e2e::test_log_path(name + ".ppm");
    std::remove(screenshot.c_str());
    arguments.push_back("--screenshot=" + screenshot);
    arguments.push_back("--expect=blog_os: boot complete");
    arguments.push_back("--timeout=150");
    auto run = e2e::run_kernel(name, arguments);
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << "\n" << run.serial;
    for (const std::string& line : log_lines)
        EXPECT_THAT(run.serial, HasSubstr(line));
    e2e::Image image;
    ASSERT_TRUE(e2e::read_ppm(e2e::read_file(screenshot), image))
        << "no readable screenshot at " << screenshot;
    ASSERT_EQ(image.width, width);
    ASSERT_EQ(image.height, height);

    std::string font_bytes = e2e::read_file(BLOG_OS_CONSOLE_FONT_PATH);
    static console::PsfFont font;
    ASSERT_FALSE(
        font.load(ktl::ByteReader(reinterpret_cast<const uint8_t*>(font_bytes.data()), font_bytes.size()))
            .is_error());
    std::vector<uint8_t> expected(size_t(width) * height * 4);
    console::FramebufferSurface surface(expected.data(), width, height, width * 4,
                                        console::pixel_format_xrgb8888, font);
    auto created = console::TextConsole::create(surface, surface.columns(), surface.rows(), 0);
    ASSERT_FALSE(created.is_error());
    console::TextConsole& text = *created.value();
    text.set_pinned_rows(1);
    console::draw_banner(text);
    uint32_t mismatches = 0;
    for (uint32_t y = 0; y < font.height(); ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            const uint8_t* shown = image.pixel(x, y);
            const uint8_t* want = &expected[(size_t(y) * width + x) * 4];
            if (shown[0] != want[2] || shown[1] != want[1] || shown[2] != want[0])
                ++mismatches;
        }
    }
    EXPECT_EQ(mismatches, 0u) << "the banner row differs from the host rendering at " << width << "x"
                              << height;
    uint32_t lit = 0;
    for (uint32_t y = font.height(); y < 8 * font.height(); ++y)
        for (uint32_t x = 0; x < width; ++x)
            if (image.pixel(x, y)[0] > 0x80 || image.pixel(x, y)[1] > 0x80)
                ++lit;
    EXPECT_GT(lit, 500u) << "no log text below the banner";
}

TEST(Display, DirectBootWithoutAFramebufferGetsOneFromTheDriver) {
    expect_screen("display-direct", {"--direct", "--firmware=bios"}, 1024, 768,
                  {"no framebuffer from the loader", "0000:00:02.0: DISPI 0xb0c5",
                   "1024x768, 32 bpp, pitch 4096", "tty1-tty4: 128x48 text on 1024x768 pixels"});
}

TEST(Display, VideoOptionSetsTheModeOverTheUefiFramebuffer) {
    expect_screen("display-uefi-video", {"--firmware=uefi", "--cmdline=video=1280x800"}, 1280, 800,
                  {"took over the loader's", "1280x800, 32 bpp, pitch 5120",
                   "tty1-tty4: 160x50 text on 1280x800 pixels"});
}

TEST(Display, BochsDisplayDeviceWithoutLegacyVga) {
    expect_screen("display-bochs-display",
                  {"--direct", "--firmware=bios", "--qemu-arg=-vga", "--qemu-arg=none", "--qemu-arg=-device",
                   "--qemu-arg=bochs-display", "--cmdline=video=Virtual-1:800x600-32@60"},
                  800, 600, {"registers in BAR 2", "800x600, 32 bpp, pitch 3200"});
}

// Asks QEMU's human monitor on `socket_path` for a screendump into `file`; true once the file is there.
bool screendump_through_monitor(const std::string& socket_path, const std::string& file) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
    bool connected = false;
    for (int attempt = 0; attempt < 50 && !connected; ++attempt) {
        connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        if (!connected)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::string command = "screendump " + file + "\n";
    bool sent = connected && ::write(fd, command.data(), command.size()) == ssize_t(command.size());
    for (int wait = 0; sent && wait < 100 && e2e::read_file(file).size() < 16; ++wait)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // QEMU writes the file in one go; be sure
    ::close(fd);
    return sent && e2e::read_file(file).size() >= 16;
}

// A mode set at run time through FBIOPUT_VSCREENINFO: the picture QEMU shows afterwards is the new
// size, and text written to tty1's last row (by its new size) is drawn there as the host renders it.
TEST(Display, TextAfterARuntimeModeChangeIsDrawnAtTheNewSize) {
    constexpr uint32_t width = 800, height = 600;
    std::string picture = e2e::test_log_path("display-runtime-mode.ppm");
    std::string socket_path = "/tmp/blog_os-display-monitor-" + std::to_string(::getpid()) + ".sock";
    std::remove(picture.c_str());
    std::remove(socket_path.c_str());
    std::string serial_log = e2e::test_log_path("e2e-display-runtime-mode.log");
    bool taken = false;
    std::thread photographer([&] {
        for (int wait = 0; wait < 1800; ++wait) { // 180 s
            if (e2e::read_file(serial_log).find("fb-picture: ready") != std::string::npos) {
                taken = screendump_through_monitor(socket_path, picture);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    auto run = e2e::run_kernel("display-runtime-mode",
                               {"--direct", "--firmware=bios", "--timeout=200", "--qemu-arg=-monitor",
                                "--qemu-arg=unix:" + socket_path + ",server=on,wait=off",
                                "--cmdline=init=/tests/fb_test -- --child picture " + std::to_string(width) +
                                    " " + std::to_string(height)});
    photographer.join();
    std::remove(socket_path.c_str());
    ASSERT_THAT(run.serial, HasSubstr("fb-picture: ready, 100x37")) << run.runner_errors << run.serial;
    ASSERT_TRUE(taken) << "no screendump from the monitor";
    e2e::Image image;
    ASSERT_TRUE(e2e::read_ppm(e2e::read_file(picture), image));
    ASSERT_EQ(image.width, width);
    ASSERT_EQ(image.height, height);

    std::string font_bytes = e2e::read_file(BLOG_OS_CONSOLE_FONT_PATH);
    static console::PsfFont font;
    ASSERT_FALSE(
        font.load(ktl::ByteReader(reinterpret_cast<const uint8_t*>(font_bytes.data()), font_bytes.size()))
            .is_error());
    std::vector<uint8_t> expected(size_t(width) * height * 4);
    console::FramebufferSurface surface(expected.data(), width, height, width * 4,
                                        console::pixel_format_xrgb8888, font);
    auto created = console::TextConsole::create(surface, surface.columns(), surface.rows(), 0);
    ASSERT_FALSE(created.is_error());
    std::string text = "bottom row of 100x37";
    std::string sequence = "\x1b[2J\x1b[37;1H" + text;
    created.value()->write(ktl::StringView(sequence.data(), sequence.size()));
    uint32_t mismatches = 0, lit = 0;
    uint32_t top = 36 * font.height();
    for (uint32_t y = top; y < top + font.height(); ++y) {
        for (uint32_t x = 0; x < text.size() * font.width(); ++x) {
            const uint8_t* shown = image.pixel(x, y);
            const uint8_t* want = &expected[(size_t(y) * width + x) * 4];
            if (shown[0] != want[2] || shown[1] != want[1] || shown[2] != want[0])
                ++mismatches;
            lit += shown[0] > 0x80;
        }
    }
    EXPECT_GT(lit, 100u) << "no text on the last row";
    EXPECT_EQ(mismatches, 0u) << "the last row differs from the host rendering in " << mismatches
                              << " pixels";
}

class FbTest : public testing::TestWithParam<const char*> {};

// fb_test as init: every test must pass; its restore at the end of each test puts the mode back.
TEST_P(FbTest, FramebufferDeviceTestsPass) {
    std::string setup = GetParam();
    std::vector<std::string> arguments = {"--timeout=200", "--cmdline=init=/tests/fb_test"};
    if (setup == "direct") {
        arguments.push_back("--direct");
        arguments.push_back("--firmware=bios");
    } else if (setup == "bochs-display") {
        for (const char* argument : {"--direct", "--firmware=bios", "--qemu-arg=-vga", "--qemu-arg=none",
                                     "--qemu-arg=-device", "--qemu-arg=bochs-display"})
            arguments.push_back(argument);
    } else {
        arguments.push_back("--firmware=" + setup);
    }
    auto run = e2e::run_kernel("display-fb-test-" + setup, arguments);
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors << "\n" << run.serial;
    for (const char* test : {"fb0_is_char_29_0_and_describes_a_32_bpp_mode",
                             "fb0_appears_in_sysfs_under_the_device_its_driver_drives",
                             "fbioput_sets_the_mode_and_the_terminals_follow",
                             "a_resize_sends_sigwinch_to_the_terminals_foreground_group",
                             "a_mode_the_display_cannot_show_is_einval_and_changes_nothing",
                             "mmap_of_fb0_reaches_the_video_memory"})
        EXPECT_THAT(run.serial, HasSubstr(std::string("test ") + test + " ... ok")) << test;
    EXPECT_THAT(run.serial, HasSubstr("6 passed, 0 failed"));
}

INSTANTIATE_TEST_SUITE_P(Setups, FbTest, testing::Values("bios", "uefi", "direct", "bochs-display"),
                         [](const testing::TestParamInfo<const char*>& info) {
                             std::string name = info.param;
                             return name == "bochs-display" ? std::string("bochs_display") : name;
                         });

} // namespace
