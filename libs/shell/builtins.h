// The commands the shell runs itself: the special builtins of POSIX XCU 2.14 and the regular
// ones a shell must provide because they change its own state (cd, read, wait, ...).
#pragma once

#include <string_view>
#include <vector>

#include "shell/string.h"

namespace shell {

class Shell;

struct BuiltinInfo {
    const char* name;
    int (*run)(Shell& shell, std::vector<String>& argv);
    bool special; // errors end a non-interactive shell; assignments before it persist
};

const BuiltinInfo* find_builtin(std::string_view name);
std::vector<String> builtin_names();

// Builtins that touch no shell state, shared with the unit tests.
int builtin_echo(std::vector<String>& argv, String& out);
int builtin_printf(std::vector<String>& argv, String& out, String& error);
int builtin_test(std::vector<String>& argv, String& error);

// False (errno set) when a write failed; the rest is not written.
bool write_all(int fd, std::string_view text);
// The handler of trapped signals: records the signal for the shell to act on between commands.
void note_pending_signal(int signal);

} // namespace shell
