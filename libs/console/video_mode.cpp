#include "console/video_mode.h"

namespace console {

namespace {

// Reads decimal digits at `at` into `value` (at most 5 of them: no display is 100000 pixels wide).
bool read_number(ktl::StringView text, size_t& at, uint32_t& value) {
    size_t start = at;
    value = 0;
    while (at < text.length() && text[at] >= '0' && text[at] <= '9') {
        if (at - start == 5)
            return false;
        value = value * 10 + static_cast<uint32_t>(text[at] - '0');
        ++at;
    }
    return at > start;
}

bool is_mode_letter(char c) {
    return c == 'M' || c == 'R' || c == 'i' || c == 'm' || c == 'e' || c == 'd' || c == 'D';
}

} // namespace

bool parse_video_mode(ktl::StringView text, VideoMode& mode) {
    // "connector:mode": the connector is whatever precedes the last ':'.
    for (size_t i = text.length(); i > 0; --i) {
        if (text[i - 1] == ':') {
            text = text.substring(i);
            break;
        }
    }
    VideoMode parsed;
    size_t at = 0;
    if (!read_number(text, at, parsed.width) || at >= text.length() || text[at] != 'x')
        return false;
    ++at;
    if (!read_number(text, at, parsed.height))
        return false;
    while (at < text.length() && is_mode_letter(text[at]) && text[at] != 'e' && text[at] != 'd' &&
           text[at] != 'D')
        ++at; // M (computed timings), R (reduced blanking): irrelevant to a virtual display
    if (at < text.length() && text[at] == '-') {
        ++at;
        if (!read_number(text, at, parsed.bits_per_pixel) || parsed.bits_per_pixel == 0)
            return false;
    }
    if (at < text.length() && text[at] == '@') {
        ++at;
        uint32_t refresh;
        if (!read_number(text, at, refresh))
            return false;
    }
    while (at < text.length() && is_mode_letter(text[at]))
        ++at;
    if (at != text.length() || parsed.width == 0 || parsed.height == 0)
        return false;
    mode = parsed;
    return true;
}

} // namespace console
