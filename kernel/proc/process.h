// Processes: a program's running instance, a thread group. A process has a pid (its main task's
// id), one or more threads (tasks sharing its address space, files and signal handlers), a parent,
// its children, open files, signal dispositions and, once its last thread has exited, a wait status
// in Linux's encoding that its parent collects with wait4. Its memory is its tasks' address space.
//
// Lifetime: each thread holds a reference until it exits; a parent holds one for each child until
// it has waited for it. A process with no parent process (started by the kernel) is freed as it
// exits; its exit code reaches the kernel through the TaskHandle.
//
// Locking: the process tree (parent and children links, states) is under one tree mutex; the file
// table has its own lock.
#pragma once

#include "arch/interrupts.h"
#include "fs/file_table.h"
#include "fs/fs_context.h"
#include "fs/vfs.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/intrusive_list.h"
#include "ktl/ref_ptr.h"
#include "ktl/vector.h"
#include "proc/executable.h"
#include "proc/limits.h"
#include "proc/loader.h"
#include "proc/signals.h"
#include "sched/task.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"

#include <cstdint>

namespace proc {

enum class ProcessState : uint8_t { Running, Zombie };

// The ids a process acts with (credentials(7)): real, effective, saved and file-system user and
// group ids, and the supplementary groups. Everyone starts as root.
struct Identity {
    uint32_t real_uid = 0, effective_uid = 0, saved_uid = 0, file_system_uid = 0;
    uint32_t real_gid = 0, effective_gid = 0, saved_gid = 0, file_system_gid = 0;
    uint32_t groups[fs::Credentials::max_groups] = {};
    uint32_t group_count = 0;
};

// argv and envp as the program was started with them, for /proc/[pid]/cmdline and environ: each
// string followed by its NUL, back to back, each list cut at max_recorded_argument_bytes as Linux's
// reads of the stack stop at a page-sized chunk boundary. Immutable once made; execve makes another.
struct RecordedArguments : ktl::RefCounted<RecordedArguments> {
    ktl::Vector<char> arguments;
    ktl::Vector<char> environment;
};
inline constexpr size_t max_recorded_argument_bytes = 128 * 1024;
ktl::ErrorOr<ktl::RefPtr<RecordedArguments>> record_arguments(const ProgramArguments& arguments);

// What /proc shows of a process's program, copied together so it never mixes two programs.
struct ProgramIdentity {
    char name[sched::task_name_capacity] = {};
    fs::Path executable_path; // null for a program the kernel built in memory
    ktl::RefPtr<RecordedArguments> arguments;
};

struct InChildren {};

class Process : public ktl::IntrusiveListNode<InChildren> {
public:
    uint64_t pid() const { return m_pid; }
    ktl::StringView name() const { return ktl::StringView(m_name); }
    fs::FileTable& files() { return *m_files; }
    fs::FsContext& fs_context() { return *m_fs_context; }
    // prctl(PR_SET_NAME): the name ps and /proc/PID/comm show, at most 15 bytes.
    void set_name(ktl::StringView name);
    // Who the process is, for permission checks: its file-system ids and groups.
    fs::Credentials credentials() const;
    // The ids, read and changed by the set*id calls under the process's own lock.
    Identity identity() const;
    void set_identity(const Identity& identity);
    // Resource limits, read and changed under the same lock. Setting RLIMIT_NOFILE also bounds the
    // file table.
    Limits limits() const;
    void set_limit(Resource resource, Limit limit);
    // A path walk's starting state: the root, the cwd (or `start` for a directory fd) and the umask.
    fs::Lookup lookup(const fs::Path* start = nullptr);
    // The parent's pid, or 0 when the kernel started it.
    uint64_t parent_pid();

    // For with_process's visitor only, which runs under the process tree's lock (parent_pid() would
    // take it again and deadlock).
    uint64_t parent_pid_locked() const;
    ProcessState state_locked() const { return m_state; }
    int wait_status_locked() const { return m_wait_status; }
    uint64_t exit_run_time_ns_locked() const { return m_run_time_ns; }
    uint64_t process_group_locked() const { return m_process_group; }
    uint64_t session_locked() const { return m_session; }

