// Timers that signal: alarm(2), the interval timers of setitimer(2) (real, virtual and profiling
// time) and the POSIX timers of timer_create(2). No test reads "it fired" into elapsed time: each
// waits for the signal itself, and a wait that could hang is bounded by a generous limit that only
// a broken kernel reaches.
#include "test/test.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

volatile sig_atomic_t g_count;
volatile sig_atomic_t g_signal;
siginfo_t g_info;

void count(int signal) {
    g_signal = signal;
    g_count = g_count + 1;
}

void record(int signal, siginfo_t* info, void*) {
    g_signal = signal;
    g_info = *info;
    g_count = g_count + 1;
}

// Installs a handler with `signal` blocked outside the waits below; puts everything back after.
class Catcher {
public:
    Catcher(int signal, void (*handler)(int)) : m_signal(signal) {
        struct sigaction action {};
        action.sa_handler = handler;
        install(action);
    }
    Catcher(int signal, void (*handler)(int, siginfo_t*, void*)) : m_signal(signal) {
        struct sigaction action {};
        action.sa_sigaction = handler;
        action.sa_flags = SA_SIGINFO;
        install(action);
    }
    ~Catcher() {
        // A timer may have fired once more before the test stopped it: that signal must not reach
        // the default action once the mask is back.
        sigset_t just_this;
        sigemptyset(&just_this);
        sigaddset(&just_this, m_signal);
        timespec none{0, 0};
        while (sigtimedwait(&just_this, nullptr, &none) > 0) {
        }
        sigaction(m_signal, &m_saved, nullptr);
        sigprocmask(SIG_SETMASK, &m_saved_mask, nullptr);
    }
    Catcher(const Catcher&) = delete;
    Catcher& operator=(const Catcher&) = delete;

    // Lets the signal in until the handler has run `wanted` times in all, or `seconds` passed. A
    // signal that comes between the check and the sleep only makes that sleep run its slice.
    bool wait_for(int wanted, int seconds = 20) {
        sigset_t just_this;
        sigemptyset(&just_this);
        sigaddset(&just_this, m_signal);
        sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
        for (int slices = 0; g_count < wanted && slices < seconds * 10; ++slices) {
            timespec slice{0, 100'000'000};
            nanosleep(&slice, nullptr);
        }
        sigprocmask(SIG_BLOCK, &just_this, nullptr);
        return g_count >= wanted;
    }

private:
    void install(struct sigaction& action) {
        sigemptyset(&action.sa_mask);
        sigaction(m_signal, &action, &m_saved);
        sigset_t just_this;
        sigemptyset(&just_this);
        sigaddset(&just_this, m_signal);
        sigprocmask(SIG_BLOCK, &just_this, &m_saved_mask);
        g_count = 0;
        g_signal = 0;
        memset(&g_info, 0, sizeof g_info);
    }

    int m_signal;
    struct sigaction m_saved {};
    sigset_t m_saved_mask;
};

itimerval interval_value(long value_us, long interval_us) {
    itimerval value{};
    value.it_value.tv_sec = value_us / 1'000'000;
    value.it_value.tv_usec = value_us % 1'000'000;
    value.it_interval.tv_sec = interval_us / 1'000'000;
    value.it_interval.tv_usec = interval_us % 1'000'000;
    return value;
}

long microseconds(const timeval& value) {
    return value.tv_sec * 1'000'000L + value.tv_usec;
}

long long nanoseconds(const timespec& value) {
    return value.tv_sec * 1'000'000'000LL + value.tv_nsec;
}

void disarm(int which) {
    itimerval zero{};
    setitimer(which, &zero, nullptr);
}

long long cpu_time_ns() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return nanoseconds(now);
}

// Spins until the handler ran or `limit_ns` of CPU time went by.
void spin_until_signalled(long long limit_ns) {
    long long start = cpu_time_ns();
    while (g_count == 0 && cpu_time_ns() - start < limit_ns) {
    }
}

