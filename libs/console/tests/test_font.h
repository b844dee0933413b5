// Host-test helpers: the build's console font (decompressed Terminus) and a synthetic PSF2 builder.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace console_test {

// The font the build decompressed (BLOG_OS_CONSOLE_FONT); empty when it cannot be read.
inline std::vector<uint8_t> read_console_font() {
    std::vector<uint8_t> bytes;
    FILE* file = std::fopen(BLOG_OS_CONSOLE_FONT_PATH, "rb");
    if (!file)
        return bytes;
    uint8_t buffer[4096];
    size_t count;
    while ((count = std::fread(buffer, 1, sizeof buffer, file)) > 0)
        bytes.insert(bytes.end(), buffer, buffer + count);
    std::fclose(file);
    return bytes;
}

inline void append_u32(std::vector<uint8_t>& bytes, uint32_t value) {
    for (int i = 0; i < 4; ++i)
        bytes.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

struct Psf2Header {
    uint32_t version = 0;
    uint32_t header_size = 32;
    uint32_t flags = 0;
    uint32_t length = 0;
    uint32_t charsize = 0;
    uint32_t height = 0;
    uint32_t width = 0;
};

inline std::vector<uint8_t> psf2_header(const Psf2Header& header) {
    std::vector<uint8_t> bytes = {0x72, 0xb5, 0x4a, 0x86};
    for (uint32_t field : {header.version, header.header_size, header.flags, header.length, header.charsize,
                           header.height, header.width})
        append_u32(bytes, field);
    return bytes;
}

// A PSF2 font of `count` glyphs, `width` x `height`, glyph i filled with byte value i + 1, followed
// by `table` (the unicode table, flag set when non-empty).
inline std::vector<uint8_t> make_psf2(uint32_t width, uint32_t height, uint32_t count,
                                      const std::vector<uint8_t>& table = {}) {
    uint32_t bytes_per_row = (width + 7) / 8;
    Psf2Header header;
    header.flags = table.empty() ? 0 : 1;
    header.length = count;
    header.charsize = bytes_per_row * height;
    header.height = height;
    header.width = width;
    std::vector<uint8_t> bytes = psf2_header(header);
    for (uint32_t glyph = 0; glyph < count; ++glyph)
        bytes.insert(bytes.end(), header.charsize, static_cast<uint8_t>(glyph + 1));
    bytes.insert(bytes.end(), table.begin(), table.end());
    return bytes;
}

inline void append_utf8(std::vector<uint8_t>& bytes, const std::string& text) {
    bytes.insert(bytes.end(), text.begin(), text.end());
}

} // namespace console_test
