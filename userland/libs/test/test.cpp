// The test framework's registry, reporting, child processes and main() (see test.h).
#include "test/test.h"

#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace test {
namespace {

// Intrusive lists in registration (file) order; registration happens in static constructors.
TestCase* g_first_test = nullptr;
TestCase** g_last_test = &g_first_test;
ChildScenario* g_first_scenario = nullptr;
ChildScenario** g_last_scenario = &g_first_scenario;

const char* g_self_path = nullptr;
bool g_current_failed = false;

// Paths from __FILE__ are absolute; the part from the last "/userland/" on is enough to find the line.
const char* short_path(const char* file) {
    const char* result = file;
    for (const char* found = strstr(file, "/userland/"); found != nullptr;
         found = strstr(found + 1, "/userland/"))
        result = found + 1;
    return result;
}

} // namespace

Registrar::Registrar(TestCase& test) {
    *g_last_test = &test;
    g_last_test = &test.next;
}

Registrar::Registrar(ChildScenario& scenario) {
    *g_last_scenario = &scenario;
    g_last_scenario = &scenario.next;
}

void print_text(std::string_view text) {
    fwrite(text.data(), 1, text.size(), stdout);
}

void print_value(long long value) {
    printf("%lld", value);
    // Raw system calls return -errno: name it.
    if (value < 0 && value >= -4095 && errno_name(static_cast<int>(-value))[0] != '?')
        printf(" (-%s)", errno_name(static_cast<int>(-value)));
}

void print_value(unsigned long long value) {
    printf("%llu (%#llx)", value, value);
}
void print_value(const void* value) {
    printf("%p", value);
}
void print_value(std::string_view value) {
    printf("\"%.*s\"", static_cast<int>(value.size()), value.data());
}
void print_value(double value) {
    printf("%g", value);
}

void begin_failure(const char* file, int line) {
    g_current_failed = true;
    printf("  %s:%d: ", short_path(file), line);
}

void end_failure() {
    print_text("\n");
    fflush(stdout);
}

bool check_true(bool value, bool expected, const char* text, const char* file, int line) {
    if (value == expected)
        return true;
    begin_failure(file, line);
    printf("expected %s to be %s", text, expected ? "true" : "false");
    end_failure();
    return false;
}

bool check_string_equal(const char* a, const char* b, const char* a_text, const char* b_text,
                        const char* file, int line) {
    if (a != nullptr && b != nullptr && strcmp(a, b) == 0)
        return true;
    begin_failure(file, line);
    printf("expected %s == %s\n    left:  ", a_text, b_text);
    print_any(a);
    print_text("\n    right: ");
    print_any(b);
    end_failure();
    return false;
}

bool check_errno(long result, int error, int expected, const char* text, const char* file, int line) {
    if (result == -1 && error == expected)
        return true;
    begin_failure(file, line);
    printf("expected %s to fail with %s\n    got: result %ld, errno %d (%s)", text, errno_name(expected),
           result, error, errno_name(error));
    end_failure();
    return false;
}

bool check_exited(int status, int code, const char* text, const char* file, int line) {
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code)
        return true;
    begin_failure(file, line);
    printf("expected %s to be \"exited with %d\", but it %s", text, code, describe_status(status).text);
    end_failure();
    return false;
}

bool check_signaled(int status, int signal, const char* text, const char* file, int line) {
    if (status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == signal)
        return true;
    begin_failure(file, line);
    printf("expected %s to be \"killed by %s\", but it %s", text, signal_name(signal),
           describe_status(status).text);
    end_failure();
    return false;
}

StatusText describe_status(int status) {
    StatusText result{};
    if (status == -1)
        snprintf(result.text, sizeof(result.text), "could not be started or waited for");
    else if (WIFEXITED(status))
        snprintf(result.text, sizeof(result.text), "exited with %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(result.text, sizeof(result.text), "killed by %s (%d)%s", signal_name(WTERMSIG(status)),
                 WTERMSIG(status), WCOREDUMP(status) ? ", core dumped" : "");
    else
        snprintf(result.text, sizeof(result.text), "has wait status %#x", status);
    return result;
}

