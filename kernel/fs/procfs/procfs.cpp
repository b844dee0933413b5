#include "fs/procfs/procfs.h"

#include "fs/generated_file.h"
#include "fs/procfs/generators.h"
#include "fs/vfs.h"
#include "ktl/string_builder.h"
#include "proc/process.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"

#include <cstring>

namespace fs::procfs {

namespace {

struct Entry {
    const char* name;
    Kind kind;
};

constexpr Entry root_entries[] = {
    {"self", Kind::Self},         {"thread-self", Kind::ThreadSelf},  {"cmdline", Kind::Cmdline},
    {"cpuinfo", Kind::Cpuinfo},   {"filesystems", Kind::Filesystems}, {"interrupts", Kind::Interrupts},
    {"loadavg", Kind::Loadavg},   {"meminfo", Kind::Meminfo},         {"modules", Kind::Modules},
    {"mounts", Kind::MountsLink}, {"partitions", Kind::Partitions},   {"stat", Kind::Stat},
    {"sys", Kind::SysDirectory},  {"uptime", Kind::Uptime},           {"version", Kind::Version},
};
constexpr Entry sys_entries[] = {{"kernel", Kind::SysKernelDirectory}};
constexpr Entry sys_kernel_entries[] = {{"hostname", Kind::Hostname},
                                        {"ostype", Kind::Ostype},
                                        {"osrelease", Kind::Osrelease},
                                        {"pid_max", Kind::PidMax}};
// A process's directory; a task's is the same without "task" and "mounts" (the last two).
constexpr Entry process_entries[] = {
    {"cmdline", Kind::ProcessCmdline},    {"comm", Kind::ProcessComm},     {"cwd", Kind::ProcessCwd},
    {"environ", Kind::ProcessEnviron},    {"exe", Kind::ProcessExe},       {"fd", Kind::ProcessFdDirectory},
    {"maps", Kind::ProcessMaps},          {"root", Kind::ProcessRoot},     {"stat", Kind::ProcessStat},
    {"statm", Kind::ProcessStatm},        {"status", Kind::ProcessStatus}, {"mounts", Kind::ProcessMounts},
    {"task", Kind::ProcessTaskDirectory},
};
constexpr size_t task_entry_count = sizeof process_entries / sizeof process_entries[0] - 2;

struct EntryList {
    const Entry* entries;
    size_t count;
};

constexpr uint64_t first_entry_cookie = 2; // 0 is ".", 1 is ".."
// In /proc, pids come after the fixed entries, each at this plus its pid, so a listing resumes at the
// right pid whatever exited meanwhile.
constexpr uint64_t pid_cookie_base = 1024;

ktl::StringView command_line;

bool is_directory_kind(Kind kind) {
    switch (kind) {
    case Kind::Root:
    case Kind::SysDirectory:
    case Kind::SysKernelDirectory:
    case Kind::ProcessDirectory:
    case Kind::ProcessFdDirectory:
    case Kind::ProcessTaskDirectory:
    case Kind::TaskDirectory:
        return true;
    default:
        return false;
    }
}

bool is_symlink_kind(Kind kind) {
    switch (kind) {
    case Kind::Self:
    case Kind::ThreadSelf:
    case Kind::MountsLink:
    case Kind::ProcessExe:
    case Kind::ProcessCwd:
    case Kind::ProcessRoot:
    case Kind::ProcessFd:
        return true;
    default:
        return false;
    }
}

bool is_process_kind(Kind kind) {
    return kind >= Kind::ProcessDirectory;
}

uint32_t mode_of(Kind kind) {
    if (is_directory_kind(kind))
        return mode_directory | (kind == Kind::ProcessFdDirectory ? 0500 : 0555);
    if (is_symlink_kind(kind))
        return mode_symlink | 0777;
    if (kind == Kind::ProcessEnviron)
        return mode_regular | 0400;
    return mode_regular | 0444;
}

// A decimal number with no sign, no leading zero and no more than 19 digits; -1 otherwise.
int64_t parse_number(ktl::StringView text) {
    if (text.is_empty() || text.length() > 19 || (text[0] == '0' && text.length() > 1))
        return -1;
    int64_t value = 0;
    for (char digit : text) {
        if (digit < '0' || digit > '9')
            return -1;
        value = value * 10 + (digit - '0');
    }
    return value;
}

class ProcFileSystem;

class ProcInode final : public Inode {
public:
    // Numbers are stable per (kind, pid, fd): the pid above bit 20, "inside task/" at bit 19, the kind
    // from bit 12, the fd below.
    ProcInode(FileSystem& file_system, Kind kind, uint64_t pid, int fd, bool in_task)
        : Inode(file_system, inode_number(kind, pid, fd, in_task)), m_kind(kind), m_pid(pid), m_fd(fd),
          m_in_task(in_task) {}

