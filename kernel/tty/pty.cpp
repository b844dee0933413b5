#include "tty/pty.h"

#include "console/log.h"
#include "fs/char_device.h"
#include "fs/vfs.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "sync/mutex.h"
#include "tty/terminal.h"

#include <new>

namespace tty {

namespace {

constexpr uint32_t slave_major = 136; // Unix98 pty slaves, as Linux numbers them
constexpr uint32_t max_pseudo_terminals = 256;
constexpr uint64_t devpts_magic = 0x1cd1;

// The slave's terminal; the master reaches it through its file.
class PseudoTerminal final : public Terminal {
public:
    explicit PseudoTerminal(uint32_t index) : m_index(index) {}
    uint32_t index() const { return m_index; }
    ktl::StringView name() const override { return "pts"; }
    uint64_t device_number() const override { return fs::make_device(slave_major, m_index); }

    void side_opened() override {
        m_state.with([](TerminalState& state) {
            ++state.slave_opens;
            state.slave_was_opened = true;
        });
    }
    void side_closed() override {
        m_state.with([](TerminalState& state) { --state.slave_opens; });
        m_events.wake_all(); // the master's reader sees EIO once everything is read
    }

    bool is_locked() {
        return m_state.with([](TerminalState& state) { return state.locked; });
    }
    void set_locked(bool locked) {
        m_state.with([&](TerminalState& state) { state.locked = locked; });
    }

    // The master's read: what the slave output.
    ktl::ErrorOr<size_t> master_read(fs::IoBuffer buffer, size_t length, bool nonblocking) {
        if (length == 0)
            return 0;
        auto slave_gone = [](const TerminalState& state) {
            return state.slave_was_opened && state.slave_opens == 0;
        };
        for (;;) {
            uint8_t chunk[256];
            bool gone = false;
            size_t want = length < sizeof chunk ? length : sizeof chunk;
            size_t taken = m_state.with([&](TerminalState& state) -> size_t {
                size_t n = 0;
                while (n < want && state.output.used > 0)
                    chunk[n++] = state.output.pop();
                gone = slave_gone(state);
                return n;
            });
            if (taken > 0) {
                m_events.wake_all(); // room for the slave's writers
                TRY(buffer.write(chunk, taken));
                return taken;
            }
            if (gone)
                return ktl::Errno::IoError; // as Linux: the slave side has closed
            if (nonblocking)
                return ktl::Errno::TryAgain;
            auto waited = m_events.wait_until_interruptible([&] {
                return m_state.with(
                    [&](TerminalState& state) { return state.output.used > 0 || slave_gone(state); });
            });
            if (waited == sched::WaitResult::Interrupted)
                return ktl::Errno::RestartSyscall;
        }
    }

    // The master's write: the slave's input.
    ktl::ErrorOr<size_t> master_write(fs::IoBuffer buffer, size_t length) {
        size_t written = 0;
        while (written < length) {
            uint8_t chunk[256];
            size_t part = length - written < sizeof chunk ? length - written : sizeof chunk;
            auto copied = buffer.read(chunk, part, written);
            if (copied.is_error())
                return written > 0 ? ktl::ErrorOr<size_t>(written) : copied.error();
            receive(chunk, part);
            written += part;
        }
        return written;
    }

    uint32_t master_poll_events() {
        return m_state.with([](TerminalState& state) -> uint32_t {
            uint32_t events = fs::poll_out | fs::poll_write_normal;
            if (state.output.used > 0)
                events |= fs::poll_in | fs::poll_read_normal;
            if (state.slave_was_opened && state.slave_opens == 0)
                events |= fs::poll_hang_up;
            return events;
        });
    }

    int32_t master_bytes_readable() {
        return m_state.with([](TerminalState& state) { return static_cast<int32_t>(state.output.used); });
    }

protected:
    void echo_locked(TerminalState& state, const char* bytes, size_t count) override {
        for (size_t i = 0; i < count; ++i)
            (void)state.output.push(static_cast<uint8_t>(bytes[i])); // a full queue drops echo
    }

