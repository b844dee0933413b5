// Where the kernel finds the facts for its crash reports: call-frame information from its own
// loaded .eh_frame/.eh_frame_hdr (always there), and names and lines from the full kernel ELF that
// GRUB hands over as the boot module "kernel-debug-info".
//
// A SymbolSource covers one range of addresses; the kernel is one, and each user program will be
// another once processes exist, so a backtrace can continue from the kernel into user code.
#pragma once

#include "boot/boot_info.h"
#include "dwarf/call_frame.h"
#include "dwarf/debug_info.h"
#include "ktl/error_or.h"

namespace debug {

class SymbolSource {
public:
    virtual bool covers(uint64_t address) const = 0;
    virtual ktl::ErrorOr<dwarf::UnwindRow> unwind_row(uint64_t pc) const = 0;
    // Fills `out` with the function, file:line and inlined chain; NoEntry when nothing is known.
    virtual ktl::ErrorOr<void> symbolize(uint64_t address, dwarf::Symbolized& out) const = 0;
    // A name from the symbol table when DWARF has none (assembly); false if none.
    virtual bool symbol_name(uint64_t address, ktl::StringView& name, uint64_t& start) const = 0;

protected:
    ~SymbolSource() = default;
};

// Sets up the kernel's source: call frames at once, debug information if the module is present.
void initialize_kernel_symbols(const boot::BootInfo& boot_info);
const SymbolSource& kernel_symbols();
bool kernel_debug_info_loaded();

// The source for an address: the kernel's, or (later) the current process's; nullptr if none.
const SymbolSource* symbol_source_for(uint64_t address);

} // namespace debug
