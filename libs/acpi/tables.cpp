// Discovery and validation of the ACPI table list (ACPI 6.x §5.2.5-5.2.8: RSDT, XSDT, table header).
#include "acpi/tables.h"
#include "acpi/fadt.h"
#include "ktl/assert.h"

namespace acpi {

namespace {

constexpr uint64_t u64_max = ~0ull;
// Bounds the work on a root table whose entries are all rejected.
constexpr size_t max_root_entries = 4 * AcpiTables::max_tables;

bool signature_is(ktl::ByteReader bytes, ktl::StringView signature) {
    if (signature.length() != 4 || bytes.size() < 4)
        return false;
    for (size_t i = 0; i < 4; ++i)
        if (bytes.data()[i] != static_cast<uint8_t>(signature[i]))
            return false;
    return true;
}

// Maps the header, then the whole table. On failure says why in `problem`.
bool load_table(const PhysicalMemory& memory, uint64_t address, Table& out, WarningKind& problem) {
    problem = WarningKind::Unreachable;
    if (address > u64_max - table_header_size)
        return false;
    auto header = memory.map(address, table_header_size);
    if (header.is_error())
        return false;
    uint32_t length = MUST(header.value().read<uint32_t>(4));
    if (length < table_header_size) {
        problem = WarningKind::TooShort;
        return false;
    }
    if (length > AcpiTables::max_table_length) {
        problem = WarningKind::TooLong;
        return false;
    }
    if (length > u64_max - address)
        return false;
    auto bytes = memory.map(address, length);
    if (bytes.is_error() || bytes.value().size() != length)
        return false;
    out.address = address;
    out.bytes = bytes.value();
    out.checksum_ok = checksum(out.bytes) == 0;
    return true;
}

void write_printable(ktl::FormatSink& sink, const char* characters, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        char character = characters[i];
        sink.write_char(character >= 0x20 && character < 0x7f ? character : '?');
    }
}

void write_table_line(ktl::FormatSink& sink, const char* prefix, const Table& table) {
    TableHeader header = table.header();
    ktl::format_to(sink, "ACPI: {}", prefix);
    write_printable(sink, header.signature, sizeof header.signature);
    ktl::format_to(sink, " at {:#x}, {} bytes, revision {}, OEM \"", table.address, header.length,
                   header.revision);
    write_printable(sink, header.oem_id, sizeof header.oem_id);
    sink.write("\" \"");
    write_printable(sink, header.oem_table_id, sizeof header.oem_table_id);
    sink.write(table.checksum_ok ? "\"\n" : "\" (bad checksum)\n");
}

} // namespace

TableHeader Table::header() const {
    TableHeader header{};
    // A Table always holds at least a whole header, so these reads cannot fail.
    for (size_t i = 0; i < 4; ++i)
        header.signature[i] = static_cast<char>(MUST(bytes.read<uint8_t>(i)));
    header.length = MUST(bytes.read<uint32_t>(4));
    header.revision = MUST(bytes.read<uint8_t>(8));
    header.checksum = MUST(bytes.read<uint8_t>(9));
    for (size_t i = 0; i < 6; ++i)
        header.oem_id[i] = static_cast<char>(MUST(bytes.read<uint8_t>(10 + i)));
    for (size_t i = 0; i < 8; ++i)
        header.oem_table_id[i] = static_cast<char>(MUST(bytes.read<uint8_t>(16 + i)));
    header.oem_revision = MUST(bytes.read<uint32_t>(24));
    header.creator_id = MUST(bytes.read<uint32_t>(28));
    header.creator_revision = MUST(bytes.read<uint32_t>(32));
    return header;
}

ktl::StringView Table::signature() const {
    KTL_ASSERT(bytes.size() >= table_header_size);
    return {reinterpret_cast<const char*>(bytes.data()), 4};
}

