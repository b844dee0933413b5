// FramebufferSurface: pixel packing in 32/24/16 bpp, glyph blitting against the font bitmap,
// pitch padding left alone, and scroll_up moving exactly the right pixel lines.
#include "console/framebuffer_surface.h"
#include "console/tests/test_font.h"

#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

namespace {

using console::FramebufferSurface;
using console::pack_pixel;
using console::PixelFormat;
using console::PsfFont;
using console::Rgb;
using namespace console_test;

constexpr uint8_t sentinel = 0xA5;

// A framebuffer in a vector, pre-filled with a sentinel so untouched bytes are visible; `offset`
// shifts the first pixel to test unaligned buffers.
struct Framebuffer {
    Framebuffer(uint32_t width, uint32_t height, uint32_t pitch, PixelFormat format, size_t offset = 0)
        : width(width), height(height), pitch(pitch), format(format), offset(offset),
          bytes(offset + static_cast<size_t>(pitch) * height + 8, sentinel) {}

    uint8_t* pixels() { return bytes.data() + offset; }
    uint8_t* at(uint32_t x, uint32_t y) {
        return pixels() + static_cast<size_t>(y) * pitch + x * format.bytes_per_pixel;
    }
    uint32_t pixel(uint32_t x, uint32_t y) {
        uint32_t value = 0;
        for (uint32_t i = 0; i < format.bytes_per_pixel; ++i)
            value |= static_cast<uint32_t>(at(x, y)[i]) << (8 * i);
        return value;
    }
    void set_pixel(uint32_t x, uint32_t y, uint32_t value) {
        for (uint32_t i = 0; i < format.bytes_per_pixel; ++i)
            at(x, y)[i] = static_cast<uint8_t>(value >> (8 * i));
    }
    // Every byte that is not part of a visible pixel still holds the sentinel.
    bool padding_untouched() {
        for (size_t i = 0; i < offset; ++i)
            if (bytes[i] != sentinel)
                return false;
        for (uint32_t y = 0; y < height; ++y)
            for (uint32_t i = width * format.bytes_per_pixel; i < pitch; ++i)
                if (pixels()[static_cast<size_t>(y) * pitch + i] != sentinel)
                    return false;
        for (size_t i = offset + static_cast<size_t>(pitch) * height; i < bytes.size(); ++i)
            if (bytes[i] != sentinel)
                return false;
        return true;
    }

    uint32_t width, height, pitch;
    PixelFormat format;
    size_t offset;
    std::vector<uint8_t> bytes;
};

bool glyph_bit(const PsfFont& font, char32_t codepoint, uint32_t x, uint32_t y) {
    const uint8_t* glyph = font.glyph(font.glyph_for(codepoint));
    return (glyph[y * font.bytes_per_row() + x / 8] & (0x80 >> (x % 8))) != 0;
}

class FramebufferSurfaceTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_font_bytes = read_console_font();
        auto font = PsfFont::parse(ktl::ByteReader(m_font_bytes.data(), m_font_bytes.size()));
        ASSERT_FALSE(font.is_error());
        m_font = std::make_unique<PsfFont>(font.release_value());
    }
    std::vector<uint8_t> m_font_bytes;
    std::unique_ptr<PsfFont> m_font;
};

