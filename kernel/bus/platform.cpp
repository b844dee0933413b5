#include "bus/platform.h"

#include "console/log.h"
#include "console/serial.h"

namespace bus::platform {

namespace {

// Platform drivers do not exist yet: the code that knows a device drives it directly.
class PlatformBus final : public device::Bus {
public:
    PlatformBus() : Bus("platform") {}
    bool matches(const device::Driver& driver, const device::Device& device) const override {
        return driver.name() == device.name();
    }
};

PlatformBus the_bus;
PlatformDevice serial8250(the_bus, "serial8250");
PlatformDevice i8042(the_bus, "i8042");
PlatformDevice* const legacy_devices[] = {&serial8250, &i8042};

} // namespace

void add_devices() {
    if (auto registered = device::register_bus(the_bus); registered.is_error()) {
        klog::error("platform", "cannot register the bus: {}", registered.error().name());
        return;
    }
    for (PlatformDevice* device : legacy_devices) {
        if (device == &serial8250 && !console::com1().is_present() && !console::com2().is_present())
            continue;
        if (auto added = device::add_device(*device); added.is_error())
            klog::warn("platform", "cannot add {}: {}", device->name(), added.error().name());
    }
}

device::Device* find_device(ktl::StringView name) {
    for (PlatformDevice* device : legacy_devices) {
        if (device->name() == name && device->is_linked())
            return device;
    }
    return nullptr;
}

} // namespace bus::platform
