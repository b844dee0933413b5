// Interrupts from real (emulated) devices: QEMU's edu raises one on request through INTx, on the line
// the firmware programmed, and through MSI on a vector of its own; virtio-rng's MSI-X table takes the
// messages and reads back; the message vectors run out cleanly. The CTest machines add
// `-device edu -device virtio-rng-pci`; booted without them these tests say so and pass.
#include "arch/cpu.h"
#include "arch/interrupt_controller.h"
#include "arch/interrupts.h"
#include "bus/pci.h"
#include "bus/pci_msi.h"
#include "console/log.h"
#include "debug/edu_device.h"
#include "irq/irq.h"
#include "pci/registers.h"
#include "test/ktest.h"
#include "time/clock.h"

namespace {

struct EduState {
    debug::EduDevice* device = nullptr;
    volatile uint32_t handled = 0;
    volatile uint32_t last_status = 0;
};

// A shared-line citizen: nothing pending is someone else's interrupt.
irq::Result on_edu_interrupt(void* context) {
    auto& state = *static_cast<EduState*>(context);
    uint32_t status = state.device->interrupt_status();
    if (!status)
        return irq::Result::NotMine;
    state.device->acknowledge_interrupt(status);
    state.last_status = status;
    state.handled = state.handled + 1;
    return irq::Result::Handled;
}

// Up to a second for the handler to have run `count` times in all.
bool wait_for_handled(EduState& state, uint32_t count) {
    uint64_t deadline = time::monotonic_ns() + 1'000'000'000;
    while (state.handled < count && time::monotonic_ns() < deadline)
        arch::wait_for_interrupt();
    return state.handled >= count;
}

ktl::OwnPtr<debug::EduDevice> open_edu() {
    auto device = debug::EduDevice::open();
    if (device.is_error()) {
        klog::warn("test", "no edu device (QEMU -device edu): device interrupt test skipped");
        return {};
    }
    return device.release_value();
}

uint16_t command_of(const ::pci::Function& function) {
    return bus::pci::config_space().read16(function.address, ::pci::reg::command);
}

} // namespace

KTEST(edu_answers_with_its_identification) {
    auto edu = open_edu();
    if (!edu)
        return;
    KEXPECT_EQ(edu->identification(), 0x010000edu);
    KEXPECT_EQ(edu->interrupt_status(), 0u);
}

KTEST(edu_intx_arrives_on_the_line_the_firmware_programmed) {
    auto edu = open_edu();
    if (!edu)
        return;
    const ::pci::Function& function = edu->function();
    KASSERT_EQ(function.interrupt_pin, 1); // INTA#
    EduState state;
    state.device = edu.ptr();
    auto registration = irq::request_pci_intx(function, on_edu_interrupt, &state, "edu");
    KASSERT(!registration.is_error());
    uint8_t vector = registration.value().vector();
    arch::LineRoute route = arch::isa_route(function.interrupt_line);
    klog::info("test", "edu INTx: interrupt_line {} -> {} line {}, vector {:#x}", function.interrupt_line,
               arch::line_controller_name(), route.line, vector);
    uint64_t before = arch::interrupt_count(vector);
    edu->raise_interrupt(0x1);
    KASSERT(wait_for_handled(state, 1));
    KEXPECT_EQ(state.last_status, 0x1u);
    KEXPECT_EQ(edu->interrupt_status(), 0u);
    KEXPECT(arch::interrupt_count(vector) > before);
    // Again, with another bit: the line dropped after the first and rises again.
    edu->raise_interrupt(0x4);
    KASSERT(wait_for_handled(state, 2));
    KEXPECT_EQ(state.last_status, 0x4u);
    KEXPECT(!irq::silenced(vector));
}

