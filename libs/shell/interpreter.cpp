// Executing syntax trees. Output goes through write(2) unbuffered, so a fork never duplicates
// pending output and the order between the shell and its children is the order of events.
#include "shell/interpreter.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell/builtins.h"
#include "shell/parser.h"

extern char** environ;

namespace shell {

namespace {

volatile sig_atomic_t pending_signals[65];
volatile sig_atomic_t any_pending_signal;

void note_signal(int signal) {
    pending_signals[signal] = 1;
    any_pending_signal = 1;
}

} // namespace

int status_of_wait(int wait_status) {
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return 0;
}

void note_pending_signal(int signal) {
    note_signal(signal);
}

bool write_all(int fd, std::string_view text) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t written = write(fd, text.data() + done, text.size() - done);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        done += static_cast<size_t>(written);
    }
    return true;
}

Shell::Shell() {
    m_shell_pid = getpid();
    for (char** entry = environ; entry && *entry; ++entry) {
        const char* equals = strchr(*entry, '=');
        if (!equals)
            continue;
        std::string_view name(*entry, static_cast<size_t>(equals - *entry));
        if (!is_name(name))
            continue;
        set_variable(name, String(equals + 1), false);
        export_variable(name);
    }
    set_variable("IFS", " \t\n", false);
    set_variable("PS1", geteuid() == 0 ? "# " : "$ ", false);
    set_variable("PS2", "> ", false);
    set_variable("PS4", "+ ", false);
    set_variable("OPTIND", "1", false);
    set_variable("PPID", to_string(getppid()), false);
    char cwd[4096];
    const String* pwd = variable("PWD");
    struct stat a {
    }, b{};
    if (!(pwd && stat(pwd->c_str(), &a) == 0 && stat(".", &b) == 0 && a.st_ino == b.st_ino &&
          a.st_dev == b.st_dev) &&
        getcwd(cwd, sizeof(cwd)))
        set_variable("PWD", cwd, false);
}

Shell::~Shell() {
    for (Node* tree : m_trees)
        delete tree;
}

Shell::Variable* Shell::find_variable(std::string_view name) {
    for (Variable& variable : m_variables)
        if (variable.name.view() == name)
            return &variable;
    return nullptr;
}

const String* Shell::variable(std::string_view name) const {
    for (const Variable& variable : m_variables)
        if (variable.name.view() == name)
            return variable.set ? &variable.value : nullptr;
    return nullptr;
}

bool Shell::set_variable(std::string_view name, const String& value, bool report) {
    Variable* existing = find_variable(name);
    if (existing && existing->readonly) {
        if (report)
            report_error(String(name) + ": is read only");
        return false;
    }
    if (!existing) {
        m_variables.push_back(Variable{String(name), value});
        existing = &m_variables.back();
    }
    existing->value = value;
    existing->set = true;
    if (m_option_allexport)
        existing->exported = true;
    return true;
}

void Shell::export_variable(std::string_view name) {
    Variable* existing = find_variable(name);
    if (!existing) {
        m_variables.push_back(Variable{String(name), String(), true, false, false});
        return;
    }
    existing->exported = true;
}

const Shell::Function* Shell::find_function(std::string_view name) const {
    for (const Function& function : m_functions)
        if (function.name.view() == name)
            return &function;
    return nullptr;
}

String Shell::flags() const {
    String result;
    if (m_option_errexit)
        result += 'e';
    if (m_option_noglob)
        result += 'f';
    if (m_interactive)
        result += 'i';
    if (m_option_noexec)
        result += 'n';
    if (m_option_nounset)
        result += 'u';
    if (m_option_verbose)
        result += 'v';
    if (m_option_xtrace)
        result += 'x';
    return result;
}

const String* Shell::lookup(std::string_view name) {
    if (name.size() == 1 || (!name.empty() && isdigit(static_cast<unsigned char>(name[0])))) {
        char c = name[0];
        if (isdigit(static_cast<unsigned char>(c))) {
            size_t index = static_cast<size_t>(atol(String(name).c_str()));
            if (index == 0)
                return &m_arg0;
            return index <= m_positional.size() ? &m_positional[index - 1] : nullptr;
        }
        switch (c) {
        case '?':
            m_special = to_string(m_last_status);
            return &m_special;
        case '$':
            m_special = to_string(m_shell_pid);
            return &m_special;
        case '#':
            m_special = to_string(static_cast<long>(m_positional.size()));
            return &m_special;
        case '!':
            if (!m_have_background)
                return nullptr;
            m_special = to_string(m_last_background);
            return &m_special;
        case '-':
            m_special = flags();
            return &m_special;
        default:
            break;
        }
    }
    return variable(name);
}

