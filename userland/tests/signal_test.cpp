// Signals: masks and dispositions (rt_sigprocmask, rt_sigaction, through libc and raw), and delivery:
// handlers and their frame (siginfo, ucontext, mask, alternate stack, registers and FPU state kept),
// pending and queued signals, sigsuspend, sigtimedwait, sigqueue, faults caught by handlers, default
// actions, SIGPIPE and SIGCHLD. Every signal here is sent by the test to itself (or by a child's
// exit), so nothing depends on timing.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

// The kernel's sigset is 64 bits; libc's sigset_t is larger, so raw calls must say 8.
constexpr long kKernelSigsetSize = 8;

// The kernel's struct sigaction on x86-64 (not libc's layout).
struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
};
static_assert(sizeof(KernelSigaction) == 32);

void ignore_signal(int) {}

sigset_t blocked_now() {
    sigset_t current;
    sigemptyset(&current);
    sigprocmask(SIG_BLOCK, nullptr, &current);
    return current;
}

// Restores the signal mask a test started with.
struct MaskGuard {
    sigset_t saved;
    MaskGuard() { sigprocmask(SIG_BLOCK, nullptr, &saved); }
    ~MaskGuard() { sigprocmask(SIG_SETMASK, &saved, nullptr); }
};

} // namespace

TEST(sigprocmask_block_shows_up_in_the_queried_mask) {
    MaskGuard guard;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &set, nullptr), 0);
    sigset_t current = blocked_now();
    EXPECT_TRUE(sigismember(&current, SIGUSR1));
    EXPECT_FALSE(sigismember(&current, SIGUSR2));
    ASSERT_EQ(sigprocmask(SIG_UNBLOCK, &set, nullptr), 0);
    current = blocked_now();
    EXPECT_FALSE(sigismember(&current, SIGUSR1));
}

TEST(sigprocmask_setmask_replaces_the_mask_and_returns_the_old_one) {
    MaskGuard guard;
    sigset_t first;
    sigemptyset(&first);
    sigaddset(&first, SIGUSR1);
    sigset_t second;
    sigemptyset(&second);
    sigaddset(&second, SIGUSR2);
    ASSERT_EQ(sigprocmask(SIG_SETMASK, &first, nullptr), 0);
    sigset_t old;
    ASSERT_EQ(sigprocmask(SIG_SETMASK, &second, &old), 0);
    EXPECT_TRUE(sigismember(&old, SIGUSR1));
    EXPECT_FALSE(sigismember(&old, SIGUSR2));
    sigset_t current = blocked_now();
    EXPECT_FALSE(sigismember(&current, SIGUSR1));
    EXPECT_TRUE(sigismember(&current, SIGUSR2));
}

TEST(sigkill_and_sigstop_cannot_be_blocked) {
    MaskGuard guard;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    sigaddset(&set, SIGUSR1);
    EXPECT_EQ(sigprocmask(SIG_BLOCK, &set, nullptr), 0);
    sigset_t current = blocked_now();
    EXPECT_FALSE(sigismember(&current, SIGKILL));
    EXPECT_FALSE(sigismember(&current, SIGSTOP));
    EXPECT_TRUE(sigismember(&current, SIGUSR1));
}

TEST(sigprocmask_with_a_bad_how_fails_with_einval) {
    sigset_t set;
    sigemptyset(&set);
    EXPECT_ERRNO(sigprocmask(99, &set, nullptr), EINVAL);
    uint64_t raw_set = 0;
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigprocmask, 99, sys::arg(&raw_set), 0, kKernelSigsetSize), -EINVAL);
}

TEST(rt_sigprocmask_with_a_wrong_sigset_size_fails_with_einval) {
    uint64_t raw_set = 0;
    uint64_t old = 0;
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, sys::arg(&raw_set), sys::arg(&old), 4),
              -EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, sys::arg(&raw_set), sys::arg(&old), 128),
              -EINVAL);
}

TEST(rt_sigprocmask_query_into_a_bad_pointer_fails_with_efault) {
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, 1, kKernelSigsetSize), -EFAULT);
}

TEST(sigaction_installs_a_handler_that_reads_back) {
    struct sigaction action {};
    action.sa_handler = ignore_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGUSR2);
    struct sigaction old {};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
    struct sigaction read_back {};
    ASSERT_EQ(sigaction(SIGUSR1, nullptr, &read_back), 0);
    EXPECT_EQ(read_back.sa_handler, &ignore_signal);
    EXPECT_TRUE(read_back.sa_flags & SA_RESTART);
    EXPECT_TRUE(sigismember(&read_back.sa_mask, SIGUSR2));
    ASSERT_EQ(sigaction(SIGUSR1, &old, nullptr), 0);
    ASSERT_EQ(sigaction(SIGUSR1, nullptr, &read_back), 0);
    EXPECT_EQ(read_back.sa_handler, old.sa_handler);
}

TEST(raw_rt_sigaction_reads_back_what_it_installed) {
    KernelSigaction action{SIG_IGN, 0, nullptr, uint64_t{1} << (SIGUSR1 - 1)};
    KernelSigaction old{};
    ASSERT_EQ(
        sys::raw_syscall(SYS_rt_sigaction, SIGUSR2, sys::arg(&action), sys::arg(&old), kKernelSigsetSize), 0);
    KernelSigaction read_back{};
    ASSERT_EQ(sys::raw_syscall(SYS_rt_sigaction, SIGUSR2, 0, sys::arg(&read_back), kKernelSigsetSize), 0);
    EXPECT_EQ(read_back.handler, SIG_IGN);
    EXPECT_EQ(read_back.mask, action.mask);
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigaction, SIGUSR2, sys::arg(&old), 0, kKernelSigsetSize), 0);
}

TEST(sigaction_on_sigkill_or_sigstop_fails_with_einval) {
    struct sigaction action {};
    action.sa_handler = ignore_signal;
    EXPECT_ERRNO(sigaction(SIGKILL, &action, nullptr), EINVAL);
    EXPECT_ERRNO(sigaction(SIGSTOP, &action, nullptr), EINVAL);
    KernelSigaction raw{SIG_IGN, 0, nullptr, 0};
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigaction, SIGKILL, sys::arg(&raw), 0, kKernelSigsetSize), -EINVAL);
}

TEST(sigaction_on_signal_0_or_65_fails_with_einval) {
    struct sigaction action {};
    action.sa_handler = ignore_signal;
    EXPECT_ERRNO(sigaction(0, &action, nullptr), EINVAL);
    EXPECT_ERRNO(sigaction(65, &action, nullptr), EINVAL);
    KernelSigaction raw{SIG_IGN, 0, nullptr, 0};
    KernelSigaction old{};
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigaction, 0, sys::arg(&raw), sys::arg(&old), kKernelSigsetSize),
              -EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigaction, 65, sys::arg(&raw), sys::arg(&old), kKernelSigsetSize),
              -EINVAL);
}

TEST(rt_sigaction_with_a_wrong_sigset_size_fails_with_einval) {
    KernelSigaction old{};
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigaction, SIGUSR1, 0, sys::arg(&old), 4), -EINVAL);
}