TEST(FramebufferPixelFormat, PacksChannels) {
    EXPECT_EQ(pack_pixel(console::pixel_format_xrgb8888, Rgb{0x12, 0x34, 0x56}), 0x123456u);
    EXPECT_EQ(pack_pixel(console::pixel_format_rgb888, Rgb{0xff, 0x00, 0x80}), 0xff0080u);
    EXPECT_EQ(pack_pixel(console::pixel_format_rgb565, Rgb{0xff, 0xff, 0xff}), 0xffffu);
    EXPECT_EQ(pack_pixel(console::pixel_format_rgb565, Rgb{0x80, 0x40, 0x20}),
              (0x10u << 11) | (0x10u << 5) | 0x04u);
    PixelFormat bgr{4, 0, 8, 8, 8, 16, 8};
    EXPECT_EQ(pack_pixel(bgr, Rgb{0x12, 0x34, 0x56}), 0x563412u);
    PixelFormat deep{4, 20, 10, 10, 10, 0, 10}; // 30-bit colour: the 8 bits go to the top
    EXPECT_EQ(pack_pixel(deep, Rgb{0xff, 0x01, 0x80}), (0x3fcu << 20) | (0x004u << 10) | 0x200u);
    PixelFormat silly{4, 40, 8, 8, 0, 0, 40}; // out-of-range fields drop the channel
    EXPECT_EQ(pack_pixel(silly, Rgb{0xff, 0xff, 0xff}), 0u);
}

TEST_F(FramebufferSurfaceTest, GeometryIsWholeCells) {
    Framebuffer fb(1024, 768, 4096, console::pixel_format_xrgb8888);
    FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, fb.format, *m_font);
    EXPECT_EQ(surface.columns(), 128u);
    EXPECT_EQ(surface.rows(), 48u);
    Framebuffer odd(1027, 775, 1027 * 3 + 1, console::pixel_format_rgb888);
    FramebufferSurface odd_surface(odd.pixels(), odd.width, odd.height, odd.pitch, odd.format, *m_font);
    EXPECT_EQ(odd_surface.columns(), 128u);
    EXPECT_EQ(odd_surface.rows(), 48u);
}

TEST_F(FramebufferSurfaceTest, UnusableParametersGiveAnEmptySurface) {
    Framebuffer fb(64, 64, 256, console::pixel_format_xrgb8888);
    PsfFont empty;
    FramebufferSurface no_font(fb.pixels(), 64, 64, 256, fb.format, empty);
    EXPECT_EQ(no_font.columns(), 0u);
    FramebufferSurface no_pixels(nullptr, 64, 64, 256, fb.format, *m_font);
    EXPECT_EQ(no_pixels.rows(), 0u);
    FramebufferSurface five_bytes(fb.pixels(), 64, 64, 256, PixelFormat{5, 16, 8, 8, 8, 0, 8}, *m_font);
    EXPECT_EQ(five_bytes.columns(), 0u);
    // A pitch too small for the width limits the width instead of overlapping lines.
    FramebufferSurface narrow(fb.pixels(), 64, 64, 64, fb.format, *m_font);
    EXPECT_EQ(narrow.width(), 16u);
    EXPECT_EQ(narrow.columns(), 2u);
    for (FramebufferSurface* surface : {&no_font, &no_pixels, &five_bytes}) {
        surface->draw_cell(0, 0, U'A', Rgb{1, 2, 3}, Rgb{4, 5, 6});
        surface->scroll_up(0, 3, Rgb{});
        surface->clear(Rgb{});
    }
    for (uint8_t byte : fb.bytes)
        ASSERT_EQ(byte, sentinel);
}

TEST_F(FramebufferSurfaceTest, DrawsGlyphBitsIn32Bpp) {
    // Pitch with 16 bytes of padding per line.
    Framebuffer fb(80, 48, 80 * 4 + 16, console::pixel_format_xrgb8888);
    FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, fb.format, *m_font);
    ASSERT_EQ(surface.columns(), 10u);
    ASSERT_EQ(surface.rows(), 3u);
    const Rgb foreground{0xff, 0xee, 0xdd};
    const Rgb background{0x01, 0x02, 0x03};
    surface.draw_cell(2, 1, U'A', foreground, background);
    uint32_t set_pixels = 0;
    for (uint32_t y = 0; y < fb.height; ++y) {
        for (uint32_t x = 0; x < fb.width; ++x) {
            bool inside = x >= 16 && x < 24 && y >= 16 && y < 32;
            if (!inside) {
                ASSERT_EQ(fb.pixel(x, y), 0xa5a5a5a5u) << x << "," << y;
                continue;
            }
            bool set = glyph_bit(*m_font, U'A', x - 16, y - 16);
            set_pixels += set;
            ASSERT_EQ(fb.pixel(x, y), set ? 0xffeeddu : 0x010203u) << x << "," << y;
        }
    }
    EXPECT_GT(set_pixels, 10u);
    EXPECT_TRUE(fb.padding_untouched());
    // Outside the grid: nothing happens.
    surface.draw_cell(10, 0, U'A', foreground, background);
    surface.draw_cell(0, 3, U'A', foreground, background);
    EXPECT_EQ(fb.pixel(0, 0), 0xa5a5a5a5u);
    EXPECT_TRUE(fb.padding_untouched());
}

