// The terminal layer's entry points for boot: the serial terminals (ttyS0 and /dev/console on COM1,
// ttyS1 on COM2), /dev/tty, the pseudo-terminals, and the debug keys typed at the serial console.
// The terminal object and its line discipline are in tty/terminal.h, ptys in tty/pty.h.
#pragma once

#include <cstdint>

namespace tty {

// Takes over the COM1 receive interrupt and starts the task that feeds its bytes to the terminal;
// call once interrupts and the scheduler are up.
void initialize_serial_input();
// Registers console (5:1), tty (5:0), ttyS0 (4:64), ttyS1 (4:65), ptmx (5:2), the pty slaves (136:N),
// the devpts file system type and the virtual terminals (tty/virtual_terminal.h), and gives proc the hook
// that hangs up a session's terminal when its leader exits.
void register_terminal_devices();
// Mounts devpts at /dev/pts (after devtmpfs is at /dev).
void mount_devpts();

// A byte the serial terminal acts on itself instead of passing on (Ctrl-T lists the tasks). The
// handler runs in the receive interrupt.
using DebugKeyHandler = void (*)();
void set_debug_key(uint8_t byte, DebugKeyHandler handler);

} // namespace tty