ktl::ErrorOr<GenericAddress> read_generic_address(ktl::ByteReader bytes, size_t offset) {
    ktl::ByteReader field = TRY(bytes.slice(offset, generic_address_size));
    GenericAddress address;
    address.address_space = TRY(field.read<uint8_t>(0));
    address.bit_width = TRY(field.read<uint8_t>(1));
    address.bit_offset = TRY(field.read<uint8_t>(2));
    address.access_size = TRY(field.read<uint8_t>(3));
    address.address = TRY(field.read<uint64_t>(4));
    return address;
}

uint8_t checksum(ktl::ByteReader bytes) {
    uint8_t sum = 0;
    for (size_t i = 0; i < bytes.size(); ++i)
        sum = static_cast<uint8_t>(sum + bytes.data()[i]);
    return sum;
}

const char* describe(WarningKind kind) {
    switch (kind) {
    case WarningKind::XsdtUnusable:
        return "XSDT unusable, using the RSDT";
    case WarningKind::RootTrailingBytes:
        return "root table length is not a whole number of entries";
    case WarningKind::TooManyTables:
        return "too many tables, the rest ignored";
    case WarningKind::NullEntry:
        return "null table address ignored";
    case WarningKind::Unreachable:
        return "table outside physical memory ignored";
    case WarningKind::TooShort:
        return "table shorter than its header ignored";
    case WarningKind::TooLong:
        return "table longer than 16 MiB ignored";
    case WarningKind::Duplicate:
        return "table listed twice ignored";
    case WarningKind::Overlap:
        return "table overlapping another ignored";
    case WarningKind::BadChecksum:
        return "table checksum does not match";
    case WarningKind::DsdtInvalid:
        return "FADT's DSDT address does not lead to a valid DSDT";
    }
    return "unknown warning";
}

ktl::ErrorOr<void> AcpiTables::discover(const PhysicalMemory& memory, uint64_t rsdt_address,
                                        uint64_t xsdt_address, uint8_t rsdp_revision) {
    m_root = Table{};
    m_uses_xsdt = false;
    m_tables.clear();
    m_warnings.clear();
    m_dropped_warnings = 0;

    // Root validation: the signature, a sane length and a matching checksum are all required.
    auto load_root = [&](uint64_t address, ktl::StringView signature) -> ktl::ErrorOr<Table> {
        Table table;
        WarningKind problem;
        if (!load_table(memory, address, table, problem))
            return problem == WarningKind::Unreachable ? ktl::Errno::BadAddress : ktl::Errno::InvalidArgument;
        if (!signature_is(table.bytes, signature) || !table.checksum_ok)
            return ktl::Errno::InvalidArgument;
        return table;
    };

    ktl::ErrorOr<Table> root = ktl::Errno::NoEntry;
    if (rsdp_revision >= 2 && xsdt_address != 0) {
        root = load_root(xsdt_address, "XSDT");
        if (root.is_error())
            warn(WarningKind::XsdtUnusable, xsdt_address);
        else
            m_uses_xsdt = true;
    }
    if (!m_uses_xsdt && rsdt_address != 0)
        root = load_root(rsdt_address, "RSDT");
    if (root.is_error())
        return root.release_error();
    m_root = root.release_value();

    collect_entries(memory, m_uses_xsdt ? 8 : 4);
    add_dsdt(memory);
    return {};
}

void AcpiTables::collect_entries(const PhysicalMemory& memory, size_t entry_size) {
    size_t payload = m_root.bytes.size() - table_header_size;
    if (payload % entry_size != 0)
        warn(WarningKind::RootTrailingBytes, m_root.address);
    size_t count = payload / entry_size;
    for (size_t index = 0; index < count; ++index) {
        if (m_tables.is_full() || index == max_root_entries) {
            warn(WarningKind::TooManyTables, m_root.address);
            return;
        }
        // Entries are packed after the 36-byte header, so XSDT entries are only 4-byte aligned;
        // ByteReader reads byte by byte and does not care.
        size_t offset = table_header_size + index * entry_size;
        uint64_t address = entry_size == 8 ? MUST(m_root.bytes.read<uint64_t>(offset))
                                           : MUST(m_root.bytes.read<uint32_t>(offset));
        if (address == 0) {
            warn(WarningKind::NullEntry, 0);
            continue;
        }
        (void)add_table(memory, address);
    }
}

