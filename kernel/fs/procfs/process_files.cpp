// The files about one process: /proc/<pid>/{stat,statm,status,cmdline,environ,comm,maps,mounts}, the
// exe, cwd, root and fd/N links, and the fd directory's listing. Facts are copied out under the
// process tree's lock (with_process) and the scheduler's (snapshot_task), then formatted without
// them.
#include "fs/procfs/generators.h"
#include "fs/vfs.h"
#include "proc/process.h"
#include "sched/scheduler.h"

namespace fs::procfs {

namespace {

constexpr uint64_t user_hz = 100;
constexpr uint64_t ns_per_user_tick = 1'000'000'000 / user_hz;
constexpr uint64_t page_kib = arch::page_size / 1024;
constexpr int sigchld = 17;

// What the process tree knows of a process, copied under its lock.
struct ProcessFacts {
    uint64_t pid = 0;
    uint64_t parent_pid = 0;
    bool zombie = false;
    int wait_status = 0;
    uint64_t exit_run_time_ns = 0;
    proc::ProgramIdentity identity;
    RefPtr<FileTable> files;
    RefPtr<FsContext> context;
    proc::Identity ids;
    proc::SignalSummary signals;
    uint64_t process_group = 0;
    uint64_t session = 0;
};

ktl::ErrorOr<ProcessFacts> gather(uint64_t pid) {
    ProcessFacts facts;
    auto found = proc::with_process(pid, [&](proc::Process& process) {
        facts.pid = process.pid();
        facts.parent_pid = process.parent_pid_locked();
        facts.process_group = process.process_group_locked();
        facts.session = process.session_locked();
        facts.zombie = process.state_locked() == proc::ProcessState::Zombie;
        facts.wait_status = process.wait_status_locked();
        facts.exit_run_time_ns = process.exit_run_time_ns_locked();
        facts.identity = process.program_identity();
        facts.files = RefPtr<FileTable>(process.files());
        facts.context = RefPtr<FsContext>(process.fs_context());
        facts.ids = process.identity();
        facts.signals = proc::summarize_signals(process);
    });
    if (found.is_error())
        return ktl::Errno::NoEntry; // gone, or never was: to a path walk, no such name
    return facts;
}

// The process's main task as the scheduler has it; absent once the task has been reaped.
class TaskFacts {
public:
    explicit TaskFacts(uint64_t id) {
        auto snapshot = sched::snapshot_task(id);
        if (!snapshot.is_error()) {
            m_snapshot = snapshot.value();
            m_present = true;
        }
    }
    ~TaskFacts() {
        if (m_snapshot.address_space)
            m_snapshot.address_space->unref();
    }
    TaskFacts(const TaskFacts&) = delete;
    TaskFacts& operator=(const TaskFacts&) = delete;

