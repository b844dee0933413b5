// Recognising a virtio device among PCI functions and locating its registers: the modern layout from
// the vendor-specific capabilities (common, notify, ISR and device configuration, each a window into a
// memory BAR), the legacy one in I/O BAR 0. Configuration space is hostile input: every capability is
// bounds-checked against its BAR before anyone maps it.
#pragma once

#include "ktl/error_or.h"
#include "pci/function.h"

#include <cstdint>

namespace virtio::pci {

struct Identity {
    uint16_t device_type = 0;  // virtio::device_type
    bool transitional = false; // 0x1000..0x103f: has the legacy interface (and maybe the modern one)
};

// Whether `function` is a virtio device, and which type. Transitional ids carry the type in the
// subsystem id (QEMU's virtio-rng-pci: 1af4:1005, subsystem 1af4:0004).
bool identify(const ::pci::Function& function, Identity& out);

// A register block: `length` bytes at `offset` into memory BAR `bar`, whose physical base is `physical`.
struct Window {
    uint8_t bar = 0;
    uint64_t physical = 0; // BAR address + offset
    uint32_t length = 0;
    bool present = false;
};

struct ModernLayout {
    Window common;
    Window notify;
    uint32_t notify_offset_multiplier = 0;
    Window isr;
    Window device; // absent for devices without configuration (entropy)
};

// The first usable capability of each type. NoEntry when the function has no usable common, notify
// or ISR capability (a legacy-only device). Windows that overflow or leave their BAR, point at a BAR
// that is absent, an I/O BAR or unassigned (address 0), or are shorter than their structure are skipped.
ktl::ErrorOr<ModernLayout> find_modern_layout(::pci::ConfigSpace& config, const ::pci::Function& function);

// The legacy register block: I/O BAR 0, at least the common registers long. NoEntry otherwise.
struct LegacyLayout {
    uint16_t io_base = 0;
    uint32_t length = 0;
};
ktl::ErrorOr<LegacyLayout> find_legacy_layout(const ::pci::Function& function);

} // namespace virtio::pci
