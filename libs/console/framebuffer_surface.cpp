// FramebufferSurface: glyph blitting, scrolling and filling with integer-only code and no libc;
// the copy loop is written here because the kernel has no memmove of its own to lean on.
#include "console/framebuffer_surface.h"

namespace console {

namespace {

// Word access to byte buffers without breaking aliasing rules on the host (the kernel builds with
// -fno-strict-aliasing, the host tests do not); aligned(1) makes unaligned use well defined too.
using Word32 = uint32_t __attribute__((may_alias, aligned(1)));
using Word64 = uint64_t __attribute__((may_alias, aligned(8)));

uint32_t scale_channel(uint8_t value, uint8_t size) {
    if (size == 0)
        return 0;
    if (size <= 8)
        return static_cast<uint32_t>(value) >> (8 - size);
    return size >= 32 ? 0 : static_cast<uint32_t>(value) << (size - 8);
}

uint32_t place_channel(uint32_t value, uint8_t shift) {
    return shift >= 32 ? 0 : value << shift;
}

// Little-endian, bytes_per_pixel bytes.
inline void put_pixel(uint8_t* destination, uint8_t bytes_per_pixel, uint32_t value) {
    if (bytes_per_pixel == 4) {
        *reinterpret_cast<Word32*>(destination) = value;
        return;
    }
    for (uint8_t i = 0; i < bytes_per_pixel; ++i)
        destination[i] = static_cast<uint8_t>(value >> (8 * i));
}

// Forward copy, correct for overlap as long as destination < source (scrolling moves up).
void copy_forward(uint8_t* destination, const uint8_t* source, size_t length) {
    size_t i = 0;
    if (((reinterpret_cast<uintptr_t>(destination) ^ reinterpret_cast<uintptr_t>(source)) & 7) == 0) {
        while (i < length && (reinterpret_cast<uintptr_t>(destination + i) & 7) != 0) {
            destination[i] = source[i];
            ++i;
        }
        for (; i + 8 <= length; i += 8)
            *reinterpret_cast<Word64*>(destination + i) = *reinterpret_cast<const Word64*>(source + i);
    }
    for (; i < length; ++i)
        destination[i] = source[i];
}

} // namespace

uint32_t pack_pixel(const PixelFormat& format, Rgb color) {
    return place_channel(scale_channel(color.r, format.red_size), format.red_shift) |
           place_channel(scale_channel(color.g, format.green_size), format.green_shift) |
           place_channel(scale_channel(color.b, format.blue_size), format.blue_shift);
}

FramebufferSurface::FramebufferSurface(uint8_t* pixels, uint32_t width, uint32_t height, uint32_t pitch,
                                       PixelFormat format, const PsfFont& font)
    : m_pixels(pixels), m_pitch(pitch), m_format(format), m_font(font) {
    uint8_t bytes_per_pixel = format.bytes_per_pixel;
    if (pixels == nullptr || bytes_per_pixel == 0 || bytes_per_pixel > 4 || font.glyph_count() == 0)
        return;
    uint32_t pitch_pixels = pitch / bytes_per_pixel;
    m_width = width < pitch_pixels ? width : pitch_pixels;
    m_height = height;
    m_columns = m_width / font.width();
    m_rows = m_height / font.height();
}

void FramebufferSurface::fill_pixels(uint8_t* destination, uint32_t count, uint32_t value) const {
    uint8_t bytes_per_pixel = m_format.bytes_per_pixel;
    uint32_t i = 0;
    if (bytes_per_pixel == 4) {
        // Two pixels per store once 8-byte aligned: clear() runs over the whole screen.
        if ((reinterpret_cast<uintptr_t>(destination) & 7) != 0 && count > 0) {
            put_pixel(destination, 4, value);
            i = 1;
        }
        if ((reinterpret_cast<uintptr_t>(destination + 4 * i) & 7) == 0) {
            uint64_t pair = (static_cast<uint64_t>(value) << 32) | value;
            for (; i + 2 <= count; i += 2)
                *reinterpret_cast<Word64*>(destination + 4 * i) = pair;
        }
    }
    for (; i < count; ++i)
        put_pixel(destination + static_cast<size_t>(i) * bytes_per_pixel, bytes_per_pixel, value);
}

void FramebufferSurface::draw_cell(uint32_t column, uint32_t row, char32_t codepoint, Rgb foreground,
                                   Rgb background) {
    if (column >= m_columns || row >= m_rows)
        return;
    uint8_t bytes_per_pixel = m_format.bytes_per_pixel;
    uint32_t foreground_value = pack_pixel(m_format, foreground);
    uint32_t background_value = pack_pixel(m_format, background);
    uint32_t glyph_width = m_font.width();
    uint32_t glyph_height = m_font.height();
    uint32_t bytes_per_row = m_font.bytes_per_row();
    const uint8_t* glyph = m_font.glyph(m_font.glyph_for(codepoint));
    size_t x_offset = static_cast<size_t>(column) * glyph_width * bytes_per_pixel;

    for (uint32_t y = 0; y < glyph_height; ++y) {
        const uint8_t* bits = glyph + static_cast<size_t>(y) * bytes_per_row;
        uint8_t* destination = line(row * glyph_height + y) + x_offset;
        for (uint32_t x = 0; x < glyph_width; ++x) {
            bool set = (bits[x / 8] & (0x80u >> (x % 8))) != 0;
            put_pixel(destination, bytes_per_pixel, set ? foreground_value : background_value);
            destination += bytes_per_pixel;
        }
    }
}

void FramebufferSurface::scroll_up(uint32_t first_row, uint32_t last_row, Rgb background) {
    if (m_rows == 0)
        return;
    if (last_row >= m_rows)
        last_row = m_rows - 1;
    if (first_row > last_row)
        return;
    uint32_t glyph_height = m_font.height();
    uint32_t text_width = m_columns * m_font.width();
    size_t line_bytes = static_cast<size_t>(text_width) * m_format.bytes_per_pixel;

    // Pixel line y takes line y + glyph_height; lines of one framebuffer never overlap (pitch >= the
    // line's bytes), and moving upwards makes a forward copy safe anyway.
    uint32_t first_line = first_row * glyph_height;
    uint32_t last_line = last_row * glyph_height; // first line of the row that gets cleared
    for (uint32_t y = first_line; y < last_line; ++y)
        copy_forward(line(y), line(y + glyph_height), line_bytes);

    uint32_t value = pack_pixel(m_format, background);
    for (uint32_t y = last_line; y < last_line + glyph_height; ++y)
        fill_pixels(line(y), text_width, value);
}

void FramebufferSurface::draw_underlined_cell(uint32_t column, uint32_t row, char32_t codepoint,
                                              Rgb foreground, Rgb background) {
    if (column >= m_columns || row >= m_rows)
        return;
    draw_cell(column, row, codepoint, foreground, background);
    uint32_t glyph_width = m_font.width();
    uint8_t* destination = line((row + 1) * m_font.height() - 1) +
                           static_cast<size_t>(column) * glyph_width * m_format.bytes_per_pixel;
    fill_pixels(destination, glyph_width, pack_pixel(m_format, foreground));
}

bool FramebufferSurface::scroll_down(uint32_t first_row, uint32_t last_row, Rgb background) {
    if (m_rows == 0)
        return true;
    if (last_row >= m_rows)
        last_row = m_rows - 1;
    if (first_row > last_row)
        return true;
    uint32_t glyph_height = m_font.height();
    uint32_t text_width = m_columns * m_font.width();
    size_t line_bytes = static_cast<size_t>(text_width) * m_format.bytes_per_pixel;

    // Pixel line y takes line y - glyph_height, bottom up; each copy is between two distinct lines.
    uint32_t first_line = first_row * glyph_height; // first line of the row that gets cleared
    uint32_t end_line = (last_row + 1) * glyph_height;
    for (uint32_t y = end_line; y > first_line + glyph_height; --y)
        copy_forward(line(y - 1), line(y - 1 - glyph_height), line_bytes);

    uint32_t value = pack_pixel(m_format, background);
    for (uint32_t y = first_line; y < first_line + glyph_height; ++y)
        fill_pixels(line(y), text_width, value);
    return true;
}

void FramebufferSurface::clear(Rgb background) {
    uint32_t value = pack_pixel(m_format, background);
    for (uint32_t y = 0; y < m_height; ++y)
        fill_pixels(line(y), m_width, value);
}

} // namespace console
