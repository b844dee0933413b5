// The kernel's export table: the only symbols a loadable module may link against. KERNEL_EXPORT(name)
// records (name, address) in the .kernel_exports linker section (as KTEST registers tests); the
// loader resolves a module's undefined symbols here and nowhere else, so everything not exported
// stays private however it is named. Exports are extern "C" functions or objects: a C++ name fails
// to link. Changing what an export means or removing one raises BLOG_OS_MODULE_API_VERSION
// (libs/module/abi.h).
#pragma once

#include "ktl/string_view.h"

#include <cstdint>

namespace module {

struct ExportRecord {
    const char* name;
    uint64_t address;
};
static_assert(sizeof(ExportRecord) == 16);

// The address of exported `name`; false when the kernel does not export it.
bool find_export(ktl::StringView name, uint64_t& address);
// Every export, in link order (docs/drivers.md lists them; a KTEST checks the list).
const ExportRecord* exports_begin();
const ExportRecord* exports_end();

} // namespace module

// Written in assembly so the record needs no run-time initialisation: the name goes to read-only
// strings, the record's two words to .kernel_exports.
#define KERNEL_EXPORT(symbol)                                                                                \
    static_assert(sizeof(&symbol) == 8, "KERNEL_EXPORT needs a declared function or object");                \
    asm(".pushsection .rodata.kernel_export_names, \"aMS\", @progbits, 1\n"                                  \
        "1: .asciz \"" #symbol "\"\n"                                                                        \
        ".popsection\n"                                                                                      \
        ".pushsection .kernel_exports, \"a\", @progbits\n"                                                   \
        ".balign 8\n"                                                                                        \
        ".quad 1b, " #symbol "\n"                                                                            \
        ".popsection")
