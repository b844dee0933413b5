#include "bus/pci.h"

#include "arch/io.h"
#include "console/log.h"
#include "pci/access.h"
#include "pci/scan.h"
#include "sync/spinlock.h"

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

} // namespace

void initialize() {
    auto* result = new (std::nothrow)::pci::ScanResult;
    if (!result) {
        klog::error(log_subsystem, "no memory for the bus scan: PCI devices stay unknown");
        return;
    }
    ::pci::scan(locked_config_space, *result);
    for (const ::pci::Function& function : result->functions)
        log_function(function);
    const ::pci::ScanAnomalies& anomalies = result->anomalies;
    klog::info(log_subsystem, "{} functions on {} buses", result->functions.size(), result->buses_scanned);
    if (anomalies.bridge_loops || anomalies.unconfigured_bridges || anomalies.dropped_functions)
        klog::warn(log_subsystem,
                   "odd topology: {} bridge loops, {} unconfigured bridges, {} functions dropped",
                   anomalies.bridge_loops, anomalies.unconfigured_bridges, anomalies.dropped_functions);
    __atomic_store_n(&boot_scan, result, __ATOMIC_RELEASE);
}

::pci::ConfigSpace& config_space() {
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
