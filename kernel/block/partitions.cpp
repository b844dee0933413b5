#include "block/partitions.h"

#include "block/block_cache.h"
#include "block/partition_table.h"
#include "console/log.h"
#include "ktl/format.h"
#include "ktl/vector.h"
#include "sync/mutex.h"

#include <new>

namespace block {

namespace {

constexpr ktl::StringView log_subsystem = "block";

// Requests go to the disk, moved by the partition's start.
class Partition final : public BlockDevice {
public:
    Partition(const BlockDeviceInfo& info, ktl::RefPtr<BlockDevice> disk, uint32_t number, uint64_t start)
        : BlockDevice(info), m_disk(static_cast<ktl::RefPtr<BlockDevice>&&>(disk)), m_number(number),
          m_start(start) {}

    BlockDevice* whole_disk() override { return m_disk.ptr(); }
    uint32_t partition_number() const override { return m_number; }
    uint64_t start_sector() const override { return m_start; }
    void poll_completions() override { m_disk->poll_completions(); }

protected:
    void start(Request& request) override {
        if (request.operation != Operation::Flush)
            request.sector += m_start;
        m_disk->submit(request);
    }

private:
    ktl::RefPtr<BlockDevice> m_disk;
    uint32_t m_number;
    uint64_t m_start; // 512-byte sectors
};

// Serialises scans, so two BLKRRPARTs never interleave their removals and registrations.
sync::Mutex scan_lock;

ktl::ErrorOr<void> scan_locked(BlockDevice& disk) {
    if (disk.max_partitions() == 0)
        return {};
    uint32_t sector = disk.logical_block_size();
    ktl::Vector<uint8_t> scratch;
    TRY(scratch.try_resize(2 * sector));
    auto* table = new (std::nothrow) PartitionTable;
    if (!table)
        return ktl::Errno::NoMemory;
    auto reader = [&](uint64_t lba, uint8_t* out) -> ktl::ErrorOr<void> {
        return read_uncached(disk, lba * sector, out, sector);
    };
    auto parsed = read_partition_table(reader, disk.size() / sector, sector, scratch.data(), *table);
    if (parsed.is_error()) {
        delete table;
        klog::warn(log_subsystem, "{}: cannot read the partition table: {}", disk.name(),
                   parsed.error().name());
        return parsed.error();
    }
    if (table->used_backup_gpt)
        klog::warn(log_subsystem, "{}: the primary GPT is damaged ({}): using the backup", disk.name(),
                   table->problem ? table->problem : "?");
    else if (table->problem)
        klog::warn(log_subsystem, "{}: partition table: {}", disk.name(), table->problem);
    ktl::RefPtr<BlockDevice> disk_reference(&disk);
    char names[PartitionTable::max_entries][32];
    size_t made = 0;
    uint32_t sector_units = sector >> sector_shift;
    for (size_t i = 0; i < table->count; ++i) {
        const PartitionEntry& entry = table->entries[i];
        if (entry.number > disk.max_partitions()) {
            klog::warn(log_subsystem, "{}: partition {} is past the {} this disk may have", disk.name(),
                       entry.number, disk.max_partitions());
            continue;
        }
        bool digit = !disk.name().is_empty() && disk.name()[disk.name().length() - 1] >= '0' &&
                     disk.name()[disk.name().length() - 1] <= '9';
        BlockDeviceInfo info;
        info.name =
            ktl::format_into(names[i], sizeof names[i], digit ? "{}p{}" : "{}{}", disk.name(), entry.number);
        info.major = disk.major();
        info.minor = disk.minor() + entry.number;
        info.logical_block_size = disk.logical_block_size();
        info.physical_block_size = disk.physical_block_size();
        info.size = entry.count * sector;
        info.read_only = disk.is_read_only();
        info.has_flush = disk.has_flush();
        if (BlockDevice::check_info(info).is_error())
            continue;
        auto* partition =
            new (std::nothrow) Partition(info, disk_reference, entry.number, entry.start * sector_units);
        if (!partition) {
            delete table;
            return ktl::Errno::NoMemory;
        }
        if (auto registered = register_device(ktl::adopt_ref(*static_cast<BlockDevice*>(partition)));
            registered.is_error())
            klog::warn(log_subsystem, "cannot register {}: {}", info.name, registered.error().name());
        else
            ++made;
    }
    if (made > 0)
        klog::info(log_subsystem, "{}: {} table, {} partition{}", disk.name(),
                   table->kind == TableKind::Gpt ? "GPT" : "MBR", made, made == 1 ? "" : "s");
    delete table;
    return {};
}

void remove_locked(BlockDevice& disk) {
    ktl::Vector<ktl::RefPtr<BlockDevice>> partitions;
    for_each_device([&](BlockDevice& device) {
        if (device.whole_disk() == &disk)
            (void)partitions.try_append(ktl::RefPtr<BlockDevice>(&device));
    });
    for (ktl::RefPtr<BlockDevice>& partition : partitions) {
        (void)sync_device(*partition);
        unregister_device(*partition);
    }
}

} // namespace

ktl::ErrorOr<void> scan_partitions(BlockDevice& disk) {
    sync::MutexLocker locker(scan_lock);
    return scan_locked(disk);
}

ktl::ErrorOr<void> rescan_partitions(BlockDevice& disk) {
    if (disk.max_partitions() == 0 || disk.whole_disk())
        return ktl::Errno::InvalidArgument;
    sync::MutexLocker locker(scan_lock);
    // Held by more than the registry (and the list walk's own copy): open, or mounted.
    bool busy = false;
    for_each_device([&](BlockDevice& device) {
        if (device.whole_disk() == &disk && device.ref_count() > 2)
            busy = true;
    });
    if (busy)
        return ktl::Errno::Busy;
    TRY(invalidate_device(disk)); // the table is read afresh from the medium
    remove_locked(disk);
    return scan_locked(disk);
}

void remove_partitions(BlockDevice& disk) {
    sync::MutexLocker locker(scan_lock);
    remove_locked(disk);
}

} // namespace block
