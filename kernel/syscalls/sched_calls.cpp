// Scheduling calls: nice values (getpriority, setpriority), CPU affinity (sched_getaffinity,
// sched_setaffinity) and the policy queries of a kernel whose only policy is SCHED_OTHER (EEVDF).
// As on Linux, a "pid" here names a thread (0: the caller) and a nice value belongs to a thread;
// PRIO_PGRP and PRIO_USER reach every thread of the processes they select.
#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/signals.h"
#include "sched/eevdf.h"
#include "sched/scheduler.h"
#include "sync/spinlock.h"
#include "syscalls/handlers.h"

namespace syscalls {

namespace {

constexpr int prio_process = 0, prio_pgrp = 1, prio_user = 2;
constexpr int sched_other = 0, sched_fifo = 1, sched_rr = 2, sched_batch = 3, sched_idle = 5,
              sched_deadline = 6;
// The kernel's cpumask is one long while there are at most 64 processors.
constexpr size_t cpu_mask_bytes = sizeof(uint64_t);
constexpr size_t max_threads_per_call = 64; // beyond that, the rest of a group keeps its nice

struct Target {
    uint64_t tid = 0;
    uint32_t real_uid = 0, effective_uid = 0;
};

// The threads `which`/`who` select (who 0: the caller's thread, group or real uid), up to `capacity`.
ktl::ErrorOr<size_t> select_threads(int which, int who, Target* targets, size_t capacity) {
    if (which < prio_process || which > prio_user)
        return ktl::Errno::InvalidArgument;
    if (who < 0)
        return ktl::Errno::NoSuchProcess; // nothing is numbered below 0
    proc::Identity caller = proc::current_process()->identity();
    size_t count = 0;
    auto add_threads = [&](proc::Process& process) {
        if (process.state_locked() == proc::ProcessState::Zombie)
            return;
        proc::Identity ids = process.identity();
        sync::SpinlockGuard guard(process.signals.lock);
        for (proc::ThreadSignals& thread : process.signals.threads) {
            if (count == capacity || thread.tid == 0)
                continue;
            targets[count++] = {thread.tid, ids.real_uid, ids.effective_uid};
        }
    };
    if (which == prio_process) {
        uint64_t tid = who == 0 ? sched::current_task()->id : static_cast<uint64_t>(who);
        uint32_t real_uid = 0, effective_uid = 0;
        bool live = false;
        TRY(proc::with_thread_group(tid, [&](proc::Process& process) {
            proc::Identity ids = process.identity();
            real_uid = ids.real_uid;
            effective_uid = ids.effective_uid;
            live = process.state_locked() != proc::ProcessState::Zombie;
        }));
        if (!live)
            return ktl::Errno::NoSuchProcess;
        targets[0] = {tid, real_uid, effective_uid};
        return 1;
    }
    uint64_t pids[max_threads_per_call];
    size_t pid_count = 0;
    if (which == prio_pgrp) {
        uint64_t group = who == 0 ? TRY(proc::process_group_of(0)) : static_cast<uint64_t>(who);
        size_t total = 0;
        pid_count = proc::list_group(group, pids, max_threads_per_call, total);
    } else {
        pid_count = proc::list_pids(pids, max_threads_per_call);
    }
    uint32_t uid = who == 0 ? caller.real_uid : static_cast<uint32_t>(who);
    for (size_t i = 0; i < pid_count && count < capacity; ++i) {
        (void)proc::with_process(pids[i], [&](proc::Process& process) {
            if (which == prio_user && process.identity().real_uid != uid)
                return;
            add_threads(process);
        });
    }
    if (count == 0)
        return ktl::Errno::NoSuchProcess;
    return count;
}

// Linux's set_one_prio checks: the caller must own the target (or be root) to change it at all,
// and be root to make it less nice.
ktl::ErrorOr<void> may_change(const proc::Identity& caller, const Target& target, int old_nice, int nice) {
    bool root = caller.effective_uid == 0;
    if (!root && caller.effective_uid != target.real_uid && caller.effective_uid != target.effective_uid)
        return ktl::Errno::NotPermitted;
    if (!root && nice < old_nice)
        return ktl::Errno::AccessDenied;
    return {};
}

// A "pid" of the sched_* calls: the caller's thread for 0, else a live thread of some process.
ktl::ErrorOr<uint64_t> thread_named(int pid) {
    if (pid < 0)
        return ktl::Errno::InvalidArgument;
    if (pid == 0)
        return sched::current_task()->id;
    TRY(proc::with_thread_group(static_cast<uint64_t>(pid), [](proc::Process&) {}));
    return static_cast<uint64_t>(pid);
}

} // namespace

Result sys_getpriority(int which, int who) {
    Target targets[max_threads_per_call];
    size_t count = TRY(select_threads(which, who, targets, max_threads_per_call));
    int best = sched::max_nice + 1;
    for (size_t i = 0; i < count; ++i) {
        auto nice = sched::task_nice(targets[i].tid);
        if (!nice.is_error() && nice.value() < best)
            best = nice.value();
    }
    if (best > sched::max_nice)
        return ktl::Errno::NoSuchProcess;
    return static_cast<long>(20 - best); // the raw call's 1..40, which libc turns back into a nice value
}

Result sys_setpriority(int which, int who, int nice) {
    Target targets[max_threads_per_call];
    size_t count = TRY(select_threads(which, who, targets, max_threads_per_call));
    nice = nice < sched::min_nice ? sched::min_nice : nice > sched::max_nice ? sched::max_nice : nice;
    proc::Identity caller = proc::current_process()->identity();
    ktl::ErrorOr<void> result = ktl::Errno::NoSuchProcess;
    for (size_t i = 0; i < count; ++i) {
        auto old_nice = sched::task_nice(targets[i].tid);
        if (old_nice.is_error())
            continue;
        result = may_change(caller, targets[i], old_nice.value(), nice);
        if (!result.is_error())
            result = sched::set_task_nice(targets[i].tid, nice);
    }
    TRY(result);
    return 0;
}

Result sys_sched_getaffinity(int pid, uint64_t length, mm::UserPtr<uint8_t> mask) {
    if (length < cpu_mask_bytes || length % sizeof(uint64_t) != 0)
        return ktl::Errno::InvalidArgument;
    uint64_t tid = TRY(thread_named(pid));
    uint64_t allowed = TRY(sched::task_allowed_cpus(tid)) & sched::online_cpus();
    TRY(mm::copy_to_user(mask.address(), &allowed, sizeof allowed));
    return static_cast<long>(cpu_mask_bytes); // the bytes written; the rest of the caller's is untouched
}

Result sys_sched_setaffinity(int pid, uint64_t length, mm::UserPtr<uint8_t> mask) {
    uint8_t bytes[cpu_mask_bytes] = {};
    // A shorter mask means the processors it leaves out; a longer one's extra bytes name none here.
    TRY(mm::copy_from_user(bytes, mask.address(), length < cpu_mask_bytes ? length : cpu_mask_bytes));
    uint64_t wanted = 0;
    for (size_t i = 0; i < cpu_mask_bytes; ++i)
        wanted |= static_cast<uint64_t>(bytes[i]) << (8 * i);
    uint64_t tid = TRY(thread_named(pid));
    proc::Identity caller = proc::current_process()->identity();
    uint32_t real_uid = 0, effective_uid = 0;
    TRY(proc::with_thread_group(tid, [&](proc::Process& process) {
        proc::Identity ids = process.identity();
        real_uid = ids.real_uid;
        effective_uid = ids.effective_uid;
    }));
    if (caller.effective_uid != 0 && caller.effective_uid != real_uid &&
        caller.effective_uid != effective_uid)
        return ktl::Errno::NotPermitted;
    TRY(sched::set_task_allowed_cpus(tid, wanted));
    return 0;
}

Result sys_sched_getscheduler(int pid) {
    TRY(thread_named(pid));
    return sched_other;
}

Result sys_sched_getparam(int pid, mm::UserPtr<int32_t> parameter) {
    if (parameter.is_null())
        return ktl::Errno::InvalidArgument;
    TRY(thread_named(pid));
    int32_t priority = 0; // struct sched_param: SCHED_OTHER's static priority is 0
    TRY(mm::copy_to_user(parameter.address(), &priority, sizeof priority));
    return 0;
}

Result sys_sched_get_priority_max(int policy) {
    if (policy == sched_fifo || policy == sched_rr)
        return 99;
    if (policy == sched_other || policy == sched_batch || policy == sched_idle || policy == sched_deadline)
        return 0;
    return ktl::Errno::InvalidArgument;
}

Result sys_sched_get_priority_min(int policy) {
    if (policy == sched_fifo || policy == sched_rr)
        return 1;
    if (policy == sched_other || policy == sched_batch || policy == sched_idle || policy == sched_deadline)
        return 0;
    return ktl::Errno::InvalidArgument;
}

} // namespace syscalls
