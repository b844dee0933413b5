#include "acpi/acpi.h"

#include "acpi/power.h"
#include "console/log.h"
#include "mm/direct_map.h"

namespace acpi {

namespace {
constexpr ktl::StringView log_subsystem = "acpi";
// ~9 KiB: static, not on a kernel stack.
AcpiTables discovered;
bool available;
} // namespace

void initialize_tables(const boot::BootInfo& boot_info) {
    if (!boot_info.has_rsdp) {
        klog::warn(log_subsystem, "no RSDP from the loader: no ACPI tables");
        return;
    }
    LinearMemory memory(mm::physical_to_virtual<const uint8_t>(0), mm::direct_map_size());
    const boot::AcpiRsdp& rsdp = boot_info.rsdp;
    auto result = discovered.discover(memory, rsdp.rsdt_address, rsdp.xsdt_address, rsdp.revision);
    if (result.is_error()) {
        klog::warn(log_subsystem, "the ACPI root table is unusable ({}): no ACPI tables",
                   result.error().name());
        return;
    }
    available = true;
    char text[4096];
    ktl::BufferSink sink(text, sizeof text);
    discovered.write_summary(sink);
    klog::write_lines(klog::Level::Info, log_subsystem, sink.view());
    log_power_facts();
}

const AcpiTables* firmware_tables() {
    return available ? &discovered : nullptr;
}

ktl::ErrorOr<Fadt> firmware_fadt() {
    const AcpiTables* tables = firmware_tables();
    if (!tables)
        return ktl::Errno::NoEntry;
    return parse_fadt(TRY(tables->find("FACP")));
}

} // namespace acpi
