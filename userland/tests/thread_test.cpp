// Threads as musl's pthreads use them: clone(CLONE_THREAD...) and its flag rules, clone3, the
// thread-exit word pthread_join waits on, mutexes and condition variables, one pid and many tids,
// exit against exit_group, signals aimed at a thread or at the process, a fault or an execve in one
// thread ending the others, fork from a thread, and robust mutexes of a process that died holding
// them. Every check passes on a Linux host too; threads synchronise, never sleep.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <new>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// linux/sched.h's clone3 and its struct, which musl does not ship.
constexpr long kClone3 = 435;
struct CloneArgs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};
static_assert(sizeof(CloneArgs) == 88);

constexpr int kFutexWait = 0;

long gettid_now() {
    return sys::raw_syscall(SYS_gettid);
}

// The "Threads:" line of /proc/self/status, or -1.
int thread_count() {
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return -1;
    char text[4096];
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0)
        return -1;
    text[length] = 0;
    const char* line = strstr(text, "\nThreads:");
    return line ? atoi(line + 9) : -1;
}

// Blocks the calling thread for good (until its process ends).
[[noreturn]] void block_forever() {
    for (;;)
        pause();
}

} // namespace

namespace counter {

pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
long total = 0;
constexpr long kPerThread = 20'000;

void* add(void*) {
    for (long i = 0; i < kPerThread; ++i) {
        pthread_mutex_lock(&lock);
        long seen = total;
        if (i % 64 == 0)
            sched_yield(); // give the processor away inside the lock now and then: the mutex must hold
        total = seen + 1;
        pthread_mutex_unlock(&lock);
    }
    return nullptr;
}

} // namespace counter

TEST(four_threads_adding_under_a_mutex_reach_the_exact_total) {
    pthread_t threads[4];
    for (pthread_t& thread : threads)
        ASSERT_EQ(pthread_create(&thread, nullptr, counter::add, nullptr), 0);
    for (pthread_t thread : threads)
        EXPECT_EQ(pthread_join(thread, nullptr), 0);
    EXPECT_EQ(counter::total, 4 * counter::kPerThread);
}

TEST(pthread_join_returns_the_value_the_thread_returned) {
    pthread_t thread;
    ASSERT_EQ(pthread_create(
                  &thread, nullptr,
                  [](void* argument) -> void* {
                      return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(argument) * 3);
                  },
                  reinterpret_cast<void*>(14)),
              0);
    void* result = nullptr;
    EXPECT_EQ(pthread_join(thread, &result), 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(result), 42u);
    // pthread_exit's value too.
    ASSERT_EQ(
        pthread_create(
            &thread, nullptr, [](void*) -> void* { pthread_exit(reinterpret_cast<void*>(7)); }, nullptr),
        0);
    EXPECT_EQ(pthread_join(thread, &result), 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(result), 7u);
}

namespace ids {
struct Seen {
    long pid, tid, threads;
};
void* report(void* argument) {
    auto* seen = static_cast<Seen*>(argument);
    seen->pid = getpid();
    seen->tid = gettid_now();
    seen->threads = thread_count(); // while both threads live
    return nullptr;
}
} // namespace ids

TEST(threads_share_the_pid_and_each_has_its_own_tid) {
    ids::Seen seen{};
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, nullptr, ids::report, &seen), 0);
    ASSERT_EQ(pthread_join(thread, nullptr), 0);
    EXPECT_EQ(seen.pid, getpid());
    EXPECT_NE(seen.tid, gettid_now());
    EXPECT_GT(seen.tid, 0);
    EXPECT_EQ(gettid_now(), getpid()); // the main thread's tid is the pid
    EXPECT_EQ(seen.threads, 2);
    // Not checked after the join: the tid word pthread_join waits for is cleared before the thread
    // leaves the group's count, on Linux too.
}

namespace handoff {
struct Box {
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t filled = PTHREAD_COND_INITIALIZER;
    pthread_cond_t emptied = PTHREAD_COND_INITIALIZER;
    bool full = false;
    int value = 0;
};
constexpr int kRounds = 1000;
void* consume(void* argument) {
    auto* box = static_cast<Box*>(argument);
    long sum = 0;
    for (int i = 0; i < kRounds; ++i) {
        pthread_mutex_lock(&box->mutex);
        while (!box->full)
            pthread_cond_wait(&box->filled, &box->mutex);
        sum += box->value;
        box->full = false;
        pthread_cond_signal(&box->emptied);
        pthread_mutex_unlock(&box->mutex);
    }
    return reinterpret_cast<void*>(sum);
}
} // namespace handoff

