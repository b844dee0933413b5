// The PCI bus as the kernel sees it: configuration space through ECAM when the ACPI MCFG table
// describes segment 0 (q35), else through ports 0xCF8/0xCFC (mechanism #1, every PC QEMU emulates
// has it); scanned once at boot by libs/pci, the functions kept for drivers and sysfs (docs/pci.md).
#pragma once

#include "ktl/function_ref.h"
#include "pci/config_space.h"
#include "pci/function.h"

#include <cstddef>

namespace boot {
class CommandLine;
}

namespace bus::pci {

// Scans every bus reachable from the host bridge(s) and logs each function, Linux-style
// ("0000:00:01.1 [8086:7010] class 0x010180"). Without memory for the result the bus stays unknown
// (logged); nothing else depends on it yet. `pci=nommconf` on the command line keeps to the ports
// even when MCFG offers ECAM, as on Linux. Logs the mechanism and the scan's time.
void initialize(const boot::CommandLine& command_line);

// Whether configuration space is reached through ECAM (4 KiB a function) rather than the ports.
bool uses_ecam();

// How many functions the boot scan found (0 before it or when it could not run).
size_t function_count();
// Configuration space as the boot scan reached it, safe from any CPU and interrupt.
::pci::ConfigSpace& config_space();
// Runs `visit` on each function found, in scan order (depth first).
void for_each_function(ktl::FunctionRef<void(const ::pci::Function&)> visit);

} // namespace bus::pci
