#include "console/tty.h"

#include "arch/interrupts.h"
#include "console/console.h"
#include "console/log.h"
#include "console/serial.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "sync/spinlock.h"

#include <cstring>
#include <new>

namespace console {

namespace {

constexpr uint8_t com1_irq = 4;

// Linux's struct termios as TCGETS/TCSETS pass it (asm-generic/termbits.h), with its flag values.
struct Termios {
    uint32_t input_flags;
    uint32_t output_flags;
    uint32_t control_flags;
    uint32_t local_flags;
    uint8_t line_discipline;
    uint8_t control_characters[19];
};
static_assert(sizeof(Termios) == 36);

struct WindowSize {
    uint16_t rows, columns, x_pixels, y_pixels;
};
static_assert(sizeof(WindowSize) == 8);

enum : uint32_t {
    input_cr_to_nl = 0000400, // ICRNL
    input_xon = 0002000,      // IXON
    output_post = 0000001,    // OPOST
    output_nl_to_crnl = 04,   // ONLCR
    control_baud_38400 = 017,
    control_8_bits = 0000060, // CS8
    control_read = 0000200,   // CREAD
    local_signals = 0000001,  // ISIG
    local_canonical = 0000002,
    local_echo = 0000010,
    local_echo_erase = 0000020,
    local_echo_kill = 0000040,
    local_echo_control = 0001000,
    local_echo_kill_erase = 0004000,
    local_extended = 0100000,
};
enum : int { cc_interrupt = 0, cc_quit = 1, cc_erase = 2, cc_kill = 3, cc_eof = 4, cc_time = 5, cc_min = 6 };

enum : uint64_t {
    tcgets = 0x5401,
    tcsets = 0x5402,
    tcsetsw = 0x5403,
    tcsetsf = 0x5404,
    tiocgpgrp = 0x540f,
    tiocspgrp = 0x5410,
    tiocgwinsz = 0x5413,
    tiocswinsz = 0x5414,
    fionread = 0x541b,
};

constexpr Termios default_termios() {
    Termios termios{};
    termios.input_flags = input_cr_to_nl | input_xon;
    termios.output_flags = output_post | output_nl_to_crnl;
    termios.control_flags = control_baud_38400 | control_8_bits | control_read;
    termios.local_flags = local_signals | local_canonical | local_echo | local_echo_erase | local_echo_kill |
                          local_echo_control | local_echo_kill_erase | local_extended;
    termios.control_characters[cc_interrupt] = 3; // Ctrl-C
    termios.control_characters[cc_quit] = 0x1c;
    termios.control_characters[cc_erase] = 0x7f;
    termios.control_characters[cc_kill] = 0x15; // Ctrl-U
    termios.control_characters[cc_eof] = 4;     // Ctrl-D
    termios.control_characters[cc_min] = 1;
    return termios;
}

constexpr size_t input_capacity = 4096;
constexpr size_t line_capacity = 1024;
constexpr uint16_t end_of_file_mark = 0x100; // in the input queue: a Ctrl-D that ends a read

// Everything the interrupt handler and readers share.
struct TerminalState {
    Termios termios = default_termios();
    uint16_t input[input_capacity] = {};
    size_t input_head = 0;
    size_t input_used = 0;
    size_t lines_ready = 0; // line ends (newline or end-of-file mark) in the input queue
    char line[line_capacity] = {};
    size_t line_length = 0; // the line being edited (canonical mode)
    uint8_t debug_key = 0;
    DebugKeyHandler debug_handler = nullptr;
};

sync::SpinlockProtected<TerminalState> terminal;
sched::WaitQueue readers;

bool canonical(const TerminalState& state) {
    return state.termios.local_flags & local_canonical;
}

void push_input(TerminalState& state, uint16_t value) {
    if (state.input_used == input_capacity)
        return; // a full queue drops input, as a real line does
    state.input[(state.input_head + state.input_used) % input_capacity] = value;
    ++state.input_used;
    if (value == '\n' || value == end_of_file_mark)
        ++state.lines_ready;
}

void echo(const TerminalState& state, ktl::StringView text) {
    if (state.termios.local_flags & local_echo)
        write(text);
}

void finish_line(TerminalState& state, uint16_t terminator) {
    for (size_t i = 0; i < state.line_length; ++i)
        push_input(state, static_cast<uint8_t>(state.line[i]));
    state.line_length = 0;
    push_input(state, terminator);
}

// Line discipline for one input byte, under the terminal lock; returns whether readers may proceed.
bool receive_locked(TerminalState& state, uint8_t byte) {
    const Termios& termios = state.termios;
    if (byte == '\r' && (termios.input_flags & input_cr_to_nl))
        byte = '\n';
    if (!canonical(state)) {
        push_input(state, byte);
        if (termios.local_flags & local_echo) {
            char text[1] = {static_cast<char>(byte)};
            write(ktl::StringView(text, 1));
        }
        return true;
    }
    const uint8_t* cc = termios.control_characters;
    if (byte == cc[cc_erase] || byte == '\b') {
        if (state.line_length > 0) {
            --state.line_length;
            if (termios.local_flags & local_echo_erase)
                echo(state, "\b \b");
        }
        return false;
    }
    if (byte == cc[cc_kill]) {
        while (state.line_length > 0) {
            --state.line_length;
            echo(state, "\b \b");
        }
        return false;
    }
    if (byte == cc[cc_eof]) {
        finish_line(state, end_of_file_mark);
        return true;
    }
    if (byte == cc[cc_interrupt] && (termios.local_flags & local_signals)) {
        // Until signals exist, an interrupt throws the line away, as it would after SIGINT.
        state.line_length = 0;
        echo(state, "^C\n");
        return false;
    }
    if (byte == '\n') {
        echo(state, "\n");
        finish_line(state, '\n');
        return true;
    }
    if (state.line_length + 1 >= line_capacity)
        return false; // leave room for the newline
    state.line[state.line_length++] = static_cast<char>(byte);
    if (byte < 0x20 && (termios.local_flags & local_echo_control)) {
        char text[2] = {'^', static_cast<char>(byte + '@')};
        echo(state, ktl::StringView(text, 2));
    } else {
        char text[1] = {static_cast<char>(byte)};
        echo(state, ktl::StringView(text, 1));
    }
    return false;
}

// Whether a read can complete now, by the mode's rules.
bool readable(const TerminalState& state) {
    if (canonical(state))
        return state.lines_ready > 0;
    return state.input_used >= (state.termios.control_characters[cc_min] ? 1u : 0u);
}

// Takes up to `capacity` bytes: in canonical mode at most one line (a newline included, an
// end-of-file mark consumed but not returned).
size_t take_input(TerminalState& state, char* buffer, size_t capacity) {
    size_t count = 0;
    while (count < capacity && state.input_used > 0) {
        uint16_t value = state.input[state.input_head];
        state.input_head = (state.input_head + 1) % input_capacity;
        --state.input_used;
        bool line_end = value == '\n' || value == end_of_file_mark;
        if (line_end)
            --state.lines_ready;
        if (value == end_of_file_mark)
            break;
        buffer[count++] = static_cast<char>(value);
        if (line_end && canonical(state))
            break;
    }
    return count;
}

void on_serial_input(arch::InterruptFrame&) {
    bool wake = false;
    for (int byte = com1().read_byte(); byte >= 0; byte = com1().read_byte()) {
        DebugKeyHandler debug = nullptr;
        terminal.with([&](TerminalState& state) {
            if (state.debug_handler && byte == state.debug_key)
                debug = state.debug_handler;
            else
                wake |= receive_locked(state, static_cast<uint8_t>(byte));
        });
        if (debug)
            debug();
    }
    if (wake)
        readers.wake_all();
}

class TerminalFile final : public fs::OpenFile {
public:
    TerminalFile(fs::RefPtr<fs::Inode> inode, uint32_t flags)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags) {}

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        if (length == 0)
            return 0;
        char chunk[256];
        for (;;) {
            size_t want = length < sizeof chunk ? length : sizeof chunk;
            bool ready = false;
            size_t count = terminal.with([&](TerminalState& state) -> size_t {
                ready = readable(state);
                return ready ? take_input(state, chunk, want) : 0;
            });
            if (ready) {
                TRY(buffer.write(chunk, count));
                return count;
            }
            if (is_nonblocking())
                return ktl::Errno::TryAgain;
            auto waited = readers.wait_until_interruptible(
                [] { return terminal.with([](TerminalState& state) { return readable(state); }); });
            if (waited == sched::WaitResult::Interrupted)
                return ktl::Errno::RestartSyscall; // as Linux's terminal read: SA_RESTART restarts it
        }
    }

