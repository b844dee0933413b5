#include "tty/terminal.h"

#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/signals.h"
#include "sync/mutex.h"
#include "time/clock.h"

#include <new>

namespace tty {

namespace {

// Every terminal, to find a session's controlling terminal. A terminal with a session is never
// being destroyed (a pty's master drops the session before the last reference can go), so a
// reference taken under this lock is safe.
constinit sync::SpinlockProtected<ktl::IntrusiveList<Terminal>, sync::Spinlock> terminals;
// Serialises giving and taking controlling terminals, so a session never ends up with two.
sync::Mutex controlling_terminal_lock;

bool is_control(uint8_t byte) {
    return byte < 0x20 || byte == 0x7f;
}

bool matches(const Termios& termios, int index, uint8_t byte) {
    uint8_t value = termios.control_characters[index];
    return value != cc_disabled && value == byte;
}

// Signals the line discipline asks for, sent once the lock is dropped.
struct PendingSignals {
    int signals[4] = {};
    size_t count = 0;
    uint64_t group = 0;
    void add(int signal) {
        if (count < 4)
            signals[count++] = signal;
    }
};

void push_input(TerminalState& state, uint16_t value, bool line_end) {
    if (state.input.push(value) && line_end)
        ++state.lines_ready;
}

void discard_input(TerminalState& state) {
    state.input.clear();
    state.lines_ready = 0;
    state.line_length = 0;
    state.literal_next = false;
}

bool canonical(const TerminalState& state) {
    return state.termios.local_flags & lflag_canonical;
}

size_t raw_minimum(const TerminalState& state) {
    return state.termios.control_characters[cc_min];
}

bool readable(const TerminalState& state) {
    if (state.hung_up)
        return true;
    if (canonical(state))
        return state.lines_ready > 0;
    return state.input.used > 0;
}

// The bytes a read could take now (FIONREAD): complete lines in canonical mode, end-of-file marks
// not counted.
int32_t bytes_available(const TerminalState& state) {
    int32_t count = 0;
    size_t end = state.input.used;
    if (canonical(state)) {
        size_t lines = 0;
        for (end = 0; end < state.input.used && lines < state.lines_ready; ++end) {
            uint16_t value = state.input.at(end);
            if (value == '\n' || value == end_of_file_mark || value >= 0x200)
                ++lines;
        }
    }
    for (size_t i = 0; i < end; ++i) {
        if (state.input.at(i) != end_of_file_mark)
            ++count;
    }
    return count;
}

} // namespace

Caller current_caller() {
    Caller caller;
    proc::Process* process = proc::current_process();
    if (!process)
        return caller;
    caller.pid = process->pid();
    caller.group = proc::process_group_of(0).value_or(0);
    caller.session = proc::session_of(0).value_or(0);
    return caller;
}

void signal_process_group(uint64_t group, int signal) {
    proc::signal_group_from_kernel(group, signal);
}

namespace {

void signal_process(uint64_t pid, int signal) {
    proc::SignalInfo info{};
    info.signal = signal;
    info.code = proc::si_kernel;
    (void)proc::with_process(pid, [&](proc::Process& target) { (void)proc::send_signal(target, info); });
}

// Whether the caller ignores or blocks `signal`: then job control does not stop it.
bool ignores_or_blocks(int signal) {
    proc::Process* process = proc::current_process();
    if (!process)
        return true;
    return proc::action_of(*process, signal).handler == proc::sig_ignore ||
           (proc::current_blocked_mask() & proc::signal_bit(signal));
}

// Linux's job-control check for a caller in the background of its controlling terminal: reads
// (SIGTTIN), writes under TOSTOP and changes to the terminal (SIGTTOU). Stops the caller's group and
// restarts the call once it is continued; EIO where stopping cannot work (the signal ignored or
// blocked, or the group orphaned). `allow_if_ignored`: SIGTTOU ignored lets the call proceed.
ktl::ErrorOr<void> check_background(uint64_t session, uint64_t foreground, int signal,
                                    bool allow_if_ignored) {
    Caller caller = current_caller();
    if (!caller.exists() || session == 0 || caller.session != session || foreground == 0 ||
        caller.group == foreground)
        return {};
    if (ignores_or_blocks(signal))
        return allow_if_ignored ? ktl::ErrorOr<void>() : ktl::ErrorOr<void>(ktl::Errno::IoError);
    if (proc::is_orphaned_process_group(caller.group))
        return ktl::Errno::IoError;
    signal_process_group(caller.group, signal);
    return ktl::Errno::RestartSyscall;
}

} // namespace

Terminal::Terminal() {
    terminals.with([&](ktl::IntrusiveList<Terminal>& list) { list.push_back(*this); });
}

Terminal::~Terminal() {
    terminals.with([&](ktl::IntrusiveList<Terminal>& list) { list.remove(*this); });
}

namespace {

// OPOST processing of one byte into `out` (room for two); returns the bytes written.
size_t post_process(const Termios& termios, uint8_t byte, char* out) {
    if ((termios.output_flags & oflag_post) && (termios.output_flags & oflag_nl_to_crnl) && byte == '\n') {
        out[0] = '\r';
        out[1] = '\n';
        return 2;
    }
    out[0] = static_cast<char>(byte);
    return 1;
}

} // namespace

void Terminal::receive(const uint8_t* bytes, size_t count) {
    PendingSignals pending;
    m_state.with([&](TerminalState& state) {
        auto echo_raw = [&](const char* text, size_t length) {
            char processed[8];
            for (size_t i = 0; i < length; ++i) {
                size_t n = post_process(state.termios, static_cast<uint8_t>(text[i]), processed);
                echo_locked(state, processed, n);
            }
        };
        auto echo = [&](const char* text, size_t length) {
            if (state.termios.local_flags & lflag_echo)
                echo_raw(text, length);
        };
        // A byte as echo shows it: control characters as ^X under ECHOCTL (tab and newline as they are).
        auto echo_character = [&](uint8_t byte) {
            if ((state.termios.local_flags & lflag_echo_control) && is_control(byte) && byte != '\t' &&
                byte != '\n') {
                char text[2] = {'^', static_cast<char>(byte ^ 0x40)};
                echo(text, 2);
            } else {
                char text[1] = {static_cast<char>(byte)};
                echo(text, 1);
            }
        };
        // Takes the last character off the line and off the screen.
        auto erase_one = [&]() {
            if (state.line_length == 0)
                return;
            uint8_t last = static_cast<uint8_t>(state.line[--state.line_length]);
            if ((state.termios.local_flags & lflag_echo) && (state.termios.local_flags & lflag_echo_erase)) {
                bool wide =
                    (state.termios.local_flags & lflag_echo_control) && is_control(last) && last != '\t';
                for (int i = 0; i < (wide ? 2 : 1); ++i)
                    echo_raw("\b \b", 3);
            }
        };
        auto finish_line = [&](uint16_t terminator) {
            for (size_t i = 0; i < state.line_length; ++i)
                push_input(state, static_cast<uint8_t>(state.line[i]), false);
            state.line_length = 0;
            push_input(state, terminator, true);
        };

        for (size_t index = 0; index < count; ++index) {
            uint8_t byte = bytes[index];
            const Termios& termios = state.termios;
            const uint32_t local = termios.local_flags;
            if (state.literal_next) {
                state.literal_next = false;
                if (local & lflag_echo)
                    echo_raw("\b\b", 2); // the "^" shown for VLNEXT goes
            } else {
                if (byte == '\r' && (termios.input_flags & iflag_ignore_cr))
                    continue;
                if (byte == '\r' && (termios.input_flags & iflag_cr_to_nl))
                    byte = '\n';
                else if (byte == '\n' && (termios.input_flags & iflag_nl_to_cr))
                    byte = '\r';
                if (local & lflag_signals) {
                    int signal = matches(termios, cc_interrupt, byte) ? proc::sigint
                                 : matches(termios, cc_quit, byte)    ? proc::sigquit
                                 : matches(termios, cc_suspend, byte) ? proc::sigtstp
                                                                      : 0;
                    if (signal) {
                        if (!(local & lflag_no_flush)) {
                            discard_input(state);
                            state.output.clear();
                        }
                        echo_character(byte);
                        pending.add(signal);
                        pending.group = state.foreground;
                        continue;
                    }
                }
                if (local & lflag_canonical) {
                    if ((local & lflag_extended) && matches(termios, cc_literal_next, byte)) {
                        state.literal_next = true;
                        if (local & lflag_echo) {
                            if (local & lflag_echo_control)
                                echo_raw("^\b", 2);
                        }
                        continue;
                    }
                    if (matches(termios, cc_erase, byte)) {
                        if (!(local & lflag_echo_erase) && state.line_length > 0)
                            echo_character(byte);
                        erase_one();
                        continue;
                    }
                    if ((local & lflag_extended) && matches(termios, cc_word_erase, byte)) {
                        while (state.line_length > 0 && (state.line[state.line_length - 1] == ' ' ||
                                                         state.line[state.line_length - 1] == '\t'))
                            erase_one();
                        while (state.line_length > 0 && state.line[state.line_length - 1] != ' ' &&
                               state.line[state.line_length - 1] != '\t')
                            erase_one();
                        continue;
                    }
                    if (matches(termios, cc_kill, byte)) {
                        if (local & lflag_echo_kill_erase) {
                            while (state.line_length > 0)
                                erase_one();
                        } else {
                            echo_character(byte);
                            state.line_length = 0;
                            if (local & lflag_echo_kill)
                                echo("\n", 1);
                        }
                        continue;
                    }
                    if (matches(termios, cc_eof, byte)) {
                        finish_line(end_of_file_mark);
                        continue;
                    }
                    if (byte == '\n' || matches(termios, cc_end_of_line, byte) ||
                        ((local & lflag_extended) && matches(termios, cc_end_of_line2, byte))) {
                        if ((local & lflag_echo) || (byte == '\n' && (local & lflag_echo_nl)))
                            echo_raw(reinterpret_cast<const char*>(&byte), 1);
                        if (byte == '\n') {
                            finish_line('\n');
                        } else {
                            // EOL and EOL2 end a line and are returned with it; marked above 0x1ff.
                            finish_line(static_cast<uint16_t>(0x200 | byte));
                        }
                        continue;
                    }
                }
            }
            if (local & lflag_canonical) {
                if (state.line_length + 1 >= line_capacity)
                    continue; // room is kept for the newline
                state.line[state.line_length++] = static_cast<char>(byte);
            } else {
                push_input(state, byte, false);
            }
            echo_character(byte);
        }
    });
    m_events.wake_all();
    for (size_t i = 0; i < pending.count; ++i)
        signal_process_group(pending.group, pending.signals[i]);
}

ktl::ErrorOr<size_t> Terminal::read(fs::IoBuffer buffer, size_t length, bool nonblocking) {
    {
        uint64_t session = 0, foreground = 0;
        bool hung_up = m_state.with([&](TerminalState& state) {
            session = state.session;
            foreground = state.foreground;
            return state.hung_up;
        });
        if (hung_up)
            return ktl::Errno::IoError; // as a Linux pty slave whose master has closed
        TRY(check_background(session, foreground, proc::sigttin, false));
    }
    if (length == 0)
        return 0;
    size_t done = 0;
    uint64_t deadline = sched::no_deadline;
    bool first_pass = true;
    for (;;) {
        char chunk[256];
        bool is_canonical = false, hung_up = false, line_done = false;
        size_t minimum = 0;
        uint64_t time_ns = 0;
        size_t want = length - done < sizeof chunk ? length - done : sizeof chunk;
        size_t taken = m_state.with([&](TerminalState& state) -> size_t {
            is_canonical = canonical(state);
            hung_up = state.hung_up;
            minimum = raw_minimum(state);
            time_ns = uint64_t{state.termios.control_characters[cc_time]} * 100'000'000;
            if (is_canonical && state.lines_ready == 0)
                return 0;
            size_t n = 0;
            while (n < want && state.input.used > 0) {
                uint16_t value = state.input.pop();
                bool line_end = value == '\n' || value == end_of_file_mark || value >= 0x200;
                if (line_end && is_canonical)
                    --state.lines_ready;
                else if (line_end && state.lines_ready > 0)
                    --state.lines_ready;
                if (value == end_of_file_mark) {
                    if (is_canonical) {
                        line_done = true;
                        break;
                    }
                    continue; // raw mode reads past a ^D left from canonical mode
                }
                chunk[n++] = static_cast<char>(value & 0xff);
                if (line_end && is_canonical) {
                    line_done = true;
                    break;
                }
            }
            return n;
        });
        if (taken > 0) {
            auto copied = buffer.write(chunk, taken, done);
            if (copied.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : copied.error();
            done += taken;
            m_events.wake_all(); // room for a blocked writer of input
        }
        if (is_canonical) {
            if (line_done || (taken > 0 && done == length))
                return done;
            if (taken > 0)
                continue; // the line goes on beyond the chunk
        } else {
            if (done == length)
                return done;
            if (minimum == 0 && (time_ns == 0 || done > 0))
                return done; // VMIN 0: whatever came, or nothing once VTIME is up
            if (minimum > 0 && done >= minimum)
                return done;
            if (time_ns > 0) {
                // VMIN 0: one timer for the whole read. VMIN > 0: an inter-byte timer started by
                // the first byte and restarted by every later one.
                if (minimum == 0 && first_pass)
                    deadline = time::monotonic_ns() + time_ns;
                else if (minimum > 0 && taken > 0)
                    deadline = time::monotonic_ns() + time_ns;
            }
        }
        first_pass = false;
        if (hung_up)
            return done > 0 ? ktl::ErrorOr<size_t>(done) : ktl::ErrorOr<size_t>(ktl::Errno::IoError);
        if (nonblocking)
            return done > 0 ? ktl::ErrorOr<size_t>(done) : ktl::ErrorOr<size_t>(ktl::Errno::TryAgain);
        auto waited = m_events.wait_until_interruptible(
            [&] { return m_state.with([](TerminalState& state) { return readable(state); }); }, deadline);
        if (waited == sched::WaitResult::Interrupted)
            return done > 0 ? ktl::ErrorOr<size_t>(done) : ktl::ErrorOr<size_t>(ktl::Errno::RestartSyscall);
        if (waited == sched::WaitResult::TimedOut) {
            bool any = m_state.with([](TerminalState& state) { return state.input.used > 0; });
            if (!any)
                return done;
        }
    }
}

ktl::ErrorOr<size_t> Terminal::write(fs::IoBuffer buffer, size_t length, bool nonblocking) {
    Termios termios;
    {
        uint64_t session = 0, foreground = 0;
        bool hung_up = m_state.with([&](TerminalState& state) {
            session = state.session;
            foreground = state.foreground;
            termios = state.termios;
            return state.hung_up;
        });
        if (hung_up)
            return ktl::Errno::IoError;
        if (termios.local_flags & lflag_stop_background_output)
            TRY(check_background(session, foreground, proc::sigttou, true));
    }
    size_t written = 0;
    while (written < length) {
        char chunk[256];
        char processed[512];
        size_t part = length - written < sizeof chunk ? length - written : sizeof chunk;
        auto copied = buffer.read(chunk, part, written);
        if (copied.is_error())
            return written > 0 ? ktl::ErrorOr<size_t>(written) : copied.error();
        size_t size = 0;
        for (size_t i = 0; i < part; ++i)
            size += post_process(termios, static_cast<uint8_t>(chunk[i]), processed + size);
        auto sent = transmit(processed, size, nonblocking);
        if (sent.is_error())
            return written > 0 ? ktl::ErrorOr<size_t>(written) : sent.error();
        written += part;
    }
    return written;
}

uint32_t Terminal::poll_events() {
    return m_state.with([](TerminalState& state) -> uint32_t {
        if (state.hung_up)
            return fs::poll_in | fs::poll_read_normal | fs::poll_out | fs::poll_write_normal |
                   fs::poll_error | fs::poll_hang_up;
        uint32_t events = 0;
        if (readable(state))
            events |= fs::poll_in | fs::poll_read_normal;
        if (state.output.room() >= 2)
            events |= fs::poll_out | fs::poll_write_normal;
        return events;
    });
}

void Terminal::opened(uint32_t flags, bool may_acquire) {
    if ((flags & fs::open_no_controlling_tty) || !may_acquire)
        return;
    Caller caller = current_caller();
    if (!caller.exists() || caller.pid != caller.session)
        return;
    sync::MutexLocker locker(controlling_terminal_lock);
    if (controlling_terminal_of(caller.session))
        return;
    m_state.with([&](TerminalState& state) {
        if (state.session == 0 && !state.hung_up) {
            state.session = caller.session;
            state.foreground = caller.group;
        }
    });
}

void Terminal::hang_up() {
    uint64_t session = 0, foreground = 0;
    m_state.with([&](TerminalState& state) {
        session = state.session;
        foreground = state.foreground;
    });
    // Signals first, so a reader the hangup wakes has its SIGHUP pending by the time it returns.
    if (session) {
        signal_process(session, proc::sighup);
        signal_process(session, proc::sigcont);
    }
    signal_process_group(foreground, proc::sighup);
    signal_process_group(foreground, proc::sigcont);
    m_state.with([&](TerminalState& state) {
        state.hung_up = true;
        state.session = state.foreground = 0;
    });
    m_events.wake_all();
}

ktl::RefPtr<Terminal> controlling_terminal_of(uint64_t session) {
    if (session == 0)
        return {};
    return terminals.with([&](ktl::IntrusiveList<Terminal>& list) -> ktl::RefPtr<Terminal> {
        for (Terminal& terminal : list) {
            bool ours = terminal.session() == session;
            if (ours)
                return ktl::RefPtr<Terminal>(terminal);
        }
        return {};
    });
}

bool controlling_terminal_facts(uint64_t session, proc::ControllingTerminalFacts& facts) {
    ktl::RefPtr<Terminal> terminal = controlling_terminal_of(session);
    if (!terminal)
        return false;
    facts.device = terminal->device_number();
    facts.foreground = terminal->foreground_group();
    return true;
}

uint64_t Terminal::release_session(uint64_t session) {
    return m_state.with([&](TerminalState& state) -> uint64_t {
        if (state.session != session)
            return 0;
        uint64_t foreground = state.foreground;
        state.session = state.foreground = 0;
        return foreground;
    });
}

void session_leader_exited(uint64_t session) {
    ktl::RefPtr<Terminal> terminal;
    uint64_t foreground = 0;
    {
        sync::MutexLocker locker(controlling_terminal_lock);
        terminal = controlling_terminal_of(session);
        if (!terminal)
            return;
        foreground = terminal->release_session(session);
    }
    signal_process_group(foreground, proc::sighup);
    signal_process_group(foreground, proc::sigcont);
}

void Terminal::set_window_size(const WindowSize& window) {
    uint64_t foreground = 0;
    bool changed = m_state.with([&](TerminalState& state) {
        bool different = state.window.rows != window.rows || state.window.columns != window.columns ||
                         state.window.x_pixels != window.x_pixels || state.window.y_pixels != window.y_pixels;
        state.window = window;
        foreground = state.foreground;
        return different;
    });
    if (changed)
        signal_process_group(foreground, proc::sigwinch);
}

ktl::ErrorOr<long> Terminal::ioctl(uint64_t request, uint64_t argument, bool from_master) {
    if (m_state.with([](TerminalState& state) { return state.hung_up; }))
        return request == tiocspgrp ? ktl::Errno::NotTerminal : ktl::Errno::IoError;
    Caller caller = current_caller();
    auto is_controlling = [&] {
        return caller.exists() &&
               m_state.with([&](TerminalState& state) { return state.session == caller.session; });
    };
    // Changing the terminal from the background: SIGTTOU, as Linux's tty_check_change.
    auto check_change = [&]() -> ktl::ErrorOr<void> {
        uint64_t session = 0, foreground = 0;
        m_state.with([&](TerminalState& state) {
            session = state.session;
            foreground = state.foreground;
        });
        return check_background(session, foreground, proc::sigttou, true);
    };
    switch (request) {
    case tcgets: {
        Termios termios = m_state.with([](TerminalState& state) { return state.termios; });
        TRY(mm::copy_to_user(mm::UserPtr<Termios>(argument), &termios));
        return 0;
    }
    case tcsets:
    case tcsetsw:
    case tcsetsf: {
        Termios termios = TRY(mm::read_user(mm::UserPtr<Termios>(argument)));
        TRY(check_change());
        m_state.with([&](TerminalState& state) {
            bool was_canonical = canonical(state);
            state.termios = termios;
            if (request == tcsetsf) {
                discard_input(state);
            } else if (was_canonical && !canonical(state)) {
                // Leaving canonical mode: the line being edited becomes input.
                for (size_t i = 0; i < state.line_length; ++i)
                    push_input(state, static_cast<uint8_t>(state.line[i]), false);
                state.line_length = 0;
            } else if (!was_canonical && canonical(state)) {
                state.lines_ready = 0; // raw input waits for a line end like any typed text
                for (size_t i = 0; i < state.input.used; ++i) {
                    uint16_t value = state.input.at(i);
                    if (value == '\n' || value == end_of_file_mark || value >= 0x200)
                        ++state.lines_ready;
                }
            }
        });
        m_events.wake_all();
        return 0;
    }
    case tcflsh: {
        if (argument > flush_both)
            return ktl::Errno::InvalidArgument;
        TRY(check_change());
        m_state.with([&](TerminalState& state) {
            if (argument == flush_input || argument == flush_both)
                discard_input(state);
        });
        m_events.wake_all();
        return 0;
    }
    case tiocgwinsz: {
        WindowSize window = m_state.with([](TerminalState& state) { return state.window; });
        TRY(mm::copy_to_user(mm::UserPtr<WindowSize>(argument), &window));
        return 0;
    }
    case tiocswinsz: {
        set_window_size(TRY(mm::read_user(mm::UserPtr<WindowSize>(argument))));
        return 0;
    }
    case fionread: {
        int32_t available = m_state.with([](TerminalState& state) { return bytes_available(state); });
        TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &available));
        return 0;
    }
    case tiocoutq: {
        int32_t queued = 0; // output leaves at once (a pty's goes straight to its master, as Linux's)
        TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &queued));
        return 0;
    }
    case tiocgpgrp: {
        if (!from_master && !is_controlling())
            return ktl::Errno::NotTerminal;
        int32_t group =
            static_cast<int32_t>(m_state.with([](TerminalState& state) { return state.foreground; }));
        TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &group));
        return 0;
    }
    case tiocgsid: {
        if (!from_master && !is_controlling())
            return ktl::Errno::NotTerminal;
        uint64_t session = m_state.with([](TerminalState& state) { return state.session; });
        if (session == 0)
            return ktl::Errno::NotTerminal;
        int32_t value = static_cast<int32_t>(session);
        TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &value));
        return 0;
    }
    case tiocspgrp: {
        int32_t group = TRY(mm::read_user(mm::UserPtr<int32_t>(argument)));
        TRY(check_change());
        if (!is_controlling())
            return ktl::Errno::NotTerminal;
        if (group < 0)
            return ktl::Errno::InvalidArgument;
        if (!proc::process_group_in_session(static_cast<uint64_t>(group), caller.session)) {
            // Linux answers EPERM for any live id of another session, a group's or a process's.
            size_t members = 0;
            uint64_t first = 0;
            (void)proc::list_group(static_cast<uint64_t>(group), &first, 1, members);
            bool exists = members > 0 ||
                          !proc::with_process(static_cast<uint64_t>(group), [](proc::Process&) {}).is_error();
            return exists ? ktl::Errno::NotPermitted : ktl::Errno::NoSuchProcess;
        }
        m_state.with([&](TerminalState& state) { state.foreground = static_cast<uint64_t>(group); });
        return 0;
    }
    case tiocsctty: {
        if (!caller.exists() || caller.pid != caller.session)
            return ktl::Errno::NotPermitted;
        sync::MutexLocker locker(controlling_terminal_lock);
        uint64_t current = m_state.with([](TerminalState& state) { return state.session; });
        if (current == caller.session)
            return 0;
        if (controlling_terminal_of(caller.session))
            return ktl::Errno::NotPermitted;
        if (current != 0) {
            // Another session's: only root may steal it, and only when asked to (argument 1).
            if (argument != 1 || proc::current_process()->identity().effective_uid != 0)
                return ktl::Errno::NotPermitted;
        }
        bool taken = m_state.with([&](TerminalState& state) {
            if (state.hung_up) // the line went meanwhile
                return false;
            state.session = caller.session;
            state.foreground = caller.group;
            return true;
        });
        return taken ? ktl::ErrorOr<long>(0) : ktl::ErrorOr<long>(ktl::Errno::IoError);
    }
    case tiocnotty: {
        if (!is_controlling())
            return ktl::Errno::NotTerminal;
        if (caller.pid == caller.session)
            session_leader_exited(caller.session);
        // A member that is not the leader keeps sharing its session's terminal: the controlling
        // terminal is the session's here, not each process's.
        return 0;
    }
    default:
        return back_end_ioctl(request, argument);
    }
}