    static uint64_t inode_number(Kind kind, uint64_t pid, int fd, bool in_task) {
        if (kind == Kind::Root)
            return 1;
        return (pid << 20) | (in_task ? 1u << 19 : 0u) | (static_cast<uint64_t>(kind) << 12) |
               static_cast<uint64_t>(fd >= 0 ? fd : 0);
    }

    InodeMetadata metadata() override {
        InodeMetadata metadata;
        metadata.device = file_system().device();
        metadata.inode = number();
        metadata.mode = mode_of(m_kind);
        // A process's files belong to its effective user, as Linux shows them (so a process that
        // dropped root still reads its own /proc/self/environ and walks /proc/self/fd).
        if (is_process_kind(m_kind)) {
            (void)proc::with_process(m_pid, [&](proc::Process& process) {
                proc::Identity ids = process.identity();
                metadata.uid = ids.effective_uid;
                metadata.gid = ids.effective_gid;
            });
        }
        metadata.link_count = is_directory_kind(m_kind) ? 2 : 1;
        metadata.block_size = 1024;
        Timestamp now = current_time();
        metadata.access_time = metadata.modify_time = metadata.change_time = metadata.birth_time = now;
        return metadata;
    }

    ktl::ErrorOr<void> set_attributes(const AttributeChange&) override { return ktl::Errno::NotPermitted; }

    ktl::ErrorOr<RefPtr<Inode>> lookup(ktl::StringView name) override {
        if (!is_directory_kind(m_kind))
            return ktl::Errno::NotDirectory;
        if (is_process_kind(m_kind) && !process_exists(m_pid))
            return ktl::Errno::NoEntry;
        EntryList list = entries();
        for (size_t i = 0; i < list.count; ++i) {
            if (name == list.entries[i].name)
                return make(list.entries[i].kind, m_pid, -1, m_in_task || m_kind == Kind::TaskDirectory);
        }
        int64_t number = parse_number(name);
        if (number < 0)
            return ktl::Errno::NoEntry;
        switch (m_kind) {
        case Kind::Root:
            if (number == 0 || !process_exists(static_cast<uint64_t>(number)))
                return ktl::Errno::NoEntry;
            return make(Kind::ProcessDirectory, static_cast<uint64_t>(number), -1, false);
        case Kind::ProcessTaskDirectory:
            // The main task only, whose id is the pid: other threads are not listed yet.
            if (static_cast<uint64_t>(number) != m_pid)
                return ktl::Errno::NoEntry;
            return make(Kind::TaskDirectory, m_pid, -1, true);
        case Kind::ProcessFdDirectory:
            if (number >= FileTable::max_descriptors || !process_has_fd(m_pid, static_cast<int>(number)))
                return ktl::Errno::NoEntry;
            return make(Kind::ProcessFd, m_pid, static_cast<int>(number), m_in_task);
        default:
            return ktl::Errno::NoEntry;
        }
    }

