// The bus scan: every function reachable from the host bridge(s), following PCI-to-PCI bridges
// through their secondary bus numbers.
//
// Rules (PCI Local Bus 3.0 §6.2.1, PCI-to-PCI Bridge 1.2 §3.2.5):
//  * A device's function 0 answers or the device is absent (vendor 0xFFFF): then its other
//    functions are not probed.
//  * Functions 1..7 are probed only when function 0's header type has bit 7 (multifunction) set.
//    The seed inverted this test.
//  * A function with header type 1 is a PCI-to-PCI bridge (the seed tested for 2, which is CardBus);
//    the bus behind it is its secondary bus number, scanned depth first.
//  * If 00:00.0 is multifunction, each present function N of 00:00 is a host controller owning bus N.
//
// Hostile or broken topologies: each bus is scanned at most once (a bridge pointing back at a scanned
// bus, or at its own bus, is counted in `bridge_loops` and not followed), bus 0 behind a bridge means
// firmware left it unconfigured (counted, not followed), functions beyond the result's capacity are
// counted in `dropped_functions`. The work is at most 256 buses, walked depth first with an explicit
// stack of at most 256 small frames: no recursion, so hostile bridge chains cannot exhaust a kernel stack.
#pragma once

#include "ktl/fixed_vector.h"
#include "pci/function.h"

#include <cstddef>
#include <cstdint>

namespace pci {

struct ScanAnomalies {
    size_t bridge_loops = 0;             // secondary bus already scanned (or the bridge's own bus)
    size_t unconfigured_bridges = 0;     // secondary bus 0: firmware assigned none
    size_t dropped_functions = 0;        // present but the result was full
    size_t functions_with_anomalies = 0; // see each Function's own `anomalies`
};

struct ScanResult {
    static constexpr size_t max_functions = 256;

    ktl::FixedVector<Function, max_functions> functions; // in scan order (depth first)
    size_t buses_scanned = 0;
    ScanAnomalies anomalies;

    // The function at `address`, or nullptr.
    const Function* find(Address address) const;
};

// Scans segment `segment` from bus 0 into `out` (reset first). By reference: a ScanResult is ~125 KiB.
void scan(ConfigSpace&, ScanResult& out, uint16_t segment = 0);

// Scans only `bus` and what lies behind it (an ECAM segment whose MCFG entry starts above 0, say).
void scan_from_bus(ConfigSpace&, ScanResult& out, uint16_t segment, uint8_t bus);

} // namespace pci
