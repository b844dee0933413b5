// The scheduler's mechanism around the EEVDF policy: task creation, switching (with FPU state and the
// ring-0 entry stack), the tick, blocking and waking, exit and reaping, and the task list.
//
// Locks, in the order they may be taken: a wait queue's lock, then `scheduler_lock` (run queue, task
// states, the current task), then `task_list`. The scheduler lock is taken by the task that switches
// away and released by the task that resumes.
//
// FPU registers are switched lazily: they are saved when a task that uses them is switched away from,
// and restored only when a task that uses them resumes after another such task ran. Kernel-only tasks
// never touch them, so `fpu_registers_owner` (the task whose state the registers contain) survives
// any number of them. While a task that uses the FPU runs, it is always the holder.
//
// An exited task's stack, FPU area and address space are freed in task context with interrupts on
// (the next voluntary switch, a spawn, or the idle task), never on the interrupt-return path where a
// preempted task resumes: unmapping a stack or a whole address space is no work for interrupts-off.
#include "sched/scheduler.h"

#include "arch/context.h"
#include "arch/cpu.h"
#include "arch/interrupts.h"
#include "arch/user_mode.h"
#include "console/log.h"
#include "debug/panic.h"
#include "ktl/assert.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "sched/current.h"
#include "time/clock.h"
#include "time/timer_queue.h"

#include <cstring>
#include <new>

