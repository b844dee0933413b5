// 16550 UARTs on PCI as serial terminals: QEMU's pci-serial (one port), pci-serial-2x and -4x (two
// and four, eight registers apart in BAR 0) and any function of class 07/00/02 (a 16550-compatible
// serial controller) with an I/O BAR. Each port is ttyS4, ttyS5, … (4:68 on): ttyS0-ttyS3 are the
// names of the four ISA ports, of which COM1 (the console) and COM2 (the JSON log) are driven in
// tty/serial.cpp. Output is written by the CPU; input comes by interrupt into a ring and on to the
// line discipline from a task, since the discipline may signal (which sleeps).
#include "bus/pci_bus.h"
#include "console/log.h"
#include "console/serial.h"
#include "fs/char_device.h"
#include "irq/irq.h"
#include "sched/task.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "tty/terminal.h"

#include <new>

namespace tty {

namespace {

constexpr ktl::StringView log_subsystem = "uart";
constexpr uint32_t serial_major = 4;
constexpr uint32_t first_minor = 68; // ttyS4
constexpr size_t max_ports = 16;
constexpr uint8_t ports_per_function_max = 4;
constexpr uint16_t register_stride = 8;

class UartTerminal final : public Terminal {
public:
    UartTerminal(uint16_t base, size_t slot) : m_output(base), m_slot(slot) {
        ktl::format_into(m_name, sizeof m_name, "ttyS{}", first_minor - 64 + slot);
        // As on the console's line: 80x24 until someone says otherwise.
        m_state.with([&](TerminalState& state) { state.window = {24, 80, 0, 0}; });
    }

    bool start() {
        return m_output.with([](console::SerialPort& port) { return port.initialize(); });
    }
    void enable_receive_interrupt() {
        m_output.with([](console::SerialPort& port) { port.enable_receive_interrupt(); });
    }
    // The device has gone (its driver was removed): what is still open fails with EIO.
    void detach() {
        __atomic_store_n(&m_detached, true, __ATOMIC_RELEASE);
        hang_up();
    }
    // Reads what arrived; in the interrupt. Returns the bytes taken into `out`.
    size_t drain_receiver(uint8_t* out, size_t capacity) {
        if (__atomic_load_n(&m_detached, __ATOMIC_ACQUIRE))
            return 0;
        size_t count = 0;
        m_output.with([&](console::SerialPort& port) {
            for (int byte; count < capacity && (byte = port.read_byte()) >= 0;)
                out[count++] = static_cast<uint8_t>(byte);
        });
        return count;
    }

    ktl::StringView name() const override { return m_name; }
    uint64_t device_number() const override { return fs::make_device(serial_major, first_minor + m_slot); }
    size_t slot() const { return m_slot; }

protected:
    void echo_locked(TerminalState&, const char* bytes, size_t count) override { send(bytes, count); }
    ktl::ErrorOr<size_t> transmit(const char* bytes, size_t count, bool) override {
        if (__atomic_load_n(&m_detached, __ATOMIC_ACQUIRE))
            return ktl::Errno::IoError;
        send(bytes, count);
        return count;
    }

private:
    void send(const char* bytes, size_t count) {
        if (__atomic_load_n(&m_detached, __ATOMIC_ACQUIRE))
            return;
        m_output.with([&](console::SerialPort& port) {
            for (size_t i = 0; i < count; ++i)
                port.write_byte(static_cast<uint8_t>(bytes[i]));
        });
    }