    bool present() const { return m_present; }
    const sched::TaskSnapshot& snapshot() const { return m_snapshot; }
    mm::AddressSpace* address_space() const { return m_snapshot.address_space; }

private:
    sched::TaskSnapshot m_snapshot;
    bool m_present = false;
};

// Pages by use, as statm and status count them.
struct MemoryUsage {
    uint64_t size_pages = 0;
    uint64_t resident_pages = 0;
    uint64_t shared_pages = 0; // resident frames others map too (program pages, the vDSO)
    uint64_t text_pages = 0;   // executable program image
    uint64_t data_pages = 0;   // private writable, not stack
    uint64_t stack_pages = 0;
    uint64_t start_code = 0;
    uint64_t end_code = 0;
    uint64_t start_data = 0;
    uint64_t end_data = 0;
};

MemoryUsage memory_usage(mm::AddressSpace* space) {
    MemoryUsage usage;
    if (!space)
        return usage;
    space->for_each_region([&](const mm::AddressSpace::RegionUsage& region) {
        uint64_t pages = region.region.size() / arch::page_size;
        const mm::RegionAttributes& attributes = region.region.attributes;
        usage.size_pages += pages;
        usage.resident_pages += region.resident_pages;
        usage.shared_pages += region.shared_pages;
        bool executable = mm::has_protection(attributes.protection, mm::Protection::Execute);
        bool writable = mm::has_protection(attributes.protection, mm::Protection::Write);
        if (attributes.kind == mm::RegionKind::ProgramImage && executable) {
            usage.text_pages += pages;
            if (!usage.start_code)
                usage.start_code = region.region.start;
            usage.end_code = region.region.end;
        } else if (attributes.kind == mm::RegionKind::Stack) {
            usage.stack_pages += pages;
        } else if (writable) {
            usage.data_pages += pages;
            if (attributes.kind == mm::RegionKind::ProgramImage) {
                if (!usage.start_data)
                    usage.start_data = region.region.start;
                usage.end_data = region.region.end;
            }
        }
    });
    return usage;
}

// Linux's state letters: R running or runnable, S sleeping, Z zombie.
char state_letter(const ProcessFacts& facts, const TaskFacts& task) {
    if (facts.zombie || !task.present() || task.snapshot().state == sched::TaskState::Exited)
        return 'Z';
    return task.snapshot().state == sched::TaskState::Blocked ? 'S' : 'R';
}

const char* state_description(char letter) {
    switch (letter) {
    case 'R':
        return "R (running)";
    case 'S':
        return "S (sleeping)";
    default:
        return "Z (zombie)";
    }
}

uint64_t run_time_ns(const ProcessFacts& facts, const TaskFacts& task) {
    if (facts.zombie || !task.present())
        return facts.exit_run_time_ns;
    return task.snapshot().runtime_ns;
}

Path reader_root() {
    proc::Process* reader = proc::current_process();
    return reader ? reader->fs_context().root() : root_path();
}

void write_stat(ktl::StringBuilder& out, const ProcessFacts& facts) {
    TaskFacts task(facts.pid);
    MemoryUsage usage = memory_usage(task.address_space());
    char state = state_letter(facts, task);
    int nice = task.present() ? task.snapshot().nice : 0;
    uint64_t start_ticks = task.present() ? task.snapshot().created_ns / ns_per_user_tick : 0;
    uint64_t break_start = task.address_space() ? task.address_space()->break_start : 0;
    // pid (comm) state ppid pgrp session tty_nr tpgid flags. tty_nr in Linux's 32-bit encoding
    // (minor's low byte, major, the rest of minor); tpgid -1 without a controlling terminal.
    proc::ControllingTerminalFacts terminal;
    uint64_t tty_number = 0;
    int64_t terminal_group = -1;
    if (proc::controlling_terminal_facts(facts.session, terminal)) {
        uint32_t major = device_major(terminal.device), minor = device_minor(terminal.device);
        tty_number = (minor & 0xff) | (static_cast<uint64_t>(major) << 8) | ((minor & ~0xffull) << 12);
        terminal_group = terminal.foreground != 0 ? static_cast<int64_t>(terminal.foreground) : -1;
    }
    ktl::format_to(out, "{} ({}) {} {} {} {} {} {} 0 ", facts.pid,
                   static_cast<const char*>(facts.identity.name), state, facts.parent_pid,
                   facts.process_group, facts.session, tty_number, terminal_group);
    // minflt cminflt majflt cmajflt utime stime cutime cstime
    ktl::format_to(out, "0 0 0 0 {} 0 0 0 ", run_time_ns(facts, task) / ns_per_user_tick);
    // priority nice num_threads itrealvalue starttime vsize rss rsslim
    ktl::format_to(out, "{} {} 1 0 {} {} {} 18446744073709551615 ", 20 + nice, nice, start_ticks,
                   usage.size_pages * arch::page_size, usage.resident_pages);
    // startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan nswap cnswap
    ktl::format_to(out, "{} {} 0 0 0 {} {} {} {} 0 0 0 ", usage.start_code, usage.end_code,
                   facts.signals.pending | facts.signals.shared_pending, facts.signals.blocked,
                   facts.signals.ignored, facts.signals.caught);
    // exit_signal processor rt_priority policy delayacct_blkio_ticks guest_time cguest_time
    ktl::format_to(out, "{} 0 0 0 0 0 0 ", sigchld);
    // start_data end_data start_brk arg_start arg_end env_start env_end exit_code
    ktl::format_to(out, "{} {} {} 0 0 0 0 {}\n", usage.start_data, usage.end_data, break_start,
                   facts.zombie ? facts.wait_status : 0);
}

void write_statm(ktl::StringBuilder& out, const ProcessFacts& facts) {
    TaskFacts task(facts.pid);
    MemoryUsage usage = memory_usage(task.address_space());
    // size resident shared text lib data dt, in pages.
    ktl::format_to(out, "{} {} {} {} 0 {} 0\n", usage.size_pages, usage.resident_pages, usage.shared_pages,
                   usage.text_pages, usage.data_pages + usage.stack_pages);
}

void write_kilobytes(ktl::StringBuilder& out, ktl::StringView label, uint64_t pages) {
    ktl::format_to(out, "{}:\t{:>8} kB\n", label, pages * page_kib);
}

void write_status(ktl::StringBuilder& out, const ProcessFacts& facts) {
    TaskFacts task(facts.pid);
    MemoryUsage usage = memory_usage(task.address_space());
    char state = state_letter(facts, task);
    const proc::Identity& ids = facts.ids;
    ktl::format_to(out, "Name:\t{}\n", static_cast<const char*>(facts.identity.name));
    ktl::format_to(out, "Umask:\t{:04o}\n", facts.context->umask());
    ktl::format_to(out, "State:\t{}\n", state_description(state));
    ktl::format_to(out, "Tgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n", facts.pid, facts.pid,
                   facts.parent_pid);
    // Real, effective, saved and file-system ids, as proc(5) lists them.
    ktl::format_to(out, "Uid:\t{}\t{}\t{}\t{}\n", ids.real_uid, ids.effective_uid, ids.saved_uid,
                   ids.file_system_uid);
    ktl::format_to(out, "Gid:\t{}\t{}\t{}\t{}\n", ids.real_gid, ids.effective_gid, ids.saved_gid,
                   ids.file_system_gid);
    ktl::format_to(out, "FDSize:\t{}\nGroups:\t", FileTable::max_descriptors);
    for (uint32_t i = 0; i < ids.group_count; ++i)
        ktl::format_to(out, "{} ", ids.groups[i]);
    out.write("\n");
    ktl::format_to(out, "NStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n", facts.pid, facts.pid, facts.pid,
                   facts.pid);
    if (state != 'Z') {
        // No high-water marks are kept: the peaks are what is mapped and resident now.
        write_kilobytes(out, "VmPeak", usage.size_pages);
        write_kilobytes(out, "VmSize", usage.size_pages);
        write_kilobytes(out, "VmLck", 0);
        write_kilobytes(out, "VmPin", 0);
        write_kilobytes(out, "VmHWM", usage.resident_pages);
        write_kilobytes(out, "VmRSS", usage.resident_pages);
        write_kilobytes(out, "RssAnon", usage.resident_pages - usage.shared_pages);
        write_kilobytes(out, "RssFile", usage.shared_pages);
        write_kilobytes(out, "RssShmem", 0);
        write_kilobytes(out, "VmData", usage.data_pages);
        write_kilobytes(out, "VmStk", usage.stack_pages);
        write_kilobytes(out, "VmExe", usage.text_pages);
        write_kilobytes(out, "VmLib", 0);
        write_kilobytes(out, "VmPTE", 0);
        write_kilobytes(out, "VmSwap", 0);
        write_kilobytes(out, "HugetlbPages", 0);
    }
    out.write("CoreDumping:\t0\nTHP_enabled:\t0\n");
    // A zombie shows its leader, as Linux does.
    size_t threads = facts.signals.threads ? facts.signals.threads : 1;
    ktl::format_to(out, "Threads:\t{}\nSigQ:\t0/{}\n", threads, FileTable::max_descriptors * 64);
    ktl::format_to(out, "SigPnd:\t{:016x}\nShdPnd:\t{:016x}\n", facts.signals.pending,
                   facts.signals.shared_pending);
    ktl::format_to(out, "SigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n", facts.signals.blocked,
                   facts.signals.ignored, facts.signals.caught);
    // Root holds every capability (the 41 Linux 6.1 knows), as a single-user system's processes do.
    uint64_t capabilities = ids.effective_uid == 0 ? 0x1ffffffffffull : 0;
    ktl::format_to(
        out, "CapInh:\t{:016x}\nCapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t{:016x}\nCapAmb:\t{:016x}\n", 0,
        capabilities, capabilities, 0x1ffffffffffull, 0);
    out.write("NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
    out.write("Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n");
    uint64_t switches = task.present() ? task.snapshot().switches : 0;
    ktl::format_to(out, "voluntary_ctxt_switches:\t{}\nnonvoluntary_ctxt_switches:\t0\n", switches);
}

void write_bytes(ktl::StringBuilder& out, const ktl::Vector<char>& bytes) {
    out.write(ktl::StringView(bytes.data(), bytes.size()));
}

// Linux's show_map_vma: "start-end perms offset major:minor inode", then the name from column 73.
void write_map_line(ktl::StringBuilder& out, const mm::Region& region, uint64_t device, uint64_t inode,
                    ktl::StringView name) {
    size_t start = out.length();
    mm::Protection protection = region.attributes.protection;
    ktl::format_to(out, "{:08x}-{:08x} {}{}{}p {:08x} {:02x}:{:02x} {} ", region.start, region.end,
                   mm::has_protection(protection, mm::Protection::Read) ? 'r' : '-',
                   mm::has_protection(protection, mm::Protection::Write) ? 'w' : '-',
                   mm::has_protection(protection, mm::Protection::Execute) ? 'x' : '-', 0,
                   device_major(device), device_minor(device), inode);
    if (!name.is_empty()) {
        constexpr size_t name_column = 72; // 25 + 6 * sizeof(void*) - 1, then one space
        for (size_t length = out.length() - start; length < name_column; ++length)
            out.write_char(' ');
        out.write_char(' ');
        out.write(name);
    }
    out.write_char('\n');
}

ktl::ErrorOr<void> write_maps(ktl::StringBuilder& out, const ProcessFacts& facts) {
    TaskFacts task(facts.pid);
    if (!task.address_space())
        return {};
    ktl::String program;
    uint64_t program_device = 0, program_inode = 0;
    if (!facts.identity.executable_path.is_null()) {
        program = TRY(path_name(facts.identity.executable_path, reader_root()));
        Inode& inode = facts.identity.executable_path.inode();
        program_device = inode.file_system().device();
        program_inode = inode.number();
    }
    uint64_t break_start = task.address_space()->break_start;
    task.address_space()->for_each_region([&](const mm::AddressSpace::RegionUsage& usage) {
        const mm::Region& region = usage.region;
        switch (region.attributes.kind) {
        case mm::RegionKind::ProgramImage:
            write_map_line(out, region, program_device, program_inode, program.view());
            break;
        case mm::RegionKind::Stack:
            // The guard page below the stack is a region of its own here; Linux has none to show.
            write_map_line(out, region, 0, 0,
                           region.attributes.protection == mm::Protection::None ? "" : "[stack]");
            break;
        case mm::RegionKind::Heap:
            write_map_line(out, region, 0, 0, "[heap]");
            break;
        case mm::RegionKind::KernelShared:
            write_map_line(out, region, 0, 0,
                           mm::has_protection(region.attributes.protection, mm::Protection::Execute)
                               ? "[vdso]"
                               : "[vvar]");
            break;
        default:
            write_map_line(out, region, 0, 0, break_start && region.start == break_start ? "[heap]" : "");
            break;
        }
    });
    return {};
}

} // namespace

bool process_exists(uint64_t pid) {
    return !proc::with_process(pid, [](proc::Process&) {}).is_error();
}

bool process_has_fd(uint64_t pid, int fd) {
    auto facts = gather(pid);
    return !facts.is_error() && !facts.value().files->get(fd).is_error();
}

ktl::ErrorOr<void> for_each_fd(uint64_t pid, int from, ktl::FunctionRef<bool(int fd)> visit) {
    ProcessFacts facts = TRY(gather(pid));
    int end = facts.files->end();
    for (int fd = from; fd < end; ++fd) {
        if (facts.files->get(fd).is_error())
            continue;
        if (!visit(fd))
            break;
    }
    return {};
}

// Whether the reader may follow another process's exe, cwd, root and fd links: only as the same
// effective user or as root (Linux asks ptrace's question, whose simple case this is).
ktl::ErrorOr<void> may_inspect(uint64_t pid) {
    proc::Process* reader = proc::current_process();
    if (!reader)
        return {}; // the kernel itself
    proc::Identity mine = reader->identity();
    if (mine.effective_uid == 0 || reader->pid() == pid)
        return {};
    uint32_t target_uid = 0;
    TRY(proc::with_process(pid,
                           [&](proc::Process& process) { target_uid = process.identity().effective_uid; }));
    if (target_uid != mine.effective_uid)
        return ktl::Errno::AccessDenied;
    return {};
}

ktl::ErrorOr<ktl::String> process_link_target(Kind kind, uint64_t pid, int fd) {
    if (kind == Kind::ProcessExe || kind == Kind::ProcessCwd || kind == Kind::ProcessRoot ||
        kind == Kind::ProcessFd)
        TRY(may_inspect(pid));
    ProcessFacts facts = TRY(gather(pid));
    Path root = reader_root();
    switch (kind) {
    case Kind::ProcessExe:
        if (facts.identity.executable_path.is_null())
            return ktl::Errno::NoEntry; // a program the kernel built in memory has no file
        return path_name(facts.identity.executable_path, root);
    case Kind::ProcessCwd:
        return path_name(facts.context->cwd(), root);
    case Kind::ProcessRoot:
        return path_name(facts.context->root(), root);
    case Kind::ProcessFd: {
        auto file = facts.files->get(fd);
        if (file.is_error())
            return ktl::Errno::NoEntry;
        OpenFile& description = *file.value();
        // Descriptions without a name in the tree, as Linux shows them: "pipe:[inode]" (a pipe(2)
        // end, whose path is in the internal pipefs), a memfd's own name, "anon_inode:[kind]".
        char text[64];
        uint64_t inode = description.inode() ? description.inode()->number() : 0;
        if (ktl::StringView(description.kind()) == "pipe" && description.inode() &&
            description.inode()->file_system().type_name() == "pipefs")
            return ktl::String::try_create(ktl::format_into(text, sizeof text, "pipe:[{}]", inode));
        if (!description.anonymous_name().is_empty())
            return ktl::String::try_create(description.anonymous_name());
        if (!description.path().is_null())
            return path_name(description.path(), root);
        bool regular = description.inode() && description.inode()->metadata().is_regular();
        return ktl::String::try_create(
            ktl::format_into(text, sizeof text, "anon_inode:[{}]", regular ? "memfd" : description.kind()));
    }
    default:
        return ktl::Errno::InvalidArgument;
    }
}

ktl::ErrorOr<bool> process_link_destination(Kind kind, uint64_t pid, int fd, Path& destination) {
    if (kind == Kind::ProcessExe || kind == Kind::ProcessCwd || kind == Kind::ProcessRoot ||
        kind == Kind::ProcessFd)
        TRY(may_inspect(pid));
    ProcessFacts facts = TRY(gather(pid));
    switch (kind) {
    case Kind::ProcessExe:
        if (facts.identity.executable_path.is_null())
            return ktl::Errno::NoEntry;
        destination = facts.identity.executable_path;
        return true;
    case Kind::ProcessCwd:
        destination = facts.context->cwd();
        return true;
    case Kind::ProcessRoot:
        destination = facts.context->root();
        return true;
    case Kind::ProcessFd: {
        auto file = facts.files->get(fd);
        if (file.is_error())
            return ktl::Errno::NoEntry;
        if (file.value()->path().is_null())
            return false; // a pipe end or memfd: its text names nothing to walk to
        destination = file.value()->path();
        return true;
    }
    default:
        return false;
    }
}

ktl::ErrorOr<void> generate_process_file(Kind kind, uint64_t pid, ktl::StringBuilder& out) {
    ProcessFacts facts = TRY(gather(pid));
    switch (kind) {
    case Kind::ProcessStat:
        write_stat(out, facts);
        break;
    case Kind::ProcessStatm:
        write_statm(out, facts);
        break;
    case Kind::ProcessStatus:
        write_status(out, facts);
        break;
    case Kind::ProcessCmdline:
        if (facts.identity.arguments)
            write_bytes(out, facts.identity.arguments->arguments);
        break;
    case Kind::ProcessEnviron:
        if (facts.identity.arguments)
            write_bytes(out, facts.identity.arguments->environment);
        break;
    case Kind::ProcessComm:
        ktl::format_to(out, "{}\n", static_cast<const char*>(facts.identity.name));
        break;
    case Kind::ProcessMaps:
        TRY(write_maps(out, facts));
        break;
    case Kind::ProcessMounts:
        write_mounts(out);
        break;
    default:
        return ktl::Errno::InvalidArgument;
    }
    if (out.has_failed())
        return ktl::Errno::NoMemory;
    return {};
}

} // namespace fs::procfs