namespace sched {

namespace detail {
Task* current_task;
}

namespace {

constexpr ktl::StringView log_subsystem = "sched";
constexpr uint64_t idle_task_id = 0;

struct TaskList {
    ktl::IntrusiveList<Task, InAllTasks> tasks; // oldest first
    uint64_t next_id = 1;
};

sync::IrqSpinlock scheduler_lock;
EevdfQueue run_queue;
Task* idle_task;
bool switch_requested;
uint64_t current_started_ns;                      // when the running task's run time was last charged
ktl::IntrusiveList<Task, InReaping> exited_tasks; // switched away from for the last time
SchedulerStatistics counters;
Task* fpu_registers_owner;
// The task whose thread pointer FS base was last loaded with. Only a switch to another task reloads
// it: user code can change FS base itself (loading a selector into FS), so the value cached in the
// task is not a reliable picture of the register.
Task* thread_pointer_owner;
sync::SpinlockProtected<TaskList> task_list;

uint64_t now_ns() {
    return time::monotonic_ns();
}

void copy_name(Task& task, ktl::StringView name) {
    size_t length = name.length() < task_name_capacity - 1 ? name.length() : task_name_capacity - 1;
    memcpy(task.name, name.data(), length);
    task.name[length] = '\0';
}

// The idle task keeps id 0; every other task gets the next number.
void add_to_task_list(Task& task, bool assign_id = true) {
    task_list.with([&](TaskList& list) {
        if (assign_id)
            task.id = list.next_id++;
        task.entity.id = task.id;
        task.entity.owner = &task;
        list.tasks.push_back(task);
    });
}

void remove_from_task_list(Task& task) {
    task_list.with([&](TaskList& list) { list.tasks.remove(task); });
}

ktl::ErrorOr<void> allocate_fpu_state(Task& task) {
    task.fpu_allocation = mm::kmalloc(arch::fpu_state_size(), arch::fpu_state_alignment);
    if (!task.fpu_allocation)
        return ktl::Errno::NoMemory;
    task.fpu_state = task.fpu_allocation;
    arch::write_initial_fpu_state(task.fpu_state);
    return {};
}

void release_reference(Task* task) {
    if (__atomic_sub_fetch(&task->references, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    remove_from_task_list(*task);
    delete task;
}

// Frees what only a running task needs, once nothing runs on it any more.
void reap(Task* task) {
    if (task->owns_stack)
        mm::free_kernel_stack(task->stack);
    task->stack = {};
    mm::kfree(task->fpu_allocation);
    task->fpu_allocation = task->fpu_state = nullptr;
    mm::AddressSpace* space;
    {
        // snapshot_task reads the pointer under this lock and takes a reference.
        sync::SpinlockGuard guard(scheduler_lock);
        space = task->address_space;
        task->address_space = nullptr;
    }
    if (space)
        space->unref();      // no longer active here: another task runs
    release_reference(task); // the task's own reference
}

void reap_exited_tasks() {
    // A task preempted holding a lock (in kmalloc, say) must not run what an exited task's address
    // space does as it goes: its file mappings take their files' locks, maybe this very one. The
    // idle task, or this one later, reaps instead.
    if (detail::current_task && detail::current_task->held_mutexes != 0)
        return;
    for (;;) {
        Task* task;
        {
            sync::SpinlockGuard guard(scheduler_lock);
            task = exited_tasks.pop_front();
        }
        if (!task)
            return;
        reap(task);
    }
}

// Charges the running task for the time since it was last charged; true if its slice is used up.
bool charge_current(uint64_t now) {
    Task* current = detail::current_task;
    uint64_t elapsed = now - current_started_ns;
    current_started_ns = now;
    if (current == idle_task) {
        current->entity.runtime_ns += elapsed; // idle time, for the task list; no policy involved
        return false;
    }
    if (!current->entity.queued)
        return false;
    return run_queue.charge(current->entity, elapsed);
}

Task* pick_next() {
    SchedEntity* entity = run_queue.pick();
    if (!entity)
        return idle_task;
    return static_cast<Task*>(entity->owner);
}

// After a switch, in the task that now runs: take over the scheduler lock and release it. A task
// resuming with interrupts on is in task context and frees what exited tasks left behind.
void finish_switch(bool interrupts_were_enabled) {
    scheduler_lock.transfer_to_current();
    scheduler_lock.unlock(interrupts_were_enabled);
    if (interrupts_were_enabled)
        reap_exited_tasks();
}

// Called with the scheduler lock held; returns with it held, possibly much later, in the same task.
// A preempted task stays runnable whatever its state says: it may have been about to block and
// must get to re-check its condition.
// `now` is the caller's clock reading, taken under the lock: one read per switch (under TCG it is an
// emulated device access).
void switch_locked(bool preempted, uint64_t now) {
    Task* previous = detail::current_task;
    charge_current(now);
    if (previous != idle_task) {
        bool leaves_queue =
            previous->state == TaskState::Exited || (previous->state == TaskState::Blocked && !preempted);
        if (previous->entity.queued) {
            run_queue.stop_running(previous->entity, now);
            if (leaves_queue)
                run_queue.dequeue(previous->entity);
        }
        if (previous->state == TaskState::Running)
            previous->state = TaskState::Runnable;
    }
    switch_requested = false;
    Task* next = pick_next();
    if (next == previous) {
        if (previous != idle_task)
            run_queue.start_running(previous->entity, now);
        previous->state = TaskState::Running;
        return;
    }
    if (next != idle_task)
        run_queue.start_running(next->entity, now);
    next->state = TaskState::Running;
    ++counters.context_switches;
    if (preempted)
        ++counters.preemptions;
    if (previous->state == TaskState::Exited) {
        exited_tasks.push_back(*previous);
        if (fpu_registers_owner == previous)
            fpu_registers_owner = nullptr; // its area is about to be freed
        if (thread_pointer_owner == previous)
            thread_pointer_owner = nullptr; // a new task may be allocated at the same address
    } else if (previous->uses_fpu) {
        arch::save_fpu_state(previous->fpu_state);
    }
    if (next->uses_fpu && fpu_registers_owner != next) {
        arch::restore_fpu_state(next->fpu_state);
        fpu_registers_owner = next;
        ++counters.fpu_restores;
    }
    arch::set_ring0_entry_stack(next->stack.top);
    // Kernel tasks never touch FS base, so a program resuming after them finds its own value there.
    if (next->address_space && thread_pointer_owner != next) {
        arch::set_user_thread_pointer(next->user_thread_pointer);
        thread_pointer_owner = next;
    }
    if (next->address_space != previous->address_space)
        arch::activate_root(next->address_space ? next->address_space->root() : mm::kernel_root());
    detail::current_task = next;
    arch::switch_stacks(&previous->saved_stack_pointer, next->saved_stack_pointer);
}

void reschedule(bool preempted) {
    bool interrupts_were_enabled = scheduler_lock.lock();
    switch_locked(preempted, now_ns());
    finish_switch(interrupts_were_enabled);
}

// A new task's first instructions, reached through arch::thread_start_trampoline.
[[noreturn]] void task_start(void* argument) {
    Task* task = static_cast<Task*>(argument);
    finish_switch(true);
    task->entry(task->argument);
    exit(0);
}

// The idle task resumes on the interrupt-return path, so it reaps here, before halting.
[[noreturn]] void idle_loop(void*) {
    for (;;) {
        reap_exited_tasks();
        arch::wait_for_interrupt();
    }
}

// Interrupt return: switch if the tick or a wake asked for it and nothing forbids preemption.
void on_interrupt_return(arch::InterruptFrame& frame) {
    constexpr uint64_t interrupt_flag = 1 << 9;
    if (!switch_requested || sync::preempt_count() != 0 || !(frame.rflags & interrupt_flag))
        return;
    reschedule(true);
}

ktl::ErrorOr<Task*> create_task(ktl::StringView name, const SpawnOptions& options) {
    Task* task = new (std::nothrow) Task;
    if (!task) {
        if (options.address_space)
            options.address_space->unref();
        return ktl::Errno::NoMemory;
    }
    task->address_space = options.address_space;
    copy_name(*task, name);
    auto stack = mm::allocate_kernel_stack(task->name, options.stack_size);
    if (stack.is_error()) {
        if (task->address_space)
            task->address_space->unref();
        delete task;
        return stack.error();
    }
    task->stack = stack.value();
    if (auto fpu = allocate_fpu_state(*task); fpu.is_error()) {
        mm::free_kernel_stack(task->stack);
        if (task->address_space)
            task->address_space->unref();
        delete task;
        return fpu.error();
    }
    task->uses_fpu = options.uses_fpu || options.address_space || options.copy_fpu_state;
    // Only a caller that uses the FPU is sure to be the one whose state the registers hold.
    if (options.copy_fpu_state && detail::current_task && detail::current_task->uses_fpu)
        arch::save_fpu_state(task->fpu_state);
    task->nice = options.nice < min_nice ? min_nice : options.nice > max_nice ? max_nice : options.nice;
    task->entity.weight = weight_for_nice(task->nice);
    task->allowed_cpus = options.allowed_cpus;
    task->created_ns = now_ns();
    task->saved_stack_pointer = arch::prepare_thread_stack(task->stack.top, task_start, task);
    task->references = 2; // its own and the handle's
    return task;
}

} // namespace

const char* task_state_name(TaskState state) {
    switch (state) {
    case TaskState::Runnable:
        return "runnable";
    case TaskState::Running:
        return "running";
    case TaskState::Blocked:
        return "blocked";
    case TaskState::Exited:
        return "exited";
    }
    return "?";
}

void initialize(const mm::KernelStack& boot_stack) {
    arch::initialize_fpu();
    static Task boot_task;
    copy_name(boot_task, "boot");
    boot_task.stack = boot_stack;
    boot_task.owns_stack = false;
    boot_task.references = 2; // never reaped
    MUST(allocate_fpu_state(boot_task));
    boot_task.state = TaskState::Running;
    boot_task.created_ns = now_ns();

    auto idle = create_task("idle", {.nice = max_nice});
    if (idle.is_error())
        debug::panic("cannot create the idle task: {}", idle.error().name());
    idle_task = idle.value();
    idle_task->id = idle_task_id;
    idle_task->entry = idle_loop;
    add_to_task_list(*idle_task, false);
    add_to_task_list(boot_task);

    arch::set_ring0_entry_stack(boot_task.stack.top);
    current_started_ns = now_ns();
    run_queue.enqueue(boot_task.entity, current_started_ns);
    run_queue.start_running(boot_task.entity, current_started_ns);
    detail::current_task = &boot_task;
    arch::set_interrupt_return_hook(on_interrupt_return);
    klog::info(log_subsystem, "scheduler running: EEVDF, {} ms base slice, FPU state by {} ({} bytes)",
               run_queue.base_slice_ns() / 1'000'000, arch::fpu_save_method(), arch::fpu_state_size());
}

bool is_running() {
    return detail::current_task != nullptr;
}

Task* current_task() {
    return detail::current_task;
}

ktl::ErrorOr<TaskHandle> spawn(ktl::StringView name, void (*entry)(void*), void* argument,
                               const SpawnOptions& options) {
    reap_exited_tasks(); // a busy system may never idle: spawning gives back what exits left
    Task* task = TRY(create_task(name, options));
    task->entry = entry;
    task->argument = argument;
    add_to_task_list(*task);
    TaskHandle handle(task);
    bool interrupts_were_enabled = scheduler_lock.lock();
    run_queue.enqueue(task->entity, now_ns());
    if (pick_next() != detail::current_task)
        switch_requested = true;
    scheduler_lock.unlock(interrupts_were_enabled);
    return handle;
}

void yield() {
    assert_may_switch();
    bool interrupts_were_enabled = scheduler_lock.lock();
    Task* current = detail::current_task;
    uint64_t now = now_ns();
    charge_current(now);
    if (current != idle_task && current->entity.queued)
        run_queue.yield(current->entity);
    switch_locked(false, now);
    finish_switch(interrupts_were_enabled);
}

void exit(int code) {
    Task* task = detail::current_task;
    if (task == idle_task || !task->owns_stack)
        debug::panic("task '{}' cannot exit", task->name);
    assert_may_switch();
    task->exit_code = code;
    // Interrupts stay off from here: a preemption between marking the task exited and waking its
    // joiners would reap it with the joiners still asleep.
    arch::disable_interrupts();
    {
        sync::SpinlockGuard guard(scheduler_lock);
        task->state = TaskState::Exited;
    }
    // Joiners check the state; the task's own reference keeps it alive until it is reaped.
    task->exit_waiters.wake_all();
    (void)scheduler_lock.lock();
    switch_locked(false, now_ns());
    debug::panic("exited task '{}' was switched back to", task->name);
}

void mark_current_blocked() {
    bool interrupts_were_enabled = scheduler_lock.lock();
    detail::current_task->state = TaskState::Blocked;
    scheduler_lock.unlock(interrupts_were_enabled);
}

void mark_current_running() {
    bool interrupts_were_enabled = scheduler_lock.lock();
    detail::current_task->state = TaskState::Running;
    scheduler_lock.unlock(interrupts_were_enabled);
}

void assert_may_switch() {
    if (sync::preempt_count() != 0 && detail::current_task)
        debug::panic("task {} '{}' would sleep while holding a spinlock or with preemption off (count {})",
                     detail::current_task->id, detail::current_task->name, sync::preempt_count());
}

void block() {
    assert_may_switch();
    if (detail::current_task == idle_task)
        debug::panic("the idle task must never block");
    bool interrupts_were_enabled = scheduler_lock.lock();
    if (detail::current_task->state == TaskState::Blocked)
        switch_locked(false, now_ns());
    finish_switch(interrupts_were_enabled);
}

bool wake(Task* task) {
    bool interrupts_were_enabled = scheduler_lock.lock();
    bool was_blocked = task->state == TaskState::Blocked;
    if (was_blocked) {
        task->state = TaskState::Runnable;
        if (!task->entity.queued)
            run_queue.enqueue(task->entity, now_ns());
        if (task != detail::current_task && pick_next() != detail::current_task)
            switch_requested = true;
    }
    scheduler_lock.unlock(interrupts_were_enabled);
    return was_blocked;
}

// The pending flag is written before `interruptible` is read, and the waiter sets `interruptible`
// before it checks the flag: with both sequentially consistent, one of them sees the other.
void notify_signal(Task* task) {
    __atomic_store_n(&task->signal_pending, true, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&task->interruptible, __ATOMIC_SEQ_CST))
        wake(task);
}

bool signal_pending_for_current() {
    return __atomic_load_n(&detail::current_task->signal_pending, __ATOMIC_SEQ_CST);
}

namespace {
void wake_sleeper(time::Timer& timer) {
    wake(static_cast<Task*>(timer.context));
}
} // namespace

bool block_until(uint64_t deadline_ns) {
    if (now_ns() >= deadline_ns)
        return false;
    time::Timer timer;
    timer.deadline_ns = deadline_ns;
    timer.callback = wake_sleeper;
    timer.context = detail::current_task;
    time::arm_timer(timer);
    block();
    time::cancel_timer(timer);
    return now_ns() < deadline_ns;
}

void sleep_until(uint64_t deadline_ns) {
    assert_may_switch();
    while (now_ns() < deadline_ns) {
        mark_current_blocked();
        block_until(deadline_ns);
        mark_current_running();
    }
}

bool sleep_until_interruptible(uint64_t deadline_ns) {
    assert_may_switch();
    InterruptibleScope scope;
    while (now_ns() < deadline_ns) {
        mark_current_blocked();
        if (InterruptibleScope::interrupted()) {
            mark_current_running();
            return false;
        }
        block_until(deadline_ns);
        mark_current_running();
    }
    return true;
}

void sleep_for(uint64_t duration_ns) {
    sleep_until(time::deadline_after(duration_ns));
}

void on_timer_tick() {
    if (!detail::current_task)
        return;
    uint64_t now = now_ns();
    time::run_expired_timers(now);
    bool interrupts_were_enabled = scheduler_lock.lock();
    bool slice_used = charge_current(now);
    if (slice_used || pick_next() != detail::current_task)
        switch_requested = true;
    scheduler_lock.unlock(interrupts_were_enabled);
}

namespace {
// The registers become `task`'s (the running one), in their initial state. Whoever owned them before
// was saved when it was switched away from. Scheduler lock held.
void start_fpu_from_initial_state(Task* task) {
    task->uses_fpu = true;
    arch::load_initial_fpu_state();
    fpu_registers_owner = task;
}
} // namespace

void use_fpu_in_kernel() {
    sync::SpinlockGuard guard(scheduler_lock);
    Task* task = detail::current_task;
    if (task->uses_fpu)
        return;
    start_fpu_from_initial_state(task);
}

void replace_address_space(mm::AddressSpace* space) {
    Task* task = detail::current_task;
    mm::AddressSpace* old;
    {
        sync::SpinlockGuard guard(scheduler_lock);
        old = task->address_space;
        task->address_space = space;
        task->robust_list_head = 0; // an address in the old space (Linux forgets it at execve too)
        task->clear_child_tid = 0;
        arch::activate_root(space ? space->root() : mm::kernel_root());
        // A new program starts from the initial register state, as after execve on Linux, and sets
        // its own thread pointer (the caller writes FS base).
        start_fpu_from_initial_state(task);
        thread_pointer_owner = task;
    }
    if (old)
        old->unref(); // not active on this CPU any more
}

void take_task_id(uint64_t id) {
    sync::SpinlockGuard guard(scheduler_lock);
    detail::current_task->id = id;
}

void reap_exited_tasks_now() {
    reap_exited_tasks();
}

SchedulerStatistics statistics() {
    SchedulerStatistics result;
    {
        sync::SpinlockGuard guard(scheduler_lock);
        result = counters;
    }
    result.live_tasks = task_list.with([](TaskList& list) { return uint64_t(list.tasks.size()); });
    return result;
}

ktl::ErrorOr<TaskSnapshot> snapshot_task(uint64_t id) {
    TaskSnapshot snapshot;
    bool found = false;
    {
        sync::SpinlockGuard guard(scheduler_lock); // before task_list, as the lock order says
        task_list.with([&](TaskList& list) {
            for (Task& task : list.tasks) {
                if (task.id != id || &task == idle_task)
                    continue;
                found = true;
                snapshot.id = task.id;
                memcpy(snapshot.name, task.name, sizeof snapshot.name);
                snapshot.state = task.state;
                snapshot.nice = task.nice;
                snapshot.runtime_ns = task.entity.runtime_ns;
                if (&task == detail::current_task)
                    snapshot.runtime_ns += now_ns() - current_started_ns; // not charged yet
                snapshot.created_ns = task.created_ns;
                snapshot.switches = task.entity.switches;
                snapshot.robust_list_head = task.robust_list_head;
                if (task.address_space) {
                    task.address_space->ref();
                    snapshot.address_space = task.address_space;
                }
                return;
            }
        });
    }
    if (!found)
        return ktl::Errno::NoSuchProcess;
    return snapshot;
}

namespace {

// Runs `visit` on task `id` (not the idle task) under the scheduler's locks; NoSuchProcess if none.
template <typename Visit>
ktl::ErrorOr<void> with_task_locked(uint64_t id, Visit visit) {
    bool found = false;
    sync::SpinlockGuard guard(scheduler_lock); // before task_list, as the lock order says
    task_list.with([&](TaskList& list) {
        for (Task& task : list.tasks) {
            if (task.id != id || &task == idle_task || task.state == TaskState::Exited)
                continue;
            found = true;
            visit(task);
            return;
        }
    });
    if (!found)
        return ktl::Errno::NoSuchProcess;
    return {};
}

} // namespace

ktl::ErrorOr<int> task_nice(uint64_t id) {
    int nice = 0;
    TRY(with_task_locked(id, [&](Task& task) { nice = task.nice; }));
    return nice;
}

ktl::ErrorOr<void> set_task_nice(uint64_t id, int nice) {
    nice = nice < min_nice ? min_nice : nice > max_nice ? max_nice : nice;
    TRY(with_task_locked(id, [&](Task& task) {
        if (&task == detail::current_task)
            charge_current(now_ns()); // what it ran so far counts at the old weight
        task.nice = nice;
        run_queue.reweight(task.entity, weight_for_nice(nice));
        switch_requested = true; // the placement changed: pick again at the next interrupt return
    }));
    return {};
}

uint64_t online_cpus() {
    return 1; // CPU 0 until SMP brings up the others
}

ktl::ErrorOr<uint64_t> task_allowed_cpus(uint64_t id) {
    uint64_t mask = 0;
    TRY(with_task_locked(id, [&](Task& task) { mask = task.allowed_cpus; }));
    return mask;
}

ktl::ErrorOr<void> set_task_allowed_cpus(uint64_t id, uint64_t mask) {
    if ((mask & online_cpus()) == 0)
        return ktl::Errno::InvalidArgument;
    return with_task_locked(id, [&](Task& task) { task.allowed_cpus = mask; });
}

CpuTimes cpu_times() {
    CpuTimes times;
    uint64_t now = now_ns();
    sync::SpinlockGuard guard(scheduler_lock);
    task_list.with([&](TaskList& list) {
        for (Task& task : list.tasks) {
            uint64_t runtime = task.entity.runtime_ns;
            if (&task == detail::current_task)
                runtime += now - current_started_ns;
            if (&task == idle_task)
                times.idle_ns = runtime;
            else if (task.process)
                times.user_ns += runtime;
        }
    });
    uint64_t accounted = times.idle_ns + times.user_ns;
    times.system_ns = now > accounted ? now - accounted : 0;
    return times;
}

TaskCounts task_counts() {
    TaskCounts counts;
    task_list.with([&](TaskList& list) {
        counts.last_id = list.next_id - 1;
        for (Task& task : list.tasks) {
            if (&task == idle_task || task.state == TaskState::Exited)
                continue;
            ++counts.total;
            if (task.state == TaskState::Blocked)
                ++counts.blocked;
            else
                ++counts.runnable;
        }
    });
    return counts;
}

void write_task_list(ktl::FormatSink& sink) {
    uint64_t now = now_ns();
    ktl::format_to(sink, "{:>5} {:<16} {:<9} {:>4} {:>10} {:>9} {:>10} {:>6}\n", "ID", "NAME", "STATE",
                   "NICE", "RUN ms", "SWITCHES", "WAIT ms", "AGE s");
    task_list.with([&](TaskList& list) {
        for (Task& task : list.tasks)
            ktl::format_to(sink, "{:>5} {:<16} {:<9} {:>4} {:>10} {:>9} {:>10} {:>6}\n", task.id, task.name,
                           task_state_name(task.state), task.nice, task.entity.runtime_ns / 1'000'000,
                           task.entity.switches, task.entity.wait_ns / 1'000'000,
                           (now - task.created_ns) / 1'000'000'000);
    });
}

void log_task_list() {
    char text[4096];
    ktl::BufferSink sink(text, sizeof text);
    write_task_list(sink);
    klog::write_lines(klog::Level::Info, log_subsystem, sink.view());
}

TaskHandle& TaskHandle::operator=(TaskHandle&& other) {
    if (this != &other) {
        reset();
        m_task = other.m_task;
        other.m_task = nullptr;
    }
    return *this;
}

int TaskHandle::join() {
    Task* task = m_task;
    task->exit_waiters.wait_until(
        [task] { return __atomic_load_n(&task->state, __ATOMIC_ACQUIRE) == TaskState::Exited; });
    int code = task->exit_code;
    reset();
    return code;
}

void TaskHandle::reset() {
    if (m_task)
        release_reference(m_task);
    m_task = nullptr;
}

} // namespace sched

namespace sync::detail {

uint32_t preempt_counter;

// Preemption was off when a wake or the tick asked for a switch; it is on again now.
void reschedule_if_requested() {
    if (sched::switch_requested && sched::detail::current_task && arch::interrupts_enabled())
        sched::reschedule(true);
}

void count_held_mutex(int change) {
    if (sched::Task* task = sched::detail::current_task)
        task->held_mutexes += change;
}

const void* lock_owner_token() {
    static const char boot_context = 0;
    return sched::detail::current_task ? static_cast<const void*>(sched::detail::current_task)
                                       : &boot_context;
}

void report_lock_misuse(const char* what, const void* lock) {
    sched::Task* task = sched::detail::current_task;
    debug::panic("{} (lock at {:#x}, task {} '{}')", what, reinterpret_cast<uint64_t>(lock),
                 task ? task->id : 0, task ? task->name : "boot");
}

} // namespace sync::detail
