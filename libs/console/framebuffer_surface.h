// A ConsoleSurface over a linear framebuffer (what GRUB's multiboot2 framebuffer tag describes):
// cells are font-sized pixel blocks, glyph bits set = foreground, clear = background. Only whole
// cells are used for text; the remaining right/bottom margin is painted only by clear(), and the
// bytes between a line's last pixel and the pitch are never touched.
#pragma once

#include "console/color.h"
#include "console/psf.h"
#include "console/text_console.h"

#include <cstdint>

namespace console {

// Direct-colour layout: each channel keeps its top `size` bits at bit `shift` of a little-endian
// value of bytes_per_pixel (1-4) bytes.
struct PixelFormat {
    uint8_t bytes_per_pixel;
    uint8_t red_shift, red_size;
    uint8_t green_shift, green_size;
    uint8_t blue_shift, blue_size;

    constexpr bool operator==(const PixelFormat&) const = default;
};

inline constexpr PixelFormat pixel_format_xrgb8888 = {4, 16, 8, 8, 8, 0, 8}; // QEMU/GRUB's usual 32 bpp
inline constexpr PixelFormat pixel_format_rgb888 = {3, 16, 8, 8, 8, 0, 8};
inline constexpr PixelFormat pixel_format_rgb565 = {2, 11, 5, 5, 6, 0, 5};

// The pixel value for `color`: each channel's top bits placed at its shift (channels wider than
// 8 bits get the 8-bit value in their top bits).
uint32_t pack_pixel(const PixelFormat& format, Rgb color);

class FramebufferSurface final : public ConsoleSurface {
public:
    // `pixels` is width x height pixels, `pitch` bytes from one line to the next. A surface that
    // cannot be drawn on (null pixels, bytes_per_pixel not 1-4, empty font) has 0 columns and rows;
    // a pitch too small for `width` shrinks the usable width.
    FramebufferSurface(uint8_t* pixels, uint32_t width, uint32_t height, uint32_t pitch, PixelFormat format,
                       const PsfFont& font);

    uint32_t columns() const { return m_columns; }
    uint32_t rows() const { return m_rows; }
    uint32_t width() const { return m_width; }
    uint32_t height() const { return m_height; }
    uint32_t pitch() const { return m_pitch; }
    const PixelFormat& format() const { return m_format; }
    const PsfFont& font() const { return m_font; }

    void draw_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                   Rgb background) override;
    // The cell with its bottom pixel line in the foreground colour.
    void draw_underlined_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                              Rgb background) override;
    void scroll_up(uint32_t first_row, uint32_t last_row, Rgb background) override;
    bool scroll_down(uint32_t first_row, uint32_t last_row, Rgb background) override;
    // Fills every visible pixel (margins included, pitch padding excluded).
    void clear(Rgb background) override;

private:
    uint8_t* line(uint32_t y) const { return m_pixels + static_cast<size_t>(y) * m_pitch; }
    void fill_pixels(uint8_t* destination, uint32_t count, uint32_t value) const;

    uint8_t* m_pixels;
    uint32_t m_width = 0;
    uint32_t m_height = 0;
    uint32_t m_pitch;
    PixelFormat m_format;
    const PsfFont& m_font;
    uint32_t m_columns = 0;
    uint32_t m_rows = 0;
};

} // namespace console
