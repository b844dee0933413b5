// The kernel console: everything printed goes to COM1 and, when GRUB set one up, to the framebuffer.
#pragma once

#include "boot/boot_info.h"
#include "ktl/format.h"

namespace console {

class FramebufferSurface;
class PsfFont;
class TextConsole;

// COM1 for text and COM2 for the JSON log; usable before anything else.
void initialize_serial();
// Draws on the linear framebuffer described by `info`, mapped at `pixels`. Returns false (and the
// console stays serial-only) for a format it cannot draw.
bool initialize_framebuffer(const boot::FramebufferInfo& info, uint8_t* pixels);
bool has_framebuffer();
// A new mode on the screen (the display driver changed it): the boot console draws on `pixels` from
// now on, its text kept and laid out for the new size while it still owns the screen; without a
// boot console yet this is initialize_framebuffer. False (nothing changed) for a format or a size
// it cannot draw. The screen owner, if any, resizes its own consoles.
bool change_framebuffer(const boot::FramebufferInfo& info, uint8_t* pixels);
// What the boot console draws on (its physical address tells the display driver whether the
// loader's framebuffer is its own), null without one.
const boot::FramebufferInfo* framebuffer_info();
// The console's font, loaded on first use; null if the embedded font cannot be read.
const PsfFont* console_font();
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

// Protocol lines for the runner (markers): COM1 only, the screen is for people.
void write_serial_only(ktl::StringView text);

// A kernel log record: always to COM1, to the screen when `on_screen` (through its owner once it
// has one).
void write_log(ktl::StringView text, bool on_screen);

// What draws on the screen once boot hands it over (the virtual terminals). From then on write()
// and print() reach COM1 only, the screen being the user's; the log's screen records and emergency
// output go to the owner.
class ScreenOwner {
public:
    virtual void write(ktl::StringView text) = 0;
    // Must take no lock: a panic may have interrupted a holder.
    virtual void write_emergency(ktl::StringView text) = 0;

protected:
    ~ScreenOwner() = default;
};
void hand_over_screen(ScreenOwner& owner);
// The framebuffer the boot console draws on, null without one; and the boot console itself, whose
// screen (the boot log) the first owner may take over.
FramebufferSurface* framebuffer_surface();
const TextConsole* boot_text_console();

// Output that must get out even when the console's lock is held by a crashed context (panics).
void write_emergency(ktl::StringView text);

} // namespace console