TEST_F(FramebufferSurfaceTest, DrawsIn24BppAnd16Bpp) {
    Framebuffer fb24(20, 16, 20 * 3 + 4, console::pixel_format_rgb888);
    FramebufferSurface surface24(fb24.pixels(), fb24.width, fb24.height, fb24.pitch, fb24.format, *m_font);
    surface24.draw_cell(1, 0, U'\u2500', Rgb{0x11, 0x22, 0x33}, Rgb{0x44, 0x55, 0x66});
    for (uint32_t y = 0; y < 16; ++y) {
        for (uint32_t x = 0; x < 8; ++x) {
            const uint8_t* pixel = fb24.at(8 + x, y);
            if (glyph_bit(*m_font, U'\u2500', x, y)) {
                EXPECT_EQ(pixel[0], 0x33); // blue, green, red: little-endian 0x112233
                EXPECT_EQ(pixel[1], 0x22);
                EXPECT_EQ(pixel[2], 0x11);
            } else {
                EXPECT_EQ(pixel[0], 0x66);
                EXPECT_EQ(pixel[1], 0x55);
                EXPECT_EQ(pixel[2], 0x44);
            }
        }
        EXPECT_EQ(fb24.pixel(7, y), 0xa5a5a5u);
        EXPECT_EQ(fb24.pixel(16, y), 0xa5a5a5u);
    }
    EXPECT_TRUE(fb24.padding_untouched());

    Framebuffer fb16(16, 16, 40, console::pixel_format_rgb565);
    FramebufferSurface surface16(fb16.pixels(), fb16.width, fb16.height, fb16.pitch, fb16.format, *m_font);
    surface16.draw_cell(0, 0, U'#', Rgb{0xff, 0xff, 0xff}, Rgb{0, 0, 0xff});
    for (uint32_t y = 0; y < 16; ++y)
        for (uint32_t x = 0; x < 8; ++x)
            EXPECT_EQ(fb16.pixel(x, y), glyph_bit(*m_font, U'#', x, y) ? 0xffffu : 0x001fu);
    EXPECT_EQ(fb16.pixel(8, 0), 0xa5a5u);
    EXPECT_TRUE(fb16.padding_untouched());
}

TEST_F(FramebufferSurfaceTest, ClearFillsVisiblePixelsOnly) {
    for (PixelFormat format :
         {console::pixel_format_xrgb8888, console::pixel_format_rgb888, console::pixel_format_rgb565}) {
        for (size_t offset : {0, 1, 4}) {
            Framebuffer fb(21, 35, 21 * format.bytes_per_pixel + 7, format, offset);
            FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, format, *m_font);
            surface.clear(Rgb{0x10, 0x20, 0x30});
            uint32_t expected = pack_pixel(format, Rgb{0x10, 0x20, 0x30});
            for (uint32_t y = 0; y < fb.height; ++y)
                for (uint32_t x = 0; x < fb.width; ++x)
                    ASSERT_EQ(fb.pixel(x, y), expected) << int(format.bytes_per_pixel) << " " << offset;
            EXPECT_TRUE(fb.padding_untouched());
        }
    }
}

