// Every system call's handler, with typed arguments: the dispatcher (syscalls.cpp) converts the raw
// registers to these types, UserPtr for user addresses. A handler that needs the caller's registers
// (clone, execve) takes the frame as its first parameter.
#pragma once

#include "arch/interrupts.h"
#include "ktl/error_or.h"
#include "mm/user_memory.h"

#include <cstddef>
#include <cstdint>

namespace syscalls {

using Result = ktl::ErrorOr<long>;
using Frame = arch::InterruptFrame;

struct IoVector {
    uint64_t base;
    uint64_t length;
};
static_assert(sizeof(IoVector) == 16);

struct Timespec {
    int64_t seconds;
    int64_t nanoseconds;
};
static_assert(sizeof(Timespec) == 16);

// Files (file_calls.cpp)
Result sys_read(int fd, mm::UserPtr<char> buffer, size_t length);
Result sys_write(int fd, mm::UserPtr<const char> buffer, size_t length);
Result sys_close(int fd);
Result sys_fstat(int fd, mm::UserPtr<uint8_t> status);
Result sys_lseek(int fd, int64_t offset, int whence);
Result sys_ioctl(int fd, uint64_t request, uint64_t argument);
Result sys_readv(int fd, mm::UserPtr<IoVector> vectors, int count);
Result sys_writev(int fd, mm::UserPtr<IoVector> vectors, int count);
Result sys_pipe(mm::UserPtr<int32_t> fds);
Result sys_pipe2(mm::UserPtr<int32_t> fds, uint32_t flags);
Result sys_dup(int fd);
Result sys_dup2(int fd, int new_fd);
Result sys_dup3(int fd, int new_fd, uint32_t flags);
Result sys_fcntl(int fd, int command, uint64_t argument);
Result sys_flock(int fd, uint32_t operation);
Result sys_pread64(int fd, mm::UserPtr<char> buffer, size_t length, int64_t offset);
Result sys_pwrite64(int fd, mm::UserPtr<const char> buffer, size_t length, int64_t offset);
Result sys_preadv(int fd, mm::UserPtr<IoVector> vectors, int count, int64_t offset);
Result sys_pwritev(int fd, mm::UserPtr<IoVector> vectors, int count, int64_t offset);
Result sys_close_range(unsigned first, unsigned last, unsigned flags);
Result sys_ftruncate(int fd, int64_t length);
Result sys_fallocate(int fd, int mode, int64_t offset, int64_t length);
Result sys_fsync(int fd);
Result sys_fdatasync(int fd);
Result sys_sync();
Result sys_syncfs(int fd);
Result sys_sendfile(int out_fd, int in_fd, mm::UserPtr<int64_t> offset, size_t count);
Result sys_copy_file_range(int in_fd, mm::UserPtr<int64_t> in_offset, int out_fd,
                           mm::UserPtr<int64_t> out_offset, size_t count, uint32_t flags);
Result sys_splice(int in_fd, mm::UserPtr<int64_t> in_offset, int out_fd, mm::UserPtr<int64_t> out_offset,
                  size_t count, uint32_t flags);
Result sys_memfd_create(mm::UserPtr<const char> name, uint32_t flags);

// Waiting on descriptors (poll_calls.cpp)
Result sys_poll(mm::UserPtr<uint8_t> fds, uint64_t count, int timeout_ms);
Result sys_ppoll(mm::UserPtr<uint8_t> fds, uint64_t count, mm::UserPtr<Timespec> timeout,
                 mm::UserPtr<uint64_t> signal_mask, size_t mask_size);
Result sys_select(int count, mm::UserPtr<uint64_t> read_set, mm::UserPtr<uint64_t> write_set,
                  mm::UserPtr<uint64_t> except_set, mm::UserPtr<int64_t> timeout);
Result sys_pselect6(int count, mm::UserPtr<uint64_t> read_set, mm::UserPtr<uint64_t> write_set,
                    mm::UserPtr<uint64_t> except_set, mm::UserPtr<Timespec> timeout,
                    mm::UserPtr<uint64_t> signal_data);

// Paths (path_calls.cpp)
Result sys_open(mm::UserPtr<const char> path, uint32_t flags, uint32_t mode);
Result sys_openat(int dirfd, mm::UserPtr<const char> path, uint32_t flags, uint32_t mode);
Result sys_openat2(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<uint64_t> how, size_t size);
Result sys_creat(mm::UserPtr<const char> path, uint32_t mode);
Result sys_stat(mm::UserPtr<const char> path, mm::UserPtr<uint8_t> status);
Result sys_lstat(mm::UserPtr<const char> path, mm::UserPtr<uint8_t> status);
Result sys_newfstatat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<uint8_t> status, uint32_t flags);
Result sys_statx(int dirfd, mm::UserPtr<const char> path, uint32_t flags, uint32_t mask,
                 mm::UserPtr<uint8_t> buffer);
