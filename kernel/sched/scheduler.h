// The scheduler: one run queue ordered by the EEVDF policy (libs/sched), cooperative yield(),
// preemption from the timer tick, blocking and waking, sleeping, exit and reaping.
#pragma once

#include "ktl/format.h"
#include "mm/stacks.h"
#include "sched/task.h"

#include <cstdint>

namespace sched {

// The code running now becomes the task "boot" (on `boot_stack`) and an idle task is created.
void initialize(const mm::KernelStack& boot_stack);
bool is_running();

Task* current_task();
// Gives the processor to another runnable task, if there is one that the policy prefers.
void yield();
[[noreturn]] void exit(int code);

// Panics, naming the task, if it holds a spinlock or turned preemption off: switching away now would
// hand its preemption count to the next task (or hang it on the same lock). Called by everything that
// may switch: yield, exit, block, sleeping.
void assert_may_switch();

// Blocking protocol (see WaitQueue): mark the current task blocked, make sure something will wake
// it, then block(). A wake that comes in between makes block() return at once.
void mark_current_blocked();
void mark_current_running();
// Switches away if the current task is still marked blocked. Must not be called holding a spinlock.
void block();
// block() with a timer that wakes the task at `deadline_ns` (monotonic); false once it has passed.
bool block_until(uint64_t deadline_ns);
// Makes a blocked task runnable; returns false if it was not blocked.
bool wake(Task* task);
// A signal may need `task`'s attention: marks it pending and wakes it from an interruptible wait.
void notify_signal(Task* task);
// Whether the running task has a signal that should end an interruptible wait.
bool signal_pending_for_current();
// Sleeps until `deadline_ns` (monotonic) unless a signal comes first; returns false if one did.
[[nodiscard]] bool sleep_until_interruptible(uint64_t deadline_ns);

void sleep_for(uint64_t duration_ns);
void sleep_until(uint64_t deadline_ns);

// Timer tick: charges the running task and asks for a switch when its slice is used up.
void on_timer_tick();

// The running task moves to `space` (taking over the caller's reference) and drops its reference to
// the old one, and its FPU registers start over from their initial state: execve.
void replace_address_space(mm::AddressSpace* space);

// execve from a thread other than the main one: the running task takes the group's id (the main
// task's, which has exited), as Linux gives the exec'ing thread the pid.
void take_task_id(uint64_t id);

// The running kernel task starts using the FPU/SSE registers (from their initial state); from now on
// they are saved and restored with it. Tasks running user programs need not call it.
void use_fpu_in_kernel();

// Frees the tasks that have exited now rather than at the next switch or idle moment. Task
// context only; tests use it to measure without leftovers from earlier tasks.
void reap_exited_tasks_now();

struct SchedulerStatistics {
    uint64_t context_switches = 0;
    uint64_t preemptions = 0;  // switches forced by the tick
    uint64_t fpu_restores = 0; // switches that had to load another task's FPU registers
    uint64_t live_tasks = 0;
};
SchedulerStatistics statistics();

// One task as /proc shows it, copied under the scheduler's locks.
struct TaskSnapshot {
    uint64_t id = 0;
    char name[task_name_capacity] = {};
    TaskState state = TaskState::Runnable;
    int nice = 0;
    uint64_t runtime_ns = 0;
    uint64_t created_ns = 0;
    uint64_t switches = 0;
    uint64_t robust_list_head = 0;
    // One reference for the caller (release() it), or null for a kernel task or one reaped.
    mm::AddressSpace* address_space = nullptr;
};
// NoSuchProcess if no task has that id (any more).
ktl::ErrorOr<TaskSnapshot> snapshot_task(uint64_t id);

// A task's nice value, and setpriority's change of it (clamped to min_nice..max_nice; the task's
// share of the processor follows at once). NoSuchProcess for an unknown or exited task.
ktl::ErrorOr<int> task_nice(uint64_t id);
ktl::ErrorOr<void> set_task_nice(uint64_t id, int nice);
// The processors that are up (bit n: CPU n), and a task's affinity mask (sched_setaffinity):
// InvalidArgument for a mask with no processor that is up.
uint64_t online_cpus();
ktl::ErrorOr<uint64_t> task_allowed_cpus(uint64_t id);
ktl::ErrorOr<void> set_task_allowed_cpus(uint64_t id, uint64_t mask);

// The processor's time since boot, for /proc/stat: the idle task's, the live user tasks' (programs)
// and the rest (kernel tasks, and tasks that have exited).
struct CpuTimes {
    uint64_t user_ns = 0;
    uint64_t system_ns = 0;
    uint64_t idle_ns = 0;
};
CpuTimes cpu_times();
// Task counts for /proc/loadavg and /proc/stat.
struct TaskCounts {
    uint64_t total = 0;
    uint64_t runnable = 0; // running or waiting for the processor, idle excluded
    uint64_t blocked = 0;
    uint64_t last_id = 0; // the most recently given task id
};
TaskCounts task_counts();

// A `ps`-style table: id, name, state, nice, run time, switches, wait time.
void write_task_list(ktl::FormatSink& sink);
void log_task_list();

} // namespace sched
