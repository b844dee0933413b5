// MSI and MSI-X for a PCI function: a vector of its own per message, programmed into the function and
// enabled, INTx disabled meanwhile; undone by disable() or the destructor. The message goes to
// arch::message_destination_apic_id() (the boot CPU until SMP). Handlers follow irq/irq.h's rules.
//
//   auto msi = TRY(bus::pci::Msi::enable(function, on_interrupt, this, "mydev"));
//   auto msix = TRY(bus::pci::Msix::enable(function, entries));   // entry i is table index i
#pragma once

#include "irq/irq.h"
#include "ktl/error_or.h"
#include "ktl/own_ptr.h"
#include "ktl/vector.h"
#include "pci/msi.h"

#include <span>

namespace bus::pci {

class Msi {
public:
    // One message. NotSupported when the function has no (sane) MSI capability; NoSpace when no vector is
    // free.
    static ktl::ErrorOr<ktl::OwnPtr<Msi>> enable(const ::pci::Function& function, irq::Handler handler,
                                                 void* context, ktl::StringView name);
    ~Msi() { disable(); }
    Msi(const Msi&) = delete;
    Msi& operator=(const Msi&) = delete;

    // MSI off, INTx as it was, the vector freed (after any running handler finished).
    void disable();
    // Per-vector masking; NotSupported where the function has none (QEMU's edu).
    ktl::ErrorOr<void> set_masked(bool masked);
    uint8_t vector() const { return m_registration.vector(); }
    const ::pci::MsiCapability& capability() const { return m_capability; }

private:
    Msi() = default;
    ::pci::Address m_address;
    ::pci::MsiCapability m_capability;
    irq::Registration m_registration;
    uint16_t m_command_before = 0;
    bool m_enabled = false;
};

class Msix {
public:
    struct Entry {
        irq::Handler handler = nullptr;
        void* context = nullptr;
        ktl::StringView name;
    };
    // `entries` (at most the table's size) take table indices 0, 1, …; the rest of the table stays
    // masked. NotSupported without an MSI-X capability; InvalidArgument when the table's BAR is unusable
    // or there are more entries than the table has.
    static ktl::ErrorOr<ktl::OwnPtr<Msix>> enable(const ::pci::Function& function,
                                                  std::span<const Entry> entries);
    ~Msix() { disable(); }
    Msix(const Msix&) = delete;
    Msix& operator=(const Msix&) = delete;

    void disable();
    ktl::ErrorOr<void> set_masked(uint16_t index, bool masked);
    uint8_t vector(uint16_t index) const;
    uint16_t table_size() const { return m_capability.table_size; }
    // What the table holds at `index` now (tests, debugging).
    ktl::ErrorOr<::pci::MsiMessage> read_entry(uint16_t index) const;
    bool entry_masked(uint16_t index) const;

private:
    Msix() = default;
    ::pci::Address m_address;
    ::pci::MsixCapability m_capability;
    ktl::Vector<irq::Registration> m_registrations;
    void* m_mapping = nullptr;
    size_t m_mapping_size = 0;
    volatile uint32_t* m_table = nullptr;
    uint16_t m_command_before = 0;
    bool m_enabled = false;
};

} // namespace bus::pci