    // The port's registers are one device: the interrupt's reads and a writer's writes take turns.
    sync::SpinlockProtected<console::SerialPort, sync::IrqSpinlock> m_output;
    size_t m_slot;
    bool m_detached = false;
    char m_name[8] = {};
};

// Bytes the interrupt took, per port, waiting for the input task.
struct Received {
    Ring<uint8_t, 1024> bytes[max_ports];
};

struct Slot {
    UartTerminal* terminal = nullptr; // a reference of its own while the slot is in use
    bus::pci::PciDevice* device = nullptr;
    uint8_t irq = 0;
    char name[8] = {};
};

// Which ports exist; changed by probe and remove (under `slots_lock`), read by the interrupt
// through `active` (the terminal pointers, published with release stores).
sync::Mutex slots_lock;
Slot slots[max_ports];
UartTerminal* active[max_ports];
irq::Registration claimed_irqs[16]; // per ISA line our handler holds; under slots_lock
constinit sync::SpinlockProtected<Received, sync::IrqSpinlock> received;
sched::WaitQueue input_ready;
bool input_task_started; // under slots_lock

// Every port may have raised its line (levels are shared): each is asked. Ours when any had input.
irq::Result on_uart_interrupt(void*) {
    bool any = false, drained = false;
    for (size_t i = 0; i < max_ports; ++i) {
        UartTerminal* terminal = __atomic_load_n(&active[i], __ATOMIC_ACQUIRE);
        if (!terminal)
            continue;
        uint8_t bytes[64];
        for (size_t count; (count = terminal->drain_receiver(bytes, sizeof bytes)) > 0;) {
            drained = true;
            received.with([&](Received& state) {
                for (size_t j = 0; j < count; ++j)
                    any |= state.bytes[i].push(bytes[j]); // a full ring drops input, as a line does
            });
        }
    }
    if (any)
        input_ready.wake_all();
    return drained ? irq::Result::Handled : irq::Result::NotMine;
}

[[noreturn]] void feed_input(void*) {
    for (;;) {
        input_ready.wait_until([] {
            return received.with([](Received& state) {
                for (auto& ring : state.bytes) {
                    if (ring.used > 0)
                        return true;
                }
                return false;
            });
        });
        for (size_t i = 0; i < max_ports; ++i) {
            uint8_t bytes[128];
            size_t count = received.with([&](Received& state) {
                size_t n = 0;
                while (n < sizeof bytes && state.bytes[i].used > 0)
                    bytes[n++] = state.bytes[i].pop();
                return n;
            });
            if (count == 0)
                continue;
            // The slot's reference keeps the terminal while it is active; taking our own under the
            // lock keeps it across receive() even if remove() runs meanwhile.
            ktl::RefPtr<Terminal> terminal;
            {
                sync::MutexLocker locker(slots_lock);
                if (slots[i].terminal)
                    terminal = ktl::RefPtr<Terminal>(*slots[i].terminal);
            }
            if (terminal)
                terminal->receive(bytes, count);
        }
    }
}

class UartDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t minor,
                                                uint32_t flags) override {
        ktl::RefPtr<Terminal> terminal;
        {
            sync::MutexLocker locker(slots_lock);
            if (minor >= first_minor && minor - first_minor < max_ports &&
                slots[minor - first_minor].terminal)
                terminal = ktl::RefPtr<Terminal>(*slots[minor - first_minor].terminal);
        }
        if (!terminal)
            return ktl::Errno::NoDeviceOrAddress;
        return open_terminal(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags,
                             static_cast<ktl::RefPtr<Terminal>&&>(terminal), true);
    }
};

constinit UartDevice uart_device;

// Under slots_lock. Takes the function's INTx line (shared, level) for our handler unless it already
// has it.
ktl::ErrorOr<void> claim_irq(const ::pci::Function& function) {
    uint8_t irq = function.interrupt_line;
    if (irq >= 16)
        return ktl::Errno::InvalidArgument;
    if (claimed_irqs[irq].is_active())
        return {};
    claimed_irqs[irq] = TRY(irq::request_pci_intx(function, on_uart_interrupt, nullptr, "serial"));
    return {};
}

// Under slots_lock: gives back lines no active port uses any more.
void release_unused_irqs() {
    for (uint8_t irq = 0; irq < 16; ++irq) {
        if (!claimed_irqs[irq].is_active())
            continue;
        bool used = false;
        for (const Slot& slot : slots)
            used |= slot.terminal && slot.irq == irq;
        if (!used)
            claimed_irqs[irq].release();
    }
}

void free_slot(size_t index) {
    Slot& slot = slots[index];
    fs::unregister_character_device(serial_major, first_minor + index);
    __atomic_store_n(&active[index], nullptr, __ATOMIC_RELEASE);
    slot.terminal->detach();
    slot.terminal->unref();
    slot = {};
}

