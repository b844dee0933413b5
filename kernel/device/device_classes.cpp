#include "device/device_classes.h"

#include "console/log.h"
#include "device/device.h"
#include "fs/char_device.h"
#include "fs/sysfs/sysfs.h"
#include "ktl/format.h"
#include "ktl/vector.h"
#include "sync/mutex.h"

#include <new>

namespace device {

namespace {

// One registered device's sysfs entries; its address is the attributes' object until removal.
struct ClassEntry {
    uint32_t major = 0;
    uint32_t minor = 0;
    char name[32] = {};
    fs::sysfs::NodeRef directory;
    fs::sysfs::NodeRef class_link;
    fs::sysfs::NodeRef number_link;
};

sync::MutexProtected<ktl::Vector<ClassEntry*>> entries;

const char* class_of(const fs::CharacterDeviceInfo& info) {
    if (info.class_name)
        return info.class_name;
    switch (info.major) {
    case 1:
        return "mem";
    case 4:
    case 5:
        return "tty";
    case 7:
        return "vc";
    default:
        return "misc";
    }
}

ktl::ErrorOr<void> show_dev(void* object, ktl::StringBuilder& out) {
    const auto& entry = *static_cast<const ClassEntry*>(object);
    ktl::format_to(out, "{}:{}\n", entry.major, entry.minor);
    return {};
}

ktl::ErrorOr<void> show_uevent(void* object, ktl::StringBuilder& out) {
    const auto& entry = *static_cast<const ClassEntry*>(object);
    ktl::format_to(out, "MAJOR={}\nMINOR={}\nDEVNAME={}\n", entry.major, entry.minor,
                   static_cast<const char*>(entry.name));
    return {};
}

void remove_entry(ClassEntry& entry) {
    for (fs::sysfs::NodeRef* node : {&entry.number_link, &entry.class_link, &entry.directory}) {
        if (*node)
            fs::sysfs::remove(**node);
    }
    delete &entry;
}

ktl::ErrorOr<void> make_entries(const fs::CharacterDeviceInfo& info, ClassEntry& entry) {
    const char* class_name = class_of(info);
    char path[64];
    fs::sysfs::NodeRef class_directory =
        TRY(fs::sysfs::ensure_directory(ktl::format_into(path, sizeof path, "class/{}", class_name)));
    fs::sysfs::NodeRef parent;
    if (info.parent && info.parent->sysfs_directory()) {
        fs::sysfs::Node& device_directory = *info.parent->sysfs_directory();
        parent = fs::sysfs::find(device_directory, class_name);
        if (!parent) {
            auto made = fs::sysfs::create_directory(device_directory, class_name);
            parent = made.is_error() ? fs::sysfs::find(device_directory, class_name) : made.release_value();
        }
        if (!parent)
            return ktl::Errno::NoMemory;
    } else {
        parent = TRY(fs::sysfs::ensure_directory(
            ktl::format_into(path, sizeof path, "devices/virtual/{}", class_name)));
    }
    entry.directory = TRY(fs::sysfs::create_directory(*parent, entry.name));
    TRY(fs::sysfs::create_attribute(*entry.directory, {"dev", 0444, show_dev, nullptr, &entry}));
    TRY(fs::sysfs::create_attribute(*entry.directory, {"uevent", 0644, show_uevent, nullptr, &entry}));
    TRY(fs::sysfs::create_symlink(*entry.directory, "subsystem", *class_directory));
    if (info.parent && info.parent->sysfs_directory())
        TRY(fs::sysfs::create_symlink(*entry.directory, "device", *info.parent->sysfs_directory()));
    entry.class_link = TRY(fs::sysfs::create_symlink(*class_directory, entry.name, *entry.directory));
    fs::sysfs::NodeRef numbers = TRY(fs::sysfs::ensure_directory("dev/char"));
    entry.number_link = TRY(fs::sysfs::create_symlink(
        *numbers, ktl::format_into(path, sizeof path, "{}:{}", entry.major, entry.minor), *entry.directory));
    return {};
}

void device_added(const fs::CharacterDeviceInfo& info) {
    if (info.whole_major || info.name.length() >= sizeof ClassEntry::name)
        return;
    auto* entry = new (std::nothrow) ClassEntry;
    if (!entry) {
        klog::warn("device", "no memory for the sysfs entry of {}", info.name);
        return;
    }
    entry->major = info.major;
    entry->minor = info.minor;
    __builtin_memcpy(entry->name, info.name.data(), info.name.length());
    if (auto made = make_entries(info, *entry); made.is_error()) {
        klog::warn("device", "no sysfs entry for {}: {}", info.name, made.error().name());
        remove_entry(*entry);
        return;
    }
    bool kept =
        entries.with([&](ktl::Vector<ClassEntry*>& list) { return !list.try_append(entry).is_error(); });
    if (!kept)
        remove_entry(*entry);
}

void device_removed(const fs::CharacterDeviceInfo& info) {
    ClassEntry* found = entries.with([&](ktl::Vector<ClassEntry*>& list) -> ClassEntry* {
        for (size_t i = 0; i < list.size(); ++i) {
            if (list[i]->major == info.major && list[i]->minor == info.minor) {
                ClassEntry* entry = list[i];
                list.remove(i);
                return entry;
            }
        }
        return nullptr;
    });
    if (found)
        remove_entry(*found);
}

} // namespace

void start_device_classes() {
    fs::add_character_device_observer({device_added, device_removed});
    fs::for_each_character_device([](const fs::CharacterDeviceInfo& info) { device_added(info); });
}

} // namespace device
