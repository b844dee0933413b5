// Diagnostics for the utilities (see program.h).
#include "toolbox/program.h"

#include <cstdlib>
#include <cstring>

namespace toolbox {

namespace {
const char* g_program_name = "toolbox";
FILE* g_diagnostics = nullptr;

FILE* diagnostics() {
    return g_diagnostics != nullptr ? g_diagnostics : stderr;
}

void vreport(const char* format, va_list arguments, const char* suffix, bool with_name = true) {
    // Whatever the program printed so far comes first, as it would with an unbuffered stdout.
    fflush(stdout);
    FILE* stream = diagnostics();
    if (with_name)
        fprintf(stream, "%s: ", g_program_name);
    vfprintf(stream, format, arguments);
    if (suffix != nullptr)
        fprintf(stream, ": %s", suffix);
    fputc('\n', stream);
    fflush(stream);
}
} // namespace

void set_program_name(const char* name) {
    g_program_name = name;
}
const char* program_name() {
    return g_program_name;
}
void set_diagnostic_stream(FILE* stream) {
    g_diagnostics = stream;
}

void error(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vreport(format, arguments, nullptr);
    va_end(arguments);
}

void error_errno(int error_number, const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vreport(format, arguments, strerror(error_number));
    va_end(arguments);
}

void note(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vreport(format, arguments, nullptr, false);
    va_end(arguments);
}

void fatal(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vreport(format, arguments, nullptr);
    va_end(arguments);
    exit(1);
}

const char* quote(const char* name) {
    static char buffers[4][512];
    static unsigned next = 0;
    char* buffer = buffers[next++ % 4];
    char mark = strchr(name, '\'') != nullptr ? '"' : '\'';
    snprintf(buffer, sizeof(buffers[0]), "%c%s%c", mark, name, mark);
    return buffer;
}

} // namespace toolbox
