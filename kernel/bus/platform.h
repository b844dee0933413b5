// The platform bus: devices the machine has at fixed places rather than on an enumerable bus (the
// PC's ISA serial ports, the 8042 keyboard controller), added by the code that knows them, as
// Linux's platform devices. Their directories are /sys/devices/platform/NAME.
#pragma once

#include "device/device.h"

namespace bus::platform {

class PlatformDevice final : public device::Device {
public:
    // `name` is a static string ("serial8250", "i8042").
    PlatformDevice(device::Bus& bus, ktl::StringView name) : Device(bus, nullptr), m_name(name) {}
    ktl::StringView name() const override { return m_name; }

private:
    ktl::StringView m_name;
};

// Registers the bus and adds the legacy devices the PC has: serial8250 (when COM1 or COM2 answers)
// and i8042. After fs::sysfs::initialize(), before the terminals register.
void add_devices();
// A device added by add_devices, by name; null if it is not there.
device::Device* find_device(ktl::StringView name);

} // namespace bus::platform
