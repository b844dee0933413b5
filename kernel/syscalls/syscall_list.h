// The system calls blog_os implements, with Linux x86-64 numbers (arch/x86/entry/syscalls/
// syscall_64.tbl). The one list both the dispatch table and docs/syscalls.md's table come from:
// BLOG_OS_SYSCALL(number, name, summary). Handlers are syscalls::sys_<name>.
// Plain preprocessor text, so host tools can include it too.
#define BLOG_OS_SYSCALLS(BLOG_OS_SYSCALL)                                                                    \
    BLOG_OS_SYSCALL(0, read, "terminal (line discipline) and pipes")                                         \
    BLOG_OS_SYSCALL(1, write, "terminal and pipes; EPIPE without a reader")                                  \
    BLOG_OS_SYSCALL(3, close, "")                                                                            \
    BLOG_OS_SYSCALL(5, fstat, "terminal (character device) and pipes (FIFO)")                                \
    BLOG_OS_SYSCALL(8, lseek, "ESPIPE: nothing seekable yet")                                                \
    BLOG_OS_SYSCALL(9, mmap, "anonymous private memory, demand paged; hint and MAP_FIXED")                   \
    BLOG_OS_SYSCALL(10, mprotect, "")                                                                        \
    BLOG_OS_SYSCALL(11, munmap, "")                                                                          \
    BLOG_OS_SYSCALL(12, brk, "demand-paged heap after the program image")                                    \
    BLOG_OS_SYSCALL(13, rt_sigaction, "recorded; delivery comes with signals")                               \
    BLOG_OS_SYSCALL(14, rt_sigprocmask, "recorded")                                                          \
    BLOG_OS_SYSCALL(16, ioctl, "terminal: TCGETS, TCSETS*, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP, FIONREAD")     \
    BLOG_OS_SYSCALL(19, readv, "")                                                                           \
    BLOG_OS_SYSCALL(20, writev, "")                                                                          \
    BLOG_OS_SYSCALL(22, pipe, "")                                                                            \
    BLOG_OS_SYSCALL(24, sched_yield, "")                                                                     \
    BLOG_OS_SYSCALL(28, madvise, "accepted; advice only")                                                    \
    BLOG_OS_SYSCALL(32, dup, "")                                                                             \
    BLOG_OS_SYSCALL(33, dup2, "")                                                                            \
    BLOG_OS_SYSCALL(35, nanosleep, "")                                                                       \
    BLOG_OS_SYSCALL(39, getpid, "")                                                                          \
    BLOG_OS_SYSCALL(56, clone, "CLONE_VM|CLONE_VFORK (posix_spawn); fork and threads: ENOSYS")               \
    BLOG_OS_SYSCALL(57, fork, "ENOSYS until copy-on-write")                                                  \
    BLOG_OS_SYSCALL(58, vfork, "")                                                                           \
    BLOG_OS_SYSCALL(59, execve, "programs from the initrd")                                                  \
    BLOG_OS_SYSCALL(60, exit, "")                                                                            \
    BLOG_OS_SYSCALL(61, wait4, "any child or one pid; WNOHANG; rusage times")                                \
    BLOG_OS_SYSCALL(62, kill, "to itself: the default action; others: ENOSYS until signals")                 \
    BLOG_OS_SYSCALL(63, uname, "")                                                                           \
    BLOG_OS_SYSCALL(72, fcntl, "F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC")               \
    BLOG_OS_SYSCALL(96, gettimeofday, "also in the vDSO")                                                    \
    BLOG_OS_SYSCALL(97, getrlimit, "")                                                                       \
    BLOG_OS_SYSCALL(99, sysinfo, "uptime, RAM total and free in bytes, process count; no swap or loads")     \
    BLOG_OS_SYSCALL(102, getuid, "always root (0)")                                                          \
    BLOG_OS_SYSCALL(104, getgid, "")                                                                         \
    BLOG_OS_SYSCALL(107, geteuid, "")                                                                        \
    BLOG_OS_SYSCALL(108, getegid, "")                                                                        \
    BLOG_OS_SYSCALL(110, getppid, "")                                                                        \
    BLOG_OS_SYSCALL(158, arch_prctl, "ARCH_SET_FS, ARCH_GET_FS")                                             \
    BLOG_OS_SYSCALL(186, gettid, "")                                                                         \
    BLOG_OS_SYSCALL(200, tkill, "as kill, to itself")                                                        \
    BLOG_OS_SYSCALL(201, time, "the last tick's second, as the vDSO's")                                      \
    BLOG_OS_SYSCALL(218, set_tid_address, "")                                                                \
    BLOG_OS_SYSCALL(                                                                                         \
        228, clock_gettime,                                                                                  \
        "REALTIME (CMOS clock at boot), MONOTONIC, BOOTTIME, _COARSE, CPU-time; also in the vDSO")           \
    BLOG_OS_SYSCALL(229, clock_getres, "")                                                                   \
    BLOG_OS_SYSCALL(230, clock_nanosleep, "relative and TIMER_ABSTIME")                                      \
    BLOG_OS_SYSCALL(231, exit_group, "")                                                                     \
    BLOG_OS_SYSCALL(234, tgkill, "as kill, to itself")                                                       \
    BLOG_OS_SYSCALL(292, dup3, "")                                                                           \
    BLOG_OS_SYSCALL(293, pipe2, "O_CLOEXEC, O_NONBLOCK")                                                     \
    BLOG_OS_SYSCALL(302, prlimit64, "its own limits: read; setting accepted within the hard limit")          \
    BLOG_OS_SYSCALL(309, getcpu, "cpu 0, node 0 until SMP; also in the vDSO (RDTSCP/RDPID)")                 \
    BLOG_OS_SYSCALL(318, getrandom, "ChaCha20 generator seeded from RDSEED/RDRAND and timing")
