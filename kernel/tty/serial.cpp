// The serial terminals: COM1 is ttyS0 and the console (/dev/console, which init's fds 0, 1 and 2
// open), with output to the kernel console (serial and screen) and input from the COM1 receive
// interrupt; COM2 is ttyS1, an output-only terminal whose writes become records of the JSON log
// COM2 carries. /dev/tty opens the caller's controlling terminal.
#include "console/serial.h"
#include "arch/interrupts.h"
#include "bus/platform.h"
#include "console/console.h"
#include "console/log.h"
#include "fs/char_device.h"
#include "fs/vfs.h"
#include "irq/irq.h"
#include "proc/process.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "sync/spinlock.h"
#include "tty/pty.h"
#include "tty/terminal.h"
#include "tty/tty.h"
#include "tty/virtual_terminal.h"

#include <new>

namespace tty {

namespace {

constexpr uint8_t com1_irq = 4;

// The console turns every LF into CR LF for the serial line itself, so ONLCR's CR is left out.
void write_to_console(const char* bytes, size_t count) {
    size_t start = 0;
    for (size_t i = 0; i < count; ++i) {
        if (bytes[i] == '\r' && i + 1 < count && bytes[i + 1] == '\n') {
            console::write(ktl::StringView(bytes + start, i - start));
            start = i + 1;
        }
    }
    console::write(ktl::StringView(bytes + start, count - start));
}

class SerialTerminal final : public Terminal {
public:
    // A serial line cannot tell how big the terminal at its other end is: 80x24, the VT100's size,
    // until someone says otherwise (`stty rows R cols C`, TIOCSWINSZ).
    SerialTerminal() {
        m_state.with([&](TerminalState& state) { state.window = {24, 80, 0, 0}; });
    }
    ktl::StringView name() const override { return "ttyS0"; }
    uint64_t device_number() const override { return fs::make_device(4, 64); }

protected:
    void echo_locked(TerminalState&, const char* bytes, size_t count) override {
        write_to_console(bytes, count);
    }
    ktl::ErrorOr<size_t> transmit(const char* bytes, size_t count, bool) override {
        write_to_console(bytes, count);
        return count;
    }
};

SerialTerminal* serial_terminal = nullptr; // made at registration, kept for good

// Bytes the interrupt received, waiting for the input task: the line discipline may signal,
// which takes a mutex, so it cannot run in the interrupt.
struct ReceivedBytes {
    Ring<uint8_t, 1024> bytes;
    uint8_t debug_key = 0;
    DebugKeyHandler debug_handler = nullptr;
};
constinit sync::SpinlockProtected<ReceivedBytes> received;
sched::WaitQueue input_ready;

irq::Registration serial_interrupt; // held for good

irq::Result on_serial_input(void*) {
    bool any = false;
    for (int byte = console::com1().read_byte(); byte >= 0; byte = console::com1().read_byte()) {
        DebugKeyHandler debug = nullptr;
        received.with([&](ReceivedBytes& state) {
            if (state.debug_handler && byte == state.debug_key)
                debug = state.debug_handler;
            else
                any |=
                    state.bytes.push(static_cast<uint8_t>(byte)); // a full buffer drops input, as a line does
        });
        if (debug)
            debug();
    }
    if (any)
        input_ready.wake_all();
    return irq::Result::Handled; // IRQ 4 is COM1's alone
}

[[noreturn]] void feed_serial_input(void*) {
    for (;;) {
        input_ready.wait_until(
            [] { return received.with([](ReceivedBytes& state) { return state.bytes.used > 0; }); });
        uint8_t bytes[128];
        size_t count = received.with([&](ReceivedBytes& state) {
            size_t n = 0;
            while (n < sizeof bytes && state.bytes.used > 0)
                bytes[n++] = state.bytes.pop();
            return n;
        });
        if (serial_terminal)
            serial_terminal->receive(bytes, count);
    }
}

// Which node was opened decides whether opening may make it the controlling terminal: ttyS0 may,
// /dev/console and /dev/tty do not (as Linux's tty_open).
class SerialDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t minor,
                                                uint32_t flags) override {
        if (!serial_terminal)
            return ktl::Errno::NoDeviceOrAddress;
        return open_terminal(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags,
                             ktl::RefPtr<Terminal>(*serial_terminal), minor == 64);
    }
};

// /dev/tty: the caller's controlling terminal, ENXIO without one.
class ControllingTerminalDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        Caller caller = current_caller();
        ktl::RefPtr<Terminal> terminal = controlling_terminal_of(caller.session);
        if (!terminal)
            return ktl::Errno::NoDeviceOrAddress;
        return open_terminal(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags,
                             static_cast<ktl::RefPtr<Terminal>&&>(terminal), false);
    }
};