    ktl::ErrorOr<void> read_directory(uint64_t cookie,
                                      ktl::FunctionRef<bool(const DirectoryEntry&)> emit) override {
        if (!is_directory_kind(m_kind))
            return ktl::Errno::NotDirectory;
        if (is_process_kind(m_kind) && !process_exists(m_pid))
            return ktl::Errno::NoEntry;
        uint8_t directory_type = directory_entry_type(mode_directory);
        if (cookie == 0) {
            if (!emit({".", number(), directory_type, 1}))
                return {};
            cookie = 1;
        }
        if (cookie == 1) {
            if (!emit({"..", number(), directory_type, first_entry_cookie}))
                return {};
            cookie = first_entry_cookie;
        }
        EntryList list = entries();
        bool in_task = m_in_task || m_kind == Kind::TaskDirectory;
        for (size_t i = cookie - first_entry_cookie; cookie < first_entry_cookie + list.count;
             ++i, ++cookie) {
            Kind kind = list.entries[i].kind;
            if (!emit({list.entries[i].name, ProcInode::inode_number(kind, m_pid, -1, in_task),
                       directory_entry_type(mode_of(kind)), cookie + 1}))
                return {};
        }
        char name[24];
        switch (m_kind) {
        case Kind::Root:
            return list_processes(cookie, emit);
        case Kind::ProcessTaskDirectory: {
            uint64_t tid_cookie = first_entry_cookie + list.count;
            if (cookie <= tid_cookie) {
                ktl::StringView text = ktl::format_into(name, sizeof name, "{}", m_pid);
                emit({text, ProcInode::inode_number(Kind::TaskDirectory, m_pid, -1, true), directory_type,
                      tid_cookie + 1});
            }
            return {};
        }
        case Kind::ProcessFdDirectory: {
            uint64_t base = first_entry_cookie + list.count;
            int from = cookie > base ? static_cast<int>(cookie - base) : 0;
            return for_each_fd(m_pid, from, [&](int fd) {
                ktl::StringView text = ktl::format_into(name, sizeof name, "{}", fd);
                return emit({text, ProcInode::inode_number(Kind::ProcessFd, m_pid, fd, m_in_task),
                             directory_entry_type(mode_symlink), base + static_cast<uint64_t>(fd) + 1});
            });
        }
        default:
            return {};
        }
    }

    ktl::ErrorOr<ktl::String> link_target() override {
        char text[48];
        switch (m_kind) {
        case Kind::Self:
        case Kind::ThreadSelf: {
            // Whoever reads the link: a kernel task has no process, and so no /proc/self (as on Linux).
            proc::Process* reader = proc::current_process();
            if (!reader)
                return ktl::Errno::NoEntry;
            if (m_kind == Kind::Self)
                return ktl::String::try_create(ktl::format_into(text, sizeof text, "{}", reader->pid()));
            return ktl::String::try_create(
                ktl::format_into(text, sizeof text, "{}/task/{}", reader->pid(), sched::current_task()->id));
        }
        case Kind::MountsLink:
            return ktl::String::try_create("self/mounts"); // Linux's: mount tables are per process
        case Kind::ProcessExe:
        case Kind::ProcessCwd:
        case Kind::ProcessRoot:
        case Kind::ProcessFd:
            return process_link_target(m_kind, m_pid, m_fd);
        default:
            return ktl::Errno::InvalidArgument;
        }
    }

    ktl::ErrorOr<bool> link_destination(Path& destination) override {
        switch (m_kind) {
        case Kind::ProcessExe:
        case Kind::ProcessCwd:
        case Kind::ProcessRoot:
        case Kind::ProcessFd:
            return process_link_destination(m_kind, m_pid, m_fd, destination);
        default:
            return false;
        }
    }

    ktl::ErrorOr<RefPtr<OpenFile>> open_special(uint32_t flags) override;

    Kind kind() const { return m_kind; }

private:
    EntryList entries() const {
        switch (m_kind) {
        case Kind::Root:
            return {root_entries, sizeof root_entries / sizeof root_entries[0]};
        case Kind::SysDirectory:
            return {sys_entries, sizeof sys_entries / sizeof sys_entries[0]};
        case Kind::SysKernelDirectory:
            return {sys_kernel_entries, sizeof sys_kernel_entries / sizeof sys_kernel_entries[0]};
        case Kind::ProcessDirectory:
            return {process_entries, sizeof process_entries / sizeof process_entries[0]};
        case Kind::TaskDirectory:
            return {process_entries, task_entry_count};
        default:
            return {nullptr, 0};
        }
    }

