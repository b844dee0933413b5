// Builtins that read or change the shell's own state. Each takes argv as expanded and returns
// the exit status; messages go to stderr through the shell so they carry its name and line.
#include "shell/builtins.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell/interpreter.h"
#include "shell/parser.h"

namespace shell {

namespace {

struct SignalName {
    int number;
    const char* name;
};

constexpr SignalName signal_names[] = {
    {0, "EXIT"},           {SIGHUP, "HUP"},   {SIGINT, "INT"},     {SIGQUIT, "QUIT"}, {SIGILL, "ILL"},
    {SIGTRAP, "TRAP"},     {SIGABRT, "ABRT"}, {SIGBUS, "BUS"},     {SIGFPE, "FPE"},   {SIGKILL, "KILL"},
    {SIGUSR1, "USR1"},     {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"},   {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"},
    {SIGTERM, "TERM"},     {SIGCHLD, "CHLD"}, {SIGCONT, "CONT"},   {SIGSTOP, "STOP"}, {SIGTSTP, "TSTP"},
    {SIGTTIN, "TTIN"},     {SIGTTOU, "TTOU"}, {SIGURG, "URG"},     {SIGXCPU, "XCPU"}, {SIGXFSZ, "XFSZ"},
    {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"}, {SIGWINCH, "WINCH"}, {SIGIO, "IO"},     {SIGSYS, "SYS"},
};

int signal_number(std::string_view name) {
    if (!name.empty() && isdigit(static_cast<unsigned char>(name[0])))
        return atoi(String(name).c_str());
    if (name.starts_with("SIG"))
        name.remove_prefix(3);
    for (const SignalName& entry : signal_names)
        if (name == entry.name)
            return entry.number;
    return -1;
}

const char* signal_name(int number) {
    for (const SignalName& entry : signal_names)
        if (entry.number == number)
            return entry.name;
    return nullptr;
}

String single_quoted(std::string_view text) {
    String result = "'";
    for (char c : text) {
        if (c == '\'')
            result += "'\\''";
        else
            result += c;
    }
    result += '\'';
    return result;
}

void handle_signal(int signal);

} // namespace

struct Builtins {
    static int error(Shell& shell, const String& message, int status) {
        shell.report_error(message);
        return status;
    }

    static int colon(Shell&, std::vector<String>&) { return 0; }
    static int false_(Shell&, std::vector<String>&) { return 1; }

    // A failed write is an error, as in dash: `echo x > /sys/...` reports what the kernel refused.
    static int echo(Shell& shell, std::vector<String>& argv) {
        String out;
        int status = builtin_echo(argv, out);
        if (!write_all(1, out)) {
            shell.report_error(String("echo: write error: ") + strerror(errno));
            return 1;
        }
        return status;
    }

    static int printf_(Shell& shell, std::vector<String>& argv) {
        String out, message;
        int status = builtin_printf(argv, out, message);
        if (!write_all(1, out)) {
            shell.report_error(String("printf: write error: ") + strerror(errno));
            return 1;
        }
        if (!message.empty())
            shell.report_error(String("printf: ") + message.view());
        return status;
    }

    static int test(Shell& shell, std::vector<String>& argv) {
        String message;
        int status = builtin_test(argv, message);
        if (!message.empty())
            shell.report_error(argv[0] + ": " + message.view());
        return status;
    }

    static bool number(const String& text, long& value) {
        char* end = nullptr;
        value = strtol(text.c_str(), &end, 10);
        return !text.empty() && *end == '\0' && value >= 0;
    }

    static int exit(Shell& shell, std::vector<String>& argv) {
        long status = shell.m_last_status;
        if (argv.size() > 1 && !number(argv[1], status))
            return error(shell, String("exit: Illegal number: ") + argv[1].view(), 2);
        shell.exit_shell(static_cast<int>(status));
    }

    static int flow(Shell& shell, std::vector<String>& argv, Shell::Flow flow) {
        long count = 1;
        if (argv.size() > 1 && (!number(argv[1], count) || count == 0))
            return error(shell, argv[0] + ": Illegal number: " + argv[1].view(), 2);
        if (shell.m_loop_depth == 0)
            return 0;
        if (count > shell.m_loop_depth)
            count = shell.m_loop_depth;
        shell.m_flow = flow;
        shell.m_flow_count = static_cast<int>(count);
        return 0;
    }
    static int break_(Shell& shell, std::vector<String>& argv) {
        return flow(shell, argv, Shell::Flow::Break);
    }
    static int continue_(Shell& shell, std::vector<String>& argv) {
        return flow(shell, argv, Shell::Flow::Continue);
    }

