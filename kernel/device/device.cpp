#include "device/device.h"

#include "console/log.h"
#include "sync/mutex.h"

extern "C" ::device::Driver* const __device_drivers_start[];
extern "C" ::device::Driver* const __device_drivers_end[];

namespace device {

namespace {

constexpr ktl::StringView log_subsystem = "device";

// Serialises binding and the lists; recursive, so a probe may add devices (see device.h).
sync::RecursiveMutex model_lock;

class ModelLocker {
public:
    ModelLocker() { model_lock.lock(); }
    ~ModelLocker() { model_lock.unlock(); }
    ModelLocker(const ModelLocker&) = delete;
    ModelLocker& operator=(const ModelLocker&) = delete;
};

ktl::IntrusiveList<Bus, BusListTag> buses;
ktl::IntrusiveList<Device> devices;
ktl::IntrusiveList<Driver, DriverListTag> drivers;

ktl::ErrorOr<void> show_uevent_empty(void*, ktl::StringBuilder&) {
    return {};
}

// What `echo 0000:00:04.0 > bind` wrote, without echo's newline.
ktl::StringView device_name_from(ktl::StringView text) {
    while (!text.is_empty() && (text[text.length() - 1] == '\n' || text[text.length() - 1] == ' '))
        text = text.substring(0, text.length() - 1);
    return text;
}

ktl::ErrorOr<void> store_bind(void* object, ktl::StringView text);
ktl::ErrorOr<void> store_unbind(void* object, ktl::StringView text);

} // namespace

// The binding steps, with access to the private parts of Device and Driver. All under model_lock.
class Model {
public:
    static bool try_bind(Device& device, Driver& driver) {
        if (device.m_driver || &driver.bus() != &device.bus() || !device.bus().matches(driver, device))
            return false;
        __atomic_store_n(&device.m_driver, &driver, __ATOMIC_RELEASE);
        auto probed = driver.probe(device);
        if (probed.is_error()) {
            __atomic_store_n(&device.m_driver, nullptr, __ATOMIC_RELEASE);
            device.m_driver_data = nullptr;
            klog::warn(log_subsystem, "{} {}: probe by {} failed: {}", device.bus().name(), device.name(),
                       driver.name(), probed.error().name());
            return false;
        }
        __atomic_add_fetch(&driver.m_bound, 1, __ATOMIC_RELEASE);
        klog::info(log_subsystem, "{} {}: bound to {}", device.bus().name(), device.name(), driver.name());
        link_bound(device, driver);
        return true;
    }

    static void unbind(Device& device) {
        Driver* driver = device.m_driver;
        if (!driver)
            return;
        if (device.m_driver_link)
            fs::sysfs::remove(*device.m_driver_link);
        device.m_driver_link = nullptr;
        if (driver->m_directory) {
            if (fs::sysfs::NodeRef link = fs::sysfs::find(*driver->m_directory, device.name()))
                fs::sysfs::remove(*link);
        }
        driver->remove(device);
        __atomic_store_n(&device.m_driver, nullptr, __ATOMIC_RELEASE);
        device.m_driver_data = nullptr;
        __atomic_sub_fetch(&driver->m_bound, 1, __ATOMIC_RELEASE);
        klog::info(log_subsystem, "{} {}: unbound from {}", device.bus().name(), device.name(),
                   driver->name());
    }

    // /sys/devices/.../<device>/driver and /sys/bus/<bus>/drivers/<driver>/<device>; a missing link
    // (no memory) loses nothing but the link.
    static void link_bound(Device& device, Driver& driver) {
        if (!device.m_directory || !driver.m_directory)
            return;
        if (auto link = fs::sysfs::create_symlink(*device.m_directory, "driver", *driver.m_directory);
            !link.is_error())
            device.m_driver_link = link.release_value();
        (void)fs::sysfs::create_symlink(*driver.m_directory, device.name(), *device.m_directory);
    }

    static ktl::ErrorOr<void> make_sysfs(Device& device) {
        fs::sysfs::NodeRef parent;
        if (device.m_parent && device.m_parent->m_directory)
            parent = device.m_parent->m_directory;
        else
            parent = TRY(root_directory(device.bus().root_directory_name()));
        device.m_directory = TRY(fs::sysfs::create_directory(*parent, device.name()));
        Bus& bus = device.bus();
        if (bus.sysfs_directory())
            TRY(fs::sysfs::create_symlink(*device.m_directory, "subsystem", *bus.sysfs_directory()));
        TRY(fs::sysfs::create_attribute(*device.m_directory,
                                        {"uevent", 0644, show_uevent_empty, nullptr, nullptr}));
        if (bus.sysfs_devices())
            device.m_bus_link =
                TRY(fs::sysfs::create_symlink(*bus.sysfs_devices(), device.name(), *device.m_directory));
        TRY(bus.add_attributes(device, *device.m_directory));
        return {};
    }

    static void remove_sysfs(Device& device) {
        if (device.m_bus_link)
            fs::sysfs::remove(*device.m_bus_link);
        if (device.m_directory)
            fs::sysfs::remove(*device.m_directory);
        device.m_bus_link = nullptr;
        device.m_directory = nullptr;
    }

    // /sys/bus/<bus>/drivers/<driver>/bind and unbind, as on Linux.
    static ktl::ErrorOr<void> bind_by_name(Driver& driver, ktl::StringView name, bool bind) {
        ModelLocker locker;
        if (!driver.m_registered)
            return ktl::Errno::NoDevice;
        for (Device& device : devices) {
            if (&device.bus() != &driver.bus() || device.name() != name)
                continue;
            if (!bind) {
                if (device.m_driver != &driver)
                    return ktl::Errno::NoDevice;
                unbind(device);
                return {};
            }
            if (device.m_driver)
                return ktl::Errno::Busy;
            if (!device.bus().matches(driver, device))
                return ktl::Errno::NoDevice;
            return try_bind(device, driver) ? ktl::ErrorOr<void>() : ktl::ErrorOr<void>(ktl::Errno::NoDevice);
        }
        return ktl::Errno::NoDevice;
    }