const char* const pci_patterns[] = {
    "0x1b36 0x0002",             // QEMU pci-serial
    "0x1b36 0x0003",             // pci-serial-2x
    "0x1b36 0x0004",             // pci-serial-4x
    "* * * * 0x070002 0xffffff", // any 16550-compatible serial controller
};

class PciSerialDriver final : public bus::pci::PciDriver {
public:
    PciSerialDriver() : PciDriver("serial", pci_patterns, sizeof pci_patterns / sizeof pci_patterns[0]) {}

    ktl::ErrorOr<void> probe(bus::pci::PciDevice& device) override {
        const ::pci::Bar* bar = device.bar(0);
        if (!bar || bar->kind != ::pci::BarKind::Io || bar->address == 0 || bar->address > 0xffff)
            return ktl::Errno::NoDevice; // MMIO UARTs: not yet
        const ::pci::Function& function = device.function();
        uint8_t port_count = function.vendor_id == 0x1b36 && function.device_id == 0x0003   ? 2
                             : function.vendor_id == 0x1b36 && function.device_id == 0x0004 ? 4
                                                                                            : 1;
        if (bar->size < uint64_t(port_count) * register_stride)
            return ktl::Errno::NoDevice;
        device.enable({.io = true});
        sync::MutexLocker locker(slots_lock);
        if (!input_task_started) {
            auto task = sched::spawn("uart-input", feed_input, nullptr, {});
            if (task.is_error())
                return task.error();
            task.value().reset();
            input_task_started = true;
        }
        bool interrupts = function.interrupt_pin != 0 && !claim_irq(function).is_error();
        if (!interrupts)
            klog::warn(log_subsystem, "{}: no interrupt line: input will not arrive", device.name());
        size_t made = 0;
        for (uint8_t port = 0; port < port_count; ++port) {
            auto added = add_port(device, static_cast<uint16_t>(bar->address + port * register_stride),
                                  function.interrupt_line, interrupts);
            if (added.is_error()) {
                klog::warn(log_subsystem, "{} port {}: {}", device.name(), port, added.error().name());
                continue;
            }
            ++made;
        }
        if (made == 0) {
            release_unused_irqs();
            device.disable();
            return ktl::Errno::NoDevice;
        }
        return {};
    }

    void remove(bus::pci::PciDevice& device) override {
        sync::MutexLocker locker(slots_lock);
        for (size_t i = 0; i < max_ports; ++i) {
            if (slots[i].terminal && slots[i].device == &device)
                free_slot(i);
        }
        release_unused_irqs();
        device.disable();
    }

private:
    // Under slots_lock.
    ktl::ErrorOr<void> add_port(bus::pci::PciDevice& device, uint16_t base, uint8_t irq, bool interrupts) {
        size_t index = 0;
        while (index < max_ports && slots[index].terminal)
            ++index;
        if (index == max_ports)
            return ktl::Errno::NoSpace;
        auto* terminal = new (std::nothrow) UartTerminal(base, index);
        if (!terminal)
            return ktl::Errno::NoMemory;
        if (!terminal->start()) {
            terminal->unref();
            return ktl::Errno::NoDevice;
        }
        Slot& slot = slots[index];
        slot = {terminal, &device, irq, {}};
        ktl::StringView name = terminal->name();
        __builtin_memcpy(slot.name, name.data(), name.length());
        fs::CharacterDeviceInfo info{ktl::StringView(slot.name, name.length()), serial_major,
                                     static_cast<uint32_t>(first_minor + index), 0660};
        info.class_name = "tty";
        info.parent = &device;
        if (auto registered = fs::register_character_device(info, uart_device); registered.is_error()) {
            terminal->unref();
            slot = {};
            return registered.error();
        }
        __atomic_store_n(&active[index], terminal, __ATOMIC_RELEASE);
        if (interrupts)
            terminal->enable_receive_interrupt();
        klog::info(log_subsystem, "{}: 16550 at I/O {:#x}, IRQ {}, is /dev/{}", device.name(), base, irq,
                   terminal->name());
        return {};
    }
};

PciSerialDriver pci_serial_driver;
PCI_DRIVER(pci_serial_driver);

} // namespace

} // namespace tty
