// The system calls blog_os implements, with Linux x86-64 numbers (arch/x86/entry/syscalls/
// syscall_64.tbl). The one list both the dispatch table and docs/syscalls.md's table come from:
// BLOG_OS_SYSCALL(number, name, summary). Handlers are syscalls::sys_<name>.
// Plain preprocessor text, so host tools can include it too.
#define BLOG_OS_SYSCALLS(BLOG_OS_SYSCALL)                                                                    \
    BLOG_OS_SYSCALL(0, read, "files, terminals, pipes, devices; EISDIR for a directory")                     \
    BLOG_OS_SYSCALL(1, write, "files (O_APPEND), terminals, pipes (EPIPE without a reader), devices")        \
    BLOG_OS_SYSCALL(2, open, "")                                                                             \
    BLOG_OS_SYSCALL(3, close, "")                                                                            \
    BLOG_OS_SYSCALL(4, stat, "")                                                                             \
    BLOG_OS_SYSCALL(5, fstat, "")                                                                            \
    BLOG_OS_SYSCALL(6, lstat, "")                                                                            \
    BLOG_OS_SYSCALL(7, poll, "pipes, terminals, files (always ready)")                                       \
    BLOG_OS_SYSCALL(8, lseek,                                                                                \
                    "SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE; ESPIPE on pipes and terminals")     \
    BLOG_OS_SYSCALL(9, mmap,                                                                                 \
                    "anonymous memory and files (MAP_SHARED, MAP_PRIVATE copy on write), demand paged")      \
    BLOG_OS_SYSCALL(10, mprotect, "")                                                                        \
    BLOG_OS_SYSCALL(11, munmap, "")                                                                          \
    BLOG_OS_SYSCALL(12, brk, "demand-paged heap after the program image")                                    \
    BLOG_OS_SYSCALL(13, rt_sigaction,                                                                        \
                    "SA_SIGINFO, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_ONSTACK; SA_RESTORER required")    \
    BLOG_OS_SYSCALL(14, rt_sigprocmask, "per thread")                                                        \
    BLOG_OS_SYSCALL(15, rt_sigreturn,                                                                        \
                    "restores registers, mask and FPU state; a bad frame kills with SIGSEGV")                \
    BLOG_OS_SYSCALL(16, ioctl,                                                                               \
                    "FIONREAD, FIONBIO, FIOCLEX, FIONCLEX; terminals: TCGETS, TCSETS*, TCFLSH, TIOCGWINSZ, " \
                    "TIOCSWINSZ, TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID, TIOCOUTQ; pty "       \
                    "masters: TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER; the request is 32 bits")        \
    BLOG_OS_SYSCALL(17, pread64, "")                                                                         \
    BLOG_OS_SYSCALL(18, pwrite64, "")                                                                        \
    BLOG_OS_SYSCALL(19, readv, "")                                                                           \
    BLOG_OS_SYSCALL(20, writev, "")                                                                          \
    BLOG_OS_SYSCALL(21, access, "real ids are the effective ones until set*id")                              \
    BLOG_OS_SYSCALL(22, pipe, "")                                                                            \
    BLOG_OS_SYSCALL(23, select, "")                                                                          \
    BLOG_OS_SYSCALL(24, sched_yield, "")                                                                     \
    BLOG_OS_SYSCALL(25, mremap, "grows in place or moves the pages (MREMAP_MAYMOVE, MREMAP_FIXED)")          \
    BLOG_OS_SYSCALL(26, msync, "shared mappings are the file's own pages: checks only")                      \
    BLOG_OS_SYSCALL(27, mincore, "present pages of a mapped range")                                          \
    BLOG_OS_SYSCALL(                                                                                         \
        28, madvise,                                                                                         \
        "MADV_DONTNEED and MADV_FREE drop the pages (zeros or the file after); the rest is advice")          \
    BLOG_OS_SYSCALL(32, dup, "")                                                                             \
    BLOG_OS_SYSCALL(33, dup2, "")                                                                            \
    BLOG_OS_SYSCALL(34, pause, "")                                                                           \
    BLOG_OS_SYSCALL(35, nanosleep, "")                                                                       \
    BLOG_OS_SYSCALL(36, getitimer, "")                                                                       \
    BLOG_OS_SYSCALL(37, alarm, "")                                                                           \
    BLOG_OS_SYSCALL(38, setitimer, "REAL, VIRTUAL and PROF")                                                 \
    BLOG_OS_SYSCALL(39, getpid, "")                                                                          \
    BLOG_OS_SYSCALL(40, sendfile, "")                                                                        \
    BLOG_OS_SYSCALL(56, clone,                                                                               \
                    "fork, vfork (posix_spawn), threads (CLONE_THREAD with VM, FS, FILES, SIGHAND); "        \
                    "SETTLS, PARENT/CHILD_SETTID, CHILD_CLEARTID")                                           \
    BLOG_OS_SYSCALL(57, fork, "copy-on-write")                                                               \
    BLOG_OS_SYSCALL(58, vfork, "")                                                                           \
    BLOG_OS_SYSCALL(59, execve, "any regular file with an execute bit, from the VFS")                        \
    BLOG_OS_SYSCALL(60, exit, "ends the calling thread; the last one ends the process")                      \
    BLOG_OS_SYSCALL(61, wait4, "a pid, a group or any child; WNOHANG, WUNTRACED, WCONTINUED; rusage times")  \
    BLOG_OS_SYSCALL(62, kill, "a pid, a process group, or -1 (all but init and the caller)")                 \
    BLOG_OS_SYSCALL(63, uname, "")                                                                           \
    BLOG_OS_SYSCALL(                                                                                         \
        72, fcntl,                                                                                           \
        "F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC, F_GETPIPE_SZ, "                       \
        "F_SETPIPE_SZ; record locks F_GETLK, F_SETLK, F_SETLKW and F_OFD_* (docs/file-locks.md)")            \
    BLOG_OS_SYSCALL(73, flock, "LOCK_SH, LOCK_EX, LOCK_UN, LOCK_NB; apart from fcntl locks, as Linux")       \
    BLOG_OS_SYSCALL(74, fsync,                                                                               \
                    "a block device writes its cached pages; ext2 writes the file's own blocks and inode, "  \
                    "then flushes the device (docs/ext2.md); tmpfs has nothing to write")                    \
    BLOG_OS_SYSCALL(75, fdatasync, "as fsync; ext2 leaves the inode out when only its timestamps changed")   \
    BLOG_OS_SYSCALL(76, truncate, "")                                                                        \
    BLOG_OS_SYSCALL(77, ftruncate, "")                                                                       \
    BLOG_OS_SYSCALL(79, getcwd, "")                                                                          \
    BLOG_OS_SYSCALL(80, chdir, "")                                                                           \
    BLOG_OS_SYSCALL(81, fchdir, "")                                                                          \
    BLOG_OS_SYSCALL(82, rename, "")                                                                          \
    BLOG_OS_SYSCALL(83, mkdir, "")                                                                           \
    BLOG_OS_SYSCALL(84, rmdir, "")                                                                           \
    BLOG_OS_SYSCALL(85, creat, "")                                                                           \
    BLOG_OS_SYSCALL(86, link, "")                                                                            \
    BLOG_OS_SYSCALL(87, unlink, "")                                                                          \
    BLOG_OS_SYSCALL(88, symlink, "")                                                                         \
    BLOG_OS_SYSCALL(89, readlink, "")                                                                        \
    BLOG_OS_SYSCALL(90, chmod, "")                                                                           \
    BLOG_OS_SYSCALL(91, fchmod, "")                                                                          \
    BLOG_OS_SYSCALL(92, chown, "")                                                                           \
    BLOG_OS_SYSCALL(93, fchown, "")                                                                          \
    BLOG_OS_SYSCALL(94, lchown, "")                                                                          \
    BLOG_OS_SYSCALL(95, umask, "")                                                                           \
    BLOG_OS_SYSCALL(96, gettimeofday, "also in the vDSO")                                                    \
    BLOG_OS_SYSCALL(97, getrlimit, "")                                                                       \
    BLOG_OS_SYSCALL(98, getrusage, "RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD: run times")                 \
    BLOG_OS_SYSCALL(99, sysinfo, "uptime, RAM total and free in bytes, process count; no swap or loads")     \
    BLOG_OS_SYSCALL(100, times, "in USER_HZ ticks")                                                          \
    BLOG_OS_SYSCALL(102, getuid, "everyone starts as root (0)")                                              \
    BLOG_OS_SYSCALL(104, getgid, "")                                                                         \
    BLOG_OS_SYSCALL(105, setuid, "")                                                                         \
    BLOG_OS_SYSCALL(106, setgid, "")                                                                         \
    BLOG_OS_SYSCALL(107, geteuid, "")                                                                        \
    BLOG_OS_SYSCALL(108, getegid, "")                                                                        \
    BLOG_OS_SYSCALL(109, setpgid, "")                                                                        \
    BLOG_OS_SYSCALL(110, getppid, "")                                                                        \
    BLOG_OS_SYSCALL(111, getpgrp, "")                                                                        \
    BLOG_OS_SYSCALL(112, setsid, "")                                                                         \
    BLOG_OS_SYSCALL(113, setreuid, "")                                                                       \
    BLOG_OS_SYSCALL(114, setregid, "")                                                                       \
    BLOG_OS_SYSCALL(115, getgroups, "")                                                                      \
    BLOG_OS_SYSCALL(116, setgroups, "up to 32 groups")                                                       \
    BLOG_OS_SYSCALL(117, setresuid, "")                                                                      \
    BLOG_OS_SYSCALL(118, getresuid, "")                                                                      \
    BLOG_OS_SYSCALL(119, setresgid, "")                                                                      \
    BLOG_OS_SYSCALL(120, getresgid, "")                                                                      \
    BLOG_OS_SYSCALL(121, getpgid, "")                                                                        \
    BLOG_OS_SYSCALL(122, setfsuid, "")                                                                       \
    BLOG_OS_SYSCALL(123, setfsgid, "")                                                                       \
    BLOG_OS_SYSCALL(124, getsid, "")                                                                         \
    BLOG_OS_SYSCALL(127, rt_sigpending, "")                                                                  \
    BLOG_OS_SYSCALL(128, rt_sigtimedwait, "")                                                                \
    BLOG_OS_SYSCALL(129, rt_sigqueueinfo, "")                                                                \
    BLOG_OS_SYSCALL(130, rt_sigsuspend, "")                                                                  \
    BLOG_OS_SYSCALL(131, sigaltstack, "SS_AUTODISARM")                                                       \
    BLOG_OS_SYSCALL(133, mknod, "regular files, FIFOs, sockets; devices as root")                            \
    BLOG_OS_SYSCALL(137, statfs, "")                                                                         \
    BLOG_OS_SYSCALL(138, fstatfs, "")                                                                        \
    BLOG_OS_SYSCALL(140, getpriority,                                                                        \
                    "PRIO_PROCESS (a thread), PRIO_PGRP, PRIO_USER; 20 - nice, as the raw call")             \
    BLOG_OS_SYSCALL(141, setpriority, "nice -20..19 per thread, EEVDF weights at once; lower only as root")  \
    BLOG_OS_SYSCALL(143, sched_getparam, "priority 0 (SCHED_OTHER)")                                         \
    BLOG_OS_SYSCALL(145, sched_getscheduler, "SCHED_OTHER, the only policy")                                 \
    BLOG_OS_SYSCALL(146, sched_get_priority_max, "")                                                         \
    BLOG_OS_SYSCALL(147, sched_get_priority_min, "")                                                         \
    BLOG_OS_SYSCALL(157, prctl, "PR_SET_NAME, PR_GET_NAME, dumpable and no-new-privs; others EINVAL")        \
    BLOG_OS_SYSCALL(158, arch_prctl, "ARCH_SET_FS, ARCH_GET_FS")                                             \
    BLOG_OS_SYSCALL(160, setrlimit, "NOFILE, NPROC and AS enforced")                                         \
    BLOG_OS_SYSCALL(161, chroot, "")                                                                         \
    BLOG_OS_SYSCALL(162, sync, "file systems, then every block device's cache")                              \
    BLOG_OS_SYSCALL(165, mount,                                                                              \
                    "tmpfs, devtmpfs and the other registered types; no bind, move or remount yet")          \
    BLOG_OS_SYSCALL(166, umount2, "EBUSY while in use; MNT_DETACH")                                          \
    BLOG_OS_SYSCALL(169, reboot,                                                                             \
                    "HALT, POWER_OFF (ACPI S5), RESTART, RESTART2 (FADT reset register, 0xCF9, 8042), "      \
                    "CAD_ON, CAD_OFF; root only")                                                            \
    BLOG_OS_SYSCALL(175, init_module, "a .ko (ELF relocatable) linked against the export table; root only")  \
    BLOG_OS_SYSCALL(176, delete_module,                                                                      \
                    "EWOULDBLOCK while in use, EBUSY without an exit function; root only")                   \
    BLOG_OS_SYSCALL(186, gettid, "")                                                                         \
    BLOG_OS_SYSCALL(200, tkill, "any thread, by tid")                                                        \
    BLOG_OS_SYSCALL(201, time, "the last tick's second, as the vDSO's")                                      \
    BLOG_OS_SYSCALL(202, futex,                                                                              \
                    "WAIT, WAKE, *_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP; shared file keys; PI: ENOSYS")     \
    BLOG_OS_SYSCALL(203, sched_setaffinity, "per thread, inherited; EINVAL without a processor that is up")  \
    BLOG_OS_SYSCALL(204, sched_getaffinity, "")                                                              \
    BLOG_OS_SYSCALL(217, getdents64, "")                                                                     \
    BLOG_OS_SYSCALL(218, set_tid_address, "zeroed and futex-woken at thread exit")                           \
    BLOG_OS_SYSCALL(222, timer_create, "REALTIME, MONOTONIC, BOOTTIME, CPU; SIGEV_SIGNAL, NONE, THREAD_ID")  \
    BLOG_OS_SYSCALL(223, timer_settime, "relative and TIMER_ABSTIME, periodic")                              \
    BLOG_OS_SYSCALL(224, timer_gettime, "")                                                                  \
    BLOG_OS_SYSCALL(225, timer_getoverrun, "")                                                               \
    BLOG_OS_SYSCALL(226, timer_delete, "")                                                                   \
    BLOG_OS_SYSCALL(                                                                                         \
        228, clock_gettime,                                                                                  \
        "REALTIME (CMOS clock at boot), MONOTONIC, BOOTTIME, _COARSE, CPU-time; also in the vDSO")           \
    BLOG_OS_SYSCALL(229, clock_getres, "")                                                                   \
    BLOG_OS_SYSCALL(230, clock_nanosleep, "relative and TIMER_ABSTIME")                                      \
    BLOG_OS_SYSCALL(231, exit_group, "ends every thread of the process")                                     \
    BLOG_OS_SYSCALL(234, tgkill, "")                                                                         \
    BLOG_OS_SYSCALL(235, utimes, "")                                                                         \
    BLOG_OS_SYSCALL(247, waitid, "P_ALL, P_PID, P_PGID; WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT")    \
    BLOG_OS_SYSCALL(257, openat, "")                                                                         \
    BLOG_OS_SYSCALL(258, mkdirat, "")                                                                        \
    BLOG_OS_SYSCALL(259, mknodat, "")                                                                        \
    BLOG_OS_SYSCALL(260, fchownat, "")                                                                       \
    BLOG_OS_SYSCALL(261, futimesat, "")                                                                      \
    BLOG_OS_SYSCALL(262, newfstatat, "AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH")                                   \
    BLOG_OS_SYSCALL(263, unlinkat, "AT_REMOVEDIR")                                                           \
    BLOG_OS_SYSCALL(264, renameat, "")                                                                       \
    BLOG_OS_SYSCALL(265, linkat, "AT_SYMLINK_FOLLOW, AT_EMPTY_PATH (root)")                                  \
    BLOG_OS_SYSCALL(266, symlinkat, "")                                                                      \
    BLOG_OS_SYSCALL(267, readlinkat, "")                                                                     \
    BLOG_OS_SYSCALL(268, fchmodat, "")                                                                       \
    BLOG_OS_SYSCALL(269, faccessat, "")                                                                      \
    BLOG_OS_SYSCALL(270, pselect6, "the signal mask holds while it waits")                                   \
    BLOG_OS_SYSCALL(271, ppoll, "the signal mask holds while it waits")                                      \
    BLOG_OS_SYSCALL(273, set_robust_list, "per thread; held mutexes get FUTEX_OWNER_DIED at thread exit")    \
    BLOG_OS_SYSCALL(274, get_robust_list, "")                                                                \
    BLOG_OS_SYSCALL(275, splice, "one end a pipe; copies")                                                   \
    BLOG_OS_SYSCALL(280, utimensat, "UTIME_NOW, UTIME_OMIT, futimens")                                       \
    BLOG_OS_SYSCALL(282, signalfd, "")                                                                       \
    BLOG_OS_SYSCALL(285, fallocate, "mode 0 and FALLOC_FL_KEEP_SIZE")                                        \
    BLOG_OS_SYSCALL(289, signalfd4, "SFD_CLOEXEC, SFD_NONBLOCK; reads and polls see the caller's signals")   \
    BLOG_OS_SYSCALL(292, dup3, "")                                                                           \
    BLOG_OS_SYSCALL(293, pipe2, "O_CLOEXEC, O_NONBLOCK")                                                     \
    BLOG_OS_SYSCALL(295, preadv, "")                                                                         \
    BLOG_OS_SYSCALL(296, pwritev, "")                                                                        \
    BLOG_OS_SYSCALL(297, rt_tgsigqueueinfo, "")                                                              \
    BLOG_OS_SYSCALL(302, prlimit64, "any process the caller may change (root, or all its ids)")              \
    BLOG_OS_SYSCALL(306, syncfs, "")                                                                         \
    BLOG_OS_SYSCALL(309, getcpu, "cpu 0, node 0 until SMP; also in the vDSO (RDTSCP/RDPID)")                 \
    BLOG_OS_SYSCALL(313, finit_module, "regular files; MODULE_INIT_COMPRESSED_FILE: EOPNOTSUPP; root only")  \
    BLOG_OS_SYSCALL(316, renameat2, "RENAME_NOREPLACE; EXCHANGE and WHITEOUT: EINVAL")                       \
    BLOG_OS_SYSCALL(318, getrandom, "ChaCha20 generator seeded from RDSEED/RDRAND and timing")               \
    BLOG_OS_SYSCALL(319, memfd_create, "MFD_CLOEXEC; no seals yet")                                          \
    BLOG_OS_SYSCALL(326, copy_file_range, "")                                                                \
    BLOG_OS_SYSCALL(332, statx, "basic stats and birth time")                                                \
    BLOG_OS_SYSCALL(435, clone3, "as clone; no pidfd, set_tid or cgroup")                                    \
    BLOG_OS_SYSCALL(436, close_range, "CLOSE_RANGE_CLOEXEC")                                                 \
    BLOG_OS_SYSCALL(437, openat2, "RESOLVE_* flags: EINVAL")                                                 \
    BLOG_OS_SYSCALL(439, faccessat2, "AT_EACCESS, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH")
