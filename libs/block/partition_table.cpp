#include "block/partition_table.h"

#include "block/crc32.h"

namespace block {

namespace {

constexpr size_t mbr_entries_offset = 446;
constexpr size_t mbr_entry_size = 16;
constexpr uint8_t type_protective_gpt = 0xee;
constexpr size_t max_logical_partitions = 59; // numbers 5..63; also bounds a looping chain
constexpr uint32_t gpt_min_header_size = 92;
constexpr uint32_t gpt_max_entries_bytes = 1u << 20;

uint32_t le32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t le64(const uint8_t* p) {
    return le32(p) | (static_cast<uint64_t>(le32(p + 4)) << 32);
}

struct MbrEntry {
    uint8_t status;
    uint8_t type;
    uint32_t start;
    uint32_t count;
};

MbrEntry mbr_entry(const uint8_t* sector, int slot) {
    const uint8_t* p = sector + mbr_entries_offset + slot * mbr_entry_size;
    return {p[0], p[4], le32(p + 8), le32(p + 12)};
}

bool is_extended(uint8_t type) {
    return type == 0x05 || type == 0x0f || type == 0x85;
}

bool has_signature(const uint8_t* sector) {
    return sector[510] == 0x55 && sector[511] == 0xaa;
}

// Adds an entry clipped to the disk; one that starts past the end, or is empty, is left out.
void add(PartitionTable& table, uint32_t number, uint64_t start, uint64_t count, uint64_t sectors,
         uint8_t type, bool bootable, bool extended) {
    if (count == 0 || start == 0 || start >= sectors || table.count == PartitionTable::max_entries) {
        if (!table.problem && count != 0)
            table.problem =
                start >= sectors ? "a partition starts past the end of the disk" : "too many partitions";
        return;
    }
    if (count > sectors - start) {
        count = sectors - start;
        if (!table.problem)
            table.problem = "a partition runs past the end of the disk (cut)";
    }
    table.entries[table.count++] = {number, start, count, type, bootable, extended};
}

// The chain of extended boot records behind the extended partition at `base`: each holds one
// logical partition (relative to itself) and a link to the next (relative to `base`).
ktl::ErrorOr<void> read_logical(SectorReader read, uint64_t sectors, uint32_t sector_size, uint8_t* sector,
                                uint64_t base, uint64_t extended_count, PartitionTable& table) {
    uint64_t record = base;
    for (size_t logical = 0; logical < max_logical_partitions; ++logical) {
        if (record >= sectors || record < base || record - base >= extended_count) {
            table.problem = "an extended boot record lies outside its extended partition";
            return {};
        }
        TRY(read(record, sector));
        if (!has_signature(sector)) {
            table.problem = "an extended boot record without its signature";
            return {};
        }
        MbrEntry data = mbr_entry(sector, 0);
        MbrEntry next = mbr_entry(sector, 1);
        if (data.type != 0 && data.count != 0 && !is_extended(data.type))
            add(table, static_cast<uint32_t>(5 + logical), record + data.start, data.count, sectors,
                data.type, data.status == 0x80, false);
        if (next.count == 0 || !is_extended(next.type))
            return {};
        uint64_t following = base + next.start;
        if (following <= record) {
            table.problem = "the extended boot records loop";
            return {};
        }
        record = following;
    }
    table.problem = "too many logical partitions";
    return {};
}

struct GptHeader {
    uint64_t my_lba;
    uint64_t alternate_lba;
    uint64_t first_usable;
    uint64_t last_usable;
    uint64_t entries_lba;
    uint32_t entry_count;
    uint32_t entry_size;
    uint32_t entries_crc;
};

// Checks the header at `lba` (read into `sector`): signature, size, CRC, its own position, usable
// range and entry array within the disk. Null when it is good, else why not.
const char* check_gpt_header(const uint8_t* sector, uint64_t lba, uint64_t sectors, uint32_t sector_size,
                             GptHeader& header) {
    static const uint8_t signature[8] = {'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T'};
    for (int i = 0; i < 8; ++i)
        if (sector[i] != signature[i])
            return "no GPT signature";
    uint32_t header_size = le32(sector + 12);
    if (header_size < gpt_min_header_size || header_size > sector_size)
        return "a GPT header size out of range";
    uint32_t stored_crc = le32(sector + 16);
    // The CRC is computed with its own field as zeros.
    static const uint8_t zeros[4] = {};
    uint32_t crc =
        crc32_update(crc32_update(crc32_update(0, sector, 16), zeros, 4), sector + 20, header_size - 20);
    if (crc != stored_crc)
        return "a GPT header CRC mismatch";
    header.my_lba = le64(sector + 24);
    header.alternate_lba = le64(sector + 32);
    header.first_usable = le64(sector + 40);
    header.last_usable = le64(sector + 48);
    header.entries_lba = le64(sector + 72);
    header.entry_count = le32(sector + 80);
    header.entry_size = le32(sector + 84);
    header.entries_crc = le32(sector + 88);
    if (header.my_lba != lba)
        return "a GPT header that is not where it says";
    if (header.first_usable > header.last_usable || header.last_usable >= sectors)
        return "a GPT usable range outside the disk";
    if (header.entry_size < 128 || header.entry_size > sector_size ||
        (header.entry_size & (header.entry_size - 1)))
        return "a GPT entry size out of range";
    if (header.entry_count == 0 ||
        static_cast<uint64_t>(header.entry_count) * header.entry_size > gpt_max_entries_bytes)
        return "a GPT entry count out of range";
    uint64_t array_sectors =
        (static_cast<uint64_t>(header.entry_count) * header.entry_size + sector_size - 1) / sector_size;
    if (header.entries_lba < 2 || header.entries_lba >= sectors ||
        array_sectors > sectors - header.entries_lba)
        return "a GPT entry array outside the disk";
    // The array must not overlap the usable area (where partitions' data lives) or the header.
    uint64_t array_end = header.entries_lba + array_sectors; // exclusive
    if (!(array_end <= header.first_usable || header.entries_lba > header.last_usable))
        return "a GPT entry array overlapping the usable area";
    if (header.entries_lba <= lba && lba < array_end)
        return "a GPT entry array overlapping its header";
    return nullptr;
}

// Reads the entry array once to check its CRC, then again to take the partitions (a sector at a time,
// so any size of array fits in `sector`).
ktl::ErrorOr<const char*> read_gpt_entries(SectorReader read, uint64_t sectors, uint32_t sector_size,
                                           uint8_t* sector, const GptHeader& header, PartitionTable& table) {
    uint64_t total = static_cast<uint64_t>(header.entry_count) * header.entry_size;
    uint32_t crc = 0;
    for (uint64_t done = 0; done < total; done += sector_size) {
        TRY(read(header.entries_lba + done / sector_size, sector));
        uint64_t part = total - done < sector_size ? total - done : sector_size;
        crc = crc32_update(crc, sector, part);
    }
    if (crc != header.entries_crc)
        return "a GPT entry array CRC mismatch";
    table.count = 0;
    uint32_t per_sector = sector_size / header.entry_size;
    for (uint32_t index = 0; index < header.entry_count; ++index) {
        if (index % per_sector == 0)
            TRY(read(header.entries_lba + index / per_sector, sector));
        const uint8_t* entry = sector + (index % per_sector) * header.entry_size;
        bool used = false;
        for (int i = 0; i < 16; ++i)
            used |= entry[i] != 0;
        if (!used)
            continue;
        uint64_t first = le64(entry + 32);
        uint64_t last = le64(entry + 40); // inclusive
        if (first < header.first_usable || last > header.last_usable || last < first) {
            if (!table.problem)
                table.problem = "a GPT partition outside the usable range";
            continue;
        }
        add(table, index + 1, first, last - first + 1, sectors, 0, false, false);
    }
    return nullptr;
}

ktl::ErrorOr<bool> try_gpt_at(SectorReader read, uint64_t lba, uint64_t sectors, uint32_t sector_size,
                              uint8_t* sector, PartitionTable& table, const char*& problem,
                              GptHeader& header) {
    TRY(read(lba, sector));
    problem = check_gpt_header(sector, lba, sectors, sector_size, header);
    if (problem)
        return false;
    problem = TRY(read_gpt_entries(read, sectors, sector_size, sector, header, table));
    return problem == nullptr;
}

} // namespace

ktl::ErrorOr<void> read_partition_table(SectorReader read, uint64_t sectors, uint32_t sector_size,
                                        uint8_t* scratch, PartitionTable& table) {
    table = PartitionTable();
    if (sector_size < 512 || sector_size > 4096 || (sector_size & (sector_size - 1)) || sectors < 2)
        return ktl::Errno::InvalidArgument;
    uint8_t* sector = scratch;
    TRY(read(0, sector));
    if (!has_signature(sector))
        return {};
    MbrEntry entries[4];
    bool protective = false;
    for (int slot = 0; slot < 4; ++slot) {
        entries[slot] = mbr_entry(sector, slot);
        // Anything but 0x00 and 0x80 is not a partition table (a FAT boot sector also ends in 0x55aa).
        if (entries[slot].status != 0 && entries[slot].status != 0x80)
            return {};
        protective |= entries[slot].type == type_protective_gpt;
    }
    if (protective) {
        GptHeader header{};
        const char* primary_problem = nullptr;
        if (TRY(try_gpt_at(read, 1, sectors, sector_size, sector, table, primary_problem, header))) {
            table.kind = TableKind::Gpt;
            return {};
        }
        // The backup: where a sane primary says, else the disk's last sector.
        uint64_t backup = sectors - 1;
        const char* backup_problem = nullptr;
        GptHeader backup_header{};
        table.count = 0;
        if (TRY(try_gpt_at(read, backup, sectors, sector_size, sector, table, backup_problem,
                           backup_header))) {
            table.kind = TableKind::Gpt;
            table.used_backup_gpt = true;
            if (!table.problem)
                table.problem = primary_problem;
            return {};
        }
        table.count = 0;
        table.problem = primary_problem;
        return {}; // neither header usable: no partitions rather than a guess
    }
    table.kind = TableKind::Mbr;
    uint64_t extended_start = 0, extended_count = 0;
    for (int slot = 0; slot < 4; ++slot) {
        const MbrEntry& entry = entries[slot];
        if (entry.type == 0 || entry.count == 0)
            continue;
        if (is_extended(entry.type)) {
            // Linux shows the extended partition itself as 1 KiB; its logical partitions follow.
            uint64_t shown = sector_size >= 1024 ? 1 : 1024 / sector_size;
            add(table, slot + 1, entry.start, entry.count < shown ? entry.count : shown, sectors, entry.type,
                entry.status == 0x80, true);
            if (extended_count == 0 && entry.start != 0 && entry.start < sectors) {
                extended_start = entry.start;
                extended_count = entry.count;
            }
            continue;
        }
        add(table, slot + 1, entry.start, entry.count, sectors, entry.type, entry.status == 0x80, false);
    }
    if (extended_count != 0)
        TRY(read_logical(read, sectors, sector_size, sector, extended_start, extended_count, table));
    return {};
}

} // namespace block
