// The block device registry: numbers and names, the /dev nodes (devtmpfs) and Linux's sysfs layout.
//
//   /sys/devices/pci0000:00/0000:00:05.0/block/vda/{dev,size,ro,removable,uevent,queue/…}
//   /sys/devices/pci0000:00/0000:00:05.0/block/vda/vda1/{dev,size,partition,start,uevent}
//   /sys/devices/virtual/block/ram0/…
//   /sys/class/block/NAME -> the directory, /sys/dev/block/MAJOR:MINOR -> the directory,
//   /sys/block/NAME -> the directory (whole disks only)
#include "block/block_device.h"

#include "block/block_cache.h"
#include "block/partitions.h"
#include "console/log.h"
#include "device/device.h"
#include "fs/devfs/devfs.h"
#include "fs/inode.h"
#include "fs/sysfs/sysfs.h"
#include "ktl/format.h"
#include "ktl/vector.h"
#include "sync/mutex.h"

#include <new>

namespace block {

namespace {

constexpr ktl::StringView log_subsystem = "block";

struct Entry {
    ktl::RefPtr<BlockDevice> device;
    fs::sysfs::NodeRef directory;
    fs::sysfs::NodeRef class_link;
    fs::sysfs::NodeRef number_link;
    fs::sysfs::NodeRef block_link; // /sys/block/NAME, whole disks only
};

sync::MutexProtected<ktl::Vector<Entry*>> registry;

BlockDevice& device_of(void* object) {
    return *static_cast<BlockDevice*>(object);
}

ktl::ErrorOr<void> show_dev(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}:{}\n", device_of(object).major(), device_of(object).minor());
    return {};
}
ktl::ErrorOr<void> show_size(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", device_of(object).sectors());
    return {};
}
ktl::ErrorOr<void> show_read_only(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", device_of(object).is_read_only() ? 1 : 0);
    return {};
}
ktl::ErrorOr<void> show_zero(void*, ktl::StringBuilder& out) {
    ktl::format_to(out, "0\n");
    return {};
}
ktl::ErrorOr<void> show_partition(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", device_of(object).partition_number());
    return {};
}
ktl::ErrorOr<void> show_start(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", device_of(object).start_sector());
    return {};
}
ktl::ErrorOr<void> show_logical_block_size(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", device_of(object).logical_block_size());
    return {};
}
ktl::ErrorOr<void> show_physical_block_size(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", device_of(object).physical_block_size());
    return {};
}
ktl::ErrorOr<void> show_uevent(void* object, ktl::StringBuilder& out) {
    BlockDevice& device = device_of(object);
    ktl::format_to(out, "MAJOR={}\nMINOR={}\nDEVNAME={}\nDEVTYPE={}\n", device.major(), device.minor(),
                   device.name(), device.whole_disk() ? "partition" : "disk");
    if (device.whole_disk())
        ktl::format_to(out, "PARTN={}\n", device.partition_number());
    return {};
}

void remove_entry(Entry& entry) {
    for (fs::sysfs::NodeRef* node :
         {&entry.block_link, &entry.number_link, &entry.class_link, &entry.directory}) {
        if (*node)
            fs::sysfs::remove(**node);
    }
    delete &entry;
}

Entry* find_entry_locked(ktl::Vector<Entry*>& list, const BlockDevice& device) {
    for (Entry* entry : list)
        if (entry->device.ptr() == &device)
            return entry;
    return nullptr;
}

ktl::ErrorOr<fs::sysfs::NodeRef> parent_directory(BlockDevice& device) {
    if (BlockDevice* disk = device.whole_disk()) {
        fs::sysfs::NodeRef found = registry.with([&](ktl::Vector<Entry*>& list) {
            Entry* entry = find_entry_locked(list, *disk);
            return entry ? entry->directory : fs::sysfs::NodeRef();
        });
        if (!found)
            return ktl::Errno::NoEntry;
        return found;
    }
    if (device.parent_device() && device.parent_device()->sysfs_directory()) {
        fs::sysfs::Node& device_directory = *device.parent_device()->sysfs_directory();
        if (fs::sysfs::NodeRef existing = fs::sysfs::find(device_directory, "block"))
            return existing;
        auto made = fs::sysfs::create_directory(device_directory, "block");
        if (made.is_error()) {
            if (fs::sysfs::NodeRef existing = fs::sysfs::find(device_directory, "block"))
                return existing;
            return made.error();
        }
        return made.release_value();
    }
    return fs::sysfs::ensure_directory("devices/virtual/block");
}

ktl::ErrorOr<void> make_sysfs_entries(Entry& entry) {
    BlockDevice& device = *entry.device;
    void* object = &device;
    fs::sysfs::NodeRef parent = TRY(parent_directory(device));
    entry.directory = TRY(fs::sysfs::create_directory(*parent, device.name()));
    fs::sysfs::Node& directory = *entry.directory;
    TRY(fs::sysfs::create_attribute(directory, {"dev", 0444, show_dev, nullptr, object}));
    TRY(fs::sysfs::create_attribute(directory, {"size", 0444, show_size, nullptr, object}));
    TRY(fs::sysfs::create_attribute(directory, {"ro", 0444, show_read_only, nullptr, object}));
    TRY(fs::sysfs::create_attribute(directory, {"uevent", 0644, show_uevent, nullptr, object}));
    fs::sysfs::NodeRef class_directory = TRY(fs::sysfs::ensure_directory("class/block"));
    TRY(fs::sysfs::create_symlink(directory, "subsystem", *class_directory));
    if (device.whole_disk()) {
        TRY(fs::sysfs::create_attribute(directory, {"partition", 0444, show_partition, nullptr, object}));
        TRY(fs::sysfs::create_attribute(directory, {"start", 0444, show_start, nullptr, object}));
    } else {
        TRY(fs::sysfs::create_attribute(directory, {"removable", 0444, show_zero, nullptr, object}));
        fs::sysfs::NodeRef queue = TRY(fs::sysfs::create_directory(directory, "queue"));
        TRY(fs::sysfs::create_attribute(
            *queue, {"logical_block_size", 0444, show_logical_block_size, nullptr, object}));
        TRY(fs::sysfs::create_attribute(*queue,
                                        {"hw_sector_size", 0444, show_logical_block_size, nullptr, object}));
        TRY(fs::sysfs::create_attribute(
            *queue, {"physical_block_size", 0444, show_physical_block_size, nullptr, object}));
        if (device.parent_device() && device.parent_device()->sysfs_directory())
            TRY(fs::sysfs::create_symlink(directory, "device", *device.parent_device()->sysfs_directory()));
        fs::sysfs::NodeRef block_directory = TRY(fs::sysfs::ensure_directory("block"));
        entry.block_link = TRY(fs::sysfs::create_symlink(*block_directory, device.name(), directory));
    }
    entry.class_link = TRY(fs::sysfs::create_symlink(*class_directory, device.name(), directory));
    fs::sysfs::NodeRef numbers = TRY(fs::sysfs::ensure_directory("dev/block"));
    char number[24];
    entry.number_link = TRY(fs::sysfs::create_symlink(
        *numbers, ktl::format_into(number, sizeof number, "{}:{}", device.major(), device.minor()),
        directory));
    return {};
}

} // namespace

