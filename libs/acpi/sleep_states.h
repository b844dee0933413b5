// The \_Sx sleep-state objects of the DSDT and SSDTs (ACPI 6.x §7.4.2): a Name() holding a Package
// whose first two integers are the SLP_TYPa and SLP_TYPb values to write to the PM1a/PM1b control
// registers. S5 ("soft off") is what powers the machine down.
//
// There is no AML interpreter: the byte stream is searched for a NameOp declaring the object
// (DefName := NameOp NameString DataRefObject), the name possibly behind a root (`\`) or parent (`^`)
// prefix, and the package that follows is decoded. Documented choices:
//  * The first declaration whose package decodes wins; one that does not (a NameOp byte sequence
//    inside other data, a truncated package) is skipped and the search goes on.
//  * Elements may be ZeroOp, OneOp, OnesOp or BytePrefix/WordPrefix/DWordPrefix/QWordPrefix integers;
//    a sleep type is 3 bits, so a larger value makes the package unusable.
//  * A package of one integer is the legacy form: SLP_TYPa in bits 0-7, SLP_TYPb in bits 8-15
//    (as ACPICA reads it). An empty package is unusable.
//  * Every length (PkgLength, the table's own) is checked; nothing is read past the table.
#pragma once

#include "acpi/tables.h"
#include "ktl/error_or.h"

#include <cstdint>

namespace acpi {

struct SleepType {
    uint8_t pm1a = 0; // SLP_TYPa
    uint8_t pm1b = 0; // SLP_TYPb
};

// The sleep types of state `state` (0-5, for \_S0_ … \_S5_) declared in `table` (the AML after its
// header). NoEntry when the table declares no usable package for it; InvalidArgument for a state
// above 5 or a table shorter than its header.
ktl::ErrorOr<SleepType> find_sleep_type(const Table& table, unsigned state);

// The same over raw AML bytes (no table header): what find_sleep_type searches.
ktl::ErrorOr<SleepType> find_sleep_type_in_aml(ktl::ByteReader aml, unsigned state);

} // namespace acpi
