// Keys on the serial console that ask the kernel for a report while it runs, until a terminal and
// user-space tools exist: Ctrl-T lists the tasks (as BSD's ^T reports status).
#pragma once

namespace debug {
void install_debug_keys();
}