TEST(a_condition_variable_hands_a_thousand_values_over_in_order) {
    handoff::Box box;
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, nullptr, handoff::consume, &box), 0);
    for (int i = 1; i <= handoff::kRounds; ++i) {
        pthread_mutex_lock(&box.mutex);
        while (box.full)
            pthread_cond_wait(&box.emptied, &box.mutex);
        box.value = i;
        box.full = true;
        pthread_cond_signal(&box.filled);
        pthread_mutex_unlock(&box.mutex);
    }
    void* sum = nullptr;
    EXPECT_EQ(pthread_join(thread, &sum), 0);
    EXPECT_EQ(reinterpret_cast<long>(sum), static_cast<long>(handoff::kRounds) * (handoff::kRounds + 1) / 2);
}

// exit_group from one thread ends all of them, the main thread blocked in pthread_join included.
CHILD_SCENARIO(exit_group_from_a_thread) {
    pthread_t thread;
    pthread_create(
        &thread, nullptr,
        [](void*) -> void* {
            sys::raw_syscall(SYS_exit_group, 42);
            return nullptr;
        },
        nullptr);
    pthread_join(thread, nullptr);
    return 1; // not reached: the group ended with 42
}

TEST(exit_group_from_a_thread_ends_every_thread_with_its_status) {
    EXPECT_EXITED(test::run_child("exit_group_from_a_thread"), 42);
}

// The main thread leaves by exit (not exit_group): the process lives on in its other thread, which
// sees the main thread's exit word cleared (set_tid_address) and then ends the group with 7.
namespace leader {
int main_gone_word = 1; // atomics through __atomic builtins: <atomic> is not in this libc++-less build
} // namespace leader

CHILD_SCENARIO(main_thread_exits_first) {
    pthread_t thread;
    pthread_create(
        &thread, nullptr,
        [](void*) -> void* {
            while (__atomic_load_n(&leader::main_gone_word, __ATOMIC_ACQUIRE) != 0)
                sys::raw_syscall(SYS_futex, reinterpret_cast<long>(&leader::main_gone_word), kFutexWait, 1,
                                 0);
            sys::raw_syscall(SYS_exit_group, 7);
            return nullptr;
        },
        nullptr);
    sys::raw_syscall(SYS_set_tid_address, reinterpret_cast<long>(&leader::main_gone_word));
    sys::raw_syscall(SYS_exit, 3); // this thread only; its status is not the process's
    return 1;
}

TEST(the_process_outlives_its_main_thread_until_the_last_thread_ends) {
    EXPECT_EXITED(test::run_child("main_thread_exits_first"), 7);
}

namespace signals {
long handled_on = 0;
void record_tid(int) {
    __atomic_store_n(&handled_on, gettid_now(), __ATOMIC_RELEASE);
}
struct Target {
    long tid = 0;
    void set(long value) { __atomic_store_n(&tid, value, __ATOMIC_RELEASE); }
    long get() { return __atomic_load_n(&tid, __ATOMIC_ACQUIRE); }
};
long handled() {
    return __atomic_load_n(&handled_on, __ATOMIC_ACQUIRE);
}
// Waits, runnable, until the handler has run somewhere; returns whether it ran here.
void* wait_for_handler(void* argument) {
    static_cast<Target*>(argument)->set(gettid_now());
    while (handled() == 0)
        sched_yield();
    return nullptr;
}
} // namespace signals

TEST(tgkill_runs_the_handler_on_the_thread_it_names) {
    struct sigaction action {};
    action.sa_handler = signals::record_tid;
    struct sigaction old {};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
    __atomic_store_n(&signals::handled_on, 0, __ATOMIC_RELEASE);
    signals::Target target;
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, nullptr, signals::wait_for_handler, &target), 0);
    while (target.get() == 0)
        sched_yield();
    EXPECT_EQ(sys::raw_syscall(SYS_tgkill, getpid(), target.get(), SIGUSR1), 0);
    EXPECT_EQ(pthread_join(thread, nullptr), 0);
    EXPECT_EQ(signals::handled(), target.get());
    // A tid that is not in the group: ESRCH. (Not the joined thread's: pthread_join returns once
    // its tid word is cleared, a moment before it leaves the group.)
    EXPECT_EQ(sys::raw_syscall(SYS_tgkill, getpid(), 0x3fffffff, 0), -ESRCH);
    sigaction(SIGUSR1, &old, nullptr);
}