    ktl::ErrorOr<size_t> write(fs::IoBuffer buffer, size_t length) override {
        char chunk[256];
        size_t written = 0;
        while (written < length) {
            size_t part = length - written < sizeof chunk ? length - written : sizeof chunk;
            auto copied = buffer.read(chunk, part, written);
            if (copied.is_error())
                return written > 0 ? ktl::ErrorOr<size_t>(written) : copied.error();
            console::write(ktl::StringView(chunk, part));
            written += part;
        }
        return written;
    }

    ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument) override {
        switch (request) {
        case tcgets: {
            Termios termios = terminal.with([](TerminalState& state) { return state.termios; });
            TRY(mm::copy_to_user(mm::UserPtr<Termios>(argument), &termios));
            return 0;
        }
        case tcsets:
        case tcsetsw:
        case tcsetsf: {
            Termios termios = TRY(mm::read_user(mm::UserPtr<Termios>(argument)));
            terminal.with([&](TerminalState& state) {
                bool was_canonical = canonical(state);
                state.termios = termios;
                if (request == tcsetsf) {
                    state.input_used = state.lines_ready = state.line_length = 0;
                } else if (was_canonical && !canonical(state)) {
                    // Leaving canonical mode: the line being edited becomes input.
                    for (size_t i = 0; i < state.line_length; ++i)
                        push_input(state, static_cast<uint8_t>(state.line[i]));
                    state.line_length = 0;
                }
            });
            readers.wake_all();
            return 0;
        }
        case tiocgwinsz: {
            TextSize size = text_size();
            WindowSize window{size.rows, size.columns, 0, 0};
            TRY(mm::copy_to_user(mm::UserPtr<WindowSize>(argument), &window));
            return 0;
        }
        case tiocswinsz:
            return 0; // the size is the screen's; accepted and ignored, as a fixed console does
        case tiocgpgrp: {
            int32_t group = 0; // no process groups yet
            TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &group));
            return 0;
        }
        case tiocspgrp:
            return 0;
        case fionread: {
            int32_t available =
                terminal.with([](TerminalState& state) { return static_cast<int32_t>(state.input_used); });
            TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &available));
            return 0;
        }
        default:
            return ktl::Errno::NotTerminal;
        }
    }

    ktl::ErrorOr<size_t> read_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<int64_t> seek(int64_t, fs::Whence) override { return ktl::Errno::IllegalSeek; }
    bool is_seekable() const override { return false; }
    uint32_t poll_events() override {
        bool ready = terminal.with([](TerminalState& state) { return readable(state); });
        return fs::poll_out | fs::poll_write_normal | (ready ? fs::poll_in | fs::poll_read_normal : 0);
    }
    sched::WaitQueue* poll_queue() override { return &readers; }
    bool is_terminal() const override { return true; }
    const char* kind() const override { return "tty"; }
};

} // namespace

