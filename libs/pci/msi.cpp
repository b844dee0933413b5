// MSI capability (PCI 3.0 §6.8.1): +2 message control (bit 0 enable, bits 3:1 multiple message
// capable, 6:4 enable, bit 7 64-bit, bit 8 per-vector masking), +4 address, then data, mask and pending
// at offsets that depend on the 64-bit bit. MSI-X (§6.8.2): +2 control (bits 10:0 table size - 1, 14
// function mask, 15 enable), +4 table offset | BIR, +8 PBA offset | BIR.
#include "pci/msi.h"

namespace pci {

namespace {

constexpr uint16_t msi_enable = 1 << 0, msi_64bit = 1 << 7, msi_per_vector_masking = 1 << 8;
constexpr uint16_t msi_capable_shift = 1, msi_enabled_shift = 4;
constexpr uint16_t msix_enable = 1 << 15, msix_function_mask = 1 << 14, msix_size_mask = 0x7ff;
constexpr uint32_t bir_mask = 0x7;

constexpr uint64_t x86_message_base = 0xfee00000;

bool is_power_of_two(uint32_t value) {
    return value && !(value & (value - 1));
}

uint8_t log2_of(uint32_t value) {
    uint8_t log = 0;
    while (value > 1) {
        value >>= 1;
        ++log;
    }
    return log;
}

ktl::ErrorOr<MmioRegion> region_in_bar(const Function& function, uint8_t bar_index, uint32_t offset,
                                       uint64_t length) {
    if (bar_index >= Function::max_bars)
        return ktl::Errno::InvalidArgument;
    for (const Bar& bar : function.bars) {
        if (bar.index != bar_index)
            continue;
        if (bar.kind == BarKind::Io || bar.address == 0 || offset > bar.size || length > bar.size - offset ||
            bar.address > ~uint64_t(0) - bar.size)
            return ktl::Errno::InvalidArgument; // also a BAR that would wrap the address space
        return MmioRegion{bar.address + offset, length};
    }
    return ktl::Errno::InvalidArgument;
}

} // namespace

ktl::ErrorOr<MsiMessage> x86_msi_message(uint32_t apic_id, uint8_t vector) {
    if (apic_id >= 0xff || vector < 32)
        return ktl::Errno::InvalidArgument;
    // Physical destination mode, no redirection hint; data: fixed delivery, edge (bit 15 clear).
    return MsiMessage{x86_message_base | uint64_t(apic_id) << 12, vector};
}

ktl::ErrorOr<MsiCapability> read_msi_capability(ConfigSpace& config, const Function& function) {
    const Capability* found = function.find_capability(capability::msi);
    if (!found)
        return ktl::Errno::NoEntry;
    MsiCapability msi;
    msi.offset = found->offset;
    uint16_t control = config.read16(function.address, found->offset + 2);
    msi.enabled = control & msi_enable;
    msi.is_64bit = control & msi_64bit;
    msi.per_vector_masking = control & msi_per_vector_masking;
    uint8_t capable = (control >> msi_capable_shift) & 0x7, enabled = (control >> msi_enabled_shift) & 0x7;
    if (capable > 5 || enabled > 5)
        return ktl::Errno::InvalidArgument; // 110b and 111b are reserved
    msi.vectors_capable = uint8_t(1 << capable);
    msi.vectors_enabled = uint8_t(1 << enabled);
    uint16_t base = found->offset;
    msi.data_offset = base + (msi.is_64bit ? 0x0c : 0x08);
    uint16_t end = msi.data_offset + 2;
    if (msi.per_vector_masking) {
        msi.mask_offset = base + (msi.is_64bit ? 0x10 : 0x0c);
        msi.pending_offset = msi.mask_offset + 4;
        end = msi.pending_offset + 4;
    }
    if (end > ConfigSpace::conventional_size)
        return ktl::Errno::InvalidArgument;
    return msi;
}

ktl::ErrorOr<void> program_msi(ConfigSpace& config, Address address, const MsiCapability& capability,
                               MsiMessage message, uint8_t vector_count) {
    if (!is_power_of_two(vector_count) || vector_count > capability.vectors_capable ||
        (message.data & (vector_count - 1u)) || message.data > 0xffff)
        return ktl::Errno::InvalidArgument;
    if (!capability.is_64bit && message.address >> 32)
        return ktl::Errno::InvalidArgument;
    uint16_t base = capability.offset;
    uint16_t control = config.read16(address, base + 2);
    control &= uint16_t(~(msi_enable | 0x7 << msi_enabled_shift));
    config.write16(address, base + 2, control);
    config.write32(address, base + 4, uint32_t(message.address));
    if (capability.is_64bit)
        config.write32(address, base + 8, uint32_t(message.address >> 32));
    config.write16(address, capability.data_offset, uint16_t(message.data));
    config.write16(address, base + 2, uint16_t(control | log2_of(vector_count) << msi_enabled_shift));
    return {};
}

void set_msi_enabled(ConfigSpace& config, Address address, const MsiCapability& capability, bool enabled) {
    uint16_t control = config.read16(address, capability.offset + 2);
    config.write16(address, capability.offset + 2,
                   enabled ? uint16_t(control | msi_enable) : uint16_t(control & ~msi_enable));
}

ktl::ErrorOr<void> set_msi_masked(ConfigSpace& config, Address address, const MsiCapability& capability,
                                  uint8_t index, bool masked) {
    if (!capability.per_vector_masking)
        return ktl::Errno::NotSupported;
    if (index >= capability.vectors_capable)
        return ktl::Errno::InvalidArgument;
    uint32_t bits = config.read32(address, capability.mask_offset);
    bits = masked ? bits | 1u << index : bits & ~(1u << index);
    config.write32(address, capability.mask_offset, bits);
    return {};
}

ktl::ErrorOr<MsixCapability> read_msix_capability(ConfigSpace& config, const Function& function) {
    const Capability* found = function.find_capability(capability::msi_x);
    if (!found)
        return ktl::Errno::NoEntry;
    if (found->offset + 12u > ConfigSpace::conventional_size)
        return ktl::Errno::InvalidArgument;
    MsixCapability msix;
    msix.offset = found->offset;
    uint16_t control = config.read16(function.address, found->offset + 2);
    msix.table_size = uint16_t((control & msix_size_mask) + 1);
    msix.enabled = control & msix_enable;
    msix.function_masked = control & msix_function_mask;
    uint32_t table = config.read32(function.address, found->offset + 4);
    uint32_t pba = config.read32(function.address, found->offset + 8);
    msix.table_bar = uint8_t(table & bir_mask);
    msix.table_offset = table & ~bir_mask;
    msix.pba_bar = uint8_t(pba & bir_mask);
    msix.pba_offset = pba & ~bir_mask;
    if (msix.table_bar >= Function::max_bars || msix.pba_bar >= Function::max_bars)
        return ktl::Errno::InvalidArgument;
    return msix;
}

ktl::ErrorOr<MmioRegion> msix_table_region(const MsixCapability& capability, const Function& function) {
    return region_in_bar(function, capability.table_bar, capability.table_offset,
                         uint64_t(capability.table_size) * msix_entry::size);
}

ktl::ErrorOr<MmioRegion> msix_pba_region(const MsixCapability& capability, const Function& function) {
    return region_in_bar(function, capability.pba_bar, capability.pba_offset,
                         (uint64_t(capability.table_size) + 63) / 64 * 8);
}

void set_msix_control(ConfigSpace& config, Address address, const MsixCapability& capability, bool enabled,
                      bool function_masked) {
    uint16_t control = config.read16(address, capability.offset + 2);
    control &= uint16_t(~(msix_enable | msix_function_mask));
    if (enabled)
        control |= msix_enable;
    if (function_masked)
        control |= msix_function_mask;
    config.write16(address, capability.offset + 2, control);
}

ktl::ErrorOr<void> write_msix_entry(volatile uint32_t* table, const MsixCapability& capability,
                                    uint16_t index, MsiMessage message) {
    if (index >= capability.table_size)
        return ktl::Errno::InvalidArgument;
    volatile uint32_t* entry = table + index * (msix_entry::size / 4);
    entry[msix_entry::address_low / 4] = uint32_t(message.address);
    entry[msix_entry::address_high / 4] = uint32_t(message.address >> 32);
    entry[msix_entry::data / 4] = message.data;
    return {};
}

ktl::ErrorOr<void> set_msix_entry_masked(volatile uint32_t* table, const MsixCapability& capability,
                                         uint16_t index, bool masked) {
    if (index >= capability.table_size)
        return ktl::Errno::InvalidArgument;
    volatile uint32_t* control = table + index * (msix_entry::size / 4) + msix_entry::vector_control / 4;
    uint32_t value = *control;
    *control = masked ? value | msix_entry::control_masked : value & ~msix_entry::control_masked;
    return {};
}

ktl::ErrorOr<MsiMessage> read_msix_entry(volatile uint32_t* table, const MsixCapability& capability,
                                         uint16_t index) {
    if (index >= capability.table_size)
        return ktl::Errno::InvalidArgument;
    volatile uint32_t* entry = table + index * (msix_entry::size / 4);
    return MsiMessage{uint64_t(entry[msix_entry::address_high / 4]) << 32 |
                          entry[msix_entry::address_low / 4],
                      entry[msix_entry::data / 4]};
}

} // namespace pci
