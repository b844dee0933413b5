#include "proc/process.h"

#include "arch/user_mode.h"
#include "console/log.h"
#include "console/tty.h"
#include "demangle/demangle.h"
#include "elf/elf_file.h"
#include "fs/initrd.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"

#include <cstring>
#include <new>

namespace proc {

namespace {

constexpr ktl::StringView log_subsystem = "proc";
constexpr uint64_t clone_vm = 0x100, clone_vfork = 0x4000, exit_signal_mask = 0xff;

sync::Mutex tree_lock; // parent/children links, states, references, the counters below
size_t processes_alive;
Process* first_process;
[[noreturn]] void (*first_process_exit)(int wait_status);

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
};

} // namespace

// The parts of Process only this file touches.
struct ProcessAccess {
    static Process* create(ktl::StringView name, Process* parent) {
        auto* process = new (std::nothrow) Process;
        if (!process)
            return nullptr;
        copy_name(process->m_name, name);
        process->m_references = parent ? 2 : 1; // the main task's, and the parent's
        return process;
    }

    // Under the tree lock. Frees the process when the last reference goes.
    static void drop_reference_locked(Process* process) {
        if (--process->m_references > 0)
            return;
        --processes_alive;
        delete process;
    }

    static void link_child_locked(Process* parent, Process* child) {
        child->m_parent = parent;
        parent->m_children.push_back(*child);
        ++processes_alive;
    }

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

