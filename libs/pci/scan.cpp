// The recursive bus scan; see scan.h for the rules and the bounds.
#include "pci/scan.h"

#include "pci/registers.h"

namespace pci {

namespace {

constexpr size_t bus_count = 256;

class Scanner {
public:
    Scanner(ConfigSpace& config, ScanResult& out, uint16_t segment)
        : m_config(config), m_out(out), m_segment(segment) {}

    // Each bus is entered once: the visited set bounds both the work and the recursion depth.
    void scan_bus(uint8_t bus) {
        if (m_visited[bus]) {
            ++m_out.anomalies.bridge_loops;
            return;
        }
        m_visited[bus] = true;
        ++m_out.buses_scanned;
        for (uint8_t device = 0; device < Address::devices_per_bus; ++device)
            scan_device(bus, device);
    }

    bool visited(uint8_t bus) const { return m_visited[bus]; }

private:
    void scan_device(uint8_t bus, uint8_t device) {
        Address function0{m_segment, bus, device, 0};
        if (!function_present(m_config, function0))
            return;
        scan_function(function0);
        uint8_t header_type = m_config.read8(function0, reg::header_type);
        if (!(header_type & reg::header_type_multifunction))
            return;
        for (uint8_t function = 1; function < Address::functions_per_device; ++function) {
            Address address{m_segment, bus, device, function};
            if (function_present(m_config, address))
                scan_function(address);
        }
    }

    void scan_function(Address address) {
        // Read into a scratch slot first: the list may be full and the bridge must still be followed.
        Function& function = m_scratch;
        read_function(m_config, address, function);
        if (function.has_anomalies())
            ++m_out.anomalies.functions_with_anomalies;
        bool is_bridge = function.is_pci_bridge();
        uint8_t secondary = function.secondary_bus;
        if (m_out.functions.try_append(function).is_error())
            ++m_out.anomalies.dropped_functions;
        if (!is_bridge)
            return;
        if (secondary == 0) {
            ++m_out.anomalies.unconfigured_bridges;
            return;
        }
        scan_bus(secondary);
    }

    ConfigSpace& m_config;
    ScanResult& m_out;
    uint16_t m_segment;
    bool m_visited[bus_count] = {};
    Function m_scratch;
};

} // namespace

const Function* ScanResult::find(Address address) const {
    for (const Function& function : functions)
        if (function.address == address)
            return &function;
    return nullptr;
}

void scan(ConfigSpace& config, ScanResult& out, uint16_t segment) {
    out.functions.clear();
    out.buses_scanned = 0;
    out.anomalies = ScanAnomalies{};
    Scanner scanner(config, out, segment);
    Address host{segment, 0, 0, 0};
    uint8_t header_type = config.read8(host, reg::header_type);
    if (!function_present(config, host) || !(header_type & reg::header_type_multifunction)) {
        scanner.scan_bus(0);
        return;
    }
    // Several host controllers: function N of 00:00 is the one responsible for bus N.
    for (uint8_t function = 0; function < Address::functions_per_device; ++function) {
        if (!function_present(config, Address{segment, 0, 0, function}))
            continue;
        if (!scanner.visited(function))
            scanner.scan_bus(function);
    }
}

void scan_from_bus(ConfigSpace& config, ScanResult& out, uint16_t segment, uint8_t bus) {
    out.functions.clear();
    out.buses_scanned = 0;
    out.anomalies = ScanAnomalies{};
    Scanner scanner(config, out, segment);
    scanner.scan_bus(bus);
}

} // namespace pci