TEST(a_signal_sent_to_the_process_goes_to_a_thread_that_does_not_block_it) {
    struct sigaction action {};
    action.sa_handler = signals::record_tid;
    struct sigaction old {};
    ASSERT_EQ(sigaction(SIGUSR2, &action, &old), 0);
    sigset_t blocked, previous;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &blocked, &previous), 0); // the new thread starts unblocked
    __atomic_store_n(&signals::handled_on, 0, __ATOMIC_RELEASE);
    signals::Target target;
    pthread_t thread;
    ASSERT_EQ(pthread_create(
                  &thread, nullptr,
                  [](void* argument) -> void* {
                      sigset_t unblock;
                      sigemptyset(&unblock);
                      sigaddset(&unblock, SIGUSR2);
                      pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
                      return signals::wait_for_handler(argument);
                  },
                  &target),
              0);
    while (target.get() == 0)
        sched_yield();
    EXPECT_EQ(kill(getpid(), SIGUSR2), 0);
    EXPECT_EQ(pthread_join(thread, nullptr), 0);
    EXPECT_EQ(signals::handled(), target.get());
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    sigaction(SIGUSR2, &old, nullptr);
}

// timer_create(SIGEV_THREAD_ID) naming another thread: its expiry signal runs there.
TEST(a_timer_aimed_at_a_thread_signals_that_thread) {
    struct sigaction action {};
    action.sa_handler = signals::record_tid;
    struct sigaction old {};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
    __atomic_store_n(&signals::handled_on, 0, __ATOMIC_RELEASE);
    signals::Target target;
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, nullptr, signals::wait_for_handler, &target), 0);
    while (target.get() == 0)
        sched_yield();
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGUSR1;
    event.sigev_notify_thread_id = static_cast<pid_t>(target.get());
    timer_t timer;
    ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &event, &timer), 0);
    itimerspec value{};
    value.it_value.tv_nsec = 1'000'000;
    EXPECT_EQ(timer_settime(timer, 0, &value, nullptr), 0);
    EXPECT_EQ(pthread_join(thread, nullptr), 0); // it returns once the handler has run somewhere
    EXPECT_EQ(signals::handled(), target.get());
    EXPECT_EQ(timer_delete(timer), 0);
    sigaction(SIGUSR1, &old, nullptr);
}

// A stop signal stops the group and SIGCONT resumes it: the parent sees both, then the threads
// finish their work.
namespace stopping {
int go = 0;
} // namespace stopping

CHILD_SCENARIO(stop_with_a_second_thread) {
    pthread_t thread;
    pthread_create(
        &thread, nullptr,
        [](void*) -> void* {
            while (__atomic_load_n(&stopping::go, __ATOMIC_ACQUIRE) == 0)
                sched_yield();
            return nullptr;
        },
        nullptr);
    raise(SIGSTOP);
    __atomic_store_n(&stopping::go, 1, __ATOMIC_RELEASE);
    pthread_join(thread, nullptr);
    return 0;
}

TEST(a_stopped_process_with_two_threads_continues_and_ends_normally) {
    pid_t pid = test::spawn_child("stop_with_a_second_thread");
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    EXPECT_TRUE(WIFSTOPPED(status));
    EXPECT_EQ(kill(pid, SIGCONT), 0);
    // Continued, or already ended: the exit may overtake the report of the continuing.
    ASSERT_EQ(waitpid(pid, &status, WCONTINUED), pid);
    if (WIFCONTINUED(status))
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
}

CHILD_SCENARIO(fault_in_a_thread) {
    pthread_t thread;
    pthread_create(
        &thread, nullptr,
        [](void*) -> void* {
            *reinterpret_cast<volatile int*>(16) = 1;
            return nullptr;
        },
        nullptr);
    pthread_join(thread, nullptr);
    return 0;
}

TEST(a_fault_in_one_thread_kills_the_whole_process) {
    EXPECT_SIGNALED(test::run_child("fault_in_a_thread"), SIGSEGV);
}