    // Children of an exiting process go to the first process, as Linux gives them to init; with no
    // first process (or if it is the one exiting) they are on their own and freed as they exit.
    static void reparent_children_locked(Process* process) {
        Process* adopter = first_process && first_process != process ? first_process : nullptr;
        while (Process* child = process->m_children.pop_front()) {
            if (adopter) {
                child->m_parent = adopter;
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
        process->m_files.close_all();
        sync::MutexLocker locker(tree_lock);
        if (process->m_parent)
            process->m_parent->m_children.remove(*process);
        else
            ++processes_alive; // drop_reference_locked counts it down
        process->m_parent = nullptr;
        process->m_references = 1;
        drop_reference_locked(process);
    }

    static void set_pid(Process* process, uint64_t pid) { process->m_pid = pid; }
    static void set_name(Process* process, ktl::StringView name) { copy_name(process->m_name, name); }
    static uint64_t parent_pid_locked(Process* process) {
        return process->m_parent ? process->m_parent->m_pid : 0;
    }

    enum class FpuStart { Initial, CopyOfCaller };
    static ktl::ErrorOr<sched::TaskHandle> start(Process* process, StartRequest* request,
                                                 ktl::StringView name, mm::AddressSpace* space,
                                                 FpuStart fpu = FpuStart::Initial) {
        // Not a word about `process` after this: a parentless process may already have run and
        // been freed. The child sets its own pid.
        return sched::spawn(name, start_main_task, request,
                            {.address_space = space, .copy_fpu_state = fpu == FpuStart::CopyOfCaller});
    }

    [[noreturn]] static void start_main_task(void* argument) {
        StartRequest request = *static_cast<StartRequest*>(argument);
        delete static_cast<StartRequest*>(argument);
        sched::Task* task = sched::current_task();
        set_pid(request.process, task->id);
        task->process = request.process;
        task->process_id = task->id;
        task->user_thread_pointer = request.thread_pointer;
        arch::set_user_thread_pointer(request.thread_pointer);
        if (request.from_frame)
            return_to_user_mode(&request.frame);
        enter_user_mode(request.entry, request.stack_pointer);
    }

    static ktl::ErrorOr<WaitResult> wait(Process* parent, int64_t pid, bool no_hang) {
        for (;;) {
            uint64_t generation;
            {
                sync::MutexLocker locker(tree_lock);
                generation = __atomic_load_n(&parent->m_child_event_generation, __ATOMIC_ACQUIRE);
                bool any = false;
                Process* zombie = nullptr;
                for (Process& child : parent->m_children) {
                    if (pid > 0 && child.m_pid != static_cast<uint64_t>(pid))
                        continue;
                    any = true;
                    if (child.m_state == ProcessState::Zombie) {
                        zombie = &child;
                        break;
                    }
                }
                if (!any)
                    return ktl::Errno::NoChild;
                if (zombie) {
                    WaitResult result{zombie->m_pid, zombie->m_wait_status, zombie->m_run_time_ns};
                    parent->m_children.remove(*zombie);
                    zombie->m_parent = nullptr;
                    drop_reference_locked(zombie);
                    return result;
                }
            }
            if (no_hang)
                return WaitResult{};
            parent->m_child_events.wait_until([&] {
                return __atomic_load_n(&parent->m_child_event_generation, __ATOMIC_ACQUIRE) != generation;
            });
        }
    }

    static void wait_for_vfork_child(Process* child) {
        child->m_vfork_done_queue.wait_until(
            [&] { return !__atomic_load_n(&child->m_vfork_pending, __ATOMIC_ACQUIRE); });
    }

    static void set_vfork_pending_locked(Process* child) { child->m_vfork_pending = true; }

    [[noreturn]] static void exit(Process* process, int wait_status) {
        sched::Task* task = sched::current_task();
        bool is_first = process == first_process;
        // The seed's words. Routine exits are debug records: at info, every posix_spawn paid for a
        // line on two serial ports, which emulated UARTs pass on a host write per byte.
        if (!terminating_signal(wait_status)) {
            klog::log(is_first ? klog::Level::Info : klog::Level::Debug, log_subsystem,
                      "Process ending with code: {}", exit_code_of(wait_status));
        }
        process->m_files.close_all();
        {
            sync::MutexLocker locker(tree_lock);
            release_vfork_parent_locked(process);
            reparent_children_locked(process);
            process->m_state = ProcessState::Zombie;
            process->m_wait_status = wait_status;
            process->m_run_time_ns = task->entity.runtime_ns;
            if (process->m_parent)
                notify_parent_locked(process->m_parent);
            task->process = nullptr;
            if (is_first)
                first_process = nullptr;
            drop_reference_locked(process); // the main task's
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

Process* current_process() {
    sched::Task* task = sched::current_task();
    return task ? task->process : nullptr;
}

namespace {

// fds 0, 1 and 2 on the console terminal, one description shared by all three (as a login shell's).
ktl::ErrorOr<void> open_standard_streams(fs::FileTable& files) {
    fs::FileRef terminal = TRY(console::open_terminal());
    for (int fd = 0; fd < 3; ++fd)
        TRY(files.install_at(fd, fs::FileRef::retain(terminal.get()), false));
    return {};
}

} // namespace

ktl::ErrorOr<sched::TaskHandle> spawn_program(ktl::StringView name, ktl::ByteReader file,
                                              const ProgramArguments& arguments) {
    LoadedProgram program = TRY(load_program(name, file, arguments));
    return start_process(name, program, file);
}

ktl::ErrorOr<sched::TaskHandle> start_process(ktl::StringView name, const LoadedProgram& program,
                                              ktl::ByteReader executable) {
    Process* process = ProcessAccess::create(name, nullptr);
    auto* request =
        new (std::nothrow) StartRequest{process, false, program.entry, program.stack_pointer, 0, {}};
    auto ready = [&]() -> ktl::ErrorOr<void> {
        if (!process || !request)
            return ktl::Errno::NoMemory;
        return open_standard_streams(process->files());
    }();
    if (ready.is_error()) {
        program.address_space->release();
        if (process)
            ProcessAccess::discard(process);
        delete request;
        return ready.error();
    }
    program.address_space->break_start = program.address_space->break_end = program.image_end;
    process->executable = executable;
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

ktl::Error become_first_process(ktl::StringView path, ktl::ByteReader file, const ProgramArguments& arguments,
                                [[noreturn]] void (*on_exit)(int wait_status)) {
    ktl::StringView name = base_name(path);
    auto loaded = load_program(name, file, arguments);
    if (loaded.is_error())
        return loaded.error();
    LoadedProgram program = loaded.value();
    Process* process = ProcessAccess::create(name, nullptr);
    if (!process) {
        program.address_space->release();
        return ktl::Error::from_errno(ktl::Errno::NoMemory);
    }
    if (auto opened = open_standard_streams(process->files()); opened.is_error()) {
        program.address_space->release();
        ProcessAccess::discard(process);
        return opened.error();
    }
    sched::Task* task = sched::current_task();
    program.address_space->break_start = program.address_space->break_end = program.image_end;
    process->executable = file;
    process->load_bias = program.load_bias;
    ProcessAccess::set_pid(process, task->id);
    {
        sync::MutexLocker locker(tree_lock);
        ++processes_alive;
        first_process = process;
        first_process_exit = on_exit;
    }
    task->process = process;
    task->process_id = task->id;
    copy_name(task->name, name);
    sched::replace_address_space(program.address_space);
    klog::info(log_subsystem, "starting {} as process {}", path, task->id);
    enter_user_mode(program.entry, program.stack_pointer);
}

ktl::ErrorOr<long> clone_process(uint64_t flags, uint64_t stack, const arch::InterruptFrame& frame) {
    Process* parent = current_process();
    if (!parent)
        return ktl::Errno::InvalidArgument;
    uint64_t exit_signal = flags & exit_signal_mask;
    if ((flags & ~(clone_vm | clone_vfork | exit_signal_mask)) != 0 || exit_signal > 64)
        return ktl::Errno::InvalidArgument;
    if ((flags & (clone_vm | clone_vfork)) != (clone_vm | clone_vfork))
        return ktl::Errno::NotImplemented; // fork needs copy-on-write; CLONE_VM alone needs threads
    sched::Task* task = sched::current_task();
    Process* child = ProcessAccess::create(parent->name(), parent);
    auto* request = new (std::nothrow) StartRequest{child, true, 0, 0, task->user_thread_pointer, frame};
    if (!child || !request) {
        delete request;
        if (child)
            ProcessAccess::discard(child);
        return ktl::Errno::NoMemory;
    }
    request->frame.rax = 0;
    if (stack)
        request->frame.rsp = stack;
    (void)child->files().copy_from(parent->files());
    memcpy(child->signal_actions, parent->signal_actions, sizeof child->signal_actions);
    child->blocked_signals = parent->blocked_signals;
    child->executable = parent->executable;
    child->load_bias = parent->load_bias;
    {
        sync::MutexLocker locker(tree_lock);
        ProcessAccess::link_child_locked(parent, child);
        ProcessAccess::set_vfork_pending_locked(child);
    }
    task->address_space->retain(); // shared with the child until it calls execve
    // The child continues the caller's program, with its registers: vector registers included.
    auto started = ProcessAccess::start(child, request, task->name_view(), task->address_space,
                                        ProcessAccess::FpuStart::CopyOfCaller);
    if (started.is_error()) {
        delete request;
        ProcessAccess::discard(child); // the failed spawn released the address space reference
        return started.error();
    }
    long pid = static_cast<long>(started.value().id());
    started.value().reset();                    // the process, not a handle, follows the child from here
    ProcessAccess::wait_for_vfork_child(child); // the child is ours until we wait for it: still valid
    return pid;
}

ktl::ErrorOr<void> execute(ktl::StringView path, const ProgramArguments& arguments,
                           arch::InterruptFrame& frame) {
    Process* process = current_process();
    if (!process)
        return ktl::Errno::InvalidArgument;
    ktl::ByteReader file = TRY(fs::open_executable(path));
    ktl::StringView name = base_name(path);
    LoadedProgram program = TRY(load_program(name, file, arguments));
    // No way back from here: the old program is gone.
    sched::Task* task = sched::current_task();
    sched::replace_address_space(program.address_space);
    process->files().close_on_exec_all();
    for (SignalAction& action : process->signal_actions)
        if (action.handler > 1)
            action = {}; // handlers are in the old program; ignored signals stay ignored
    program.address_space->break_start = program.address_space->break_end = program.image_end;
    process->executable = file;
    process->load_bias = program.load_bias;
    task->user_thread_pointer = 0;
    arch::set_user_thread_pointer(0);
    ProcessAccess::set_name(process, name);
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

ktl::ErrorOr<WaitResult> wait_for_child(int64_t pid, bool no_hang) {
    Process* parent = current_process();
    if (!parent)
        return ktl::Errno::NoChild;
    return ProcessAccess::wait(parent, pid, no_hang);
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

} // namespace proc
