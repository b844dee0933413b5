// The console terminal: /dev/console, which the first process's fds 0, 1 and 2 open. Output goes to the
// kernel console (serial and screen); input comes from the COM1 receive interrupt through a small line
// discipline: canonical mode (line editing with erase and kill, Ctrl-D for end of file, echo) or
// raw mode, as Linux's termios asks (TCGETS/TCSETS), and the window size (TIOCGWINSZ).
#pragma once

#include "fs/char_device.h"

namespace console {

// Takes over the COM1 receive interrupt; call once interrupts are set up.
void initialize_terminal();
// One byte of input, as if typed (the serial interrupt calls this; so can tests).
void terminal_receive(uint8_t byte);
// Registers the terminal as the character devices console (5:1), tty (5:0) and ttyS0 (4:64), and
// COM2 as ttyS1 (4:65).
void register_terminal_devices();

// A byte the terminal acts on itself instead of passing on (Ctrl-T lists the tasks).
using DebugKeyHandler = void (*)();
void set_debug_key(uint8_t byte, DebugKeyHandler handler);

} // namespace console