namespace {

volatile sig_atomic_t g_count;
volatile sig_atomic_t g_last_signal;
siginfo_t g_info;
sigset_t g_mask_in_handler;
void* g_stack_address;
stack_t g_stack_in_handler;
int g_values[8];
volatile sig_atomic_t g_value_count;

void counting_handler(int signal) {
    g_count = g_count + 1;
    g_last_signal = signal;
}

void recording_handler(int signal, siginfo_t* info, void*) {
    g_count = g_count + 1;
    g_last_signal = signal;
    g_info = *info;
    sigprocmask(SIG_BLOCK, nullptr, &g_mask_in_handler);
}

void value_handler(int, siginfo_t* info, void*) {
    if (g_value_count < 8)
        g_values[g_value_count] = info->si_value.sival_int;
    g_value_count = g_value_count + 1;
}

void stack_handler(int) {
    int local = 0;
    g_stack_address = &local;
    sigaltstack(nullptr, &g_stack_in_handler);
    g_count = g_count + 1;
}

// Installs a handler for a test and puts the old disposition and mask back afterwards.
struct HandlerGuard {
    int signal;
    struct sigaction saved {};
    sigset_t saved_mask;
    HandlerGuard(int signal_number, void (*handler)(int), int flags = 0, const sigset_t* mask = nullptr)
        : signal(signal_number) {
        struct sigaction action {};
        action.sa_handler = handler;
        action.sa_flags = flags;
        if (mask)
            action.sa_mask = *mask;
        else
            sigemptyset(&action.sa_mask);
        install(action);
    }
    HandlerGuard(int signal_number, void (*handler)(int, siginfo_t*, void*), int flags = 0)
        : signal(signal_number) {
        struct sigaction action {};
        action.sa_sigaction = handler;
        action.sa_flags = flags | SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        install(action);
    }
    void install(const struct sigaction& action) {
        sigprocmask(SIG_BLOCK, nullptr, &saved_mask);
        sigaction(signal, &action, &saved);
        g_count = 0;
        g_last_signal = 0;
        g_value_count = 0;
        memset(&g_info, 0, sizeof g_info);
    }
    ~HandlerGuard() {
        sigaction(signal, &saved, nullptr);
        sigprocmask(SIG_SETMASK, &saved_mask, nullptr);
    }
};

sigset_t set_of(int signal) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal);
    return set;
}

} // namespace

TEST(a_handler_runs_and_the_interrupted_code_goes_on) {
    HandlerGuard guard(SIGUSR1, counting_handler);
    volatile int after = 0;
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    after = 1;
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_last_signal, SIGUSR1);
    EXPECT_EQ(after, 1);
    ASSERT_EQ(raise(SIGUSR1), 0);
    EXPECT_EQ(g_count, 2);
}

TEST(sa_siginfo_handler_gets_signo_code_and_pid) {
    HandlerGuard guard(SIGUSR2, recording_handler);
    ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_info.si_signo, SIGUSR2);
    EXPECT_EQ(g_info.si_code, SI_USER);
    EXPECT_EQ(g_info.si_pid, getpid());
    EXPECT_EQ(g_info.si_uid, getuid());
}

TEST(tgkill_reports_si_tkill) {
    HandlerGuard guard(SIGUSR2, recording_handler);
    ASSERT_EQ(sys::raw_syscall(SYS_tgkill, getpid(), getpid(), SIGUSR2), 0);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_info.si_code, SI_TKILL);
    EXPECT_EQ(sys::raw_syscall(SYS_tgkill, getpid(), getpid(), 65), -EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_tkill, 0, SIGUSR2), -EINVAL);
}

TEST(the_handler_runs_with_sa_mask_and_its_own_signal_blocked) {
    struct sigaction action {};
    action.sa_sigaction = recording_handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGTERM);
    HandlerGuard guard(SIGUSR1, counting_handler);
    sigaction(SIGUSR1, &action, nullptr);
    ASSERT_EQ(raise(SIGUSR1), 0);
    EXPECT_EQ(g_count, 1);
    EXPECT_TRUE(sigismember(&g_mask_in_handler, SIGUSR1));
    EXPECT_TRUE(sigismember(&g_mask_in_handler, SIGTERM));
    EXPECT_FALSE(sigismember(&g_mask_in_handler, SIGUSR2));
    sigset_t after;
    sigprocmask(SIG_BLOCK, nullptr, &after);
    EXPECT_FALSE(sigismember(&after, SIGUSR1));
    EXPECT_FALSE(sigismember(&after, SIGTERM));
}

TEST(sa_nodefer_leaves_the_signal_unblocked_in_its_handler) {
    HandlerGuard guard(SIGUSR1, recording_handler, SA_NODEFER);
    ASSERT_EQ(raise(SIGUSR1), 0);
    EXPECT_EQ(g_count, 1);
    EXPECT_FALSE(sigismember(&g_mask_in_handler, SIGUSR1));
}

TEST(sa_resethand_puts_the_default_back_after_one_delivery) {
    HandlerGuard guard(SIGUSR1, counting_handler, SA_RESETHAND);
    ASSERT_EQ(raise(SIGUSR1), 0);
    EXPECT_EQ(g_count, 1);
    struct sigaction now {};
    ASSERT_EQ(sigaction(SIGUSR1, nullptr, &now), 0);
    EXPECT_EQ(now.sa_handler, SIG_DFL);
}

TEST(sa_onstack_runs_the_handler_on_the_alternate_stack) {
    static char alternate[64 * 1024];
    stack_t stack{};
    stack.ss_sp = alternate;
    stack.ss_size = sizeof alternate;
    stack_t old{};
    ASSERT_EQ(sigaltstack(&stack, &old), 0);
    HandlerGuard guard(SIGUSR1, stack_handler, SA_ONSTACK);
    ASSERT_EQ(raise(SIGUSR1), 0);
    EXPECT_EQ(g_count, 1);
    auto address = reinterpret_cast<uintptr_t>(g_stack_address);
    EXPECT_GE(address, reinterpret_cast<uintptr_t>(alternate));
    EXPECT_LT(address, reinterpret_cast<uintptr_t>(alternate) + sizeof alternate);
    EXPECT_EQ(g_stack_in_handler.ss_flags, SS_ONSTACK);
    stack_t now{};
    ASSERT_EQ(sigaltstack(nullptr, &now), 0);
    EXPECT_EQ(now.ss_flags, 0);
    EXPECT_EQ(now.ss_sp, static_cast<void*>(alternate));
    EXPECT_EQ(now.ss_size, sizeof alternate);
    // Without SA_ONSTACK the ordinary stack is used.
    HandlerGuard plain(SIGUSR2, stack_handler);
    ASSERT_EQ(raise(SIGUSR2), 0);
    address = reinterpret_cast<uintptr_t>(g_stack_address);
    EXPECT_TRUE(address < reinterpret_cast<uintptr_t>(alternate) ||
                address >= reinterpret_cast<uintptr_t>(alternate) + sizeof alternate);
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    ASSERT_EQ(sigaltstack(&disable, nullptr), 0);
    ASSERT_EQ(sigaltstack(nullptr, &now), 0);
    EXPECT_EQ(now.ss_flags, SS_DISABLE);
}

TEST(ss_autodisarm_disarms_the_alternate_stack_while_its_handler_runs) {
    static char alternate[64 * 1024];
    stack_t stack{};
    stack.ss_sp = alternate;
    stack.ss_size = sizeof alternate;
    stack.ss_flags = SS_AUTODISARM;
    ASSERT_EQ(sigaltstack(&stack, nullptr), 0);
    HandlerGuard guard(SIGUSR1, stack_handler, SA_ONSTACK);
    ASSERT_EQ(raise(SIGUSR1), 0);
    auto address = reinterpret_cast<uintptr_t>(g_stack_address);
    EXPECT_GE(address, reinterpret_cast<uintptr_t>(alternate));
    EXPECT_LT(address, reinterpret_cast<uintptr_t>(alternate) + sizeof alternate);
    EXPECT_EQ(g_stack_in_handler.ss_flags, SS_DISABLE);
    stack_t after{};
    ASSERT_EQ(sigaltstack(nullptr, &after), 0);
    EXPECT_EQ(static_cast<unsigned>(after.ss_flags),
              static_cast<unsigned>(SS_AUTODISARM)); // re-armed by rt_sigreturn
    EXPECT_EQ(after.ss_sp, static_cast<void*>(alternate));
    stack_t disable{};
    disable.ss_flags = SS_DISABLE;
    ASSERT_EQ(sigaltstack(&disable, nullptr), 0);
}