void Shell::report_error(std::string_view message) {
    String text = m_arg0;
    text += ": ";
    if (!m_interactive) {
        text += to_string(m_line);
        text += ": ";
    }
    text += message;
    text += '\n';
    write_all(2, text);
}

[[noreturn]] void Shell::exit_shell(int status) {
    if (!m_exiting && m_trap_set[0]) {
        m_exiting = true;
        String action = m_traps[0];
        m_trap_set[0] = false;
        int saved = m_last_status;
        m_last_status = status;
        run_source(action);
        m_last_status = saved;
    }
    _exit(status & 0xff);
}

void Shell::run_pending_traps() {
    if (!any_pending_signal)
        return;
    any_pending_signal = 0;
    for (int signal = 1; signal < 65; ++signal) {
        if (!pending_signals[signal])
            continue;
        pending_signals[signal] = 0;
        if (m_trap_set[signal] && !m_traps[signal].empty()) {
            int saved = m_last_status;
            String action = m_traps[signal];
            run_source(action);
            m_last_status = saved;
        }
    }
}

void Shell::check_errexit(int status) {
    if (status != 0 && m_option_errexit && m_errexit_ignored == 0)
        exit_shell(status);
}

// A forked child that runs shell code: traps set to commands go back to their defaults.
void Shell::enter_subshell() {
    m_in_subshell = true;
    for (int signal = 1; signal < 65; ++signal) {
        if (m_trap_set[signal] && !m_traps[signal].empty()) {
            m_trap_set[signal] = false;
            ::signal(signal, SIG_DFL);
        }
    }
    m_trap_set[0] = false;
    m_jobs.clear();
    if (m_interactive) {
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGQUIT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGTSTP, SIG_DFL);
        ::signal(SIGTTIN, SIG_DFL);
        ::signal(SIGTTOU, SIG_DFL);
    }
    m_interactive = false;
}

int Shell::wait_for(pid_t pid) {
    int wait_status = 0;
    for (;;) {
        pid_t result = waitpid(pid, &wait_status, 0);
        if (result == pid)
            break;
        if (result < 0 && errno != EINTR)
            return 127;
    }
    for (Job& job : m_jobs) {
        for (size_t k = 0; k < job.live.size(); ++k)
            if (job.live[k] == pid)
                job.live.erase(job.live.begin() + static_cast<long>(k));
        if (job.pid == pid) {
            job.done = job.live.empty();
            job.status = status_of_wait(wait_status);
        }
    }
    return status_of_wait(wait_status);
}

int Shell::run_source(std::string_view source) {
    Parser parser(source, [this](std::string_view name) -> const String* {
        for (const Alias& alias : m_aliases)
            if (alias.name.view() == name)
                return &alias.value;
        return nullptr;
    });
    int status = 0;
    for (;;) {
        Node* tree = nullptr;
        Parser::Status result = parser.parse_next(tree);
        if (result == Parser::Status::End)
            break;
        if (result != Parser::Status::Command) {
            m_line = parser.line();
            report_error(String("Syntax error: ") + parser.error().view());
            m_last_status = 2;
            if (!m_interactive)
                exit_shell(2);
            return 2;
        }
        m_trees.push_back(tree);
        m_line = tree->line;
        if (m_option_noexec)
            continue;
        status = execute(tree);
        run_pending_traps();
        if (m_flow != Flow::Normal)
            break;
    }
    return m_last_status = status;
}

