#include "dev/i8042.h"

#include "acpi/acpi.h"
#include "acpi/fadt.h"
#include "arch/interrupts.h"
#include "arch/io.h"
#include "console/log.h"
#include "irq/irq.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "time/clock.h"

namespace dev::i8042 {

namespace {

constexpr ktl::StringView log_subsystem = "i8042";

constexpr uint16_t data_port = 0x60;
constexpr uint16_t status_port = 0x64; // read: status; write: controller command
constexpr uint8_t keyboard_irq = 1;

// Status register bits.
constexpr uint8_t status_output_full = 1u << 0; // a byte waits at the data port
constexpr uint8_t status_input_full = 1u << 1;  // the controller has not taken our last byte yet
constexpr uint8_t status_aux_data = 1u << 5;    // the waiting byte came from the second (mouse) port

// Controller commands.
constexpr uint8_t command_read_config = 0x20;
constexpr uint8_t command_write_config = 0x60;
constexpr uint8_t command_disable_port2 = 0xa7;
constexpr uint8_t command_self_test = 0xaa;
constexpr uint8_t command_test_port1 = 0xab;
constexpr uint8_t command_disable_port1 = 0xad;
constexpr uint8_t command_enable_port1 = 0xae;
constexpr uint8_t self_test_passed = 0x55;
constexpr uint8_t port_test_passed = 0x00;

// Configuration byte bits.
constexpr uint8_t config_port1_interrupt = 1u << 0;
constexpr uint8_t config_port2_interrupt = 1u << 1;
constexpr uint8_t config_port1_clock_off = 1u << 4;
constexpr uint8_t config_translation = 1u << 6;

// Keyboard commands and answers.
constexpr uint8_t keyboard_set_leds = 0xed;
constexpr uint8_t keyboard_set_typematic = 0xf3;
constexpr uint8_t keyboard_enable_scanning = 0xf4;
constexpr uint8_t keyboard_reset = 0xff;
constexpr uint8_t keyboard_ack = 0xfa;
constexpr uint8_t keyboard_resend = 0xfe;
constexpr uint8_t keyboard_self_test_passed = 0xaa;
// 500 ms before repeating, then about 20 characters a second (bits 6-5 delay, 4-0 rate).
constexpr uint8_t typematic_setting = (1u << 5) | 0x04;

constexpr uint64_t controller_timeout_ns = 50'000'000;
constexpr uint64_t keyboard_reset_timeout_ns = 1'000'000'000; // the keyboard's self-test takes a while
constexpr int resend_attempts = 3;

bool wait_for_status(uint8_t mask, bool set, uint64_t timeout_ns) {
    uint64_t deadline = time::monotonic_ns() + timeout_ns;
    for (;;) {
        if (((arch::in8(status_port) & mask) != 0) == set)
            return true;
        if (time::monotonic_ns() >= deadline)
            return false;
        asm volatile("pause");
    }
}

bool write_command(uint8_t command) {
    if (!wait_for_status(status_input_full, false, controller_timeout_ns))
        return false;
    arch::out8(status_port, command);
    return true;
}

bool write_data(uint8_t byte) {
    if (!wait_for_status(status_input_full, false, controller_timeout_ns))
        return false;
    arch::out8(data_port, byte);
    return true;
}

// Polled reads, for boot (before IRQ 1 is on): -1 after the timeout.
int read_data(uint64_t timeout_ns = controller_timeout_ns) {
    if (!wait_for_status(status_output_full, true, timeout_ns))
        return -1;
    return arch::in8(data_port);
}

void flush_output() {
    for (int i = 0; i < 32 && (arch::in8(status_port) & status_output_full); ++i)
        (void)arch::in8(data_port);
}

int command_with_reply(uint8_t command) {
    if (!write_command(command))
        return -1;
    return read_data();
}

// A keyboard command during boot: sent again on RESEND, true once ACKed.
bool polled_keyboard_command(uint8_t byte) {
    for (int attempt = 0; attempt < resend_attempts; ++attempt) {
        if (!write_data(byte))
            return false;
        int reply = read_data(keyboard_reset_timeout_ns / 4);
        if (reply == keyboard_ack)
            return true;
        if (reply != keyboard_resend)
            return false;
    }
    return false;
}

// Keyboard bytes waiting for the input task; a full queue drops keys.
struct ScancodeQueue {
    static constexpr size_t capacity = 256;
    uint8_t bytes[capacity] = {};
    size_t head = 0;
    size_t used = 0;
    bool push(uint8_t byte) {
        if (used == capacity)
            return false;
        bytes[(head + used++) % capacity] = byte;
        return true;
    }
    uint8_t pop() {
        uint8_t byte = bytes[head];
        head = (head + 1) % capacity;
        --used;
        return byte;
    }
};

// What the interrupt shares with task context.
struct KeyboardPort {
    ScancodeQueue scancodes;
    bool command_pending = false; // an ACK or RESEND now answers a command instead of being a key
    int reply = -1;
};
constinit sync::SpinlockProtected<KeyboardPort> port;
sched::WaitQueue ready_queue;
sched::WaitQueue reply_queue;
sync::Mutex command_lock; // one command (and its answer) at a time
bool present = false;
irq::Registration keyboard_interrupt; // held for good once the keyboard works

irq::Result on_keyboard_interrupt(void*) {
    bool queued = false, replied = false;
    for (int i = 0; i < 16; ++i) {
        uint8_t status = arch::in8(status_port);
        if (!(status & status_output_full))
            break;
        uint8_t byte = arch::in8(data_port);
        if (status & status_aux_data)
            continue; // nothing listens to the second port
        port.with([&](KeyboardPort& state) {
            if (state.command_pending && (byte == keyboard_ack || byte == keyboard_resend)) {
                state.reply = byte;
                replied = true;
            } else {
                queued |= state.scancodes.push(byte); // a full queue drops keys
            }
        });
    }
    if (queued)
        ready_queue.wake_all();
    if (replied)
        reply_queue.wake_all();
    return irq::Result::Handled; // IRQ 1 is the keyboard's alone
}

// A keyboard command once IRQ 1 is on: the answer comes through the interrupt.
bool interrupt_keyboard_command(uint8_t byte) {
    for (int attempt = 0; attempt < resend_attempts; ++attempt) {
        port.with([](KeyboardPort& state) {
            state.command_pending = true;
            state.reply = -1;
        });
        if (!write_data(byte))
            break;
        int reply = -1;
        reply_queue.wait_until(
            [&] {
                reply = port.with([](KeyboardPort& state) { return state.reply; });
                return reply >= 0;
            },
            time::monotonic_ns() + controller_timeout_ns);
        if (reply == keyboard_ack) {
            port.with([](KeyboardPort& state) { state.command_pending = false; });
            return true;
        }
        if (reply != keyboard_resend)
            break;
    }
    port.with([](KeyboardPort& state) { state.command_pending = false; });
    return false;
}

bool firmware_rules_out_8042() {
    auto fadt = acpi::firmware_fadt();
    return !fadt.is_error() && !fadt.value().may_have_8042();
}

bool set_up_controller() {
    if (arch::in8(status_port) == 0xff) {
        klog::info(log_subsystem, "no controller: its status port reads 0xff");
        return false;
    }
    if (!write_command(command_disable_port1) || !write_command(command_disable_port2)) {
        klog::warn(log_subsystem, "the controller takes no commands");
        return false;
    }
    flush_output();
    int config = command_with_reply(command_read_config);
    if (config < 0) {
        klog::warn(log_subsystem, "no answer to 'read configuration'");
        return false;
    }
    uint8_t quiet = static_cast<uint8_t>(
        (config & ~(config_port1_interrupt | config_port2_interrupt | config_port1_clock_off)) |
        config_translation);
    if (!write_command(command_write_config) || !write_data(quiet))
        return false;
    int self_test = command_with_reply(command_self_test);
    if (self_test != self_test_passed) {
        klog::warn(log_subsystem, "controller self-test answered {:#x}, not 0x55", self_test);
        return false;
    }
    // Some controllers reset their configuration in the self-test.
    if (!write_command(command_write_config) || !write_data(quiet))
        return false;
    int port_test = command_with_reply(command_test_port1);
    if (port_test != port_test_passed) {
        klog::warn(log_subsystem, "keyboard port test answered {:#x}, not 0x00", port_test);
        return false;
    }
    return write_command(command_enable_port1);
}

bool set_up_keyboard() {
    flush_output();
    if (!polled_keyboard_command(keyboard_reset)) {
        klog::warn(log_subsystem, "no keyboard: reset was not acknowledged");
        return false;
    }
    int self_test = read_data(keyboard_reset_timeout_ns);
    if (self_test != keyboard_self_test_passed)
        klog::warn(log_subsystem, "keyboard self-test answered {:#x}, not 0xaa; going on", self_test);
    if (!polled_keyboard_command(keyboard_set_typematic) || !polled_keyboard_command(typematic_setting))
        klog::warn(log_subsystem, "the keyboard did not take the typematic rate");
    if (!polled_keyboard_command(keyboard_set_leds) || !polled_keyboard_command(0))
        klog::warn(log_subsystem, "the keyboard did not take its LEDs");
    if (!polled_keyboard_command(keyboard_enable_scanning)) {
        klog::warn(log_subsystem, "the keyboard did not enable scanning");
        return false;
    }
    return true;
}

} // namespace

bool initialize_keyboard() {
    if (firmware_rules_out_8042()) {
        klog::info(log_subsystem, "the FADT says there is no 8042: no PS/2 keyboard");
        return false;
    }
    if (!set_up_controller() || !set_up_keyboard())
        return false;
    auto requested = irq::request_isa(keyboard_irq, on_keyboard_interrupt, nullptr, "i8042");
    if (requested.is_error()) {
        klog::warn(log_subsystem, "no keyboard input: IRQ {} is taken ({})", keyboard_irq,
                   requested.error().name());
        return false;
    }
    keyboard_interrupt = requested.release_value();
    int config = command_with_reply(command_read_config);
    if (config < 0 || !write_command(command_write_config) ||
        !write_data(static_cast<uint8_t>(config | config_port1_interrupt | config_translation))) {
        klog::warn(log_subsystem, "cannot enable the keyboard interrupt");
        keyboard_interrupt.release();
        return false;
    }
    present = true;
    klog::info(log_subsystem, "PS/2 keyboard ready (scancode set 1 through translation, IRQ {})",
               keyboard_irq);
    return true;
}

bool keyboard_present() {
    return present;
}

size_t take_scancodes(uint8_t* bytes, size_t capacity) {
    return port.with([&](KeyboardPort& state) {
        size_t count = 0;
        while (count < capacity && state.scancodes.used > 0)
            bytes[count++] = state.scancodes.pop();
        return count;
    });
}

bool has_scancodes() {
    return port.with([](KeyboardPort& state) { return state.scancodes.used > 0; });
}

sched::WaitQueue& scancodes_ready() {
    return ready_queue;
}

void set_leds(uint8_t leds) {
    if (!present)
        return;
    sync::MutexLocker locker(command_lock);
    if (!interrupt_keyboard_command(keyboard_set_leds) || !interrupt_keyboard_command(leds & 7))
        klog::debug(log_subsystem, "the keyboard did not take LEDs {:#x}", leds);
}

} // namespace dev::i8042