TEST(sigaltstack_refuses_a_small_stack_and_bad_flags) {
    static char small[1024];
    stack_t stack{};
    stack.ss_sp = small;
    stack.ss_size = sizeof small;
    EXPECT_ERRNO(sigaltstack(&stack, nullptr), ENOMEM);
    EXPECT_EQ(sys::raw_syscall(SYS_sigaltstack, sys::arg(&stack), 0), -ENOMEM);
    static char large[16 * 1024];
    stack.ss_sp = large;
    stack.ss_size = sizeof large;
    stack.ss_flags = 0x1234;
    EXPECT_EQ(sys::raw_syscall(SYS_sigaltstack, sys::arg(&stack), 0), -EINVAL);
}

TEST(a_blocked_signal_stays_pending_until_unblocked) {
    HandlerGuard guard(SIGUSR1, counting_handler);
    sigset_t usr1 = set_of(SIGUSR1);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr1, nullptr), 0);
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    EXPECT_EQ(g_count, 0);
    sigset_t pending;
    sigemptyset(&pending);
    ASSERT_EQ(sigpending(&pending), 0);
    EXPECT_TRUE(sigismember(&pending, SIGUSR1));
    EXPECT_FALSE(sigismember(&pending, SIGUSR2));
    uint64_t raw = 0;
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigpending, sys::arg(&raw), kKernelSigsetSize), 0);
    EXPECT_EQ(raw, uint64_t{1} << (SIGUSR1 - 1));
    ASSERT_EQ(sigprocmask(SIG_UNBLOCK, &usr1, nullptr), 0);
    EXPECT_EQ(g_count, 1);
    ASSERT_EQ(sigpending(&pending), 0);
    EXPECT_FALSE(sigismember(&pending, SIGUSR1));
}

TEST(ignoring_a_pending_signal_discards_it) {
    HandlerGuard guard(SIGUSR1, counting_handler);
    sigset_t usr1 = set_of(SIGUSR1);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr1, nullptr), 0);
    ASSERT_EQ(raise(SIGUSR1), 0);
    signal(SIGUSR1, SIG_IGN);
    sigset_t pending;
    ASSERT_EQ(sigpending(&pending), 0);
    EXPECT_FALSE(sigismember(&pending, SIGUSR1));
}

TEST(sigsuspend_lets_a_pending_signal_in_and_restores_the_mask) {
    HandlerGuard guard(SIGUSR1, counting_handler);
    sigset_t usr1 = set_of(SIGUSR1);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr1, nullptr), 0);
    ASSERT_EQ(raise(SIGUSR1), 0);
    sigset_t nothing;
    sigemptyset(&nothing);
    EXPECT_ERRNO(sigsuspend(&nothing), EINTR);
    EXPECT_EQ(g_count, 1);
    sigset_t after;
    sigprocmask(SIG_BLOCK, nullptr, &after);
    EXPECT_TRUE(sigismember(&after, SIGUSR1));
}

TEST(sigtimedwait_takes_a_pending_signal_without_running_its_handler) {
    HandlerGuard guard(SIGUSR2, counting_handler);
    sigset_t usr2 = set_of(SIGUSR2);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr2, nullptr), 0);
    ASSERT_EQ(raise(SIGUSR2), 0);
    siginfo_t info{};
    timespec timeout{1, 0};
    EXPECT_EQ(sigtimedwait(&usr2, &info, &timeout), SIGUSR2);
    EXPECT_EQ(info.si_signo, SIGUSR2);
    EXPECT_EQ(info.si_pid, getpid());
    EXPECT_EQ(g_count, 0);
    sigset_t pending;
    ASSERT_EQ(sigpending(&pending), 0);
    EXPECT_FALSE(sigismember(&pending, SIGUSR2));
}

TEST(sigtimedwait_with_nothing_pending_times_out_with_eagain) {
    sigset_t usr2 = set_of(SIGUSR2);
    HandlerGuard guard(SIGUSR2, counting_handler);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr2, nullptr), 0);
    timespec timeout{0, 20'000'000};
    EXPECT_ERRNO(sigtimedwait(&usr2, nullptr, &timeout), EAGAIN);
    timespec zero{0, 0};
    EXPECT_ERRNO(sigtimedwait(&usr2, nullptr, &zero), EAGAIN);
    timespec bad{0, 1'000'000'000};
    EXPECT_ERRNO(sigtimedwait(&usr2, nullptr, &bad), EINVAL);
}

namespace {

// The state letter of /proc/PID/stat ('S' while it sleeps), or 0.
char process_state(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char text[512] = {};
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    const char* end_of_name = got > 0 ? strrchr(text, ')') : nullptr;
    return end_of_name && end_of_name[1] == ' ' ? end_of_name[2] : 0;
}

} // namespace

// sigtimedwait unblocks its set while it waits, yet a signal whose default is to be ignored must not
// be dropped then (Linux checks the mask from before the wait): SIGCHLD arrives only once the waiter
// sleeps, from a grandchild that watches its state.
TEST(sigtimedwait_receives_a_default_ignored_signal_sent_while_it_waits) {
    pid_t child = fork();
    if (child == 0) {
        sigset_t chld = set_of(SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, nullptr);
        pid_t waiter = getpid();
        if (fork() == 0) {
            for (int tries = 0; tries < 100000 && process_state(waiter) != 'S'; ++tries)
                sched_yield();
            _exit(0); // SIGCHLD for the waiter
        }
        timespec timeout{10, 0};
        _exit(sigtimedwait(&chld, nullptr, &timeout) == SIGCHLD ? 0 : 1);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
}

TEST(sigqueue_delivers_its_value_with_si_queue) {
    HandlerGuard guard(SIGRTMIN, recording_handler);
    sigval value{};
    value.sival_int = 42;
    ASSERT_EQ(sigqueue(getpid(), SIGRTMIN, value), 0);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_info.si_code, SI_QUEUE);
    EXPECT_EQ(g_info.si_value.sival_int, 42);
    EXPECT_EQ(g_info.si_pid, getpid());
}

TEST(rt_tgsigqueueinfo_delivers_its_value_to_the_thread) {
    HandlerGuard guard(SIGRTMIN, recording_handler);
    siginfo_t info{};
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = 77;
    long tid = sys::raw_syscall(SYS_gettid);
    ASSERT_EQ(sys::raw_syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGRTMIN, sys::arg(&info)), 0);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_info.si_code, SI_QUEUE);
    EXPECT_EQ(g_info.si_value.sival_int, 77);
    EXPECT_EQ(sys::raw_syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, 0x41, sys::arg(&info)), -EINVAL);
}

TEST(realtime_signals_queue_in_order_while_standard_ones_coalesce) {
    HandlerGuard realtime(SIGRTMIN, value_handler);
    HandlerGuard standard(SIGUSR1, counting_handler);
    sigset_t both = set_of(SIGRTMIN);
    sigaddset(&both, SIGUSR1);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &both, nullptr), 0);
    for (int i = 1; i <= 3; ++i) {
        sigval value{};
        value.sival_int = i;
        ASSERT_EQ(sigqueue(getpid(), SIGRTMIN, value), 0);
        ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    }
    EXPECT_EQ(g_value_count, 0);
    ASSERT_EQ(sigprocmask(SIG_UNBLOCK, &both, nullptr), 0);
    EXPECT_EQ(g_value_count, 3);
    EXPECT_EQ(g_values[0], 1);
    EXPECT_EQ(g_values[1], 2);
    EXPECT_EQ(g_values[2], 3);
    EXPECT_EQ(g_count, 1);
}

