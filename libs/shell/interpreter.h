// The shell's state and the walk over syntax trees: variables, functions, traps, redirections,
// and the processes commands become (fork, pipe, dup2, execve), as POSIX XCU 2.9 describes.
#pragma once

#include <sys/types.h>
#include <vector>

#include "shell/ast.h"
#include "shell/expand.h"

namespace shell {

// A wait status as $? shows it: the exit code, or 128 + the signal that ended the process.
int status_of_wait(int wait_status);

class Shell final : public ExpansionHost {
public:
    Shell();
    ~Shell() override;

    // sh [-c command [name [args...]] | script [args...] | -s [args...]]; returns the exit status.
    int main(int argc, char** argv);

    // Parses and runs `source` a complete command at a time, as a script or `eval` does.
    int run_source(std::string_view source);
    int execute(Node* node);
    [[noreturn]] void exit_shell(int status);

    int last_status() const { return m_last_status; }
    bool interactive() const { return m_interactive; }
    void set_interactive(bool interactive) { m_interactive = interactive; }

    // Variables.
    const String* variable(std::string_view name) const;
    bool set_variable(std::string_view name, const String& value, bool report = true);
    void export_variable(std::string_view name);

    // For the line editor: builtin and function names, aliases, the prompt.
    std::vector<String> command_names() const;
    String prompt();
    // Interactive shells on a terminal: each job its own process group, the terminal given to
    // the foreground one, stops reported (docs/shell.md).
    void enable_job_control();
    bool job_control() const { return m_job_control && m_interactive; }
    // Interactive: "[N] Done" for background jobs that ended since the last prompt.
    void report_finished_jobs();

    // ExpansionHost
    const String* lookup(std::string_view name) override;
    const std::vector<String>& positional_parameters() override { return m_positional; }
    bool assign(std::string_view name, const String& value) override { return set_variable(name, value); }
    bool command_substitution(std::string_view source, String& output) override;
    void report_error(std::string_view message) override;
    bool option_nounset() override { return m_option_nounset; }
    bool option_noglob() override { return m_option_noglob; }

private:
    friend struct Builtins;
    struct Variable {
        String name;
        String value;
        bool exported = false;
        bool readonly = false;
        bool set = true; // false: exported or read-only but without a value
    };
    struct Function {
        String name;
        Node* body;
    };
    struct Alias {
        String name;
        String value;
    };
    struct SavedFd {
        int fd;
        int copy; // -1: fd was closed before
    };
    struct Job {
        int number = 0;
        pid_t pid = 0;  // the last process: its status is the job's, and $! names it
        pid_t pgid = 0; // the job's process group under job control, else 0
        std::vector<pid_t> live;
        String text;
        bool done = false;
        bool stopped = false;
        int status = 0;
    };
    enum class Flow { Normal, Break, Continue, Return };

    int execute_simple(Node* node);
    int execute_pipeline(Node* node);
    int execute_function(Node* body, std::vector<String>& argv);
    int execute_external(std::vector<String>& argv, bool in_place);
    int execute_loop(Node* node);
    int execute_for(Node* node);
    int execute_case(Node* node);
    int execute_in_subshell(Node* node, bool background);
    bool apply_redirections(const std::vector<Redirection>& redirections, std::vector<SavedFd>* saved);
    void restore_redirections(std::vector<SavedFd>& saved);
    bool assign_words(const std::vector<String>& assignments, bool exported_only_to_child);
    int wait_for(pid_t pid);
    // Job control: the child joins its job (before enter_subshell), the parent places it.
    void join_job(pid_t pgid, bool foreground);
    Job& add_job(Job job);
    int wait_job(Job& job, bool foreground);
    int run_foreground(std::vector<pid_t> pids, pid_t pgid, const String& text);
    Job* find_job(std::string_view spec);
    // Reaps, without waiting, whichever of the job's processes have ended; the last one's status
    // becomes the job's.
    static void collect_ended(Job& job);
    static String describe(const Node* node);
    void enter_subshell();
    void run_pending_traps();
    void check_errexit(int status);
    String find_in_path(std::string_view name, bool* denied = nullptr) const;
    char** build_environment() const;
    Variable* find_variable(std::string_view name);
    const Function* find_function(std::string_view name) const;
    int run_file(const String& path, bool must_exist);
    String flags() const;

    std::vector<Variable> m_variables;
    std::vector<Function> m_functions;
    std::vector<Alias> m_aliases;
    std::vector<String> m_positional;
    std::vector<Node*> m_trees; // everything parsed, kept while functions may point into it
    std::vector<Job> m_jobs;
    String m_arg0 = "sh";
    String m_special; // lookup()'s answer for special parameters
    String m_traps[65];
    bool m_trap_set[65] = {};
    int m_last_status = 0;
    int m_substitution_status = 0;
    int m_substitutions = 0; // command substitutions in the current simple command
    pid_t m_last_background = 0;
    bool m_have_background = false;
    pid_t m_shell_pid = 0;
    Flow m_flow = Flow::Normal;
    int m_flow_count = 0;
    int m_loop_depth = 0;
    int m_function_depth = 0;
    int m_errexit_ignored = 0;
    bool m_interactive = false;
    bool m_job_control = false;
    pid_t m_shell_pgid = 0;
    bool m_in_subshell = false;
    bool m_exiting = false;
    bool m_sourcing = false; // inside `.`: return ends the file
    bool m_option_errexit = false;
    bool m_option_nounset = false;
    bool m_option_xtrace = false;
    bool m_option_noglob = false;
    bool m_option_noexec = false;
    bool m_option_verbose = false;
    bool m_option_allexport = false;
    bool m_option_noclobber = false;
    int m_line = 0;
    long m_getopts_index = 0;                    // the OPTIND getopts last set
    size_t m_getopts_position = 1;               // the next option letter inside that argument
    std::vector<std::vector<Variable>> m_locals; // per function call: the variables `local` saved
};

} // namespace shell
