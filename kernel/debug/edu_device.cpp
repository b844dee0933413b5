#include "debug/edu_device.h"

#include "bus/pci.h"
#include "mm/kernel_space.h"
#include "pci/registers.h"

#include <new>

namespace debug {

ktl::ErrorOr<ktl::OwnPtr<EduDevice>> EduDevice::open() {
    EduDevice* raw = new (std::nothrow) EduDevice;
    if (!raw)
        return ktl::Errno::NoMemory;
    ktl::OwnPtr<EduDevice> device = ktl::adopt_own(raw);
    bool found = false;
    bus::pci::for_each_function([&](const ::pci::Function& function) {
        if (!found && function.vendor_id == vendor_id && function.device_id == device_id) {
            device->m_function = function;
            found = true;
        }
    });
    if (!found)
        return ktl::Errno::NoDevice;
    const ::pci::Bar* registers = nullptr;
    for (const ::pci::Bar& bar : device->m_function.bars)
        if (bar.index == 0 && bar.kind != ::pci::BarKind::Io && bar.address != 0 && bar.size >= 4096)
            registers = &bar;
    if (!registers)
        return ktl::Errno::NoDevice;
    device->m_mapping = TRY(mm::map_mmio(registers->address, 4096));
    device->m_registers = static_cast<volatile uint32_t*>(device->m_mapping);
    ::pci::ConfigSpace& config = bus::pci::config_space();
    uint16_t command = config.read16(device->m_function.address, ::pci::reg::command);
    config.write16(device->m_function.address, ::pci::reg::command,
                   uint16_t(command | ::pci::reg::command_memory_space));
    return device;
}

EduDevice::~EduDevice() {
    if (m_mapping)
        mm::unmap_mmio(m_mapping, 4096);
}

} // namespace debug
