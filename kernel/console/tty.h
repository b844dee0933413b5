// The console terminal: what a program's fds 0, 1 and 2 are. Output goes to the kernel console
// (serial and screen); input comes from the COM1 receive interrupt through a small line
// discipline: canonical mode (line editing with erase and kill, Ctrl-D for end of file, echo) or
// raw mode, as Linux's termios asks (TCGETS/TCSETS), and the window size (TIOCGWINSZ).
#pragma once

#include "fs/file.h"

namespace console {

// Takes over the COM1 receive interrupt; call once interrupts are set up.
void initialize_terminal();
// One byte of input, as if typed (the serial interrupt calls this; so can tests).
void terminal_receive(uint8_t byte);
// A new open description of the terminal, for reading and writing.
ktl::ErrorOr<fs::FileRef> open_terminal();

// A byte the terminal acts on itself instead of passing on (Ctrl-T lists the tasks).
using DebugKeyHandler = void (*)();
void set_debug_key(uint8_t byte, DebugKeyHandler handler);

} // namespace console