TEST(rt_sigqueueinfo_may_not_pretend_to_be_kill_towards_another_process) {
    siginfo_t info{};
    info.si_code = SI_USER;
    // pid 1 is not us: a non-negative si_code is refused before the target is looked at.
    EXPECT_EQ(sys::raw_syscall(SYS_rt_sigqueueinfo, getpid() == 1 ? 2 : 1, SIGUSR1, sys::arg(&info)), -EPERM);
}

TEST(kill_checks_the_signal_and_the_target) {
    EXPECT_EQ(kill(getpid(), 0), 0);
    EXPECT_ERRNO(kill(getpid(), 65), EINVAL);
    EXPECT_ERRNO(kill(getpid(), -1), EINVAL);
    EXPECT_ERRNO(kill(0x3ffffff0, SIGUSR1), ESRCH);
    EXPECT_ERRNO(kill(0x3ffffff0, 0), ESRCH);
}

namespace {

sigjmp_buf g_jump;
volatile uintptr_t g_fault_address;
volatile int g_fault_code;

void fault_handler(int signal, siginfo_t* info, void*) {
    g_last_signal = signal;
    g_fault_address = reinterpret_cast<uintptr_t>(info->si_addr);
    g_fault_code = info->si_code;
    siglongjmp(g_jump, 1);
}

} // namespace

TEST(a_sigsegv_handler_gets_the_address_and_can_siglongjmp_out) {
    HandlerGuard guard(SIGSEGV, fault_handler);
    g_fault_address = 0;
    if (sigsetjmp(g_jump, 1) == 0) {
        volatile int* pointer = reinterpret_cast<volatile int*>(0x18);
        (void)*pointer;
        EXPECT_TRUE(false); // not reached
    }
    EXPECT_EQ(g_last_signal, SIGSEGV);
    EXPECT_EQ(g_fault_address, 0x18u);
    EXPECT_EQ(g_fault_code, SEGV_MAPERR);
    // siglongjmp restored the mask: SIGSEGV is deliverable again.
    sigset_t now;
    sigprocmask(SIG_BLOCK, nullptr, &now);
    EXPECT_FALSE(sigismember(&now, SIGSEGV));
}

TEST(integer_divide_by_zero_is_caught_as_sigfpe) {
    HandlerGuard guard(SIGFPE, fault_handler);
    if (sigsetjmp(g_jump, 1) == 0) {
        volatile int zero = 0;
        volatile int result = 1 / zero;
        (void)result;
        EXPECT_TRUE(false);
    }
    EXPECT_EQ(g_last_signal, SIGFPE);
    EXPECT_EQ(g_fault_code, FPE_INTDIV);
}

namespace {

void skip_ud2_handler(int signal, siginfo_t*, void* context) {
    g_last_signal = signal;
    auto* ucontext = static_cast<ucontext_t*>(context);
    ucontext->uc_mcontext.gregs[REG_RIP] += 2; // over the 2-byte ud2
    // A mask the frame asks for is the mask after the handler.
    sigaddset(&ucontext->uc_sigmask, SIGUSR2);
}

void clobbering_handler(int) {
    asm volatile("pxor %%xmm7, %%xmm7\n pxor %%xmm0, %%xmm0\n xor %%r12, %%r12\n xor %%rbx, %%rbx" ::
                     : "xmm7", "xmm0", "r12", "rbx");
    g_count = g_count + 1;
}

void flags_handler(int, siginfo_t*, void* context) {
    auto* ucontext = static_cast<ucontext_t*>(context);
    ucontext->uc_mcontext.gregs[REG_EFL] |= 0x3000 | 0x400; // IOPL 3 (refused), DF (allowed)
}

} // namespace

TEST(sigreturn_restores_registers_the_handler_changed_and_the_mask_it_asked_for) {
    MaskGuard mask;
    HandlerGuard guard(SIGILL, skip_ud2_handler);
    asm volatile("ud2");
    EXPECT_EQ(g_last_signal, SIGILL);
    sigset_t now;
    sigprocmask(SIG_BLOCK, nullptr, &now);
    EXPECT_TRUE(sigismember(&now, SIGUSR2));
    EXPECT_FALSE(sigismember(&now, SIGILL));
}

TEST(general_and_sse_registers_survive_a_handler_that_clobbers_them) {
    HandlerGuard guard(SIGUSR1, clobbering_handler);
    uint64_t xmm_out[2] = {};
    uint64_t r12_out = 0, rbx_out = 0;
    const uint64_t xmm_in[2] = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    long pid = getpid();
    // kill(getpid(), SIGUSR1) by `syscall`, with the values in registers across it.
    asm volatile("movdqu (%[in]), %%xmm7\n"
                 "mov $0x1122334455667788, %%r12\n"
                 "mov $0x99aabbccddeeff00, %%rbx\n"
                 "mov $62, %%eax\n"
                 "mov %[pid], %%rdi\n"
                 "mov $10, %%esi\n"
                 "syscall\n"
                 "movdqu %%xmm7, (%[out])\n"
                 "mov %%r12, %[r12_out]\n"
                 "mov %%rbx, %[rbx_out]\n"
                 : [r12_out] "=m"(r12_out), [rbx_out] "=m"(rbx_out)
                 : [in] "r"(xmm_in), [out] "r"(xmm_out), [pid] "r"(pid)
                 : "rax", "rdi", "rsi", "rcx", "r11", "r12", "rbx", "xmm7", "memory");
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(xmm_out[0], xmm_in[0]);
    EXPECT_EQ(xmm_out[1], xmm_in[1]);
    EXPECT_EQ(r12_out, 0x1122334455667788ull);
    EXPECT_EQ(rbx_out, 0x99aabbccddeeff00ull);
}

TEST(sigreturn_keeps_user_flags_but_never_raises_iopl) {
    HandlerGuard guard(SIGUSR1, flags_handler);
    uint64_t flags = 0;
    asm volatile("mov $62, %%eax\n"
                 "mov %[pid], %%rdi\n"
                 "mov $10, %%esi\n"
                 "syscall\n"
                 "pushfq\n"
                 "pop %[flags]\n"
                 "cld\n"
                 : [flags] "=r"(flags)
                 : [pid] "r"(static_cast<long>(getpid()))
                 : "rax", "rdi", "rsi", "rcx", "r11", "memory");
    EXPECT_EQ(flags & 0x3000, 0u);
    EXPECT_EQ(flags & 0x400, 0x400u);
}

TEST(a_write_to_a_pipe_without_readers_raises_sigpipe_and_fails_with_epipe) {
    HandlerGuard guard(SIGPIPE, counting_handler);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    close(fds[0]);
    EXPECT_ERRNO(write(fds[1], "x", 1), EPIPE);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_last_signal, SIGPIPE);
    signal(SIGPIPE, SIG_IGN);
    EXPECT_ERRNO(write(fds[1], "x", 1), EPIPE);
    EXPECT_EQ(g_count, 1);
    close(fds[1]);
}

namespace {

volatile int g_child_code, g_child_status;

void child_handler(int, siginfo_t* info, void*) {
    g_child_code = info->si_code;
    g_child_status = info->si_status;
    g_count = g_count + 1;
}

} // namespace

CHILD_SCENARIO(exit_with) {
    return argc == 1 ? atoi(argv[0]) : 2;
}

CHILD_SCENARIO(raise_signal) {
    raise(argc == 1 ? atoi(argv[0]) : SIGKILL);
    return 1;
}

CHILD_SCENARIO(fault_while_blocked) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGSEGV, counting_handler);
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    sigprocmask(SIG_BLOCK, &segv, nullptr);
    volatile int* pointer = reinterpret_cast<volatile int*>(0x10);
    (void)*pointer;
    return 1;
}