    static int return_(Shell& shell, std::vector<String>& argv) {
        long status = shell.m_last_status;
        if (argv.size() > 1 && !number(argv[1], status))
            return error(shell, String("return: Illegal number: ") + argv[1].view(), 2);
        if (shell.m_function_depth == 0 && !shell.m_sourcing)
            shell.exit_shell(static_cast<int>(status));
        shell.m_flow = Shell::Flow::Return;
        shell.m_last_status = static_cast<int>(status);
        return static_cast<int>(status);
    }

    static int cd(Shell& shell, std::vector<String>& argv) {
        String target;
        size_t first = 1;
        while (first < argv.size() && (argv[first] == "-L" || argv[first] == "-P"))
            ++first;
        bool print = false;
        if (first >= argv.size()) {
            const String* home = shell.variable("HOME");
            if (!home)
                return error(shell, "cd: HOME not set", 2);
            target = *home;
        } else if (argv[first] == "-") {
            const String* old = shell.variable("OLDPWD");
            target = old ? *old : String();
            print = true;
        } else {
            target = argv[first];
        }
        // Logical: .. drops the last component of $PWD rather than following the link back.
        const String* pwd = shell.variable("PWD");
        String path = target.starts_with("/") ? target : (pwd ? *pwd : String("")) + "/" + target.view();
        std::vector<String> parts;
        size_t start = 0;
        while (start <= path.size()) {
            size_t slash = path.find('/', start);
            if (slash == String::npos)
                slash = path.size();
            String part = path.substr(start, slash - start);
            if (part == "..") {
                if (!parts.empty())
                    parts.pop_back();
            } else if (!part.empty() && !(part == ".")) {
                parts.push_back(part);
            }
            start = slash + 1;
        }
        String canonical;
        for (const String& part : parts)
            canonical += String("/") + part.view();
        if (canonical.empty())
            canonical = "/";
        if (chdir(canonical.c_str()) != 0) {
            if (chdir(target.c_str()) != 0)
                return error(shell, String("cd: can't cd to ") + target.view(), 2);
            char cwd[4096];
            canonical = getcwd(cwd, sizeof(cwd)) ? String(cwd) : target;
        }
        if (pwd)
            shell.set_variable("OLDPWD", *pwd);
        shell.set_variable("PWD", canonical);
        if (print)
            write_all(1, canonical + "\n");
        return 0;
    }

    static int pwd(Shell& shell, std::vector<String>& argv) {
        const String* pwd = shell.variable("PWD");
        if (pwd && !(argv.size() > 1 && argv[1] == "-P")) {
            write_all(1, *pwd + "\n");
            return 0;
        }
        char cwd[4096];
        if (!getcwd(cwd, sizeof(cwd)))
            return error(shell, "pwd: getcwd failed", 2);
        write_all(1, String(cwd) + "\n");
        return 0;
    }

    static int export_or_readonly(Shell& shell, std::vector<String>& argv, bool readonly) {
        size_t first = 1;
        if (first < argv.size() && argv[first] == "-p")
            ++first;
        if (first >= argv.size()) {
            for (const Shell::Variable& variable : shell.m_variables) {
                if (readonly ? !variable.readonly : !variable.exported)
                    continue;
                String line = readonly ? "readonly " : "export ";
                line += variable.name;
                if (variable.set)
                    line += String("=") + single_quoted(variable.value).view();
                write_all(1, line + "\n");
            }
            return 0;
        }
        for (size_t k = first; k < argv.size(); ++k) {
            size_t equals = argv[k].find('=');
            String name = argv[k].substr(0, equals);
            if (!is_name(name))
                return error(shell, argv[0] + ": " + name.view() + ": bad variable name", 2);
            if (equals != String::npos && !shell.set_variable(name, argv[k].substr(equals + 1)))
                return 2;
            if (readonly) {
                Shell::Variable* variable = shell.find_variable(name);
                if (!variable) {
                    shell.m_variables.push_back(Shell::Variable{name, String(), false, true, false});
                } else {
                    variable->readonly = true;
                }
            } else {
                shell.export_variable(name);
            }
        }
        return 0;
    }
    static int export_(Shell& shell, std::vector<String>& argv) {
        return export_or_readonly(shell, argv, false);
    }
    static int readonly(Shell& shell, std::vector<String>& argv) {
        return export_or_readonly(shell, argv, true);
    }

