#include "proc/process.h"
#include "proc/timers.h"

#include "arch/user_mode.h"
#include "console/log.h"
#include "demangle/demangle.h"
#include "elf/elf_file.h"
#include "ktl/hash_map.h"
#include "ktl/own_ptr.h"
#include "ktl/vector.h"
#include "mm/physical.h"
#include "mm/user_memory.h"
#include "proc/thread_exit.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"

#include <cstring>
#include <new>

namespace proc {

namespace {

constexpr ktl::StringView log_subsystem = "proc";
constexpr uint64_t clone_vm = 0x100, clone_fs = 0x200, clone_files = 0x400, clone_sighand = 0x800,
                   clone_vfork = 0x4000, clone_thread = 0x10000, clone_sysvsem = 0x40000,
                   clone_settls = 0x80000, clone_parent_settid = 0x100000, clone_child_cleartid = 0x200000,
                   clone_detached = 0x400000, clone_child_settid = 0x1000000, exit_signal_mask = 0xff;
// What a thread shares with its group; one file table, fs context and handler table a process.
constexpr uint64_t thread_sharing = clone_vm | clone_fs | clone_files | clone_sighand;

sync::Mutex tree_lock; // parent/children links, states, references, the pid tables, the counters below
size_t processes_alive;
ktl::HashMap<uint64_t, Process*>* pid_table; // under tree_lock; made on first use
// Threads other than a group's main one, by tid, for tkill (under tree_lock, made on first use).
// An entry holds no reference: the thread removes it before dropping its own.
ktl::HashMap<uint64_t, Process*>* thread_table;
Process* first_process;
[[noreturn]] void (*first_process_exit)(int wait_status);
SessionLeaderExitHook session_leader_exit_hook;      // set once at boot, before any process runs
ControllingTerminalQuery controlling_terminal_query; // likewise

void copy_name(char (&destination)[sched::task_name_capacity], ktl::StringView name) {
    size_t length =
        name.length() < sched::task_name_capacity - 1 ? name.length() : sched::task_name_capacity - 1;
    memcpy(destination, name.data(), length);
    destination[length] = 0;
}

ktl::StringView base_name(ktl::StringView path) {
    size_t slash = path.length();
    while (slash > 0 && path[slash - 1] != '/')
        --slash;
    return path.substring(slash);
}

// How a new process's main task starts: from a fresh program, or from a copy of its parent's frame.
struct StartRequest {
    Process* process;
    bool from_frame;
    uint64_t entry;
    uint64_t stack_pointer;
    uint64_t thread_pointer;
    arch::InterruptFrame frame;
    uint64_t child_tid_address;   // CLONE_CHILD_SETTID: where the child writes its tid first thing
    uint64_t clear_child_tid = 0; // CLONE_CHILD_CLEARTID
};

// How a new thread starts: in `process`, with `thread` as its signal state, from a copy of the
// creator's frame.
struct ThreadStartRequest {
    Process* process;
    ThreadSignals* thread;
    arch::InterruptFrame frame;
    uint64_t thread_pointer;
    uint64_t child_tid_address;
    uint64_t clear_child_tid;
    uint64_t mask;
};

} // namespace

// The parts of Process only this file touches.
struct ProcessAccess {
    // A process with a file table and file-system context: copies of `parent`'s, or fresh ones
    // at the root for a process the kernel starts.
    static Process* create(ktl::StringView name, Process* parent) {
        auto* process = new (std::nothrow) Process;
        if (!process)
            return nullptr;
        copy_name(process->m_name, name);
        process->m_references = parent ? 2 : 1; // the main task's, and the parent's
        auto files = parent ? parent->m_files->clone() : ktl::try_make_ref_counted<fs::FileTable>();
        auto context = parent ? parent->m_fs_context->clone()
                              : ktl::try_make_ref_counted<fs::FsContext>(fs::root_path(), fs::root_path());
        if (files.is_error() || context.is_error()) {
            delete process;
            return nullptr;
        }
        process->m_files = files.release_value();
        process->m_fs_context = context.release_value();
        if (parent) {
            process->m_identity = parent->identity();
            process->m_limits = parent->limits();
        }
        return process;
    }

    // Under the tree lock. Frees the process when the last reference goes.
    static void drop_reference_locked(Process* process) {
        if (--process->m_references > 0)
            return;
        --processes_alive;
        if (pid_table && process->m_pid) {
            Process** entry = pid_table->get(process->m_pid);
            if (entry && *entry == process)
                pid_table->remove(process->m_pid);
        }
        delete process;
    }

    // Gives the process its pid and enters it in the pid table (best effort: a process missing there
    // is only invisible to /proc and kill). A forked child's parent and the child both do, whichever
    // runs first: wait4 and kill must find the child as soon as fork returns.
    static void publish_pid(Process* process, uint64_t pid) {
        sync::MutexLocker locker(tree_lock);
        process->m_pid = pid;
        if (process->m_process_group == 0) // started by the kernel: leads its own group and session
            process->m_process_group = process->m_session = pid;
        if (!pid_table)
            pid_table = new (std::nothrow) ktl::HashMap<uint64_t, Process*>;
        if (pid_table)
            (void)pid_table->try_set(process->m_pid, process);
    }

    static void link_child_locked(Process* parent, Process* child) {
        child->m_parent = parent;
        child->m_process_group = parent->m_process_group;
        child->m_session = parent->m_session;
        parent->m_children.push_back(*child);
        ++processes_alive;
    }

    static void mark_executed_locked(Process* process) { process->m_has_executed = true; }
    static bool& child_subreaper_locked(Process* process) { return process->m_child_subreaper; }
    static uint64_t children_run_time_locked(Process* process) { return process->m_children_run_time_ns; }

    static void release_vfork_parent_locked(Process* process) {
        if (!process->m_vfork_pending)
            return;
        process->m_vfork_pending = false;
        process->m_vfork_done_queue.wake_all();
    }

    static void notify_parent_locked(Process* parent) {
        __atomic_add_fetch(&parent->m_child_event_generation, 1, __ATOMIC_RELEASE);
        parent->m_child_events.wake_all();
    }

    // Children of an exiting process go to its nearest living ancestor that asked to be a subreaper,
    // else to the first process, as Linux gives them to init; with neither they are on their own
    // and freed as they exit.
    static void reparent_children_locked(Process* process) {
        Process* adopter = first_process && first_process != process ? first_process : nullptr;
        for (Process* ancestor = process->m_parent; ancestor; ancestor = ancestor->m_parent) {
            if (ancestor->m_child_subreaper && ancestor->m_state == ProcessState::Running) {
                adopter = ancestor;
                break;
            }
        }
        while (Process* child = process->m_children.pop_front()) {
            if (int signal = __atomic_load_n(&child->signals.parent_death_signal, __ATOMIC_RELAXED)) {
                SignalInfo info{};
                info.signal = signal;
                info.code = si_user;
                info.sender.pid = static_cast<int32_t>(process->m_pid);
                (void)send_signal(*child, info);
            }
            if (adopter) {
                child->m_parent = adopter;
                child->m_exit_signal = sigchld; // a stepparent hears of it the ordinary way, as on Linux
                adopter->m_children.push_back(*child);
                if (child->m_state == ProcessState::Zombie)
                    notify_parent_locked(adopter);
            } else {
                child->m_parent = nullptr;
                drop_reference_locked(child); // the parent's reference
            }
        }
    }

