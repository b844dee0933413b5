// The `video=` kernel option, as Linux spells it: "[connector:]WIDTHxHEIGHT[-BPP][@REFRESH]" with
// optional mode letters after the numbers ("M", "R", "i", "m", "e", "d", "D") that this kernel has
// no use for. The text comes from whoever wrote the command line: anything malformed is refused.
#pragma once

#include "ktl/string_view.h"

#include <cstdint>

namespace console {

struct VideoMode {
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t bits_per_pixel = 0; // 0: not given
};

// False for text that is not a mode (a bare connector name, "off", numbers out of range).
bool parse_video_mode(ktl::StringView text, VideoMode& mode);

} // namespace console