    static int local(Shell& shell, std::vector<String>& argv) {
        if (shell.m_locals.empty())
            return error(shell, "local: not in a function", 2);
        for (size_t k = 1; k < argv.size(); ++k) {
            size_t equals = argv[k].find('=');
            String name = argv[k].substr(0, equals);
            Shell::Variable* existing = shell.find_variable(name);
            shell.m_locals.back().push_back(existing ? *existing
                                                     : Shell::Variable{name, String(), false, false, false});
            if (equals != String::npos)
                shell.set_variable(name, argv[k].substr(equals + 1));
        }
        return 0;
    }

    static int unset(Shell& shell, std::vector<String>& argv) {
        bool functions = false;
        size_t first = 1;
        if (first < argv.size() && (argv[first] == "-f" || argv[first] == "-v")) {
            functions = argv[first] == "-f";
            ++first;
        }
        for (size_t k = first; k < argv.size(); ++k) {
            if (functions) {
                for (size_t j = 0; j < shell.m_functions.size(); ++j)
                    if (shell.m_functions[j].name == argv[k]) {
                        shell.m_functions.erase(shell.m_functions.begin() + static_cast<long>(j));
                        break;
                    }
                continue;
            }
            Shell::Variable* variable = shell.find_variable(argv[k]);
            if (!variable)
                continue;
            if (variable->readonly)
                return error(shell, String("unset: ") + argv[k].view() + ": is read only", 2);
            shell.m_variables.erase(shell.m_variables.begin() + (variable - shell.m_variables.data()));
        }
        return 0;
    }

    static bool set_option(Shell& shell, char option, bool on) {
        switch (option) {
        case 'e':
            shell.m_option_errexit = on;
            return true;
        case 'u':
            shell.m_option_nounset = on;
            return true;
        case 'x':
            shell.m_option_xtrace = on;
            return true;
        case 'f':
            shell.m_option_noglob = on;
            return true;
        case 'n':
            shell.m_option_noexec = on && !shell.m_interactive;
            return true;
        case 'v':
            shell.m_option_verbose = on;
            return true;
        case 'a':
            shell.m_option_allexport = on;
            return true;
        case 'C':
            shell.m_option_noclobber = on;
            return true;
        case 'm':
        case 'b':
        case 'h':
            return true;
        default:
            return false;
        }
    }

    static char option_letter(std::string_view name) {
        constexpr struct {
            const char* name;
            char letter;
        } options[] = {{"errexit", 'e'},   {"nounset", 'u'},   {"xtrace", 'x'},
                       {"noglob", 'f'},    {"noexec", 'n'},    {"verbose", 'v'},
                       {"allexport", 'a'}, {"noclobber", 'C'}, {"monitor", 'm'}};
        for (const auto& option : options)
            if (name == option.name)
                return option.letter;
        return 0;
    }

    static int set(Shell& shell, std::vector<String>& argv) {
        if (argv.size() == 1) {
            std::vector<const Shell::Variable*> sorted;
            for (const Shell::Variable& variable : shell.m_variables)
                if (variable.set)
                    sorted.push_back(&variable);
            std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
            for (const Shell::Variable* variable : sorted)
                write_all(1, variable->name + "=" + single_quoted(variable->value).view() + "\n");
            return 0;
        }
        size_t k = 1;
        for (; k < argv.size(); ++k) {
            const String& argument = argv[k];
            if (argument == "--") {
                ++k;
                set_positional(shell, argv, k);
                return 0;
            }
            if (argument.size() < 2 || (argument[0] != '-' && argument[0] != '+'))
                break;
            bool on = argument[0] == '-';
            if (argument[1] == 'o') {
                if (k + 1 >= argv.size()) {
                    for (const char* name : {"errexit", "noglob", "nounset", "xtrace", "noexec", "verbose"}) {
                        String line = name;
                        line += String(" ") + (std::string_view(shell.flags()).find(option_letter(name)) !=
                                                       std::string_view::npos
                                                   ? "on"
                                                   : "off");
                        write_all(1, line + "\n");
                    }
                    return 0;
                }
                char letter = option_letter(argv[++k]);
                if (!letter)
                    return error(shell, String("set: Illegal option -o ") + argv[k].view(), 2);
                set_option(shell, letter, on);
                continue;
            }
            for (size_t c = 1; c < argument.size(); ++c)
                if (!set_option(shell, argument[c], on))
                    return error(shell, String("set: Illegal option -") + argument[c], 2);
        }
        if (k < argv.size())
            set_positional(shell, argv, k);
        return 0;
    }

    // New positional parameters start getopts over, as in dash.
    static void set_positional(Shell& shell, std::vector<String>& argv, size_t first) {
        shell.m_positional.assign(argv.begin() + static_cast<long>(first), argv.end());
        shell.set_variable("OPTIND", "1");
        shell.m_getopts_index = 0;
    }

