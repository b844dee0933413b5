// Process life cycle: pids, spawning (musl's posix_spawn: clone(CLONE_VM|CLONE_VFORK), pipe2,
// execve), exit statuses, wait4.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

long raw_gettid() {
    return sys::raw_syscall(SYS_gettid);
}

// Numbers passed to children as text.
struct NumberText {
    char text[24];
};
NumberText as_text(long value) {
    NumberText result{};
    snprintf(result.text, sizeof(result.text), "%ld", value);
    return result;
}

} // namespace

CHILD_SCENARIO(exit_with) {
    return atoi(argv[0]);
}

CHILD_SCENARIO(raw_exit_group) {
    sys::raw_syscall(SYS_exit_group, 3);
    return 99;
}

// In a single-threaded process, exit (60) ends the process too.
CHILD_SCENARIO(raw_exit) {
    sys::raw_syscall(SYS_exit, 5);
    return 99;
}

CHILD_SCENARIO(parent_is) {
    return getppid() == atol(argv[0]) ? 0 : 1;
}

CHILD_SCENARIO(arguments_are) {
    if (argc != 2)
        return 1;
    return strcmp(argv[0], "alpha") == 0 && strcmp(argv[1], "two words") == 0 ? 0 : 2;
}

CHILD_SCENARIO(sleep_briefly) {
    const timespec duration{0, 300'000'000};
    nanosleep(&duration, nullptr);
    return 0;
}

// Points the clear-child-tid word at a word of its own (harmless: the child exits right after).
CHILD_SCENARIO(set_tid_address_returns_tid) {
    static int clear_on_exit = 0;
    long result = sys::raw_syscall(SYS_set_tid_address, sys::arg(&clear_on_exit));
    return result == raw_gettid() ? 0 : 1;
}

namespace {
uint32_t read_mxcsr() {
    uint32_t value = 0;
    asm volatile("stmxcsr %0" : "=m"(value));
    return value;
}
void write_mxcsr(uint32_t value) {
    asm volatile("ldmxcsr %0" ::"m"(value));
}
constexpr uint32_t mxcsr_default = 0x1f80;       // exceptions masked, round to nearest
constexpr uint32_t mxcsr_round_to_zero = 0x7f80; // the same with rounding control = 11
} // namespace

// A new program starts with the initial SSE control state, whatever its parent left there. (The
// vector registers are zeroed too, but startup code has used them by the time this runs.)
CHILD_SCENARIO(sse_state_is_initial) {
    return read_mxcsr() == mxcsr_default ? 0 : 1;
}

TEST(getpid_is_positive_and_stable) {
    pid_t pid = getpid();
    EXPECT_GT(pid, 0);
    EXPECT_EQ(getpid(), pid);
    EXPECT_EQ(sys::syscall_getpid(), pid);
}

TEST(gettid_equals_getpid_in_the_main_thread) {
    EXPECT_EQ(raw_gettid(), getpid());
}

TEST(getppid_is_positive) {
    EXPECT_GT(getppid(), 0);
}

TEST(set_tid_address_returns_the_callers_tid) {
    EXPECT_EXITED(test::run_child("set_tid_address_returns_tid"), 0);
}

TEST(a_spawned_child_sees_its_parent_in_getppid) {
    EXPECT_EXITED(test::run_child("parent_is", {as_text(getpid()).text}), 0);
}

TEST(a_spawned_child_receives_its_arguments) {
    EXPECT_EXITED(test::run_child("arguments_are", {"alpha", "two words"}), 0);
}

TEST(exit_codes_reach_the_parent) {
    EXPECT_EXITED(test::run_child("exit_with", {"7"}), 7);
    EXPECT_EXITED(test::run_child("exit_with", {"0"}), 0);
    EXPECT_EXITED(test::run_child("exit_with", {"255"}), 255);
    // Only the low 8 bits survive.
    EXPECT_EXITED(test::run_child("exit_with", {"258"}), 2);
}

TEST(execve_resets_the_sse_registers) {
    write_mxcsr(mxcsr_round_to_zero);
    int status = test::run_child("sse_state_is_initial");
    write_mxcsr(mxcsr_default);
    EXPECT_EXITED(status, 0);
}

// vfork's child continues the parent's program, so it sees the parent's SSE control state.
TEST(a_vfork_child_starts_with_the_parents_sse_state) {
    static volatile uint32_t seen_by_child = 0;
    write_mxcsr(mxcsr_round_to_zero);
    pid_t child = vfork();
    if (child == 0) {
        seen_by_child = read_mxcsr();
        _exit(0);
    }
    write_mxcsr(mxcsr_default);
    ASSERT_GT(child, 0);
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EQ(seen_by_child, mxcsr_round_to_zero);
}