namespace {
void bad_return_handler(int, siginfo_t*, void* context) {
    // Non-canonical: iretq could never go there. The process must die, the kernel stay up.
    static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP] =
        static_cast<greg_t>(0x8000'0000'0000'0000ull);
}
} // namespace

CHILD_SCENARIO(bad_sigreturn) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    struct sigaction action {};
    action.sa_sigaction = bad_return_handler;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &action, nullptr);
    raise(SIGUSR1);
    return 1;
}

TEST(a_child_exit_raises_sigchld_with_its_status) {
    HandlerGuard guard(SIGCHLD, child_handler, SA_RESTART);
    g_child_code = 0;
    int status = test::run_child("exit_with", {"3"});
    EXPECT_EXITED(status, 3);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_child_code, CLD_EXITED);
    EXPECT_EQ(g_child_status, 3);
}

TEST(default_actions_end_the_process_with_the_signal) {
    EXPECT_SIGNALED(test::run_child("raise_signal", {"10"}), SIGUSR1);
    EXPECT_SIGNALED(test::run_child("raise_signal", {"15"}), SIGTERM);
    EXPECT_SIGNALED(test::run_child("raise_signal", {"6"}), SIGABRT);
    // SIGCHLD, SIGURG and SIGWINCH are ignored by default.
    EXPECT_EXITED(test::run_child("raise_signal", {"28"}), 1);
    EXPECT_EXITED(test::run_child("raise_signal", {"17"}), 1);
}

TEST(a_fault_with_its_signal_blocked_kills_even_with_a_handler) {
    EXPECT_SIGNALED(test::run_child("fault_while_blocked"), SIGSEGV);
}

TEST(a_sigreturn_to_a_non_canonical_address_kills_with_sigsegv) {
    EXPECT_SIGNALED(test::run_child("bad_sigreturn"), SIGSEGV);
}

// Stops itself; once continued, stays alive until SIGUSR1 so that the parent sees the continue
// before the exit, however late it gets to wait.
CHILD_SCENARIO(stop_self) {
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    signal(SIGUSR1, counting_handler);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    raise(SIGSTOP);
    while (g_count == 0)
        sigsuspend(&old);
    return 7;
}

TEST(a_stopped_child_is_reported_then_continued_and_exits) {
    pid_t child = test::spawn_child("stop_self");
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, WUNTRACED), child);
    EXPECT_TRUE(WIFSTOPPED(status));
    EXPECT_EQ(WSTOPSIG(status), SIGSTOP);
    ASSERT_EQ(kill(child, SIGCONT), 0);
    ASSERT_EQ(waitpid(child, &status, WCONTINUED), child);
    EXPECT_TRUE(WIFCONTINUED(status));
    ASSERT_EQ(kill(child, SIGUSR1), 0);
    EXPECT_EXITED(test::wait_child(child), 7);
}

TEST(waitid_reports_a_stop_and_a_continue_in_siginfo) {
    pid_t child = test::spawn_child("stop_self");
    ASSERT_GT(child, 0);
    siginfo_t info{};
    ASSERT_EQ(waitid(P_PID, child, &info, WSTOPPED | WNOWAIT), 0);
    EXPECT_EQ(info.si_code, CLD_STOPPED);
    EXPECT_EQ(info.si_status, SIGSTOP);
    EXPECT_EQ(info.si_pid, child);
    info = {};
    ASSERT_EQ(waitid(P_PID, child, &info, WSTOPPED), 0); // WNOWAIT left it to report again
    EXPECT_EQ(info.si_code, CLD_STOPPED);
    ASSERT_EQ(kill(child, SIGCONT), 0);
    info = {};
    ASSERT_EQ(waitid(P_PID, child, &info, WCONTINUED), 0);
    EXPECT_EQ(info.si_code, CLD_CONTINUED);
    EXPECT_EQ(info.si_status, SIGCONT);
    ASSERT_EQ(kill(child, SIGUSR1), 0);
    EXPECT_EXITED(test::wait_child(child), 7);
}

TEST(sigkill_ends_a_stopped_child) {
    pid_t child = test::spawn_child("stop_self");
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, WUNTRACED), child);
    EXPECT_TRUE(WIFSTOPPED(status));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    EXPECT_SIGNALED(test::wait_child(child), SIGKILL);
}

TEST(a_child_stopping_sends_sigchld_unless_sa_nocldstop) {
    HandlerGuard guard(SIGCHLD, child_handler, SA_RESTART);
    g_child_code = 0;
    pid_t child = test::spawn_child("stop_self");
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, WUNTRACED), child);
    // The stop can be seen by waitpid a moment before its SIGCHLD is queued: wait for the handler.
    auto wait_for_code = [](int code) {
        for (int i = 0; i < 500 && g_child_code != code; ++i) {
            timespec pause_time{0, 10'000'000};
            nanosleep(&pause_time, nullptr);
        }
    };
    wait_for_code(CLD_STOPPED);
    EXPECT_EQ(g_child_code, CLD_STOPPED);
    EXPECT_EQ(g_child_status, SIGSTOP);
    ASSERT_EQ(kill(child, SIGKILL), 0);
    EXPECT_SIGNALED(test::wait_child(child), SIGKILL);
    wait_for_code(CLD_KILLED);
    EXPECT_EQ(g_child_code, CLD_KILLED);
}

CHILD_SCENARIO(handler_without_restorer) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    // Raw, so libc cannot add its restorer: x86-64 has nowhere else for the handler to return to.
    KernelSigaction action{counting_handler, 0, nullptr, 0};
    if (sys::raw_syscall(SYS_rt_sigaction, SIGUSR1, sys::arg(&action), 0, kKernelSigsetSize) != 0)
        return 2;
    raise(SIGUSR1);
    return 1;
}

TEST(a_handler_without_sa_restorer_kills_with_sigsegv) {
    EXPECT_SIGNALED(test::run_child("handler_without_restorer"), SIGSEGV);
}

namespace {
void exit_42(int) {
    _exit(42);
}
volatile bool g_stop_recursing; // never set: the stack runs out first
[[gnu::noinline]] int recurse_forever(volatile char* previous) {
    if (g_stop_recursing)
        return 0;
    volatile char frame[512];
    frame[0] = previous ? previous[0] + 1 : 0;
    return recurse_forever(frame) + frame[1];
}
} // namespace

CHILD_SCENARIO(stack_overflow_caught_on_the_alternate_stack) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    static char alternate[64 * 1024];
    stack_t stack{};
    stack.ss_sp = alternate;
    stack.ss_size = sizeof alternate;
    if (sigaltstack(&stack, nullptr) != 0)
        return 2;
    struct sigaction action {};
    action.sa_handler = exit_42;
    action.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &action, nullptr);
    return recurse_forever(nullptr);
}

TEST(a_stack_overflow_is_caught_by_a_handler_on_the_alternate_stack) {
    EXPECT_EXITED(test::run_child("stack_overflow_caught_on_the_alternate_stack"), 42);
}

TEST(thread_directed_realtime_signals_do_not_use_up_the_queue) {
    HandlerGuard guard(SIGRTMIN, counting_handler);
    for (int i = 0; i < 1100; ++i)
        ASSERT_EQ(sys::raw_syscall(SYS_tgkill, getpid(), getpid(), SIGRTMIN), 0);
    EXPECT_EQ(g_count, 1100);
}

// Sends SIGUSR1 to the parent every 2 ms, COUNT times (0: until killed), then writes a byte to FD
// (if not -1). Blocking calls in the parent are then interrupted whatever the timing: a signal that
// comes before the parent blocks runs its handler, and the next one finds the parent asleep.
CHILD_SCENARIO(pester_parent) {
    if (argc != 2)
        return 2;
    long count = atol(argv[0]);
    int fd = atoi(argv[1]);
    for (long sent = 0; count == 0 || sent < count; ++sent) {
        kill(getppid(), SIGUSR1);
        timespec pause{0, 2'000'000};
        nanosleep(&pause, nullptr);
    }
    if (fd >= 0 && write(fd, "x", 1) != 1)
        return 3;
    return 0;
}