    // The program's name, path and arguments; safe against a concurrent execve.
    ProgramIdentity program_identity();

    // Signals (proc/signals.h): the dispositions, under signals.lock, and the mask the main task
    // starts with (clone copies the caller's; the running mask is the thread's).
    SignalAction signal_actions[signal_count];
    uint64_t blocked_signals = 0;
    ProcessSignals signals;

    // The program's file and its load bias, for fault reports' symbols (empty for a program the
    // kernel built in memory). Its path and arguments are in program_identity().
    ktl::ByteReader executable;
    ktl::RefPtr<ExecutableImage> executable_image;
    uint64_t load_bias = 0;

private:
    friend struct ProcessAccess;
    Process() = default;
    ~Process() = default;

    uint64_t m_pid = 0;
    char m_name[sched::task_name_capacity] = {};
    Process* m_parent = nullptr;
    ktl::IntrusiveList<Process, InChildren> m_children;
    ProcessState m_state = ProcessState::Running;
    int m_wait_status = 0;
    uint64_t m_run_time_ns = 0; // its threads', recorded as each exits (rusage)
    // Reaped children's run time, theirs included (getrusage's RUSAGE_CHILDREN, times).
    uint64_t m_children_run_time_ns = 0;
    // Job control: the process group and session ids (those of their leaders), inherited on fork.
    uint64_t m_process_group = 0;
    uint64_t m_session = 0;
    bool m_has_executed = false;    // setpgid on a child that has called execve: EACCES
    bool m_child_subreaper = false; // prctl(PR_SET_CHILD_SUBREAPER): adopts orphaned descendants
    uint32_t m_references = 0;
    // A child that exited: wait4 sleeps on this, counting with the generation.
    sched::WaitQueue m_child_events;
    uint64_t m_child_event_generation = 0;
    // vfork: the parent task sleeps until this child has exec'd or exited.
    sched::WaitQueue m_vfork_done_queue;
    bool m_vfork_pending = false;
    int m_exit_signal = 17; // clone's low byte: what the parent gets at exit (SIGCHLD; 0: nothing)
    Process* m_vfork_parent = nullptr;
    fs::RefPtr<fs::FileTable> m_files;
    fs::RefPtr<fs::FsContext> m_fs_context;
    mutable sync::Spinlock m_identity_lock; // the ids and the limits
    Identity m_identity;
    Limits m_limits = Limits::initial();
    // execve changes these while /proc reads them: the name (m_name), the path and the arguments.
    sync::Mutex m_program_lock;
    fs::Path m_executable_path;
    ktl::RefPtr<RecordedArguments> m_arguments;
};

// The process the running task belongs to; null for a kernel task.
Process* current_process();

// Starts the program at `path` as a new process with no parent process, its fds 0, 1 and 2 on
// /dev/console. The handle's join() returns 128 + signal for a process killed by a signal.
ktl::ErrorOr<sched::TaskHandle> spawn_program(ktl::StringView path, const ProgramArguments& arguments);

// The same for a program whose file is already in memory (kernel tests' embedded programs).
ktl::ErrorOr<sched::TaskHandle> spawn_program_image(ktl::StringView name, ktl::ByteReader file,
                                                    const ProgramArguments& arguments);

// The same for a program already in memory (takes over `program.address_space`'s reference).
ktl::ErrorOr<sched::TaskHandle> start_process(ktl::StringView name, const LoadedProgram& program);

// Writes the user stack's frames (a frame-pointer walk through user memory, symbolised from the
// program's ELF symbol table) for a fault report.
void write_user_backtrace(ktl::FormatSink& sink, const arch::InterruptFrame& frame);

// Turns the running kernel task (the boot task) into the first process, pid = its task id, with
// fds 0, 1 and 2 on /dev/console (opened through the VFS, as Linux does for init), and enters the
// program at `path`; returns only on failure. When that process exits, `on_exit(wait_status)` runs
// in its place and must not return.
ktl::Error become_first_process(ktl::StringView path, const ProgramArguments& arguments,
                                [[noreturn]] void (*on_exit)(int wait_status));

// clone(2) and clone3(2): fork (no CLONE_VM; the child gets a copy-on-write copy of the memory),
// vfork (CLONE_VM|CLONE_VFORK: the child borrows the memory until it calls execve or exits, while
// the caller sleeps; CLONE_VFORK alone also makes the caller wait) and threads (CLONE_THREAD with
// CLONE_VM, CLONE_FS, CLONE_FILES and CLONE_SIGHAND: a new task in the caller's process).
// CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID as Linux. `frame`
// is the caller's syscall frame; the child resumes from a copy of it with rax = 0 and its stack at
// `stack` (if non-zero). Returns the child's pid or tid. InvalidArgument for unknown flags and for
// the combinations Linux refuses (CLONE_THREAD without CLONE_SIGHAND, CLONE_SIGHAND without
// CLONE_VM); NotImplemented for sharing that is not a thread or a vfork (CLONE_VM, CLONE_FS,
// CLONE_FILES or CLONE_SIGHAND alone).
struct CloneRequest {
    uint64_t flags = 0;
    uint64_t stack = 0;
    uint64_t parent_tid_address = 0;
    uint64_t child_tid_address = 0;
    uint64_t thread_pointer = 0;
};
ktl::ErrorOr<long> clone_process(const CloneRequest& clone, const arch::InterruptFrame& frame);

// execve(2): replaces the running process's program. `frame` is rewritten to enter it. Fails, with
// the old program intact, if the file cannot be loaded.
ktl::ErrorOr<void> execute(ktl::StringView path, const ProgramArguments& arguments,
                           arch::InterruptFrame& frame);

// wait4(2) and waitid(2): which children, and which of their changes.
struct WaitRequest {
    enum class Selection : uint8_t { Any, Pid, Group };
    Selection selection = Selection::Any;
    uint64_t id = 0; // the pid or the process group (0: the caller's own group)
    bool no_hang = false;
    bool exited = true;     // report children that ended (WEXITED; wait4 always does)
    bool stopped = false;   // WUNTRACED / WSTOPPED: report a child's stop
    bool continued = false; // WCONTINUED: report a stopped child's continuing
    bool no_wait = false;   // WNOWAIT: report, but leave the child waitable
    // Linux's "clone children" are those whose exit signal is not SIGCHLD: only __WCLONE waits for
    // them, only for them; __WALL waits for both kinds.
    enum class Kind : uint8_t { Ordinary, Clone, All };
    Kind kind = Kind::Ordinary;
};
struct WaitResult {
    uint64_t pid = 0; // 0: no_hang and no child has changed
    int status = 0;   // Linux's wait status encoding
    uint64_t run_time_ns = 0;
    uint32_t real_uid = 0;
};
// NoChild when no child matches the selection.
ktl::ErrorOr<WaitResult> wait_for_child(const WaitRequest& request);

// A child stopped or continued (code CLD_STOPPED or CLD_CONTINUED): wakes its parent's wait and,
// unless the parent's SIGCHLD has SA_NOCLDSTOP, sends it SIGCHLD.
void notify_parent_of_job_control(Process& child, int32_t code, int signal);

// The run time of the caller's reaped children, theirs included.
uint64_t children_run_time_ns();
// The caller's process's run time: its threads', those that have exited included.
uint64_t process_run_time_ns();

// Process groups and sessions, with Linux's rules and errors. pid 0 means the caller.
ktl::ErrorOr<uint64_t> process_group_of(uint64_t pid);
ktl::ErrorOr<uint64_t> session_of(uint64_t pid);
// setpgid: `pid` is the caller or one of its children (ESRCH), in the caller's session (EPERM),
// not a session leader (EPERM), not past execve (EACCES); `group` 0 means `pid`, else a group
// that exists in that session (EPERM).
ktl::ErrorOr<void> set_process_group(uint64_t pid, uint64_t group);
// setsid: a new session and group led by the caller; EPERM for a process group leader.
ktl::ErrorOr<uint64_t> create_session();
// prctl(PR_SET_CHILD_SUBREAPER / PR_GET_CHILD_SUBREAPER).
void set_child_subreaper(bool on);
bool is_child_subreaper();
// How many processes (zombies included) have `real_uid` as their real user id: RLIMIT_NPROC.
size_t processes_of_user(uint32_t real_uid);

// Every live process in the group (zombies are past signals), for kill(-pgid); returns how many
// pids were written (at most `capacity`) and the group's size in `total`.
size_t list_group(uint64_t group, uint64_t* pids, size_t capacity, size_t& total);
// Job control (the terminal layer's questions): whether no member of `group` has a parent in another
// group of the same session (POSIX's orphaned process group), and whether `group` has a live member
// in `session`.
bool is_orphaned_process_group(uint64_t group);
bool process_group_in_session(uint64_t group, uint64_t session);
// Sends `signal` from the kernel (SI_KERNEL) to every live process of `group` (the first 64).
void signal_group_from_kernel(uint64_t group, int signal);
// The same for one process; false when there is no such process.
bool signal_process_from_kernel(uint64_t pid, int signal);
// What runs when a session leader exits, before it leaves the tree: the terminal layer hangs up the
// session's controlling terminal (a hook, so proc needs nothing from tty, which sits above it).
using SessionLeaderExitHook = void (*)(uint64_t session);
void set_session_leader_exit_hook(SessionLeaderExitHook hook);
// What /proc shows of a session's controlling terminal, answered by the terminal layer through a
// hook set at boot: false (and `facts` untouched) when the session has none.
struct ControllingTerminalFacts {
    uint64_t device = 0;     // fs::make_device numbering
    uint64_t foreground = 0; // the foreground process group, 0 when none
};
using ControllingTerminalQuery = bool (*)(uint64_t session, ControllingTerminalFacts& facts);
void set_controlling_terminal_query(ControllingTerminalQuery query);
bool controlling_terminal_facts(uint64_t session, ControllingTerminalFacts& facts);

// Ends the running process, every thread of it (exit_group, fatal signals, faults): `wait_status`
// in Linux's encoding ((code & 0xff) << 8 for an exit, the signal number for a kill). Logs
// "Process ending with code: N" for an exit.
[[noreturn]] void exit_current(int wait_status);
// exit(2): ends the running thread only; the last thread out ends the process with `wait_status`.
[[noreturn]] void exit_current_thread(int wait_status);

// Linux's encodings.
constexpr int exit_status(int code) {
    return (code & 0xff) << 8;
}
constexpr int killed_status(int signal) {
    return signal & 0x7f;
}
// The signal that ended the process (0 for an exit), and its exit code.
constexpr int terminating_signal(int wait_status) {
    return wait_status & 0x7f;
}
constexpr int exit_code_of(int wait_status) {
    return (wait_status >> 8) & 0xff;
}
// One number for both, as a shell's `$?` has it: the code, or 128 + the signal.
constexpr int shell_status(int wait_status) {
    return terminating_signal(wait_status) ? 128 + terminating_signal(wait_status)
                                           : exit_code_of(wait_status);
}

// How many processes exist (zombies included), for leak checks.
size_t process_count();

// The pid table: runs `visit` on the process with that pid (zombies included) under the process
// tree's lock, so it must not wait for other processes; NoSuchProcess if there is none.
ktl::ErrorOr<void> with_process(uint64_t pid, ktl::FunctionRef<void(Process&)> visit);
// The same for the process (thread group) that thread `tid` belongs to.
ktl::ErrorOr<void> with_thread_group(uint64_t tid, ktl::FunctionRef<void(Process&)> visit);
// Every process's pid, in increasing order, up to `capacity`; returns how many.
size_t list_pids(uint64_t* pids, size_t capacity);

// How many "#!" interpreters execve follows before giving up with ENOEXEC.
inline constexpr size_t max_interpreter_depth = 4;

// Opens the program file at `path` for execve: the caller must be allowed to execute it (a regular
// file with an execute bit, on a mount without noexec). Its image and its resolved path.
struct ExecutableFile {
    ktl::RefPtr<ExecutableImage> image;
    fs::Path path;
};
ktl::ErrorOr<ExecutableFile> open_executable(const fs::Lookup& lookup, ktl::StringView path);

} // namespace proc