TEST(exit_group_ends_the_process_with_its_code) {
    EXPECT_EXITED(test::run_child("raw_exit_group"), 3);
}

TEST(exit_of_the_only_thread_ends_the_process_with_its_code) {
    EXPECT_EXITED(test::run_child("raw_exit"), 5);
}

TEST(spawning_a_missing_program_fails_with_enoent) {
    char program[] = "/no/such/program";
    char* const argv[] = {program, nullptr};
    pid_t pid = -1;
    EXPECT_EQ(posix_spawn(&pid, program, nullptr, nullptr, argv, environ), ENOENT);
}

TEST(wait4_without_children_fails_with_echild) {
    int status = 0;
    EXPECT_ERRNO(wait4(-1, &status, 0, nullptr), ECHILD);
    EXPECT_ERRNO(wait4(-1, &status, WNOHANG, nullptr), ECHILD);
    // A process that is not our child (our parent) cannot be waited for either.
    EXPECT_ERRNO(wait4(getppid(), &status, 0, nullptr), ECHILD);
}

TEST(wait4_with_wnohang_returns_zero_while_the_child_runs) {
    pid_t pid = test::spawn_child("sleep_briefly");
    ASSERT_GT(pid, 0);
    int status = 0;
    EXPECT_EQ(wait4(pid, &status, WNOHANG, nullptr), 0);
    EXPECT_EXITED(test::wait_child(pid), 0);
}

TEST(wait4_reports_the_pid_of_the_child_it_reaped) {
    pid_t pid = test::spawn_child("exit_with", {"4"});
    ASSERT_GT(pid, 0);
    int status = 0;
    EXPECT_EQ(wait4(-1, &status, 0, nullptr), pid);
    EXPECT_EXITED(status, 4);
}

TEST(children_get_distinct_pids) {
    pid_t first = test::spawn_child("sleep_briefly");
    pid_t second = test::spawn_child("sleep_briefly");
    EXPECT_NE(first, second);
    EXPECT_NE(first, getpid());
    EXPECT_EXITED(test::wait_child(first), 0);
    EXPECT_EXITED(test::wait_child(second), 0);
}

// "#!" scripts: the interpreter runs with its one optional argument, then the script's path as
// execve was given it, then the caller's arguments after argv[0].
CHILD_SCENARIO(shebang_arguments) {
    return argc == 2 && strcmp(argv[0], "x y") == 0 && strcmp(argv[1], "z") == 0 ? 0 : 1;
}

