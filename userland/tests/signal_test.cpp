// Signal masks and dispositions: rt_sigprocmask and rt_sigaction, through libc and raw.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <csignal>
#include <cstdint>

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