// execve from a thread that is not the main one: the other threads end (one of them blocked for
// good), and the new program runs as the whole process, with the old pid as its pid and its tid.
CHILD_SCENARIO(check_single_thread_with_pid) {
    long expected = argc > 0 ? atol(argv[0]) : -1;
    if (getpid() != expected)
        return 1;
    if (gettid_now() != expected)
        return 2;
    return thread_count() == 1 ? 0 : 3;
}

CHILD_SCENARIO(execve_from_a_thread) {
    pthread_t blocked;
    pthread_create(
        &blocked, nullptr, [](void*) -> void* { block_forever(); }, nullptr);
    pthread_t exec_thread;
    pthread_create(
        &exec_thread, nullptr,
        [](void*) -> void* {
            char pid[32];
            snprintf(pid, sizeof pid, "%d", getpid());
            const char* arguments[] = {test::self_path(), "--child", "check_single_thread_with_pid", pid,
                                       nullptr};
            execv(test::self_path(), const_cast<char* const*>(arguments));
            _exit(100);
        },
        nullptr);
    pthread_join(exec_thread, nullptr);
    return 101; // not reached: the execve replaced every thread
}

TEST(execve_from_a_thread_ends_the_others_and_keeps_the_pid) {
    EXPECT_EXITED(test::run_child("execve_from_a_thread"), 0);
}

// fork from a thread: the child has that one thread, as its main thread; the parent's other
// threads (blocked in pthread_join here) go on. wait4 from any thread sees the group's children.
namespace forking {
void* fork_and_wait(void*) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(thread_count() == 1 && getpid() == gettid_now() ? 5 : 6);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return reinterpret_cast<void*>(-1);
    return reinterpret_cast<void*>(static_cast<long>(status));
}
} // namespace forking

TEST(fork_from_a_thread_copies_only_that_thread) {
    pthread_t thread;
    ASSERT_EQ(pthread_create(&thread, nullptr, forking::fork_and_wait, nullptr), 0);
    void* status = nullptr;
    EXPECT_EQ(pthread_join(thread, &status), 0);
    EXPECT_EXITED(static_cast<int>(reinterpret_cast<long>(status)), 5);
}

TEST(another_thread_reaps_a_child_the_main_thread_forked) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(12);
    ASSERT_GT(pid, 0);
    pthread_t thread;
    ASSERT_EQ(pthread_create(
                  &thread, nullptr,
                  [](void* argument) -> void* {
                      int status = 0;
                      pid_t child = static_cast<pid_t>(reinterpret_cast<long>(argument));
                      if (waitpid(child, &status, 0) != child)
                          return reinterpret_cast<void*>(-1);
                      return reinterpret_cast<void*>(static_cast<long>(status));
                  },
                  reinterpret_cast<void*>(static_cast<long>(pid))),
              0);
    void* status = nullptr;
    EXPECT_EQ(pthread_join(thread, &status), 0);
    EXPECT_EXITED(static_cast<int>(reinterpret_cast<long>(status)), 12);
}

TEST(clone_refuses_a_thread_without_shared_handlers_or_handlers_without_shared_memory) {
    EXPECT_EQ(sys::raw_syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_clone, CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0, 0), -EINVAL);
}

TEST(clone3_checks_its_size_and_arguments) {
    alignas(8) uint8_t bytes[4096 + 8] = {};
    EXPECT_EQ(sys::raw_syscall(kClone3, reinterpret_cast<long>(bytes), 56), -EINVAL); // below version 0
    EXPECT_EQ(sys::raw_syscall(kClone3, reinterpret_cast<long>(bytes), 4096 + 8), -E2BIG);
    // A field this kernel does not know, set: E2BIG.
    auto* arguments = reinterpret_cast<CloneArgs*>(bytes);
    arguments->exit_signal = SIGCHLD;
    bytes[sizeof(CloneArgs) + 4] = 1;
    EXPECT_EQ(sys::raw_syscall(kClone3, reinterpret_cast<long>(bytes), sizeof(CloneArgs) + 8), -E2BIG);
    // A stack without a size, and an exit signal out of range: EINVAL.
    CloneArgs wrong{};
    wrong.stack = reinterpret_cast<uint64_t>(bytes);
    EXPECT_EQ(sys::raw_syscall(kClone3, reinterpret_cast<long>(&wrong), sizeof wrong), -EINVAL);
    wrong = {};
    wrong.exit_signal = 0x100;
    EXPECT_EQ(sys::raw_syscall(kClone3, reinterpret_cast<long>(&wrong), sizeof wrong), -EINVAL);
    wrong = {};
    wrong.flags = CLONE_THREAD | CLONE_VM;
    EXPECT_EQ(sys::raw_syscall(kClone3, reinterpret_cast<long>(&wrong), sizeof wrong), -EINVAL);
}