namespace {

// A scratch directory to run scripts from, left again (with its contents) when done.
struct ScriptDirectory {
    char path[64] = "/tmp/process_test.XXXXXX";
    char previous[4096] = {};
    char self[4096] = {}; // this program's absolute path: scripts name it as their interpreter
    bool ok = false;
    ScriptDirectory() {
        ok = realpath(test::self_path(), self) && mkdtemp(path) != nullptr &&
             getcwd(previous, sizeof previous) && chdir(path) == 0;
    }
    ~ScriptDirectory() {
        if (!ok)
            return;
        for (const char* name : {"shebang_arguments", "empty", "garbage", "level1", "level2", "level3",
                                 "level4", "level5", "level6"})
            unlink(name);
        (void)chdir(previous);
        rmdir(path);
    }
    static bool write(const char* name, const char* text) {
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (fd < 0)
            return false;
        bool written = ::write(fd, text, strlen(text)) == static_cast<ssize_t>(strlen(text));
        return close(fd) == 0 && written;
    }
};

int spawn_and_wait(const char* program, std::initializer_list<const char*> arguments, int* spawn_error) {
    char* argv[8] = {};
    int count = 0;
    for (const char* argument : arguments)
        argv[count++] = const_cast<char*>(argument);
    pid_t pid = -1;
    *spawn_error = posix_spawn(&pid, program, nullptr, nullptr, argv, environ);
    if (*spawn_error != 0)
        return -1;
    int status = 0;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

} // namespace

TEST(a_script_runs_under_its_interpreter_with_the_line_argument_and_the_script_path) {
    ScriptDirectory directory;
    ASSERT_TRUE(directory.ok);
    // The script's name is the scenario's, so the interpreter (this program, "--child") finds it.
    char line[512];
    snprintf(line, sizeof line, "#!%s   --child  \necho not reached\n", directory.self);
    ASSERT_TRUE(ScriptDirectory::write("shebang_arguments", line));
    int error = 0;
    // argv[0] ("ignored") is replaced by the script's path; "x y" stays one argument.
    EXPECT_EXITED(spawn_and_wait("shebang_arguments", {"ignored", "x y", "z"}, &error), 0);
    EXPECT_EQ(error, 0);
}

TEST(scripts_without_an_interpreter_and_unknown_formats_fail_with_enoexec) {
    ScriptDirectory directory;
    ASSERT_TRUE(directory.ok);
    ASSERT_TRUE(ScriptDirectory::write("empty", "#!\n"));
    ASSERT_TRUE(ScriptDirectory::write("garbage", "\x01\x02 not a program\n"));
    int error = 0;
    EXPECT_EQ(spawn_and_wait("empty", {"empty"}, &error), -1);
    EXPECT_EQ(error, ENOEXEC);
    EXPECT_EQ(spawn_and_wait("garbage", {"garbage"}, &error), -1);
    EXPECT_EQ(error, ENOEXEC);
}

TEST(interpreters_nest_four_deep_and_a_fifth_level_fails_with_eloop) {
    ScriptDirectory directory;
    ASSERT_TRUE(directory.ok);
    char line[512];
    // level1 is run by the real program; each level above by the one below it.
    snprintf(line, sizeof line, "#!%s --child\n", directory.self);
    ASSERT_TRUE(ScriptDirectory::write("level1", line));
    char previous[4096];
    for (int level = 2; level <= 6; ++level) {
        snprintf(previous, sizeof previous, "%s/level%d", directory.path, level - 1);
        snprintf(line, sizeof line, "#!%s\n", previous);
        char name[16];
        snprintf(name, sizeof name, "level%d", level);
        ASSERT_TRUE(ScriptDirectory::write(name, line));
    }
    int error = 0;
    // level4 is three scripts on top of level1: four interpreters in all, as Linux allows. The child
    // then looks for a scenario named after a script path and fails, which is fine: it ran.
    int status = spawn_and_wait("level4", {"level4"}, &error);
    EXPECT_EQ(error, 0);
    EXPECT_TRUE(status != -1 && WIFEXITED(status));
    EXPECT_EQ(spawn_and_wait("level6", {"level6"}, &error), -1);
    EXPECT_EQ(error, ELOOP);
}

// Scheduling calls: nice values and CPU affinity, as on Linux (a "pid" there names a thread).
namespace {

// Runs `body` in a forked child and returns its wait status.
template <typename Body>
int in_child(Body body) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(body());
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

int own_cpu() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
        if (CPU_ISSET(cpu, &set))
            return cpu;
    return -1;
}

// CPU time a child spins for over `wall_ms` of real time, on `cpu` only, at `nice`; written to `out`.
pid_t spinner(int cpu, int nice, int wall_ms, int out) {
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0 || setpriority(PRIO_PROCESS, 0, nice) != 0)
        _exit(1);
    timespec start{}, now{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    do
        clock_gettime(CLOCK_MONOTONIC, &now);
    while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1'000'000 < wall_ms);
    timespec used{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &used);
    long long ns = used.tv_sec * 1'000'000'000ll + used.tv_nsec;
    (void)!write(out, &ns, sizeof ns);
    _exit(0);
}

} // namespace

TEST(setpriority_sets_a_threads_nice_value_and_children_inherit_it) {
    int status = in_child([] {
        if (getpriority(PRIO_PROCESS, 0) != 0)
            return 1;
        if (setpriority(PRIO_PROCESS, 0, 7) != 0 || getpriority(PRIO_PROCESS, 0) != 7)
            return 2;
        if (getpriority(PRIO_PROCESS, static_cast<id_t>(getpid())) != 7)
            return 3;
        int inherited = in_child([] { return getpriority(PRIO_PROCESS, 0) == 7 ? 0 : 1; });
        if (!WIFEXITED(inherited) || WEXITSTATUS(inherited) != 0)
            return 4;
        if (setpriority(PRIO_PROCESS, 0, 100) != 0 || getpriority(PRIO_PROCESS, 0) != 19) // clamped
            return 5;
        return 0;
    });
    EXPECT_EXITED(status, 0);
}

TEST(setpriority_by_process_group_reaches_every_member) {
    int status = in_child([] {
        setpgid(0, 0);
        int ready[2];
        if (pipe(ready) != 0)
            return 1;
        pid_t member = fork();
        if (member == 0) { // in the same group; waits to be killed
            close(ready[0]);
            (void)!write(ready[1], "r", 1);
            pause();
            _exit(0);
        }
        char byte;
        (void)!read(ready[0], &byte, 1);
        int result = 0;
        if (setpriority(PRIO_PGRP, 0, 4) != 0)
            result = 2;
        else if (getpriority(PRIO_PROCESS, 0) != 4 ||
                 getpriority(PRIO_PROCESS, static_cast<id_t>(member)) != 4)
            result = 3;
        else if (getpriority(PRIO_PGRP, 0) != 4)
            result = 4;
        kill(member, SIGKILL);
        waitpid(member, nullptr, 0);
        return result;
    });
    EXPECT_EXITED(status, 0);
}

