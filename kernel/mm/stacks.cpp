#include "mm/stacks.h"

#include "arch/paging.h"
#include "mm/kernel_space.h"
#include "sync/spinlock.h"

namespace mm {

namespace {

constexpr size_t max_stacks = 512;

struct StackRegistry {
    KernelStack stacks[max_stacks];
    size_t live = 0;
};
sync::SpinlockProtected<StackRegistry> registry;

} // namespace

ktl::ErrorOr<KernelStack> allocate_kernel_stack(const char* owner, size_t size) {
    size_t pages = (size + arch::page_size - 1) / arch::page_size;
    uint64_t bottom = TRY(allocate_mapped_region(pages, arch::page_size, arch::PageFlags::Writable, 1));
    KernelStack stack{bottom, bottom + pages * arch::page_size, owner};
    bool stored = registry.with([&](StackRegistry& stacks) {
        for (KernelStack& slot : stacks.stacks) {
            if (slot.bottom == 0) {
                slot = stack;
                ++stacks.live;
                return true;
            }
        }
        return false;
    });
    if (!stored) {
        free_mapped_region(bottom, pages, 1);
        return ktl::Errno::NoMemory;
    }
    return stack;
}

void free_kernel_stack(const KernelStack& stack) {
    registry.with([&](StackRegistry& stacks) {
        for (KernelStack& slot : stacks.stacks) {
            if (slot.bottom == stack.bottom) {
                slot = {};
                --stacks.live;
            }
        }
    });
    free_mapped_region(stack.bottom, (stack.top - stack.bottom) / arch::page_size, 1);
}

// Read without the lock: these run in fault reports, possibly while the faulting code holds it.
const char* guard_page_owner(uint64_t address) {
    for (const KernelStack& stack : registry.unlocked_for_crash_reporting().stacks)
        if (stack.bottom != 0 && address >= stack.bottom - arch::page_size && address < stack.bottom)
            return stack.owner;
    return nullptr;
}

const char* stack_owner(uint64_t address) {
    for (const KernelStack& stack : registry.unlocked_for_crash_reporting().stacks)
        if (stack.bottom != 0 && address >= stack.bottom && address < stack.top)
            return stack.owner;
    return nullptr;
}

size_t live_kernel_stacks() {
    return registry.with([](StackRegistry& stacks) { return stacks.live; });
}

} // namespace mm