TEST(clone3_forks_a_child_that_reports_to_its_parent) {
    static volatile int32_t parent_tid = 0;
    CloneArgs arguments{};
    arguments.flags = CLONE_PARENT_SETTID;
    arguments.parent_tid = reinterpret_cast<uint64_t>(&parent_tid);
    arguments.exit_signal = SIGCHLD;
    long pid = sys::raw_syscall(kClone3, reinterpret_cast<long>(&arguments), 64); // version 0's size
    if (pid == 0)
        sys::raw_syscall(SYS_exit_group, 9);
    ASSERT_GT(pid, 0);
    int status = 0;
    EXPECT_EQ(waitpid(static_cast<pid_t>(pid), &status, 0), pid);
    EXPECT_EXITED(status, 9);
    EXPECT_EQ(parent_tid, pid);
}

// A process that ends holding a robust process-shared mutex: the kernel walks its robust list, so
// the next locker gets EOWNERDEAD rather than waiting forever.
TEST(a_robust_mutex_held_by_a_process_that_exits_reports_owner_dead) {
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(page, MAP_FAILED);
    auto* mutex = new (page) pthread_mutex_t;
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    ASSERT_EQ(pthread_mutex_init(mutex, &attributes), 0);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(mutex);
        _exit(0); // without unlocking: only the kernel's robust-list walk releases it
    }
    ASSERT_GT(pid, 0);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(pthread_mutex_lock(mutex), EOWNERDEAD);
    EXPECT_EQ(pthread_mutex_consistent(mutex), 0);
    EXPECT_EQ(pthread_mutex_unlock(mutex), 0);
    munmap(page, 4096);
}

namespace {
constexpr int kThreadBombCap = 2000; // Linux (as root) would go on far longer: stop here

pthread_mutex_t g_bomb_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_bomb_release = PTHREAD_COND_INITIALIZER;
bool g_bomb_released;

void* wait_for_release(void*) {
    pthread_mutex_lock(&g_bomb_lock);
    while (!g_bomb_released)
        pthread_cond_wait(&g_bomb_release, &g_bomb_lock);
    pthread_mutex_unlock(&g_bomb_lock);
    return nullptr;
}
} // namespace

// Exit code: 0 when thread creation stopped with EAGAIN, 1 when it reached the cap, 2 for another
// error; every thread made is joined first.
CHILD_SCENARIO(thread_bomb) {
    static pthread_t threads[kThreadBombCap];
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 16 * 1024);
    int made = 0, error = 0;
    while (made < kThreadBombCap) {
        error = pthread_create(&threads[made], &attributes, wait_for_release, nullptr);
        if (error != 0)
            break;
        ++made;
    }
    pthread_mutex_lock(&g_bomb_lock);
    g_bomb_released = true;
    pthread_cond_broadcast(&g_bomb_release);
    pthread_mutex_unlock(&g_bomb_lock);
    for (int i = 0; i < made; ++i)
        pthread_join(threads[i], nullptr);
    return made == kThreadBombCap ? 1 : error == EAGAIN ? 0 : 2;
}

TEST(a_thread_bomb_gets_eagain_and_every_thread_ends) {
    int status = test::run_child("thread_bomb");
    ASSERT_TRUE(WIFEXITED(status));
    if (sys::detect_system() == sys::System::BlogOs)
        EXPECT_EQ(WEXITSTATUS(status), 0); // the task table is far smaller than the cap
    else
        EXPECT_LE(WEXITSTATUS(status), 1);
    // And threads can be made again.
    pthread_t thread;
    ASSERT_EQ(pthread_create(
                  &thread, nullptr, [](void*) -> void* { return nullptr; }, nullptr),
              0);
    EXPECT_EQ(pthread_join(thread, nullptr), 0);
}