Result sys_getdents64(int fd, mm::UserPtr<uint8_t> buffer, size_t length);
Result sys_mkdir(mm::UserPtr<const char> path, uint32_t mode);
Result sys_mkdirat(int dirfd, mm::UserPtr<const char> path, uint32_t mode);
Result sys_mknod(mm::UserPtr<const char> path, uint32_t mode, uint64_t device);
Result sys_mknodat(int dirfd, mm::UserPtr<const char> path, uint32_t mode, uint64_t device);
Result sys_rmdir(mm::UserPtr<const char> path);
Result sys_unlink(mm::UserPtr<const char> path);
Result sys_unlinkat(int dirfd, mm::UserPtr<const char> path, uint32_t flags);
Result sys_rename(mm::UserPtr<const char> old_path, mm::UserPtr<const char> new_path);
Result sys_renameat(int old_dirfd, mm::UserPtr<const char> old_path, int new_dirfd,
                    mm::UserPtr<const char> new_path);
Result sys_renameat2(int old_dirfd, mm::UserPtr<const char> old_path, int new_dirfd,
                     mm::UserPtr<const char> new_path, uint32_t flags);
Result sys_link(mm::UserPtr<const char> old_path, mm::UserPtr<const char> new_path);
Result sys_linkat(int old_dirfd, mm::UserPtr<const char> old_path, int new_dirfd,
                  mm::UserPtr<const char> new_path, uint32_t flags);
Result sys_symlink(mm::UserPtr<const char> target, mm::UserPtr<const char> path);
Result sys_symlinkat(mm::UserPtr<const char> target, int dirfd, mm::UserPtr<const char> path);
Result sys_readlink(mm::UserPtr<const char> path, mm::UserPtr<char> buffer, int size);
Result sys_readlinkat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<char> buffer, int size);
Result sys_chdir(mm::UserPtr<const char> path);
Result sys_fchdir(int fd);
Result sys_chroot(mm::UserPtr<const char> path);
Result sys_getcwd(mm::UserPtr<char> buffer, size_t size);
Result sys_umask(uint32_t mask);
Result sys_access(mm::UserPtr<const char> path, uint32_t mode);
Result sys_faccessat(int dirfd, mm::UserPtr<const char> path, uint32_t mode);
Result sys_faccessat2(int dirfd, mm::UserPtr<const char> path, uint32_t mode, uint32_t flags);
Result sys_chmod(mm::UserPtr<const char> path, uint32_t mode);
Result sys_fchmod(int fd, uint32_t mode);
Result sys_fchmodat(int dirfd, mm::UserPtr<const char> path, uint32_t mode);
Result sys_chown(mm::UserPtr<const char> path, int32_t uid, int32_t gid);
Result sys_fchown(int fd, int32_t uid, int32_t gid);
Result sys_lchown(mm::UserPtr<const char> path, int32_t uid, int32_t gid);
Result sys_fchownat(int dirfd, mm::UserPtr<const char> path, int32_t uid, int32_t gid, uint32_t flags);
Result sys_utimensat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<Timespec> times, uint32_t flags);
Result sys_futimesat(int dirfd, mm::UserPtr<const char> path, mm::UserPtr<int64_t> times);
Result sys_utimes(mm::UserPtr<const char> path, mm::UserPtr<int64_t> times);
Result sys_truncate(mm::UserPtr<const char> path, int64_t length);
Result sys_statfs(mm::UserPtr<const char> path, mm::UserPtr<uint8_t> buffer);
Result sys_fstatfs(int fd, mm::UserPtr<uint8_t> buffer);
Result sys_mount(mm::UserPtr<const char> source, mm::UserPtr<const char> target, mm::UserPtr<const char> type,
                 uint64_t flags, mm::UserPtr<const char> data);