// The kernel's timer_create, without musl's SIGEV_THREAD machinery: the id comes back as an int.
long raw_timer_create(clockid_t clock, sigevent* event, int* id) {
    return syscall(SYS_timer_create, clock, reinterpret_cast<long>(event), reinterpret_cast<long>(id));
}

} // namespace

TEST(alarm_returns_the_seconds_left_of_the_alarm_it_replaces) {
    alarm(0);
    EXPECT_EQ(alarm(100), 0u);
    unsigned left = alarm(50);
    EXPECT_GE(left, 99u);
    EXPECT_LE(left, 100u);
    left = alarm(0);
    EXPECT_GE(left, 49u);
    EXPECT_LE(left, 50u);
    EXPECT_EQ(alarm(0), 0u);
}

TEST(alarm_is_itimer_real) {
    alarm(30);
    itimerval current{};
    ASSERT_EQ(getitimer(ITIMER_REAL, &current), 0);
    EXPECT_GT(microseconds(current.it_value), 29'000'000L);
    EXPECT_LE(microseconds(current.it_value), 30'000'000L);
    EXPECT_EQ(microseconds(current.it_interval), 0L);
    alarm(0);
    ASSERT_EQ(getitimer(ITIMER_REAL, &current), 0);
    EXPECT_EQ(microseconds(current.it_value), 0L);
}

TEST(a_one_shot_itimer_real_sends_sigalrm_once_and_disarms) {
    Catcher catcher(SIGALRM, count);
    itimerval value = interval_value(20'000, 0);
    ASSERT_EQ(setitimer(ITIMER_REAL, &value, nullptr), 0);
    ASSERT_TRUE(catcher.wait_for(1));
    EXPECT_EQ(g_signal, SIGALRM);
    itimerval current{};
    ASSERT_EQ(getitimer(ITIMER_REAL, &current), 0);
    EXPECT_EQ(microseconds(current.it_value), 0L);
    timespec pause{0, 50'000'000};
    nanosleep(&pause, nullptr);
    sigset_t pending;
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGALRM)); // it did not come again
    EXPECT_EQ(g_count, 1);
}

