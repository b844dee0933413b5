// What every utility shares about talking to its user: its name, "prog: message" diagnostics in the
// shape GNU coreutils uses (so scripts and tests can compare them), and quoting of file names.
#pragma once

#include <cstdarg>
#include <cstdio>

namespace toolbox {

// The name diagnostics start with ("ls"); set once by the dispatcher from argv[0].
void set_program_name(const char* name);
const char* program_name();

// Where diagnostics go: stderr normally, a memory stream in the unit tests.
void set_diagnostic_stream(FILE* stream);

// "prog: <formatted>\n".
void error(const char* format, ...) __attribute__((format(printf, 1, 2)));
// "prog: <formatted>: <strerror(error_number)>\n".
void error_errno(int error_number, const char* format, ...) __attribute__((format(printf, 2, 3)));

// "<formatted>\n" on the diagnostic stream, without the program name.
void note(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A file name as GNU shows it in messages: 'name', or "name" when it holds a single quote.
// Returns a pointer into one of a few rotating buffers, so two quotes fit in one message.
const char* quote(const char* name);

// Out of memory or a broken invariant in a utility: message and exit status 1.
[[noreturn]] void fatal(const char* format, ...) __attribute__((format(printf, 1, 2)));

} // namespace toolbox