void initialize_terminal() {
    if (!com1().is_present())
        return;
    if (auto result = arch::set_irq_handler(com1_irq, on_serial_input); result.is_error()) {
        klog::warn("tty", "no terminal input: IRQ {} is taken ({})", com1_irq, result.error().name());
        return;
    }
    com1().enable_receive_interrupt();
}

void terminal_receive(uint8_t byte) {
    bool wake = terminal.with([&](TerminalState& state) { return receive_locked(state, byte); });
    if (wake)
        readers.wake_all();
}

namespace {

// /dev/console, /dev/tty and /dev/ttyS0 all reach this one terminal until there are several.
class TerminalDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        auto file =
            TRY(ktl::try_make_ref_counted<TerminalFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags));
        return fs::RefPtr<fs::OpenFile>(file.ptr());
    }
};

constinit TerminalDevice terminal_device;

// /dev/ttyS1 is COM2, which carries the kernel's JSON log (the runner reads it as such): what a
// program writes there becomes a record of its own, {"tty":"ttyS1","text":...}, so the log stays one
// JSON object per line. Nothing is read from it; a read waits as on a line with no input.
class SecondSerialFile final : public fs::OpenFile {
public:
    using OpenFile::OpenFile;
    ktl::ErrorOr<size_t> read(fs::IoBuffer, size_t length) override {
        if (length == 0)
            return 0;
        if (is_nonblocking())
            return ktl::Errno::TryAgain;
        for (;;)
            sched::sleep_for(1'000'000'000);
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer buffer, size_t length) override {
        char chunk[256];
        size_t written = 0;
        while (written < length) {
            size_t part = length - written < sizeof chunk ? length - written : sizeof chunk;
            auto copied = buffer.read(chunk, part, written);
            if (copied.is_error())
                return written > 0 ? ktl::ErrorOr<size_t>(written) : copied.error();
            if (com2().is_present()) {
                arch::InterruptDisabler one_record; // as the log writes its records
                com2().write("{\"tty\":\"ttyS1\",\"text\":");
                klog::write_json_string(com2(), ktl::StringView(chunk, part));
                com2().write("}\n");
            }
            written += part;
        }
        return written;
    }
    ktl::ErrorOr<size_t> read_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<int64_t> seek(int64_t, fs::Whence) override { return ktl::Errno::IllegalSeek; }
    bool is_seekable() const override { return false; }
    uint32_t poll_events() override { return fs::poll_out | fs::poll_write_normal; }
    const char* kind() const override { return "serial"; }
};

class SecondSerialDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        auto file = TRY(
            ktl::try_make_ref_counted<SecondSerialFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags));
        return fs::RefPtr<fs::OpenFile>(file.ptr());
    }
};

constinit SecondSerialDevice second_serial_device;

} // namespace

void register_terminal_devices() {
    constexpr fs::CharacterDeviceInfo devices[] = {
        {"tty", 5, 0, 0666},
        {"console", 5, 1, 0600},
        {"ttyS0", 4, 64, 0660},
    };
    for (const auto& info : devices) {
        if (auto registered = fs::register_character_device(info, terminal_device); registered.is_error())
            klog::warn("tty", "cannot register /dev/{}: {}", info.name, registered.error().name());
    }
    if (auto registered = fs::register_character_device({"ttyS1", 4, 65, 0660}, second_serial_device);
        registered.is_error())
        klog::warn("tty", "cannot register /dev/ttyS1: {}", registered.error().name());
}

void set_debug_key(uint8_t byte, DebugKeyHandler handler) {
    terminal.with([&](TerminalState& state) {
        state.debug_key = byte;
        state.debug_handler = handler;
    });
}

} // namespace console
