// A terminal: Linux's termios semantics over a back end (a serial line, a pseudo-terminal's master).
// It holds the line discipline (canonical line editing, echo, ISIG's signals, raw reads with VMIN and
// VTIME), the window size and the job-control state: the session it is the controlling terminal of
// and that session's foreground process group.
//
// Locking: each terminal's state is under its own spinlock, never held while sleeping, copying user
// memory or signalling; the terminal list's lock is taken before a terminal's. Signals are sent after
// the terminal lock is dropped. Everything here runs in task context (serial input reaches it from
// an input task, not from the interrupt), since sending a signal takes the process tree's mutex.
#pragma once

#include "fs/io_buffer.h"
#include "fs/open_file.h"
#include "ktl/error_or.h"
#include "ktl/intrusive_list.h"
#include "ktl/ref_ptr.h"
#include "ktl/string_view.h"
#include "sched/wait_queue.h"
#include "sync/spinlock.h"
#include "tty/termios.h"

#include <cstddef>
#include <cstdint>

namespace proc {
struct ControllingTerminalFacts;
}

namespace tty {

inline constexpr size_t input_capacity = 4096;
inline constexpr size_t line_capacity = 4095; // as n_tty's canonical line
inline constexpr size_t output_capacity = 4096;

// A fixed ring of bytes or queued input values.
template <typename T, size_t Capacity>
struct Ring {
    T values[Capacity] = {};
    size_t head = 0;
    size_t used = 0;
    size_t room() const { return Capacity - used; }
    bool push(T value) {
        if (used == Capacity)
            return false;
        values[(head + used) % Capacity] = value;
        ++used;
        return true;
    }
    T pop() {
        T value = values[head];
        head = (head + 1) % Capacity;
        --used;
        return value;
    }
    T at(size_t index) const { return values[(head + index) % Capacity]; }
    void clear() { head = used = 0; }
};

inline constexpr uint16_t end_of_file_mark = 0x100; // in the input queue: a ^D that ends a read

struct TerminalState {
    Termios termios = default_termios();
    WindowSize window{24, 80, 0, 0};
    Ring<uint16_t, input_capacity> input; // what reads take: whole lines in canonical mode
    size_t lines_ready = 0;               // line ends (newline, EOL or end-of-file mark) in `input`
    char line[line_capacity] = {};        // the line being edited (canonical mode)
    size_t line_length = 0;
    bool literal_next = false; // VLNEXT came: the next byte is taken as it is
    uint64_t session = 0;      // the session whose controlling terminal this is (0: none)
    uint64_t foreground = 0;   // that session's foreground process group
    bool hung_up = false;      // the line is gone (a pty's master closed)
    // Pseudo-terminals: what the slave side output (after OPOST), for the master to read.
    Ring<uint8_t, output_capacity> output;
    uint32_t slave_opens = 0;
    bool slave_was_opened = false;
    bool locked = true; // TIOCSPTLCK: the slave cannot be opened until unlocked
};

// Who is asking, for job control (the running process's ids; zeros for a kernel task).
struct Caller {
    uint64_t pid = 0, group = 0, session = 0;
    bool exists() const { return pid != 0; }
};
Caller current_caller();

class Terminal : public ktl::RefCounted<Terminal>, public ktl::IntrusiveListNode<> {
public:
    Terminal();
    virtual ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    // What the line delivers (typed bytes, a master's writes), through the line discipline.
    void receive(const uint8_t* bytes, size_t count);
    // The terminal side's read(2), write(2), ioctl(2) and poll. `from_master`: an ioctl on a pty
    // master, which acts on its slave without the controlling-terminal checks of the slave's side.
    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length, bool nonblocking);
    ktl::ErrorOr<size_t> write(fs::IoBuffer buffer, size_t length, bool nonblocking);
    ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument, bool from_master = false);
    uint32_t poll_events();
    sched::WaitQueue& events() { return m_events; }

    // open(2) of the terminal side: a session leader with no controlling terminal acquires this one
    // unless O_NOCTTY (or `may_acquire` is false: /dev/console and /dev/tty never give one).
    void opened(uint32_t flags, bool may_acquire);
    // The line hung up: reads return 0, writes fail with EIO; the session leader and the foreground
    // group get SIGHUP and SIGCONT and the terminal has no session any more.
    void hang_up();

    virtual ktl::StringView name() const = 0;
    // Its device number (fs::make_device), which /proc/PID/stat shows as the process's tty_nr.
    virtual uint64_t device_number() const = 0;
    // A description of this terminal's side opened or closed (a pty counts its slave's).
    virtual void side_opened() {}
    virtual void side_closed() {}

    // The session it is the controlling terminal of (0: none).
    uint64_t session() {
        return m_state.with([](TerminalState& state) { return state.session; });
    }
    // The foreground process group of its session (0: none).
    uint64_t foreground_group() {
        return m_state.with([](TerminalState& state) { return state.foreground; });
    }
    // A new window size, as TIOCSWINSZ sets it (the back end's screen changed: a console resolution):
    // the foreground process group gets SIGWINCH when it differs from the old one.
    void set_window_size(const WindowSize& window);
    // Drops `session` if this terminal is its controlling terminal; returns the foreground group then.
    uint64_t release_session(uint64_t session);