    // Undoes create() (and link_child_locked) for a process that never ran.
    static void discard(Process* process) {
        if (process->m_files)
            process->m_files->close_all();
        sync::MutexLocker locker(tree_lock);
        if (process->m_parent)
            process->m_parent->m_children.remove(*process);
        else
            ++processes_alive; // drop_reference_locked counts it down
        process->m_parent = nullptr;
        process->m_references = 1;
        drop_reference_locked(process);
    }

    // A new program: its name, path and arguments change together for /proc's readers.
    static void set_program(Process* process, ktl::StringView name, fs::Path path,
                            ktl::RefPtr<RecordedArguments> arguments) {
        {
            sync::MutexLocker locker(process->m_program_lock);
            copy_name(process->m_name, name);
            swap(process->m_executable_path, path);
            swap(process->m_arguments, arguments);
        }
        // The old path and arguments go here, outside the lock.
    }
    template <typename T>
    static void swap(T& a, T& b) {
        T held = static_cast<T&&>(a);
        a = static_cast<T&&>(b);
        b = static_cast<T&&>(held);
    }
    static uint64_t parent_pid_locked(Process* process) {
        return process->m_parent ? process->m_parent->m_pid : 0;
    }

    enum class FpuStart { Initial, CopyOfCaller };
    static ktl::ErrorOr<sched::TaskHandle> start(Process* process, StartRequest* request,
                                                 ktl::StringView name, mm::AddressSpace* space,
                                                 FpuStart fpu = FpuStart::Initial) {
        // Not a word about `process` after this: a parentless process may already have run and
        // been freed. The child sets its own pid.
        sched::Task* caller = sched::current_task();
        return sched::spawn(name, start_main_task, request,
                            {.nice = caller->nice,
                             .allowed_cpus = caller->allowed_cpus,
                             .address_space = space,
                             .copy_fpu_state = fpu == FpuStart::CopyOfCaller});
    }

    [[noreturn]] static void start_main_task(void* argument) {
        StartRequest request = *static_cast<StartRequest*>(argument);
        delete static_cast<StartRequest*>(argument);
        sched::Task* task = sched::current_task();
        publish_pid(request.process, task->id);
        task->process = request.process;
        task->process_id = task->id;
        attach_main_thread(*request.process, *task, request.process->blocked_signals);
        task->user_thread_pointer = request.thread_pointer;
        task->clear_child_tid = request.clear_child_tid;
        arch::set_user_thread_pointer(request.thread_pointer);
        if (request.child_tid_address) {
            int32_t tid = static_cast<int32_t>(task->id);
            (void)mm::copy_to_user(mm::UserPtr<int32_t>(request.child_tid_address), &tid);
        }
        if (request.from_frame)
            return_to_user_mode(&request.frame);
        enter_user_mode(request.entry, request.stack_pointer);
    }

    // clone(CLONE_THREAD): a task in `process` that resumes from a copy of the caller's frame. The
    // thread is entered in the group and the tid table before it can run, so an exit_group or
    // tkill that follows clone finds it.
    static ktl::ErrorOr<long> create_thread(Process* process, const CloneRequest& clone,
                                            const arch::InterruptFrame& frame, uint64_t mask) {
        sched::Task* task = sched::current_task();
        ThreadSignals* thread = TRY(add_thread(*process));
        auto* request = new (std::nothrow) ThreadStartRequest{
            process,
            thread,
            frame,
            (clone.flags & clone_settls) ? clone.thread_pointer : task->user_thread_pointer,
            (clone.flags & clone_child_settid) ? clone.child_tid_address : 0,
            (clone.flags & clone_child_cleartid) ? clone.child_tid_address : 0,
            mask};
        if (!request) {
            remove_unstarted_thread(*process, *thread);
            return ktl::Errno::NoMemory;
        }
        request->frame.rax = 0;
        if (clone.stack)
            request->frame.rsp = clone.stack;
        {
            sync::MutexLocker locker(tree_lock);
            ++process->m_references; // the new thread's
            if (!thread_table)
                thread_table = new (std::nothrow) ktl::HashMap<uint64_t, Process*>;
        }
        task->address_space->ref();
        auto started = sched::spawn(task->name_view(), start_thread, request,
                                    {.nice = task->nice,
                                     .allowed_cpus = task->allowed_cpus,
                                     .address_space = task->address_space,
                                     .copy_fpu_state = true});
        if (started.is_error()) {
            delete request; // the failed spawn released the address space reference
            remove_unstarted_thread(*process, *thread);
            sync::MutexLocker locker(tree_lock);
            drop_reference_locked(process);
            return started.error();
        }
        uint64_t tid = started.value().id();
        started.value().reset(); // the thread runs detached; pthread_join meets it through the futex
        {
            sync::MutexLocker locker(tree_lock);
            if (thread_table)
                (void)thread_table->try_set(tid, process); // best effort, as the pid table
        }
        if (clone.flags & clone_parent_settid) {
            int32_t value = static_cast<int32_t>(tid);
            (void)mm::copy_to_user(mm::UserPtr<int32_t>(clone.parent_tid_address), &value);
        }
        name_thread(*process, *thread, tid); // from here the thread may run and exit
        return static_cast<long>(tid);
    }

    [[noreturn]] static void start_thread(void* argument) {
        ThreadStartRequest request = *static_cast<ThreadStartRequest*>(argument);
        delete static_cast<ThreadStartRequest*>(argument);
        sched::Task* task = sched::current_task();
        Process* process = request.process;
        wait_until_named(*process, *request.thread);
        task->process = process;
        task->process_id = process->m_pid;
        task->clear_child_tid = request.clear_child_tid;
        attach_thread(*process, *request.thread, *task, request.mask);
        task->user_thread_pointer = request.thread_pointer;
        arch::set_user_thread_pointer(request.thread_pointer);
        if (request.child_tid_address) {
            int32_t tid = static_cast<int32_t>(task->id);
            (void)mm::copy_to_user(mm::UserPtr<int32_t>(request.child_tid_address), &tid);
        }
        return_to_user_mode(&request.frame);
    }

    static void forget_thread_locked(Process* process, uint64_t tid) {
        if (!thread_table)
            return;
        Process** entry = thread_table->get(tid);
        if (entry && *entry == process)
            thread_table->remove(tid);
    }

    static Process* find_thread_group_locked(uint64_t tid) {
        if (Process* process = find_locked(tid))
            return process;
        Process** entry = thread_table ? thread_table->get(tid) : nullptr;
        return entry ? *entry : nullptr;
    }

    // execve from a thread: the others are gone; this one becomes the main thread, tid = pid.
    static void become_main_thread(Process* process, sched::Task* task) {
        if (task->id != process->m_pid) {
            {
                sync::MutexLocker locker(tree_lock);
                forget_thread_locked(process, task->id);
            }
            sched::take_task_id(process->m_pid);
        }
        proc::become_main_thread(*process, *task);
    }

