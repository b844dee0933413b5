// What the screen shows: the banner, compared pixel by pixel with the same console code rendering it
// on the host, and log text below it.
#include "e2e_support.h"

#include "console/banner.h"
#include "console/framebuffer_surface.h"
#include "console/psf.h"
#include "console/text_console.h"

#include <gtest/gtest.h>

namespace {

class ScreenTest : public testing::TestWithParam<const char*> {};

TEST_P(ScreenTest, BannerMatchesHostRenderingAndLogTextFollows) {
    std::string firmware = GetParam();
    std::string screenshot = e2e::test_log_path("screen-" + firmware + ".ppm");
    std::remove(screenshot.c_str());
    auto run = e2e::run_kernel("screen-" + firmware, {"--firmware=" + firmware, "--screenshot=" + screenshot,
                                                      "--expect=blog_os: boot complete", "--timeout=120"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors;
    e2e::Image image;
    ASSERT_TRUE(e2e::read_ppm(e2e::read_file(screenshot), image))
        << "no readable screenshot at " << screenshot;
    ASSERT_EQ(image.width, 1024u);
    ASSERT_EQ(image.height, 768u);

    // Render the banner on the host with the kernel's font and console code.
    std::string font_bytes = e2e::read_file(BLOG_OS_CONSOLE_FONT_PATH);
    static console::PsfFont font;
    ASSERT_FALSE(
        font.load(ktl::ByteReader(reinterpret_cast<const uint8_t*>(font_bytes.data()), font_bytes.size()))
            .is_error());
    std::vector<uint8_t> expected(size_t(image.width) * image.height * 4);
    console::PixelFormat format{4, 16, 8, 8, 8, 0, 8};
    console::FramebufferSurface surface(expected.data(), image.width, image.height, image.width * 4, format,
                                        font);
    auto created = console::TextConsole::create(surface, surface.columns(), surface.rows(), 0);
    ASSERT_FALSE(created.is_error());
    console::TextConsole& text = *created.value();
    text.set_pinned_rows(1);
    console::draw_banner(text);

    uint32_t mismatches = 0, banner_foreground_pixels = 0;
    for (uint32_t y = 0; y < font.height(); ++y) {
        for (uint32_t x = 0; x < image.width; ++x) {
            const uint8_t* shown = image.pixel(x, y);
            const uint8_t* want = &expected[(size_t(y) * image.width + x) * 4];
            // 32 bpp little-endian with red at bit 16: bytes are blue, green, red.
            if (shown[0] != want[2] || shown[1] != want[1] || shown[2] != want[0])
                ++mismatches;
            if (want[2] == console::banner_foreground.r && want[1] == console::banner_foreground.g &&
                want[0] == console::banner_foreground.b)
                ++banner_foreground_pixels;
        }
    }
    EXPECT_GT(banner_foreground_pixels, 100u) << "the host rendering drew no banner text";
    EXPECT_EQ(mismatches, 0u) << "banner row differs from the host rendering in " << mismatches << " pixels";

    // Log lines follow on the rows below: the area is not blank.
    uint32_t lit = 0;
    for (uint32_t y = font.height(); y < 8 * font.height(); ++y)
        for (uint32_t x = 0; x < image.width; ++x)
            if (image.pixel(x, y)[0] > 0x80 || image.pixel(x, y)[1] > 0x80)
                ++lit;
    EXPECT_GT(lit, 500u) << "no log text below the banner";
}

INSTANTIATE_TEST_SUITE_P(Firmware, ScreenTest, testing::Values("uefi", "bios"));

} // namespace
