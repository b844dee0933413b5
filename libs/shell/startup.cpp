// How the shell starts: its command line (sh [-eux] [-c string [name [args]] | file [args] | -s]),
// and whether it reads a script, a string, or a terminal.
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "shell/builtins.h"
#include "shell/interpreter.h"
#include "shell/line_editor.h"

namespace shell {

int Shell::main(int argc, char** argv) {
    m_arg0 = argc > 0 ? argv[0] : "sh";
    int k = 1;
    bool command_string = false;
    bool read_stdin = false;
    bool force_interactive = false;
    for (; k < argc; ++k) {
        std::string_view argument = argv[k];
        if (argument == "--") {
            ++k;
            break;
        }
        if (argument.size() < 2 || (argument[0] != '-' && argument[0] != '+'))
            break;
        bool on = argument[0] == '-';
        for (size_t c = 1; c < argument.size(); ++c) {
            char option = argument[c];
            if (option == 'c') {
                command_string = true;
            } else if (option == 's') {
                read_stdin = true;
            } else if (option == 'i') {
                force_interactive = true;
            } else if (option == 'o' && k + 1 < argc) {
                std::vector<String> set_argv{"set", argument[0] == '-' ? "-o" : "+o", argv[++k]};
                find_builtin("set")->run(*this, set_argv);
                break;
            } else {
                std::vector<String> set_argv{"set", String(on ? "-" : "+") + option};
                if (find_builtin("set")->run(*this, set_argv) != 0)
                    return 2;
            }
        }
    }
    if (command_string) {
        if (k >= argc) {
            report_error("-c requires an argument");
            return 2;
        }
        String source = argv[k++];
        if (k < argc)
            m_arg0 = argv[k++];
        for (; k < argc; ++k)
            m_positional.push_back(argv[k]);
        run_source(source);
        exit_shell(m_last_status);
    }
    if (!read_stdin && k < argc) {
        String path = argv[k++];
        m_arg0 = path;
        for (; k < argc; ++k)
            m_positional.push_back(argv[k]);
        int fd = open(path.c_str(), O_RDONLY);
        if (fd < 0) {
            report_error(String("cannot open ") + path.view() + ": " +
                         (errno == ENOENT ? "No such file" : strerror(errno)));
            return errno == ENOENT ? 127 : 126;
        }
        close(fd);
        run_file(path, true);
        exit_shell(m_last_status);
    }
    for (; k < argc; ++k)
        m_positional.push_back(argv[k]);
    if (force_interactive || (isatty(0) && isatty(2))) {
        m_interactive = true;
        run_interactive(*this);
        exit_shell(m_last_status);
    }
    String source;
    char buffer[4096];
    for (;;) {
        ssize_t length = read(0, buffer, sizeof(buffer));
        if (length < 0 && errno == EINTR)
            continue;
        if (length <= 0)
            break;
        source.append(buffer, static_cast<size_t>(length));
    }
    run_source(source);
    exit_shell(m_last_status);
}

} // namespace shell
