// Process calls: identity, exit, clone/fork/vfork, execve, limits, and the small facts a C library
// asks for at start-up. Signals are in signal_calls.cpp, waiting for children in job_calls.cpp.
#include "arch/user_mode.h"
#include "fs/file_table.h"
#include "mm/kernel_heap.h"
#include "mm/statistics.h"
#include "proc/process.h"
#include "proc/uname.h"
#include "random/random.h"
#include "sched/scheduler.h"
#include "syscalls/handlers.h"
#include "time/clock.h"

#include <cstddef>
#include <cstring>
#include <new>

namespace syscalls {

namespace {

proc::Process& process() {
    return *proc::current_process(); // user code always runs in a process
}

// argv or envp copied in: the strings back to back in one buffer that grows as needed (most
// programs pass a few hundred bytes, a few pass megabytes), and their views once all are in.
struct ArgumentStrings {
    ktl::StringView* views = nullptr;
    char* bytes = nullptr;
    size_t capacity = 0;
    size_t count = 0;
    ~ArgumentStrings() {
        mm::kfree(views);
        mm::kfree(bytes);
    }
    ktl::ErrorOr<void> grow(size_t wanted) {
        size_t bigger = capacity ? capacity * 2 : 4096;
        while (bigger < wanted)
            bigger *= 2;
        auto* moved = static_cast<char*>(mm::kmalloc(bigger));
        if (!moved)
            return ktl::Errno::NoMemory;
        if (bytes)
            memcpy(moved, bytes, capacity);
        mm::kfree(bytes);
        bytes = moved;
        capacity = bigger;
        return {};
    }
};

// Copies a NULL-terminated array of user string pointers (argv or envp) into `strings`. Linux's
// limits: a string of MAX_ARG_STRLEN (128 KiB, its NUL included) or more, or all strings and their
// pointers together past `bytes_left`, is E2BIG.
ktl::ErrorOr<void> copy_string_array(mm::UserPtr<uint64_t> array, ArgumentStrings& strings,
                                     size_t& bytes_left) {
    constexpr size_t max_string_bytes = 32 * 4096; // MAX_ARG_STRLEN
    if (array.is_null())
        return {}; // Linux accepts a null argv or envp as empty
    size_t count = 0;
    for (;; ++count) {
        if (count * sizeof(uint64_t) >= bytes_left)
            return ktl::Errno::ArgumentListTooLong;
        if (TRY(mm::read_user(array.offset(count))) == 0)
            break;
    }
    bytes_left -= count * sizeof(uint64_t); // the pointers the start-up stack will hold
    strings.views = static_cast<ktl::StringView*>(mm::kmalloc((count + 1) * sizeof(ktl::StringView)));
    if (!strings.views)
        return ktl::Errno::NoMemory;
    size_t* offsets = reinterpret_cast<size_t*>(strings.views); // views are made at the end
    size_t used = 0;
    for (size_t index = 0; index < count; ++index) {
        uint64_t pointer = TRY(mm::read_user(array.offset(index)));
        size_t room = bytes_left - used < max_string_bytes ? bytes_left - used : max_string_bytes;
        for (;;) {
            size_t capacity = strings.capacity - used < room ? strings.capacity - used : room;
            auto length = capacity ? mm::copy_string_from_user(strings.bytes + used, pointer, capacity)
                                   : ktl::ErrorOr<size_t>(ktl::Errno::NameTooLong);
            if (!length.is_error()) {
                offsets[index] = used;
                used += length.value() + 1;
                break;
            }
            if (length.error().code() != ktl::Errno::NameTooLong)
                return length.error();
            if (capacity == room)
                return ktl::Errno::ArgumentListTooLong; // longer than a string or than what is left
            TRY(strings.grow(used + room));
        }
    }
    // Last first: view i (16 bytes) covers offsets 2i and 2i + 1, which are read already.
    for (size_t index = count; index-- > 0;) {
        size_t offset = offsets[index];
        size_t length = strlen(strings.bytes + offset);
        new (&strings.views[index]) ktl::StringView(strings.bytes + offset, length);
    }
    strings.count = count;
    bytes_left -= used;
    return {};
}

} // namespace

Result sys_exit(int code) {
    proc::exit_current_thread(proc::exit_status(code));
}

Result sys_exit_group(int code) {
    proc::exit_current(proc::exit_status(code));
}

Result sys_getpid() {
    return static_cast<long>(process().pid());
}

Result sys_getppid() {
    return static_cast<long>(process().parent_pid());
}

Result sys_gettid() {
    return static_cast<long>(sched::current_task()->id);
}

Result sys_set_tid_address(mm::UserPtr<int32_t> address) {
    // Zeroed and woken when the thread exits (musl's pthread_join and thread-list lock wait on it).
    sched::current_task()->clear_child_tid = address.address();
    return static_cast<long>(sched::current_task()->id);
}

// x86-64's argument order: flags, stack, parent_tid, child_tid, tls.
Result sys_clone(Frame& frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
                 uint64_t thread_pointer) {
    return proc::clone_process({flags, stack, parent_tid, child_tid, thread_pointer}, frame);
}

Result sys_clone3(Frame& frame, mm::UserPtr<uint8_t> arguments, size_t size) {
    // Linux's struct clone_args; versions 0, 1 and 2 are 64, 80 and 88 bytes.
    struct CloneArguments {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
        uint64_t set_tid, set_tid_size, cgroup;
    };
    static_assert(sizeof(CloneArguments) == 88);
    constexpr size_t first_version_size = 64, page_size = 4096;
    constexpr uint64_t exit_signal_bits = 0xff, clone_detached = 0x400000, clone_newtime = 0x80,
                       clone_sighand = 0x800, clone_clear_sighand = 0x100000000;
    if (size < first_version_size)
        return ktl::Errno::InvalidArgument;
    if (size > page_size)
        return ktl::Errno::ArgumentListTooLong; // E2BIG
    CloneArguments wanted{};
    size_t known = size < sizeof wanted ? size : sizeof wanted;
    TRY(mm::copy_from_user(&wanted, arguments.address(), known));
    // A newer caller's extra fields must be zero: an ask this kernel cannot honour is E2BIG.
    for (size_t offset = known; offset < size; offset += sizeof(uint8_t))
        if (TRY(mm::read_user(arguments.offset(offset))) != 0)
            return ktl::Errno::ArgumentListTooLong;
    if ((wanted.flags & (clone_detached | (exit_signal_bits & ~clone_newtime))) ||
        (wanted.exit_signal & ~exit_signal_bits) || wanted.exit_signal > 64)
        return ktl::Errno::InvalidArgument;
    if ((wanted.stack != 0) != (wanted.stack_size != 0))
        return ktl::Errno::InvalidArgument;
    if ((wanted.flags & clone_sighand) && (wanted.flags & clone_clear_sighand))
        return ktl::Errno::InvalidArgument;
    constexpr uint64_t clone_thread = 0x10000, clone_parent = 0x8000, max_pid_levels = 32;
    if ((wanted.flags & (clone_thread | clone_parent)) && wanted.exit_signal)
        return ktl::Errno::InvalidArgument; // a thread reports to nobody
    if (wanted.set_tid_size > max_pid_levels || (wanted.set_tid != 0) != (wanted.set_tid_size != 0))
        return ktl::Errno::InvalidArgument;
    if (wanted.set_tid_size)
        return ktl::Errno::NotImplemented; // choosing the child's pid
    // clone's stack is the top; clone3's the lowest address and the size.
    return proc::clone_process({wanted.flags | wanted.exit_signal, wanted.stack + wanted.stack_size,
                                wanted.parent_tid, wanted.child_tid, wanted.tls},
                               frame);
}

Result sys_fork(Frame& frame) {
    return proc::clone_process({.flags = proc::sigchld}, frame);
}

Result sys_vfork(Frame& frame) {
    constexpr uint64_t clone_vm = 0x100, clone_vfork = 0x4000;
    return proc::clone_process({.flags = clone_vm | clone_vfork | proc::sigchld}, frame);
}

Result sys_execve(Frame& frame, mm::UserPtr<const char> path, mm::UserPtr<uint64_t> argv,
                  mm::UserPtr<uint64_t> envp) {
    char* path_text = static_cast<char*>(mm::kmalloc(4096));
    if (!path_text)
        return ktl::Errno::NoMemory;
    struct Freer {
        char* pointer;
        ~Freer() { mm::kfree(pointer); }
    } freer{path_text};
    size_t path_length = TRY(mm::copy_string_from_user(path_text, path.address(), 4096));
    if (path_length == 0)
        return ktl::Errno::NoEntry;
    ArgumentStrings arguments, environment;
    // Linux's ARG_MAX: a quarter of the stack limit, at least 128 KiB; at most what our fixed 8 MiB
    // stack leaves room for.
    uint64_t stack_limit = process().limits()[proc::Resource::Stack].current;
    size_t bytes_left = stack_limit / 4 < 128 * 1024 ? 128 * 1024 : stack_limit / 4;
    if (bytes_left > proc::max_argument_bytes)
        bytes_left = proc::max_argument_bytes;
    TRY(copy_string_array(argv, arguments, bytes_left));
    TRY(copy_string_array(envp, environment, bytes_left));
    proc::ProgramArguments program_arguments{arguments.views, arguments.count, environment.views,
                                             environment.count};
    TRY(proc::execute(ktl::StringView(path_text, path_length), program_arguments, frame));
    return 0;
}

Result sys_sched_yield() {
    sched::yield();
    return 0;
}

Result sys_prctl(int option, uint64_t argument2, uint64_t argument3, uint64_t argument4, uint64_t argument5) {
    constexpr int pr_set_pdeathsig = 1, pr_get_pdeathsig = 2, pr_get_dumpable = 3, pr_set_dumpable = 4,
                  pr_set_name = 15, pr_get_name = 16, pr_set_child_subreaper = 36,
                  pr_get_child_subreaper = 37, pr_set_no_new_privs = 38, pr_get_no_new_privs = 39;
    proc::Process* process = proc::current_process();
    if (!process)
        return ktl::Errno::InvalidArgument;
    switch (option) {
    case pr_set_name: {
        char name[16] = {};
        // Linux copies 16 bytes and cuts there; a shorter string ends at its NUL.
        auto copied = mm::copy_string_from_user(name, argument2, sizeof name);
        if (copied.is_error() && copied.error().code() != ktl::Errno::NameTooLong)
            return copied.error();
        if (copied.is_error())
            TRY(mm::copy_from_user(name, argument2, sizeof name - 1));
        name[15] = 0;
        process->set_name(ktl::StringView(name));
        return 0;
    }
    case pr_get_name: {
        char name[16] = {};
        ktl::StringView current = process->name();
        for (size_t i = 0; i < current.length() && i < 15; ++i)
            name[i] = current[i];
        TRY(mm::copy_to_user(argument2, name, sizeof name));
        return 0;
    }
    case pr_set_dumpable:
        if (argument2 > 1)
            return ktl::Errno::InvalidArgument;
        return 0; // nothing dumps core yet: recorded by nobody, accepted as Linux does
    case pr_get_dumpable:
        return 1;
    case pr_set_no_new_privs:
        if (argument2 != 1 || argument3 || argument4 || argument5)
            return ktl::Errno::InvalidArgument;
        return 0; // there are no set-user-ID executions yet to refuse
    case pr_get_no_new_privs:
        return 0;
    case pr_set_pdeathsig:
        if (argument2 > static_cast<uint64_t>(proc::signal_count))
            return ktl::Errno::InvalidArgument;
        __atomic_store_n(&process->signals.parent_death_signal, static_cast<int>(argument2),
                         __ATOMIC_RELAXED);
        return 0;
    case pr_get_pdeathsig: {
        int32_t signal = __atomic_load_n(&process->signals.parent_death_signal, __ATOMIC_RELAXED);
        TRY(mm::copy_to_user(argument2, &signal, sizeof signal));
        return 0;
    }
    case pr_set_child_subreaper:
        proc::set_child_subreaper(argument2 != 0);
        return 0;
    case pr_get_child_subreaper: {
        int32_t on = proc::is_child_subreaper() ? 1 : 0;
        TRY(mm::copy_to_user(argument2, &on, sizeof on));
        return 0;
    }
    default:
        return ktl::Errno::InvalidArgument;
    }
}

Result sys_arch_prctl(int code, uint64_t address) {
    constexpr int arch_set_fs = 0x1002, arch_get_fs = 0x1003;
    sched::Task* task = sched::current_task();
    switch (code) {
    case arch_set_fs:
        if (address >= mm::user_half_end)
            return ktl::Errno::NotPermitted;
        task->user_thread_pointer = address;
        arch::set_user_thread_pointer(address);
        return 0;
    case arch_get_fs:
        TRY(mm::copy_to_user(mm::UserPtr<uint64_t>(address), &task->user_thread_pointer));
        return 0;
    default:
        return ktl::Errno::InvalidArgument;
    }
}

Result sys_uname(mm::UserPtr<uint8_t> name) {
    // struct utsname: six 65-byte fields.
    char fields[6][65] = {};
    auto set = [&](int index, ktl::StringView text) {
        size_t length = text.length() < 64 ? text.length() : 64;
        memcpy(fields[index], text.data(), length);
    };
    set(0, proc::uname::system_name);
    set(1, proc::uname::node_name);
    set(2, proc::uname::release);
    set(3, proc::uname::version);
    set(4, proc::uname::machine);
    set(5, proc::uname::domain_name);
    TRY(mm::copy_to_user(name.address(), fields, sizeof fields));
    return 0;
}

// Linux's struct sysinfo (x86-64): memory in mem_unit-sized units (bytes, mem_unit 1, as Linux gives
// whenever the totals fit, which they always do on 64-bit), no swap, no load average yet.
struct SystemInformation {
    int64_t uptime_seconds;
    uint64_t loads[3];
    uint64_t total_ram, free_ram, shared_ram, buffer_ram, total_swap, free_swap;
    uint16_t processes;
    uint16_t padding;
    uint64_t total_high, free_high;
    uint32_t memory_unit;
};
static_assert(sizeof(SystemInformation) == 112 && offsetof(SystemInformation, processes) == 80 &&
              offsetof(SystemInformation, memory_unit) == 104);

Result sys_sysinfo(mm::UserPtr<uint8_t> info) {
    mm::FrameStatistics frames = mm::memory_statistics().frames;
    uint64_t uptime_ns = time::monotonic_ns();
    SystemInformation result{};
    // Linux rounds a started second up.
    result.uptime_seconds = static_cast<int64_t>((uptime_ns + 999'999'999) / 1'000'000'000);
    result.total_ram = frames.total_frames * mm::frame_size;
    result.free_ram = frames.free_frames * mm::frame_size;
    size_t processes = proc::process_count();
    result.processes = static_cast<uint16_t>(processes > 0xffff ? 0xffff : processes);
    result.memory_unit = 1;
    TRY(mm::copy_to_user(info.address(), &result, sizeof result));
    return 0;
}

// One user so far: everything runs as root, as on a single-user system.
namespace {

ktl::ErrorOr<proc::Identity> identity() {
    proc::Process* process = proc::current_process();
    if (!process)
        return proc::Identity{};
    return process->identity();
}

// Unprivileged callers may only take ids they already hold (real, effective or saved).
bool may_take(const proc::Identity& ids, uint32_t id, bool user) {
    if (ids.effective_uid == 0)
        return true;
    return user ? (id == ids.real_uid || id == ids.effective_uid || id == ids.saved_uid)
                : (id == ids.real_gid || id == ids.effective_gid || id == ids.saved_gid);
}

constexpr uint32_t unchanged = 0xffffffff;

// setresuid/setresgid: the core of every set*id call. -1 leaves an id as it is; the file-system id
// follows the effective one, as Linux does.
Result set_ids(uint32_t real, uint32_t effective, uint32_t saved, bool user) {
    proc::Process* process = proc::current_process();
    if (!process)
        return ktl::Errno::NotPermitted;
    proc::Identity ids = process->identity();
    for (uint32_t id : {real, effective, saved})
        if (id != unchanged && !may_take(ids, id, user))
            return ktl::Errno::NotPermitted;
    if (user) {
        if (real != unchanged)
            ids.real_uid = real;
        if (effective != unchanged)
            ids.effective_uid = effective;
        if (saved != unchanged)
            ids.saved_uid = saved;
        ids.file_system_uid = ids.effective_uid;
    } else {
        if (real != unchanged)
            ids.real_gid = real;
        if (effective != unchanged)
            ids.effective_gid = effective;
        if (saved != unchanged)
            ids.saved_gid = saved;
        ids.file_system_gid = ids.effective_gid;
    }
    process->set_identity(ids);
    return 0;
}

} // namespace

Result sys_getuid() {
    return TRY(identity()).real_uid;
}
Result sys_getgid() {
    return TRY(identity()).real_gid;
}
Result sys_geteuid() {
    return TRY(identity()).effective_uid;
}
Result sys_getegid() {
    return TRY(identity()).effective_gid;
}

Result sys_setresuid(uint32_t real, uint32_t effective, uint32_t saved) {
    return set_ids(real, effective, saved, true);
}

Result sys_setresgid(uint32_t real, uint32_t effective, uint32_t saved) {
    return set_ids(real, effective, saved, false);
}

Result sys_setuid(uint32_t uid) {
    proc::Identity ids = TRY(identity());
    if (ids.effective_uid == 0)
        return set_ids(uid, uid, uid, true);
    if (uid != ids.real_uid && uid != ids.saved_uid)
        return ktl::Errno::NotPermitted;
    return set_ids(unchanged, uid, unchanged, true);
}

Result sys_setgid(uint32_t gid) {
    proc::Identity ids = TRY(identity());
    if (ids.effective_uid == 0)
        return set_ids(gid, gid, gid, false);
    if (gid != ids.real_gid && gid != ids.saved_gid)
        return ktl::Errno::NotPermitted;
    return set_ids(unchanged, gid, unchanged, false);
}

Result sys_setreuid(uint32_t real, uint32_t effective) {
    proc::Identity ids = TRY(identity());
    // The saved id becomes the new effective one when the real id is set or the effective one
    // changes to something other than the real id (setreuid(2)).
    uint32_t saved = unchanged;
    uint32_t new_effective = effective != unchanged ? effective : ids.effective_uid;
    if (real != unchanged || (effective != unchanged && effective != ids.real_uid))
        saved = new_effective;
    if (real != unchanged && ids.effective_uid != 0 && real != ids.real_uid && real != ids.effective_uid)
        return ktl::Errno::NotPermitted;
    return set_ids(real, effective, saved, true);
}

Result sys_setregid(uint32_t real, uint32_t effective) {
    proc::Identity ids = TRY(identity());
    uint32_t saved = unchanged;
    uint32_t new_effective = effective != unchanged ? effective : ids.effective_gid;
    if (real != unchanged || (effective != unchanged && effective != ids.real_gid))
        saved = new_effective;
    if (real != unchanged && ids.effective_uid != 0 && real != ids.real_gid && real != ids.effective_gid)
        return ktl::Errno::NotPermitted;
    return set_ids(real, effective, saved, false);
}

Result sys_getresuid(mm::UserPtr<uint32_t> real, mm::UserPtr<uint32_t> effective,
                     mm::UserPtr<uint32_t> saved) {
    proc::Identity ids = TRY(identity());
    TRY(mm::copy_to_user(real, &ids.real_uid));
    TRY(mm::copy_to_user(effective, &ids.effective_uid));
    TRY(mm::copy_to_user(saved, &ids.saved_uid));
    return 0;
}

Result sys_getresgid(mm::UserPtr<uint32_t> real, mm::UserPtr<uint32_t> effective,
                     mm::UserPtr<uint32_t> saved) {
    proc::Identity ids = TRY(identity());
    TRY(mm::copy_to_user(real, &ids.real_gid));
    TRY(mm::copy_to_user(effective, &ids.effective_gid));
    TRY(mm::copy_to_user(saved, &ids.saved_gid));
    return 0;
}

Result sys_setfsuid(uint32_t uid) {
    proc::Process* process = proc::current_process();
    proc::Identity ids = TRY(identity());
    uint32_t previous = ids.file_system_uid;
    if (process && uid != unchanged &&
        (ids.effective_uid == 0 || uid == ids.real_uid || uid == ids.effective_uid || uid == ids.saved_uid)) {
        ids.file_system_uid = uid;
        process->set_identity(ids);
    }
    return previous; // setfsuid always returns the old id
}

Result sys_setfsgid(uint32_t gid) {
    proc::Process* process = proc::current_process();
    proc::Identity ids = TRY(identity());
    uint32_t previous = ids.file_system_gid;
    if (process && gid != unchanged &&
        (ids.effective_uid == 0 || gid == ids.real_gid || gid == ids.effective_gid || gid == ids.saved_gid)) {
        ids.file_system_gid = gid;
        process->set_identity(ids);
    }
    return previous;
}

Result sys_getgroups(int size, mm::UserPtr<uint32_t> list) {
    proc::Identity ids = TRY(identity());
    if (size < 0)
        return ktl::Errno::InvalidArgument;
    if (size == 0)
        return ids.group_count;
    if (static_cast<uint32_t>(size) < ids.group_count)
        return ktl::Errno::InvalidArgument;
    TRY(mm::copy_to_user(list, ids.groups, ids.group_count));
    return ids.group_count;
}

Result sys_setgroups(int size, mm::UserPtr<uint32_t> list) {
    proc::Process* process = proc::current_process();
    proc::Identity ids = TRY(identity());
    if (!process || ids.effective_uid != 0)
        return ktl::Errno::NotPermitted;
    if (size < 0 || static_cast<size_t>(size) > fs::Credentials::max_groups)
        return ktl::Errno::InvalidArgument; // Linux allows 65536; 32 is what we keep
    if (size > 0)
        TRY(mm::copy_from_user(ids.groups, list, static_cast<size_t>(size)));
    ids.group_count = static_cast<uint32_t>(size);
    process->set_identity(ids);
    return 0;
}

namespace {

// prlimit64 on another process: root, or a caller whose real uid is every uid of the target and
// whose real gid is every gid of it (Linux's check without capabilities).
bool may_change_limits_of(const proc::Identity& caller, const proc::Identity& target) {
    if (caller.effective_uid == 0)
        return true;
    return caller.real_uid == target.real_uid && caller.real_uid == target.effective_uid &&
           caller.real_uid == target.saved_uid && caller.real_gid == target.real_gid &&
           caller.real_gid == target.effective_gid && caller.real_gid == target.saved_gid;
}

// Checks and applies `wanted` to `target` on behalf of `caller`; returns the old limit.
ktl::ErrorOr<proc::Limit> change_limit(proc::Process& target, const proc::Identity& caller,
                                       proc::Resource resource, const proc::Limit* wanted) {
    proc::Limit old = target.limits()[resource];
    if (!wanted)
        return old;
    if (wanted->current > wanted->maximum)
        return ktl::Errno::InvalidArgument;
    // Raising the hard limit takes root; RLIMIT_NOFILE cannot pass the table's size (nr_open).
    if (wanted->maximum > old.maximum && caller.effective_uid != 0)
        return ktl::Errno::NotPermitted;
    if (resource == proc::Resource::OpenFiles && wanted->maximum != proc::unlimited &&
        wanted->maximum > fs::FileTable::max_descriptors)
        return ktl::Errno::NotPermitted;
    if (resource == proc::Resource::OpenFiles && wanted->maximum == proc::unlimited)
        return ktl::Errno::NotPermitted;
    target.set_limit(resource, *wanted);
    return old;
}

ktl::ErrorOr<proc::Resource> resource_of(int resource) {
    if (resource < 0 || resource >= proc::resource_count)
        return ktl::Errno::InvalidArgument;
    return static_cast<proc::Resource>(resource);
}

} // namespace

Result sys_getrlimit(int resource, mm::UserPtr<uint64_t> limit) {
    proc::Limit value = process().limits()[TRY(resource_of(resource))];
    uint64_t pair[2] = {value.current, value.maximum};
    TRY(mm::copy_to_user(limit, pair, 2));
    return 0;
}

Result sys_setrlimit(int resource, mm::UserPtr<uint64_t> limit) {
    proc::Resource which = TRY(resource_of(resource));
    uint64_t pair[2];
    TRY(mm::copy_from_user(pair, limit, 2));
    proc::Limit wanted{pair[0], pair[1]};
    TRY(change_limit(process(), process().identity(), which, &wanted));
    return 0;
}

Result sys_prlimit64(int pid, int resource, mm::UserPtr<uint64_t> new_limit,
                     mm::UserPtr<uint64_t> old_limit) {
    proc::Resource which = TRY(resource_of(resource));
    if (pid < 0)
        return ktl::Errno::NoSuchProcess;
    proc::Limit wanted{};
    if (!new_limit.is_null()) {
        uint64_t pair[2];
        TRY(mm::copy_from_user(pair, new_limit, 2));
        wanted = {pair[0], pair[1]};
    }
    proc::Identity caller = process().identity();
    ktl::ErrorOr<proc::Limit> old = ktl::Errno::NoSuchProcess;
    auto apply = [&](proc::Process& target) {
        if (&target != &process() && !may_change_limits_of(caller, target.identity()))
            old = ktl::Errno::NotPermitted;
        else
            old = change_limit(target, caller, which, new_limit.is_null() ? nullptr : &wanted);
    };
    if (pid == 0 || static_cast<uint64_t>(pid) == process().pid())
        apply(process());
    else
        TRY(proc::with_process(static_cast<uint64_t>(pid), apply));
    proc::Limit previous = TRY(old);
    if (!old_limit.is_null()) {
        uint64_t pair[2] = {previous.current, previous.maximum};
        TRY(mm::copy_to_user(old_limit, pair, 2));
    }
    return 0;
}

Result sys_getrandom(mm::UserPtr<uint8_t> buffer, size_t length, uint32_t flags) {
    constexpr uint32_t grnd_nonblock = 1, grnd_random = 2, grnd_insecure = 4;
    if (flags & ~(grnd_nonblock | grnd_random | grnd_insecure))
        return ktl::Errno::InvalidArgument;
    if ((flags & grnd_random) && (flags & grnd_insecure))
        return ktl::Errno::InvalidArgument;
    constexpr size_t max_request = 33'554'431; // Linux returns at most this much per call
    if (length > max_request)
        length = max_request;
    uint8_t chunk[256];
    size_t done = 0;
    while (done < length) {
        size_t part = length - done < sizeof chunk ? length - done : sizeof chunk;
        random::fill(chunk, part);
        auto copied = mm::copy_to_user(buffer.address() + done, chunk, part);
        if (copied.is_error())
            return done > 0 ? Result(static_cast<long>(done)) : Result(copied.error());
        done += part;
    }
    return static_cast<long>(done);
}

} // namespace syscalls
