// MSI and MSI-X (PCI Local Bus 3.0 §6.8): decoding both capabilities as hostile input, composing the
// x86 message (Intel SDM vol. 3A §11.11: address 0xFEE00000 | destination APIC id << 12, data = the
// vector, fixed delivery, edge) and programming it. The MSI-X table lives in a BAR: the kernel maps
// it and passes the mapping to the table helpers here, the host tests an array.
#pragma once

#include "ktl/error_or.h"
#include "pci/config_space.h"
#include "pci/function.h"

#include <cstdint>

namespace pci {

struct MsiMessage {
    uint64_t address = 0;
    uint32_t data = 0;
};

// A message to the local APIC `apic_id` (physical destination, 0..254; 255 is broadcast) on `vector`
// (32..255: below are exceptions). InvalidArgument otherwise.
ktl::ErrorOr<MsiMessage> x86_msi_message(uint32_t apic_id, uint8_t vector);

struct MsiCapability {
    uint8_t offset = 0;
    bool enabled = false;
    bool is_64bit = false;
    bool per_vector_masking = false;
    uint8_t vectors_capable = 1; // 1, 2, 4, …, 32 (the multiple message capable field, decoded)
    uint8_t vectors_enabled = 1; // the multiple message enable field, decoded
    uint16_t data_offset = 0;    // absolute offsets in configuration space
    uint16_t mask_offset = 0;    // 0 without per-vector masking
    uint16_t pending_offset = 0;
};

// NoEntry when the function has no MSI capability; InvalidArgument when its fields would run past the
// 256-byte header space or it claims more than 32 vectors (reserved encodings).
ktl::ErrorOr<MsiCapability> read_msi_capability(ConfigSpace& config, const Function& function);
// Writes address and data and the number of messages (a power of two up to vectors_capable; message i
// is data + i, so `message.data`'s low bits must be clear), leaving MSI disabled.
ktl::ErrorOr<void> program_msi(ConfigSpace& config, Address address, const MsiCapability& capability,
                               MsiMessage message, uint8_t vector_count = 1);
void set_msi_enabled(ConfigSpace& config, Address address, const MsiCapability& capability, bool enabled);
// NotSupported without per-vector masking; InvalidArgument for an index at or past vectors_capable.
ktl::ErrorOr<void> set_msi_masked(ConfigSpace& config, Address address, const MsiCapability& capability,
                                  uint8_t index, bool masked);

struct MsixCapability {
    uint8_t offset = 0;
    uint16_t table_size = 0; // entries, 1..2048
    bool enabled = false;
    bool function_masked = false;
    uint8_t table_bar = 0;
    uint32_t table_offset = 0; // within that BAR, 8-byte aligned
    uint8_t pba_bar = 0;
    uint32_t pba_offset = 0;
};

ktl::ErrorOr<MsixCapability> read_msix_capability(ConfigSpace& config, const Function& function);

struct MmioRegion {
    uint64_t physical = 0;
    uint64_t length = 0;
};
// Where the table (16 bytes an entry) and the pending-bit array (a bit an entry, in qwords) are: BAR
// address + offset. InvalidArgument when the BAR index is above 5, the BAR is absent, not memory, or
// unassigned, or the structure runs past its end.
ktl::ErrorOr<MmioRegion> msix_table_region(const MsixCapability& capability, const Function& function);
ktl::ErrorOr<MmioRegion> msix_pba_region(const MsixCapability& capability, const Function& function);

// The message control register's enable and function-mask bits.
void set_msix_control(ConfigSpace& config, Address address, const MsixCapability& capability, bool enabled,
                      bool function_masked);

// Table entries (PCI 3.0 §6.8.2.6): address low, address high, data, vector control (bit 0 masked).
namespace msix_entry {
constexpr uint32_t size = 16;
constexpr uint32_t address_low = 0, address_high = 4, data = 8, vector_control = 12;
constexpr uint32_t control_masked = 1;
} // namespace msix_entry

// On a mapped table of `capability.table_size` entries: InvalidArgument for an index past it. Write
// the message while the entry is masked (the device may send a half-written one otherwise).
ktl::ErrorOr<void> write_msix_entry(volatile uint32_t* table, const MsixCapability& capability,
                                    uint16_t index, MsiMessage message);
ktl::ErrorOr<void> set_msix_entry_masked(volatile uint32_t* table, const MsixCapability& capability,
                                         uint16_t index, bool masked);
ktl::ErrorOr<MsiMessage> read_msix_entry(volatile uint32_t* table, const MsixCapability& capability,
                                         uint16_t index);

} // namespace pci
