// The shell metrics (operations.h): a shell started on a script, its output read through a pipe and
// checked, so a shell that skips the work cannot look fast.
#include "operations.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

namespace {

// The same environment on both kernels: Linux starts init with no PATH at all.
char path_variable[] = "PATH=/bin:/usr/bin";
char* shell_environment[] = {path_variable, nullptr};

// Runs `shell -c script` with its stdout into a pipe; true iff it exited 0 printing `expected`.
// (User programs link no libstdc++: fixed buffers, no std::string.)
bool run_script(const char* metric, const char* const* shell, const char* script, const char* expected) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "bench %s: pipe2 failed: %s\n", metric, strerror(errno));
        return false;
    }
    const char* argv[8] = {};
    int argc = 0;
    for (; shell[argc] != nullptr && argc < 5; ++argc)
        argv[argc] = shell[argc];
    argv[argc++] = "-c";
    argv[argc++] = script;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    pid_t pid = -1;
    fflush(nullptr);
    int error =
        posix_spawn(&pid, argv[0], &actions, nullptr, const_cast<char* const*>(argv), shell_environment);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (error != 0) {
        close(pipe_fds[0]);
        fprintf(stderr, "bench %s: cannot start %s: %s\n", metric, argv[0], strerror(error));
        return false;
    }
    char output[64] = {};
    size_t used = 0;
    for (;;) {
        // Past the buffer the output is wrong anyway: read on to let the shell finish.
        char discard[64];
        char* into = used < sizeof output - 1 ? output + used : discard;
        size_t room = used < sizeof output - 1 ? sizeof output - 1 - used : sizeof discard;
        ssize_t got = read(pipe_fds[0], into, room);
        if (got > 0)
            used += static_cast<size_t>(got);
        else if (got == 0 || errno != EINTR)
            break;
    }
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || used >= sizeof output ||
        strcmp(output, expected) != 0) {
        fprintf(stderr, "bench %s: %s ended with status %#x printing '%s', expected exit 0 printing '%s'\n",
                metric, argv[0], status, output, expected);
        return false;
    }
    return true;
}

Outcome timed_script(const char* metric, const char* const* shell, const char* script, const char* expected) {
    uint64_t started = monotonic_ns();
    if (!run_script(metric, shell, script, expected))
        return Outcome{};
    return Outcome{true, monotonic_ns() - started};
}

} // namespace

Outcome shell_true_loop(const char* metric, const char* const* shell, long commands) {
    // Each /bin/true counts only once it has succeeded: the count printed is the commands run.
    char script[160];
    snprintf(script, sizeof script,
             "i=0 n=0; while [ $i -lt %ld ]; do /bin/true && n=$((n + 1)); i=$((i + 1)); done; echo $n",
             commands);
    char expected[32];
    snprintf(expected, sizeof expected, "%ld\n", commands);
    return timed_script(metric, shell, script, expected);
}

Outcome shell_sort_pipeline(const char* metric, const char* const* shell, long numbers) {
    char script[80];
    snprintf(script, sizeof script, "seq 1 %ld | sort -n | wc -l", numbers);
    char expected[32];
    snprintf(expected, sizeof expected, "%ld\n", numbers);
    return timed_script(metric, shell, script, expected);
}

} // namespace bench
