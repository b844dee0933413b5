// Enabling MSI / MSI-X on a function through libs/pci/msi.h: the vector from irq::request_message, the
// message from the boot CPU's APIC id, bus mastering on (a message is a memory write by the device),
// INTx off while messages are on (PCI 3.0 §6.8: a function must not use both).
#include "bus/pci_msi.h"

#include "arch/interrupt_controller.h"
#include "bus/pci.h"
#include "console/log.h"
#include "ktl/assert.h"
#include "mm/kernel_space.h"
#include "pci/registers.h"

#include <new>

namespace bus::pci {

namespace {

constexpr ktl::StringView log_subsystem = "pci-msi";
constexpr uint64_t page_size = 4096;

// "PCI-MSI-0000:00:04.0" / "PCI-MSIX-0000:00:04.0", as /proc/interrupts shows the controller.
struct ControllerName {
    char text[irq::name_capacity];
};
ControllerName controller_name(const char* kind, ::pci::Address address) {
    char bdf[13];
    ::pci::format_address(address, bdf);
    ControllerName name;
    ktl::format_into(name.text, sizeof name.text, "{}-{}", kind, static_cast<const char*>(bdf));
    return name;
}

ktl::ErrorOr<::pci::MsiMessage> message_for(uint8_t vector) {
    return ::pci::x86_msi_message(arch::message_destination_apic_id(), vector);
}

// Sets `add` and clears `remove` in the command register; returns what it was.
uint16_t update_command(::pci::Address address, uint16_t add, uint16_t remove) {
    ::pci::ConfigSpace& config = config_space();
    uint16_t before = config.read16(address, ::pci::reg::command);
    config.write16(address, ::pci::reg::command, uint16_t((before | add) & ~remove));
    return before;
}

} // namespace

ktl::ErrorOr<ktl::OwnPtr<Msi>> Msi::enable(const ::pci::Function& function, irq::Handler handler,
                                           void* context, ktl::StringView name) {
    auto capability = ::pci::read_msi_capability(config_space(), function);
    if (capability.is_error())
        return ktl::Errno::NotSupported;
    Msi* raw = new (std::nothrow) Msi;
    if (!raw)
        return ktl::Errno::NoMemory;
    ktl::OwnPtr<Msi> msi = ktl::adopt_own(raw);
    msi->m_address = function.address;
    msi->m_capability = capability.value();
    ControllerName controller = controller_name("PCI-MSI", function.address);
    msi->m_registration = TRY(irq::request_message(controller.text, 0, handler, context, name));
    ::pci::MsiMessage message = TRY(message_for(msi->m_registration.vector()));
    TRY(::pci::program_msi(config_space(), function.address, msi->m_capability, message));
    msi->m_command_before = update_command(
        function.address, ::pci::reg::command_bus_master | ::pci::reg::command_interrupt_disable, 0);
    ::pci::set_msi_enabled(config_space(), function.address, msi->m_capability, true);
    msi->m_enabled = true;
    klog::debug(log_subsystem, "{}: MSI on vector {:#x} ({})", controller.text, msi->vector(), name);
    return msi;
}

void Msi::disable() {
    if (m_enabled) {
        ::pci::set_msi_enabled(config_space(), m_address, m_capability, false);
        // INTx back as the driver had it.
        if (!(m_command_before & ::pci::reg::command_interrupt_disable))
            update_command(m_address, 0, ::pci::reg::command_interrupt_disable);
        m_enabled = false;
    }
    m_registration.release();
}

ktl::ErrorOr<void> Msi::set_masked(bool masked) {
    return ::pci::set_msi_masked(config_space(), m_address, m_capability, 0, masked);
}

ktl::ErrorOr<ktl::OwnPtr<Msix>> Msix::enable(const ::pci::Function& function,
                                             std::span<const Entry> entries) {
    auto capability = ::pci::read_msix_capability(config_space(), function);
    if (capability.is_error())
        return ktl::Errno::NotSupported;
    if (entries.size() > capability.value().table_size)
        return ktl::Errno::InvalidArgument;
    ::pci::MmioRegion region = TRY(::pci::msix_table_region(capability.value(), function));
    Msix* raw = new (std::nothrow) Msix;
    if (!raw)
        return ktl::Errno::NoMemory;
    ktl::OwnPtr<Msix> msix = ktl::adopt_own(raw);
    msix->m_address = function.address;
    msix->m_capability = capability.value();
    TRY(msix->m_registrations.try_reserve(entries.size()));

    uint64_t first_page = region.physical & ~(page_size - 1);
    msix->m_mapping_size = (region.physical + region.length - first_page + page_size - 1) & ~(page_size - 1);
    msix->m_mapping = TRY(mm::map_mmio(first_page, msix->m_mapping_size));
    msix->m_table = reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(msix->m_mapping) +
                                                         (region.physical - first_page));