    ktl::ErrorOr<RefPtr<Inode>> make(Kind kind, uint64_t pid, int fd, bool in_task) {
        auto inode = TRY(ktl::try_make_ref_counted<ProcInode>(file_system(), kind, pid, fd, in_task));
        return RefPtr<Inode>(inode.ptr());
    }

    // /proc's pids, from the one `cookie` stands for on.
    ktl::ErrorOr<void> list_processes(uint64_t cookie, ktl::FunctionRef<bool(const DirectoryEntry&)> emit) {
        uint64_t first_pid = cookie > pid_cookie_base ? cookie - pid_cookie_base : 0;
        // Room for the processes there are now and a few more that may start meanwhile.
        size_t capacity = proc::process_count() + 16;
        ktl::Vector<uint64_t> pids;
        TRY(pids.try_resize(capacity));
        size_t count = proc::list_pids(pids.data(), capacity);
        char name[24];
        for (size_t i = 0; i < count; ++i) {
            if (pids[i] < first_pid)
                continue;
            ktl::StringView text = ktl::format_into(name, sizeof name, "{}", pids[i]);
            if (!emit({text, ProcInode::inode_number(Kind::ProcessDirectory, pids[i], -1, false),
                       directory_entry_type(mode_directory), pid_cookie_base + pids[i] + 1}))
                return {};
        }
        return {};
    }

    Kind m_kind;
    uint64_t m_pid;
    int m_fd;
    bool m_in_task;
};

ktl::ErrorOr<RefPtr<OpenFile>> ProcInode::open_special(uint32_t flags) {
    if (is_directory_kind(m_kind) || is_symlink_kind(m_kind))
        return RefPtr<OpenFile>();
    if ((flags & open_access_mode) != open_read_only)
        return ktl::Errno::AccessDenied; // nothing here takes writes yet, root's included
    ktl::StringBuilder text;
    if (is_process_kind(m_kind))
        TRY(generate_process_file(m_kind, m_pid, text));
    else
        TRY(generate_system_file(m_kind, text));
    ktl::String content = TRY(text.try_build());
    auto file = TRY(ktl::try_make_ref_counted<GeneratedFile>(RefPtr<Inode>(*this), flags,
                                                             static_cast<ktl::String&&>(content), "proc"));
    return RefPtr<OpenFile>(file.ptr());
}

class ProcFileSystem final : public FileSystem {
public:
    ktl::ErrorOr<void> initialize() {
        auto root = TRY(ktl::try_make_ref_counted<ProcInode>(*this, Kind::Root, 0, -1, false));
        m_root = RefPtr<Inode>(root.ptr());
        return {};
    }
    RefPtr<Inode> root() override { return m_root; }
    ktl::StringView type_name() const override { return "proc"; }
    ktl::ErrorOr<void> statistics(FileSystemStatistics& statistics) override {
        statistics = {};
        statistics.type = magic;
        statistics.block_size = 4096;
        return {};
    }
    void describe_options(ktl::FormatSink& sink) const override { sink.write("rw"); }
    // Names come and go with processes: every walk asks again, so a pid that has gone is never found.
    bool caches_names() const override { return false; }

private:
    RefPtr<Inode> m_root;
};

ktl::ErrorOr<RefPtr<FileSystem>> create(ktl::StringView, uint64_t, ktl::StringView) {
    auto file_system = TRY(ktl::try_make_ref_counted<ProcFileSystem>());
    TRY(file_system->initialize());
    return RefPtr<FileSystem>(file_system.ptr());
}

} // namespace

void register_type(ktl::StringView kernel_command_line) {
    set_kernel_command_line(kernel_command_line);
    MUST(register_file_system("proc", create, false));
}

} // namespace fs::procfs
