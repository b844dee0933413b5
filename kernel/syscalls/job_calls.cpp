// Waiting for children and job control: wait4, waitid, getrusage, times, and the process-group and
// session calls (setpgid getpgid getpgrp setsid getsid), with Linux's selections and errors.
#include "mm/user_memory.h"
#include "proc/process.h"
#include "sched/scheduler.h"
#include "syscalls/handlers.h"
#include "time/clock.h"

namespace syscalls {

namespace {

constexpr int wnohang = 1, wuntraced = 2, wstopped = 2, wexited = 4, wcontinued = 8, wnowait = 0x01000000,
              wnothread = 0x20000000, wall = 0x40000000, wclone = static_cast<int>(0x80000000);
constexpr int sigchld = 17;

// Linux's struct rusage: the times, then fourteen longs.
struct ResourceUsage {
    int64_t user_seconds, user_microseconds;
    int64_t system_seconds, system_microseconds;
    int64_t rest[14];
};
static_assert(sizeof(ResourceUsage) == 144);

ResourceUsage usage_of(uint64_t run_time_ns) {
    ResourceUsage usage{};
    usage.user_seconds = static_cast<int64_t>(run_time_ns / 1'000'000'000);
    usage.user_microseconds = static_cast<int64_t>(run_time_ns % 1'000'000'000 / 1000);
    return usage;
}

// The part of Linux's siginfo_t a wait fills: signo, errno, code, then pid, uid, status.
struct ChildSignalInformation {
    int32_t signal_number;
    int32_t error_number;
    int32_t code;
    int32_t padding;
    int32_t pid;
    uint32_t uid;
    int32_t status;
    uint8_t rest[128 - 28];
};
static_assert(sizeof(ChildSignalInformation) == 128);

// si_code for a child that ended (CLD_EXITED, CLD_KILLED, CLD_DUMPED), stopped or continued, and
// the status waitid gives.
void describe_end(int wait_status, ChildSignalInformation& information) {
    constexpr int cld_exited = 1, cld_killed = 2, cld_dumped = 3, cld_stopped = 5, cld_continued = 6;
    int signal = proc::terminating_signal(wait_status);
    if (wait_status == 0xffff) {
        information.code = cld_continued;
        information.status = proc::sigcont;
    } else if ((wait_status & 0xff) == 0x7f) {
        information.code = cld_stopped;
        information.status = (wait_status >> 8) & 0xff;
    } else if (signal == 0) {
        information.code = cld_exited;
        information.status = proc::exit_code_of(wait_status);
    } else {
        information.code = (wait_status & 0x80) ? cld_dumped : cld_killed;
        information.status = signal;
    }
}

proc::WaitRequest::Kind kind_of(int options) {
    if (options & wall)
        return proc::WaitRequest::Kind::All;
    return (options & wclone) ? proc::WaitRequest::Kind::Clone : proc::WaitRequest::Kind::Ordinary;
}

} // namespace

Result sys_wait4(int pid, mm::UserPtr<int32_t> status, int options, mm::UserPtr<uint8_t> usage) {
    if (options & ~(wnohang | wuntraced | wcontinued | wnothread | wall | wclone))
        return ktl::Errno::InvalidArgument;
    if (pid == INT32_MIN)
        return ktl::Errno::NoSuchProcess; // -INT_MIN names no group
    proc::WaitRequest request;
    request.kind = kind_of(options);
    request.no_hang = options & wnohang;
    request.stopped = options & wuntraced;
    request.continued = options & wcontinued;
    if (pid > 0) {
        request.selection = proc::WaitRequest::Selection::Pid;
        request.id = static_cast<uint64_t>(pid);
    } else if (pid == 0 || pid < -1) {
        request.selection = proc::WaitRequest::Selection::Group;
        request.id = pid == 0 ? 0 : static_cast<uint64_t>(-static_cast<int64_t>(pid));
    }
    proc::WaitResult result = TRY(proc::wait_for_child(request));
    if (result.pid == 0)
        return 0;
    if (!status.is_null()) {
        int32_t value = result.status;
        TRY(mm::copy_to_user(status, &value));
    }
    if (!usage.is_null()) {
        ResourceUsage resources = usage_of(result.run_time_ns);
        TRY(mm::copy_to_user(usage.address(), &resources, sizeof resources));
    }
    return static_cast<long>(result.pid);
}

Result sys_waitid(int id_type, int id, mm::UserPtr<uint8_t> information, int options,
                  mm::UserPtr<uint8_t> usage) {
    constexpr int p_all = 0, p_pid = 1, p_pgid = 2, p_pidfd = 3;
    if (options & ~(wnohang | wstopped | wexited | wcontinued | wnowait | wnothread | wall | wclone))
        return ktl::Errno::InvalidArgument;
    if (!(options & (wexited | wstopped | wcontinued)))
        return ktl::Errno::InvalidArgument;
    proc::WaitRequest request;
    request.kind = kind_of(options);
    request.no_hang = options & wnohang;
    request.exited = options & wexited;
    request.stopped = options & wstopped;
    request.continued = options & wcontinued;
    request.no_wait = options & wnowait;
    switch (id_type) {
    case p_all:
        break;
    case p_pid:
        if (id <= 0)
            return ktl::Errno::InvalidArgument;
        request.selection = proc::WaitRequest::Selection::Pid;
        request.id = static_cast<uint64_t>(id);
        break;
    case p_pgid:
        if (id < 0)
            return ktl::Errno::InvalidArgument;
        request.selection = proc::WaitRequest::Selection::Group;
        request.id = static_cast<uint64_t>(id); // 0: the caller's own group, as Linux 5.4 on
        break;
    case p_pidfd:
        return ktl::Errno::InvalidArgument; // there are no pidfds yet
    default:
        return ktl::Errno::InvalidArgument;
    }
    proc::WaitResult result = TRY(proc::wait_for_child(request));
    ChildSignalInformation filled{};
    if (result.pid != 0) {
        filled.signal_number = sigchld;
        filled.pid = static_cast<int32_t>(result.pid);
        filled.uid = result.real_uid;
        describe_end(result.status, filled);
    }
    // With WNOHANG and nothing to report Linux zeroes what it would have filled (si_pid 0).
    if (!information.is_null())
        TRY(mm::copy_to_user(information.address(), &filled, sizeof filled));
    if (!usage.is_null()) {
        ResourceUsage resources = usage_of(result.run_time_ns);
        TRY(mm::copy_to_user(usage.address(), &resources, sizeof resources));
    }
    return 0;
}

Result sys_getrusage(int who, mm::UserPtr<uint8_t> usage) {
    constexpr int rusage_self = 0, rusage_children = -1, rusage_thread = 1;
    uint64_t run_time_ns;
    switch (who) {
    case rusage_self:
        run_time_ns = proc::process_run_time_ns();
        break;
    case rusage_thread:
        run_time_ns = sched::current_task()->entity.runtime_ns;
        break;
    case rusage_children:
        run_time_ns = proc::children_run_time_ns();
        break;
    default:
        return ktl::Errno::InvalidArgument;
    }
    ResourceUsage resources = usage_of(run_time_ns);
    TRY(mm::copy_to_user(usage.address(), &resources, sizeof resources));
    return 0;
}

Result sys_times(mm::UserPtr<uint8_t> buffer) {
    // Clock ticks of USER_HZ (100 a second), as Linux reports them whatever its own tick.
    constexpr uint64_t ns_per_tick = 10'000'000;
    if (!buffer.is_null()) {
        int64_t times[4] = {static_cast<int64_t>(proc::process_run_time_ns() / ns_per_tick), 0,
                            static_cast<int64_t>(proc::children_run_time_ns() / ns_per_tick), 0};
        TRY(mm::copy_to_user(buffer.address(), times, sizeof times));
    }
    return static_cast<long>(time::monotonic_ns() / ns_per_tick);
}

Result sys_setpgid(int pid, int group) {
    if (pid < 0 || group < 0)
        return ktl::Errno::InvalidArgument;
    TRY(proc::set_process_group(static_cast<uint64_t>(pid), static_cast<uint64_t>(group)));
    return 0;
}

Result sys_getpgid(int pid) {
    if (pid < 0)
        return ktl::Errno::NoSuchProcess;
    return static_cast<long>(TRY(proc::process_group_of(static_cast<uint64_t>(pid))));
}

Result sys_getpgrp() {
    return static_cast<long>(TRY(proc::process_group_of(0)));
}

Result sys_setsid() {
    return static_cast<long>(TRY(proc::create_session()));
}

Result sys_getsid(int pid) {
    if (pid < 0)
        return ktl::Errno::NoSuchProcess;
    return static_cast<long>(TRY(proc::session_of(static_cast<uint64_t>(pid))));
}

} // namespace syscalls
