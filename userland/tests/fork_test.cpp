// fork: the child is a copy of the caller whose memory is its own from then on (copy-on-write on
// blog_os), with the caller's open files shared, shared mappings still shared, and Linux's clone
// flags for tids and TLS. Every check passes on a Linux host too.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

int global_counter = 10;

// Runs `child` in a forked child, which exits with what it returns; returns the wait status.
template <typename Function>
int in_child(Function child) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(child());
    if (pid < 0) {
        printf("  fork: %s\n", strerror(errno));
        return -1;
    }
    int status = -1;
    pid_t waited = waitpid(pid, &status, 0);
    if (waited != pid) {
        printf("  waitpid(%d) returned %d: %s\n", pid, waited, strerror(errno));
        return -1;
    }
    return status;
}

// A byte pattern that differs per page and per pass, so a page copied from the wrong place shows.
uint8_t pattern(size_t index, int pass) {
    return static_cast<uint8_t>(index / 4096 * 7 + index % 251 + pass * 13);
}

} // namespace

TEST(fork_returns_zero_in_the_child_and_its_pid_in_the_parent) {
    pid_t parent = getpid();
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        pid_t mine = getpid();
        bool right = getppid() == parent && mine != parent;
        (void)!write(pipe_fds[1], &mine, sizeof mine);
        _exit(right ? 0 : 1);
    }
    ASSERT_GT(pid, 0);
    pid_t reported = 0;
    EXPECT_EQ(read(pipe_fds[0], &reported, sizeof reported), static_cast<ssize_t>(sizeof reported));
    EXPECT_EQ(reported, pid);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

TEST(a_child_writes_its_own_copy_of_globals_stack_and_heap) {
    int on_stack = 20;
    int* on_heap = static_cast<int*>(malloc(sizeof(int)));
    ASSERT_TRUE(on_heap != nullptr);
    *on_heap = 30;
    int status = in_child([&] {
        bool saw_parents = global_counter == 10 && on_stack == 20 && *on_heap == 30;
        global_counter = 11;
        on_stack = 21;
        *on_heap = 31;
        bool kept = global_counter == 11 && on_stack == 21 && *on_heap == 31;
        return saw_parents && kept ? 0 : 1;
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(global_counter, 10);
    EXPECT_EQ(on_stack, 20);
    EXPECT_EQ(*on_heap, 30);
    free(on_heap);
}

// The parent writing after fork must not show through to the child either: both sides lose write
// access to the shared frames, not just the child.
TEST(the_parents_writes_after_fork_stay_out_of_the_child) {
    int to_child[2], from_child[2];
    ASSERT_EQ(pipe(to_child), 0);
    ASSERT_EQ(pipe(from_child), 0);
    static int value;
    value = 1;
    pid_t pid = fork();
    if (pid == 0) {
        char go;
        if (read(to_child[0], &go, 1) != 1)
            _exit(2);
        int seen = value;
        (void)!write(from_child[1], &seen, sizeof seen);
        _exit(0);
    }
    ASSERT_GT(pid, 0);
    value = 2;
    EXPECT_EQ(write(to_child[1], "g", 1), 1);
    int seen = 0;
    EXPECT_EQ(read(from_child[0], &seen, sizeof seen), static_cast<ssize_t>(sizeof seen));
    EXPECT_EQ(seen, 1);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]})
        close(fd);
}

