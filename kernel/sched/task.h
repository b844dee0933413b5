// A kernel thread: its identity, stack, saved registers and FPU state, its place in the scheduler and
// its exit status. Tasks are reference counted: the task itself holds one reference until it has
// exited and been switched away from, each TaskHandle holds one; the last release frees it.
#pragma once

#include "ktl/error_or.h"
#include "ktl/format.h"
#include "ktl/intrusive_list.h"
#include "ktl/string_view.h"
#include "mm/address_space.h"
#include "mm/stacks.h"
#include "sched/eevdf.h"
#include "sched/wait_queue.h"

#include <cstdint>

namespace proc {
class Process;
struct ThreadSignals;
} // namespace proc

namespace sched {

enum class TaskState : uint8_t { Runnable, Running, Blocked, Exited };
const char* task_state_name(TaskState state);

inline constexpr size_t task_name_capacity = 32;

struct InAllTasks {};
struct InReaping {};

struct Task : ktl::IntrusiveListNode<InAllTasks>, ktl::IntrusiveListNode<InReaping> {
    uint64_t id = 0;
    char name[task_name_capacity] = {};
    TaskState state = TaskState::Runnable;
    int nice = 0;
    int exit_code = 0;
    // sched_setaffinity's mask: the CPUs it may run on (bit n: CPU n), inherited by clone.
    uint64_t allowed_cpus = ~0ull;

    mm::KernelStack stack;
    bool owns_stack = true; // the boot task runs on the boot stack, which is never freed
    uint64_t saved_stack_pointer = 0;
    void* fpu_state = nullptr; // arch::fpu_state_size() bytes, 64-byte aligned
    void* fpu_allocation = nullptr;
    // Runs code that uses the FPU/SSE registers: user programs, or kernel code that asked for them.
    // Only such tasks have their register state saved and restored; the kernel itself never touches
    // it, so a switch between two kernel-only tasks costs no FPU work.
    bool uses_fpu = false;
    // The user half it runs with (owned, destroyed when the task is reaped); null: kernel only.
    mm::AddressSpace* address_space = nullptr;
    // Sleeping locks (Mutex, RecursiveMutex) the task holds now; only it changes the count. While
    // any is held it reaps nothing: an exited task's address space may take file locks as it goes.
    uint32_t held_mutexes = 0;
    uint64_t user_thread_pointer = 0; // arch_prctl(ARCH_SET_FS)
    // set_robust_list: the user address of the thread's robust futex list head (walked as the thread
    // exits, proc/thread_exit.h); an address in `address_space`, so execve forgets it.
    uint64_t robust_list_head = 0;
    // set_tid_address / CLONE_CHILD_CLEARTID: the word zeroed and woken (futex) when the thread
    // exits, which pthread_join waits for; also an address in `address_space`.
    uint64_t clear_child_tid = 0;
    // The process the task runs for (null for kernel tasks, and once it has exited); its pid stays
    // for the log.
    proc::Process* process = nullptr;
    uint64_t process_id = 0;
    // Its signal mask, pending signals and alternate stack (proc/signals.h); null for kernel tasks.
    proc::ThreadSignals* signals = nullptr;
    // Set (atomically) when an unblocked signal may be pending: the return to user mode delivers
    // it, and an interruptible wait gives up.
    bool signal_pending = false;
    // In an interruptible wait: a signal sent to the task wakes it (see notify_signal).
    bool interruptible = false;

    SchedEntity entity;
    uint64_t created_ns = 0;

    void (*entry)(void*) = nullptr;
    void* argument = nullptr;

    WaitQueue exit_waiters;
    uint32_t references = 1;

    ktl::StringView name_view() const { return ktl::StringView(name); }
};

struct SpawnOptions {
    int nice = 0;
    uint64_t allowed_cpus = ~0ull;
    size_t stack_size = mm::default_kernel_stack_size;
    mm::AddressSpace* address_space = nullptr; // one reference handed to the task, even when spawning fails
    // Starts with a copy of the caller's FPU registers (clone) rather than the initial state. Tasks
    // with an address space always use the FPU; kernel tasks may ask for it.
    bool copy_fpu_state = false;
    bool uses_fpu = false;
};

// Owns one reference to a task: join() waits for its exit code; dropping the handle without joining
// detaches the task (it is freed when it exits).
class TaskHandle {
public:
    TaskHandle() = default;
    explicit TaskHandle(Task* task) : m_task(task) {}
    TaskHandle(TaskHandle&& other) : m_task(other.m_task) { other.m_task = nullptr; }
    TaskHandle& operator=(TaskHandle&& other);
    TaskHandle(const TaskHandle&) = delete;
    TaskHandle& operator=(const TaskHandle&) = delete;
    ~TaskHandle() { reset(); }

    // Blocks until the task has exited and returns its exit code; the handle is empty afterwards.
    int join();
    void reset();
    Task* task() const { return m_task; }
    uint64_t id() const { return m_task ? m_task->id : 0; }
    explicit operator bool() const { return m_task != nullptr; }

private:
    Task* m_task = nullptr;
};

// Creates a task that runs `entry(argument)`; returning from `entry` exits with code 0. It becomes
// runnable at once. Fails with NoMemory if its stack or control block cannot be allocated.
ktl::ErrorOr<TaskHandle> spawn(ktl::StringView name, void (*entry)(void*), void* argument,
                               const SpawnOptions& options = {});

} // namespace sched