ktl::ErrorOr<void> register_device(ktl::RefPtr<BlockDevice> device) {
    if (!device)
        return ktl::Errno::InvalidArgument;
    auto* entry = new (std::nothrow) Entry;
    if (!entry)
        return ktl::Errno::NoMemory;
    entry->device = device;
    ktl::ErrorOr<void> added = registry.with([&](ktl::Vector<Entry*>& list) -> ktl::ErrorOr<void> {
        for (Entry* other : list) {
            if (other->device->device_number() == device->device_number() ||
                other->device->name() == device->name())
                return ktl::Errno::Exists;
        }
        return list.try_append(entry);
    });
    if (added.is_error()) {
        delete entry;
        return added.error();
    }
    // Outside the registry's lock: sysfs and devfs take their own, and the partition's parent is
    // looked up in the registry.
    auto made = make_sysfs_entries(*entry);
    if (made.is_error())
        klog::warn(log_subsystem, "no sysfs entry for {}: {}", device->name(), made.error().name());
    if (auto node =
            fs::devfs::add_node(device->name(), fs::mode_block_device | 0660, device->device_number());
        node.is_error())
        klog::warn(log_subsystem, "no /dev/{}: {}", device->name(), node.error().name());
    return {};
}

void unregister_device(BlockDevice& device) {
    if (!device.whole_disk())
        remove_partitions(device);
    Entry* entry = registry.with([&](ktl::Vector<Entry*>& list) -> Entry* {
        for (size_t i = 0; i < list.size(); ++i) {
            if (list[i]->device.ptr() == &device) {
                Entry* found = list[i];
                list.remove(i);
                return found;
            }
        }
        return nullptr;
    });
    if (!entry)
        return;
    fs::devfs::remove_node(device.name());
    remove_entry(*entry); // drops the registry's reference last
}

ktl::RefPtr<BlockDevice> find_device(uint64_t device_number) {
    return registry.with([&](ktl::Vector<Entry*>& list) {
        for (Entry* entry : list)
            if (entry->device->device_number() == device_number)
                return entry->device;
        return ktl::RefPtr<BlockDevice>();
    });
}

ktl::RefPtr<BlockDevice> find_device(ktl::StringView name) {
    return registry.with([&](ktl::Vector<Entry*>& list) {
        for (Entry* entry : list)
            if (entry->device->name() == name)
                return entry->device;
        return ktl::RefPtr<BlockDevice>();
    });
}

void for_each_device(ktl::FunctionRef<void(BlockDevice&)> visit) {
    ktl::Vector<ktl::RefPtr<BlockDevice>> copy;
    bool complete = registry.with([&](ktl::Vector<Entry*>& list) {
        if (copy.try_reserve(list.size()).is_error())
            return false;
        for (Entry* entry : list)
            (void)copy.try_append(entry->device);
        return true;
    });
    if (!complete)
        klog::warn(log_subsystem, "no memory to list the block devices");
    for (ktl::RefPtr<BlockDevice>& device : copy)
        visit(*device);
}

} // namespace block
