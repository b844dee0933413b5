// Readable GoogleTest failure messages for FrameStatistics, shared by the frame-allocator tests.
#pragma once

#include "mm/frame_allocator.h"

#include <ostream>

namespace mm {
inline void PrintTo(const FrameStatistics& s, std::ostream* out) {
    *out << "{total " << s.total_frames << ", free " << s.free_frames << ", used " << s.used_frames
         << ", reserved " << s.reserved_frames << "}";
}
} // namespace mm
