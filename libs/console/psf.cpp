// PSF1/PSF2 parsing. Every read goes through ByteReader, so a lying header or a table running off
// the end is an error rather than a read past the buffer.
#include "console/psf.h"

#include "console/utf8.h"

#include <new>

namespace console {

namespace {

constexpr uint8_t psf1_magic[2] = {0x36, 0x04};
constexpr uint8_t psf1_mode_512 = 0x01;
constexpr uint8_t psf1_mode_has_table = 0x02;
constexpr uint8_t psf1_mode_has_sequences = 0x04; // implies a table too
constexpr uint16_t psf1_start_sequence = 0xFFFE;
constexpr uint16_t psf1_separator = 0xFFFF;
constexpr uint32_t psf1_header_size = 4;

constexpr uint8_t psf2_magic[4] = {0x72, 0xb5, 0x4a, 0x86};
constexpr uint32_t psf2_flag_has_table = 0x01;
constexpr uint8_t psf2_start_sequence = 0xFE;
constexpr uint8_t psf2_separator = 0xFF;
constexpr uint32_t psf2_header_size = 32;

bool has_magic(ktl::ByteReader bytes, const uint8_t* magic, size_t length) {
    if (!bytes.contains(0, length))
        return false;
    for (size_t i = 0; i < length; ++i)
        if (bytes.data()[i] != magic[i])
            return false;
    return true;
}

bool is_valid_dimension(uint32_t pixels) {
    return pixels != 0 && pixels <= PsfFont::max_dimension;
}

} // namespace

ktl::ErrorOr<PsfFont> PsfFont::parse(ktl::ByteReader bytes) {
    // One named result returned on every path, so it is built directly in the caller's storage
    // (NRVO): no font-sized temporaries on the stack, the kernel parses this on its boot stack.
    ktl::ErrorOr<void> status;
    ktl::ErrorOr<PsfFont> result(LoadInPlace{bytes, &status});
    if (status.is_error()) {
        // Swap the empty font for the error in place; assigning would need a temporary ErrorOr.
        result.~ErrorOr();
        new (&result) ktl::ErrorOr<PsfFont>(status.release_error());
    }
    return result;
}

ktl::ErrorOr<void> PsfFont::load(ktl::ByteReader bytes) {
    m_glyphs = nullptr;
    m_width = m_height = m_bytes_per_row = m_glyph_count = 0;
    m_fallback_glyph = 0;
    m_has_unicode_table = false;
    m_mapping_count = 0;

    ktl::ErrorOr<void> result = ktl::Errno::InvalidArgument;
    if (has_magic(bytes, psf1_magic, sizeof psf1_magic))
        result = parse_psf1(bytes);
    else if (has_magic(bytes, psf2_magic, sizeof psf2_magic))
        result = parse_psf2(bytes);
    if (result.is_error()) {
        // Leave an empty font behind, never a half-initialised one.
        m_glyphs = nullptr;
        m_width = m_height = m_bytes_per_row = m_glyph_count = 0;
        m_has_unicode_table = false;
        m_mapping_count = 0;
        return result;
    }

    sort_mappings();
    // Resolved once here so glyph_for() stays a single lookup.
    uint32_t fallback = 0;
    if (lookup(replacement_character, fallback) || lookup(U'?', fallback))
        m_fallback_glyph = fallback;
    return {};
}

ktl::ErrorOr<void> PsfFont::parse_psf1(ktl::ByteReader bytes) {
    uint8_t mode = TRY(bytes.read<uint8_t>(2));
    uint8_t charsize = TRY(bytes.read<uint8_t>(3));
    if (!is_valid_dimension(charsize))
        return ktl::Errno::InvalidArgument;
    uint32_t count = (mode & psf1_mode_512) ? 512 : 256;
    size_t glyph_bytes = static_cast<size_t>(count) * charsize;
    ktl::ByteReader glyphs = TRY(bytes.slice(psf1_header_size, glyph_bytes));

    m_glyphs = glyphs.data();
    m_width = 8;
    m_height = charsize;
    m_bytes_per_row = 1;
    m_glyph_count = count;
    if (mode & (psf1_mode_has_table | psf1_mode_has_sequences)) {
        m_has_unicode_table = true;
        size_t table_offset = psf1_header_size + glyph_bytes;
        ktl::ByteReader table = TRY(bytes.slice(table_offset, bytes.size() - table_offset));
        TRY(parse_psf1_table(table));
    }
    return {};
}

ktl::ErrorOr<void> PsfFont::parse_psf2(ktl::ByteReader bytes) {
    uint32_t header_size = TRY(bytes.read<uint32_t>(8));
    uint32_t flags = TRY(bytes.read<uint32_t>(12));
    uint32_t length = TRY(bytes.read<uint32_t>(16));
    uint32_t charsize = TRY(bytes.read<uint32_t>(20));
    uint32_t height = TRY(bytes.read<uint32_t>(24));
    uint32_t width = TRY(bytes.read<uint32_t>(28));
    // The version field is not checked: only version 0 exists and nothing depends on it.
    if (header_size < psf2_header_size || !is_valid_dimension(width) || !is_valid_dimension(height))
        return ktl::Errno::InvalidArgument;
    uint32_t bytes_per_row = (width + 7) / 8;
    if (charsize != height * bytes_per_row || length == 0 || length > max_glyph_count)
        return ktl::Errno::InvalidArgument;
    // At most 65536 * 512 bytes: no overflow.
    size_t glyph_bytes = static_cast<size_t>(length) * charsize;
    ktl::ByteReader glyphs = TRY(bytes.slice(header_size, glyph_bytes));

    m_glyphs = glyphs.data();
    m_width = width;
    m_height = height;
    m_bytes_per_row = bytes_per_row;
    m_glyph_count = length;
    if (flags & psf2_flag_has_table) {
        m_has_unicode_table = true;
        size_t table_offset = header_size + glyph_bytes;
        ktl::ByteReader table = TRY(bytes.slice(table_offset, bytes.size() - table_offset));
        TRY(parse_psf2_table(table));
    }
    return {};
}

ktl::ErrorOr<void> PsfFont::parse_psf1_table(ktl::ByteReader table) {
    size_t offset = 0;
    for (uint32_t glyph = 0; glyph < m_glyph_count; ++glyph) {
        bool in_sequences = false;
        for (;;) {
            // Running off the end before the separator is an error (a truncated file).
            uint16_t value = TRY(table.read<uint16_t>(offset));
            offset += 2;
            if (value == psf1_separator)
                break;
            if (value == psf1_start_sequence)
                in_sequences = true;
            else if (!in_sequences)
                add_mapping(value, glyph);
        }
    }
    return {};
}

ktl::ErrorOr<void> PsfFont::parse_psf2_table(ktl::ByteReader table) {
    size_t offset = 0;
    for (uint32_t glyph = 0; glyph < m_glyph_count; ++glyph) {
        bool in_sequences = false;
        Utf8Decoder decoder;
        for (;;) {
            uint8_t byte = TRY(table.read<uint8_t>(offset));
            ++offset;
            // FE and FF can never occur in UTF-8, so they are safe to test before decoding.
            if (byte == psf2_separator)
                break;
            if (byte == psf2_start_sequence)
                in_sequences = true;
            if (in_sequences)
                continue;
            Utf8Decoder::Step step = decoder.step(byte);
            if (step.status == Utf8Decoder::Status::Retry)
                step = decoder.step(byte); // drop the broken-off character, keep this byte
            // Invalid bytes are dropped rather than mapping U+FFFD to this glyph.
            if (step.status == Utf8Decoder::Status::Done)
                add_mapping(step.code_point, glyph);
        }
    }
    return {};
}

void PsfFont::add_mapping(char32_t codepoint, uint32_t glyph) {
    bool is_surrogate = codepoint >= 0xD800 && codepoint <= 0xDFFF;
    if (codepoint > 0x10FFFF || is_surrogate || m_mapping_count == max_mappings)
        return;
    m_codepoints[m_mapping_count] = codepoint;
    m_mapped_glyphs[m_mapping_count] = static_cast<uint16_t>(glyph);
    ++m_mapping_count;
}

// Heap sort by (code point, glyph): in place, no heap, O(n log n) even for hostile input. Then
// duplicates are dropped so the lowest glyph index wins, the same answer every time.
void PsfFont::sort_mappings() {
    auto key = [this](uint32_t i) {
        return (static_cast<uint64_t>(m_codepoints[i]) << 16) | m_mapped_glyphs[i];
    };
    auto swap = [this](uint32_t a, uint32_t b) {
        uint32_t codepoint = m_codepoints[a];
        m_codepoints[a] = m_codepoints[b];
        m_codepoints[b] = codepoint;
        uint16_t glyph = m_mapped_glyphs[a];
        m_mapped_glyphs[a] = m_mapped_glyphs[b];
        m_mapped_glyphs[b] = glyph;
    };
    auto sift_down = [&](uint32_t root, uint32_t end) {
        for (;;) {
            uint32_t child = 2 * root + 1;
            if (child >= end)
                return;
            if (child + 1 < end && key(child + 1) > key(child))
                ++child;
            if (key(root) >= key(child))
                return;
            swap(root, child);
            root = child;
        }
    };

    uint32_t count = m_mapping_count;
    for (uint32_t start = count / 2; start-- > 0;)
        sift_down(start, count);
    for (uint32_t end = count; end > 1; --end) {
        swap(0, end - 1);
        sift_down(0, end - 1);
    }

    uint32_t unique = 0;
    for (uint32_t i = 0; i < count; ++i) {
        if (unique > 0 && m_codepoints[unique - 1] == m_codepoints[i])
            continue;
        m_codepoints[unique] = m_codepoints[i];
        m_mapped_glyphs[unique] = m_mapped_glyphs[i];
        ++unique;
    }
    m_mapping_count = unique;
}

// Without any mappings (no table, or an empty one) a code point is its own glyph index.
bool PsfFont::lookup(char32_t codepoint, uint32_t& glyph) const {
    if (m_mapping_count == 0) {
        if (codepoint >= m_glyph_count)
            return false;
        glyph = codepoint;
        return true;
    }
    uint32_t low = 0;
    uint32_t high = m_mapping_count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (m_codepoints[middle] < codepoint)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == m_mapping_count || m_codepoints[low] != codepoint)
        return false;
    glyph = m_mapped_glyphs[low];
    return true;
}

const uint8_t* PsfFont::glyph(uint32_t index) const {
    if (m_glyph_count == 0)
        return nullptr;
    if (index >= m_glyph_count)
        index = 0;
    return m_glyphs + static_cast<size_t>(index) * bytes_per_glyph();
}

uint32_t PsfFont::glyph_for(char32_t codepoint) const {
    uint32_t glyph = 0;
    if (lookup(codepoint, glyph))
        return glyph;
    return m_fallback_glyph;
}

} // namespace console