TEST(priority_calls_reject_bad_arguments) {
    errno = 0;
    EXPECT_EQ(getpriority(7, 0), -1);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(getpriority(PRIO_PROCESS, 4'000'000), -1); // above any pid_max
    EXPECT_EQ(errno, ESRCH);
    EXPECT_ERRNO(setpriority(PRIO_PGRP, 4'000'000, 1), ESRCH);
}

// Without privilege a process may only make itself nicer, and may not touch another user's.
TEST(an_unprivileged_process_may_only_raise_its_own_nice_value) {
    if (geteuid() != 0)
        return; // needs root to become another user
    int status = in_child([] {
        if (setuid(65534) != 0)
            return 1;
        if (setpriority(PRIO_PROCESS, 0, 10) != 0)
            return 2;
        if (setpriority(PRIO_PROCESS, 0, 5) != -1 || errno != EACCES)
            return 3;
        if (getpriority(PRIO_PROCESS, 0) != 10)
            return 4;
        if (setpriority(PRIO_PROCESS, static_cast<id_t>(getppid()), 19) != -1 || errno != EPERM)
            return 5; // the test process, root's
        return 0;
    });
    EXPECT_EXITED(status, 0);
}

TEST(affinity_names_the_processors_and_an_empty_mask_is_refused) {
    cpu_set_t set;
    CPU_ZERO(&set);
    long bytes = sys::raw_syscall(SYS_sched_getaffinity, 0, sizeof set, sys::arg(&set));
    EXPECT_TRUE(bytes >= 8 && bytes % 8 == 0);
    EXPECT_GT(CPU_COUNT(&set), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_sched_getaffinity, 0, 3, sys::arg(&set)), -EINVAL);
    int cpu = own_cpu();
    int status = in_child([cpu] {
        cpu_set_t none;
        CPU_ZERO(&none);
        if (sched_setaffinity(0, sizeof none, &none) != -1 || errno != EINVAL)
            return 1;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0)
            return 2;
        int inherited = in_child([cpu] {
            cpu_set_t now;
            CPU_ZERO(&now);
            return sched_getaffinity(0, sizeof now, &now) == 0 && CPU_COUNT(&now) == 1 && CPU_ISSET(cpu, &now)
                       ? 0
                       : 1;
        });
        return WIFEXITED(inherited) && WEXITSTATUS(inherited) == 0 ? 0 : 3;
    });
    EXPECT_EXITED(status, 0);
}

TEST(the_scheduling_policy_is_sched_other) {
    EXPECT_EQ(sys::raw_syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
    int priority = -1;
    EXPECT_EQ(sys::raw_syscall(SYS_sched_getparam, 0, sys::arg(&priority)), 0);
    EXPECT_EQ(priority, 0);
    EXPECT_EQ(sys::raw_syscall(SYS_sched_get_priority_max, SCHED_FIFO), 99);
    EXPECT_EQ(sys::raw_syscall(SYS_sched_get_priority_min, SCHED_RR), 1);
    EXPECT_EQ(sys::raw_syscall(SYS_sched_get_priority_max, SCHED_OTHER), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_sched_get_priority_max, 1234), -EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_sched_getscheduler, 4'000'000), -ESRCH);
}

// Two spinners sharing one processor: the one at nice 0 gets several times the CPU of the one at
// nice 10 (the weights differ ~9x; only the direction and a wide margin are checked).
TEST(a_nicer_spinner_gets_less_of_a_shared_processor) {
    int cpu = own_cpu();
    ASSERT_TRUE(cpu >= 0);
    int results[2];
    ASSERT_EQ(pipe(results), 0);
    pid_t favoured = spinner(cpu, 0, 800, results[1]);
    pid_t nicer = spinner(cpu, 10, 800, results[1]);
    int status = 0;
    waitpid(favoured, &status, 0);
    EXPECT_EXITED(status, 0);
    waitpid(nicer, &status, 0);
    EXPECT_EXITED(status, 0);
    // Each wrote once; the first to finish is not necessarily the first started, so read both and
    // tell them apart by size: the favoured one used more.
    long long first = 0, second = 0;
    ASSERT_EQ(read(results[0], &first, sizeof first), static_cast<ssize_t>(sizeof first));
    ASSERT_EQ(read(results[0], &second, sizeof second), static_cast<ssize_t>(sizeof second));
    long long favoured_ns = first > second ? first : second;
    long long nicer_ns = first > second ? second : first;
    close(results[0]);
    close(results[1]);
    EXPECT_GT(favoured_ns, 3 * nicer_ns);
}