Result sys_umount2(mm::UserPtr<const char> target, uint32_t flags);

// Memory (memory_calls.cpp)
Result sys_brk(uint64_t address);
Result sys_mmap(uint64_t address, uint64_t length, uint64_t protection, uint64_t flags, int fd,
                uint64_t offset);
Result sys_munmap(uint64_t address, uint64_t length);
Result sys_mprotect(uint64_t address, uint64_t length, uint64_t protection);
Result sys_madvise(uint64_t address, uint64_t length, int advice);
Result sys_mincore(uint64_t address, uint64_t length, mm::UserPtr<uint8_t> vector);
Result sys_msync(uint64_t address, uint64_t length, int flags);
Result sys_mremap(uint64_t old_address, uint64_t old_length, uint64_t new_length, uint64_t flags,
                  uint64_t new_address);

// Processes (process_calls.cpp)
Result sys_exit(int code);
Result sys_exit_group(int code);
Result sys_getpid();
Result sys_getppid();
Result sys_gettid();
Result sys_set_tid_address(mm::UserPtr<int32_t> address);
Result sys_clone(Frame& frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
                 uint64_t tls);
Result sys_clone3(Frame& frame, mm::UserPtr<uint8_t> arguments, size_t size);
Result sys_fork(Frame& frame);
Result sys_vfork(Frame& frame);
Result sys_execve(Frame& frame, mm::UserPtr<const char> path, mm::UserPtr<uint64_t> argv,
                  mm::UserPtr<uint64_t> envp);
Result sys_wait4(int pid, mm::UserPtr<int32_t> status, int options, mm::UserPtr<uint8_t> usage);
Result sys_alarm(unsigned seconds);
Result sys_getitimer(int which, mm::UserPtr<uint8_t> value);
Result sys_setitimer(int which, mm::UserPtr<uint8_t> new_value, mm::UserPtr<uint8_t> old_value);
Result sys_timer_create(int clock, mm::UserPtr<uint8_t> event, mm::UserPtr<int32_t> timer_id);
Result sys_timer_settime(int timer_id, int flags, mm::UserPtr<uint8_t> new_value,
                         mm::UserPtr<uint8_t> old_value);
Result sys_timer_gettime(int timer_id, mm::UserPtr<uint8_t> value);
Result sys_timer_getoverrun(int timer_id);
Result sys_timer_delete(int timer_id);
Result sys_waitid(int id_type, int id, mm::UserPtr<uint8_t> information, int options,
                  mm::UserPtr<uint8_t> usage);
Result sys_getrusage(int who, mm::UserPtr<uint8_t> usage);
Result sys_times(mm::UserPtr<uint8_t> buffer);
Result sys_setpgid(int pid, int group);
Result sys_getpgid(int pid);
Result sys_getpgrp();
Result sys_setsid();
Result sys_getsid(int pid);
Result sys_sched_yield();
Result sys_getpriority(int which, int who);
Result sys_setpriority(int which, int who, int nice);
Result sys_sched_getparam(int pid, mm::UserPtr<int32_t> parameter);
Result sys_sched_getscheduler(int pid);
Result sys_sched_get_priority_max(int policy);
Result sys_sched_get_priority_min(int policy);
Result sys_sched_setaffinity(int pid, uint64_t length, mm::UserPtr<uint8_t> mask);
Result sys_sched_getaffinity(int pid, uint64_t length, mm::UserPtr<uint8_t> mask);
Result sys_arch_prctl(int code, uint64_t address);
Result sys_prctl(int option, uint64_t argument2, uint64_t argument3, uint64_t argument4, uint64_t argument5);
Result sys_uname(mm::UserPtr<uint8_t> name);
Result sys_sysinfo(mm::UserPtr<uint8_t> info);
Result sys_getuid();
Result sys_getgid();
Result sys_geteuid();
Result sys_getegid();
Result sys_setuid(uint32_t uid);
Result sys_setgid(uint32_t gid);
Result sys_setreuid(uint32_t real, uint32_t effective);
Result sys_setregid(uint32_t real, uint32_t effective);
Result sys_setresuid(uint32_t real, uint32_t effective, uint32_t saved);
Result sys_setresgid(uint32_t real, uint32_t effective, uint32_t saved);
Result sys_getresuid(mm::UserPtr<uint32_t> real, mm::UserPtr<uint32_t> effective,
                     mm::UserPtr<uint32_t> saved);