    static int shift(Shell& shell, std::vector<String>& argv) {
        long count = 1;
        if (argv.size() > 1 && !number(argv[1], count))
            return error(shell, String("shift: Illegal number: ") + argv[1].view(), 2);
        if (static_cast<size_t>(count) > shell.m_positional.size()) {
            shell.report_error("shift: can't shift that many");
            if (!shell.m_interactive)
                shell.exit_shell(2);
            return 2;
        }
        shell.m_positional.erase(shell.m_positional.begin(), shell.m_positional.begin() + count);
        return 0;
    }

    static int eval(Shell& shell, std::vector<String>& argv) {
        String source;
        for (size_t k = 1; k < argv.size(); ++k) {
            if (k > 1)
                source += ' ';
            source += argv[k];
        }
        shell.m_last_status = 0;
        return shell.run_source(source);
    }

    static int dot(Shell& shell, std::vector<String>& argv) {
        if (argv.size() < 2)
            return 0;
        String path = shell.find_in_path(argv[1]);
        if (path.empty() && argv[1].find('/') == String::npos) {
            struct stat info {};
            if (stat(argv[1].c_str(), &info) == 0)
                path = argv[1];
        }
        if (path.empty()) {
            shell.report_error(argv[0] + ": " + argv[1].view() + ": not found");
            if (!shell.m_interactive)
                shell.exit_shell(2);
            return 2;
        }
        std::vector<String> saved = shell.m_positional;
        bool with_arguments = argv.size() > 2;
        if (with_arguments)
            shell.m_positional.assign(argv.begin() + 2, argv.end());
        bool was_sourcing = shell.m_sourcing;
        shell.m_sourcing = true;
        int status = shell.run_file(path, true);
        shell.m_sourcing = was_sourcing;
        if (shell.m_flow == Shell::Flow::Return && shell.m_function_depth == 0)
            shell.m_flow = Shell::Flow::Normal;
        if (with_arguments)
            shell.m_positional = saved;
        return status;
    }

    static int alias(Shell& shell, std::vector<String>& argv) {
        if (argv.size() == 1) {
            for (const Shell::Alias& alias : shell.m_aliases)
                write_all(1, alias.name + "=" + single_quoted(alias.value).view() + "\n");
            return 0;
        }
        int status = 0;
        for (size_t k = 1; k < argv.size(); ++k) {
            size_t equals = argv[k].find('=');
            String name = argv[k].substr(0, equals);
            Shell::Alias* existing = nullptr;
            for (Shell::Alias& alias : shell.m_aliases)
                if (alias.name == name)
                    existing = &alias;
            if (equals == String::npos) {
                if (existing) {
                    write_all(1, existing->name + "=" + single_quoted(existing->value).view() + "\n");
                } else {
                    shell.report_error(String("alias: ") + name.view() + " not found");
                    status = 1;
                }
                continue;
            }
            if (existing)
                existing->value = argv[k].substr(equals + 1);
            else
                shell.m_aliases.push_back(Shell::Alias{name, argv[k].substr(equals + 1)});
        }
        return status;
    }

    static int unalias(Shell& shell, std::vector<String>& argv) {
        int status = 0;
        for (size_t k = 1; k < argv.size(); ++k) {
            if (argv[k] == "-a") {
                shell.m_aliases.clear();
                continue;
            }
            bool found = false;
            for (size_t j = 0; j < shell.m_aliases.size(); ++j)
                if (shell.m_aliases[j].name == argv[k]) {
                    shell.m_aliases.erase(shell.m_aliases.begin() + static_cast<long>(j));
                    found = true;
                    break;
                }
            if (!found) {
                shell.report_error(String("unalias: ") + argv[k].view() + " not found");
                status = 1;
            }
        }
        return status;
    }

    static bool is_keyword(std::string_view word) {
        for (const char* keyword : {"if", "then", "else", "elif", "fi", "while", "until", "for", "do", "done",
                                    "case", "esac", "in", "{", "}", "!"})
            if (word == keyword)
                return true;
        return false;
    }