namespace {
void stop_pestering(pid_t child) {
    kill(child, SIGKILL);
    test::wait_child(child);
}
} // namespace

TEST(a_blocking_pipe_read_is_interrupted_with_eintr) {
    HandlerGuard guard(SIGUSR1, counting_handler);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = test::spawn_child("pester_parent", {"0", "-1"});
    ASSERT_GT(child, 0);
    char byte;
    EXPECT_ERRNO(read(fds[0], &byte, 1), EINTR);
    EXPECT_GE(g_count, 1);
    stop_pestering(child);
    close(fds[0]);
    close(fds[1]);
}

TEST(sa_restart_restarts_an_interrupted_pipe_read) {
    HandlerGuard guard(SIGUSR1, counting_handler, SA_RESTART);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", fds[1]);
    pid_t child = test::spawn_child("pester_parent", {"20", fd_text});
    ASSERT_GT(child, 0);
    char byte = 0;
    EXPECT_EQ(read(fds[0], &byte, 1), 1);
    EXPECT_EQ(byte, 'x');
    EXPECT_GE(g_count, 1);
    EXPECT_EXITED(test::wait_child(child), 0);
    close(fds[0]);
    close(fds[1]);
}

TEST(an_interrupted_nanosleep_fails_with_eintr_and_reports_the_time_left) {
    HandlerGuard guard(SIGUSR1, counting_handler, SA_RESTART); // nanosleep is never restarted
    pid_t child = test::spawn_child("pester_parent", {"0", "-1"});
    ASSERT_GT(child, 0);
    timespec request{30, 0};
    timespec left{-1, -1};
    int result;
    do {
        result = nanosleep(&request, &left); // a signal before the sleep began only ran its handler
    } while (result == 0);
    EXPECT_EQ(result, -1);
    EXPECT_EQ(errno, EINTR);
    EXPECT_GE(left.tv_sec, 0);
    EXPECT_LT(left.tv_sec, 30);
    EXPECT_GE(left.tv_nsec, 0);
    EXPECT_LT(left.tv_nsec, 1'000'000'000);
    stop_pestering(child);
}

TEST(a_blocking_flock_is_interrupted_with_eintr) {
    HandlerGuard guard(SIGUSR1, counting_handler);
    char path[] = "/tmp/signal_test_lockXXXXXX";
    int first = mkstemp(path);
    ASSERT_GE(first, 0);
    int second = open(path, O_RDWR);
    ASSERT_GE(second, 0);
    unlink(path);
    ASSERT_EQ(flock(first, LOCK_EX), 0);
    pid_t child = test::spawn_child("pester_parent", {"0", "-1"});
    ASSERT_GT(child, 0);
    EXPECT_ERRNO(flock(second, LOCK_EX), EINTR); // the other description holds it
    stop_pestering(child);
    close(second);
    close(first);
}

TEST(init_is_not_reached_by_signals_it_does_not_handle) {
    if (getpid() != 1)
        return; // only as the first process (blog_os's runner boots a test as init=)
    HandlerGuard guard(SIGTERM, SIG_DFL);
    EXPECT_EQ(kill(1, SIGTERM), 0);
    EXPECT_EQ(kill(1, SIGKILL), 0);
    sigset_t pending;
    ASSERT_EQ(sigpending(&pending), 0);
    EXPECT_FALSE(sigismember(&pending, SIGTERM));
}

CHILD_SCENARIO(exec_with_signal_state) {
    static char alternate[16 * 1024];
    stack_t stack{};
    stack.ss_sp = alternate;
    stack.ss_size = sizeof alternate;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (sigaltstack(&stack, nullptr) != 0 || sigprocmask(SIG_BLOCK, &usr1, nullptr) != 0)
        return 2;
    signal(SIGUSR2, counting_handler);
    signal(SIGTERM, SIG_IGN);
    raise(SIGUSR1);
    const char* arguments[] = {test::self_path(), "--child", "check_signal_state_after_exec", nullptr};
    execv(test::self_path(), const_cast<char* const*>(arguments));
    return 3;
}

// Exit code: a bit per expectation that failed.
CHILD_SCENARIO(check_signal_state_after_exec) {
    int failures = 0;
    sigset_t mask, pending;
    sigprocmask(SIG_BLOCK, nullptr, &mask);
    sigpending(&pending);
    if (!sigismember(&mask, SIGUSR1))
        failures |= 1; // the mask stays
    if (!sigismember(&pending, SIGUSR1))
        failures |= 2; // and so do pending signals
    stack_t stack{};
    sigaltstack(nullptr, &stack);
    if (!(stack.ss_flags & SS_DISABLE))
        failures |= 4; // the alternate stack goes
    struct sigaction action {};
    sigaction(SIGUSR2, nullptr, &action);
    if (action.sa_handler != SIG_DFL)
        failures |= 8; // handlers go back to the default
    sigaction(SIGTERM, nullptr, &action);
    if (action.sa_handler != SIG_IGN)
        failures |= 16; // ignored signals stay ignored
    return failures;
}

TEST(execve_keeps_the_mask_pending_signals_and_ignored_ones_but_not_handlers_or_the_alternate_stack) {
    EXPECT_EXITED(test::run_child("exec_with_signal_state"), 0);
}

namespace {
int g_report_fd = -1;
void report_parent_death(int) {
    (void)!write(g_report_fd, "d", 1);
    _exit(0);
}
} // namespace

// Asks for SIGUSR1 when its parent dies, says so on READY_FD, then waits; the signal's handler
// writes 'd' to REPORT_FD.
CHILD_SCENARIO(parent_death_watcher) {
    if (argc != 2)
        return 2;
    g_report_fd = atoi(argv[0]);
    signal(SIGUSR1, report_parent_death);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0)
        return 3;
    int signal_number = 0;
    if (prctl(PR_GET_PDEATHSIG, &signal_number) != 0 || signal_number != SIGUSR1)
        return 4;
    if (write(atoi(argv[1]), "r", 1) != 1)
        return 5;
    for (;;)
        pause();
}

// Starts the watcher and exits once it is ready.
CHILD_SCENARIO(short_lived_parent) {
    if (argc != 1)
        return 2;
    int ready[2];
    if (pipe(ready) != 0)
        return 3;
    char ready_text[16];
    snprintf(ready_text, sizeof ready_text, "%d", ready[1]);
    if (test::spawn_child("parent_death_watcher", {argv[0], ready_text}) <= 0)
        return 4;
    char byte;
    return read(ready[0], &byte, 1) == 1 ? 0 : 5;
}

