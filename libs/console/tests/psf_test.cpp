// PsfFont: the real Terminus font, hand-built PSF1/PSF2 files, and hostile input (every
// truncation, random byte flips) that must give an error or a usable font, never a wild read.
#include "console/psf.h"
#include "console/tests/test_font.h"
#include "ktl/assert.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

namespace {

using console::PsfFont;
using namespace console_test;

ktl::ErrorOr<PsfFont> parse(const std::vector<uint8_t>& bytes) {
    return PsfFont::parse(ktl::ByteReader(bytes.data(), bytes.size()));
}

bool glyph_has_set_bits(const PsfFont& font, uint32_t index) {
    const uint8_t* glyph = font.glyph(index);
    for (uint32_t i = 0; i < font.bytes_per_glyph(); ++i)
        if (glyph[i] != 0)
            return true;
    return false;
}

// Touches everything a parsed font exposes, so ASan sees any out-of-bounds view.
uint32_t exercise(const PsfFont& font) {
    uint32_t checksum = 0;
    for (char32_t codepoint : {U'A', U'?', U'\0', U'\u2500', U'\uFFFD', U'\U0010FFFF', char32_t(0x110000)}) {
        uint32_t index = font.glyph_for(codepoint);
        EXPECT_LT(index, font.glyph_count());
        const uint8_t* glyph = font.glyph(index);
        for (uint32_t i = 0; i < font.bytes_per_glyph(); ++i)
            checksum += glyph[i];
    }
    const uint8_t* last = font.glyph(font.glyph_count() - 1);
    for (uint32_t i = 0; i < font.bytes_per_glyph(); ++i)
        checksum += last[i];
    return checksum;
}

class PsfTerminus : public ::testing::Test {
protected:
    void SetUp() override {
        m_bytes = read_console_font();
        ASSERT_FALSE(m_bytes.empty()) << "cannot read " << BLOG_OS_CONSOLE_FONT_PATH;
    }
    std::vector<uint8_t> m_bytes;
};

TEST_F(PsfTerminus, ParsesAsPsf1With512GlyphsAndTable) {
    auto font = parse(m_bytes);
    ASSERT_FALSE(font.is_error());
    EXPECT_EQ(font.value().width(), 8u);
    EXPECT_EQ(font.value().height(), 16u);
    EXPECT_EQ(font.value().bytes_per_row(), 1u);
    EXPECT_EQ(font.value().glyph_count(), 512u);
    EXPECT_TRUE(font.value().has_unicode_table());
    // 792 entries in Uni2-Terminus16, one code point listed twice.
    EXPECT_EQ(font.value().mapping_count(), 791u);
}

TEST_F(PsfTerminus, MapsAsciiBoxDrawingAndUnknownCodePoints) {
    PsfFont font = MUST(parse(m_bytes));
    uint32_t a = font.glyph_for(U'A');
    EXPECT_TRUE(glyph_has_set_bits(font, a));
    EXPECT_FALSE(glyph_has_set_bits(font, font.glyph_for(U' ')));
    EXPECT_NE(a, font.glyph_for(U'B'));
    uint32_t question = font.glyph_for(U'?');
    uint32_t box = font.glyph_for(U'\u2500');
    EXPECT_NE(box, question);
    EXPECT_TRUE(glyph_has_set_bits(font, box));
    uint32_t replacement = font.glyph_for(U'\uFFFD');
    EXPECT_NE(replacement, question);
    // Not in Uni2: CJK, private use, the last code point, beyond Unicode.
    EXPECT_EQ(font.glyph_for(U'\u4E00'), replacement);
    EXPECT_EQ(font.glyph_for(U'\uE000'), replacement);
    EXPECT_EQ(font.glyph_for(U'\U0010FFFF'), replacement);
    EXPECT_EQ(font.glyph_for(char32_t(0xFFFFFFFF)), replacement);
}

TEST_F(PsfTerminus, GlyphPointersStayInsideTheFile) {
    PsfFont font = MUST(parse(m_bytes));
    EXPECT_EQ(font.glyph(0), m_bytes.data() + 4);
    EXPECT_EQ(font.glyph(511), m_bytes.data() + 4 + 511 * 16);
    EXPECT_EQ(font.glyph(512), font.glyph(0)); // out of range -> glyph 0, never past the data
}

TEST_F(PsfTerminus, LoadInPlaceAndEmptyAfterFailure) {
    static PsfFont font; // how the kernel keeps it: no large temporaries on its stack
    EXPECT_EQ(font.glyph_count(), 0u);
    EXPECT_EQ(font.glyph(0), nullptr);
    ASSERT_FALSE(font.load(ktl::ByteReader(m_bytes.data(), m_bytes.size())).is_error());
    EXPECT_EQ(font.glyph_count(), 512u);
    EXPECT_TRUE(font.load(ktl::ByteReader(m_bytes.data(), 100)).is_error());
    EXPECT_EQ(font.glyph_count(), 0u);
    EXPECT_EQ(font.glyph(0), nullptr);
    EXPECT_EQ(font.glyph_for(U'A'), 0u);
}

// The table ends exactly at the end of the file, so every proper prefix is truncated somewhere:
// header, glyph data or unicode table. All must fail cleanly.
TEST_F(PsfTerminus, EveryTruncationIsAnError) {
    for (size_t length = 0; length < m_bytes.size(); ++length) {
        // A copy of exactly `length` bytes, so ASan catches a read past the end.
        std::unique_ptr<uint8_t[]> copy(new uint8_t[length + 1]);
        std::copy(m_bytes.begin(), m_bytes.begin() + length, copy.get());
        auto font = PsfFont::parse(ktl::ByteReader(copy.get(), length));
        ASSERT_TRUE(font.is_error()) << "length " << length;
        EXPECT_EQ(font.error().code(), ktl::Errno::InvalidArgument);
    }
}

TEST_F(PsfTerminus, RandomByteFlipsNeverCrash) {
    std::mt19937 random(20240521);
    std::vector<uint8_t> mutated = m_bytes;
    size_t parsed = 0;
    for (int iteration = 0; iteration < 50000; ++iteration) {
        // Half the flips hit the header and table (where the parser decides things), half anywhere.
        size_t positions[4];
        int flips = 1 + static_cast<int>(random() % 4);
        for (int i = 0; i < flips; ++i) {
            size_t position = random() % m_bytes.size();
            if (random() % 2 == 0)
                position = (random() % 2 == 0) ? random() % 4 : 8196 + random() % (m_bytes.size() - 8196);
            positions[i] = position;
            mutated[position] = static_cast<uint8_t>(random());
        }
        auto font = parse(mutated);
        if (!font.is_error()) {
            ++parsed;
            exercise(font.value());
        }
        for (int i = 0; i < flips; ++i)
            mutated[positions[i]] = m_bytes[positions[i]];
    }
    EXPECT_GT(parsed, 0u);
}

TEST(PsfSynthetic, Psf2WithUtf8Table) {
    std::vector<uint8_t> table;
    append_utf8(table, "?\xFF");         // glyph 0: '?'
    append_utf8(table, "A\xC3\xA9\xFF"); // glyph 1: 'A', U+00E9
    append_utf8(table, "\xE2\x82\xAC\xFE"
                       "e\xCC\x81\xFF"); // glyph 2: U+20AC, sequence e + U+0301
    append_utf8(table, "\xF0\x9D\x84\x9E\x80\xC3"
                       "B\xFF"); // glyph 3: U+1D11E, junk, 'B'
    auto bytes = make_psf2(10, 3, 4, table);
    auto result = parse(bytes);
    ASSERT_FALSE(result.is_error());
    const PsfFont& font = result.value();
    EXPECT_EQ(font.width(), 10u);
    EXPECT_EQ(font.height(), 3u);
    EXPECT_EQ(font.bytes_per_row(), 2u);
    EXPECT_EQ(font.bytes_per_glyph(), 6u);
    EXPECT_EQ(font.glyph_count(), 4u);
    EXPECT_EQ(font.glyph(2), bytes.data() + 32 + 2 * 6);
    EXPECT_EQ(font.glyph(2)[5], 3u);
    EXPECT_EQ(font.glyph_for(U'?'), 0u);
    EXPECT_EQ(font.glyph_for(U'A'), 1u);
    EXPECT_EQ(font.glyph_for(U'\u00E9'), 1u);
    EXPECT_EQ(font.glyph_for(U'\u20AC'), 2u);
    EXPECT_EQ(font.glyph_for(U'\U0001D11E'), 3u);
    EXPECT_EQ(font.glyph_for(U'B'), 3u);
    // Sequence members are not single mappings; unknown code points fall back to '?'.
    EXPECT_EQ(font.glyph_for(U'e'), 0u);
    EXPECT_EQ(font.glyph_for(U'\u0301'), 0u);
    EXPECT_EQ(font.glyph_for(U'\uFFFD'), 0u);
    EXPECT_EQ(font.mapping_count(), 6u);
}

TEST(PsfSynthetic, Psf2HeaderSizeLargerThan32) {
    Psf2Header header;
    header.header_size = 40;
    header.length = 2;
    header.charsize = 2;
    header.height = 2;
    header.width = 8;
    auto bytes = psf2_header(header);
    bytes.insert(bytes.end(), 8, 0xEE); // extension of the header
    bytes.insert(bytes.end(), {1, 2, 3, 4});
    PsfFont font = MUST(parse(bytes));
    EXPECT_EQ(font.glyph(1)[0], 3u);
    EXPECT_EQ(font.glyph_for(U'\x01'), 1u); // no table: code point = glyph index
    EXPECT_EQ(font.glyph_for(U'\x02'), 0u); // nothing for U+FFFD or '?' either: glyph 0
}

TEST(PsfSynthetic, Psf1WithoutTableMapsDirectly) {
    std::vector<uint8_t> bytes = {0x36, 0x04, 0x00, 2};
    bytes.resize(4 + 256 * 2, 0x11);
    PsfFont font = MUST(parse(bytes));
    EXPECT_EQ(font.glyph_count(), 256u);
    EXPECT_FALSE(font.has_unicode_table());
    EXPECT_EQ(font.glyph_for(U'A'), 65u);
    EXPECT_EQ(font.glyph_for(U'\u00FF'), 255u);
    EXPECT_EQ(font.glyph_for(U'\u0100'), 63u); // '?'
    bytes[2] = 0x01;                           // 512 glyphs: needs twice the data
    EXPECT_TRUE(parse(bytes).is_error());
    bytes.resize(4 + 512 * 2, 0x22);
    PsfFont large = MUST(parse(bytes));
    EXPECT_EQ(large.glyph_for(U'\u0100'), 256u);
    EXPECT_EQ(large.glyph_for(U'\u0200'), 63u);
}

TEST(PsfSynthetic, Psf1TableSkipsSequencesAndSurrogates) {
    std::vector<uint8_t> bytes = {0x36, 0x04, 0x06, 1};
    bytes.resize(4 + 256, 0);
    auto append = [&](uint16_t value) {
        bytes.push_back(static_cast<uint8_t>(value));
        bytes.push_back(static_cast<uint8_t>(value >> 8));
    };
    // glyph 0: U+2500, U+D800 (ignored), then sequences U+0041 U+0301 and U+0045 U+0301
    for (uint16_t value : {0x2500, 0xD800, 0xFFFE, 0x0041, 0x0301, 0xFFFE, 0x0045, 0x0301, 0xFFFF})
        append(value);
    // glyph 1: '?' and U+FFFD; glyph 2: U+2500 again (the lower glyph index wins)
    for (uint16_t value : {0x003F, 0xFFFD, 0xFFFF, 0x2500, 0xFFFF})
        append(value);
    for (int glyph = 3; glyph < 256; ++glyph)
        append(0xFFFF);
    PsfFont font = MUST(parse(bytes));
    EXPECT_EQ(font.glyph_for(U'\u2500'), 0u);
    EXPECT_EQ(font.glyph_for(U'?'), 1u);
    EXPECT_EQ(font.glyph_for(U'A'), 1u); // only inside a sequence: unknown, U+FFFD's glyph
    EXPECT_EQ(font.glyph_for(U'\u0301'), 1u);
    EXPECT_EQ(font.mapping_count(), 3u);
    // Without its last separator the table is truncated.
    bytes.resize(bytes.size() - 1);
    EXPECT_TRUE(parse(bytes).is_error());
    bytes.resize(bytes.size() - 1);
    EXPECT_TRUE(parse(bytes).is_error());
}

TEST(PsfSynthetic, ExtraMappingsBeyondCapacityAreIgnored) {
    std::vector<uint8_t> table;
    // Glyph 0 gets U+1000..U+1000+4999 in descending order; glyph 1 gets '?'.
    for (int i = 4999; i >= 0; --i) {
        char32_t codepoint = 0x1000 + i;
        table.push_back(static_cast<uint8_t>(0xE0 | (codepoint >> 12)));
        table.push_back(static_cast<uint8_t>(0x80 | ((codepoint >> 6) & 0x3F)));
        table.push_back(static_cast<uint8_t>(0x80 | (codepoint & 0x3F)));
    }
    table.push_back(0xFF);
    append_utf8(table, "?\xFF");
    PsfFont font = MUST(parse(make_psf2(8, 8, 2, table)));
    EXPECT_EQ(font.mapping_count(), PsfFont::max_mappings);
    // The first 4096 in file order are U+1000+4999 down to U+1000+904.
    EXPECT_EQ(font.glyph_for(char32_t(0x1000 + 4999)), 0u);
    EXPECT_EQ(font.glyph_for(char32_t(0x1000 + 904)), 0u);
    EXPECT_EQ(font.glyph_for(U'?'), 0u); // '?' came too late: fallback is glyph 0 as well
    EXPECT_EQ(font.glyph_for(char32_t(0x1000 + 903)), 0u);
}

TEST(PsfSynthetic, RejectsBadHeaders) {
    auto valid = make_psf2(8, 16, 4);
    EXPECT_FALSE(parse(valid).is_error());

    auto expect_invalid = [](const std::vector<uint8_t>& bytes, const char* what) {
        auto font = parse(bytes);
        ASSERT_TRUE(font.is_error()) << what;
        EXPECT_EQ(font.error().code(), ktl::Errno::InvalidArgument) << what;
    };
    expect_invalid({}, "empty");
    expect_invalid({0x36}, "half a PSF1 magic");
    expect_invalid({0x72, 0xb5, 0x4a, 0x87, 0, 0, 0, 0}, "bad PSF2 magic");
    expect_invalid({0x36, 0x04, 0x00, 0x00}, "PSF1 height 0");
    {
        std::vector<uint8_t> bytes = {0x36, 0x04, 0x00, 65};
        bytes.resize(4 + 256 * 65);
        expect_invalid(bytes, "PSF1 height 65");
    }

    auto with = [](auto change) {
        Psf2Header header;
        header.length = 4;
        header.charsize = 16;
        header.height = 16;
        header.width = 8;
        change(header);
        auto bytes = psf2_header(header);
        bytes.resize(bytes.size() + 4096, 0); // plenty of glyph data for the valid fields
        return bytes;
    };
    expect_invalid(with([](Psf2Header& h) { h.width = 0; }), "width 0");
    expect_invalid(with([](Psf2Header& h) { h.width = 65; }), "width 65");
    expect_invalid(with([](Psf2Header& h) { h.height = 0, h.charsize = 0; }), "height 0");
    expect_invalid(with([](Psf2Header& h) { h.height = 65, h.charsize = 65; }), "height 65");
    expect_invalid(with([](Psf2Header& h) { h.charsize = 17; }), "charsize != height * bytes_per_row");
    expect_invalid(with([](Psf2Header& h) { h.width = 9; }), "9 pixels need 2 bytes per row");
    expect_invalid(with([](Psf2Header& h) { h.length = 0; }), "no glyphs");
    expect_invalid(with([](Psf2Header& h) { h.length = 0xFFFFFFFF; }), "absurd length");
    expect_invalid(with([](Psf2Header& h) { h.length = 65537; }), "more glyphs than indices");
    expect_invalid(with([](Psf2Header& h) { h.length = 1000; }), "glyph data past the end");
    expect_invalid(with([](Psf2Header& h) { h.header_size = 16; }), "header size below 32");
    expect_invalid(with([](Psf2Header& h) { h.header_size = 0xFFFFFFF0; }), "header size past the end");
    expect_invalid(with([](Psf2Header& h) { h.flags = 1; }), "table without separators");

    auto wide = with([](Psf2Header& h) { h.width = 64, h.height = 64, h.charsize = 512; });
    wide.resize(32 + 4 * 512);
    PsfFont font = MUST(parse(wide));
    EXPECT_EQ(font.bytes_per_row(), 8u);
}

// A table-bearing PSF2 cut at every length: an error or (never here, since the table ends the
// file) a valid font; ASan checks nothing outside the copy is read.
TEST(PsfSynthetic, EveryTruncationOfPsf2IsHandled) {
    std::vector<uint8_t> table;
    append_utf8(table, "?\xFF"
                       "A\xC3\xA9\xFE"
                       "ab\xFF"
                       "\xE2\x94\x80\xFF");
    auto bytes = make_psf2(12, 5, 3, table);
    for (size_t length = 0; length <= bytes.size(); ++length) {
        std::unique_ptr<uint8_t[]> copy(new uint8_t[length + 1]);
        std::copy(bytes.begin(), bytes.begin() + length, copy.get());
        auto font = PsfFont::parse(ktl::ByteReader(copy.get(), length));
        if (length == bytes.size()) {
            ASSERT_FALSE(font.is_error());
            EXPECT_EQ(font.value().glyph_for(U'\u2500'), 2u);
        } else {
            EXPECT_TRUE(font.is_error()) << "length " << length;
        }
    }
}

TEST(PsfSynthetic, RandomByteFlipsInPsf2NeverCrash) {
    std::vector<uint8_t> table;
    append_utf8(table, "?\xFF"
                       "A\xC3\xA9\xFE"
                       "ab\xFF"
                       "\xE2\x94\x80\xEF\xBF\xBD\xFF"
                       "x\xFF");
    const auto original = make_psf2(12, 5, 4, table);
    std::mt19937 random(7);
    size_t parsed = 0;
    for (int iteration = 0; iteration < 50000; ++iteration) {
        auto bytes = original;
        int flips = 1 + static_cast<int>(random() % 3);
        for (int i = 0; i < flips; ++i)
            bytes[random() % bytes.size()] ^= static_cast<uint8_t>(1u << (random() % 8));
        // Parse from an exact-size heap copy so ASan sees the end of the buffer.
        std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
        std::copy(bytes.begin(), bytes.end(), copy.get());
        auto font = PsfFont::parse(ktl::ByteReader(copy.get(), bytes.size()));
        if (!font.is_error()) {
            ++parsed;
            exercise(font.value());
        }
    }
    EXPECT_GT(parsed, 0u);
}

} // namespace
