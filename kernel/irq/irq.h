// Device interrupts for drivers: ask for an ISA IRQ, a global system interrupt (GSI), a PCI function's
// INTx line or a message-signalled vector, with a handler and a context pointer; keep the returned
// Registration for as long as the handler may run.
//
//   irq::Result on_interrupt(void* context) {
//       auto& device = *static_cast<MyDevice*>(context);
//       if (!device.interrupt_pending())
//           return irq::Result::NotMine;     // a shared line: someone else's
//       device.acknowledge();
//       return irq::Result::Handled;
//   }
//   m_irq = TRY(irq::request_pci_intx(function, on_interrupt, this, "mydev"));
//
// Rules:
//  * Handlers run with interrupts off, on the CPU the interrupt came to, and must not sleep, allocate
//    or request/release interrupts. They return Handled when their device raised the interrupt.
//  * Lines are exclusive unless every requester asks for Sharing::Shared; level-triggered lines
//    (PCI INTx) are shared. On a shared line every handler is asked; the controller is acknowledged
//    (EOI) after all of them ran. A line no handler claims 1000 times in a row is masked and logged
//    ("nobody cared", as Linux); a new request on it unmasks it again.
//  * Releasing (Registration::release() or its destructor) waits until the handler is not running on
//    any CPU; after it returns the context may be freed. The last handler of a line masks it.
//  * The name is what /proc/interrupts shows (at most name_capacity - 1 bytes are kept).
// MSI and MSI-X for PCI functions are built on request_message() by bus/pci_msi.h.
#pragma once

#include "arch/interrupt_controller.h"
#include "ktl/error_or.h"
#include "ktl/string_builder.h"
#include "ktl/string_view.h"
#include "pci/function.h"

#include <cstdint>

namespace irq {

enum class Result : uint8_t { NotMine, Handled };
using Handler = Result (*)(void* context);

using arch::Polarity;
using arch::Trigger;
enum class Sharing : uint8_t { Exclusive, Shared };

inline constexpr size_t name_capacity = 24;

// Owns one handler's place on a line or vector; move-only, released on destruction.
class [[nodiscard]] Registration {
public:
    Registration() = default;
    Registration(Registration&& other) : m_id(other.m_id) { other.m_id = 0; }
    Registration& operator=(Registration&& other) {
        if (this != &other) {
            release();
            m_id = other.m_id;
            other.m_id = 0;
        }
        return *this;
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() { release(); }

    void release();
    bool is_active() const { return m_id != 0; }
    // The IDT vector the handler runs on now (for MSI programming, tests and the log); lines change
    // vector once, when the I/O APIC takes over from the PIC. 0 when not active.
    uint8_t vector() const;

private:
    friend struct RegistrationFactory;
    explicit Registration(uint32_t id) : m_id(id) {}
    uint32_t m_id = 0; // unique among live registrations; 0 = none
};

// ISA IRQ 0-15, routed through the firmware's interrupt source overrides (IRQ 0 is GSI 2 on QEMU's
// I/O APIC). Busy when taken exclusively; InvalidArgument for 2 (the PIC cascade) or above 15.
ktl::ErrorOr<Registration> request_isa(uint8_t isa_irq, Handler handler, void* context, ktl::StringView name,
                                       Sharing sharing = Sharing::Exclusive);

// A GSI as the I/O APIC numbers them (on the PIC, its IRQ number), with the trigger and polarity the
// caller knows from its bus. InvalidArgument for a line the controller lacks, or a shared line asked
// for with another trigger or polarity than it has.
ktl::ErrorOr<Registration> request_gsi(uint32_t gsi, Trigger trigger, Polarity polarity, Handler handler,
                                       void* context, ktl::StringView name,
                                       Sharing sharing = Sharing::Exclusive);

// The function's INTx pin, where the firmware routed it: its interrupt_line register is an ISA IRQ
// number, taken through the ISA overrides, level-triggered and shared (docs/interrupts.md says why).
// NoDevice when the function has no pin or the firmware routed none (line 0 or above 15).
ktl::ErrorOr<Registration> request_pci_intx(const ::pci::Function& function, Handler handler, void* context,
                                            ktl::StringView name);

// A message-signalled vector of its own (MSI/MSI-X), allocated from the message range; `controller`
// and `index` are what /proc/interrupts shows ("PCI-MSI-0000:00:04.0", message 0). NoSpace when every
// vector is taken. The caller programs the device with the vector and acknowledges nothing itself.
ktl::ErrorOr<Registration> request_message(ktl::StringView controller, uint32_t index, Handler handler,
                                           void* context, ktl::StringView name);

// --- for boot, procfs and tests ---

// Hooks dispatch into the arch; before any request (the PIT's, early in boot).
void initialize();
// Moves the lines already requested to the I/O APIC, unless there is none or `use_pic` (`noapic`).
void start_io_apic(bool use_pic);
// /proc/interrupts, in Linux's format.
void write_proc_interrupts(ktl::StringBuilder& out);
// Interrupts delivered for ISA IRQ `isa_irq` on its current route (for /proc/stat's intr line).
uint64_t isa_interrupt_count(uint8_t isa_irq);
// How many times handlers on `vector` ran and none claimed the interrupt, in total.
uint64_t unclaimed_count(uint8_t vector);
// Whether `vector`'s line was masked because nobody claimed it.
bool silenced(uint8_t vector);

} // namespace irq
