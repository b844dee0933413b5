// The kernel console: everything printed goes to COM1 and, when GRUB set one up, to the framebuffer.
#pragma once

#include "boot/boot_info.h"
#include "ktl/format.h"

namespace console {

// COM1 for text and COM2 for the JSON log; usable before anything else.
void initialize_serial();
// Draws on the linear framebuffer described by `info`, mapped at `pixels`. Returns false (and the
// console stays serial-only) for a format it cannot draw.
bool initialize_framebuffer(const boot::FramebufferInfo& info, uint8_t* pixels);
bool has_framebuffer();
// Redraws the pinned banner row at the top of the screen.
void draw_banner();

// Text with ANSI colour escapes; serial terminals and the framebuffer console both understand them.
void write(ktl::StringView text);

// A FormatSink over write(), for format_to(console::sink(), ...).
ktl::FormatSink& sink();

template <typename... Args>
void print(ktl::StringView format_string, const Args&... args) {
    ktl::format_to(sink(), format_string, args...);
}

// The text grid user programs see (TIOCGWINSZ): the screen's, or 80x25 on a serial-only console.
struct TextSize {
    uint16_t columns;
    uint16_t rows;
};
TextSize text_size();

// Protocol lines for the runner (markers): COM1 only, the screen is for people.
void write_serial_only(ktl::StringView text);

// Output that must get out even when the console's lock is held by a crashed context (panics).
void write_emergency(ktl::StringView text);

} // namespace console
