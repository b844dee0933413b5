// PC Screen Font (PSF1 and PSF2) parsing: the console's glyphs come from a Linux console font the
// build embeds in the kernel. The bytes are untrusted input (a wrong or damaged file must give an
// error, never a wild read), and no heap exists yet when the font is loaded, so the code point
// table lives in fixed storage inside the object.
//
// PSF1: magic 36 04, mode (0x01 = 512 glyphs, 0x02/0x04 = unicode table), charsize = height;
//       width is always 8. Table: per glyph, u16 LE code points, FFFE starts sequences, FFFF ends.
// PSF2: magic 72 b5 4a 86, u32 LE {version, headersize, flags (1 = table), length, charsize,
//       height, width}. Table: per glyph, UTF-8 code points, FE starts sequences, FF ends.
// Sequences (combining characters drawn as one glyph) are skipped: the console has no use for them.
//
// Strictness: any structural problem, a unicode table running past the end of the file included,
// is Errno::InvalidArgument; invalid UTF-8 inside a PSF2 table entry only drops that entry.
// Mappings beyond `max_mappings` are ignored (the first ones in file order win).
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"

#include <cstddef>
#include <cstdint>

namespace console {

class PsfFont {
public:
    static constexpr uint32_t max_mappings = 4096;
    static constexpr uint32_t max_dimension = 64;      // width and height, in pixels
    static constexpr uint32_t max_glyph_count = 65536; // glyph indices fit the table's u16

    // The font views `bytes`, which must outlive it.
    static ktl::ErrorOr<PsfFont> parse(ktl::ByteReader bytes);

    // An empty font (no glyphs). load() fills it in place, e.g. a static in the kernel.
    PsfFont() = default;
    // On error the font is left empty.
    ktl::ErrorOr<void> load(ktl::ByteReader bytes);

    // For parse(): lets ErrorOr<PsfFont> construct and load the ~24 KiB font in its own storage,
    // so parsing on the kernel's boot stack costs one font-sized object, not two or three.
    struct LoadInPlace {
        ktl::ByteReader bytes;
        ktl::ErrorOr<void>* status;
    };
    explicit PsfFont(LoadInPlace request) { *request.status = load(request.bytes); }

    uint32_t width() const { return m_width; }
    uint32_t height() const { return m_height; }
    uint32_t glyph_count() const { return m_glyph_count; }
    uint32_t bytes_per_row() const { return m_bytes_per_row; }
    uint32_t bytes_per_glyph() const { return m_bytes_per_row * m_height; }
    bool has_unicode_table() const { return m_has_unicode_table; }
    uint32_t mapping_count() const { return m_mapping_count; }

    // Bitmap of glyph `index`: height() rows of bytes_per_row() bytes, most significant bit leftmost.
    // An out-of-range index gives glyph 0; nullptr only for an empty font.
    const uint8_t* glyph(uint32_t index) const;

    // Glyph index for a code point: the unicode table if it has any mappings, else the code point
    // itself when it is below glyph_count(). Anything unmapped gets the glyph for U+FFFD, else the
    // one for '?', else 0. Always < glyph_count() (0 for an empty font).
    uint32_t glyph_for(char32_t codepoint) const;

private:
    ktl::ErrorOr<void> parse_psf1(ktl::ByteReader bytes);
    ktl::ErrorOr<void> parse_psf2(ktl::ByteReader bytes);
    ktl::ErrorOr<void> parse_psf1_table(ktl::ByteReader table);
    ktl::ErrorOr<void> parse_psf2_table(ktl::ByteReader table);
    void add_mapping(char32_t codepoint, uint32_t glyph);
    void sort_mappings();
    bool lookup(char32_t codepoint, uint32_t& glyph) const;

    const uint8_t* m_glyphs = nullptr;
    uint32_t m_width = 0;
    uint32_t m_height = 0;
    uint32_t m_bytes_per_row = 0;
    uint32_t m_glyph_count = 0;
    uint32_t m_fallback_glyph = 0;
    bool m_has_unicode_table = false;
    uint32_t m_mapping_count = 0;
    // Sorted by (code point, glyph) with unique code points; two arrays to keep the object small.
    uint32_t m_codepoints[max_mappings] = {};
    uint16_t m_mapped_glyphs[max_mappings] = {};
};

} // namespace console