void AcpiTables::add_dsdt(const PhysicalMemory& memory) {
    auto fadt_table = find("FACP");
    if (fadt_table.is_error() || !find("DSDT").is_error())
        return;
    auto fadt = parse_fadt(fadt_table.value());
    if (fadt.is_error() || fadt.value().dsdt_address == 0)
        return;
    uint64_t address = fadt.value().dsdt_address;
    if (m_tables.is_full()) {
        warn(WarningKind::TooManyTables, address);
        return;
    }
    Table table;
    WarningKind problem;
    if (!load_table(memory, address, table, problem) || !signature_is(table.bytes, "DSDT")) {
        warn(WarningKind::DsdtInvalid, address);
        return;
    }
    (void)add_table(memory, address);
}

bool AcpiTables::add_table(const PhysicalMemory& memory, uint64_t address) {
    if (address == m_root.address) {
        warn(WarningKind::Duplicate, address);
        return false;
    }
    for (const Table& kept : m_tables) {
        if (kept.address == address) {
            warn(WarningKind::Duplicate, address);
            return false;
        }
    }
    // A start inside a kept table would read its bytes as a header; say so before trying.
    if (overlaps_kept(address, 1)) {
        warn(WarningKind::Overlap, address);
        return false;
    }
    Table table;
    WarningKind problem;
    if (!load_table(memory, address, table, problem)) {
        warn(problem, address);
        return false;
    }
    if (overlaps_kept(address, table.bytes.size())) {
        warn(WarningKind::Overlap, address);
        return false;
    }
    if (!table.checksum_ok)
        warn(WarningKind::BadChecksum, address);
    MUST(m_tables.try_append(table));
    return true;
}

bool AcpiTables::overlaps_kept(uint64_t address, uint64_t length) const {
    // Ranges never wrap: load_table rejected address + length > 2^64.
    auto overlaps = [&](const Table& other) {
        return address < other.address + other.bytes.size() && other.address < address + length;
    };
    if (overlaps(m_root))
        return true;
    for (const Table& kept : m_tables)
        if (overlaps(kept))
            return true;
    return false;
}

ktl::ErrorOr<Table> AcpiTables::find(ktl::StringView signature, size_t index, Checksum policy) const {
    if (signature.length() != 4)
        return ktl::Errno::InvalidArgument;
    for (const Table& table : m_tables) {
        if (!signature_is(table.bytes, signature))
            continue;
        if (!table.checksum_ok && policy == Checksum::MustMatch)
            continue;
        if (index == 0)
            return table;
        --index;
    }
    return ktl::Errno::NoEntry;
}

bool AcpiTables::has_warning(WarningKind kind) const {
    for (const Warning& warning : m_warnings)
        if (warning.kind == kind)
            return true;
    return false;
}

void AcpiTables::warn(WarningKind kind, uint64_t address) {
    if (m_warnings.try_append(Warning{kind, address}).is_error())
        ++m_dropped_warnings;
}

void AcpiTables::write_summary(ktl::FormatSink& sink) const {
    if (m_root.bytes.size() == 0) {
        sink.write("ACPI: no root table\n");
    } else {
        write_table_line(sink, "", m_root);
        for (const Table& table : m_tables)
            write_table_line(sink, "  ", table);
    }
    for (const Warning& warning : m_warnings)
        ktl::format_to(sink, "ACPI: warning: {} ({:#x})\n", describe(warning.kind), warning.address);
    if (m_dropped_warnings > 0)
        ktl::format_to(sink, "ACPI: warning: {} more warnings not recorded\n", m_dropped_warnings);
}

} // namespace acpi