int Shell::execute(Node* node) {
    if (!node)
        return 0;
    int status = 0;
    switch (node->kind) {
    case Node::Kind::Simple:
        m_line = node->line;
        status = execute_simple(node);
        m_last_status = status;
        check_errexit(status);
        break;
    case Node::Kind::Pipeline:
        status = execute_pipeline(node);
        m_last_status = status;
        if (!node->negate)
            check_errexit(status);
        break;
    case Node::Kind::And:
    case Node::Kind::Or: {
        ++m_errexit_ignored;
        status = execute(node->children[0]);
        --m_errexit_ignored;
        if (m_flow != Flow::Normal)
            break;
        if ((node->kind == Node::Kind::And) == (status == 0))
            status = execute(node->children[1]);
        break;
    }
    case Node::Kind::List:
        for (Node* child : node->children) {
            status = execute(child);
            run_pending_traps();
            if (m_flow != Flow::Normal)
                break;
        }
        break;
    case Node::Kind::Background:
        status = execute_in_subshell(node->children[0], true);
        break;
    case Node::Kind::Subshell:
        status = execute_in_subshell(node, false);
        m_last_status = status;
        check_errexit(status);
        break;
    case Node::Kind::Group: {
        std::vector<SavedFd> saved;
        if (!apply_redirections(node->redirections, &saved)) {
            restore_redirections(saved);
            status = 2;
            break;
        }
        status = execute(node->children[0]);
        restore_redirections(saved);
        break;
    }
    case Node::Kind::If: {
        std::vector<SavedFd> saved;
        if (!apply_redirections(node->redirections, &saved)) {
            restore_redirections(saved);
            status = 2;
            break;
        }
        ++m_errexit_ignored;
        int condition = execute(node->children[0]);
        --m_errexit_ignored;
        if (m_flow == Flow::Normal) {
            if (condition == 0)
                status = execute(node->children[1]);
            else if (node->children.size() > 2)
                status = execute(node->children[2]);
            else
                status = 0;
        }
        restore_redirections(saved);
        break;
    }
    case Node::Kind::While:
    case Node::Kind::Until:
        status = execute_loop(node);
        break;
    case Node::Kind::For:
        status = execute_for(node);
        break;
    case Node::Kind::Case:
        status = execute_case(node);
        break;
    case Node::Kind::Function: {
        Function* existing = nullptr;
        for (Function& function : m_functions)
            if (function.name == node->name)
                existing = &function;
        if (existing)
            existing->body = node->children[0];
        else
            m_functions.push_back(Function{node->name, node->children[0]});
        status = 0;
        break;
    }
    }
    m_last_status = status;
    return status;
}

int Shell::execute_loop(Node* node) {
    std::vector<SavedFd> saved;
    if (!apply_redirections(node->redirections, &saved)) {
        restore_redirections(saved);
        return 2;
    }
    int status = 0;
    ++m_loop_depth;
    for (;;) {
        ++m_errexit_ignored;
        int condition = execute(node->children[0]);
        --m_errexit_ignored;
        if (m_flow == Flow::Break || m_flow == Flow::Return)
            break;
        if (m_flow == Flow::Continue) {
            if (--m_flow_count > 0)
                break;
            m_flow = Flow::Normal;
            continue;
        }
        if ((condition == 0) != (node->kind == Node::Kind::While))
            break;
        status = execute(node->children[1]);
        if (m_flow == Flow::Break) {
            if (--m_flow_count == 0)
                m_flow = Flow::Normal;
            break;
        }
        if (m_flow == Flow::Continue) {
            if (--m_flow_count > 0)
                break;
            m_flow = Flow::Normal;
        }
        if (m_flow == Flow::Return)
            break;
    }
    --m_loop_depth;
    restore_redirections(saved);
    return status;
}

int Shell::execute_for(Node* node) {
    std::vector<String> items;
    if (node->has_in) {
        Expander expander(*this);
        if (!expander.expand_words(node->items, items)) {
            if (!m_interactive)
                exit_shell(2);
            return 1;
        }
    } else {
        items = m_positional;
    }
    std::vector<SavedFd> saved;
    if (!apply_redirections(node->redirections, &saved)) {
        restore_redirections(saved);
        return 2;
    }
    int status = 0;
    ++m_loop_depth;
    for (const String& item : items) {
        if (!set_variable(node->name, item))
            break;
        status = execute(node->children[0]);
        if (m_flow == Flow::Break) {
            if (--m_flow_count == 0)
                m_flow = Flow::Normal;
            break;
        }
        if (m_flow == Flow::Continue) {
            if (--m_flow_count > 0)
                break;
            m_flow = Flow::Normal;
        }
        if (m_flow == Flow::Return)
            break;
    }
    --m_loop_depth;
    restore_redirections(saved);
    return status;
}