    static int type(Shell& shell, std::vector<String>& argv) {
        int status = 0;
        for (size_t k = 1; k < argv.size(); ++k) {
            const String& name = argv[k];
            String line = name;
            bool found_alias = false;
            for (const Shell::Alias& alias : shell.m_aliases)
                if (alias.name == name) {
                    line += String(" is an alias for ") + alias.value.view();
                    found_alias = true;
                }
            const BuiltinInfo* builtin = find_builtin(name);
            if (found_alias) {
            } else if (is_keyword(name)) {
                line += " is a shell keyword";
            } else if (builtin && builtin->special) {
                line += " is a special shell builtin";
            } else if (shell.find_function(name)) {
                line += " is a shell function";
            } else if (builtin) {
                line += " is a shell builtin";
            } else {
                String path = shell.find_in_path(name);
                if (path.empty()) {
                    line += ": not found";
                    status = 127;
                } else {
                    line += String(" is ") + path.view();
                }
            }
            write_all(1, line + "\n");
        }
        return status;
    }

    static int command(Shell& shell, std::vector<String>& argv) {
        size_t first = 1;
        bool describe = false;
        bool verbose = false;
        while (first < argv.size() && argv[first].starts_with("-") && argv[first].size() > 1) {
            if (argv[first] == "-v" || argv[first] == "-V")
                describe = true;
            if (argv[first] == "-V")
                verbose = true;
            ++first;
        }
        if (first >= argv.size())
            return 0;
        std::vector<String> rest(argv.begin() + static_cast<long>(first), argv.end());
        if (verbose) {
            // As `type` says it ("sort is /usr/bin/sort"), for the first name only, as dash does.
            std::vector<String> words = {argv[0], rest[0]};
            return type(shell, words);
        }
        if (describe) {
            const String& name = rest[0];
            if (find_builtin(name) || shell.find_function(name) || is_keyword(name)) {
                write_all(1, name + "\n");
                return 0;
            }
            String path = shell.find_in_path(name);
            if (path.empty())
                return 127;
            write_all(1, path + "\n");
            return 0;
        }
        const BuiltinInfo* builtin = find_builtin(rest[0]);
        if (builtin)
            return builtin->run(shell, rest);
        return shell.execute_external(rest, false);
    }

    static int exec(Shell& shell, std::vector<String>& argv) {
        if (argv.size() < 2)
            return 0;
        std::vector<String> rest(argv.begin() + 1, argv.end());
        bool denied = false;
        String path = shell.find_in_path(rest[0], &denied);
        if (path.empty()) {
            shell.report_error(rest[0] + (denied ? ": Permission denied" : ": not found"));
            shell.exit_shell(denied ? 126 : 127);
        }
        std::vector<char*> arguments;
        for (String& argument : rest)
            arguments.push_back(const_cast<char*>(argument.c_str()));
        arguments.push_back(nullptr);
        execve(path.c_str(), arguments.data(), shell.build_environment());
        shell.report_error(rest[0] + ": " + strerror(errno));
        shell.exit_shell(126);
    }

    static int read(Shell& shell, std::vector<String>& argv) {
        bool raw = false;
        size_t first = 1;
        String prompt;
        while (first < argv.size() && argv[first].starts_with("-") && argv[first].size() > 1) {
            if (argv[first] == "-r") {
                raw = true;
            } else if (argv[first] == "-p" && first + 1 < argv.size()) {
                prompt = argv[++first];
            } else {
                return error(shell, String("read: Illegal option ") + argv[first].view(), 2);
            }
            ++first;
        }
        if (!prompt.empty() && isatty(0))
            write_all(2, prompt);
        // A byte at a time: what follows the line belongs to whoever reads stdin next.
        String line;
        bool eof = false;
        for (;;) {
            char c;
            ssize_t length = ::read(0, &c, 1);
            if (length < 0 && errno == EINTR)
                continue;
            if (length <= 0) {
                eof = true;
                break;
            }
            if (c == '\n')
                break;
            if (c == '\\' && !raw) {
                length = ::read(0, &c, 1);
                if (length <= 0) {
                    eof = true;
                    break;
                }
                if (c == '\n')
                    continue;
                line += '\\';
            }
            line += c;
        }
        const String* ifs_value = shell.variable("IFS");
        String ifs = ifs_value ? *ifs_value : String(" \t\n");
        size_t names = argv.size() - first;
        if (names == 0) {
            shell.set_variable("REPLY", line);
            return eof ? 1 : 0;
        }
        std::vector<String> fields = Expander::split_fields(line, ifs, names);
        for (size_t k = 0; k < names; ++k) {
            String value = k < fields.size() ? fields[k] : String();
            if (!raw) {
                String unescaped;
                for (size_t i = 0; i < value.size(); ++i) {
                    if (value[i] == '\\' && i + 1 < value.size())
                        ++i;
                    unescaped += value[i];
                }
                value = unescaped;
            }
            if (!shell.set_variable(argv[first + k], value))
                return 2;
        }
        return eof ? 1 : 0;
    }

