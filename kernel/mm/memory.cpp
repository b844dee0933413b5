#include "mm/memory.h"

#include "arch/interrupts.h"
#include "console/log.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/physical.h"
#include "mm/stacks.h"

namespace mm {

namespace {

// Fault reports call this: an address in a stack's guard page means that stack overflowed.
void describe_fault_address(ktl::FormatSink& sink, uint64_t address) {
    if (const char* owner = guard_page_owner(address))
        ktl::format_to(sink, ": kernel stack overflow: stack '{}' ran into its guard page", owner);
    else if (const char* owner = stack_owner(address))
        ktl::format_to(sink, " (inside kernel stack '{}')", owner);
}

} // namespace

void initialize_memory(const boot::BootInfo& boot_info, uint64_t direct_map_end) {
    initialize_physical_memory(boot_info);
    initialize_kernel_space(direct_map_end);
    initialize_kernel_heap();
    arch::set_fault_address_describer(describe_fault_address);
}

} // namespace mm
