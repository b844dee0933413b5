// The banner as the kernel draws it, rendered on the host at QEMU's 1024x768x32 framebuffer: row 0
// is white glyph pixels on blue, everything else untouched. The end-to-end test compares this very
// rendering with a screenshot, so the colours are also pinned down as raw pixel values.
#include "console/banner.h"
#include "console/framebuffer_surface.h"
#include "console/tests/test_font.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace {

using namespace console_test;

TEST(Banner, TextAndColours) {
    EXPECT_TRUE(console::banner_text() == "blog_os - an x86-64 kernel in C++");
    EXPECT_EQ(console::banner_foreground, (console::Rgb{255, 255, 255}));
    EXPECT_EQ(console::banner_background, (console::Rgb{0, 0, 170}));
    EXPECT_EQ(console::pack_pixel(console::pixel_format_xrgb8888, console::banner_foreground), 0xffffffu);
    EXPECT_EQ(console::pack_pixel(console::pixel_format_xrgb8888, console::banner_background), 0x0000aau);
}

class BannerRendering : public ::testing::Test {
protected:
    static constexpr uint32_t width = 1024, height = 768, pitch = 4096;

    void SetUp() override {
        m_font_bytes = read_console_font();
        auto font = console::PsfFont::parse(ktl::ByteReader(m_font_bytes.data(), m_font_bytes.size()));
        ASSERT_FALSE(font.is_error());
        m_font = std::make_unique<console::PsfFont>(font.release_value());
        m_pixels.assign(static_cast<size_t>(pitch) * height, 0);
        m_surface = std::make_unique<console::FramebufferSurface>(m_pixels.data(), width, height, pitch,
                                                                  console::pixel_format_xrgb8888, *m_font);
        auto created = console::TextConsole::create(*m_surface, m_surface->columns(), m_surface->rows(), 0);
        ASSERT_FALSE(created.is_error());
        m_console = created.release_value();
    }

    uint32_t pixel(uint32_t x, uint32_t y) const {
        const uint8_t* bytes = m_pixels.data() + static_cast<size_t>(y) * pitch + x * 4;
        return bytes[0] | bytes[1] << 8 | bytes[2] << 16 | static_cast<uint32_t>(bytes[3]) << 24;
    }

    // Compares all 1024x16 pixels of row 0 with the font bitmaps of the banner text.
    void expect_banner_row() {
        ktl::StringView text = console::banner_text();
        const console::PsfFont& font = *m_font;
        uint32_t white_pixels = 0;
        for (uint32_t y = 0; y < font.height(); ++y) {
            for (uint32_t x = 0; x < width; ++x) {
                uint32_t column = x / font.width();
                char32_t codepoint = U' ';
                if (column >= console::banner_column && column - console::banner_column < text.length())
                    codepoint = static_cast<unsigned char>(text[column - console::banner_column]);
                const uint8_t* glyph = font.glyph(font.glyph_for(codepoint));
                uint32_t glyph_x = x % font.width();
                bool set = glyph[y * font.bytes_per_row() + glyph_x / 8] & (0x80 >> (glyph_x % 8));
                white_pixels += set;
                ASSERT_EQ(pixel(x, y), set ? 0x00ffffffu : 0x000000aau) << x << "," << y;
            }
        }
        EXPECT_GT(white_pixels, 300u);
    }

    std::vector<uint8_t> m_font_bytes;
    std::unique_ptr<console::PsfFont> m_font;
    std::vector<uint8_t> m_pixels;
    std::unique_ptr<console::FramebufferSurface> m_surface;
    ktl::OwnPtr<console::TextConsole> m_console;
};

TEST_F(BannerRendering, Row0IsWhiteOnBlueAndNothingElseIsTouched) {
    console::draw_banner(*m_console);
    expect_banner_row();
    for (uint32_t y = 16; y < height; ++y)
        for (uint32_t x = 0; x < width; ++x)
            ASSERT_EQ(pixel(x, y), 0u) << x << "," << y;
    for (uint32_t y = 0; y < height; ++y)
        for (uint32_t byte = width * 4; byte < pitch; ++byte)
            ASSERT_EQ(m_pixels[y * pitch + byte], 0u);
    EXPECT_EQ(m_console->pinned_rows(), 1u);
    EXPECT_EQ(m_console->cursor_row(), 1u);
    EXPECT_EQ(m_console->cursor_column(), 0u);
}

TEST_F(BannerRendering, SurvivesScrollingAndColouredOutput) {
    m_console->set_pinned_rows(1);
    console::draw_banner(*m_console);
    for (int line = 0; line < 100; ++line)
        m_console->write(
            "\x1b[1;33mline\x1b[0m with some text that is long enough to wrap around the right edge of "
            "the screen at least once, really it is\n");
    m_console->write("\x1b[2J\x1b[44mno newline at the end");
    expect_banner_row();
    // Redrawing is idempotent.
    console::draw_banner(*m_console);
    expect_banner_row();
}

} // namespace