    // getopts OPTSTRING NAME [ARG...]: the next option of the arguments (or of "$@"), OPTIND's
    // index and a position inside a bundle like -ab kept between calls.
    static int getopts(Shell& shell, std::vector<String>& argv) {
        if (argv.size() < 3)
            return error(shell, "getopts: usage: getopts optstring var [arg ...]", 2);
        const String& options = argv[1];
        const String& name = argv[2];
        std::vector<String> arguments(argv.begin() + 3, argv.end());
        if (argv.size() == 3)
            arguments = shell.m_positional;
        const String* optind_text = shell.variable("OPTIND");
        long optind = optind_text ? atol(optind_text->c_str()) : 1;
        if (optind < 1)
            optind = 1;
        if (optind != shell.m_getopts_index) {
            // OPTIND was set by the script (or this is the first call): start at that argument.
            shell.m_getopts_index = optind;
            shell.m_getopts_position = 1;
        }
        bool silent = options.starts_with(":");
        auto finish = [&](long next_index, const String& value) {
            shell.m_getopts_index = next_index;
            shell.set_variable("OPTIND", to_string(next_index));
            shell.set_variable(name, value);
        };
        size_t index = static_cast<size_t>(optind - 1);
        if (index >= arguments.size() || !arguments[index].starts_with("-") || arguments[index] == "-") {
            finish(optind, "?");
            return 1;
        }
        if (arguments[index] == "--") {
            finish(optind + 1, "?");
            return 1;
        }
        const String& argument = arguments[index];
        char option = argument[shell.m_getopts_position];
        bool last_in_bundle = shell.m_getopts_position + 1 >= argument.size();
        size_t at = options.find(option);
        if (option == ':' || at == String::npos) {
            if (silent) {
                shell.set_variable("OPTARG", String(&option, 1));
            } else {
                shell.report_error(String("Illegal option -") + option);
                Shell::Variable* optarg = shell.find_variable("OPTARG");
                if (optarg)
                    shell.m_variables.erase(shell.m_variables.begin() + (optarg - shell.m_variables.data()));
            }
            shell.m_getopts_position = last_in_bundle ? 1 : shell.m_getopts_position + 1;
            finish(last_in_bundle ? optind + 1 : optind, "?");
            return 0;
        }
        if (at + 1 < options.size() && options[at + 1] == ':') {
            if (!last_in_bundle) {
                shell.set_variable("OPTARG", argument.substr(shell.m_getopts_position + 1));
                shell.m_getopts_position = 1;
                finish(optind + 1, String(&option, 1));
                return 0;
            }
            if (index + 1 < arguments.size()) {
                shell.set_variable("OPTARG", arguments[index + 1]);
                shell.m_getopts_position = 1;
                finish(optind + 2, String(&option, 1));
                return 0;
            }
            shell.m_getopts_position = 1;
            if (silent) {
                shell.set_variable("OPTARG", String(&option, 1));
                finish(optind + 1, ":");
            } else {
                shell.report_error(String("No arg for -") + option + " option");
                finish(optind + 1, "?");
            }
            return 0;
        }
        shell.m_getopts_position = last_in_bundle ? 1 : shell.m_getopts_position + 1;
        finish(last_in_bundle ? optind + 1 : optind, String(&option, 1));
        return 0;
    }

    static int umask_(Shell& shell, std::vector<String>& argv) {
        if (argv.size() < 2 || argv[1] == "-S") {
            mode_t mask = ::umask(0);
            ::umask(mask);
            char buffer[32];
            if (argv.size() >= 2) {
                String text;
                const char* who = "ugo";
                for (int k = 0; k < 3; ++k) {
                    int bits = (~mask >> (6 - 3 * k)) & 7;
                    if (k)
                        text += ',';
                    text += who[k];
                    text += '=';
                    if (bits & 4)
                        text += 'r';
                    if (bits & 2)
                        text += 'w';
                    if (bits & 1)
                        text += 'x';
                }
                write_all(1, text + "\n");
                return 0;
            }
            snprintf(buffer, sizeof(buffer), "%04o\n", static_cast<unsigned>(mask));
            write_all(1, buffer);
            return 0;
        }
        char* end = nullptr;
        long mask = strtol(argv[1].c_str(), &end, 8);
        if (*end != '\0' || mask < 0 || mask > 0777)
            return error(shell, String("umask: Illegal number: ") + argv[1].view(), 2);
        ::umask(static_cast<mode_t>(mask));
        return 0;
    }