int Shell::execute_case(Node* node) {
    Expander expander(*this);
    String word;
    if (!expander.expand_word(node->name, word)) {
        if (!m_interactive)
            exit_shell(2);
        return 1;
    }
    std::vector<SavedFd> saved;
    if (!apply_redirections(node->redirections, &saved)) {
        restore_redirections(saved);
        return 1;
    }
    int status = 0;
    for (CaseItem& item : node->case_items) {
        bool matched = false;
        for (const String& pattern_word : item.patterns) {
            String pattern;
            if (!expander.expand_pattern(pattern_word, pattern)) {
                if (!m_interactive)
                    exit_shell(2);
                restore_redirections(saved);
                return 1;
            }
            if (fnmatch(pattern.c_str(), word.c_str(), 0) == 0) {
                matched = true;
                break;
            }
        }
        if (matched) {
            status = execute(item.body);
            break;
        }
    }
    restore_redirections(saved);
    return status;
}

int Shell::execute_in_subshell(Node* node, bool background) {
    pid_t pid = fork();
    if (pid < 0) {
        report_error(String("fork: ") + strerror(errno));
        return 2;
    }
    if (pid == 0) {
        bool interactive = m_interactive;
        join_job(0, !background);
        enter_subshell();
        if (background && !interactive) {
            // Without job control a background command must not compete for the terminal's input.
            int null = open("/dev/null", O_RDONLY);
            if (null >= 0 && null != 0) {
                dup2(null, 0);
                close(null);
            }
        }
        int status = 0;
        if (node->kind == Node::Kind::Subshell) {
            if (!apply_redirections(node->redirections, nullptr))
                exit_shell(2);
            status = execute(node->children[0]);
        } else {
            status = execute(node);
        }
        exit_shell(status);
    }
    if (job_control())
        setpgid(pid, pid);
    if (background) {
        m_last_background = pid;
        m_have_background = true;
        Job job;
        job.pid = pid;
        job.pgid = job_control() ? pid : 0;
        job.live.push_back(pid);
        job.text = describe(node);
        Job& added = add_job(job);
        if (m_interactive)
            write_all(2, String("[") + to_string(added.number).view() + "] " + to_string(pid).view() + "\n");
        return 0;
    }
    if (job_control())
        return run_foreground({pid}, pid, describe(node));
    return wait_for(pid);
}

int Shell::execute_pipeline(Node* node) {
    size_t count = node->children.size();
    std::vector<pid_t> pids;
    int previous_read = -1;
    int status = 0;
    pid_t pgid = 0;
    if (count == 1) {
        if (node->negate)
            ++m_errexit_ignored;
        status = execute(node->children[0]);
        if (node->negate)
            --m_errexit_ignored;
    } else {
        for (size_t k = 0; k < count; ++k) {
            int fds[2] = {-1, -1};
            if (k + 1 < count && pipe(fds) != 0) {
                report_error(String("pipe: ") + strerror(errno));
                return 2;
            }
            pid_t pid = fork();
            if (pid == 0) {
                join_job(pgid, true);
                enter_subshell();
                if (previous_read >= 0) {
                    dup2(previous_read, 0);
                    close(previous_read);
                }
                if (k + 1 < count) {
                    close(fds[0]);
                    dup2(fds[1], 1);
                    close(fds[1]);
                }
                Node* command = node->children[k];
                if (command->kind == Node::Kind::Simple)
                    m_line = command->line;
                exit_shell(execute(command));
            }
            if (previous_read >= 0)
                close(previous_read);
            if (k + 1 < count) {
                close(fds[1]);
                previous_read = fds[0];
            }
            if (pid > 0) {
                pids.push_back(pid);
                if (job_control()) {
                    if (!pgid)
                        pgid = pid;
                    setpgid(pid, pgid);
                }
            }
        }
        if (job_control()) {
            status = run_foreground(pids, pgid, describe(node));
            pids.clear();
        }
        for (size_t k = 0; k < pids.size(); ++k) {
            int result = wait_for(pids[k]);
            if (k + 1 == pids.size())
                status = result;
        }
    }
    if (node->negate)
        status = status == 0 ? 1 : 0;
    return status;
}

bool Shell::command_substitution(std::string_view source, String& output) {
    int fds[2];
    if (pipe(fds) != 0) {
        report_error(String("pipe: ") + strerror(errno));
        return false;
    }
    pid_t pid = fork();
    if (pid < 0) {
        report_error(String("fork: ") + strerror(errno));
        return false;
    }
    if (pid == 0) {
        enter_subshell();
        close(fds[0]);
        if (fds[1] != 1) {
            dup2(fds[1], 1);
            close(fds[1]);
        }
        exit_shell(run_source(source));
    }
    close(fds[1]);
    output.clear();
    char buffer[4096];
    for (;;) {
        ssize_t length = read(fds[0], buffer, sizeof(buffer));
        if (length < 0 && errno == EINTR)
            continue;
        if (length <= 0)
            break;
        output.append(buffer, static_cast<size_t>(length));
    }
    close(fds[0]);
    m_substitution_status = wait_for(pid);
    ++m_substitutions;
    return true;
}

