// Interactive reading. Lines come from the terminal in canonical mode for now: the kernel's line
// discipline does the editing.
#include "shell/line_editor.h"

#include <cerrno>
#include <csignal>
#include <unistd.h>

#include "shell/builtins.h"
#include "shell/interpreter.h"
#include "shell/parser.h"

namespace shell {

bool needs_more_input(std::string_view source) {
    Parser parser(source);
    parser.set_final(false);
    for (;;) {
        Node* tree = nullptr;
        Parser::Status status = parser.parse_next(tree);
        delete tree;
        if (status == Parser::Status::NeedMore)
            return true;
        if (status != Parser::Status::Command)
            return false;
    }
}

namespace {

// One line from fd 0, without its newline; false at the end of input with nothing read.
bool read_line(String& line) {
    line.clear();
    for (;;) {
        char c;
        ssize_t length = read(0, &c, 1);
        if (length < 0 && errno == EINTR)
            continue;
        if (length <= 0)
            return !line.empty();
        if (c == '\n')
            return true;
        line += c;
    }
}

} // namespace

void run_interactive(Shell& shell) {
    // The shell itself survives ^C and ^\; its children get the default actions back.
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    for (;;) {
        String source;
        write_all(2, shell.prompt());
        for (;;) {
            String line;
            if (!read_line(line)) {
                if (source.empty()) {
                    write_all(2, "\n");
                    return;
                }
                break;
            }
            source += line;
            source += '\n';
            if (!needs_more_input(source))
                break;
            const String* ps2 = shell.variable("PS2");
            write_all(2, ps2 ? ps2->view() : "> ");
        }
        shell.run_source(source);
    }
}

} // namespace shell