    static int times(Shell&, std::vector<String>&) {
        struct tms usage {};
        ::times(&usage);
        long ticks = sysconf(_SC_CLK_TCK);
        auto format = [&](clock_t value) {
            char buffer[64];
            double seconds = static_cast<double>(value) / static_cast<double>(ticks);
            int minutes = static_cast<int>(seconds / 60);
            snprintf(buffer, sizeof(buffer), "%dm%fs", minutes, seconds - minutes * 60);
            return String(buffer);
        };
        write_all(1, format(usage.tms_utime) + " " + format(usage.tms_stime).view() + "\n" +
                         format(usage.tms_cutime).view() + " " + format(usage.tms_cstime).view() + "\n");
        return 0;
    }

    static int trap(Shell& shell, std::vector<String>& argv) {
        if (argv.size() == 1) {
            for (int number = 0; number < 65; ++number) {
                if (!shell.m_trap_set[number])
                    continue;
                const char* name = signal_name(number);
                write_all(1, String("trap -- ") + single_quoted(shell.m_traps[number]).view() + " " +
                                 (name ? String(name) : to_string(number)).view() + "\n");
            }
            return 0;
        }
        size_t first = 1;
        if (argv[1] == "--")
            ++first;
        if (first >= argv.size())
            return 0;
        String action = argv[first];
        bool reset = action == "-";
        // "trap N ..." with a number first resets those signals, as POSIX allows.
        if (signal_number(action) >= 0 && isdigit(static_cast<unsigned char>(action[0]))) {
            reset = true;
        } else {
            ++first;
        }
        int status = 0;
        for (size_t k = first; k < argv.size(); ++k) {
            int number = signal_number(argv[k]);
            if (number < 0 || number >= 65 || number == SIGKILL || number == SIGSTOP) {
                shell.report_error(String("trap: ") + argv[k].view() + ": bad trap");
                status = 1;
                continue;
            }
            if (reset) {
                shell.m_trap_set[number] = false;
                shell.m_traps[number].clear();
                if (number)
                    signal(number, SIG_DFL);
                continue;
            }
            shell.m_trap_set[number] = true;
            shell.m_traps[number] = action;
            if (number == 0)
                continue;
            if (action.empty()) {
                signal(number, SIG_IGN);
            } else {
                struct sigaction handler {};
                handler.sa_handler = handle_signal;
                sigemptyset(&handler.sa_mask);
                sigaction(number, &handler, nullptr);
            }
        }
        return status;
    }

    static int wait(Shell& shell, std::vector<String>& argv) {
        if (argv.size() == 1) {
            for (Shell::Job& job : shell.m_jobs)
                if (!job.done)
                    shell.wait_job(job, false);
            shell.m_jobs.clear();
            return 0;
        }
        int status = 0;
        for (size_t k = 1; k < argv.size(); ++k) {
            Shell::Job* job = shell.find_job(argv[k]);
            if (!job) {
                status = 127;
                continue;
            }
            status = job->done ? job->status : shell.wait_job(*job, false);
            if (job->done)
                shell.m_jobs.erase(shell.m_jobs.begin() + (job - shell.m_jobs.data()));
        }
        return status;
    }

    static pid_t job_pid(Shell& shell, const String& spec) {
        if (!spec.starts_with("%"))
            return static_cast<pid_t>(atol(spec.c_str()));
        Shell::Job* job = shell.find_job(spec);
        if (!job)
            return -1;
        return job->pgid > 0 ? -job->pgid : job->pid;
    }

    // fg and bg: continue a job, in the foreground (waiting for it) or in the background.
    static int resume(Shell& shell, std::vector<String>& argv, bool foreground) {
        if (!shell.job_control())
            return error(shell, argv[0] + ": job control not enabled", 2);
        Shell::Job* job = shell.find_job(argv.size() > 1 ? argv[1].view() : std::string_view());
        if (!job)
            return error(shell, argv[0] + ": no such job", 2);
        if (foreground) {
            write_all(1, job->text + "\n");
            tcsetpgrp(0, job->pgid);
        } else {
            write_all(1, String("[") + to_string(job->number).view() + "] " + job->text.view() + " &\n");
        }
        ::kill(-job->pgid, SIGCONT);
        job->stopped = false;
        if (!foreground)
            return 0;
        Shell::Job resumed = *job;
        shell.m_jobs.erase(shell.m_jobs.begin() + (job - shell.m_jobs.data()));
        int status = shell.wait_job(resumed, true);
        if (resumed.stopped) {
            Shell::Job& again = shell.add_job(resumed);
            write_all(2, String("\n[") + to_string(again.number).view() + "]+  Stopped    " +
                             again.text.view() + "\n");
        }
        return status;
    }
    static int fg(Shell& shell, std::vector<String>& argv) { return resume(shell, argv, true); }
    static int bg(Shell& shell, std::vector<String>& argv) { return resume(shell, argv, false); }

