// Character devices by number: a driver registers a (major, minor) range and opens descriptions for
// it. Any device node with that number reaches it, in devfs or made by mknod in any file system, so
// /dev is only a directory of nodes, as on Linux. Numbers follow Linux's devices.txt (1:3 null,
// 5:1 console, 4:64 ttyS0).
#pragma once

#include "fs/open_file.h"
#include "module/module_ref.h"

namespace device {
class Device;
}

namespace fs {

class CharacterDevice {
public:
    // `inode` is the device node opened (for fstat and poll); `flags` as open(2) got them.
    virtual ktl::ErrorOr<RefPtr<OpenFile>> open(RefPtr<Inode> inode, uint32_t minor, uint32_t flags) = 0;

protected:
    ~CharacterDevice() = default;
};

struct CharacterDeviceInfo {
    ktl::StringView name; // the node devfs makes, and /proc/devices' name for the major
    uint32_t major = 0;
    uint32_t minor = 0;
    uint32_t mode = 0666; // the node's permissions in devfs
    // Every minor of the major (pty slaves, whose nodes devpts makes): devfs makes no node for it.
    bool whole_major = false;
    // Its /sys/class directory ("tty", "misc"); null takes Linux's class for the major (1 mem, 4 and
    // 5 tty, 7 vc, 10 misc). A static string.
    const char* class_name = nullptr;
    // The device behind it (a UART's PCI function), under whose sysfs directory it appears.
    device::Device* parent = nullptr;
    // The loadable module whose code serves the device, or null: pinned while an open file of the
    // device exists, so the module cannot be removed under it (ENXIO once it is being removed).
    module::Module* owner = nullptr;
};

// Registers one device number; Busy if taken. `info.name` must be a static string.
ktl::ErrorOr<void> register_character_device(const CharacterDeviceInfo& info, CharacterDevice& device);
void unregister_character_device(uint32_t major, uint32_t minor);
// NoDeviceOrAddress (ENXIO) when nothing is registered at `device`, as Linux's open says.
ktl::ErrorOr<RefPtr<OpenFile>> open_character_device(RefPtr<Inode> inode, uint64_t device, uint32_t flags);
void for_each_character_device(ktl::FunctionRef<void(const CharacterDeviceInfo&)> visit);

// Told of every registration and unregistration after it happened, outside the registry's lock
// (devfs makes and removes its nodes, sysfs its class entries). Added at boot, before the
// registrations they must see; a few at most.
struct CharacterDeviceObserver {
    void (*added)(const CharacterDeviceInfo& info) = nullptr;
    void (*removed)(const CharacterDeviceInfo& info) = nullptr;
};
void add_character_device_observer(CharacterDeviceObserver observer);

} // namespace fs
