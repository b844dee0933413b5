// Partition tables as hostile input: the MBR (four primary entries, extended partitions and the chain
// of logical ones behind them) and GPT (the header and entry array checked by their CRC-32s, the
// backup header at the disk's end used when the primary is damaged). Every field is checked against
// the disk's size before it is used; a table that fails the checks is reported, never trusted.
//
// Partitions are numbered as Linux numbers them: MBR primaries 1-4 by slot, logical partitions from
// 5 in chain order; GPT entries by their index in the array plus one.
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"

#include <cstddef>
#include <cstdint>

namespace block {

enum class TableKind : uint8_t { None, Mbr, Gpt };

struct PartitionEntry {
    uint32_t number = 0;
    uint64_t start = 0;   // in the disk's logical sectors
    uint64_t count = 0;   // likewise; never 0, never past the disk's end
    uint8_t mbr_type = 0; // the MBR's type byte (0xee for GPT entries' protective type is not kept)
    bool bootable = false;
    bool extended = false; // an MBR extended partition (Linux shows it as 1 KiB)
};

// What was found, and what was wrong with it (a damaged primary GPT, a cut chain), for the log.
struct PartitionTable {
    static constexpr size_t max_entries = 64;
    TableKind kind = TableKind::None;
    PartitionEntry entries[max_entries];
    size_t count = 0;
    bool used_backup_gpt = false;
    const char* problem = nullptr; // a static description of the first thing refused, or null
};

// Reads logical sector `lba` (sector_size bytes) into `out`.
using SectorReader = ktl::FunctionRef<ktl::ErrorOr<void>(uint64_t lba, uint8_t* out)>;

// Parses the table of a disk of `sectors` logical sectors of `sector_size` bytes (512..4096, a power
// of two). A disk without a table (no 0x55aa signature, an MBR that is not one) gives kind None and no
// error; read errors are returned. `scratch` is at least 2 * sector_size bytes; GPT entries are read
// a sector at a time.
ktl::ErrorOr<void> read_partition_table(SectorReader read, uint64_t sectors, uint32_t sector_size,
                                        uint8_t* scratch, PartitionTable& table);

} // namespace block