TEST(pr_set_pdeathsig_signals_the_child_when_its_parent_exits) {
    int report[2];
    ASSERT_EQ(pipe(report), 0);
    char report_text[16];
    snprintf(report_text, sizeof report_text, "%d", report[1]);
    EXPECT_EXITED(test::run_child("short_lived_parent", {report_text}), 0);
    pollfd wait_for{report[0], POLLIN, 0};
    ASSERT_EQ(poll(&wait_for, 1, 10'000), 1);
    char byte = 0;
    EXPECT_EQ(read(report[0], &byte, 1), 1);
    EXPECT_EQ(byte, 'd');
    EXPECT_ERRNO(prctl(PR_SET_PDEATHSIG, 65), EINVAL);
    close(report[0]);
    close(report[1]);
}

namespace {
void exit_9(int) {
    _exit(9);
}
} // namespace

// Says it is ready on FD, then waits for SIGUSR1, which ends it with 9.
CHILD_SCENARIO(exit_9_on_sigusr1) {
    if (argc != 1)
        return 2;
    signal(SIGUSR1, exit_9);
    if (write(atoi(argv[0]), "r", 1) != 1)
        return 3;
    for (;;)
        pause();
}

// Leads a process group of its own with one more member, signals the group and checks both got it.
// Exit code: a bit per expectation that failed.
CHILD_SCENARIO(signal_own_group) {
    if (setpgid(0, 0) != 0)
        return 64;
    int ready[2];
    if (pipe(ready) != 0)
        return 65;
    char ready_text[16];
    snprintf(ready_text, sizeof ready_text, "%d", ready[1]);
    pid_t member = test::spawn_child("exit_9_on_sigusr1", {ready_text});
    char byte;
    if (member <= 0 || read(ready[0], &byte, 1) != 1)
        return 66;
    int failures = 0;
    signal(SIGUSR1, counting_handler);
    g_count = 0;
    if (kill(0, SIGUSR1) != 0 || g_count != 1)
        failures |= 1; // kill(0) reaches the caller's group, the caller too
    int status = 0;
    if (waitpid(member, &status, 0) != member || !WIFEXITED(status) || WEXITSTATUS(status) != 9)
        failures |= 2; // and the other member
    if (kill(-getpid(), SIGUSR1) != 0 || g_count != 2)
        failures |= 4; // kill(-pgid) names the group
    if (kill(-0x3ffffff0, SIGUSR1) != -1 || errno != ESRCH)
        failures |= 8; // a group nobody is in
    return failures;
}

TEST(kill_reaches_every_member_of_a_process_group) {
    EXPECT_EXITED(test::run_child("signal_own_group"), 0);
}

TEST(ppoll_lets_a_pending_signal_in_through_its_mask_and_fails_with_eintr) {
    HandlerGuard guard(SIGUSR1, counting_handler, SA_RESTART); // poll is never restarted
    sigset_t usr1 = set_of(SIGUSR1);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr1, nullptr), 0);
    ASSERT_EQ(raise(SIGUSR1), 0);
    sigset_t nothing;
    sigemptyset(&nothing);
    EXPECT_ERRNO(ppoll(nullptr, 0, nullptr, &nothing), EINTR);
    EXPECT_EQ(g_count, 1);
    sigset_t after;
    sigprocmask(SIG_BLOCK, nullptr, &after);
    EXPECT_TRUE(sigismember(&after, SIGUSR1));
}

TEST(nanosleep_checks_its_argument) {
    timespec zero{0, 0};
    EXPECT_EQ(nanosleep(&zero, nullptr), 0);
    timespec bad{0, -1};
    EXPECT_ERRNO(nanosleep(&bad, nullptr), EINVAL);
}

namespace {
// Blocks `signals` for the test's lifetime and opens a signalfd for them.
class SignalFd {
public:
    explicit SignalFd(std::initializer_list<int> signals, int flags = SFD_CLOEXEC) {
        sigemptyset(&m_set);
        for (int signal : signals)
            sigaddset(&m_set, signal);
        sigprocmask(SIG_BLOCK, &m_set, &m_saved);
        fd = signalfd(-1, &m_set, flags);
    }
    ~SignalFd() {
        if (fd >= 0)
            close(fd);
        // Nothing of these may stay pending for the next test.
        timespec none{0, 0};
        while (sigtimedwait(&m_set, nullptr, &none) > 0) {
        }
        sigprocmask(SIG_SETMASK, &m_saved, nullptr);
    }
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;
    int fd;

private:
    sigset_t m_set, m_saved;
};
} // namespace

TEST(a_signalfd_reads_a_blocked_signal_with_its_sender) {
    SignalFd signals({SIGUSR1});
    ASSERT_GE(signals.fd, 0);
    EXPECT_EQ(fcntl(signals.fd, F_GETFD), FD_CLOEXEC);
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    signalfd_siginfo record{};
    ASSERT_EQ(read(signals.fd, &record, sizeof record), static_cast<ssize_t>(sizeof record));
    EXPECT_EQ(record.ssi_signo, static_cast<uint32_t>(SIGUSR1));
    EXPECT_EQ(record.ssi_code, SI_USER);
    EXPECT_EQ(record.ssi_pid, static_cast<uint32_t>(getpid()));
    EXPECT_EQ(record.ssi_uid, static_cast<uint32_t>(getuid()));
    sigset_t pending;
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGUSR1)); // taken, not delivered
    char link[64] = {};
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", signals.fd);
    ASSERT_GT(readlink(path, link, sizeof link - 1), 0);
    EXPECT_STREQ(link, "anon_inode:[signalfd]");
}

TEST(a_signalfd_read_takes_as_many_queued_signals_as_fit) {
    SignalFd signals({SIGRTMIN});
    ASSERT_GE(signals.fd, 0);
    for (int value : {7, 8}) {
        sigval sent{};
        sent.sival_int = value;
        ASSERT_EQ(sigqueue(getpid(), SIGRTMIN, sent), 0);
    }
    signalfd_siginfo records[3] = {};
    ASSERT_EQ(read(signals.fd, records, sizeof records), static_cast<ssize_t>(2 * sizeof records[0]));
    EXPECT_EQ(records[0].ssi_code, SI_QUEUE);
    EXPECT_EQ(records[0].ssi_int, 7);
    EXPECT_EQ(records[1].ssi_int, 8);
}

TEST(a_nonblocking_signalfd_without_signals_fails_with_eagain_and_checks_sizes) {
    SignalFd signals({SIGUSR1}, SFD_NONBLOCK);
    ASSERT_GE(signals.fd, 0);
    signalfd_siginfo record{};
    EXPECT_ERRNO(read(signals.fd, &record, sizeof record), EAGAIN);
    ASSERT_EQ(raise(SIGUSR1), 0);
    EXPECT_ERRNO(read(signals.fd, &record, sizeof record - 1), EINVAL);
    EXPECT_ERRNO(write(signals.fd, &record, sizeof record), EINVAL);
    EXPECT_EQ(lseek(signals.fd, 0, SEEK_SET), 0); // Linux's no-op seek
    EXPECT_ERRNO(pread(signals.fd, &record, sizeof record, 0), ESPIPE);
    EXPECT_EQ(read(signals.fd, &record, sizeof record), static_cast<ssize_t>(sizeof record));
}

TEST(poll_sees_a_signalfd_readable_once_a_signal_is_pending) {
    SignalFd signals({SIGUSR2});
    ASSERT_GE(signals.fd, 0);
    pollfd entry{signals.fd, POLLIN, 0};
    EXPECT_EQ(poll(&entry, 1, 0), 0);
    ASSERT_EQ(raise(SIGUSR2), 0);
    EXPECT_EQ(poll(&entry, 1, 0), 1);
    EXPECT_EQ(entry.revents, POLLIN);
}

CHILD_SCENARIO(signal_parent_once) {
    if (argc != 1)
        return 2;
    return kill(getppid(), atoi(argv[0])) == 0 ? 0 : 1;
}

TEST(a_blocking_signalfd_read_wakes_for_a_signal_another_process_sends) {
    SignalFd signals({SIGUSR2});
    ASSERT_GE(signals.fd, 0);
    pid_t child = test::spawn_child("signal_parent_once", {"12"});
    ASSERT_GT(child, 0);
    signalfd_siginfo record{};
    ASSERT_EQ(read(signals.fd, &record, sizeof record), static_cast<ssize_t>(sizeof record));
    EXPECT_EQ(record.ssi_signo, static_cast<uint32_t>(SIGUSR2));
    EXPECT_EQ(record.ssi_pid, static_cast<uint32_t>(child));
    EXPECT_EXITED(test::wait_child(child), 0);
}

