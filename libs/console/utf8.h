// Incremental UTF-8 decoder: bytes go in one at a time (a write() may end in the middle of a
// character), code points come out. Malformed input follows the WHATWG/Unicode "maximal subpart"
// rule: each invalid or truncated piece becomes one U+FFFD and decoding resynchronises on the
// offending byte, so overlongs, surrogates and values above U+10FFFF can never come out.
#pragma once

#include <cstddef>
#include <cstdint>

namespace console {

// Writes `codepoint` (a Unicode scalar value) as UTF-8 into `out`; returns how many bytes (1-4).
inline size_t encode_utf8(char32_t codepoint, char (&out)[4]) {
    if (codepoint < 0x80) {
        out[0] = static_cast<char>(codepoint);
        return 1;
    }
    if (codepoint < 0x800) {
        out[0] = static_cast<char>(0xC0 | (codepoint >> 6));
        out[1] = static_cast<char>(0x80 | (codepoint & 0x3F));
        return 2;
    }
    if (codepoint < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (codepoint >> 12));
        out[1] = static_cast<char>(0x80 | ((codepoint >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (codepoint & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (codepoint >> 18));
    out[1] = static_cast<char>(0x80 | ((codepoint >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((codepoint >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (codepoint & 0x3F));
    return 4;
}

inline constexpr char32_t replacement_character = 0xFFFD;

class Utf8Decoder {
public:
    enum class Status : uint8_t {
        NeedMore, // byte consumed, the character is not complete yet
        Done,     // byte consumed, `code_point` is a complete character
        Invalid,  // byte consumed, it can never start or continue a character: `code_point` is U+FFFD
        Retry,    // a sequence broke off before this byte: `code_point` is U+FFFD, feed the byte again
    };
    struct Step {
        Status status;
        char32_t code_point;
    };

    // The low-level interface, for callers that must tell a decoded U+FFFD from an error.
    constexpr Step step(uint8_t byte) {
        if (m_needed == 0) {
            if (byte < 0x80)
                return {Status::Done, byte};
            if (byte >= 0xC2 && byte <= 0xDF) {
                m_needed = 1;
                m_code_point = byte & 0x1F;
            } else if (byte >= 0xE0 && byte <= 0xEF) {
                // E0 must not encode below U+0800 (overlong); ED must not reach the surrogates.
                if (byte == 0xE0)
                    m_lower = 0xA0;
                if (byte == 0xED)
                    m_upper = 0x9F;
                m_needed = 2;
                m_code_point = byte & 0x0F;
            } else if (byte >= 0xF0 && byte <= 0xF4) {
                // F0 must not encode below U+10000; F4 must not go beyond U+10FFFF.
                if (byte == 0xF0)
                    m_lower = 0x90;
                if (byte == 0xF4)
                    m_upper = 0x8F;
                m_needed = 3;
                m_code_point = byte & 0x07;
            } else {
                // Stray continuation, C0/C1 (always overlong) or F5..FF (beyond U+10FFFF).
                return {Status::Invalid, replacement_character};
            }
            return {Status::NeedMore, 0};
        }
        if (byte < m_lower || byte > m_upper) {
            reset();
            return {Status::Retry, replacement_character};
        }
        m_lower = 0x80;
        m_upper = 0xBF;
        m_code_point = (m_code_point << 6) | (byte & 0x3F);
        if (++m_seen < m_needed)
            return {Status::NeedMore, 0};
        char32_t code_point = m_code_point;
        reset();
        return {Status::Done, code_point};
    }

    // Feeds one byte and calls emit(char32_t) for each character it completes (at most two: the
    // U+FFFD for a broken-off sequence, then the byte itself as ASCII).
    template <typename Emit>
    constexpr void feed(uint8_t byte, Emit&& emit) {
        Step result = step(byte);
        if (result.status == Status::Retry) {
            emit(result.code_point);
            result = step(byte);
        }
        if (result.status != Status::NeedMore)
            emit(result.code_point);
    }

    // End of input: a sequence still open was truncated and becomes one U+FFFD.
    template <typename Emit>
    constexpr void finish(Emit&& emit) {
        if (in_sequence()) {
            reset();
            emit(replacement_character);
        }
    }

    constexpr bool in_sequence() const { return m_needed != 0; }
    constexpr void reset() {
        m_code_point = 0;
        m_needed = 0;
        m_seen = 0;
        m_lower = 0x80;
        m_upper = 0xBF;
    }

private:
    char32_t m_code_point = 0;
    uint8_t m_needed = 0;   // continuation bytes the current character needs in total
    uint8_t m_seen = 0;     // continuation bytes seen so far
    uint8_t m_lower = 0x80; // bounds for the next continuation byte
    uint8_t m_upper = 0xBF;
};

} // namespace console