bool Shell::assign_words(const std::vector<String>& assignments, bool for_child) {
    for (const String& assignment : assignments) {
        Expander expander(*this);
        String value;
        if (!expander.expand_word(assignment, value, true))
            return false;
        std::string_view name = assignment.view().substr(0, assignment.find('='));
        if (m_option_xtrace) {
            const String* ps4 = variable("PS4");
            write_all(2, String(ps4 ? ps4->view() : "+ ") + name + "=" + value.view() + "\n");
        }
        if (!set_variable(name, value))
            return false;
        if (for_child)
            export_variable(name);
    }
    return true;
}

bool Shell::apply_redirections(const std::vector<Redirection>& redirections, std::vector<SavedFd>* saved) {
    for (const Redirection& redirection : redirections) {
        Expander expander(*this);
        String target;
        int fd = redirection.fd;
        if (redirection.kind == Redirection::Kind::HereDoc) {
            if (redirection.here_doc_expand) {
                if (!expander.expand_here_document(redirection.here_doc_body, target))
                    return false;
            } else {
                target = redirection.here_doc_body;
            }
        } else if (!expander.expand_word(redirection.target, target)) {
            return false;
        }
        if (saved) {
            bool already = false;
            for (const SavedFd& entry : *saved)
                already = already || entry.fd == fd;
            if (!already)
                saved->push_back(SavedFd{fd, fcntl(fd, F_DUPFD_CLOEXEC, 10)});
        }
        int opened = -1;
        switch (redirection.kind) {
        case Redirection::Kind::Input:
            opened = open(target.c_str(), O_RDONLY);
            break;
        case Redirection::Kind::Output:
        case Redirection::Kind::Clobber: {
            int flags = O_WRONLY | O_CREAT | O_TRUNC;
            struct stat info {};
            if (m_option_noclobber && redirection.kind == Redirection::Kind::Output &&
                stat(target.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
                report_error(String("cannot create ") + target.view() + ": File exists");
                return false;
            }
            opened = open(target.c_str(), flags, 0666);
            break;
        }
        case Redirection::Kind::Append:
            opened = open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0666);
            break;
        case Redirection::Kind::ReadWrite:
            opened = open(target.c_str(), O_RDWR | O_CREAT, 0666);
            break;
        case Redirection::Kind::DupInput:
        case Redirection::Kind::DupOutput: {
            if (target == "-") {
                close(fd);
                continue;
            }
            char* end = nullptr;
            long source = strtol(target.c_str(), &end, 10);
            if (target.empty() || *end != '\0' || source < 0) {
                report_error(target.view().empty() ? String("Syntax error: Bad fd number")
                                                   : String("Syntax error: Bad fd number"));
                return false;
            }
            if (source == fd)
                continue;
            if (dup2(static_cast<int>(source), fd) < 0) {
                report_error(to_string(source) + ": Bad file descriptor");
                return false;
            }
            continue;
        }
        case Redirection::Kind::HereDoc: {
            int fds[2];
            if (pipe(fds) != 0)
                return false;
            if (target.size() <= 4096) {
                write_all(fds[1], target);
            } else {
                // A body larger than the pipe would block the shell: a child writes it.
                pid_t writer = fork();
                if (writer == 0) {
                    close(fds[0]);
                    write_all(fds[1], target);
                    _exit(0);
                }
            }
            close(fds[1]);
            opened = fds[0];
            break;
        }
        }
        if (opened < 0) {
            bool reading = redirection.kind == Redirection::Kind::Input;
            report_error(
                String(reading ? "cannot open " : "cannot create ") + target.view() + ": " +
                (errno == ENOENT ? (reading ? "No such file" : "Directory nonexistent") : strerror(errno)));
            return false;
        }
        if (opened != fd) {
            dup2(opened, fd);
            close(opened);
        }
    }
    return true;
}