TEST(a_blocking_poll_on_a_signalfd_wakes_for_a_blocked_signal) {
    SignalFd signals({SIGUSR1});
    ASSERT_GE(signals.fd, 0);
    pid_t child = test::spawn_child("signal_parent_once", {"10"});
    ASSERT_GT(child, 0);
    pollfd entry{signals.fd, POLLIN, 0};
    EXPECT_EQ(poll(&entry, 1, 20'000), 1);
    EXPECT_EQ(entry.revents, POLLIN);
    EXPECT_EXITED(test::wait_child(child), 0);
}

TEST(a_signalfd_reports_a_childs_exit_with_its_status) {
    SignalFd signals({SIGCHLD});
    ASSERT_GE(signals.fd, 0);
    pid_t child = test::spawn_child("exit_with", {"3"});
    ASSERT_GT(child, 0);
    signalfd_siginfo record{};
    ASSERT_EQ(read(signals.fd, &record, sizeof record), static_cast<ssize_t>(sizeof record));
    EXPECT_EQ(record.ssi_signo, static_cast<uint32_t>(SIGCHLD));
    EXPECT_EQ(record.ssi_code, CLD_EXITED);
    EXPECT_EQ(record.ssi_pid, static_cast<uint32_t>(child));
    EXPECT_EQ(record.ssi_status, 3);
    EXPECT_EXITED(test::wait_child(child), 3);
}

TEST(signalfd4_on_a_signalfd_replaces_its_signals) {
    SignalFd signals({SIGUSR1, SIGUSR2}, SFD_NONBLOCK);
    ASSERT_GE(signals.fd, 0);
    sigset_t only_usr2;
    sigemptyset(&only_usr2);
    sigaddset(&only_usr2, SIGUSR2);
    EXPECT_EQ(signalfd(signals.fd, &only_usr2, 0), signals.fd);
    ASSERT_EQ(raise(SIGUSR1), 0);
    signalfd_siginfo record{};
    EXPECT_ERRNO(read(signals.fd, &record, sizeof record), EAGAIN); // SIGUSR1 is no longer its
    ASSERT_EQ(raise(SIGUSR2), 0);
    ASSERT_EQ(read(signals.fd, &record, sizeof record), static_cast<ssize_t>(sizeof record));
    EXPECT_EQ(record.ssi_signo, static_cast<uint32_t>(SIGUSR2));
}

TEST(signalfd4_checks_its_arguments) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    EXPECT_ERRNO(signalfd(fds[0], &set, 0), EINVAL); // not a signalfd
    EXPECT_ERRNO(signalfd(999, &set, 0), EBADF);
    EXPECT_ERRNO(signalfd(-1, &set, 0x1), EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_signalfd4, -1, sys::arg(&set), 4, 0), -EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_signalfd4, -1, 1, kKernelSigsetSize, 0), -EFAULT);
    close(fds[0]);
    close(fds[1]);
}

TEST(a_blocking_signalfd_read_is_interrupted_by_a_handled_signal) {
    HandlerGuard guard(SIGUSR1, counting_handler);
    SignalFd signals({SIGUSR2});
    ASSERT_GE(signals.fd, 0);
    pid_t child = test::spawn_child("pester_parent", {"0", "-1"});
    ASSERT_GT(child, 0);
    signalfd_siginfo record{};
    EXPECT_ERRNO(read(signals.fd, &record, sizeof record), EINTR);
    EXPECT_GE(g_count, 1);
    stop_pestering(child);
}

TEST(children_of_a_parent_that_ignores_sigchld_are_reaped_at_once) {
    HandlerGuard guard(SIGCHLD, SIG_IGN);
    pid_t child = test::spawn_child("exit_with", {"4"});
    ASSERT_GT(child, 0);
    int status = 0;
    // The wait lasts until the child is gone, and then there is nothing to report.
    EXPECT_ERRNO(waitpid(child, &status, 0), ECHILD);
    sigset_t pending;
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGCHLD));
}

TEST(sa_nocldwait_reaps_at_once_but_still_sends_sigchld) {
    HandlerGuard guard(SIGCHLD, counting_handler, SA_NOCLDWAIT | SA_RESTART);
    pid_t child = test::spawn_child("exit_with", {"4"});
    ASSERT_GT(child, 0);
    EXPECT_ERRNO(waitpid(child, nullptr, 0), ECHILD);
    // The signal may come a moment after the wait saw the child go.
    for (int i = 0; i < 200 && g_count == 0; ++i) {
        timespec pause{0, 5'000'000};
        nanosleep(&pause, nullptr);
    }
    EXPECT_EQ(g_count, 1);
}

namespace {
// fork through clone with `exit_signal` as the low byte of the flags.
pid_t fork_with_exit_signal(int exit_signal) {
    return static_cast<pid_t>(sys::raw_syscall(SYS_clone, exit_signal, 0, 0, 0, 0));
}
} // namespace

TEST(a_clone_exit_signal_other_than_sigchld_reaches_the_parent_and_needs_wall) {
    sigset_t usr1, saved;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &saved);
    pid_t child = fork_with_exit_signal(SIGUSR1);
    if (child == 0)
        _exit(5);
    ASSERT_GT(child, 0);
    siginfo_t info{};
    timespec limit{20, 0};
    ASSERT_EQ(sigtimedwait(&usr1, &info, &limit), SIGUSR1);
    EXPECT_EQ(info.si_code, CLD_EXITED);
    EXPECT_EQ(info.si_pid, child);
    EXPECT_EQ(info.si_status, 5);
    int status = 0;
    EXPECT_ERRNO(waitpid(child, &status, WNOHANG), ECHILD); // a "clone child": not without __WALL
    EXPECT_EQ(waitpid(child, &status, __WCLONE), child);
    EXPECT_EXITED(status, 5);
    sigprocmask(SIG_SETMASK, &saved, nullptr);
}

TEST(a_clone_child_without_an_exit_signal_is_still_waited_for_with_wall) {
    pid_t child = fork_with_exit_signal(0);
    if (child == 0)
        _exit(6);
    ASSERT_GT(child, 0);
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, __WALL), child);
    EXPECT_EXITED(status, 6);
}

TEST(a_forked_child_keeps_the_alternate_signal_stack) {
    static char alternate[16 * 1024];
    stack_t stack{}, saved{};
    stack.ss_sp = alternate;
    stack.ss_size = sizeof alternate;
    ASSERT_EQ(sigaltstack(&stack, &saved), 0);
    pid_t child = fork();
    if (child == 0) {
        stack_t seen{};
        sigaltstack(nullptr, &seen);
        _exit(seen.ss_sp == alternate && seen.ss_size == sizeof alternate ? 0 : 1);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
    sigaltstack(&saved, nullptr);
}

// The parent usually runs on after fork before the child first runs: a signal sent in that moment
// must wait for the child rather than be lost (a ^Z typed as a shell starts a job is one).
TEST(a_signal_sent_before_a_forked_child_first_runs_is_not_lost) {
    for (int round = 0; round < 20; ++round) {
        pid_t child = fork();
        if (child == 0) {
            for (;;)
                pause();
        }
        ASSERT_GT(child, 0);
        ASSERT_EQ(kill(child, SIGTERM), 0);
        int status = 0;
        pid_t waited = 0;
        for (int i = 0; i < 500 && waited == 0; ++i) { // up to 5 s: a lost signal would leave it paused
            waited = waitpid(child, &status, WNOHANG);
            if (waited == 0) {
                timespec pause_time{0, 10'000'000};
                nanosleep(&pause_time, nullptr);
            }
        }
        if (waited == 0) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
        }
        ASSERT_EQ(waited, child);
        EXPECT_SIGNALED(status, SIGTERM);
    }
}