    ktl::ErrorOr<size_t> transmit(const char* bytes, size_t count, bool nonblocking) override {
        for (;;) {
            bool hung_up = false;
            bool sent = m_state.with([&](TerminalState& state) {
                hung_up = state.hung_up;
                if (hung_up || state.output.room() < count)
                    return false;
                for (size_t i = 0; i < count; ++i)
                    state.output.push(static_cast<uint8_t>(bytes[i]));
                return true;
            });
            if (hung_up)
                return ktl::Errno::IoError;
            if (sent) {
                m_events.wake_all();
                return count;
            }
            if (nonblocking)
                return ktl::Errno::TryAgain;
            auto waited = m_events.wait_until_interruptible([&] {
                return m_state.with(
                    [&](TerminalState& state) { return state.hung_up || state.output.room() >= count; });
            });
            if (waited == sched::WaitResult::Interrupted)
                return ktl::Errno::RestartSyscall;
        }
    }

private:
    uint32_t m_index;
};

// The live pairs by index, each with its slave node's owner and mode. The table holds a reference
// to each pair until its master closes.
struct PseudoTerminalEntry {
    PseudoTerminal* terminal = nullptr;
    uint32_t uid = 0, gid = 0, mode = 0620;
};
struct PseudoTerminalTable {
    PseudoTerminalEntry entries[max_pseudo_terminals];
};
constinit sync::SpinlockProtected<PseudoTerminalTable, sync::Spinlock> table;

ktl::RefPtr<PseudoTerminal> find(uint32_t index) {
    if (index >= max_pseudo_terminals)
        return {};
    return table.with([&](PseudoTerminalTable& state) -> ktl::RefPtr<PseudoTerminal> {
        PseudoTerminal* terminal = state.entries[index].terminal;
        return terminal ? ktl::RefPtr<PseudoTerminal>(*terminal) : ktl::RefPtr<PseudoTerminal>();
    });
}

// devpts: a directory of the live slaves, read from the table at every walk.
class DevptsInode final : public fs::Inode {
public:
    // `index` -1 is the root directory.
    DevptsInode(fs::FileSystem& file_system, int64_t index)
        : Inode(file_system, index < 0 ? 1 : static_cast<uint64_t>(index) + 3), m_index(index) {}

    fs::InodeMetadata metadata() override {
        fs::InodeMetadata metadata;
        metadata.device = file_system().device();
        metadata.inode = number();
        metadata.block_size = 1024;
        if (m_index < 0) {
            metadata.mode = fs::mode_directory | 0755;
            metadata.link_count = 2;
        } else {
            metadata.mode = fs::mode_character_device;
            metadata.link_count = 1;
            metadata.rdev = fs::make_device(slave_major, static_cast<uint32_t>(m_index));
            table.with([&](PseudoTerminalTable& state) {
                const PseudoTerminalEntry& entry = state.entries[m_index];
                metadata.mode |= entry.mode & 07777;
                metadata.uid = entry.uid;
                metadata.gid = entry.gid;
            });
        }
        fs::Timestamp now = fs::current_time();
        metadata.access_time = metadata.modify_time = metadata.change_time = metadata.birth_time = now;
        return metadata;
    }

    ktl::ErrorOr<void> set_attributes(const fs::AttributeChange& change) override {
        if (m_index < 0)
            return ktl::Errno::NotPermitted;
        table.with([&](PseudoTerminalTable& state) {
            PseudoTerminalEntry& entry = state.entries[m_index];
            if (change.which & fs::AttributeChange::Mode)
                entry.mode = change.mode & 07777;
            if (change.which & fs::AttributeChange::Uid)
                entry.uid = change.uid;
            if (change.which & fs::AttributeChange::Gid)
                entry.gid = change.gid;
        });
        return {};
    }

    ktl::ErrorOr<fs::RefPtr<fs::Inode>> lookup(ktl::StringView name) override {
        if (m_index >= 0)
            return ktl::Errno::NotDirectory;
        if (name.is_empty() || name.length() > 3 || (name[0] == '0' && name.length() > 1))
            return ktl::Errno::NoEntry;
        uint32_t index = 0;
        for (char digit : name) {
            if (digit < '0' || digit > '9')
                return ktl::Errno::NoEntry;
            index = index * 10 + static_cast<uint32_t>(digit - '0');
        }
        if (!find(index))
            return ktl::Errno::NoEntry;
        auto inode = TRY(ktl::try_make_ref_counted<DevptsInode>(file_system(), index));
        return fs::RefPtr<fs::Inode>(inode.ptr());
    }

