// Reading one function: identity, capability list walk and BAR sizing.
#include "pci/function.h"

#include "pci/registers.h"

namespace pci {

namespace {

constexpr uint16_t first_capability_offset = 0x40; // capabilities live after the 64-byte header

void walk_capabilities(ConfigSpace& config, Function& function) {
    if (!(config.read16(function.address, reg::status) & reg::status_capabilities_list))
        return;
    bool visited[ConfigSpace::conventional_size / 4] = {};
    // The low two bits of every pointer are reserved and must be masked (PCI 3.0 §6.7).
    uint8_t offset = config.read8(function.address, reg::capabilities_pointer) & 0xfc;
    while (offset != 0) {
        if (offset < first_capability_offset) {
            function.anomalies.capability_bad_pointer = true;
            return;
        }
        if (visited[offset / 4]) {
            function.anomalies.capability_loop = true;
            return;
        }
        visited[offset / 4] = true;
        uint8_t id = config.read8(function.address, offset);
        // At most 48 distinct dwords exist past 0x40, so the visited check ends the walk before this fails.
        (void)function.capabilities.try_append(Capability{id, offset});
        offset = config.read8(function.address, offset + 1) & 0xfc;
    }
}

constexpr uint16_t first_extended_offset = 0x100;

// The PCI Express list: a dword per entry, id in bits 15:0, version 19:16, next offset 31:20.
void walk_extended_capabilities(ConfigSpace& config, Function& function) {
    if (!config.has_extended_space() || !function.find_capability(capability::pci_express))
        return;
    // One bit per dword of extended space (960), to stay small on a kernel stack.
    uint64_t visited[(ConfigSpace::extended_size - first_extended_offset) / 4 / 64] = {};
    uint16_t offset = first_extended_offset;
    while (offset != 0) {
        if (offset < first_extended_offset) {
            function.anomalies.extended_capability_bad_pointer = true;
            return;
        }
        size_t slot = (offset - first_extended_offset) / 4;
        uint64_t bit = uint64_t(1) << (slot % 64);
        if (visited[slot / 64] & bit) {
            function.anomalies.extended_capability_loop = true;
            return;
        }
        visited[slot / 64] |= bit;
        uint32_t header = config.read32(function.address, offset);
        // An empty list reads 0; all ones means the space is not really there.
        if (header == 0 || header == 0xffffffff)
            return;
        ExtendedCapability entry{uint16_t(header), uint8_t((header >> 16) & 0xf), offset};
        if (function.extended_capabilities.try_append(entry).is_error()) {
            function.anomalies.extended_capability_overflow = true;
            return;
        }
        offset = uint16_t((header >> 20) & 0xffc);
    }
}

// A BAR's size is its lowest writable address bit. Hardware makes the writable bits contiguous; taking the
// lowest one (as Linux does) still gives a power of two when hostile hardware does not.
uint64_t lowest_set_bit(uint64_t mask) {
    return mask & (~mask + 1);
}

// Writes all ones to the BAR dword at `offset` and returns what sticks, then restores the original.
uint32_t probe_writable_bits(ConfigSpace& config, Address address, uint16_t offset, uint32_t original) {
    config.write32(address, offset, 0xffffffff);
    uint32_t sticky = config.read32(address, offset);
    config.write32(address, offset, original);
    return sticky;
}

void size_bars(ConfigSpace& config, Function& function, uint8_t bar_count) {
    const Address address = function.address;
    // Decoding stays off while a BAR holds all ones, or it would claim addresses that belong to others.
    uint16_t command = config.read16(address, reg::command);
    uint16_t decoding = reg::command_io_space | reg::command_memory_space;
    if (command & decoding)
        config.write16(address, reg::command, command & ~decoding);

    for (uint8_t index = 0; index < bar_count; ++index) {
        uint16_t offset = reg::bar0 + index * 4;
        uint32_t original = config.read32(address, offset);
        uint32_t sticky = probe_writable_bits(config, address, offset, original);
        if (sticky == 0)
            continue; // unimplemented BAR
        Bar bar;
        bar.index = index;
        if (original & 1) {
            bar.kind = BarKind::Io;
            uint32_t mask = sticky & ~0x3u;
            if (mask == 0)
                continue; // no address bit is writable
            bar.address = original & ~0x3u;
            bar.size = lowest_set_bit(mask);
        } else {
            uint8_t type = (original >> 1) & 0x3;
            bar.prefetchable = original & 0x8;
            uint64_t mask = sticky & ~0xfu;
            bar.address = original & ~0xfu;
            if (type == 0x3) {
                function.anomalies.bar_reserved_type = true;
                continue;
            }
            if (type == 0x2) {
                if (index + 1 >= bar_count) {
                    function.anomalies.bar_64bit_in_last_slot = true;
                    continue;
                }
                uint16_t upper_offset = offset + 4;
                uint32_t upper_original = config.read32(address, upper_offset);
                uint32_t upper_sticky = probe_writable_bits(config, address, upper_offset, upper_original);
                bar.kind = BarKind::Memory64;
                mask |= uint64_t(upper_sticky) << 32;
                bar.address |= uint64_t(upper_original) << 32;
                ++index; // the upper half is not a BAR of its own
            } else {
                bar.kind = BarKind::Memory32;
            }
            if (mask == 0)
                continue; // only the type bits read back: unimplemented
            bar.size = lowest_set_bit(mask);
        }
        (void)function.bars.try_append(bar);
    }

    if (command & decoding)
        config.write16(address, reg::command, command);
}

} // namespace

const Capability* Function::find_capability(uint8_t id) const {
    for (const Capability& entry : capabilities)
        if (entry.id == id)
            return &entry;
    return nullptr;
}

const ExtendedCapability* Function::find_extended_capability(uint16_t id) const {
    for (const ExtendedCapability& entry : extended_capabilities)
        if (entry.id == id)
            return &entry;
    return nullptr;
}

bool Function::has_anomalies() const {
    return anomalies.capability_loop || anomalies.capability_bad_pointer ||
           anomalies.extended_capability_loop || anomalies.extended_capability_bad_pointer ||
           anomalies.extended_capability_overflow || anomalies.bar_64bit_in_last_slot ||
           anomalies.bar_reserved_type || anomalies.unexpected_bridge_class;
}

bool function_present(ConfigSpace& config, Address address) {
    return config.read16(address, reg::vendor_id) != reg::absent_vendor;
}

void read_function(ConfigSpace& config, Address address, Function& out) {
    out = Function{};
    out.address = address;
    out.vendor_id = config.read16(address, reg::vendor_id);
    out.device_id = config.read16(address, reg::device_id);
    out.revision = config.read8(address, reg::revision_id);
    out.prog_if = config.read8(address, reg::prog_if);
    out.subclass = config.read8(address, reg::subclass);
    out.class_code = config.read8(address, reg::class_code);
    uint8_t header_type = config.read8(address, reg::header_type);
    out.header_layout = header_type & reg::header_type_layout_mask;
    out.multifunction = header_type & reg::header_type_multifunction;
    out.interrupt_line = config.read8(address, reg::interrupt_line);
    out.interrupt_pin = config.read8(address, reg::interrupt_pin);

    uint8_t bar_count = 0;
    if (out.header_layout == reg::header_type_endpoint) {
        out.subsystem_vendor_id = config.read16(address, reg::subsystem_vendor_id);
        out.subsystem_id = config.read16(address, reg::subsystem_id);
        bar_count = 6;
    } else if (out.header_layout == reg::header_type_pci_bridge) {
        out.primary_bus = config.read8(address, reg::primary_bus);
        out.secondary_bus = config.read8(address, reg::secondary_bus);
        out.subordinate_bus = config.read8(address, reg::subordinate_bus);
        out.anomalies.unexpected_bridge_class =
            out.class_code != reg::class_bridge ||
            (out.subclass != reg::subclass_pci_bridge && out.subclass != reg::subclass_subtractive_bridge);
        bar_count = 2;
    }
    // CardBus bridges (layout 2) and unknown layouts: identity only; their BAR layout differs.
    if (out.header_layout <= reg::header_type_pci_bridge) {
        walk_capabilities(config, out);
        walk_extended_capabilities(config, out);
    }
    // A bridge header has no room for subsystem ids; a capability carries them (ids at +4 and +6).
    if (out.header_layout == reg::header_type_pci_bridge) {
        if (const Capability* ids = out.find_capability(capability::pci_bridge_subsystem_vendor)) {
            out.subsystem_vendor_id = config.read16(address, ids->offset + 4);
            out.subsystem_id = config.read16(address, ids->offset + 6);
        }
    }
    size_bars(config, out, bar_count);
}

} // namespace pci
