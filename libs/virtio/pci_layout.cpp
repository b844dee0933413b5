#include "virtio/pci_layout.h"

#include "virtio/spec.h"

namespace virtio::pci {

bool identify(const ::pci::Function& function, Identity& out) {
    if (function.vendor_id != pci_id::vendor)
        return false;
    if (function.device_id >= pci_id::first_modern && function.device_id <= pci_id::last_modern) {
        out = {static_cast<uint16_t>(function.device_id - pci_id::first_modern), false};
        return out.device_type != 0;
    }
    if (function.device_id >= pci_id::first_transitional && function.device_id <= pci_id::last_transitional) {
        out = {function.subsystem_id, true};
        return out.device_type != 0;
    }
    return false;
}

namespace {

const ::pci::Bar* find_bar(const ::pci::Function& function, uint8_t index) {
    for (const ::pci::Bar& bar : function.bars)
        if (bar.index == index)
            return &bar;
    return nullptr;
}

// The window a capability describes, if it lies wholly inside an assigned memory BAR.
bool resolve_window(const ::pci::Function& function, uint8_t bar_index, uint32_t offset, uint32_t length,
                    uint32_t minimum_length, Window& out) {
    if (length < minimum_length)
        return false;
    const ::pci::Bar* bar = find_bar(function, bar_index);
    if (!bar || bar->kind == ::pci::BarKind::Io || bar->address == 0 || bar->size == 0)
        return false;
    if (uint64_t(offset) + length > bar->size)
        return false;
    out = {bar_index, bar->address + offset, length, true};
    return true;
}

} // namespace

ktl::ErrorOr<ModernLayout> find_modern_layout(::pci::ConfigSpace& config, const ::pci::Function& function) {
    ModernLayout layout;
    for (const ::pci::Capability& capability : function.capabilities) {
        if (capability.id != ::pci::capability::vendor_specific)
            continue;
        uint16_t at = capability.offset;
        uint8_t cap_length = config.read8(function.address, static_cast<uint16_t>(at + pci_cap::length));
        // The structure must fit in its declared length and in configuration space.
        if (cap_length < pci_cap::minimum_length || at + uint16_t(pci_cap::minimum_length) > 0x100)
            continue;
        uint8_t type = config.read8(function.address, static_cast<uint16_t>(at + pci_cap::cfg_type));
        uint8_t bar = config.read8(function.address, static_cast<uint16_t>(at + pci_cap::bar));
        uint32_t offset = config.read32(function.address, static_cast<uint16_t>(at + pci_cap::offset));
        uint32_t length = config.read32(function.address, static_cast<uint16_t>(at + pci_cap::size));
        switch (type) {
        case pci_cfg_type::common:
            if (!layout.common.present)
                resolve_window(function, bar, offset, length, common_cfg::size, layout.common);
            break;
        case pci_cfg_type::notify: {
            if (layout.notify.present || cap_length < pci_cap::notify_minimum_length ||
                at + uint16_t(pci_cap::notify_minimum_length) > 0x100)
                break;
            uint32_t multiplier =
                config.read32(function.address, static_cast<uint16_t>(at + pci_cap::notify_off_multiplier));
            if (resolve_window(function, bar, offset, length, 2, layout.notify))
                layout.notify_offset_multiplier = multiplier;
            break;
        }
        case pci_cfg_type::isr:
            if (!layout.isr.present)
                resolve_window(function, bar, offset, length, 1, layout.isr);
            break;
        case pci_cfg_type::device:
            if (!layout.device.present)
                resolve_window(function, bar, offset, length, 1, layout.device);
            break;
        default:
            break; // PCI_CFG access and shared memory: not used
        }
    }
    if (!layout.common.present || !layout.notify.present || !layout.isr.present)
        return ktl::Errno::NoEntry;
    return layout;
}

ktl::ErrorOr<LegacyLayout> find_legacy_layout(const ::pci::Function& function) {
    const ::pci::Bar* bar = find_bar(function, 0);
    if (!bar || bar->kind != ::pci::BarKind::Io || bar->address == 0 || bar->address > 0xffff ||
        bar->size < legacy_io::size || bar->address + bar->size > 0x10000)
        return ktl::Errno::NoEntry;
    return LegacyLayout{static_cast<uint16_t>(bar->address), static_cast<uint32_t>(bar->size)};
}

} // namespace virtio::pci