    ktl::ErrorOr<void> read_directory(uint64_t cookie,
                                      ktl::FunctionRef<bool(const fs::DirectoryEntry&)> emit) override {
        if (m_index >= 0)
            return ktl::Errno::NotDirectory;
        uint8_t directory_type = fs::directory_entry_type(fs::mode_directory);
        if (cookie == 0) {
            if (!emit({".", number(), directory_type, 1}))
                return {};
            cookie = 1;
        }
        if (cookie == 1) {
            if (!emit({"..", number(), directory_type, 2}))
                return {};
            cookie = 2;
        }
        for (uint32_t index = static_cast<uint32_t>(cookie - 2); index < max_pseudo_terminals; ++index) {
            bool live = table.with(
                [&](PseudoTerminalTable& state) { return state.entries[index].terminal != nullptr; });
            if (!live)
                continue;
            char name[8];
            ktl::StringView text = ktl::format_into(name, sizeof name, "{}", index);
            if (!emit({text, index + 3u, fs::directory_entry_type(fs::mode_character_device), index + 3u}))
                return {};
        }
        return {};
    }

private:
    int64_t m_index;
};

class DevptsFileSystem final : public fs::FileSystem {
public:
    ktl::ErrorOr<void> initialize() {
        auto root = TRY(ktl::try_make_ref_counted<DevptsInode>(*this, -1));
        m_root = fs::RefPtr<fs::Inode>(root.ptr());
        return {};
    }
    fs::RefPtr<fs::Inode> root() override { return m_root; }
    ktl::StringView type_name() const override { return "devpts"; }
    ktl::ErrorOr<void> statistics(fs::FileSystemStatistics& statistics) override {
        statistics = {};
        statistics.type = devpts_magic;
        statistics.block_size = 4096;
        return {};
    }
    void describe_options(ktl::FormatSink& sink) const override { sink.write("rw,mode=620,ptmxmode=000"); }
    // Slaves come and go with their masters: every walk asks the table again.
    bool caches_names() const override { return false; }

private:
    fs::RefPtr<fs::Inode> m_root;
};

// One instance, as Linux's devpts without newinstance: every mount shows the same slaves.
sync::Mutex devpts_lock;
DevptsFileSystem* devpts = nullptr; // kept for good once made

ktl::ErrorOr<fs::RefPtr<fs::FileSystem>> devpts_instance() {
    sync::MutexLocker locker(devpts_lock);
    if (!devpts) {
        auto made = TRY(ktl::try_make_ref_counted<DevptsFileSystem>());
        TRY(made->initialize());
        devpts = made.leak_ref();
    }
    return fs::RefPtr<fs::FileSystem>(*devpts);
}

ktl::ErrorOr<fs::RefPtr<fs::FileSystem>> create_devpts(ktl::StringView, uint64_t, ktl::StringView) {
    return devpts_instance();
}

ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open_slave(fs::RefPtr<fs::Inode> inode, uint32_t index,
                                                  uint32_t flags) {
    ktl::RefPtr<PseudoTerminal> terminal = find(index);
    if (!terminal)
        return ktl::Errno::NoDeviceOrAddress;
    if (terminal->is_locked())
        return ktl::Errno::IoError; // until unlockpt
    return open_terminal(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags,
                         ktl::RefPtr<Terminal>(terminal.ptr()), true);
}

class MasterFile final : public fs::OpenFile {
public:
    MasterFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, ktl::RefPtr<PseudoTerminal> terminal)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags),
          m_terminal(static_cast<ktl::RefPtr<PseudoTerminal>&&>(terminal)) {}