protected:
    // Output past OPOST: echo, under the lock (must not sleep; a full pty drops it), and a write's
    // bytes, outside it (may wait for room; returns how many it took, or an error when none).
    virtual void echo_locked(TerminalState& state, const char* bytes, size_t count) = 0;
    virtual ktl::ErrorOr<size_t> transmit(const char* bytes, size_t count, bool nonblocking) = 0;
    // Requests of the back end's own (a virtual terminal's VT_* calls), after the line discipline's;
    // ENOTTY for anything it does not know either.
    virtual ktl::ErrorOr<long> back_end_ioctl(uint64_t, uint64_t) { return ktl::Errno::NotTerminal; }

    sync::SpinlockProtected<TerminalState, sync::Spinlock> m_state;
    sched::WaitQueue m_events; // readers, writers and pollers of either side
};

// The controlling terminal of `session`, or null.
ktl::RefPtr<Terminal> controlling_terminal_of(uint64_t session);
// proc's ControllingTerminalQuery: the device and foreground group of `session`'s terminal.
bool controlling_terminal_facts(uint64_t session, proc::ControllingTerminalFacts& facts);
// The leader of `session` exits: its controlling terminal's foreground group gets SIGHUP then SIGCONT
// and the terminal loses its session, as Linux's disassociate_ctty does.
void session_leader_exited(uint64_t session);
// Sends `signal` from the kernel to every live process of `group`.
void signal_process_group(uint64_t group, int signal);

// An open terminal side: read, write, ioctl and poll go to the terminal.
class TerminalFile : public fs::OpenFile {
public:
    TerminalFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, ktl::RefPtr<Terminal> terminal);
    ~TerminalFile() override;

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override;
    ktl::ErrorOr<size_t> write(fs::IoBuffer buffer, size_t length) override;
    ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument) override;
    ktl::ErrorOr<size_t> read_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<int64_t> seek(int64_t, fs::Whence) override { return ktl::Errno::IllegalSeek; }
    bool is_seekable() const override { return false; }
    uint32_t poll_events() override { return m_terminal->poll_events(); }
    sched::WaitQueue* poll_queue() override { return &m_terminal->events(); }
    bool is_terminal() const override { return true; }
    const char* kind() const override { return "tty"; }

    Terminal& terminal() { return *m_terminal; }

private:
    ktl::RefPtr<Terminal> m_terminal;
};

// Opens `terminal` as a TerminalFile for `inode` and applies open(2)'s controlling-terminal rule.
ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open_terminal(fs::RefPtr<fs::Inode> inode, uint32_t flags,
                                                     ktl::RefPtr<Terminal> terminal, bool may_acquire);

} // namespace tty