const char* errno_name(int error) {
    switch (error) {
    case 0:
        return "no error";
    case EPERM:
        return "EPERM";
    case ENOENT:
        return "ENOENT";
    case ESRCH:
        return "ESRCH";
    case EINTR:
        return "EINTR";
    case EIO:
        return "EIO";
    case E2BIG:
        return "E2BIG";
    case ENOEXEC:
        return "ENOEXEC";
    case EBADF:
        return "EBADF";
    case ECHILD:
        return "ECHILD";
    case EAGAIN:
        return "EAGAIN";
    case ENOMEM:
        return "ENOMEM";
    case EACCES:
        return "EACCES";
    case EFAULT:
        return "EFAULT";
    case EEXIST:
        return "EEXIST";
    case ENOTDIR:
        return "ENOTDIR";
    case EISDIR:
        return "EISDIR";
    case EINVAL:
        return "EINVAL";
    case EMFILE:
        return "EMFILE";
    case ENOTTY:
        return "ENOTTY";
    case ESPIPE:
        return "ESPIPE";
    case EPIPE:
        return "EPIPE";
    case ERANGE:
        return "ERANGE";
    case ENOSYS:
        return "ENOSYS";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    }
    return "?";
}

const char* signal_name(int signal) {
    switch (signal) {
    case SIGHUP:
        return "SIGHUP";
    case SIGINT:
        return "SIGINT";
    case SIGQUIT:
        return "SIGQUIT";
    case SIGILL:
        return "SIGILL";
    case SIGTRAP:
        return "SIGTRAP";
    case SIGABRT:
        return "SIGABRT";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGKILL:
        return "SIGKILL";
    case SIGUSR1:
        return "SIGUSR1";
    case SIGSEGV:
        return "SIGSEGV";
    case SIGUSR2:
        return "SIGUSR2";
    case SIGPIPE:
        return "SIGPIPE";
    case SIGALRM:
        return "SIGALRM";
    case SIGTERM:
        return "SIGTERM";
    case SIGCHLD:
        return "SIGCHLD";
    case SIGSTOP:
        return "SIGSTOP";
    case SIGSYS:
        return "SIGSYS";
    }
    return "signal";
}

const char* self_path() {
    return g_self_path;
}

pid_t spawn_child(const char* scenario, std::initializer_list<const char*> args) {
    constexpr size_t kMaxArgs = 16;
    const char* argv[kMaxArgs + 4] = {g_self_path, "--child", scenario};
    size_t count = 3;
    for (const char* arg : args) {
        if (count == kMaxArgs + 3)
            break;
        argv[count++] = arg;
    }
    argv[count] = nullptr;
    // Unflushed output would otherwise appear after the child's.
    fflush(stdout);
    pid_t pid = -1;
    int error = posix_spawn(&pid, g_self_path, nullptr, nullptr, const_cast<char* const*>(argv), environ);
    if (error != 0) {
        begin_failure(__FILE__, __LINE__);
        printf("posix_spawn(%s --child %s) failed: %s", g_self_path, scenario, errno_name(error));
        end_failure();
        return -1;
    }
    return pid;
}

int wait_child(pid_t pid) {
    if (pid <= 0)
        return -1;
    int status = 0;
    pid_t result;
    do {
        result = waitpid(pid, &status, 0);
    } while (result == -1 && errno == EINTR);
    if (result != pid) {
        begin_failure(__FILE__, __LINE__);
        printf("waitpid(%d) returned %d: %s", pid, result, errno_name(errno));
        end_failure();
        return -1;
    }
    return status;
}

int run_child(const char* scenario, std::initializer_list<const char*> args) {
    return wait_child(spawn_child(scenario, args));
}

namespace {

int run_child_scenario(const char* name, int argc, char** argv) {
    for (ChildScenario* scenario = g_first_scenario; scenario != nullptr; scenario = scenario->next) {
        if (strcmp(scenario->name, name) == 0) {
            int code = scenario->function(argc, argv);
            fflush(stdout);
            return code;
        }
    }
    fprintf(stderr, "%s: no child scenario named %s\n", g_self_path, name);
    return 126;
}

int run_tests(const char* filter) {
    int passed = 0;
    int failed = 0;
    for (TestCase* test = g_first_test; test != nullptr; test = test->next) {
        if (filter != nullptr && strstr(test->name, filter) == nullptr)
            continue;
        g_current_failed = false;
        test->function();
        printf("test %s ... %s\n", test->name, g_current_failed ? "FAILED" : "ok");
        fflush(stdout);
        ++(g_current_failed ? failed : passed);
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}

} // namespace

} // namespace test

// `PROGRAM [FILTER]` runs the tests; `PROGRAM --child NAME [ARGS...]` runs one child scenario.
int main(int argc, char** argv) {
    test::g_self_path = argc > 0 ? argv[0] : "";
    if (argc >= 3 && strcmp(argv[1], "--child") == 0)
        return test::run_child_scenario(argv[2], argc - 3, argv + 3);
    return test::run_tests(argc >= 2 ? argv[1] : nullptr);
}
