// Jobs: background commands, and under job control (an interactive shell on a terminal) process
// groups, the terminal's foreground group, and stopped jobs that fg and bg resume.
#include <cerrno>
#include <csignal>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell/builtins.h"
#include "shell/interpreter.h"

namespace shell {

void Shell::enable_job_control() {
    // A session leader with no controlling terminal yet (the shell as blog_os's init, on the
    // console) takes its terminal, as a getty would have given it one.
    if (tcgetpgrp(0) < 0 && getsid(0) == getpid())
        ioctl(0, TIOCSCTTY, 0);
    pid_t terminal_group = tcgetpgrp(0);
    if (terminal_group < 0)
        return;
    // Our own group, and the terminal's: a login shell's parent may have left either elsewhere.
    setpgid(0, 0);
    m_shell_pgid = getpgrp();
    tcsetpgrp(0, m_shell_pgid);
    m_job_control = true;
}

void Shell::join_job(pid_t pgid, bool foreground) {
    if (!job_control())
        return;
    // Both sides set the group (and the child the terminal) so neither order of running races.
    setpgid(0, pgid);
    if (foreground)
        tcsetpgrp(0, getpgrp());
}

Shell::Job& Shell::add_job(Job job) {
    int number = 1;
    for (const Job& existing : m_jobs)
        if (existing.number >= number)
            number = existing.number + 1;
    job.number = number;
    m_jobs.push_back(job);
    return m_jobs.back();
}

int Shell::wait_job(Job& job, bool foreground) {
    bool control = job_control() && job.pgid > 0;
    if (foreground && control)
        tcsetpgrp(0, job.pgid);
    job.stopped = false;
    while (!job.live.empty()) {
        int wait_status = 0;
        pid_t pid = waitpid(control ? -job.pgid : job.live[0], &wait_status, control ? WUNTRACED : 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            job.live.clear();
            break;
        }
        if (WIFSTOPPED(wait_status)) {
            job.stopped = true;
            break;
        }
        for (size_t k = 0; k < job.live.size(); ++k)
            if (job.live[k] == pid)
                job.live.erase(job.live.begin() + static_cast<long>(k));
        if (pid == job.pid)
            job.status = status_of_wait(wait_status);
    }
    job.done = job.live.empty();
    if (foreground && control)
        tcsetpgrp(0, m_shell_pgid);
    if (job.stopped)
        return 128 + SIGTSTP;
    if (foreground && job.status == 128 + SIGINT)
        write_all(2, "\n");
    return job.status;
}

int Shell::run_foreground(std::vector<pid_t> pids, pid_t pgid, const String& text) {
    Job job;
    job.pid = pids.back();
    job.pgid = pgid;
    job.live = pids;
    job.text = text;
    int status = wait_job(job, true);
    if (job.stopped) {
        Job& added = add_job(job);
        write_all(2, String("\n[") + to_string(added.number).view() + "]+  Stopped    " + text.view() + "\n");
    }
    return status;
}

Shell::Job* Shell::find_job(std::string_view spec) {
    if (m_jobs.empty())
        return nullptr;
    if (spec.empty() || spec == "%" || spec == "%%" || spec == "%+")
        return &m_jobs.back();
    if (spec.starts_with("%")) {
        long number = atol(String(spec.substr(1)).c_str());
        for (Job& job : m_jobs)
            if (job.number == number)
                return &job;
        return nullptr;
    }
    long pid = atol(String(spec).c_str());
    for (Job& job : m_jobs)
        if (job.pid == pid || job.pgid == pid)
            return &job;
    return nullptr;
}

void Shell::collect_ended(Job& job) {
    int wait_status = 0;
    while (!job.live.empty()) {
        pid_t pid = waitpid(job.pgid > 0 ? -job.pgid : job.live[0], &wait_status, WNOHANG);
        if (pid <= 0)
            break;
        for (size_t j = 0; j < job.live.size(); ++j)
            if (job.live[j] == pid)
                job.live.erase(job.live.begin() + static_cast<long>(j));
        if (pid == job.pid)
            job.status = status_of_wait(wait_status);
    }
}

void Shell::report_finished_jobs() {
    for (size_t k = 0; k < m_jobs.size();) {
        Job& job = m_jobs[k];
        collect_ended(job);
        if (job.live.empty()) {
            write_all(2,
                      String("[") + to_string(job.number).view() + "]   Done    " + job.text.view() + "\n");
            m_jobs.erase(m_jobs.begin() + static_cast<long>(k));
            continue;
        }
        ++k;
    }
}

String Shell::describe(const Node* node) {
    if (!node)
        return String();
    auto join = [](const std::vector<Node*>& children, std::string_view separator) {
        String text;
        for (size_t k = 0; k < children.size(); ++k) {
            if (k)
                text += separator;
            text += describe(children[k]);
        }
        return text;
    };
    switch (node->kind) {
    case Node::Kind::Simple: {
        String text;
        for (const String& word : node->assignments)
            text += text.empty() ? word : String(" ") + word.view();
        for (const String& word : node->words)
            text += text.empty() ? word : String(" ") + word.view();
        return text;
    }
    case Node::Kind::Pipeline:
        return String(node->negate ? "! " : "") + join(node->children, " | ").view();
    case Node::Kind::And:
        return join(node->children, " && ");
    case Node::Kind::Or:
        return join(node->children, " || ");
    case Node::Kind::List:
        return join(node->children, "; ");
    case Node::Kind::Background:
        return describe(node->children[0]);
    case Node::Kind::Subshell:
        return String("(") + describe(node->children[0]).view() + ")";
    case Node::Kind::Group:
        return String("{ ") + describe(node->children[0]).view() + "; }";
    case Node::Kind::If:
        return "if ...";
    case Node::Kind::While:
        return "while ...";
    case Node::Kind::Until:
        return "until ...";
    case Node::Kind::For:
        return String("for ") + node->name.view() + " ...";
    case Node::Kind::Case:
        return "case ...";
    case Node::Kind::Function:
        return node->name + "() ...";
    }
    return String();
}

} // namespace shell
