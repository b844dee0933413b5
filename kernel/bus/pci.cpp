#include "bus/pci.h"

#include "acpi/acpi.h"
#include "acpi/mcfg.h"
#include "arch/io.h"
#include "boot/command_line.h"
#include "console/log.h"
#include "mm/kernel_space.h"
#include "pci/access.h"
#include "pci/scan.h"
#include "sync/spinlock.h"
#include "time/clock.h"

#include <new>

namespace bus::pci {

namespace {

constexpr ktl::StringView log_subsystem = "pci";

class PortIo final : public ::pci::PortIo {
public:
    uint8_t in8(uint16_t port) override { return arch::in8(port); }
    uint16_t in16(uint16_t port) override { return arch::in16(port); }
    uint32_t in32(uint16_t port) override { return arch::in32(port); }
    void out8(uint16_t port, uint8_t value) override { arch::out8(port, value); }
    void out16(uint16_t port, uint16_t value) override { arch::out16(port, value); }
    void out32(uint16_t port, uint32_t value) override { arch::out32(port, value); }
};

// The address port and the data port are one two-step protocol: every access, from any CPU or
// interrupt, goes through this lock.
struct ConfigAccess {
    PortIo ports;
    ::pci::Mechanism1ConfigSpace space{ports};
};
sync::SpinlockProtected<ConfigAccess, sync::IrqSpinlock> config_access;

// Written once by initialize() before anything reads it, then read-only.
::pci::ScanResult* boot_scan;
// Segment 0's ECAM window when MCFG gives one (and `pci=nommconf` does not refuse it), set once by
// choose_config_space(). ECAM needs no lock: each access is one load or store.
::pci::EcamConfigSpace* ecam;

// A ConfigSpace whose every call takes the lock, for the scan to use.
class LockedConfigSpace final : public ::pci::ConfigSpace {
public:
    uint8_t read8(::pci::Address address, uint16_t offset) override {
        return config_access.with([&](ConfigAccess& access) { return access.space.read8(address, offset); });
    }
    uint16_t read16(::pci::Address address, uint16_t offset) override {
        return config_access.with([&](ConfigAccess& access) { return access.space.read16(address, offset); });
    }
    uint32_t read32(::pci::Address address, uint16_t offset) override {
        return config_access.with([&](ConfigAccess& access) { return access.space.read32(address, offset); });
    }
    void write8(::pci::Address address, uint16_t offset, uint8_t value) override {
        config_access.with([&](ConfigAccess& access) { access.space.write8(address, offset, value); });
    }
    void write16(::pci::Address address, uint16_t offset, uint16_t value) override {
        config_access.with([&](ConfigAccess& access) { access.space.write16(address, offset, value); });
    }
    void write32(::pci::Address address, uint16_t offset, uint32_t value) override {
        config_access.with([&](ConfigAccess& access) { access.space.write32(address, offset, value); });
    }
};

LockedConfigSpace locked_config_space;

void log_function(const ::pci::Function& function) {
    char name[13];
    ::pci::format_address(function.address, name);
    klog::info(log_subsystem, "{} [{:04x}:{:04x}] class {:#08x}{}{}", static_cast<const char*>(name),
               function.vendor_id, function.device_id, function.class_triple(),
               function.is_pci_bridge() ? " (PCI bridge)" : "",
               function.has_anomalies() ? " (malformed: see docs/pci.md)" : "");
    for (const ::pci::Bar& bar : function.bars) {
        if (bar.size == 0)
            continue;
        klog::debug(log_subsystem, "{} BAR {}: {} at {:#x}, {} bytes{}", static_cast<const char*>(name),
                    bar.index,
                    bar.kind == ::pci::BarKind::Io         ? "I/O"
                    : bar.kind == ::pci::BarKind::Memory64 ? "mem64"
                                                           : "mem32",
                    bar.address, bar.size, bar.prefetchable ? ", prefetchable" : "");
    }
}

// ECAM when the MCFG table describes segment 0 and its window can be mapped, else the ports.
::pci::ConfigSpace& choose_config_space(bool ports_only) {
    if (ports_only) {
        klog::info(log_subsystem, "configuration through ports 0xCF8/0xCFC (pci=nommconf)");
        return locked_config_space;
    }
    const acpi::AcpiTables* tables = acpi::firmware_tables();
    auto table = tables ? tables->find("MCFG") : ktl::ErrorOr<acpi::Table>(ktl::Errno::NoEntry);
    acpi::Mcfg mcfg; // ~300 bytes, needed only here: the window keeps copies of what it uses
    if (table.is_error() || acpi::parse_mcfg(table.value(), mcfg).is_error()) {
        klog::info(log_subsystem, "configuration through ports 0xCF8/0xCFC (no usable MCFG table)");
        return locked_config_space;
    }
    if (mcfg.rejected || mcfg.trailing_bytes)
        klog::warn(log_subsystem, "MCFG: {} malformed entries ignored{}", mcfg.rejected,
                   mcfg.trailing_bytes ? ", trailing bytes" : "");
    // Mechanism #1 reaches segment 0 only, so that is the one ECAM replaces; the boot scan starts at
    // the first bus the window decodes (docs/pci.md).
    const acpi::EcamRegion* region = mcfg.first_of_segment(0);
    if (!region) {
        klog::info(log_subsystem, "configuration through ports 0xCF8/0xCFC (MCFG has no segment 0)");
        return locked_config_space;
    }
    auto window = mm::map_mmio(region->region_base(), region->region_size());
    auto* space =
        window.is_error()
            ? nullptr
            : new (std::nothrow)::pci::EcamConfigSpace(0, region->start_bus, region->end_bus,
                                                       static_cast<volatile uint8_t*>(window.value()));
    if (!space) {
        if (!window.is_error())
            mm::unmap_mmio(window.value(), region->region_size());
        klog::warn(log_subsystem, "cannot map the ECAM window at {:#x}: configuration through ports",
                   region->region_base());
        return locked_config_space;
    }
    klog::info(log_subsystem, "configuration through ECAM at {:#x}, buses {:02x}-{:02x} (MCFG)",
               region->region_base(), region->start_bus, region->end_bus);
    __atomic_store_n(&ecam, space, __ATOMIC_RELEASE);
    return *space;
}

} // namespace

void initialize(const boot::CommandLine& command_line) {
    auto* result = new (std::nothrow)::pci::ScanResult;
    if (!result) {
        klog::error(log_subsystem, "no memory for the bus scan: PCI devices stay unknown");
        return;
    }
    ::pci::ConfigSpace& space = choose_config_space(command_line.value_of("pci") == "nommconf");
    uint64_t start_ns = time::monotonic_ns();
    ::pci::EcamConfigSpace* window = __atomic_load_n(&ecam, __ATOMIC_ACQUIRE);
    if (window && window->start_bus() != 0)
        ::pci::scan_from_bus(space, *result, 0, window->start_bus());
    else
        ::pci::scan(space, *result);
    uint64_t scan_ns = time::monotonic_ns() - start_ns;
    for (const ::pci::Function& function : result->functions)
        log_function(function);
    const ::pci::ScanAnomalies& anomalies = result->anomalies;
    klog::info(log_subsystem, "{} functions on {} buses", result->functions.size(), result->buses_scanned);
    // The number `make bench` reports as pci-scan (docs/benchmarks.md).
    klog::info(log_subsystem, "{} functions in {} us", result->functions.size(), scan_ns / 1000);
    if (anomalies.bridge_loops || anomalies.unconfigured_bridges || anomalies.dropped_functions)
        klog::warn(log_subsystem,
                   "odd topology: {} bridge loops, {} unconfigured bridges, {} functions dropped",
                   anomalies.bridge_loops, anomalies.unconfigured_bridges, anomalies.dropped_functions);
    __atomic_store_n(&boot_scan, result, __ATOMIC_RELEASE);
}

bool uses_ecam() {
    return __atomic_load_n(&ecam, __ATOMIC_ACQUIRE) != nullptr;
}

::pci::ConfigSpace& config_space() {
    ::pci::EcamConfigSpace* window = __atomic_load_n(&ecam, __ATOMIC_ACQUIRE);
    if (window)
        return *window;
    return locked_config_space;
}

size_t function_count() {
    ::pci::ScanResult* result = __atomic_load_n(&boot_scan, __ATOMIC_ACQUIRE);
    return result ? result->functions.size() : 0;
}

void for_each_function(ktl::FunctionRef<void(const ::pci::Function&)> visit) {
    ::pci::ScanResult* result = __atomic_load_n(&boot_scan, __ATOMIC_ACQUIRE);
    if (!result)
        return;
    for (const ::pci::Function& function : result->functions)
        visit(function);
}

} // namespace bus::pci