TerminalFile::TerminalFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, ktl::RefPtr<Terminal> terminal)
    : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags),
      m_terminal(static_cast<ktl::RefPtr<Terminal>&&>(terminal)) {
    m_terminal->side_opened();
}

TerminalFile::~TerminalFile() {
    m_terminal->side_closed();
}

ktl::ErrorOr<size_t> TerminalFile::read(fs::IoBuffer buffer, size_t length) {
    return m_terminal->read(buffer, length, is_nonblocking());
}

ktl::ErrorOr<size_t> TerminalFile::write(fs::IoBuffer buffer, size_t length) {
    return m_terminal->write(buffer, length, is_nonblocking());
}

ktl::ErrorOr<long> TerminalFile::ioctl(uint64_t request, uint64_t argument) {
    return m_terminal->ioctl(request, argument);
}

ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open_terminal(fs::RefPtr<fs::Inode> inode, uint32_t flags,
                                                     ktl::RefPtr<Terminal> terminal, bool may_acquire) {
    Terminal& target = *terminal;
    auto file = TRY(ktl::try_make_ref_counted<TerminalFile>(
        static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags, static_cast<ktl::RefPtr<Terminal>&&>(terminal)));
    target.opened(flags, may_acquire);
    return fs::RefPtr<fs::OpenFile>(file.ptr());
}

} // namespace tty
