// /init, the first user process. `init` starts /bin/hello and then stays alive reaping children
// (a shell will be started here later); `init test [ROOT]` runs every test program under
// ROOT/tests/ (ROOT defaults to "/"; given on a Linux host to run the install tree) and exits 0
// iff all passed.
//
// Only the system calls the kernel already has are used: write, posix_spawn's set (clone, pipe2,
// execve, read, close, rt_sigprocmask, rt_sigaction), wait4, nanosleep, exit_group.
#include "test_programs.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

// Starts `path` with argv[0] = path; returns its wait status, or -1 with `error` set.
int run(const char* path, int& error) {
    char* const argv[] = {const_cast<char*>(path), nullptr};
    fflush(stdout);
    pid_t pid = -1;
    error = posix_spawn(&pid, path, nullptr, nullptr, argv, environ);
    if (error != 0)
        return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR) {
            error = errno;
            return -1;
        }
    }
    return status;
}

void describe(int status, int error, char* text, size_t size) {
    if (status == -1)
        snprintf(text, size, "could not run: %s", strerror(error));
    else if (WIFEXITED(status))
        snprintf(text, size, "status %d, exited with %d", status, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, size, "status %d, killed by signal %d", status, WTERMSIG(status));
    else
        snprintf(text, size, "status %d", status);
}

int run_test_programs(const char* root) {
    int passed = 0;
    int failed = 0;
    for (const char* program : init::kTestPrograms) {
        char path[PATH_MAX];
        // ROOT "/" or "" means the programs' own absolute paths.
        snprintf(path, sizeof(path), "%s%s", strcmp(root, "/") == 0 ? "" : root, program);
        int error = 0;
        int status = run(path, error);
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("program %s ... ok\n", path);
            ++passed;
        } else {
            char text[96];
            describe(status, error, text, sizeof(text));
            printf("program %s ... FAILED (%s)\n", path, text);
            ++failed;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}

// Reaps whatever exits; sleeps when there are no children left.
[[noreturn]] void stay_alive() {
    for (;;) {
        int status = 0;
        if (waitpid(-1, &status, 0) == -1 && errno == ECHILD) {
            const timespec hour{3600, 0};
            nanosleep(&hour, nullptr);
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    // write(2) rather than stdio: this line must come out first and whole, whatever else happens.
    static const char kBanner[] = "Starting init process\n";
    (void)!write(STDOUT_FILENO, kBanner, sizeof(kBanner) - 1);

    if (argc >= 2 && strcmp(argv[1], "test") == 0)
        return run_test_programs(argc >= 3 ? argv[2] : "/");

    int error = 0;
    int status = run("/bin/hello", error);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char text[96];
        describe(status, error, text, sizeof(text));
        printf("init: /bin/hello failed (%s)\n", text);
        fflush(stdout);
    }
    stay_alive();
}
