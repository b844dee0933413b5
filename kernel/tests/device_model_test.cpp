// The device model with a bus of its own: binding in both orders, first match wins, a failed probe
// leaves the device to the next driver, unregistering unbinds, and sysfs shows each step as Linux would.
#include "bus/pci.h"
#include "bus/pci_bus.h"
#include "device/device.h"
#include "fs/sysfs/sysfs.h"
#include "module/pci_driver_api.h"
#include "test/ktest.h"

namespace {

class TestBus final : public device::Bus {
public:
    explicit TestBus(ktl::StringView name) : Bus(name) {}
    bool matches(const device::Driver& driver, const device::Device& device) const override;
};

class TestDevice final : public device::Device {
public:
    TestDevice(TestBus& bus, ktl::StringView name, int kind)
        : Device(bus, nullptr), m_name(name), kind(kind) {}
    ktl::StringView name() const override { return m_name; }

    ktl::StringView m_name;
    int kind;
};

class TestDriver final : public device::Driver {
public:
    TestDriver(ktl::StringView name, TestBus& bus, int kind, bool fails = false)
        : Driver(name, bus), kind(kind), fails(fails) {}
    ktl::ErrorOr<void> probe(device::Device& device) override {
        ++probes;
        if (fails)
            return ktl::Errno::NoDevice;
        device.set_driver_data(this);
        return {};
    }
    void remove(device::Device& device) override {
        ++removals;
        KEXPECT(device.driver_data() == this);
    }

    int kind;
    bool fails;
    int probes = 0;
    int removals = 0;
};

bool TestBus::matches(const device::Driver& driver, const device::Device& device) const {
    return static_cast<const TestDriver&>(driver).kind == static_cast<const TestDevice&>(device).kind;
}

// Each test gets its own bus name: buses stay registered for good.
TestBus first_bus("ktest-binding");
TestBus second_bus("ktest-unbinding");

// Where the link at `path` leads, as a path below /sys.
ktl::StringView link_text(ktl::StringView path) {
    static char buffer[256];
    fs::sysfs::NodeRef node = fs::sysfs::find(fs::sysfs::root(), path);
    if (!node || node->type() != fs::sysfs::NodeType::Symlink)
        return "";
    auto target = fs::sysfs::path_of(*node->m_target);
    if (target.is_error() || target.value().length() >= sizeof buffer)
        return "";
    __builtin_memcpy(buffer, target.value().characters(), target.value().length());
    return ktl::StringView(buffer, target.value().length());
}

} // namespace

KTEST(a_device_is_bound_to_the_first_matching_driver_whichever_comes_first) {
    KASSERT(!device::register_bus(first_bus).is_error());
    KEXPECT_EQ(device::register_bus(first_bus).error().code(), ktl::Errno::Exists);

    static TestDevice early(first_bus, "early0", 1);
    static TestDevice other(first_bus, "other0", 2);
    KASSERT(!device::add_device(early).is_error());
    KASSERT(!device::add_device(other).is_error());
    KEXPECT(early.driver() == nullptr); // nothing registered yet

    static TestDriver failing("failing", first_bus, 1, true);
    static TestDriver taker("taker", first_bus, 1);
    static TestDriver second("second", first_bus, 1);
    KASSERT(!device::register_driver(failing).is_error());
    KEXPECT_EQ(failing.probes, 1);
    KEXPECT(early.driver() == nullptr); // a failed probe leaves it unbound
    KASSERT(!device::register_driver(taker).is_error());
    KEXPECT(early.driver() == &taker);
    KEXPECT(early.driver_data() == &taker);
    KASSERT(!device::register_driver(second).is_error());
    KEXPECT_EQ(second.probes, 0); // already bound
    KEXPECT(other.driver() == nullptr);

    // A device added later goes to the first registered driver that takes it.
    static TestDevice late(first_bus, "late0", 1);
    KASSERT(!device::add_device(late).is_error());
    KEXPECT_EQ(failing.probes, 2);
    KEXPECT(late.driver() == &taker);
    KEXPECT_EQ(taker.bound_devices(), 2u);

    // Two drivers of one name on one bus cannot be.
    static TestDriver twin("taker", first_bus, 3);
    KEXPECT_EQ(device::register_driver(twin).error().code(), ktl::Errno::Exists);

    // sysfs: the device, its bus and driver links, the driver's link back.
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "devices/ktest-binding/early0/uevent"));
    KEXPECT(link_text("bus/ktest-binding/devices/early0") == "devices/ktest-binding/early0");
    KEXPECT(link_text("devices/ktest-binding/early0/driver") == "bus/ktest-binding/drivers/taker");
    KEXPECT(link_text("devices/ktest-binding/early0/subsystem") == "bus/ktest-binding");
    KEXPECT(link_text("bus/ktest-binding/drivers/taker/late0") == "devices/ktest-binding/late0");
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "devices/ktest-binding/other0/driver"));
}

