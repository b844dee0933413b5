// The virtual terminals tty1-tty4 on the framebuffer and the PS/2 keyboard: each is a terminal of
// its own with a text console and a cell grid; the active one is drawn on the screen and gets what
// is typed. /dev/tty0 is the active one, /dev/vcsN the text of ttyN's screen (/dev/vcs the active
// one's), as Linux's vcs(4).
#pragma once

#include <cstdint>

namespace boot {
struct FramebufferInfo;
}

namespace tty {

inline constexpr uint32_t virtual_terminal_count = 4;

// Registers tty0-tty4 (4:0-4:4), vcs and vcs1-vcs4 (7:0-7:4) and builds the terminals' screens;
// call after the framebuffer console is up and the heap is ready, before devtmpfs is mounted.
void register_virtual_terminals();
// End of boot: tty1 takes the screen (below the boot log), the kernel log stops drawing on it
// except for what `console_loglevel` lets through (klog::set_console_loglevel), and the keyboard
// starts feeding the active terminal.
void start_virtual_terminals(int console_loglevel);

// The active terminal's number (1-based), and switching to another (false: no such terminal).
uint32_t active_virtual_terminal();
bool activate_virtual_terminal(uint32_t number);

// The display driver set a new mode (or gave the console a screen it had none for): `info`
// describes the framebuffer, mapped at `pixels`. The boot console and every terminal are laid out
// for its size, keeping their text; a terminal whose rows or columns changed tells its foreground
// process group with SIGWINCH. False, with nothing changed, for a framebuffer the console cannot
// draw on.
bool change_display(const boot::FramebufferInfo& info, uint8_t* pixels);

} // namespace tty
