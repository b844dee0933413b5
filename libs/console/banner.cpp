// The banner's text and layout.
#include "console/banner.h"

namespace console {

ktl::StringView banner_text() {
    return "blog_os - an x86-64 kernel in C++";
}

void draw_banner(TextConsole& console) {
    if (console.pinned_rows() <= banner_row)
        console.set_pinned_rows(banner_row + 1);
    // Each cell is drawn once: the text, then blank cells on both sides of it.
    ktl::StringView text = banner_text();
    console.draw_at(banner_column, banner_row, text, banner_foreground, banner_background);
    for (uint32_t column = 0; column < console.columns(); ++column) {
        if (column < banner_column || column >= banner_column + text.length())
            console.draw_at(column, banner_row, " ", banner_foreground, banner_background);
    }
}

} // namespace console