    static bool selected_locked(const Process& parent, const Process& child, const WaitRequest& request) {
        if (request.kind != WaitRequest::Kind::All &&
            (child.m_exit_signal != sigchld) != (request.kind == WaitRequest::Kind::Clone))
            return false;
        switch (request.selection) {
        case WaitRequest::Selection::Any:
            return true;
        case WaitRequest::Selection::Pid:
            return child.m_pid == request.id;
        case WaitRequest::Selection::Group:
            return child.m_process_group == (request.id ? request.id : parent.m_process_group);
        }
        return false;
    }

    static ktl::ErrorOr<WaitResult> wait(Process* parent, const WaitRequest& request) {
        for (;;) {
            uint64_t generation;
            {
                sync::MutexLocker locker(tree_lock);
                generation = __atomic_load_n(&parent->m_child_event_generation, __ATOMIC_ACQUIRE);
                bool any = false;
                Process* zombie = nullptr;
                for (Process& child : parent->m_children) {
                    if (!selected_locked(*parent, child, request))
                        continue;
                    any = true;
                    if (request.exited && child.m_state == ProcessState::Zombie) {
                        zombie = &child;
                        break;
                    }
                    int status = 0;
                    if (take_job_control_report(child, request.stopped, request.continued, !request.no_wait,
                                                status))
                        return WaitResult{child.m_pid, status, 0, child.m_identity.real_uid};
                }
                if (!any)
                    return ktl::Errno::NoChild;
                if (zombie) {
                    // The child's time and its reaped descendants', as Linux's wait4 reports it.
                    WaitResult result{zombie->m_pid, zombie->m_wait_status,
                                      zombie->m_run_time_ns + zombie->m_children_run_time_ns,
                                      zombie->m_identity.real_uid};
                    if (request.no_wait)
                        return result; // still a zombie for the next wait
                    parent->m_children_run_time_ns += zombie->m_run_time_ns + zombie->m_children_run_time_ns;
                    parent->m_children.remove(*zombie);
                    zombie->m_parent = nullptr;
                    drop_reference_locked(zombie);
                    return result;
                }
            }
            if (request.no_hang)
                return WaitResult{};
            auto waited = parent->m_child_events.wait_until_interruptible([&] {
                return __atomic_load_n(&parent->m_child_event_generation, __ATOMIC_ACQUIRE) != generation;
            });
            if (waited == sched::WaitResult::Interrupted)
                return ktl::Errno::RestartSyscall;
        }
    }

    // The child's exit signal (SIGCHLD unless clone asked for another, none for 0), with SIGCHLD's
    // siginfo whatever the signal. Returns whether the child is to be reaped at once instead of
    // becoming a zombie: the parent ignores SIGCHLD or set SA_NOCLDWAIT, as Linux's
    // do_notify_parent decides (SIG_IGN also means no signal).
    static bool send_child_signal_locked(Process* child, int wait_status) {
        int exit_signal = child->m_exit_signal;
        bool reap_now = false;
        if (exit_signal == sigchld) {
            SignalAction action = action_of(*child->m_parent, sigchld);
            reap_now = action.handler == sig_ignore || (action.flags & sa_nocldwait);
            if (action.handler == sig_ignore)
                exit_signal = 0;
        }
        if (exit_signal == 0)
            return reap_now;
        SignalInfo info{};
        info.signal = exit_signal;
        int signal = terminating_signal(wait_status);
        info.code = signal ? cld_killed : cld_exited;
        info.child.pid = static_cast<int32_t>(child->m_pid);
        info.child.uid = child->identity().real_uid;
        info.child.status = signal ? signal : exit_code_of(wait_status);
        (void)send_signal(*child->m_parent, info);
        return reap_now;
    }

    static void notify_parent_of_job_control(Process* child, int32_t code, int signal) {
        sync::MutexLocker locker(tree_lock);
        Process* parent = child->m_parent;
        if (!parent)
            return;
        notify_parent_locked(parent);
        if (action_of(*parent, sigchld).flags & sa_nocldstop)
            return;
        SignalInfo info{};
        info.signal = sigchld;
        info.code = code;
        info.child.pid = static_cast<int32_t>(child->m_pid);
        info.child.uid = child->identity().real_uid;
        info.child.status = signal;
        (void)send_signal(*parent, info);
    }

    // Under the tree lock: the process with that pid, zombies included, or null.
    static Process* find_locked(uint64_t pid) {
        if (!pid_table)
            return nullptr;
        Process** entry = pid_table->get(pid);
        return entry ? *entry : nullptr;
    }

    static bool group_exists_in_session_locked(uint64_t group, uint64_t session) {
        if (!pid_table)
            return false;
        for (auto& entry : *pid_table)
            if (entry.value->m_process_group == group && entry.value->m_session == session &&
                entry.value->m_state == ProcessState::Running)
                return true;
        return false;
    }

    static ktl::ErrorOr<uint64_t> group_or_session_of(uint64_t pid, bool session) {
        Process* caller = current_process();
        sync::MutexLocker locker(tree_lock);
        Process* process = pid == 0 ? caller : find_locked(pid);
        if (!process)
            return ktl::Errno::NoSuchProcess;
        return session ? process->m_session : process->m_process_group;
    }

    static ktl::ErrorOr<void> set_process_group(Process* caller, uint64_t pid, uint64_t group) {
        sync::MutexLocker locker(tree_lock);
        Process* target = pid == 0 || pid == caller->m_pid ? caller : find_locked(pid);
        if (!target || (target != caller && target->m_parent != caller) ||
            target->m_state != ProcessState::Running)
            return ktl::Errno::NoSuchProcess;
        if (target != caller && target->m_has_executed)
            return ktl::Errno::AccessDenied;
        if (target->m_session != caller->m_session || target->m_session == target->m_pid)
            return ktl::Errno::NotPermitted; // another session, or a session leader
        if (group == 0)
            group = target->m_pid;
        if (group != target->m_pid && !group_exists_in_session_locked(group, caller->m_session))
            return ktl::Errno::NotPermitted;
        target->m_process_group = group;
        return {};
    }

    static ktl::ErrorOr<uint64_t> create_session(Process* caller) {
        sync::MutexLocker locker(tree_lock);
        // A group leader (or anyone whose pid names a group) would leave its group members in
        // another session than their group: Linux refuses.
        if (pid_table)
            for (auto& entry : *pid_table)
                if (entry.value->m_process_group == caller->m_pid)
                    return ktl::Errno::NotPermitted;
        caller->m_session = caller->m_process_group = caller->m_pid;
        return caller->m_pid;
    }

    static size_t processes_of_user(uint32_t real_uid) {
        sync::MutexLocker locker(tree_lock);
        size_t count = 0;
        if (pid_table)
            for (auto& entry : *pid_table)
                count += entry.value->identity().real_uid == real_uid;
        return count;
    }

    static size_t list_group(uint64_t group, uint64_t* pids, size_t capacity, size_t& total) {
        sync::MutexLocker locker(tree_lock);
        size_t count = 0;
        total = 0;
        if (!pid_table)
            return 0;
        for (auto& entry : *pid_table) {
            if (entry.value->m_process_group != group || entry.value->m_state != ProcessState::Running)
                continue;
            if (count < capacity)
                pids[count++] = entry.value->m_pid;
            ++total;
        }
        return count;
    }