KTEST(unregistering_a_driver_unbinds_its_devices_and_the_next_driver_may_take_them) {
    KASSERT(!device::register_bus(second_bus).is_error());
    static TestDevice device_a(second_bus, "a0", 7);
    static TestDevice device_b(second_bus, "b0", 7);
    static TestDriver module_driver("from-a-module", second_bus, 7);
    KASSERT(!device::register_driver(module_driver).is_error());
    KASSERT(!device::add_device(device_a).is_error());
    KASSERT(!device::add_device(device_b).is_error());
    KEXPECT_EQ(module_driver.bound_devices(), 2u);

    device::unregister_driver(module_driver);
    KEXPECT_EQ(module_driver.removals, 2);
    KEXPECT_EQ(module_driver.bound_devices(), 0u);
    KEXPECT(device_a.driver() == nullptr && device_b.driver() == nullptr);
    KEXPECT(device_a.driver_data() == nullptr);
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "bus/ktest-unbinding/drivers/from-a-module"));
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "devices/ktest-unbinding/a0/driver"));

    // Loaded again (a module's second insmod): it binds again.
    KASSERT(!device::register_driver(module_driver).is_error());
    KEXPECT(device_a.driver() == &module_driver && device_b.driver() == &module_driver);
    device::unregister_driver(module_driver);

    // A removed device is gone from sysfs and from its driver's reach.
    device::remove_device(device_b);
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "devices/ktest-unbinding/b0"));
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "bus/ktest-unbinding/devices/b0"));
    KASSERT(!device::register_driver(module_driver).is_error());
    KEXPECT(device_b.driver() == nullptr);
    KEXPECT_EQ(module_driver.bound_devices(), 1u);
    device::unregister_driver(module_driver);
}

KTEST(every_pci_function_is_a_device_in_sysfs_with_linux_attributes) {
    size_t functions = bus::pci::function_count();
    KASSERT(functions > 0);
    size_t devices = 0;
    device::for_each_device(bus::pci::pci_bus(), [&](device::Device& device) {
        ++devices;
        char path[64];
        auto& pci = static_cast<bus::pci::PciDevice&>(device);
        KASSERT(device.sysfs_directory());
        KEXPECT(link_text(ktl::format_into(path, sizeof path, "bus/pci/devices/{}", device.name())) ==
                fs::sysfs::path_of(*device.sysfs_directory()).value().view());
        fs::sysfs::NodeRef vendor = fs::sysfs::find(*device.sysfs_directory(), "vendor");
        KEXPECT(vendor);
        if (vendor) {
            ktl::StringBuilder text;
            KEXPECT(!vendor->m_attribute.show(vendor->m_attribute.object, text).is_error());
            char expected[8];
            KEXPECT(text.view() ==
                    ktl::format_into(expected, sizeof expected, "{:#06x}\n", pci.function().vendor_id));
        }
    });
    KEXPECT_EQ(devices, functions);
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "devices/pci0000:00/0000:00:00.0/config"));
}

KTEST(a_pci_driver_with_a_malformed_pattern_is_refused) {
    static const char* const patterns[] = {"8086 zzzz"};
    class BadDriver final : public bus::pci::PciDriver {
    public:
        BadDriver() : PciDriver("ktest-bad-pattern", patterns, 1) {}
        ktl::ErrorOr<void> probe(bus::pci::PciDevice&) override { return {}; }
        void remove(bus::pci::PciDevice&) override {}
    };
    static BadDriver bad;
    KEXPECT_EQ(device::register_driver(bad).error().code(), ktl::Errno::InvalidArgument);
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/ktest-bad-pattern"));
}

namespace {

// A driver written against the modules' C API, as a .ko would be: it takes the host bridge, which
// no built-in driver drives.
struct CApiRecord {
    int probes = 0;
    int removals = 0;
    uint16_t vendor = 0;
    uint32_t class_triple = 0;
    char name[16] = {};
} c_api_record;

const char* const host_bridge_patterns[] = {"* * * * 0x060000 0xffff00"};

int c_api_probe(module_pci_device* device) {
    ++c_api_record.probes;
    c_api_record.vendor = module_pci_vendor_id(device);
    c_api_record.class_triple = module_pci_class(device);
    ktl::StringView name(module_pci_name(device));
    __builtin_memcpy(c_api_record.name, name.data(), name.length() < 15 ? name.length() : 15);
    module_pci_set_driver_data(device, &c_api_record);
    return 0;
}

void c_api_remove(module_pci_device* device) {
    if (module_pci_driver_data(device) == &c_api_record)
        ++c_api_record.removals;
}

} // namespace

KTEST(a_module_style_pci_driver_binds_through_the_c_api_and_unbinds_on_unregister) {
    module_pci_driver driver{"ktest-c-api", host_bridge_patterns, 1, c_api_probe, c_api_remove, nullptr};
    KASSERT_EQ(module_pci_register_driver(nullptr, &driver), 0);
    KEXPECT_EQ(c_api_record.probes, 1);
    KEXPECT_EQ(c_api_record.vendor, 0x8086);
    KEXPECT_EQ(c_api_record.class_triple >> 8, 0x0600u);
    KEXPECT(ktl::StringView(c_api_record.name) == "0000:00:00.0");
    KEXPECT(fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/ktest-c-api/0000:00:00.0"));
    // Registering the same object twice is refused; so is a malformed pattern.
    KEXPECT_EQ(module_pci_register_driver(nullptr, &driver), -static_cast<int>(ktl::Errno::Busy));
    const char* const bad[] = {"not a pattern"};
    module_pci_driver malformed{"ktest-c-api-bad", bad, 1, c_api_probe, c_api_remove, nullptr};
    KEXPECT_EQ(module_pci_register_driver(nullptr, &malformed),
               -static_cast<int>(ktl::Errno::InvalidArgument));
    module_pci_unregister_driver(nullptr, &driver);
    KEXPECT_EQ(c_api_record.removals, 1);
    KEXPECT(driver.kernel_private == nullptr);
    KEXPECT(!fs::sysfs::find(fs::sysfs::root(), "bus/pci/drivers/ktest-c-api"));
}
