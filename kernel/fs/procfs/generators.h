// procfs's file contents: one function per kind of file, each writing the whole text (Linux's
// format, byte for byte where tools parse it) into a StringBuilder. Shared by procfs.cpp (the
// inodes) and the two files that generate (system_files.cpp, process_files.cpp).
#pragma once

#include "fs/mount.h"
#include "ktl/error_or.h"
#include "ktl/string_builder.h"

#include <cstdint>

namespace fs::procfs {

// What a procfs inode is.
enum class Kind : uint8_t {
    Root,
    Self,
    ThreadSelf,
    MountsLink,
    SysDirectory,
    SysKernelDirectory,
    // Files about the whole system.
    Meminfo,
    Uptime,
    Loadavg,
    Stat,
    Interrupts,
    Cpuinfo,
    Version,
    Filesystems,
    Modules,
    Partitions,
    Cmdline,
    Hostname,
    Ostype,
    Osrelease,
    PidMax,
    // A process's directory and what is in it (also inside task/[tid]/).
    ProcessDirectory,
    ProcessStat,
    ProcessStatm,
    ProcessStatus,
    ProcessCmdline,
    ProcessEnviron,
    ProcessComm,
    ProcessExe,
    ProcessCwd,
    ProcessRoot,
    ProcessFdDirectory,
    ProcessFd,
    ProcessMaps,
    ProcessMounts,
    ProcessTaskDirectory,
    TaskDirectory,
};

void set_kernel_command_line(ktl::StringView text);

// The text of a system-wide file.
ktl::ErrorOr<void> generate_system_file(Kind kind, ktl::StringBuilder& out);
// The text of a file about process `pid` (NoEntry once it has gone).
ktl::ErrorOr<void> generate_process_file(Kind kind, uint64_t pid, ktl::StringBuilder& out);
// The target of a process's exe, cwd or root link, or of its fd `fd`, as the reader sees it.
ktl::ErrorOr<ktl::String> process_link_target(Kind kind, uint64_t pid, int fd);
// The place that link leads to, for a walk through it; false when it names no file (a pipe end).
ktl::ErrorOr<bool> process_link_destination(Kind kind, uint64_t pid, int fd, Path& destination);
// Whether process `pid` exists (zombies included); whether it has `fd` open.
bool process_exists(uint64_t pid);
bool process_has_fd(uint64_t pid, int fd);
// The process's open fds from `from` on, in order, until `visit` returns false. NoEntry if it has gone.
ktl::ErrorOr<void> for_each_fd(uint64_t pid, int from, ktl::FunctionRef<bool(int fd)> visit);

// /proc/mounts' lines: "source mountpoint type options 0 0".
void write_mounts(ktl::StringBuilder& out);

} // namespace fs::procfs