    static void wait_for_vfork_child(Process* child) {
        child->m_vfork_done_queue.wait_until(
            [&] { return !__atomic_load_n(&child->m_vfork_pending, __ATOMIC_ACQUIRE); });
    }

    static void set_vfork_pending_locked(Process* child) { child->m_vfork_pending = true; }
    static void set_exit_signal(Process* child, int signal) { child->m_exit_signal = signal; }
    // A reference that keeps a process's memory valid for a caller that is not its parent's wait.
    static void add_reference_locked(Process* process) { ++process->m_references; }
    static void drop_reference(Process* process) {
        sync::MutexLocker locker(tree_lock);
        drop_reference_locked(process);
    }

    // POSIX's orphaned process group: no live member has a parent in another group of the same
    // session (init and the kernel do not count as such parents).
    static bool is_orphaned_group_locked(uint64_t group) {
        if (!pid_table)
            return true;
        for (auto& entry : *pid_table) {
            Process* member = entry.value;
            if (member->m_process_group != group || member->m_state != ProcessState::Running)
                continue;
            Process* parent = member->m_parent;
            if (parent && parent != first_process && parent->m_state == ProcessState::Running &&
                parent->m_process_group != group && parent->m_session == member->m_session)
                return false;
        }
        return true;
    }

    static bool has_stopped_member_locked(uint64_t group) {
        if (!pid_table)
            return false;
        for (auto& entry : *pid_table) {
            Process* member = entry.value;
            if (member->m_process_group != group || member->m_state != ProcessState::Running)
                continue;
            sync::SpinlockGuard guard(member->signals.lock);
            if (member->signals.stopped)
                return true;
        }
        return false;
    }

    // Groups whose link to the rest of the session may go with `process`: its own (through its
    // parent) and its children's. Called before it leaves the tree.
    static size_t groups_losing_a_link_locked(Process* process, uint64_t* groups, size_t capacity) {
        size_t count = 0;
        auto add = [&](uint64_t group) {
            for (size_t i = 0; i < count; ++i)
                if (groups[i] == group)
                    return;
            if (count < capacity)
                groups[count++] = group;
        };
        Process* parent = process->m_parent;
        if (parent && parent->m_process_group != process->m_process_group &&
            parent->m_session == process->m_session)
            add(process->m_process_group);
        for (Process& child : process->m_children)
            if (child.m_process_group != process->m_process_group && child.m_session == process->m_session)
                add(child.m_process_group);
        return count;
    }

    // exit_group: the other threads get SIGKILL and leave as they see it; the last one out (maybe
    // this one) ends the process with `wait_status`.
    [[noreturn]] static void exit(Process* process, int wait_status) {
        (void)begin_group_exit(*process, wait_status);
        exit_thread(process, wait_status);
    }

