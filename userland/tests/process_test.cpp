// Process life cycle: pids, spawning (musl's posix_spawn: clone(CLONE_VM|CLONE_VFORK), pipe2,
// execve), exit statuses, wait4.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <spawn.h>
#include <sys/resource.h>
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
