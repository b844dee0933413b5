// HPET table layout: header (36), block id u32 @36, base GAS @40, number u8 @52, min tick u16 @53,
// page protection u8 @55; 56 bytes in all.
#include "acpi/hpet.h"

namespace acpi {

ktl::ErrorOr<Hpet> parse_hpet(const Table& table) {
    ktl::ByteReader bytes = table.bytes;
    if (bytes.size() < 56 || table.signature() != "HPET")
        return ktl::Errno::InvalidArgument;
    Hpet hpet;
    hpet.event_timer_block_id = TRY(bytes.read<uint32_t>(36));
    hpet.base = TRY(read_generic_address(bytes, 40));
    hpet.hpet_number = TRY(bytes.read<uint8_t>(52));
    hpet.minimum_tick = TRY(bytes.read<uint16_t>(53));
    hpet.page_protection = TRY(bytes.read<uint8_t>(55));
    if (hpet.base.address_space != static_cast<uint8_t>(AddressSpace::SystemMemory))
        return ktl::Errno::NotSupported;
    if (hpet.base.address == 0)
        return ktl::Errno::InvalidArgument;
    return hpet;
}

} // namespace acpi
