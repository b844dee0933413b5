// MCFG layout: header (36), 8 reserved bytes, then 16-byte entries: base u64 @0, segment u16 @8,
// start bus u8 @10, end bus u8 @11, 4 reserved bytes.
#include "acpi/mcfg.h"

namespace acpi {

namespace {

constexpr uint64_t ecam_alignment = uint64_t(1) << 20;

bool overlaps(const Mcfg& mcfg, const EcamRegion& region) {
    for (const EcamRegion& kept : mcfg.regions)
        if (kept.segment == region.segment && region.start_bus <= kept.end_bus &&
            kept.start_bus <= region.end_bus)
            return true;
    return false;
}

bool sane(const EcamRegion& region) {
    if (region.end_bus < region.start_bus || region.base == 0 || region.base % ecam_alignment != 0)
        return false;
    // The window runs to base + (end_bus + 1) MiB; that must not wrap.
    uint64_t last_byte_offset = ((uint64_t(region.end_bus) + 1) << 20) - 1;
    return region.base <= ~uint64_t(0) - last_byte_offset;
}

} // namespace

const EcamRegion* Mcfg::find(uint16_t segment, uint8_t bus) const {
    for (const EcamRegion& region : regions)
        if (region.contains(segment, bus))
            return &region;
    return nullptr;
}

const EcamRegion* Mcfg::first_of_segment(uint16_t segment) const {
    const EcamRegion* first = nullptr;
    for (const EcamRegion& region : regions)
        if (region.segment == segment && (!first || region.start_bus < first->start_bus))
            first = &region;
    return first;
}

ktl::ErrorOr<void> parse_mcfg(const Table& table, Mcfg& out) {
    out = Mcfg{};
    ktl::ByteReader bytes = table.bytes;
    if (bytes.size() < Mcfg::header_size || table.signature() != "MCFG")
        return ktl::Errno::InvalidArgument;
    size_t entries = (bytes.size() - Mcfg::header_size) / Mcfg::entry_size;
    out.trailing_bytes = (bytes.size() - Mcfg::header_size) % Mcfg::entry_size != 0;
    for (size_t i = 0; i < entries; ++i) {
        size_t at = Mcfg::header_size + i * Mcfg::entry_size;
        EcamRegion region;
        region.base = TRY(bytes.read<uint64_t>(at));
        region.segment = TRY(bytes.read<uint16_t>(at + 8));
        region.start_bus = TRY(bytes.read<uint8_t>(at + 10));
        region.end_bus = TRY(bytes.read<uint8_t>(at + 11));
        if (!sane(region) || overlaps(out, region))
            ++out.rejected;
        else if (out.regions.size() == Mcfg::max_regions)
            ++out.dropped;
        else
            (void)out.regions.try_append(region); // room checked above
    }
    return {};
}

} // namespace acpi