    // The master's close: the slave hangs up, its node goes and its index is free again.
    ~MasterFile() override {
        uint32_t index = m_terminal->index();
        PseudoTerminal* entry = table.with([&](PseudoTerminalTable& state) {
            PseudoTerminal* terminal = state.entries[index].terminal;
            state.entries[index].terminal = nullptr;
            return terminal;
        });
        m_terminal->hang_up();
        if (entry)
            entry->unref();
    }

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        return m_terminal->master_read(buffer, length, is_nonblocking());
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer buffer, size_t length) override {
        return m_terminal->master_write(buffer, length);
    }
    ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument) override {
        switch (request) {
        case tiocgptn: {
            uint32_t index = m_terminal->index();
            TRY(mm::copy_to_user(mm::UserPtr<uint32_t>(argument), &index));
            return 0;
        }
        case tiocsptlck: {
            int32_t lock = TRY(mm::read_user(mm::UserPtr<int32_t>(argument)));
            m_terminal->set_locked(lock != 0);
            return 0;
        }
        case tiocgptlck: {
            int32_t lock = m_terminal->is_locked() ? 1 : 0;
            TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &lock));
            return 0;
        }
        case tiocgptpeer: {
            // The slave without a path walk: the caller's flags (O_RDWR, O_NOCTTY, O_CLOEXEC...).
            uint32_t flags = static_cast<uint32_t>(argument);
            if (m_terminal->is_locked())
                return ktl::Errno::IoError;
            fs::RefPtr<fs::FileSystem> file_system = TRY(devpts_instance());
            auto node = TRY(ktl::try_make_ref_counted<DevptsInode>(*file_system, m_terminal->index()));
            auto file = TRY(open_slave(fs::RefPtr<fs::Inode>(node.ptr()), m_terminal->index(), flags));
            proc::Process* process = proc::current_process();
            if (!process)
                return ktl::Errno::BadFileDescriptor;
            int fd = TRY(process->files().install(file, (flags & fs::open_close_on_exec) != 0));
            return fd;
        }
        case fionread: {
            int32_t available = m_terminal->master_bytes_readable();
            TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &available));
            return 0;
        }
        default:
            // termios, the window size and job-control queries act on the slave, as Linux's do.
            return m_terminal->ioctl(request, argument, true);
        }
    }
    ktl::ErrorOr<size_t> read_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<int64_t> seek(int64_t, fs::Whence) override { return ktl::Errno::IllegalSeek; }
    bool is_seekable() const override { return false; }
    uint32_t poll_events() override { return m_terminal->master_poll_events(); }
    sched::WaitQueue* poll_queue() override { return &m_terminal->events(); }
    bool is_terminal() const override { return true; }
    const char* kind() const override { return "ptmx"; }

private:
    ktl::RefPtr<PseudoTerminal> m_terminal;
};

// /dev/ptmx: every open makes a new pair, its slave owned by the opener and locked.
class MultiplexerDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        TRY(devpts_instance());
        proc::Process* process = proc::current_process();
        fs::Credentials credentials = process ? process->credentials() : fs::Credentials{};
        uint32_t index = max_pseudo_terminals;
        // A free index; taken below under the lock again, in case another open got there first.
        table.with([&](PseudoTerminalTable& state) {
            for (uint32_t i = 0; i < max_pseudo_terminals; ++i) {
                if (!state.entries[i].terminal) {
                    index = i;
                    return;
                }
            }
        });
        if (index == max_pseudo_terminals)
            return ktl::Errno::NoSpace;
        ktl::RefPtr<PseudoTerminal> pair = TRY(ktl::try_make_ref_counted<PseudoTerminal>(index));
        bool taken = table.with([&](PseudoTerminalTable& state) {
            if (state.entries[index].terminal)
                return false;
            pair->ref();
            state.entries[index] = {pair.ptr(), credentials.uid, credentials.gid, 0620};
            return true;
        });
        if (!taken)
            return ktl::Errno::TryAgain;
        auto file =
            ktl::try_make_ref_counted<MasterFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags, pair);
        if (file.is_error()) {
            table.with([&](PseudoTerminalTable& state) { state.entries[index].terminal = nullptr; });
            pair->unref();
            return file.error();
        }
        return fs::RefPtr<fs::OpenFile>(file.value().ptr());
    }
};

class SlaveDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t minor,
                                                uint32_t flags) override {
        return open_slave(static_cast<fs::RefPtr<fs::Inode>&&>(inode), minor, flags);
    }
};

constinit MultiplexerDevice multiplexer_device;
constinit SlaveDevice slave_device;

} // namespace

void register_pseudo_terminals() {
    if (auto registered = fs::register_character_device({"ptmx", 5, 2, 0666}, multiplexer_device);
        registered.is_error())
        klog::warn("tty", "cannot register /dev/ptmx: {}", registered.error().name());
    fs::CharacterDeviceInfo slaves{"pts", slave_major, 0, 0620};
    slaves.whole_major = true;
    if (auto registered = fs::register_character_device(slaves, slave_device); registered.is_error())
        klog::warn("tty", "cannot register the pty slaves: {}", registered.error().name());
    MUST(fs::register_file_system("devpts", create_devpts, false));
}

} // namespace tty
