// ACPI system description tables, found from the RSDP's RSDT/XSDT address and validated as hostile
// input: every address is mapped through PhysicalMemory with its length checked, every header is
// checked (length, checksum) before a parser sees it, and every list is bounded.
//
// Documented choices:
//  * The XSDT is used when the RSDP revision is >= 2 and its address is non-zero; if it is unusable
//    (unreachable, bad signature, length or checksum) the RSDT is tried, with XsdtUnusable.
//  * A root table with a bad checksum is rejected (its entry list is what everything hangs on); a
//    listed table with a bad checksum is kept but hidden from find() unless asked for.
//  * At most max_tables tables are kept; entries that are null, unreachable, shorter than a header,
//    longer than max_table_length, listed twice, or overlapping the root or another kept table are
//    dropped with a warning. The list is flat, so a table listing itself cannot cause a loop.
//  * The DSDT is not listed in the root table; it is added from the FADT (X_DSDT preferred).
//  * Tables are not copied: a Table's bytes point into the PhysicalMemory view.
#pragma once

#include "acpi/physical_memory.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/fixed_vector.h"
#include "ktl/format.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace acpi {

inline constexpr size_t table_header_size = 36;

// The common header of every description table, decoded.
struct TableHeader {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;

    ktl::StringView signature_view() const { return {signature, 4}; }
};

// One table as found in memory: `bytes` covers exactly header.length bytes.
struct Table {
    uint64_t address = 0;
    ktl::ByteReader bytes;
    bool checksum_ok = false;

    TableHeader header() const;
    ktl::StringView signature() const;
};

// Generic Address Structure (12 bytes): where a register lives.
enum class AddressSpace : uint8_t { SystemMemory = 0, SystemIo = 1, PciConfiguration = 2 };
struct GenericAddress {
    uint8_t address_space = 0; // an AddressSpace value, or something else firmware made up
    uint8_t bit_width = 0;
    uint8_t bit_offset = 0;
    uint8_t access_size = 0;
    uint64_t address = 0;
};
inline constexpr size_t generic_address_size = 12;
// Decodes the structure at `offset` of `bytes`; InvalidArgument when it does not fit.
ktl::ErrorOr<GenericAddress> read_generic_address(ktl::ByteReader bytes, size_t offset);

// 8-bit sum of all bytes, zero for a correct table.
uint8_t checksum(ktl::ByteReader bytes);

enum class WarningKind : uint8_t {
    XsdtUnusable,      // revision >= 2 with an XSDT address, but the XSDT failed validation (RSDT used)
    RootTrailingBytes, // root length minus header is not a multiple of the entry size (ignored)
    TooManyTables,     // more entries than max_tables (the rest dropped)
    NullEntry,         // a root entry of 0 (dropped)
    Unreachable,       // outside PhysicalMemory, or reaching 2^64 or beyond (dropped)
    TooShort,          // header length < 36 (dropped)
    TooLong,           // header length > max_table_length (dropped)
    Duplicate,         // the same address listed again (dropped)
    Overlap,           // the bytes overlap the root or an earlier table (dropped)
    BadChecksum,       // kept, but find() skips it by default
    DsdtInvalid,       // the FADT's DSDT address does not lead to a valid "DSDT" table (dropped)
};

struct Warning {
    WarningKind kind;
    uint64_t address; // of the table concerned
};

// One human phrase per warning kind.
const char* describe(WarningKind kind);

class AcpiTables {
public:
    static constexpr size_t max_tables = 256;
    static constexpr size_t max_warnings = 32;
    // Real DSDTs are well under 1 MiB; the cap bounds checksum work on a lying length field.
    static constexpr uint32_t max_table_length = 16 * 1024 * 1024;

    enum class Checksum : uint8_t { MustMatch, Ignore };

    // Resets *this and fills it from the root table. Errors (then no tables, only warnings): NoEntry
    // when no usable root address is given, else the root's validation error (BadAddress when it is
    // unreachable, InvalidArgument for signature/length/checksum). A member rather than a factory
    // because the object is ~8 KiB and belongs in static storage, not copied through a kernel stack.
    ktl::ErrorOr<void> discover(const PhysicalMemory& memory, uint64_t rsdt_address, uint64_t xsdt_address,
                                uint8_t rsdp_revision);

    // The index-th table (in root order) with this 4-character signature; NoEntry if none.
    ktl::ErrorOr<Table> find(ktl::StringView signature, size_t index = 0,
                             Checksum policy = Checksum::MustMatch) const;

    const Table& root() const { return m_root; }
    bool uses_xsdt() const { return m_uses_xsdt; }
    size_t table_count() const { return m_tables.size(); }
    const Table& table(size_t index) const { return m_tables[index]; }

    const ktl::FixedVector<Warning, max_warnings>& warnings() const { return m_warnings; }
    size_t dropped_warnings() const { return m_dropped_warnings; }
    bool has_warning(WarningKind kind) const;

    // The root and one line per table (signature, address, length, revision, OEM ids), then the
    // warnings; for the boot log. Lines end in '\n'.
    void write_summary(ktl::FormatSink& sink) const;

private:
    void warn(WarningKind kind, uint64_t address);
    void collect_entries(const PhysicalMemory& memory, size_t entry_size);
    void add_dsdt(const PhysicalMemory& memory);
    // Validates and appends one table; false (with a warning) when it was dropped.
    bool add_table(const PhysicalMemory& memory, uint64_t address);
    bool overlaps_kept(uint64_t address, uint64_t length) const;

    Table m_root;
    bool m_uses_xsdt = false;
    ktl::FixedVector<Table, max_tables> m_tables;
    ktl::FixedVector<Warning, max_warnings> m_warnings;
    size_t m_dropped_warnings = 0;
};

} // namespace acpi