TEST(eight_mebibytes_written_by_a_child_leave_the_parents_bytes_intact) {
    constexpr size_t size = 8 << 20;
    auto* bytes = static_cast<uint8_t*>(
        mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_TRUE(bytes != MAP_FAILED);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = pattern(i, 0);
    int status = in_child([&] {
        for (size_t i = 0; i < size; ++i)
            if (bytes[i] != pattern(i, 0))
                return 1;
        for (size_t i = 0; i < size; ++i)
            bytes[i] = pattern(i, 1);
        for (size_t i = 0; i < size; ++i)
            if (bytes[i] != pattern(i, 1))
                return 2;
        return 0;
    });
    EXPECT_EXITED(status, 0);
    size_t wrong = 0;
    for (size_t i = 0; i < size; ++i)
        wrong += bytes[i] != pattern(i, 0);
    EXPECT_EQ(wrong, 0u);
    // The parent, alone with its frames again, writes them in place.
    for (size_t i = 0; i < size; i += 4096)
        bytes[i] = 0xaa;
    EXPECT_EQ(bytes[4096], 0xaa);
    munmap(bytes, size);
}

TEST(a_shared_anonymous_mapping_stays_shared_with_the_child) {
    auto* word = static_cast<volatile int*>(
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    ASSERT_TRUE(word != MAP_FAILED);
    *word = 5;
    int status = in_child([&] {
        if (*word != 5)
            return 1;
        *word = 6;
        return 0;
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(*word, 6);
    munmap(const_cast<int*>(word), 4096);
}

TEST(file_mappings_fork_shared_as_shared_and_private_as_private) {
    char path[] = "/tmp/fork_test_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    unlink(path);
    ASSERT_EQ(ftruncate(fd, 8192), 0);
    auto* shared = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    auto* priv = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
    ASSERT_TRUE(shared != MAP_FAILED);
    ASSERT_TRUE(priv != MAP_FAILED);
    shared[0] = 'a';
    priv[4096] = 'p'; // the parent's private copy of the second page
    int status = in_child([&] {
        if (shared[0] != 'a' || priv[0] != 'a' || priv[4096] != 'p')
            return 1;
        shared[1] = 'b'; // reaches the file and the parent
        priv[2] = 'c';   // the child's own copy
        priv[4097] = 'q';
        return 0;
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(shared[1], 'b');
    EXPECT_EQ(priv[2], 0);
    EXPECT_EQ(priv[4097], 0);
    EXPECT_EQ(priv[4096], 'p');
    char from_file[3] = {};
    EXPECT_EQ(pread(fd, from_file, 3, 0), 3);
    EXPECT_EQ(from_file[0], 'a');
    EXPECT_EQ(from_file[1], 'b');
    EXPECT_EQ(from_file[2], 0);
    munmap(shared, 8192);
    munmap(priv, 8192);
    close(fd);
}

// Open files are shared descriptions: the child's reads move the parent's offset.
TEST(the_child_shares_the_parents_open_file_descriptions) {
    char path[] = "/tmp/fork_offset_XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    unlink(path);
    ASSERT_EQ(write(fd, "0123456789", 10), 10);
    ASSERT_EQ(lseek(fd, 2, SEEK_SET), 2);
    int status = in_child([&] {
        char two[2];
        return read(fd, two, 2) == 2 && two[0] == '2' && two[1] == '3' ? 0 : 1;
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 4);
    // Closing in the child closed only the child's fd.
    status = in_child([&] { return close(fd) == 0 ? 0 : 1; });
    EXPECT_EXITED(status, 0);
    char next;
    EXPECT_EQ(read(fd, &next, 1), 1);
    EXPECT_EQ(next, '4');
    close(fd);
}

// After fork, mprotect in the child changes only the child, and writable again still means a copy.
TEST(mprotect_in_a_child_leaves_the_parent_alone) {
    auto* page =
        static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_TRUE(page != MAP_FAILED);
    page[0] = 'x';
    int status = in_child([&] {
        if (mprotect(page, 4096, PROT_READ) != 0 || mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0)
            return 1;
        page[0] = 'y';
        return page[0] == 'y' ? 0 : 2;
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(page[0], 'x');
    // A PROT_NONE page keeps its bytes through fork and comes back readable in the child.
    ASSERT_EQ(mprotect(page, 4096, PROT_NONE), 0);
    status = in_child([&] {
        if (mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0 || page[0] != 'x')
            return 1;
        page[0] = 'z';
        return 0;
    });
    EXPECT_EXITED(status, 0);
    ASSERT_EQ(mprotect(page, 4096, PROT_READ), 0);
    EXPECT_EQ(page[0], 'x');
    munmap(page, 4096);
}

TEST(a_grandchild_reports_to_the_child_and_the_child_to_us) {
    int status = in_child([] {
        pid_t grandchild = fork();
        if (grandchild == 0)
            _exit(7);
        int inner = 0;
        if (waitpid(grandchild, &inner, 0) != grandchild || !WIFEXITED(inner))
            return 1;
        return WEXITSTATUS(inner) == 7 ? 3 : 2;
    });
    EXPECT_EXITED(status, 3);
}

TEST(two_hundred_forks_in_a_row_each_exit_with_their_own_status) {
    for (int round = 0; round < 200; ++round) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(round % 128);
        ASSERT_GT(pid, 0);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_EXITED(status, round % 128);
    }
}

TEST(a_pipe_carries_a_thousand_round_trips_between_forked_processes) {
    int ping[2], pong[2];
    ASSERT_EQ(pipe(ping), 0);
    ASSERT_EQ(pipe(pong), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(ping[1]); // else the child holds the write end open and never reads end of file
        close(pong[0]);
        for (uint32_t value; read(ping[0], &value, sizeof value) == sizeof value;) {
            ++value;
            if (write(pong[1], &value, sizeof value) != sizeof value)
                _exit(1);
        }
        _exit(0);
    }
    ASSERT_GT(pid, 0);
    close(ping[0]);
    close(pong[1]);
    uint32_t wrong = 0;
    for (uint32_t i = 0; i < 1000; ++i) {
        uint32_t value = i * 3, answer = 0;
        ASSERT_EQ(write(ping[1], &value, sizeof value), static_cast<ssize_t>(sizeof value));
        ASSERT_EQ(read(pong[0], &answer, sizeof answer), static_cast<ssize_t>(sizeof answer));
        wrong += answer != value + 1;
    }
    EXPECT_EQ(wrong, 0u);
    close(ping[1]); // the child reads end of file and exits
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    close(pong[0]);
}

// Raw clone with fork semantics: CLONE_PARENT_SETTID writes the child's tid into the parent's
// memory, CLONE_CHILD_SETTID into the child's.
TEST(clone_writes_the_tids_it_is_asked_for) {
    static volatile int32_t parent_tid = 0, child_tid = 0;
    long pid = sys::raw_syscall(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0,
                                reinterpret_cast<long>(&parent_tid), reinterpret_cast<long>(&child_tid), 0);
    if (pid == 0)
        sys::raw_syscall(SYS_exit_group, child_tid == sys::raw_syscall(SYS_gettid) ? 0 : 1);
    ASSERT_GT(pid, 0);
    int status = 0;
    EXPECT_EQ(waitpid(static_cast<pid_t>(pid), &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(parent_tid, pid);
    EXPECT_EQ(child_tid, 0); // the child's write went to its own copy
}

TEST(a_forked_child_that_faults_dies_by_sigsegv) {
    int status = in_child([] {
        *reinterpret_cast<volatile int*>(16) = 1;
        return 0;
    });
    EXPECT_SIGNALED(status, SIGSEGV);
}

// Waiting and job control: process groups, sessions, wait4's and waitid's selections.

namespace {

// A child that waits until its pipe is closed, for tests that need one alive.
struct BlockedChild {
    pid_t pid = -1;
    int hold = -1; // the write end: closing it lets the child exit 0
    BlockedChild() {
        int fds[2];
        if (pipe(fds) != 0)
            return;
        pid = fork();
        if (pid == 0) {
            close(fds[1]);
            char byte;
            while (read(fds[0], &byte, 1) > 0) {
            }
            _exit(0);
        }
        close(fds[0]);
        hold = fds[1];
    }
    // Lets it go and reaps it; its wait status.
    int finish() {
        close(hold);
        int status = -1;
        waitpid(pid, &status, 0);
        return status;
    }
};

} // namespace

CHILD_SCENARIO(wait_for_end_of_file) {
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {
    }
    return 0;
}

TEST(a_child_starts_in_the_parents_group_and_session) {
    BlockedChild child;
    ASSERT_GT(child.pid, 0);
    EXPECT_EQ(getpgid(child.pid), getpgrp());
    EXPECT_EQ(getsid(child.pid), getsid(0));
    EXPECT_EQ(getpgid(0), getpgrp());
    EXPECT_EXITED(child.finish(), 0);
}

TEST(setpgid_moves_a_child_into_a_group_of_its_own_and_wait_follows_groups) {
    BlockedChild child;
    ASSERT_GT(child.pid, 0);
    ASSERT_EQ(setpgid(child.pid, 0), 0);
    EXPECT_EQ(getpgid(child.pid), child.pid);
    // Our own group has no children now: wait4(0) finds none; wait4(-pgid) finds it.
    int status = 0;
    EXPECT_ERRNO(waitpid(0, &status, WNOHANG), ECHILD);
    EXPECT_EQ(waitpid(-child.pid, &status, WNOHANG), 0);
    close(child.hold);
    EXPECT_EQ(waitpid(-child.pid, &status, 0), child.pid);
    EXPECT_EXITED(status, 0);
}

TEST(setpgid_refuses_what_linux_refuses) {
    EXPECT_ERRNO(setpgid(0, -1), EINVAL);
    EXPECT_ERRNO(setpgid(-1, 0), EINVAL);
    // A group that does not exist in our session.
    BlockedChild child;
    ASSERT_GT(child.pid, 0);
    EXPECT_ERRNO(setpgid(child.pid, 999999), EPERM);
    // Not our child: pid 1 is init on Linux and the first process on blog_os, never ours here.
    if (getpid() != 1)
        EXPECT_ERRNO(setpgid(1, 0), ESRCH);
    EXPECT_ERRNO(getpgid(999999), ESRCH);
    EXPECT_ERRNO(getsid(999999), ESRCH);
    EXPECT_EXITED(child.finish(), 0);
}

TEST(setpgid_on_a_child_that_has_executed_is_eacces) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[1]);
        // The exec closes `ready` (close-on-exec): end of file tells the parent it happened.
        fcntl(ready[1], F_SETFD, FD_CLOEXEC);
        close(ready[0]);
        const char* argv[] = {"fork_test", "--child", "wait_for_end_of_file", nullptr};
        execv("/proc/self/exe", const_cast<char* const*>(argv));
        _exit(127);
    }
    ASSERT_GT(pid, 0);
    close(fds[0]);
    close(ready[1]);
    char byte;
    EXPECT_EQ(read(ready[0], &byte, 1), 0);
    EXPECT_ERRNO(setpgid(pid, 0), EACCES);
    close(fds[1]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    close(ready[0]);
}

TEST(setsid_makes_a_new_session_that_setpgid_cannot_reach) {
    int to_parent[2], from_parent[2];
    ASSERT_EQ(pipe(to_parent), 0);
    ASSERT_EQ(pipe(from_parent), 0);
    pid_t pid = fork();
    if (pid == 0) {
        pid_t session = setsid();
        bool right = session == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
        char answer = right ? 'y' : 'n';
        (void)!write(to_parent[1], &answer, 1);
        char byte;
        (void)!read(from_parent[0], &byte, 1);
        _exit(0);
    }
    ASSERT_GT(pid, 0);
    char answer = 0;
    EXPECT_EQ(read(to_parent[0], &answer, 1), 1);
    EXPECT_EQ(answer, 'y');
    EXPECT_EQ(getsid(pid), pid);
    EXPECT_ERRNO(setpgid(pid, getpgrp()), EPERM);
    EXPECT_EQ(write(from_parent[1], "x", 1), 1);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    for (int fd : {to_parent[0], to_parent[1], from_parent[0], from_parent[1]})
        close(fd);
}

TEST(a_group_leader_may_not_start_a_session) {
    int status = in_child([] {
        if (setpgid(0, 0) != 0)
            return 1;
        return setsid() == -1 && errno == EPERM ? 0 : 2;
    });
    EXPECT_EXITED(status, 0);
}

TEST(waitid_reports_without_reaping_under_wnowait_then_reaps) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(42);
    ASSERT_GT(pid, 0);
    siginfo_t information{};
    ASSERT_EQ(waitid(P_PID, static_cast<id_t>(pid), &information, WEXITED | WNOWAIT), 0);
    EXPECT_EQ(information.si_signo, SIGCHLD);
    EXPECT_EQ(information.si_code, CLD_EXITED);
    EXPECT_EQ(information.si_pid, pid);
    EXPECT_EQ(information.si_status, 42);
    EXPECT_EQ(information.si_uid, getuid());
    information = {};
    ASSERT_EQ(waitid(P_ALL, 0, &information, WEXITED), 0);
    EXPECT_EQ(information.si_pid, pid);
    EXPECT_EQ(information.si_status, 42);
    EXPECT_ERRNO(waitid(P_PID, static_cast<id_t>(pid), &information, WEXITED), ECHILD);
}

TEST(waitid_tells_how_a_child_ended_and_wnohang_finds_nothing_yet) {
    BlockedChild child;
    ASSERT_GT(child.pid, 0);
    siginfo_t information{};
    information.si_pid = 12345;
    EXPECT_EQ(waitid(P_PID, static_cast<id_t>(child.pid), &information, WEXITED | WNOHANG), 0);
    EXPECT_EQ(information.si_pid, 0);
    EXPECT_EXITED(child.finish(), 0);
    pid_t pid = fork();
    if (pid == 0)
        *reinterpret_cast<volatile int*>(16) = 1;
    ASSERT_GT(pid, 0);
    information = {};
    ASSERT_EQ(waitid(P_PGID, 0, &information, WEXITED), 0);
    EXPECT_EQ(information.si_pid, pid);
    EXPECT_TRUE(information.si_code == CLD_KILLED || information.si_code == CLD_DUMPED);
    EXPECT_EQ(information.si_status, SIGSEGV);
    EXPECT_ERRNO(waitid(P_ALL, 0, &information, WNOHANG), EINVAL); // says nothing to wait for
    EXPECT_ERRNO(waitid(P_PID, 0, &information, WEXITED), EINVAL);
}

TEST(a_subreaper_adopts_its_orphaned_grandchildren) {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int flag = 0;
    EXPECT_EQ(prctl(PR_GET_CHILD_SUBREAPER, &flag), 0);
    EXPECT_EQ(flag, 1);
    int go[2], report[2];
    ASSERT_EQ(pipe(go), 0);
    ASSERT_EQ(pipe(report), 0);
    pid_t child = fork();
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            char byte;
            (void)!read(go[0], &byte, 1); // until its parent is gone
            pid_t parent = getppid();
            (void)!write(report[1], &parent, sizeof parent);
            _exit(0);
        }
        (void)!write(report[1], &grandchild, sizeof grandchild);
        _exit(0);
    }
    ASSERT_GT(child, 0);
    pid_t grandchild = 0;
    EXPECT_EQ(read(report[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EQ(write(go[1], "g", 1), 1);
    pid_t adopted_by = 0;
    EXPECT_EQ(read(report[0], &adopted_by, sizeof adopted_by), static_cast<ssize_t>(sizeof adopted_by));
    EXPECT_EQ(adopted_by, getpid());
    EXPECT_EQ(waitpid(grandchild, &status, 0), grandchild);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
    for (int fd : {go[0], go[1], report[0], report[1]})
        close(fd);
}

TEST(getrusage_counts_reaped_childrens_cpu_time) {
    rusage before{};
    ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &before), 0);
    int status = in_child([] {
        timespec start{}, now{};
        clock_gettime(CLOCK_MONOTONIC, &start);
        do
            clock_gettime(CLOCK_MONOTONIC, &now);
        while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 50'000'000L);
        return 0;
    });
    EXPECT_EXITED(status, 0);
    rusage after{};
    ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &after), 0);
    auto total_us = [](const rusage& usage) {
        return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000L + usage.ru_utime.tv_usec +
               usage.ru_stime.tv_usec;
    };
    EXPECT_GT(total_us(after), total_us(before));
    EXPECT_ERRNO(getrusage(7, &after), EINVAL);
}

// `busybox time sh -c 'a | b'` showed no user time: wait4 reported the shell's own time without
// that of the pipeline it had reaped. Linux's wait4 gives the child's and its reaped descendants'.
TEST(wait4_usage_includes_the_grandchildren_the_child_reaped) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            // 50 ms of this process's own CPU time, whatever else runs.
            timespec used{};
            do
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
            while (used.tv_sec == 0 && used.tv_nsec < 50'000'000L);
            _exit(0);
        }
        int status = 0;
        _exit(grandchild > 0 && waitpid(grandchild, &status, 0) == grandchild && status == 0 ? 0 : 1);
    }
    int status = 0;
    rusage usage{};
    ASSERT_EQ(wait4(child, &status, 0, &usage), child);
    EXPECT_EXITED(status, 0);
    long used_us = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000L + usage.ru_utime.tv_usec +
                   usage.ru_stime.tv_usec;
    EXPECT_GE(used_us, 45'000L); // microseconds are truncated on the way
}

// Resource limits: set, inherited by fork, and enforced.

TEST(rlimit_nofile_bounds_new_descriptors) {
    int status = in_child([] {
        rlimit limit{8, 8};
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            return 1;
        rlimit read_back{};
        if (getrlimit(RLIMIT_NOFILE, &read_back) != 0 || read_back.rlim_cur != 8 || read_back.rlim_max != 8)
            return 2;
        int opened = 0;
        while (open("/dev/null", O_RDONLY) >= 0)
            ++opened;
        if (errno != EMFILE || opened == 0 || opened > 8)
            return 3;
        if (dup2(0, 9) != -1 || errno != EBADF)
            return 4;
        if (fcntl(0, F_DUPFD, 8) != -1 || errno != EINVAL)
            return 5;
        // A grandchild inherits the limit.
        pid_t pid = fork();
        if (pid == 0) {
            rlimit inherited{};
            getrlimit(RLIMIT_NOFILE, &inherited);
            _exit(inherited.rlim_cur == 8 ? 0 : 1);
        }
        int inner = 0;
        return waitpid(pid, &inner, 0) == pid && WIFEXITED(inner) && WEXITSTATUS(inner) == 0 ? 0 : 6;
    });
    EXPECT_EXITED(status, 0);
}

TEST(setrlimit_refuses_soft_above_hard_and_a_higher_hard_limit_without_root) {
    rlimit limit{};
    ASSERT_EQ(getrlimit(RLIMIT_CORE, &limit), 0);
    rlimit inverted{limit.rlim_max == RLIM_INFINITY ? 100 : limit.rlim_max, 50};
    EXPECT_ERRNO(setrlimit(RLIMIT_CORE, &inverted), EINVAL);
    EXPECT_ERRNO(getrlimit(99, &limit), EINVAL);
    int status = in_child([] {
        rlimit lowered{10, 10};
        if (setrlimit(RLIMIT_CORE, &lowered) != 0)
            return 1;
        if (setuid(65534) != 0)
            return 2;
        rlimit raised{10, 20};
        if (setrlimit(RLIMIT_CORE, &raised) != -1 || errno != EPERM)
            return 3;
        rlimit lower_still{5, 5};
        return setrlimit(RLIMIT_CORE, &lower_still) == 0 ? 0 : 4;
    });
    EXPECT_EXITED(status, 0);
}

TEST(rlimit_as_refuses_mappings_past_it) {
    int status = in_child([] {
        rlimit limit{1ul << 30, 1ul << 30};
        if (setrlimit(RLIMIT_AS, &limit) != 0)
            return 1;
        void* small = mmap(nullptr, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (small == MAP_FAILED)
            return 2;
        void* big = mmap(nullptr, 2ul << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (big != MAP_FAILED || errno != ENOMEM)
            return 3;
        void* grown = mremap(small, 16 << 20, 2ul << 30, MREMAP_MAYMOVE);
        if (grown != MAP_FAILED || errno != ENOMEM)
            return 4;
        return 0;
    });
    EXPECT_EXITED(status, 0);
}

TEST(prlimit_changes_a_childs_limit) {
    int go[2], report[2];
    ASSERT_EQ(pipe(go), 0);
    ASSERT_EQ(pipe(report), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        (void)!read(go[0], &byte, 1);
        rlimit limit{};
        getrlimit(RLIMIT_NOFILE, &limit);
        (void)!write(report[1], &limit.rlim_cur, sizeof limit.rlim_cur);
        _exit(0);
    }
    ASSERT_GT(pid, 0);
    rlimit wanted{64, 64}, old{};
    EXPECT_EQ(prlimit(pid, RLIMIT_NOFILE, &wanted, &old), 0);
    EXPECT_GT(old.rlim_cur, 64u);
    EXPECT_EQ(write(go[1], "g", 1), 1);
    rlim_t seen = 0;
    EXPECT_EQ(read(report[0], &seen, sizeof seen), static_cast<ssize_t>(sizeof seen));
    EXPECT_EQ(seen, 64u);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_ERRNO(prlimit(999999, RLIMIT_NOFILE, nullptr, &old), ESRCH);
    for (int fd : {go[0], go[1], report[0], report[1]})
        close(fd);
}

// A user's fork bomb stops at RLIMIT_NPROC with EAGAIN (root is exempt, as on Linux).
TEST(rlimit_nproc_stops_a_users_fork_bomb_with_eagain) {
    int status = in_child([] {
        rlimit limit{20, 20};
        if (setrlimit(RLIMIT_NPROC, &limit) != 0 || setuid(65534) != 0)
            return 1;
        int hold[2];
        if (pipe(hold) != 0)
            return 2;
        int children = 0, error = 0;
        for (; children < 100; ++children) {
            pid_t pid = fork();
            if (pid == 0) {
                close(hold[1]);
                char byte;
                while (read(hold[0], &byte, 1) > 0) {
                }
                _exit(0);
            }
            if (pid < 0) {
                error = errno;
                break;
            }
        }
        close(hold[1]);
        while (wait(nullptr) > 0) {
        }
        return error == EAGAIN && children < 20 ? 0 : 3;
    });
    EXPECT_EXITED(status, 0);
}

// execve's argument limits are Linux's: a string of 128 KiB (its NUL included) is too long, and all
// of them together may fill a quarter of the 8 MiB stack.

CHILD_SCENARIO(argument_lengths_are) {
    // argv: the expected count, then the strings whose total length is checked.
    long expected = atol(argv[0]);
    long total = 0;
    for (int i = 1; i < argc; ++i)
        total += static_cast<long>(strlen(argv[i]));
    return total == expected ? 0 : 1;
}

namespace {

// execve of this program's argument_lengths_are scenario with `count` strings of `length` bytes;
// the exec's errno, or the child's exit status when it ran.
int exec_with_arguments(int count, size_t length) {
    return in_child([=] {
        rlimit stack{8 << 20, RLIM_INFINITY};
        if (setrlimit(RLIMIT_STACK, &stack) != 0)
            return 100;
        char* text = static_cast<char*>(malloc(length + 1));
        char** argv = static_cast<char**>(malloc(sizeof(char*) * static_cast<size_t>(count + 5)));
        if (!text || !argv)
            return 101;
        memset(text, 'a', length);
        text[length] = 0;
        char expected[32];
        snprintf(expected, sizeof expected, "%ld", static_cast<long>(count) * static_cast<long>(length));
        argv[0] = const_cast<char*>("fork_test");
        argv[1] = const_cast<char*>("--child");
        argv[2] = const_cast<char*>("argument_lengths_are");
        argv[3] = expected;
        for (int i = 0; i < count; ++i)
            argv[4 + i] = text;
        argv[4 + count] = nullptr;
        execv("/proc/self/exe", argv);
        return errno == E2BIG ? 50 : 102;
    });
}

} // namespace

TEST(execve_takes_a_string_of_128_kib_with_its_nul_and_refuses_a_longer_one) {
    EXPECT_EXITED(exec_with_arguments(1, 128 * 1024 - 1), 0);
    EXPECT_EXITED(exec_with_arguments(1, 128 * 1024), 50);
}

TEST(execve_takes_one_and_a_half_mebibytes_of_arguments_and_refuses_three) {
    EXPECT_EXITED(exec_with_arguments(15, 100 * 1024), 0);
    EXPECT_EXITED(exec_with_arguments(30, 100 * 1024), 50);
}