// Each pixel line gets a distinct value; after scroll_up(1, 3) on a 5-row surface lines of rows
// 1-2 hold the old rows 2-3, row 3 is background, rows 0 and 4, the margins and padding unchanged.
TEST_F(FramebufferSurfaceTest, ScrollUpMovesExactlyTheRegionRows) {
    for (PixelFormat format :
         {console::pixel_format_xrgb8888, console::pixel_format_rgb888, console::pixel_format_rgb565}) {
        for (size_t offset : {0, 3}) {
            // 3 columns (24 px) + 5 px right margin, 5 rows (80 lines) + 7 lines bottom margin.
            Framebuffer fb(29, 87, 29 * format.bytes_per_pixel + 12, format, offset);
            FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, format, *m_font);
            ASSERT_EQ(surface.columns(), 3u);
            ASSERT_EQ(surface.rows(), 5u);
            auto original = [&](uint32_t x, uint32_t y) {
                uint32_t value = (y * 131 + x * 7 + 1) & 0xffff;
                return format.bytes_per_pixel == 2 ? value : value | 0x10000;
            };
            for (uint32_t y = 0; y < fb.height; ++y)
                for (uint32_t x = 0; x < fb.width; ++x)
                    fb.set_pixel(x, y, original(x, y));
            surface.scroll_up(1, 3, Rgb{0, 0, 0xff});
            uint32_t background = pack_pixel(format, Rgb{0, 0, 0xff});
            for (uint32_t y = 0; y < fb.height; ++y) {
                for (uint32_t x = 0; x < fb.width; ++x) {
                    uint32_t expected = original(x, y);
                    if (x < 24 && y >= 16 && y < 48)
                        expected = original(x, y + 16);
                    else if (x < 24 && y >= 48 && y < 64)
                        expected = background;
                    ASSERT_EQ(fb.pixel(x, y), expected)
                        << x << "," << y << " bpp " << int(format.bytes_per_pixel) << " offset " << offset;
                }
            }
            EXPECT_TRUE(fb.padding_untouched());
        }
    }
}

TEST_F(FramebufferSurfaceTest, ScrollDownMovesExactlyTheRegionRows) {
    for (PixelFormat format :
         {console::pixel_format_xrgb8888, console::pixel_format_rgb888, console::pixel_format_rgb565}) {
        for (size_t offset : {0, 3}) {
            Framebuffer fb(29, 87, 29 * format.bytes_per_pixel + 12, format, offset);
            FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, format, *m_font);
            auto original = [&](uint32_t x, uint32_t y) {
                uint32_t value = (y * 131 + x * 7 + 1) & 0xffff;
                return format.bytes_per_pixel == 2 ? value : value | 0x10000;
            };
            for (uint32_t y = 0; y < fb.height; ++y)
                for (uint32_t x = 0; x < fb.width; ++x)
                    fb.set_pixel(x, y, original(x, y));
            EXPECT_TRUE(surface.scroll_down(1, 3, Rgb{0, 0, 0xff}));
            uint32_t background = pack_pixel(format, Rgb{0, 0, 0xff});
            for (uint32_t y = 0; y < fb.height; ++y) {
                for (uint32_t x = 0; x < fb.width; ++x) {
                    uint32_t expected = original(x, y);
                    if (x < 24 && y >= 32 && y < 64)
                        expected = original(x, y - 16);
                    else if (x < 24 && y >= 16 && y < 32)
                        expected = background;
                    ASSERT_EQ(fb.pixel(x, y), expected)
                        << x << "," << y << " bpp " << int(format.bytes_per_pixel) << " offset " << offset;
                }
            }
            EXPECT_TRUE(fb.padding_untouched());
            EXPECT_TRUE(surface.scroll_down(4, 99, Rgb{})); // clamped to the last row
            EXPECT_TRUE(surface.scroll_down(3, 2, Rgb{}));  // empty: nothing
            EXPECT_TRUE(fb.padding_untouched());
        }
    }
}