void Shell::restore_redirections(std::vector<SavedFd>& saved) {
    for (size_t k = saved.size(); k-- > 0;) {
        if (saved[k].copy >= 0) {
            dup2(saved[k].copy, saved[k].fd);
            close(saved[k].copy);
        } else {
            close(saved[k].fd);
        }
    }
    saved.clear();
}

String Shell::find_in_path(std::string_view name, bool* denied) const {
    if (name.find('/') != std::string_view::npos)
        return String(name);
    const String* path = variable("PATH");
    std::string_view directories = path ? path->view() : std::string_view("/usr/local/bin:/usr/bin:/bin");
    size_t start = 0;
    for (;;) {
        size_t colon = directories.find(':', start);
        std::string_view directory =
            directories.substr(start, colon == std::string_view::npos ? colon : colon - start);
        String candidate = directory.empty() ? String(".") : String(directory);
        candidate += '/';
        candidate += name;
        struct stat info {};
        if (stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
            if (access(candidate.c_str(), X_OK) == 0)
                return candidate;
            if (denied)
                *denied = true;
        }
        if (colon == std::string_view::npos)
            break;
        start = colon + 1;
    }
    return String();
}

char** Shell::build_environment() const {
    size_t count = 0;
    for (const Variable& variable : m_variables)
        if (variable.exported && variable.set)
            ++count;
    char** environment = static_cast<char**>(calloc(count + 1, sizeof(char*)));
    size_t k = 0;
    for (const Variable& variable : m_variables) {
        if (!variable.exported || !variable.set)
            continue;
        String entry = variable.name + "=" + variable.value.view();
        environment[k++] = strdup(entry.c_str());
    }
    return environment;
}

int Shell::execute_external(std::vector<String>& argv, bool in_place) {
    bool denied = false;
    String path = find_in_path(argv[0], &denied);
    if (path.empty()) {
        report_error(argv[0] + (denied ? ": Permission denied" : ": not found"));
        return denied ? 126 : 127;
    }
    pid_t pid = in_place ? 0 : fork();
    if (pid < 0) {
        report_error(String("fork: ") + strerror(errno));
        return 2;
    }
    if (pid == 0) {
        if (!in_place) {
            join_job(0, true);
            enter_subshell();
        }
        std::vector<char*> arguments;
        for (String& argument : argv)
            arguments.push_back(const_cast<char*>(argument.c_str()));
        arguments.push_back(nullptr);
        char** environment = build_environment();
        execve(path.c_str(), arguments.data(), environment);
        int error = errno;
        if (error == ENOEXEC) {
            // No #! line: POSIX has the shell run it as a script of its own.
            m_positional.assign(argv.begin() + 1, argv.end());
            m_arg0 = path;
            m_functions.clear();
            _exit(run_file(path, true) & 0xff);
        }
        report_error(argv[0] + ": " + (error == ENOENT ? "not found" : strerror(error)));
        _exit(error == ENOENT ? 127 : 126);
    }
    if (job_control()) {
        setpgid(pid, pid);
        String text;
        for (const String& argument : argv)
            text += text.empty() ? argument : String(" ") + argument.view();
        return run_foreground({pid}, pid, text);
    }
    return wait_for(pid);
}

int Shell::execute_function(Node* body, std::vector<String>& argv) {
    std::vector<String> saved_positional = m_positional;
    m_positional.assign(argv.begin() + 1, argv.end());
    ++m_function_depth;
    m_locals.push_back({});
    int saved_loop_depth = m_loop_depth;
    m_loop_depth = 0;
    int status = execute(body);
    m_loop_depth = saved_loop_depth;
    if (m_flow == Flow::Return) {
        m_flow = Flow::Normal;
        status = m_last_status;
    }
    // `local` variables get their outer values back.
    std::vector<Variable> locals = m_locals.back();
    m_locals.pop_back();
    for (size_t k = locals.size(); k-- > 0;) {
        Variable* current = find_variable(locals[k].name);
        if (current)
            *current = locals[k];
        if (!locals[k].set && !locals[k].exported && current) {
            for (size_t j = 0; j < m_variables.size(); ++j)
                if (m_variables[j].name == locals[k].name) {
                    m_variables.erase(m_variables.begin() + static_cast<long>(j));
                    break;
                }
        }
    }
    --m_function_depth;
    m_positional = saved_positional;
    return status;
}