    // The table answers only with memory decoding on; programmed under the function mask.
    msix->m_command_before = update_command(
        function.address, ::pci::reg::command_memory_space | ::pci::reg::command_bus_master, 0);
    ::pci::set_msix_control(config_space(), function.address, msix->m_capability, true, true);
    msix->m_enabled = true;
    for (uint16_t index = 0; index < msix->m_capability.table_size; ++index)
        (void)::pci::set_msix_entry_masked(msix->m_table, msix->m_capability, index, true);

    ControllerName controller = controller_name("PCI-MSIX", function.address);
    for (size_t index = 0; index < entries.size(); ++index) {
        const Entry& entry = entries[index];
        irq::Registration registration = TRY(irq::request_message(
            controller.text, static_cast<uint32_t>(index), entry.handler, entry.context, entry.name));
        ::pci::MsiMessage message = TRY(message_for(registration.vector()));
        auto slot = static_cast<uint16_t>(index);
        TRY(::pci::write_msix_entry(msix->m_table, msix->m_capability, slot, message));
        TRY(::pci::set_msix_entry_masked(msix->m_table, msix->m_capability, slot, false));
        MUST(msix->m_registrations.try_append(
            static_cast<irq::Registration&&>(registration))); // reserved above
    }
    update_command(function.address, ::pci::reg::command_interrupt_disable, 0);
    ::pci::set_msix_control(config_space(), function.address, msix->m_capability, true, false);
    klog::debug(log_subsystem, "{}: MSI-X with {} of {} entries", controller.text, entries.size(),
                msix->m_capability.table_size);
    return msix;
}

void Msix::disable() {
    if (m_enabled) {
        for (uint16_t index = 0; index < m_capability.table_size; ++index)
            (void)::pci::set_msix_entry_masked(m_table, m_capability, index, true);
        ::pci::set_msix_control(config_space(), m_address, m_capability, false, false);
        if (!(m_command_before & ::pci::reg::command_interrupt_disable))
            update_command(m_address, 0, ::pci::reg::command_interrupt_disable);
        m_enabled = false;
    }
    m_registrations.clear();
    if (m_mapping) {
        mm::unmap_mmio(m_mapping, m_mapping_size);
        m_mapping = nullptr;
        m_table = nullptr;
    }
}

ktl::ErrorOr<void> Msix::set_masked(uint16_t index, bool masked) {
    if (!m_table || index >= m_registrations.size())
        return ktl::Errno::InvalidArgument;
    return ::pci::set_msix_entry_masked(m_table, m_capability, index, masked);
}

uint8_t Msix::vector(uint16_t index) const {
    return index < m_registrations.size() ? m_registrations[index].vector() : 0;
}

ktl::ErrorOr<::pci::MsiMessage> Msix::read_entry(uint16_t index) const {
    if (!m_table)
        return ktl::Errno::InvalidArgument;
    return ::pci::read_msix_entry(m_table, m_capability, index);
}

bool Msix::entry_masked(uint16_t index) const {
    if (!m_table || index >= m_capability.table_size)
        return true;
    return m_table[index * (::pci::msix_entry::size / 4) + ::pci::msix_entry::vector_control / 4] &
           ::pci::msix_entry::control_masked;
}

} // namespace bus::pci