Result sys_getresgid(mm::UserPtr<uint32_t> real, mm::UserPtr<uint32_t> effective,
                     mm::UserPtr<uint32_t> saved);
Result sys_setfsuid(uint32_t uid);
Result sys_setfsgid(uint32_t gid);
Result sys_getgroups(int size, mm::UserPtr<uint32_t> list);
Result sys_setgroups(int size, mm::UserPtr<uint32_t> list);
Result sys_getrlimit(int resource, mm::UserPtr<uint64_t> limit);
Result sys_setrlimit(int resource, mm::UserPtr<uint64_t> limit);
Result sys_prlimit64(int pid, int resource, mm::UserPtr<uint64_t> new_limit, mm::UserPtr<uint64_t> old_limit);
Result sys_getrandom(mm::UserPtr<uint8_t> buffer, size_t length, uint32_t flags);

// Signals (signal_calls.cpp)
Result sys_rt_sigaction(int signal, mm::UserPtr<uint8_t> action, mm::UserPtr<uint8_t> old_action,
                        size_t set_size);
Result sys_rt_sigprocmask(int how, mm::UserPtr<uint64_t> set, mm::UserPtr<uint64_t> old_set, size_t set_size);
Result sys_rt_sigreturn(Frame& frame);
Result sys_rt_sigpending(mm::UserPtr<uint64_t> set, size_t set_size);
Result sys_signalfd(int fd, mm::UserPtr<uint64_t> set, size_t set_size);
Result sys_signalfd4(int fd, mm::UserPtr<uint64_t> set, size_t set_size, uint32_t flags);
Result sys_rt_sigtimedwait(mm::UserPtr<uint64_t> set, mm::UserPtr<uint8_t> info,
                           mm::UserPtr<Timespec> timeout, size_t set_size);
Result sys_rt_sigqueueinfo(int pid, int signal, mm::UserPtr<uint8_t> info);
Result sys_rt_tgsigqueueinfo(int group, int tid, int signal, mm::UserPtr<uint8_t> info);
Result sys_rt_sigsuspend(mm::UserPtr<uint64_t> set, size_t set_size);
Result sys_sigaltstack(Frame& frame, mm::UserPtr<uint8_t> stack, mm::UserPtr<uint8_t> old_stack);
Result sys_pause();
Result sys_kill(int pid, int signal);
Result sys_tkill(int tid, int signal);
Result sys_tgkill(int group, int tid, int signal);

// Time (time_calls.cpp)
Result sys_clock_gettime(int clock, mm::UserPtr<Timespec> time);
Result sys_clock_getres(int clock, mm::UserPtr<Timespec> resolution);
Result sys_gettimeofday(mm::UserPtr<int64_t> time, uint64_t timezone);
Result sys_time(mm::UserPtr<int64_t> time);
Result sys_getcpu(mm::UserPtr<uint32_t> cpu, mm::UserPtr<uint32_t> node, uint64_t cache);
Result sys_nanosleep(mm::UserPtr<Timespec> duration, mm::UserPtr<Timespec> remaining);
Result sys_clock_nanosleep(int clock, int flags, mm::UserPtr<Timespec> time, mm::UserPtr<Timespec> remaining);

// Halting, powering off and restarting the machine (power_calls.cpp)
Result sys_reboot(uint32_t magic1, uint32_t magic2, uint32_t command, mm::UserPtr<const char> argument);

// Loadable modules (module_calls.cpp)
Result sys_init_module(mm::UserPtr<const uint8_t> image, uint64_t length, mm::UserPtr<const char> parameters);
Result sys_finit_module(int fd, mm::UserPtr<const char> parameters, int flags);
Result sys_delete_module(mm::UserPtr<const char> name, uint32_t flags);

// Futexes and robust lists (futex_calls.cpp)
Result sys_futex(mm::UserPtr<uint32_t> word, int operation, uint32_t value, uint64_t timeout_or_count,
                 mm::UserPtr<uint32_t> word2, uint32_t value3);
Result sys_set_robust_list(mm::UserPtr<uint64_t> head, size_t length);
Result sys_get_robust_list(int tid, mm::UserPtr<uint64_t> head, mm::UserPtr<uint64_t> length);

} // namespace syscalls