int Shell::execute_simple(Node* node) {
    Expander expander(*this);
    std::vector<String> argv;
    m_substitutions = 0;
    if (!expander.expand_words(node->words, argv)) {
        if (!m_interactive)
            exit_shell(2);
        return 2;
    }
    if (m_option_xtrace && !argv.empty()) {
        const String* ps4 = variable("PS4");
        String trace = ps4 ? *ps4 : String("+ ");
        for (size_t k = 0; k < argv.size(); ++k) {
            if (k)
                trace += ' ';
            trace += argv[k];
        }
        trace += '\n';
        write_all(2, trace);
    }
    if (argv.empty()) {
        // Assignments stay in the shell; redirections are made and undone; the status is that of
        // the last command substitution.
        if (!assign_words(node->assignments, false)) {
            if (!m_interactive)
                exit_shell(2);
            return 1;
        }
        int status = m_substitutions ? m_substitution_status : 0;
        std::vector<SavedFd> saved;
        bool ok = apply_redirections(node->redirections, &saved);
        restore_redirections(saved);
        return ok ? status : 2;
    }

    const BuiltinInfo* builtin = find_builtin(argv[0]);
    if (builtin && builtin->special) {
        if (!assign_words(node->assignments, false)) {
            if (!m_interactive)
                exit_shell(2);
            return 1;
        }
        bool permanent = argv[0] == "exec" && argv.size() == 1;
        std::vector<SavedFd> saved;
        if (!apply_redirections(node->redirections, permanent ? nullptr : &saved)) {
            restore_redirections(saved);
            if (!m_interactive)
                exit_shell(2);
            return 2;
        }
        int status = builtin->run(*this, argv);
        restore_redirections(saved);
        return status;
    }

    // Other commands see their assignments only for their own run: remember what they replace.
    std::vector<Variable> replaced;
    std::vector<String> added;
    for (const String& assignment : node->assignments) {
        String name = assignment.substr(0, assignment.find('='));
        if (Variable* existing = find_variable(name))
            replaced.push_back(*existing);
        else
            added.push_back(name);
    }
    auto restore_variables = [&] {
        for (const String& name : added)
            for (size_t k = 0; k < m_variables.size(); ++k)
                if (m_variables[k].name == name) {
                    m_variables.erase(m_variables.begin() + static_cast<long>(k));
                    break;
                }
        for (const Variable& old : replaced) {
            if (Variable* current = find_variable(old.name))
                *current = old;
            else
                m_variables.push_back(old);
        }
    };
    if (!assign_words(node->assignments, true)) {
        restore_variables();
        if (!m_interactive)
            exit_shell(2);
        return 1;
    }
    const Function* function = find_function(argv[0]);
    if (function || builtin) {
        std::vector<SavedFd> saved;
        if (!apply_redirections(node->redirections, &saved)) {
            restore_redirections(saved);
            restore_variables();
            return 2;
        }
        int status = function ? execute_function(function->body, argv) : builtin->run(*this, argv);
        restore_redirections(saved);
        restore_variables();
        return status;
    }
    int status = 2;
    std::vector<SavedFd> saved;
    if (apply_redirections(node->redirections, &saved))
        status = execute_external(argv, false);
    restore_redirections(saved);
    restore_variables();
    return status;
}

int Shell::run_file(const String& path, bool must_exist) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        report_error(String("cannot open ") + path.view() + ": No such file");
        return 127;
    }
    String source;
    char buffer[4096];
    for (;;) {
        ssize_t length = read(fd, buffer, sizeof(buffer));
        if (length < 0 && errno == EINTR)
            continue;
        if (length <= 0)
            break;
        source.append(buffer, static_cast<size_t>(length));
    }
    close(fd);
    return run_source(source);
}

std::vector<String> Shell::command_names() const {
    std::vector<String> names = builtin_names();
    for (const Function& function : m_functions)
        names.push_back(function.name);
    for (const Alias& alias : m_aliases)
        names.push_back(alias.name);
    return names;
}

String Shell::prompt() {
    String result;
    const String* pwd = variable("PWD");
    const String* home = variable("HOME");
    String directory = pwd ? *pwd : String("?");
    if (home && !home->empty() && directory.starts_with(*home) &&
        (directory.size() == home->size() || directory[home->size()] == '/'))
        directory = String("~") + directory.view().substr(home->size());
    result = directory;
    if (m_last_status != 0)
        result += String(" [") + to_string(m_last_status).view() + "]";
    result += geteuid() == 0 ? " # " : " $ ";
    return result;
}

} // namespace shell