TEST_F(FramebufferSurfaceTest, UnderlinedCellHasItsBottomLineInTheForeground) {
    Framebuffer fb(16, 32, 64, console::pixel_format_xrgb8888);
    FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, fb.format, *m_font);
    surface.draw_underlined_cell(1, 1, U'g', Rgb{255, 255, 255}, Rgb{0, 0, 170});
    for (uint32_t y = 0; y < 16; ++y)
        for (uint32_t x = 0; x < 8; ++x)
            ASSERT_EQ(fb.pixel(8 + x, 16 + y),
                      y == 15 || glyph_bit(*m_font, U'g', x, y) ? 0xffffffu : 0x0000aau);
    EXPECT_EQ(fb.pixel(0, 31), 0xa5a5a5a5u);                // the cell next to it untouched
    surface.draw_underlined_cell(2, 0, U'x', Rgb{}, Rgb{}); // outside: nothing
    EXPECT_TRUE(fb.padding_untouched());
}

TEST_F(FramebufferSurfaceTest, ScrollUpClampsItsRange) {
    Framebuffer fb(16, 32, 64, console::pixel_format_xrgb8888);
    FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, fb.format, *m_font);
    surface.clear(Rgb{});
    surface.draw_cell(0, 1, U'X', Rgb{255, 255, 255}, Rgb{});
    surface.scroll_up(0, 99, Rgb{}); // last_row clamped to 1
    for (uint32_t y = 0; y < 16; ++y)
        for (uint32_t x = 0; x < 8; ++x)
            ASSERT_EQ(fb.pixel(x, y), glyph_bit(*m_font, U'X', x, y) ? 0xffffffu : 0u);
    for (uint32_t y = 16; y < 32; ++y)
        ASSERT_EQ(fb.pixel(0, y), 0u);
    surface.scroll_up(2, 1, Rgb{255, 0, 0}); // empty range: nothing
    EXPECT_EQ(fb.pixel(0, 31), 0u);
    EXPECT_TRUE(fb.padding_untouched());
}

// The whole pipeline: bytes into a TextConsole over a framebuffer come out as the right glyphs,
// including after scrolling, and the cursor is a block after the text.
TEST_F(FramebufferSurfaceTest, TextConsoleOnAFramebuffer) {
    Framebuffer fb(80, 64, 80 * 4, console::pixel_format_xrgb8888);
    FramebufferSurface surface(fb.pixels(), fb.width, fb.height, fb.pitch, fb.format, *m_font);
    surface.clear(console::default_background);
    auto created = console::TextConsole::create(surface, surface.columns(), surface.rows(), 0);
    ASSERT_FALSE(created.is_error());
    console::TextConsole& text = *created.value();
    text.write("one\ntwo\nthree\nfour\n\x1b[32mfive\xe2\x94\x80");
    // Rows now: two, three, four, five─ (one scrolled away).
    const char* expected_rows[] = {"two", "three", "four", "five"};
    for (uint32_t row = 0; row < 4; ++row) {
        for (uint32_t column = 0; column < 10; ++column) {
            ktl::StringView line(expected_rows[row]);
            char32_t codepoint = column < line.length() ? char32_t(line[column]) : U' ';
            if (row == 3 && column == 4)
                codepoint = U'\u2500';
            Rgb foreground = row == 3 ? console::ansi_palette[2] : console::default_foreground;
            Rgb background = console::default_background;
            if (row == 3 && column == 5) // the cursor: a blank in reverse video
                std::swap(foreground = console::default_foreground, background);
            for (uint32_t y = 0; y < 16; ++y)
                for (uint32_t x = 0; x < 8; ++x)
                    ASSERT_EQ(
                        fb.pixel(column * 8 + x, row * 16 + y),
                        pack_pixel(fb.format, glyph_bit(*m_font, codepoint, x, y) ? foreground : background))
                        << "row " << row << " column " << column;
        }
    }
}

} // namespace
