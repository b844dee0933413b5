// MADT entry walk. Entry layouts (ACPI 6.x §5.2.12.2-5.2.12.13): byte 0 type, byte 1 length.
#include "acpi/madt.h"

namespace acpi {

namespace {

constexpr size_t madt_fixed_size = 44; // header, local APIC address, flags

enum EntryType : uint8_t {
    processor_local_apic = 0,
    io_apic = 1,
    interrupt_source_override = 2,
    local_apic_nmi = 4,
    local_apic_address_override = 5,
    processor_local_x2apic = 9,
    local_x2apic_nmi = 10,
};

// The smallest length each known entry needs for the fields we read.
size_t minimum_length(uint8_t type) {
    switch (type) {
    case processor_local_apic:
        return 8;
    case io_apic:
        return 12;
    case interrupt_source_override:
        return 10;
    case local_apic_nmi:
        return 6;
    case local_apic_address_override:
        return 12;
    case processor_local_x2apic:
        return 16;
    case local_x2apic_nmi:
        return 12;
    default:
        return 2;
    }
}

Polarity polarity_of(uint16_t flags) {
    return static_cast<Polarity>(flags & 3);
}
TriggerMode trigger_of(uint16_t flags) {
    return static_cast<TriggerMode>((flags >> 2) & 3);
}

ProcessorApic processor_apic(uint32_t processor_uid, uint32_t apic_id, uint32_t flags, bool x2apic) {
    ProcessorApic processor;
    processor.processor_uid = processor_uid;
    processor.apic_id = apic_id;
    processor.enabled = flags & 1;
    processor.online_capable = flags & 2;
    processor.x2apic = x2apic;
    return processor;
}

LocalNmi local_nmi(uint32_t processor_uid, uint8_t lint, uint16_t flags) {
    LocalNmi nmi;
    nmi.processor_uid = processor_uid;
    nmi.lint = lint;
    nmi.polarity = polarity_of(flags);
    nmi.trigger = trigger_of(flags);
    return nmi;
}

template <typename T, size_t Capacity>
void append(ktl::FixedVector<T, Capacity>& list, const T& item, size_t& dropped) {
    if (list.try_append(item).is_error())
        ++dropped;
}

// Decodes one entry whose length was checked against minimum_length(type).
ktl::ErrorOr<void> parse_entry(ktl::ByteReader entry, Madt& out) {
    uint8_t type = TRY(entry.read<uint8_t>(0));
    switch (type) {
    case processor_local_apic:
        append(out.processors,
               processor_apic(TRY(entry.read<uint8_t>(2)), TRY(entry.read<uint8_t>(3)),
                              TRY(entry.read<uint32_t>(4)), false),
               out.dropped);
        break;
    case processor_local_x2apic:
        append(out.processors,
               processor_apic(TRY(entry.read<uint32_t>(12)), TRY(entry.read<uint32_t>(4)),
                              TRY(entry.read<uint32_t>(8)), true),
               out.dropped);
        break;
    case io_apic: {
        IoApic io;
        io.id = TRY(entry.read<uint8_t>(2));
        io.address = TRY(entry.read<uint32_t>(4));
        io.gsi_base = TRY(entry.read<uint32_t>(8));
        append(out.io_apics, io, out.dropped);
        break;
    }
    case interrupt_source_override: {
        uint16_t flags = TRY(entry.read<uint16_t>(8));
        InterruptOverride override_entry;
        override_entry.bus = TRY(entry.read<uint8_t>(2));
        override_entry.source = TRY(entry.read<uint8_t>(3));
        override_entry.gsi = TRY(entry.read<uint32_t>(4));
        override_entry.polarity = polarity_of(flags);
        override_entry.trigger = trigger_of(flags);
        append(out.overrides, override_entry, out.dropped);
        break;
    }
    case local_apic_nmi: {
        uint8_t uid = TRY(entry.read<uint8_t>(2));
        uint32_t processor = uid == 0xff ? LocalNmi::all_processors : uid;
        append(out.local_nmis,
               local_nmi(processor, TRY(entry.read<uint8_t>(5)), TRY(entry.read<uint16_t>(3))), out.dropped);
        break;
    }
    case local_x2apic_nmi:
        append(out.local_nmis,
               local_nmi(TRY(entry.read<uint32_t>(4)), TRY(entry.read<uint8_t>(8)),
                         TRY(entry.read<uint16_t>(2))),
               out.dropped);
        break;
    case local_apic_address_override:
        out.local_apic_address = TRY(entry.read<uint64_t>(4));
        out.local_apic_address_overridden = true;
        break;
    default:
        break;
    }
    return {};
}

} // namespace

ktl::ErrorOr<void> parse_madt(const Table& table, Madt& out) {
    ktl::ByteReader bytes = table.bytes;
    if (bytes.size() < madt_fixed_size || table.signature() != "APIC")
        return ktl::Errno::InvalidArgument;
    // Field by field: assigning Madt{} would put another 4 KiB temporary on a kernel stack.
    out.local_apic_address_overridden = false;
    out.processors.clear();
    out.io_apics.clear();
    out.overrides.clear();
    out.local_nmis.clear();
    out.dropped = 0;
    out.short_entries = 0;
    out.malformed = false;
    out.local_apic_address = TRY(bytes.read<uint32_t>(36));
    out.pc_at_compatible = TRY(bytes.read<uint32_t>(40)) & 1;

    // Each step advances by at least 2 bytes, so the walk ends after at most length / 2 entries.
    size_t offset = madt_fixed_size;
    while (offset < bytes.size()) {
        if (!bytes.contains(offset, 2)) {
            out.malformed = true;
            break;
        }
        uint8_t type = TRY(bytes.read<uint8_t>(offset));
        uint8_t length = TRY(bytes.read<uint8_t>(offset + 1));
        if (length < 2 || !bytes.contains(offset, length)) {
            out.malformed = true;
            break;
        }
        if (length < minimum_length(type)) {
            ++out.short_entries;
        } else {
            // The last type 5 entry wins; firmware is meant to give at most one.
            TRY(parse_entry(TRY(bytes.slice(offset, length)), out));
        }
        offset += length;
    }
    return {};
}

} // namespace acpi
