// The firmware's ACPI tables, found once at boot through the loader's RSDP and read through the
// direct map by libs/acpi (which checks every length, pointer and checksum).
#pragma once

#include "acpi/fadt.h"
#include "acpi/tables.h"
#include "boot/boot_info.h"

namespace acpi {

// Finds and logs the tables; without an RSDP or with a broken root, later lookups find nothing.
void initialize_tables(const boot::BootInfo& boot_info);
// Null when there are no usable tables.
const AcpiTables* firmware_tables();
// The firmware's FADT, parsed; NoEntry without tables, or the table's lookup or parse error.
ktl::ErrorOr<Fadt> firmware_fadt();

} // namespace acpi