KTEST(edu_msi_arrives_on_a_vector_of_its_own_with_intx_off) {
    auto edu = open_edu();
    if (!edu)
        return;
    const ::pci::Function& function = edu->function();
    EduState state;
    state.device = edu.ptr();
    uint16_t command_before = command_of(function);
    auto msi = bus::pci::Msi::enable(function, on_edu_interrupt, &state, "edu-msi");
    KASSERT(!msi.is_error());
    uint8_t vector = msi.value()->vector();
    KEXPECT(vector >= arch::first_message_vector && vector <= arch::last_message_vector);
    KEXPECT(command_of(function) & ::pci::reg::command_interrupt_disable);
    KEXPECT(command_of(function) & ::pci::reg::command_bus_master);
    KEXPECT(::pci::read_msi_capability(bus::pci::config_space(), function).value().enabled);
    // QEMU's edu: one 64-bit message, no per-vector masking.
    KEXPECT(msi.value()->capability().is_64bit);
    KEXPECT_EQ(msi.value()->set_masked(true).error().code(), ktl::Errno::NotSupported);

    uint64_t before = arch::interrupt_count(vector);
    for (uint32_t round = 1; round <= 5; ++round) {
        edu->raise_interrupt(round);
        KASSERT(wait_for_handled(state, round));
        KEXPECT_EQ(state.last_status, round);
    }
    KEXPECT_EQ(arch::interrupt_count(vector) - before, 5u);

    ktl::StringBuilder text;
    irq::write_proc_interrupts(text);
    KEXPECT(text.view().contains("PCI-MSI-0000:"));
    KEXPECT(text.view().contains("   0-edge      edu-msi\n"));

    msi.value()->disable();
    KEXPECT(!::pci::read_msi_capability(bus::pci::config_space(), function).value().enabled);
    KEXPECT_EQ(command_of(function) & ::pci::reg::command_interrupt_disable,
               command_before & ::pci::reg::command_interrupt_disable);
}

KTEST(virtio_rng_msix_table_takes_the_messages_and_reads_back) {
    const ::pci::Function* rng = nullptr;
    ::pci::Function copy;
    bus::pci::for_each_function([&](const ::pci::Function& function) {
        if (!rng && function.vendor_id == 0x1af4 &&
            (function.device_id == 0x1005 || function.device_id == 0x1044)) {
            copy = function;
            rng = &copy;
        }
    });
    if (!rng) {
        klog::warn("test", "no virtio-rng-pci: MSI-X test skipped");
        return;
    }
    auto ignore = [](void*) { return irq::Result::Handled; };
    bus::pci::Msix::Entry entries[] = {{ignore, nullptr, "rng-config"}, {ignore, nullptr, "rng-queue"}};
    auto msix = bus::pci::Msix::enable(*rng, entries);
    KASSERT(!msix.is_error());
    KEXPECT_EQ(msix.value()->table_size(), 2);
    uint32_t apic_id = arch::message_destination_apic_id();
    for (uint16_t index = 0; index < 2; ++index) {
        auto message = msix.value()->read_entry(index);
        KASSERT(!message.is_error());
        KEXPECT_EQ(message.value().address, 0xfee00000ull | uint64_t(apic_id) << 12);
        KEXPECT_EQ(message.value().data, uint32_t(msix.value()->vector(index)));
        KEXPECT(!msix.value()->entry_masked(index));
    }
    KEXPECT(msix.value()->vector(0) != msix.value()->vector(1));
    auto capability = ::pci::read_msix_capability(bus::pci::config_space(), *rng).value();
    KEXPECT(capability.enabled);
    KEXPECT(!capability.function_masked);
    KEXPECT(!msix.value()->set_masked(1, true).is_error());
    KEXPECT(msix.value()->entry_masked(1));
    KEXPECT(msix.value()->set_masked(2, true).is_error());

    uint8_t first_vector = msix.value()->vector(0);
    msix.value()->disable();
    KEXPECT(!::pci::read_msix_capability(bus::pci::config_space(), *rng).value().enabled);
    // Its vectors are free again: the next request may take the first of them.
    auto again = irq::request_message("test", 0, ignore, nullptr, "again");
    KASSERT(!again.is_error());
    KEXPECT(again.value().vector() <= first_vector);
}

KTEST(message_vectors_run_out_with_no_space_and_come_back) {
    auto ignore = [](void*) { return irq::Result::Handled; };
    constexpr size_t range = arch::last_message_vector - arch::first_message_vector + 1;
    static irq::Registration taken[range];
    size_t count = 0;
    ktl::Errno refusal = ktl::Errno::InvalidArgument;
    bool refused = false;
    while (count < range) {
        auto result = irq::request_message("test", static_cast<uint32_t>(count), ignore, nullptr, "fill");
        if (result.is_error()) {
            refused = true;
            refusal = result.error().code();
            break;
        }
        taken[count++] = result.release_value();
    }
    KEXPECT(refused);
    KEXPECT_EQ(refusal, ktl::Errno::NoSpace);
    KEXPECT(count > 0 && count < range); // the syscall gate is never handed out
    for (size_t index = 0; index < count; ++index)
        KEXPECT(taken[index].vector() != arch::reserved_message_vector);
    for (size_t index = 0; index < count; ++index)
        taken[index].release();
    auto again = irq::request_message("test", 0, ignore, nullptr, "again");
    KEXPECT(!again.is_error());
}
