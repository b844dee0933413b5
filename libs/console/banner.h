// The kernel's banner: the top pinned row of the framebuffer console. Kept in the library so the
// host test renders exactly what the kernel shows and can compare it with a QEMU screenshot.
#pragma once

#include "console/color.h"
#include "console/text_console.h"
#include "ktl/string_view.h"

namespace console {

inline constexpr Rgb banner_foreground = ansi_color(AnsiColor::White);
inline constexpr Rgb banner_background = ansi_color(AnsiColor::Blue);
inline constexpr uint32_t banner_row = 0;
inline constexpr uint32_t banner_column = 1; // one cell of margin on the left

// "blog_os - an x86-64 kernel in C++" (ASCII).
ktl::StringView banner_text();

// Fills row 0 with the banner background and writes banner_text() from column 1. Pins row 0 first
// if nothing is pinned yet, so the banner can never scroll away. The cursor is not moved
// (unless pinning pushes it off row 0).
void draw_banner(TextConsole& console);

} // namespace console
