// The interactive front end: reads command lines from the terminal, with more lines while a
// construct is still open, and runs each through the shell.
#pragma once

#include <string_view>

#include "shell/string.h"

namespace shell {

class Shell;

// True when `source` ends inside a construct (quote, if ... fi, here-document): read another line.
bool needs_more_input(std::string_view source);

void run_interactive(Shell& shell);

} // namespace shell