    static void set_registered(Driver& driver, bool registered) { driver.m_registered = registered; }
    static bool registered(const Driver& driver) { return driver.m_registered; }
    static fs::sysfs::NodeRef& directory(Driver& driver) { return driver.m_directory; }
};

namespace {

ktl::ErrorOr<void> store_bind(void* object, ktl::StringView text) {
    return Model::bind_by_name(*static_cast<Driver*>(object), device_name_from(text), true);
}

ktl::ErrorOr<void> store_unbind(void* object, ktl::StringView text) {
    return Model::bind_by_name(*static_cast<Driver*>(object), device_name_from(text), false);
}

} // namespace

ktl::ErrorOr<fs::sysfs::NodeRef> root_directory(ktl::StringView name) {
    fs::sysfs::NodeRef devices = TRY(fs::sysfs::ensure_directory("devices"));
    if (fs::sysfs::NodeRef existing = fs::sysfs::find(*devices, name))
        return existing;
    return fs::sysfs::create_directory(*devices, name);
}

ktl::ErrorOr<void> register_bus(Bus& bus) {
    ModelLocker locker;
    for (Bus& other : buses) {
        if (other.name() == bus.name())
            return ktl::Errno::Exists;
    }
    fs::sysfs::NodeRef bus_root = TRY(fs::sysfs::ensure_directory("bus"));
    bus.m_directory = TRY(fs::sysfs::create_directory(*bus_root, bus.name()));
    auto devices_directory = fs::sysfs::create_directory(*bus.m_directory, "devices");
    auto drivers_directory = fs::sysfs::create_directory(*bus.m_directory, "drivers");
    if (devices_directory.is_error() || drivers_directory.is_error()) {
        fs::sysfs::remove(*bus.m_directory);
        bus.m_directory = nullptr;
        return ktl::Errno::NoMemory;
    }
    bus.m_devices_directory = devices_directory.release_value();
    bus.m_drivers_directory = drivers_directory.release_value();
    buses.push_back(bus);
    return {};
}

ktl::ErrorOr<void> add_device(Device& device) {
    ModelLocker locker;
    if (device.is_linked())
        return ktl::Errno::Exists;
    if (auto made = Model::make_sysfs(device); made.is_error()) {
        Model::remove_sysfs(device);
        return made.error();
    }
    devices.push_back(device);
    for (Driver& driver : drivers) {
        if (Model::try_bind(device, driver))
            break;
    }
    return {};
}

void remove_device(Device& device) {
    ModelLocker locker;
    if (!device.is_linked())
        return;
    Model::unbind(device);
    devices.remove(device);
    Model::remove_sysfs(device);
}

ktl::ErrorOr<void> register_driver(Driver& driver) {
    ModelLocker locker;
    if (Model::registered(driver))
        return ktl::Errno::Exists;
    for (Driver& other : drivers) {
        if (&other.bus() == &driver.bus() && other.name() == driver.name())
            return ktl::Errno::Exists;
    }
    Bus& bus = driver.bus();
    TRY(bus.check_driver(driver));
    if (!bus.sysfs_drivers())
        return ktl::Errno::NoEntry; // its bus is not registered
    fs::sysfs::NodeRef directory = TRY(fs::sysfs::create_directory(*bus.sysfs_drivers(), driver.name()));
    auto bind = fs::sysfs::create_attribute(*directory, {"bind", 0200, nullptr, store_bind, &driver});
    auto unbind = fs::sysfs::create_attribute(*directory, {"unbind", 0200, nullptr, store_unbind, &driver});
    if (bind.is_error() || unbind.is_error()) {
        fs::sysfs::remove(*directory);
        return ktl::Errno::NoMemory;
    }
    Model::directory(driver) = static_cast<fs::sysfs::NodeRef&&>(directory);
    drivers.push_back(driver);
    Model::set_registered(driver, true);
    for (Device& device : devices)
        Model::try_bind(device, driver);
    return {};
}

void unregister_driver(Driver& driver) {
    // First the directory, outside the lock: removal waits for bind/unbind writes running on it,
    // and those take the lock.
    fs::sysfs::NodeRef directory;
    {
        ModelLocker locker;
        if (!Model::registered(driver))
            return;
        directory = Model::directory(driver);
    }
    if (directory)
        fs::sysfs::remove(*directory);
    ModelLocker locker;
    if (!Model::registered(driver))
        return;
    for (Device& device : devices) {
        if (device.driver() == &driver)
            Model::unbind(device);
    }
    drivers.remove(driver);
    Model::set_registered(driver, false);
    Model::directory(driver) = nullptr;
}

void register_builtin_drivers() {
    for (Driver* const* entry = __device_drivers_start; entry != __device_drivers_end; ++entry) {
        if (auto registered = register_driver(**entry); registered.is_error())
            klog::error(log_subsystem, "built-in driver {}: cannot register: {}", (*entry)->name(),
                        registered.error().name());
    }
}

void for_each_device(Bus& bus, ktl::FunctionRef<void(Device&)> visit) {
    ModelLocker locker;
    for (Device& device : devices) {
        if (&device.bus() == &bus)
            visit(device);
    }
}

void for_each_driver(Bus& bus, ktl::FunctionRef<void(Driver&)> visit) {
    ModelLocker locker;
    for (Driver& driver : drivers) {
        if (&driver.bus() == &bus)
            visit(driver);
    }
}

} // namespace device