TEST(a_periodic_itimer_real_fires_until_disarmed) {
    Catcher catcher(SIGALRM, count);
    itimerval value = interval_value(5'000, 5'000);
    ASSERT_EQ(setitimer(ITIMER_REAL, &value, nullptr), 0);
    itimerval current{};
    ASSERT_EQ(getitimer(ITIMER_REAL, &current), 0);
    EXPECT_EQ(microseconds(current.it_interval), 5'000L);
    EXPECT_LE(microseconds(current.it_value), 5'000L);
    EXPECT_TRUE(catcher.wait_for(3));
    itimerval old{};
    itimerval zero{};
    ASSERT_EQ(setitimer(ITIMER_REAL, &zero, &old), 0);
    EXPECT_EQ(microseconds(old.it_interval), 5'000L);
    EXPECT_GT(microseconds(old.it_value), 0L); // armed: never reads as 0
    EXPECT_LE(microseconds(old.it_value), 5'000L);
}

TEST(setitimer_returns_the_setting_it_replaces) {
    itimerval first = interval_value(100'000'000, 2'000'000);
    ASSERT_EQ(setitimer(ITIMER_REAL, &first, nullptr), 0);
    itimerval second = interval_value(200'000'000, 0);
    itimerval old{};
    ASSERT_EQ(setitimer(ITIMER_REAL, &second, &old), 0);
    EXPECT_GT(microseconds(old.it_value), 90'000'000L);
    EXPECT_LE(microseconds(old.it_value), 100'000'000L);
    EXPECT_EQ(microseconds(old.it_interval), 2'000'000L);
    disarm(ITIMER_REAL);
}

TEST(setitimer_and_getitimer_check_their_arguments) {
    itimerval value = interval_value(1'000'000, 0);
    EXPECT_ERRNO(setitimer(3, &value, nullptr), EINVAL);
    EXPECT_ERRNO(getitimer(-1, &value), EINVAL);
    itimerval bad{};
    bad.it_value.tv_usec = 1'000'000;
    EXPECT_ERRNO(setitimer(ITIMER_REAL, &bad, nullptr), EINVAL);
    bad = {};
    bad.it_interval.tv_sec = -1;
    EXPECT_ERRNO(setitimer(ITIMER_REAL, &bad, nullptr), EINVAL);
    EXPECT_ERRNO(syscall(SYS_getitimer, ITIMER_REAL, 1), EFAULT);
    EXPECT_ERRNO(syscall(SYS_setitimer, ITIMER_REAL, 1, 0), EFAULT);
}

CHILD_SCENARIO(alarm_unhandled) {
    itimerval value = interval_value(10'000, 0);
    setitimer(ITIMER_REAL, &value, nullptr);
    for (;;)
        pause();
}

TEST(sigalrm_at_its_default_ends_the_process) {
    EXPECT_SIGNALED(test::run_child("alarm_unhandled"), SIGALRM);
}

CHILD_SCENARIO(alarm_across_exec) {
    alarm(100);
    const char* arguments[] = {test::self_path(), "--child", "report_alarm_left", nullptr};
    execv(test::self_path(), const_cast<char* const*>(arguments));
    return 3;
}

// Exit code: the alarm's seconds left, as the exec'd image found them.
CHILD_SCENARIO(report_alarm_left) {
    return static_cast<int>(alarm(0));
}

TEST(an_alarm_survives_execve) {
    int status = test::run_child("alarm_across_exec");
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_GE(WEXITSTATUS(status), 99);
    EXPECT_LE(WEXITSTATUS(status), 100);
}

CHILD_SCENARIO(report_alarm_after_fork) {
    alarm(100);
    pid_t child = fork();
    if (child == 0)
        _exit(static_cast<int>(alarm(0)));
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

TEST(a_forked_child_does_not_inherit_the_alarm) {
    EXPECT_EXITED(test::run_child("report_alarm_after_fork"), 0);
}

TEST(itimer_virtual_counts_the_processs_cpu_time) {
    Catcher catcher(SIGVTALRM, count);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr); // spinning: the handler must be able to run
    itimerval value = interval_value(20'000, 0);
    long long start = cpu_time_ns();
    ASSERT_EQ(setitimer(ITIMER_VIRTUAL, &value, nullptr), 0);
    spin_until_signalled(20'000'000'000LL);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_signal, SIGVTALRM);
    EXPECT_GE(cpu_time_ns() - start, 10'000'000LL);
    disarm(ITIMER_VIRTUAL);
}

TEST(itimer_virtual_does_not_run_while_the_process_sleeps) {
    Catcher catcher(SIGVTALRM, count);
    itimerval value = interval_value(50'000, 0);
    ASSERT_EQ(setitimer(ITIMER_VIRTUAL, &value, nullptr), 0);
    timespec nap{0, 200'000'000};
    nanosleep(&nap, nullptr);
    sigset_t pending;
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGVTALRM));
    itimerval current{};
    ASSERT_EQ(getitimer(ITIMER_VIRTUAL, &current), 0);
    EXPECT_GT(microseconds(current.it_value), 0L); // still armed: 200 ms asleep used almost no CPU
    disarm(ITIMER_VIRTUAL);
}

TEST(itimer_prof_sends_sigprof_after_cpu_time) {
    Catcher catcher(SIGPROF, count);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    itimerval value = interval_value(20'000, 0);
    ASSERT_EQ(setitimer(ITIMER_PROF, &value, nullptr), 0);
    spin_until_signalled(20'000'000'000LL);
    EXPECT_EQ(g_count, 1);
    EXPECT_EQ(g_signal, SIGPROF);
    disarm(ITIMER_PROF);
}

TEST(a_posix_timer_signals_with_its_value_and_si_timer) {
    Catcher catcher(SIGRTMIN + 1, record);
    sigevent event{};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGRTMIN + 1;
    event.sigev_value.sival_int = 42;
    timer_t timer;
    ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &event, &timer), 0);
    itimerspec value{};
    value.it_value.tv_nsec = 10'000'000;
    ASSERT_EQ(timer_settime(timer, 0, &value, nullptr), 0);
    ASSERT_TRUE(catcher.wait_for(1));
    EXPECT_EQ(g_info.si_signo, SIGRTMIN + 1);
    EXPECT_EQ(g_info.si_code, SI_TIMER);
    EXPECT_EQ(g_info.si_value.sival_int, 42);
    EXPECT_EQ(g_info.si_overrun, 0);
    itimerspec current{};
    ASSERT_EQ(timer_gettime(timer, &current), 0);
    EXPECT_EQ(nanoseconds(current.it_value), 0LL); // one-shot: disarmed once it fired
    EXPECT_EQ(timer_delete(timer), 0);
}

TEST(a_posix_timer_without_a_sigevent_sends_sigalrm_with_its_id) {
    Catcher catcher(SIGALRM, record);
    int id = -1;
    ASSERT_EQ(raw_timer_create(CLOCK_MONOTONIC, nullptr, &id), 0);
    ASSERT_GE(id, 0);
    itimerspec value{};
    value.it_value.tv_nsec = 5'000'000;
    ASSERT_EQ(syscall(SYS_timer_settime, id, 0, reinterpret_cast<long>(&value), 0), 0);
    ASSERT_TRUE(catcher.wait_for(1));
    EXPECT_EQ(g_info.si_code, SI_TIMER);
    EXPECT_EQ(g_info.si_value.sival_int, id);
    EXPECT_EQ(g_info.si_timerid, id);
    EXPECT_EQ(syscall(SYS_timer_delete, id), 0);
}

TEST(a_sigev_none_timer_counts_down_without_a_signal) {
    sigevent event{};
    event.sigev_notify = SIGEV_NONE;
    timer_t timer;
    ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &event, &timer), 0);
    itimerspec value{};
    value.it_value.tv_sec = 100;
    value.it_interval.tv_sec = 3;
    ASSERT_EQ(timer_settime(timer, 0, &value, nullptr), 0);
    itimerspec current{};
    ASSERT_EQ(timer_gettime(timer, &current), 0);
    EXPECT_GT(nanoseconds(current.it_value), 90'000'000'000LL);
    EXPECT_LE(nanoseconds(current.it_value), 100'000'000'000LL);
    EXPECT_EQ(nanoseconds(current.it_interval), 3'000'000'000LL);
    itimerspec zero{};
    itimerspec old{};
    ASSERT_EQ(timer_settime(timer, 0, &zero, &old), 0);
    EXPECT_GT(nanoseconds(old.it_value), 90'000'000'000LL);
    EXPECT_EQ(nanoseconds(old.it_interval), 3'000'000'000LL);
    EXPECT_EQ(timer_delete(timer), 0);
}

TEST(an_absolute_deadline_in_the_past_fires_at_once) {
    Catcher catcher(SIGUSR1, count);
    sigevent event{};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR1;
    timer_t timer;
    ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &event, &timer), 0);
    itimerspec value{};
    clock_gettime(CLOCK_MONOTONIC, &value.it_value); // past by the time it is set (and not 0: blog_os's
                                                     // monotonic clock starts at boot)
    ASSERT_EQ(timer_settime(timer, TIMER_ABSTIME, &value, nullptr), 0);
    EXPECT_TRUE(catcher.wait_for(1));
    EXPECT_EQ(timer_delete(timer), 0);
}

TEST(an_absolute_realtime_deadline_fires) {
    Catcher catcher(SIGUSR2, count);
    sigevent event{};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR2;
    timer_t timer;
    ASSERT_EQ(timer_create(CLOCK_REALTIME, &event, &timer), 0);
    itimerspec value{};
    clock_gettime(CLOCK_REALTIME, &value.it_value);
    value.it_value.tv_nsec += 20'000'000;
    if (value.it_value.tv_nsec >= 1'000'000'000) {
        value.it_value.tv_nsec -= 1'000'000'000;
        ++value.it_value.tv_sec;
    }
    ASSERT_EQ(timer_settime(timer, TIMER_ABSTIME, &value, nullptr), 0);
    EXPECT_TRUE(catcher.wait_for(1));
    EXPECT_EQ(timer_delete(timer), 0);
}

TEST(expirations_while_the_signal_waits_are_overruns) {
    Catcher catcher(SIGRTMIN + 2, record);
    sigevent event{};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGRTMIN + 2;
    timer_t timer;
    ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &event, &timer), 0);
    itimerspec value{};
    value.it_value.tv_nsec = 1'000'000;
    value.it_interval.tv_nsec = 1'000'000;
    ASSERT_EQ(timer_settime(timer, 0, &value, nullptr), 0);
    timespec nap{0, 30'000'000}; // the signal stays blocked: at least 29 more expirations
    nanosleep(&nap, nullptr);
    sigset_t just_this;
    sigemptyset(&just_this);
    sigaddset(&just_this, SIGRTMIN + 2);
    siginfo_t info{};
    ASSERT_EQ(sigwaitinfo(&just_this, &info), SIGRTMIN + 2);
    EXPECT_EQ(info.si_code, SI_TIMER);
    EXPECT_GE(info.si_overrun, 5);
    EXPECT_EQ(timer_getoverrun(timer), info.si_overrun); // the signal taken last
    EXPECT_EQ(timer_delete(timer), 0);
}

TEST(a_cpu_time_posix_timer_fires_after_cpu_time) {
    Catcher catcher(SIGUSR1, count);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    sigevent event{};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR1;
    timer_t timer;
    ASSERT_EQ(timer_create(CLOCK_PROCESS_CPUTIME_ID, &event, &timer), 0);
    itimerspec value{};
    value.it_value.tv_nsec = 20'000'000;
    long long start = cpu_time_ns();
    ASSERT_EQ(timer_settime(timer, 0, &value, nullptr), 0);
    spin_until_signalled(20'000'000'000LL);
    EXPECT_EQ(g_count, 1);
    EXPECT_GE(cpu_time_ns() - start, 10'000'000LL);
    EXPECT_EQ(timer_delete(timer), 0);
}

TEST(sigev_thread_id_names_the_calling_thread) {
    Catcher catcher(SIGUSR2, record);
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGUSR2;
    event.sigev_notify_thread_id = static_cast<pid_t>(syscall(SYS_gettid));
    int id = -1;
    ASSERT_EQ(raw_timer_create(CLOCK_MONOTONIC, &event, &id), 0);
    itimerspec value{};
    value.it_value.tv_nsec = 5'000'000;
    ASSERT_EQ(syscall(SYS_timer_settime, id, 0, reinterpret_cast<long>(&value), 0), 0);
    ASSERT_TRUE(catcher.wait_for(1));
    EXPECT_EQ(g_info.si_code, SI_TIMER);
    EXPECT_EQ(syscall(SYS_timer_delete, id), 0);
    event.sigev_notify_thread_id = 999'999; // no such thread in this process
    EXPECT_ERRNO(raw_timer_create(CLOCK_MONOTONIC, &event, &id), EINVAL);
}

TEST(the_timer_calls_check_their_arguments) {
    int id = -1;
    EXPECT_ERRNO(raw_timer_create(12345, nullptr, &id), EINVAL);
    sigevent event{};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = 65;
    EXPECT_ERRNO(raw_timer_create(CLOCK_MONOTONIC, &event, &id), EINVAL);
    event.sigev_signo = SIGUSR1;
    event.sigev_notify = 77;
    EXPECT_ERRNO(raw_timer_create(CLOCK_MONOTONIC, &event, &id), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_create, CLOCK_MONOTONIC, 1, reinterpret_cast<long>(&id)), EFAULT);
    EXPECT_ERRNO(syscall(SYS_timer_delete, 4321), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_getoverrun, 4321), EINVAL);
    itimerspec value{};
    EXPECT_ERRNO(syscall(SYS_timer_gettime, 4321, reinterpret_cast<long>(&value)), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_settime, 4321, 0, reinterpret_cast<long>(&value), 0), EINVAL);

    ASSERT_EQ(raw_timer_create(CLOCK_MONOTONIC, nullptr, &id), 0);
    value.it_value.tv_nsec = 1'000'000'000;
    EXPECT_ERRNO(syscall(SYS_timer_settime, id, 0, reinterpret_cast<long>(&value), 0), EINVAL);
    value.it_value.tv_nsec = 0;
    value.it_interval.tv_sec = -1;
    EXPECT_ERRNO(syscall(SYS_timer_settime, id, 0, reinterpret_cast<long>(&value), 0), EINVAL);
    EXPECT_ERRNO(syscall(SYS_timer_settime, id, 0, 1, 0), EFAULT);
    EXPECT_EQ(syscall(SYS_timer_delete, id), 0);
    EXPECT_ERRNO(syscall(SYS_timer_delete, id), EINVAL); // deleted once
}

CHILD_SCENARIO(timer_across_exec) {
    int id = -1;
    if (raw_timer_create(CLOCK_MONOTONIC, nullptr, &id) != 0)
        return 2;
    char text[16];
    snprintf(text, sizeof text, "%d", id);
    const char* arguments[] = {test::self_path(), "--child", "timer_gone", text, nullptr};
    execv(test::self_path(), const_cast<char* const*>(arguments));
    return 3;
}

// Exit code 0 when timer argv[0] no longer exists.
CHILD_SCENARIO(timer_gone) {
    if (argc != 1)
        return 2;
    itimerspec value{};
    long result = syscall(SYS_timer_gettime, atoi(argv[0]), reinterpret_cast<long>(&value));
    return result == -1 && errno == EINVAL ? 0 : 1;
}

TEST(execve_deletes_the_posix_timers) {
    EXPECT_EXITED(test::run_child("timer_across_exec"), 0);
}

CHILD_SCENARIO(exit_with_timers_armed) {
    alarm(100);
    itimerval virtual_time = interval_value(100'000'000, 1'000);
    setitimer(ITIMER_VIRTUAL, &virtual_time, nullptr);
    for (int i = 0; i < 3; ++i) {
        timer_t timer;
        sigevent event{};
        event.sigev_notify = SIGEV_SIGNAL;
        event.sigev_signo = SIGRTMIN;
        if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0)
            return 2;
        itimerspec value{};
        value.it_value.tv_sec = 100;
        value.it_interval.tv_nsec = 1'000'000;
        if (timer_settime(timer, 0, &value, nullptr) != 0)
            return 3;
    }
    return 0;
}

CHILD_SCENARIO(exec_with_timers_armed) {
    alarm(100);
    timer_t timer;
    if (timer_create(CLOCK_MONOTONIC, nullptr, &timer) != 0)
        return 2;
    itimerspec value{};
    value.it_value.tv_nsec = 500'000'000;
    if (timer_settime(timer, 0, &value, nullptr) != 0)
        return 3;
    const char* arguments[] = {test::self_path(), "--child", "report_alarm_left", nullptr};
    execv(test::self_path(), const_cast<char* const*>(arguments));
    return 4;
}

// The kernel's side (every timer freed) is checked by blog_os's in-kernel test that runs this one.
TEST(timers_are_freed_with_the_process_that_exits_or_execs_with_them_armed) {
    EXPECT_EXITED(test::run_child("exit_with_timers_armed"), 0);
    int status = test::run_child("exec_with_timers_armed");
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_GE(WEXITSTATUS(status), 99); // the alarm went across, the POSIX timer did not fire
}
