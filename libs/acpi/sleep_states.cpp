// Finding Name(_Sx_, Package(){...}) in AML; opcodes and encodings per ACPI 6.x §20.2.
#include "acpi/sleep_states.h"

namespace acpi {

namespace {

constexpr uint8_t name_op = 0x08, package_op = 0x12;
constexpr uint8_t zero_op = 0x00, one_op = 0x01, ones_op = 0xff;
constexpr uint8_t byte_prefix = 0x0a, word_prefix = 0x0b, dword_prefix = 0x0c, qword_prefix = 0x0e;
constexpr uint8_t root_char = '\\', parent_prefix_char = '^';
constexpr uint8_t max_sleep_type = 7;

// PkgLength (§20.2.4): the lead byte's bits 7-6 count the bytes that follow; with none, bits 5-0
// are the length, else bits 3-0 are its low nibble and each following byte adds 8 bits. The length
// counts itself. Returns the offset just past the encoding and the end of the package.
struct PackageBounds {
    size_t contents;
    size_t end;
};
ktl::ErrorOr<PackageBounds> read_package_length(ktl::ByteReader aml, size_t offset) {
    uint8_t lead = TRY(aml.read<uint8_t>(offset));
    size_t following = lead >> 6;
    size_t length = following == 0 ? (lead & 0x3f) : (lead & 0x0f);
    for (size_t i = 0; i < following; ++i)
        length |= static_cast<size_t>(TRY(aml.read<uint8_t>(offset + 1 + i))) << (4 + 8 * i);
    // Bits 5-4 of a multi-byte lead must be zero.
    if (following != 0 && (lead & 0x30) != 0)
        return ktl::Errno::InvalidArgument;
    size_t encoding = 1 + following;
    if (length < encoding || !aml.contains(offset, length))
        return ktl::Errno::InvalidArgument;
    return PackageBounds{offset + encoding, offset + length};
}

// One ComputationalData integer at `offset`, not past `end`; advances offset.
ktl::ErrorOr<uint64_t> read_integer(ktl::ByteReader aml, size_t& offset, size_t end) {
    if (offset >= end)
        return ktl::Errno::InvalidArgument;
    uint8_t op = TRY(aml.read<uint8_t>(offset));
    size_t width = 0;
    switch (op) {
    case zero_op:
        ++offset;
        return 0;
    case one_op:
        ++offset;
        return 1;
    case ones_op:
        ++offset;
        return ~uint64_t(0);
    case byte_prefix:
        width = 1;
        break;
    case word_prefix:
        width = 2;
        break;
    case dword_prefix:
        width = 4;
        break;
    case qword_prefix:
        width = 8;
        break;
    default:
        return ktl::Errno::InvalidArgument; // a string, buffer, nested package or name: not a sleep type
    }
    if (end - offset - 1 < width)
        return ktl::Errno::InvalidArgument;
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i)
        value |= static_cast<uint64_t>(TRY(aml.read<uint8_t>(offset + 1 + i))) << (8 * i);
    offset += 1 + width;
    return value;
}

// The package at `offset` (a PackageOp expected) as a sleep type.
ktl::ErrorOr<SleepType> decode_sleep_package(ktl::ByteReader aml, size_t offset) {
    if (TRY(aml.read<uint8_t>(offset)) != package_op)
        return ktl::Errno::InvalidArgument;
    PackageBounds bounds = TRY(read_package_length(aml, offset + 1));
    size_t cursor = bounds.contents;
    if (cursor >= bounds.end)
        return ktl::Errno::InvalidArgument;
    uint8_t element_count = TRY(aml.read<uint8_t>(cursor++));
    if (element_count == 0)
        return ktl::Errno::InvalidArgument;
    uint64_t first = TRY(read_integer(aml, cursor, bounds.end));
    if (element_count == 1) {
        if (first > 0xffff || (first & 0xff) > max_sleep_type || (first >> 8) > max_sleep_type)
            return ktl::Errno::InvalidArgument;
        return SleepType{static_cast<uint8_t>(first & 0xff), static_cast<uint8_t>(first >> 8)};
    }
    uint64_t second = TRY(read_integer(aml, cursor, bounds.end));
    if (first > max_sleep_type || second > max_sleep_type)
        return ktl::Errno::InvalidArgument;
    return SleepType{static_cast<uint8_t>(first), static_cast<uint8_t>(second)};
}

} // namespace

ktl::ErrorOr<SleepType> find_sleep_type_in_aml(ktl::ByteReader aml, unsigned state) {
    if (state > 5)
        return ktl::Errno::InvalidArgument;
    const uint8_t name[4] = {'_', 'S', static_cast<uint8_t>('0' + state), '_'};
    for (size_t at = 1; aml.contains(at, sizeof name); ++at) {
        const uint8_t* bytes = aml.data() + at;
        if (bytes[0] != name[0] || bytes[1] != name[1] || bytes[2] != name[2] || bytes[3] != name[3])
            continue;
        // Back over the name's prefixes to the NameOp.
        size_t op = at - 1;
        if (aml.data()[op] == root_char) {
            if (op == 0)
                continue;
            --op;
        } else {
            while (op > 0 && aml.data()[op] == parent_prefix_char)
                --op;
        }
        if (aml.data()[op] != name_op)
            continue;
        auto decoded = decode_sleep_package(aml, at + sizeof name);
        if (!decoded.is_error())
            return decoded;
    }
    return ktl::Errno::NoEntry;
}

ktl::ErrorOr<SleepType> find_sleep_type(const Table& table, unsigned state) {
    if (state > 5)
        return ktl::Errno::InvalidArgument;
    if (table.bytes.size() < table_header_size)
        return ktl::Errno::InvalidArgument;
    return find_sleep_type_in_aml(
        TRY(table.bytes.slice(table_header_size, table.bytes.size() - table_header_size)), state);
}

} // namespace acpi