    [[noreturn]] static void exit_thread(Process* process, int wait_status) {
        sched::Task* task = sched::current_task();
        release_user_thread_state(*task);           // pthread_join's wake, robust mutexes
        bool last = detach_thread(*process, *task); // no signal reaches it from here
        if (!last) {
            // The group lives on; a main thread that leaves first keeps the pid for the others.
            // A kernel TaskHandle on the main task learns the group's status if it is ending.
            int code = shell_status(group_exit_status(*process, wait_status));
            {
                sync::MutexLocker locker(tree_lock);
                process->m_run_time_ns += task->entity.runtime_ns;
                forget_thread_locked(process, task->id);
                task->process = nullptr;
                drop_reference_locked(process); // this thread's
            }
            sched::exit(code);
        }
        wait_status = group_exit_status(*process, wait_status);
        bool is_first = process == first_process;
        // The seed's words. Routine exits are debug records: at info, every posix_spawn paid for a
        // line on two serial ports, which emulated UARTs pass on a host write per byte.
        if (!terminating_signal(wait_status)) {
            klog::log(is_first ? klog::Level::Info : klog::Level::Debug, log_subsystem,
                      "Process ending with code: {}", exit_code_of(wait_status));
        }
        delete_all_timers(*process); // with the last thread: no signal is queued for a process without one
        // As Linux's exit_mm, before the files: a zombie holds no memory, and the files its
        // mappings held are let go of with the descriptors, not when the task is reaped.
        sched::replace_address_space(nullptr);
        process->m_files->close_all();
        if (process->m_session == process->m_pid && session_leader_exit_hook)
            session_leader_exit_hook(process->m_session);
        // A group this exit orphans while it has stopped members would never be continued: POSIX
        // has it sent SIGHUP and then SIGCONT.
        uint64_t orphaned[8];
        size_t orphaned_count = 0;
        {
            sync::MutexLocker locker(tree_lock);
            orphaned_count = groups_losing_a_link_locked(process, orphaned, 8);
            release_vfork_parent_locked(process);
            reparent_children_locked(process);
            process->m_state = ProcessState::Zombie;
            process->m_wait_status = wait_status;
            process->m_run_time_ns += task->entity.runtime_ns;
            forget_thread_locked(process, task->id);
            if (Process* parent = process->m_parent) {
                if (send_child_signal_locked(process, wait_status)) {
                    // Nobody will wait for it: gone at once, and a parent waiting for its last
                    // child wakes to ECHILD.
                    parent->m_children_run_time_ns +=
                        process->m_run_time_ns + process->m_children_run_time_ns;
                    parent->m_children.remove(*process);
                    process->m_parent = nullptr;
                    drop_reference_locked(process); // the parent's
                }
                notify_parent_locked(parent);
            }
            task->process = nullptr;
            if (is_first)
                first_process = nullptr;
            size_t kept = 0;
            for (size_t i = 0; i < orphaned_count; ++i)
                if (is_orphaned_group_locked(orphaned[i]) && has_stopped_member_locked(orphaned[i]))
                    orphaned[kept++] = orphaned[i];
            orphaned_count = kept;
            drop_reference_locked(process); // the last thread's
        }
        for (size_t i = 0; i < orphaned_count; ++i) {
            signal_group_from_kernel(orphaned[i], sighup);
            signal_group_from_kernel(orphaned[i], sigcont);
        }
        if (is_first && first_process_exit)
            first_process_exit(wait_status);
        sched::exit(shell_status(wait_status));
    }
};

uint64_t Process::parent_pid() {
    sync::MutexLocker locker(tree_lock);
    return ProcessAccess::parent_pid_locked(this);
}

uint64_t Process::parent_pid_locked() const {
    return m_parent ? m_parent->m_pid : 0;
}

ProgramIdentity Process::program_identity() {
    ProgramIdentity identity;
    sync::MutexLocker locker(m_program_lock);
    memcpy(identity.name, m_name, sizeof identity.name);
    identity.executable_path = m_executable_path;
    identity.arguments = m_arguments;
    return identity;
}

ktl::ErrorOr<ktl::RefPtr<RecordedArguments>> record_arguments(const ProgramArguments& arguments) {
    auto recorded = TRY(ktl::try_make_ref_counted<RecordedArguments>());
    auto copy = [](ktl::Vector<char>& into, const ktl::StringView* strings,
                   size_t count) -> ktl::ErrorOr<void> {
        for (size_t i = 0; i < count && into.size() < max_recorded_argument_bytes; ++i) {
            size_t room = max_recorded_argument_bytes - into.size();
            size_t length = strings[i].length() < room ? strings[i].length() : room;
            TRY(into.try_extend(strings[i].data(), length));
            if (into.size() < max_recorded_argument_bytes)
                TRY(into.try_append('\0'));
        }
        return {};
    };
    TRY(copy(recorded->arguments, arguments.argv, arguments.argc));
    TRY(copy(recorded->environment, arguments.envp, arguments.envc));
    return recorded;
}

Process* current_process() {
    sched::Task* task = sched::current_task();
    return task ? task->process : nullptr;
}

namespace {

// fds 0, 1 and 2 on /dev/console, one description shared by all three (as Linux gives init).
ktl::ErrorOr<void> open_standard_streams(Process& process) {
    fs::Lookup lookup = process.lookup();
    fs::RefPtr<fs::OpenFile> console = TRY(fs::open(lookup, "/dev/console", fs::open_read_write, 0));
    for (int fd = 0; fd < 3; ++fd)
        TRY(process.files().install_at(fd, console, false));
    return {};
}

} // namespace

ktl::ErrorOr<sched::TaskHandle> start_process(ktl::StringView name, const LoadedProgram& program,
                                              ExecutableFile* file, const ProgramArguments& arguments);

namespace {

// A program file found for execve after following "#!" lines: the ELF file to load and the
// arguments it gets (the interpreter, its optional argument and the script's path come first).
struct ProgramToRun {
    ExecutableFile file;
    ktl::Vector<ktl::StringView> argv;
    ktl::String texts[2 * max_interpreter_depth];        // each level's interpreter and argument
    ktl::String script_paths[max_interpreter_depth + 1]; // each script's path, as argv shows it
    ProgramArguments arguments;
};

bool is_blank(char character) {
    return character == ' ' || character == '\t';
}

ktl::ErrorOr<ktl::OwnPtr<ProgramToRun>> prepare_program(const fs::Lookup& lookup, ktl::StringView path,
                                                        const ProgramArguments& arguments) {
    auto run = TRY(ktl::try_make<ProgramToRun>());
    TRY(run->argv.try_reserve(arguments.argc + 2));
    for (size_t i = 0; i < arguments.argc; ++i)
        TRY(run->argv.try_append(arguments.argv[i]));
    ktl::String current_path = TRY(ktl::String::try_create(path));
    for (size_t depth = 0;; ++depth) {
        run->file = TRY(open_executable(lookup, current_path.view()));
        ktl::ByteReader bytes = run->file.image->bytes();
        if (bytes.size() < 2 || bytes.data()[0] != '#' || bytes.data()[1] != '!')
            break; // ELF or not, the loader decides (ENOEXEC for anything else)
        if (depth == max_interpreter_depth)
            return ktl::Errno::TooManySymlinks; // ELOOP, as Linux answers past BINPRM_MAX_RECURSION
        // The line after "#!", at most what Linux reads (256 bytes with the "#!").
        size_t end = 2;
        while (end < bytes.size() && end < 256 && bytes.data()[end] != '\n')
            ++end;
        ktl::StringView line(reinterpret_cast<const char*>(bytes.data()) + 2, end - 2);
        size_t start = 0;
        while (start < line.length() && is_blank(line[start]))
            ++start;
        size_t stop = start;
        while (stop < line.length() && !is_blank(line[stop]))
            ++stop;
        if (stop == start)
            return ktl::Errno::ExecFormat; // "#!" and nothing to run
        ktl::StringView interpreter = line.substring(start, stop - start);
        // Everything after the interpreter, trimmed, is one argument, as Linux passes it.
        size_t argument_start = stop;
        while (argument_start < line.length() && is_blank(line[argument_start]))
            ++argument_start;
        size_t argument_end = line.length();
        while (argument_end > argument_start &&
               (is_blank(line[argument_end - 1]) || line[argument_end - 1] == '\r'))
            --argument_end;
        ktl::String& interpreter_text = run->texts[2 * depth];
        ktl::String& argument_text = run->texts[2 * depth + 1];
        interpreter_text = TRY(ktl::String::try_create(interpreter));
        argument_text =
            TRY(ktl::String::try_create(line.substring(argument_start, argument_end - argument_start)));
        // argv[0] gives way to: interpreter, [argument], the script's path.
        run->script_paths[depth] = static_cast<ktl::String&&>(current_path);
        if (!run->argv.is_empty())
            run->argv.remove(0);
        TRY(run->argv.try_insert(0, run->script_paths[depth].view()));
        if (!argument_text.is_empty())
            TRY(run->argv.try_insert(0, argument_text.view()));
        TRY(run->argv.try_insert(0, interpreter_text.view()));
        current_path = TRY(interpreter_text.try_clone());
    }
    run->arguments = {run->argv.data(), run->argv.size(), arguments.envp, arguments.envc};
    return run;
}

} // namespace

ktl::ErrorOr<sched::TaskHandle> spawn_program(ktl::StringView path, const ProgramArguments& arguments) {
    fs::Lookup lookup{fs::root_path(), fs::root_path(), {}, 022};
    auto run = TRY(prepare_program(lookup, path, arguments));
    ktl::StringView name = base_name(path);
    LoadedProgram program =
        TRY(load_program(name, run->file.image->bytes(), run->arguments, run->file.image->is_shareable()));
    return start_process(name, program, &run->file, run->arguments);
}

ktl::ErrorOr<sched::TaskHandle> spawn_program_image(ktl::StringView name, ktl::ByteReader file,
                                                    const ProgramArguments& arguments) {
    LoadedProgram program = TRY(load_program(name, file, arguments, false));
    return start_process(name, program, nullptr, arguments);
}

ktl::ErrorOr<sched::TaskHandle> start_process(ktl::StringView name, const LoadedProgram& program) {
    ktl::StringView argv[] = {name};
    return start_process(name, program, nullptr, {argv, 1, nullptr, 0});
}

ktl::ErrorOr<sched::TaskHandle> start_process(ktl::StringView name, const LoadedProgram& program,
                                              ExecutableFile* file, const ProgramArguments& arguments) {
    Process* process = ProcessAccess::create(name, nullptr);
    auto* request =
        new (std::nothrow) StartRequest{process, false, program.entry, program.stack_pointer, 0, {}, 0};
    ktl::RefPtr<RecordedArguments> recorded;
    auto ready = [&]() -> ktl::ErrorOr<void> {
        if (!process || !request)
            return ktl::Errno::NoMemory;
        recorded = TRY(record_arguments(arguments));
        return open_standard_streams(*process);
    }();
    if (ready.is_error()) {
        program.address_space->unref();
        if (process)
            ProcessAccess::discard(process);
        delete request;
        return ready.error();
    }
    program.address_space->break_start = program.address_space->break_end = program.image_end;
    if (file) {
        process->executable_image = file->image;
        process->executable = file->image->bytes();
    }
    ProcessAccess::set_program(process, name, file ? file->path : fs::Path{},
                               static_cast<ktl::RefPtr<RecordedArguments>&&>(recorded));
    process->load_bias = program.load_bias;
    {
        sync::MutexLocker locker(tree_lock);
        ++processes_alive;
    }
    auto task = ProcessAccess::start(process, request, name, program.address_space);
    if (task.is_error()) {
        delete request;
        process->files().close_all();
        sync::MutexLocker locker(tree_lock);
        ProcessAccess::drop_reference_locked(process); // counted alive above
    }
    return task;
}

ktl::Error become_first_process(ktl::StringView path, const ProgramArguments& arguments,
                                [[noreturn]] void (*on_exit)(int wait_status)) {
    ktl::StringView name = base_name(path);
    Process* process = ProcessAccess::create(name, nullptr);
    if (!process)
        return ktl::Error::from_errno(ktl::Errno::NoMemory);
    fs::Lookup lookup = process->lookup();
    auto prepared = prepare_program(lookup, path, arguments);
    if (prepared.is_error()) {
        ProcessAccess::discard(process);
        return prepared.error();
    }
    ProgramToRun& run = *prepared.value();
    ExecutableFile& file = run.file;
    auto loaded = load_program(name, file.image->bytes(), run.arguments, file.image->is_shareable());
    if (loaded.is_error()) {
        ProcessAccess::discard(process);
        return loaded.error();
    }
    LoadedProgram program = loaded.value();
    auto recorded = record_arguments(run.arguments);
    if (recorded.is_error()) {
        program.address_space->unref();
        ProcessAccess::discard(process);
        return recorded.error();
    }
    if (auto opened = open_standard_streams(*process); opened.is_error()) {
        program.address_space->unref();
        ProcessAccess::discard(process);
        return opened.error();
    }
    sched::Task* task = sched::current_task();
    program.address_space->break_start = program.address_space->break_end = program.image_end;
    process->executable_image = file.image;
    process->executable = file.image->bytes();
    ProcessAccess::set_program(process, name, file.path, recorded.release_value());
    process->load_bias = program.load_bias;
    ProcessAccess::publish_pid(process, task->id);
    {
        sync::MutexLocker locker(tree_lock);
        ++processes_alive;
        first_process = process;
        first_process_exit = on_exit;
    }
    task->process = process;
    task->process_id = task->id;
    process->signals.unkillable = true; // as init: only signals it handles reach it
    attach_main_thread(*process, *task, 0);
    copy_name(task->name, name);
    sched::replace_address_space(program.address_space);
    klog::info(log_subsystem, "starting {} as process {}", path, task->id);
    enter_user_mode(program.entry, program.stack_pointer);
}

namespace {

// A fork bomb stops here, with EAGAIN as on Linux: at the process table's size for everyone, and at
// RLIMIT_NPROC for a user other than root (Linux lets CAP_SYS_RESOURCE past it).
// Processes and the threads beyond their main ones: each is a task with a kernel stack.
size_t user_task_count() {
    sync::MutexLocker locker(tree_lock);
    return processes_alive + (thread_table ? thread_table->size() : 0);
}

// The table's size bounds tasks, not only processes, as Linux's threads-max does: a thread bomb
// gets EAGAIN like a fork bomb.
ktl::ErrorOr<void> check_process_limits(Process& parent) {
    if (user_task_count() >= max_processes())
        return ktl::Errno::TryAgain;
    Identity ids = parent.identity();
    if (ids.real_uid != 0 && processes_of_user(ids.real_uid) >= parent.limits()[Resource::Processes].current)
        return ktl::Errno::TryAgain;
    return {};
}

} // namespace

ktl::ErrorOr<long> clone_process(const CloneRequest& clone, const arch::InterruptFrame& frame) {
    Process* parent = current_process();
    if (!parent)
        return ktl::Errno::InvalidArgument;
    uint64_t flags = clone.flags;
    uint64_t exit_signal = flags & exit_signal_mask;
    constexpr uint64_t known = thread_sharing | clone_vfork | clone_thread | clone_sysvsem | clone_settls |
                               clone_parent_settid | clone_child_settid | clone_child_cleartid |
                               clone_detached | exit_signal_mask;
    if ((flags & ~known) != 0 || exit_signal > 64)
        return ktl::Errno::InvalidArgument;
    // Linux's rules: a thread shares the handlers, which need the memory they point into.
    if ((flags & clone_thread) && !(flags & clone_sighand))
        return ktl::Errno::InvalidArgument;
    if ((flags & clone_sighand) && !(flags & clone_vm))
        return ktl::Errno::InvalidArgument;
    // The caller's mask, read here: a field of the process would race with its other threads.
    uint64_t mask = current_blocked_mask();
    if (flags & clone_thread) {
        if ((flags & thread_sharing) != thread_sharing || (flags & clone_vfork))
            return ktl::Errno::NotImplemented; // a thread with files or a cwd of its own
        TRY(check_process_limits(*parent));
        return ProcessAccess::create_thread(parent, clone, frame, mask);
    }
    bool share_memory = flags & clone_vm;
    if ((share_memory && !(flags & clone_vfork)) || (flags & (clone_fs | clone_files | clone_sighand)))
        return ktl::Errno::NotImplemented; // shared memory, files or handlers across processes
    TRY(check_process_limits(*parent));
    sched::Task* task = sched::current_task();
    Process* child = ProcessAccess::create(parent->name(), parent);
    auto* request = new (std::nothrow) StartRequest{child, true, 0, 0, task->user_thread_pointer, frame, 0};
    if (!child || !request) {
        delete request;
        if (child)
            ProcessAccess::discard(child);
        return ktl::Errno::NoMemory;
    }
    request->frame.rax = 0;
    if (clone.stack)
        request->frame.rsp = clone.stack;
    if (flags & clone_settls)
        request->thread_pointer = clone.thread_pointer;
    if (flags & clone_child_settid)
        request->child_tid_address = clone.child_tid_address;
    if (flags & clone_child_cleartid)
        request->clear_child_tid = clone.child_tid_address;
    // fork: the child gets a copy-on-write copy of the memory; vfork borrows it until execve or exit.
    mm::AddressSpace* space = task->address_space;
    if (share_memory) {
        space->ref();
    } else {
        auto copy = space->fork();
        if (copy.is_error()) {
            delete request;
            ProcessAccess::discard(child);
            return copy.error();
        }
        space = copy.value();
    }
    memcpy(child->signal_actions, parent->signal_actions, sizeof child->signal_actions);
    child->blocked_signals = mask;
    ProcessAccess::set_exit_signal(child, static_cast<int>(exit_signal));
    // The child is a copy of the calling thread, its alternate signal stack included (execve drops
    // it); the child is not running yet, so its thread state is still ours to write.
    child->signals.main_thread.alternate_stack = current_alternate_stack();
    child->executable = parent->executable;
    child->executable_image = parent->executable_image;
    ProgramIdentity identity = parent->program_identity();
    ProcessAccess::set_program(child, identity.name, static_cast<fs::Path&&>(identity.executable_path),
                               static_cast<ktl::RefPtr<RecordedArguments>&&>(identity.arguments));
    child->load_bias = parent->load_bias;
    bool vfork = flags & clone_vfork;
    {
        sync::MutexLocker locker(tree_lock);
        ProcessAccess::link_child_locked(parent, child);
        // clone's own until it returns: a child that exits at once may be reaped at once (SIGCHLD
        // ignored) while publish_pid and the vfork wait below still use it.
        ProcessAccess::add_reference_locked(child);
        if (vfork)
            ProcessAccess::set_vfork_pending_locked(child);
    }
    // The child continues the caller's program, with its registers: vector registers included.
    auto started =
        ProcessAccess::start(child, request, task->name_view(), space, ProcessAccess::FpuStart::CopyOfCaller);
    if (started.is_error()) {
        delete request;
        ProcessAccess::discard(child); // the failed spawn released the address space reference
        return started.error();
    }
    long pid = static_cast<long>(started.value().id());
    started.value().reset(); // the process, not a handle, follows the child from here
    ProcessAccess::publish_pid(child, static_cast<uint64_t>(pid)); // clone's reference keeps it valid
    if (flags & clone_parent_settid) {
        // Linux writes it before the child runs; a parent that reads it only after clone returns
        // (musl, glibc) cannot tell. A bad address is the parent's problem, not the fork's.
        int32_t tid = static_cast<int32_t>(pid);
        (void)mm::copy_to_user(mm::UserPtr<int32_t>(clone.parent_tid_address), &tid);
    }
    if (vfork)
        ProcessAccess::wait_for_vfork_child(child);
    ProcessAccess::drop_reference(child);
    return pid;
}

ktl::ErrorOr<void> execute(ktl::StringView path, const ProgramArguments& arguments,
                           arch::InterruptFrame& frame) {
    Process* process = current_process();
    if (!process)
        return ktl::Errno::InvalidArgument;
    auto run = TRY(prepare_program(process->lookup(), path, arguments));
    ExecutableFile& file = run->file;
    ktl::StringView name = base_name(path);
    ktl::RefPtr<RecordedArguments> recorded = TRY(record_arguments(run->arguments));
    LoadedProgram program =
        TRY(load_program(name, file.image->bytes(), run->arguments, file.image->is_shareable()));
    // The other threads end first (Linux's de_thread); if the group is already ending, so does
    // this thread, on its way out through the SIGKILL it has.
    if (!end_other_threads_for_exec(*process)) {
        program.address_space->unref();
        return ktl::Errno::Interrupted;
    }
    // No way back from here: the old program is gone.
    sched::Task* task = sched::current_task();
    ProcessAccess::become_main_thread(process, task);
    release_user_thread_state(*task); // the old program's robust mutexes and tid word
    sched::replace_address_space(program.address_space);
    {
        // Before the close-on-exec fds close: a parent that learns of the execve from them must
        // find setpgid refused.
        sync::MutexLocker locker(tree_lock);
        ProcessAccess::mark_executed_locked(process);
    }
    process->files().close_on_exec_all();
    reset_signals_for_exec(*process);
    delete_posix_timers(*process); // the interval timers stay, as on Linux
    program.address_space->break_start = program.address_space->break_end = program.image_end;
    process->executable_image = file.image;
    process->executable = file.image->bytes();
    process->load_bias = program.load_bias;
    task->user_thread_pointer = 0;
    arch::set_user_thread_pointer(0);
    ProcessAccess::set_program(process, name, static_cast<fs::Path&&>(file.path),
                               static_cast<ktl::RefPtr<RecordedArguments>&&>(recorded));
    copy_name(task->name, name);
    {
        sync::MutexLocker locker(tree_lock);
        ProcessAccess::release_vfork_parent_locked(process);
    }
    uint64_t vector = frame.vector, error_code = frame.error_code, cs = frame.cs, ss = frame.ss;
    frame = {};
    frame.vector = vector;
    frame.error_code = error_code;
    frame.cs = cs;
    frame.ss = ss;
    frame.rip = program.entry;
    frame.rsp = program.stack_pointer;
    frame.rflags = 0x202; // interrupts on
    return {};
}

void notify_parent_of_job_control(Process& child, int32_t code, int signal) {
    ProcessAccess::notify_parent_of_job_control(&child, code, signal);
}

ktl::ErrorOr<WaitResult> wait_for_child(const WaitRequest& request) {
    Process* parent = current_process();
    if (!parent)
        return ktl::Errno::NoChild;
    return ProcessAccess::wait(parent, request);
}

uint64_t children_run_time_ns() {
    Process* process = current_process();
    if (!process)
        return 0;
    sync::MutexLocker locker(tree_lock);
    return ProcessAccess::children_run_time_locked(process);
}

uint64_t process_run_time_ns() {
    Process* process = current_process();
    if (!process)
        return sched::current_task()->entity.runtime_ns;
    return threads_run_time_ns(*process);
}

ktl::ErrorOr<uint64_t> process_group_of(uint64_t pid) {
    return ProcessAccess::group_or_session_of(pid, false);
}

ktl::ErrorOr<uint64_t> session_of(uint64_t pid) {
    return ProcessAccess::group_or_session_of(pid, true);
}

ktl::ErrorOr<void> set_process_group(uint64_t pid, uint64_t group) {
    Process* caller = current_process();
    if (!caller)
        return ktl::Errno::InvalidArgument;
    return ProcessAccess::set_process_group(caller, pid, group);
}

ktl::ErrorOr<uint64_t> create_session() {
    Process* caller = current_process();
    if (!caller)
        return ktl::Errno::NotPermitted;
    return ProcessAccess::create_session(caller);
}

void set_child_subreaper(bool on) {
    if (Process* process = current_process()) {
        sync::MutexLocker locker(tree_lock);
        ProcessAccess::child_subreaper_locked(process) = on;
    }
}

bool is_child_subreaper() {
    Process* process = current_process();
    if (!process)
        return false;
    sync::MutexLocker locker(tree_lock);
    return ProcessAccess::child_subreaper_locked(process);
}

size_t list_group(uint64_t group, uint64_t* pids, size_t capacity, size_t& total) {
    return ProcessAccess::list_group(group, pids, capacity, total);
}

void exit_current_thread(int wait_status) {
    Process* process = current_process();
    if (!process)
        exit_current(wait_status);
    ProcessAccess::exit_thread(process, wait_status);
}

bool is_orphaned_process_group(uint64_t group) {
    sync::MutexLocker locker(tree_lock);
    return ProcessAccess::is_orphaned_group_locked(group);
}

bool process_group_in_session(uint64_t group, uint64_t session) {
    sync::MutexLocker locker(tree_lock);
    return ProcessAccess::group_exists_in_session_locked(group, session);
}

void set_controlling_terminal_query(ControllingTerminalQuery query) {
    controlling_terminal_query = query;
}

bool controlling_terminal_facts(uint64_t session, ControllingTerminalFacts& facts) {
    return session != 0 && controlling_terminal_query && controlling_terminal_query(session, facts);
}

void set_session_leader_exit_hook(SessionLeaderExitHook hook) {
    session_leader_exit_hook = hook;
}

void signal_group_from_kernel(uint64_t group, int signal) {
    if (group == 0)
        return;
    uint64_t pids[64];
    size_t total = 0;
    size_t count = list_group(group, pids, 64, total);
    SignalInfo info{};
    info.signal = signal;
    info.code = si_kernel;
    for (size_t i = 0; i < count; ++i)
        (void)with_process(pids[i], [&](Process& target) { (void)send_signal(target, info); });
}

bool signal_process_from_kernel(uint64_t pid, int signal) {
    SignalInfo info{};
    info.signal = signal;
    info.code = si_kernel;
    return !with_process(pid, [&](Process& target) { (void)send_signal(target, info); }).is_error();
}

void exit_current(int wait_status) {
    Process* process = current_process();
    if (!process) {
        sched::Task* task = sched::current_task();
        klog::info(log_subsystem, "task {} '{}' ending with status {}", task->id, task->name,
                   shell_status(wait_status));
        sched::exit(shell_status(wait_status));
    }
    ProcessAccess::exit(process, wait_status);
}

namespace {

void write_user_frame(ktl::FormatSink& sink, int index, uint64_t address, const Process* process) {
    ktl::format_to(sink, "  #{:<2} {:#018x}", index, address);
    if (process && process->executable.size() > 0) {
        auto elf = elf::ElfFile::parse(process->executable);
        if (!elf.is_error()) {
            auto symbol = elf.value().function_containing(address - process->load_bias);
            if (!symbol.is_error()) {
                // C++ names read as in the source; a name the demangler refuses is printed as it is.
                char readable[256];
                ktl::StringView name = symbol.value().name;
                auto demangled = demangle::demangle(name, readable, sizeof readable);
                ktl::format_to(sink, " {}+{:#x}", demangled.is_error() ? name : demangled.value(),
                               address - process->load_bias - symbol.value().value);
            }
        }
    }
    sink.write("\n");
}

} // namespace

void write_user_backtrace(ktl::FormatSink& sink, const arch::InterruptFrame& frame) {
    constexpr int max_frames = 16;
    Process* process = current_process();
    sink.write("user backtrace (frame pointers):\n");
    write_user_frame(sink, 0, frame.rip, process);
    uint64_t frame_pointer = frame.rbp;
    for (int index = 1; index < max_frames && frame_pointer != 0 && frame_pointer % 8 == 0; ++index) {
        uint64_t pair[2]; // the caller's frame pointer, then the return address
        if (mm::copy_from_user(pair, frame_pointer, sizeof pair).is_error() || pair[1] == 0)
            break;
        write_user_frame(sink, index, pair[1] - 1, process); // inside the call, not after it
        if (pair[0] <= frame_pointer)
            break; // frames go up the stack; anything else is not a frame chain
        frame_pointer = pair[0];
    }
}

size_t process_count() {
    sync::MutexLocker locker(tree_lock);
    return processes_alive;
}

fs::Lookup Process::lookup(const fs::Path* start) {
    fs::Lookup lookup;
    lookup.root = m_fs_context->root();
    lookup.start = start ? *start : m_fs_context->cwd();
    lookup.credentials = credentials();
    lookup.umask = m_fs_context->umask();
    return lookup;
}

void Process::set_name(ktl::StringView name) {
    {
        sync::MutexLocker locker(m_program_lock);
        copy_name(m_name, name);
    }
    sched::Task* task = sched::current_task();
    if (task && task->process == this)
        copy_name(task->name, name);
}

fs::Credentials Process::credentials() const {
    Identity ids = identity();
    fs::Credentials credentials;
    credentials.uid = ids.file_system_uid;
    credentials.gid = ids.file_system_gid;
    credentials.group_count = ids.group_count;
    for (uint32_t i = 0; i < ids.group_count; ++i)
        credentials.groups[i] = ids.groups[i];
    return credentials;
}

Identity Process::identity() const {
    sync::SpinlockGuard guard(m_identity_lock);
    return m_identity;
}

void Process::set_identity(const Identity& identity) {
    sync::SpinlockGuard guard(m_identity_lock);
    m_identity = identity;
}

Limits Process::limits() const {
    sync::SpinlockGuard guard(m_identity_lock);
    return m_limits;
}

void Process::set_limit(Resource resource, Limit limit) {
    {
        sync::SpinlockGuard guard(m_identity_lock);
        m_limits[resource] = limit;
    }
    if (resource == Resource::OpenFiles && m_files)
        m_files->set_limit(limit.current);
}

uint64_t max_processes() {
    static uint64_t limit = [] {
        uint64_t by_memory = mm::frame_statistics().total_frames * mm::frame_size / (256 * 1024);
        return by_memory < 400 ? by_memory : 400;
    }();
    return limit;
}

Limits Limits::initial() {
    Limits limits;
    limits[Resource::Stack] = {8 * 1024 * 1024, unlimited};
    limits[Resource::Core] = {0, unlimited};
    limits[Resource::Processes] = {max_processes(), max_processes()};
    limits[Resource::OpenFiles] = {fs::FileTable::max_descriptors, fs::FileTable::max_descriptors};
    limits[Resource::LockedMemory] = {8 * 1024 * 1024, 8 * 1024 * 1024};
    limits[Resource::PendingSignals] = {max_processes(), max_processes()};
    limits[Resource::MessageQueues] = {819200, 819200};
    limits[Resource::Nice] = {0, 0};
    limits[Resource::RealTimePriority] = {0, 0};
    return limits;
}

size_t processes_of_user(uint32_t real_uid) {
    return ProcessAccess::processes_of_user(real_uid);
}

ktl::ErrorOr<void> with_process(uint64_t pid, ktl::FunctionRef<void(Process&)> visit) {
    sync::MutexLocker locker(tree_lock);
    Process** found = pid_table ? pid_table->get(pid) : nullptr;
    if (!found)
        return ktl::Errno::NoSuchProcess;
    visit(**found);
    return {};
}

ktl::ErrorOr<void> with_thread_group(uint64_t tid, ktl::FunctionRef<void(Process&)> visit) {
    sync::MutexLocker locker(tree_lock);
    Process* process = ProcessAccess::find_thread_group_locked(tid);
    if (!process)
        return ktl::Errno::NoSuchProcess;
    visit(*process);
    return {};
}

size_t list_pids(uint64_t* pids, size_t capacity) {
    sync::MutexLocker locker(tree_lock);
    if (!pid_table)
        return 0;
    size_t count = 0;
    for (auto& entry : *pid_table) {
        if (count == capacity)
            break;
        // Insertion sort: the table is small and /proc lists it in order.
        size_t at = count++;
        while (at > 0 && pids[at - 1] > entry.key) {
            pids[at] = pids[at - 1];
            --at;
        }
        pids[at] = entry.key;
    }
    return count;
}

ktl::ErrorOr<ExecutableFile> open_executable(const fs::Lookup& lookup, ktl::StringView path) {
    fs::Path found = TRY(fs::resolve(lookup, path, true));
    fs::InodeMetadata metadata = found.inode().metadata();
    // Linux: EACCES for a directory or anything but a regular file, and without an execute bit.
    if (!metadata.is_regular() || !fs::may_access(metadata, lookup.credentials, fs::access_execute) ||
        (found.mount->flags() & fs::mount_no_execute))
        return ktl::Errno::AccessDenied;
    ktl::RefPtr<ExecutableImage> image = TRY(read_executable(found.inode()));
    return ExecutableFile{static_cast<ktl::RefPtr<ExecutableImage>&&>(image), static_cast<fs::Path&&>(found)};
}

} // namespace proc