constinit SerialDevice serial_device;
constinit ControllingTerminalDevice controlling_terminal_device;

// /dev/ttyS1 is COM2, which carries the kernel's JSON log (the runner reads it as such), so it is
// a terminal whose line is one-way: what a program writes becomes a record of its own,
// {"tty":"ttyS1","text":...}, keeping the log one JSON object per line, and nothing is ever typed
// (the runner writes COM2 to a file), so reads wait like those of a line with no input.
class LogLineTerminal final : public Terminal {
public:
    ktl::StringView name() const override { return "ttyS1"; }
    uint64_t device_number() const override { return fs::make_device(4, 65); }

protected:
    void echo_locked(TerminalState&, const char*, size_t) override {} // no input, so no echo
    ktl::ErrorOr<size_t> transmit(const char* bytes, size_t count, bool) override {
        if (!console::com2().is_present())
            return count;
        arch::InterruptDisabler one_record; // as the log writes its records
        console::com2().write("{\"tty\":\"ttyS1\",\"text\":");
        klog::write_json_string(console::com2(), ktl::StringView(bytes, count));
        console::com2().write("}\n");
        return count;
    }
};

LogLineTerminal* log_line_terminal = nullptr; // made at registration, kept for good

class SecondSerialDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        if (!log_line_terminal)
            return ktl::Errno::NoDeviceOrAddress;
        return open_terminal(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags,
                             ktl::RefPtr<Terminal>(*log_line_terminal), true);
    }
};

constinit SecondSerialDevice second_serial_device;

} // namespace

void initialize_serial_input() {
    if (!console::com1().is_present())
        return;
    auto requested = irq::request_isa(com1_irq, on_serial_input, nullptr, "ttyS0");
    if (requested.is_error()) {
        klog::warn("tty", "no terminal input: IRQ {} is taken ({})", com1_irq, requested.error().name());
        return;
    }
    serial_interrupt = requested.release_value();
    auto task = sched::spawn("tty-input", feed_serial_input, nullptr, {});
    if (task.is_error()) {
        klog::warn("tty", "no terminal input: no input task ({})", task.error().name());
        return;
    }
    task.value().reset();
    console::com1().enable_receive_interrupt();
}

void register_terminal_devices() {
    // Leaked on purpose: the serial lines never go away.
    serial_terminal = new (std::nothrow) SerialTerminal;
    log_line_terminal = new (std::nothrow) LogLineTerminal;
    if (!serial_terminal || !log_line_terminal)
        klog::warn("tty", "no serial terminals: out of memory");
    // The ports are the platform's serial8250 device's, as on Linux; the console is virtual.
    device::Device* ports = bus::platform::find_device("serial8250");
    fs::CharacterDeviceInfo devices[] = {
        {"console", 5, 1, 0600},
        {"ttyS0", 4, 64, 0660},
    };
    devices[1].parent = ports;
    for (const auto& info : devices) {
        if (auto registered = fs::register_character_device(info, serial_device); registered.is_error())
            klog::warn("tty", "cannot register /dev/{}: {}", info.name, registered.error().name());
    }
    if (auto registered = fs::register_character_device({"tty", 5, 0, 0666}, controlling_terminal_device);
        registered.is_error())
        klog::warn("tty", "cannot register /dev/tty: {}", registered.error().name());
    fs::CharacterDeviceInfo second_port{"ttyS1", 4, 65, 0660};
    second_port.parent = ports;
    if (auto registered = fs::register_character_device(second_port, second_serial_device);
        registered.is_error())
        klog::warn("tty", "cannot register /dev/ttyS1: {}", registered.error().name());
    register_pseudo_terminals();
    register_virtual_terminals();
    proc::set_session_leader_exit_hook(session_leader_exited);
    proc::set_controlling_terminal_query(controlling_terminal_facts);
}

void mount_devpts() {
    fs::Path root = fs::root_path();
    if (root.is_null())
        return;
    fs::Lookup lookup{root, root, {}, 0};
    auto pts = fs::resolve(lookup, "/dev/pts");
    if (pts.is_error() ||
        fs::mount("devpts", pts.value(), "devpts", fs::mount_no_set_uid | fs::mount_no_execute, "")
            .is_error())
        klog::error("tty", "cannot mount devpts on /dev/pts");
}

void set_debug_key(uint8_t byte, DebugKeyHandler handler) {
    received.with([&](ReceivedBytes& state) {
        state.debug_key = byte;
        state.debug_handler = handler;
    });
}

} // namespace tty
