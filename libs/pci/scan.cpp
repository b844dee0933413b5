// The bus scan; see scan.h for the rules and the bounds.
#include "pci/scan.h"

#include "pci/registers.h"

namespace pci {

namespace {

constexpr size_t bus_count = 256;

// A depth-first walk with an explicit stack instead of recursion: hostile hardware can chain 256
// bridges, and 256 nested calls would not fit a kernel stack comfortably. The stack needs at most one
// frame per bus, since each bus is entered once.
class Scanner {
public:
    Scanner(ConfigSpace& config, ScanResult& out, uint16_t segment)
        : m_config(config), m_out(out), m_segment(segment) {}

    // Scans `bus` and everything behind it, in the order a recursive scan would.
    void scan_tree(uint8_t bus) {
        enter(bus);
        while (m_depth > 0) {
            Position& position = m_stack[m_depth - 1];
            if (position.device == Address::devices_per_bus) {
                --m_depth;
                continue;
            }
            Address address{m_segment, position.bus, position.device, position.function};
            bool present = function_present(m_config, address);
            if (position.function == 0) {
                // Function 0 decides for the device: absent means no device, and only its
                // multifunction bit makes functions 1..7 worth probing.
                position.multifunction =
                    present && (m_config.read8(address, reg::header_type) & reg::header_type_multifunction);
            }
            advance(position);
            if (!present)
                continue;
            uint8_t secondary = 0;
            if (record(address, secondary))
                enter(secondary); // may push: `position` is not used after this
        }
    }

    bool visited(uint8_t bus) const { return m_visited[bus]; }

private:
    struct Position {
        uint8_t bus = 0;
        uint8_t device = 0; // devices_per_bus when the bus is done
        uint8_t function = 0;
        bool multifunction = false;
    };

    static void advance(Position& position) {
        bool last_function = position.function + 1 == Address::functions_per_device;
        if (!position.multifunction || last_function) {
            ++position.device;
            position.function = 0;
        } else {
            ++position.function;
        }
    }

    void enter(uint8_t bus) {
        if (m_visited[bus]) {
            ++m_out.anomalies.bridge_loops;
            return;
        }
        m_visited[bus] = true;
        ++m_out.buses_scanned;
        m_stack[m_depth++] = Position{bus};
    }

    // Reads and keeps one function; true with its secondary bus when it is a bridge to follow.
    bool record(Address address, uint8_t& secondary) {
        // Read into a scratch slot first: the list may be full and the bridge must still be followed.
        Function& function = m_scratch;
        read_function(m_config, address, function);
        if (function.has_anomalies())
            ++m_out.anomalies.functions_with_anomalies;
        if (m_out.functions.try_append(function).is_error())
            ++m_out.anomalies.dropped_functions;
        if (!function.is_pci_bridge())
            return false;
        if (function.secondary_bus == 0) {
            ++m_out.anomalies.unconfigured_bridges;
            return false;
        }
        secondary = function.secondary_bus;
        return true;
    }

    ConfigSpace& m_config;
    ScanResult& m_out;
    uint16_t m_segment;
    bool m_visited[bus_count] = {};
    Position m_stack[bus_count];
    size_t m_depth = 0;
    Function m_scratch;
};

void reset(ScanResult& out) {
    out.functions.clear();
    out.buses_scanned = 0;
    out.anomalies = ScanAnomalies{};
}

} // namespace

const Function* ScanResult::find(Address address) const {
    for (const Function& function : functions)
        if (function.address == address)
            return &function;
    return nullptr;
}

void scan(ConfigSpace& config, ScanResult& out, uint16_t segment) {
    reset(out);
    Scanner scanner(config, out, segment);
    Address host{segment, 0, 0, 0};
    if (!function_present(config, host) ||
        !(config.read8(host, reg::header_type) & reg::header_type_multifunction)) {
        scanner.scan_tree(0);
        return;
    }
    // Several host controllers: function N of 00:00 is the one responsible for bus N.
    for (uint8_t function = 0; function < Address::functions_per_device; ++function) {
        if (!function_present(config, Address{segment, 0, 0, function}))
            continue;
        if (!scanner.visited(function))
            scanner.scan_tree(function);
    }
}

void scan_from_bus(ConfigSpace& config, ScanResult& out, uint16_t segment, uint8_t bus) {
    reset(out);
    Scanner scanner(config, out, segment);
    scanner.scan_tree(bus);
}

} // namespace pci
