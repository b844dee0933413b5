// The device model: buses, the devices on them and the drivers that drive them (the seed's Bus,
// BusDevice and BusDeviceDriver, docs/drivers.md).
//
// A bus enumerates its devices and adds them here; a driver registers for one bus and says, through
// the bus's `matches`, which devices it takes. A device is bound to the first registered driver that
// matches and whose probe() succeeds; registering a driver binds it to every unbound device it
// matches; unregistering it (a module going away) calls remove() on each device it drives first.
// Built-in drivers register themselves through the `.device_drivers` linker section (DEVICE_DRIVER);
// loadable ones call register_driver() from their init function.
//
// Every bus, device and driver appears in sysfs with Linux's layout: /sys/bus/BUS/{devices,drivers},
// /sys/devices/PARENT/DEVICE/{driver,subsystem,uevent}, /sys/bus/BUS/drivers/DRIVER/DEVICE.
//
// Locking: one recursive lock serialises binding, so a probe may add child devices (a virtio device
// found by the virtio-PCI driver) and sees a stable model. Probes may sleep.
#pragma once

#include "fs/sysfs/sysfs.h"
#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/intrusive_list.h"
#include "ktl/string_view.h"

namespace module {
class Module;
}

namespace device {

class Bus;
class Device;
class Driver;

struct BusListTag;
struct DriverListTag;

class Bus : public ktl::IntrusiveListNode<BusListTag> {
public:
    // `name` is the directory under /sys/bus ("pci", "platform"); a static string.
    explicit Bus(ktl::StringView name) : m_name(name) {}
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    ktl::StringView name() const { return m_name; }
    // Whether `driver` (registered for this bus) can drive `device` (on this bus).
    virtual bool matches(const Driver& driver, const Device& device) const = 0;
    // Refuses a driver this bus cannot use (a malformed match table), before it is registered.
    virtual ktl::ErrorOr<void> check_driver(const Driver&) const { return {}; }
    // The directory under /sys/devices for devices without a parent ("pci0000:00"); the bus name by
    // default.
    virtual ktl::StringView root_directory_name() const { return m_name; }
    // Adds the bus's own attribute files to a new device's sysfs directory ("vendor", "class").
    virtual ktl::ErrorOr<void> add_attributes(Device&, fs::sysfs::Node&) { return {}; }

    fs::sysfs::Node* sysfs_devices() const { return m_devices_directory.ptr(); }
    fs::sysfs::Node* sysfs_drivers() const { return m_drivers_directory.ptr(); }
    fs::sysfs::Node* sysfs_directory() const { return m_directory.ptr(); }

protected:
    ~Bus() = default;

private:
    friend ktl::ErrorOr<void> register_bus(Bus&);
    ktl::StringView m_name;
    fs::sysfs::NodeRef m_directory;
    fs::sysfs::NodeRef m_devices_directory;
    fs::sysfs::NodeRef m_drivers_directory;
};

class Device : public ktl::IntrusiveListNode<> {
public:
    Device(Bus& bus, Device* parent) : m_bus(bus), m_parent(parent) {}
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    // The name under its parent in /sys/devices and in /sys/bus/BUS/devices ("0000:00:01.0").
    virtual ktl::StringView name() const = 0;

    Bus& bus() const { return m_bus; }
    Device* parent() const { return m_parent; }
    // The driver bound now, or null. Stable while the caller holds the model (in probe and remove).
    Driver* driver() const { return __atomic_load_n(&m_driver, __ATOMIC_ACQUIRE); }
    // What the bound driver keeps for this device; null when unbound.
    void* driver_data() const { return m_driver_data; }
    void set_driver_data(void* data) { m_driver_data = data; }
    fs::sysfs::Node* sysfs_directory() const { return m_directory.ptr(); }

protected:
    ~Device() = default;

private:
    friend class Model;
    Bus& m_bus;
    Device* m_parent;
    Driver* m_driver = nullptr;
    void* m_driver_data = nullptr;
    fs::sysfs::NodeRef m_directory;
    fs::sysfs::NodeRef m_bus_link;
    fs::sysfs::NodeRef m_driver_link;
};

class Driver : public ktl::IntrusiveListNode<DriverListTag> {
public:
    // `name` is the directory under /sys/bus/BUS/drivers; a static string (or the module's).
    Driver(ktl::StringView name, Bus& bus) : m_name(name), m_bus(bus) {}
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    ktl::StringView name() const { return m_name; }
    Bus& bus() const { return m_bus; }
    // The module whose code this is (null for the kernel's own): pinned while the driver is bound.
    module::Module* owner() const { return m_owner; }
    void set_owner(module::Module* owner) { m_owner = owner; }

    // Takes `device` (matched by the bus). An error leaves it unbound, and the next driver may try.
    virtual ktl::ErrorOr<void> probe(Device& device) = 0;
    // Lets go of `device`: its interrupts, mappings and files must be gone when this returns.
    virtual void remove(Device& device) = 0;

    size_t bound_devices() const { return __atomic_load_n(&m_bound, __ATOMIC_ACQUIRE); }

protected:
    ~Driver() = default;

private:
    friend class Model;
    ktl::StringView m_name;
    Bus& m_bus;
    module::Module* m_owner = nullptr;
    size_t m_bound = 0;
    bool m_registered = false;
    fs::sysfs::NodeRef m_directory;
};

// Makes /sys/bus/NAME/{devices,drivers}. Exists if a bus of that name is registered.
ktl::ErrorOr<void> register_bus(Bus& bus);
// Adds `device` (its sysfs directory under its parent's, or under /sys/devices/<the bus's root
// directory name>/ for a device with no parent) and binds it to the first registered driver that takes it.
ktl::ErrorOr<void> add_device(Device& device);
// A directory under /sys/devices for the devices without a parent on one bus ("pci0000:00",
// "platform"), made on first use.
ktl::ErrorOr<fs::sysfs::NodeRef> root_directory(ktl::StringView name);
// Unbinds `device` and removes it from the model and sysfs (hot removal; nothing removes yet).
void remove_device(Device& device);

// Registers `driver` and binds it to each unbound device it matches (probe errors are logged).
// Exists if a driver of that name is already registered on the bus.
ktl::ErrorOr<void> register_driver(Driver& driver);
// Unbinds `driver` from every device it drives (remove() each), then forgets it.
void unregister_driver(Driver& driver);

// Registers the drivers built into the kernel (DEVICE_DRIVER), after the buses have added their
// devices; a driver that fails to register is logged and skipped.
void register_builtin_drivers();

void for_each_device(Bus& bus, ktl::FunctionRef<void(Device&)> visit);
void for_each_driver(Bus& bus, ktl::FunctionRef<void(Driver&)> visit);

} // namespace device

// Puts `driver` (an object of a Driver subclass with static storage) in the built-in driver list.
#define DEVICE_DRIVER(driver)                                                                                \
    [[gnu::used,                                                                                             \
      gnu::section(".device_drivers")]] static ::device::Driver* const device_driver_entry_##driver =        \
        &(driver)