    static int kill_(Shell& shell, std::vector<String>& argv) {
        int signal = SIGTERM;
        size_t first = 1;
        if (first < argv.size() && argv[first] == "-l") {
            if (first + 1 < argv.size()) {
                long number = atol(argv[first + 1].c_str());
                if (number > 128)
                    number -= 128;
                const char* name = signal_name(static_cast<int>(number));
                if (!name)
                    return error(
                        shell,
                        String("kill: invalid signal number or exit status: ") + argv[first + 1].view(), 2);
                write_all(1, String(name) + "\n");
                return 0;
            }
            for (const SignalName& entry : signal_names)
                if (entry.number)
                    write_all(1, String(entry.name) + "\n");
            return 0;
        }
        if (first < argv.size() && argv[first] == "-s" && first + 1 < argv.size()) {
            signal = signal_number(argv[first + 1]);
            first += 2;
        } else if (first < argv.size() && argv[first].starts_with("-") && argv[first].size() > 1) {
            signal = signal_number(argv[first].view().substr(1));
            ++first;
        }
        if (signal < 0)
            return error(shell, "kill: invalid signal", 2);
        if (first >= argv.size())
            return error(shell, "kill: usage: kill [-s sigspec | -signum | -sigspec] pid ...", 2);
        int status = 0;
        for (size_t k = first; k < argv.size(); ++k) {
            pid_t pid = job_pid(shell, argv[k]);
            if (pid == -1 || pid == 0 || ::kill(pid, signal) != 0) {
                shell.report_error(String("kill: ") + argv[k].view() + ": No such process");
                status = 1;
            }
        }
        return status;
    }

    static int jobs(Shell& shell, std::vector<String>&) {
        for (Shell::Job& job : shell.m_jobs) {
            Shell::collect_ended(job);
            job.done = job.live.empty();
            const char* state = job.done ? "Done" : job.stopped ? "Stopped" : "Running";
            write_all(1, String("[") + to_string(job.number).view() + "]   " + state + "    " +
                             job.text.view() + "\n");
        }
        for (size_t k = 0; k < shell.m_jobs.size();)
            if (shell.m_jobs[k].done)
                shell.m_jobs.erase(shell.m_jobs.begin() + static_cast<long>(k));
            else
                ++k;
        return 0;
    }
};

namespace {

void handle_signal(int signal) {
    note_pending_signal(signal);
}

int true_(Shell&, std::vector<String>&) {
    return 0;
}

constexpr BuiltinInfo builtins[] = {
    {":", Builtins::colon, true},
    {".", Builtins::dot, true},
    {"break", Builtins::break_, true},
    {"continue", Builtins::continue_, true},
    {"eval", Builtins::eval, true},
    {"exec", Builtins::exec, true},
    {"exit", Builtins::exit, true},
    {"export", Builtins::export_, true},
    {"readonly", Builtins::readonly, true},
    {"return", Builtins::return_, true},
    {"set", Builtins::set, true},
    {"shift", Builtins::shift, true},
    {"times", Builtins::times, true},
    {"trap", Builtins::trap, true},
    {"unset", Builtins::unset, true},
    {"[", Builtins::test, false},
    {"alias", Builtins::alias, false},
    {"bg", Builtins::bg, false},
    {"cd", Builtins::cd, false},
    {"command", Builtins::command, false},
    {"echo", Builtins::echo, false},
    {"false", Builtins::false_, false},
    {"fg", Builtins::fg, false},
    {"getopts", Builtins::getopts, false},
    {"jobs", Builtins::jobs, false},
    {"kill", Builtins::kill_, false},
    {"local", Builtins::local, false},
    {"printf", Builtins::printf_, false},
    {"pwd", Builtins::pwd, false},
    {"read", Builtins::read, false},
    {"source", Builtins::dot, false},
    {"test", Builtins::test, false},
    {"true", true_, false},
    {"type", Builtins::type, false},
    {"umask", Builtins::umask_, false},
    {"unalias", Builtins::unalias, false},
    {"wait", Builtins::wait, false},
};

} // namespace

const BuiltinInfo* find_builtin(std::string_view name) {
    for (const BuiltinInfo& builtin : builtins)
        if (name == builtin.name)
            return &builtin;
    return nullptr;
}

std::vector<String> builtin_names() {
    std::vector<String> names;
    for (const BuiltinInfo& builtin : builtins)
        names.push_back(builtin.name);
    return names;
}

} // namespace shell
