// Memory management on the real machine: frames, mappings and protections, address spaces, the
// heap's growth and shrinking, and guard pages.
#include "arch/interrupts.h"
#include "arch/paging.h"
#include "console/log.h"
#include "ktl/assert.h"
#include "mm/address_space.h"
#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/physical.h"
#include "mm/reclaim.h"
#include "mm/stacks.h"
#include "mm/user_memory.h"
#include "test/ktest.h"

#include <new>

namespace {

constexpr uint8_t page_fault = 14;
constexpr uint64_t fault_present = 1, fault_write = 2, fault_user = 4, fault_fetch = 0x10;

bool faults(auto&& action, arch::CaughtFault& fault) {
    return arch::run_catching_faults(action, fault);
}

} // namespace

KTEST(frames_are_handed_out_once_and_come_back) {
    uint64_t free_before = mm::frame_statistics().free_frames;
    uint64_t first = MUST(mm::allocate_frame());
    uint64_t second = MUST(mm::allocate_frame());
    KEXPECT(first != second);
    KEXPECT_EQ(first % 4096, 0u);
    KEXPECT(first >= (1u << 20)); // the first MiB stays reserved
    KEXPECT_EQ(mm::frame_statistics().free_frames, free_before - 2);
    mm::free_frame(first);
    mm::free_frame(second);
    KEXPECT_EQ(mm::frame_statistics().free_frames, free_before);

    uint64_t run = MUST(mm::allocate_contiguous_frames(16, 16, 1ull << 32));
    KEXPECT_EQ(run % (16 * 4096), 0u);
    KEXPECT(run + 16 * 4096 <= (1ull << 32));
    mm::free_contiguous_frames(run, 16);
    KEXPECT_EQ(mm::frame_statistics().free_frames, free_before);
}

KTEST(every_frame_can_be_allocated_then_allocation_fails_cleanly) {
    // Short of memory, the reclaim task would give heap pages back midway: it waits until the end.
    mm::ReclaimPause no_reclaim;
    // Chains every free frame through its own first word, so the test needs no memory of its own.
    uint64_t free_before = mm::frame_statistics().free_frames;
    uint64_t chain = 0, count = 0;
    for (;;) {
        auto frame = mm::allocate_frame();
        if (frame.is_error()) {
            KEXPECT(frame.error().code() == ktl::Errno::NoMemory);
            break;
        }
        *mm::physical_to_virtual<uint64_t>(frame.value()) = chain;
        chain = frame.value();
        ++count;
    }
    KEXPECT_EQ(count, free_before);
    KEXPECT_EQ(mm::frame_statistics().free_frames, 0u);
    while (chain) {
        uint64_t next = *mm::physical_to_virtual<uint64_t>(chain);
        mm::free_frame(chain);
        chain = next;
    }
    KEXPECT_EQ(mm::frame_statistics().free_frames, free_before);
}

// Copy on write swaps a page's frame in one store: the new frame and flags show at once, and the
// old frame comes back to the caller.
KTEST(replace_page_points_a_mapped_page_at_another_frame) {
    uint64_t root = mm::kernel_root();
    uint64_t page = MUST(mm::allocate_kernel_region(4096));
    uint64_t first = MUST(mm::allocate_zeroed_frame()), second = MUST(mm::allocate_zeroed_frame());
    *mm::physical_to_virtual<uint64_t>(second) = 0x5678;
    KASSERT(!arch::map_page(root, page, first, arch::PageFlags::None, mm::kernel_frame_source()).is_error());
    KEXPECT_EQ(MUST(arch::replace_page(root, page, second, arch::PageFlags::Writable)), first);
    auto translation = arch::translate(root, page);
    KASSERT(!translation.is_error());
    KEXPECT_EQ(translation.value().physical, second);
    KEXPECT(arch::has(translation.value().flags, arch::PageFlags::Writable));
    KEXPECT_EQ(*reinterpret_cast<volatile uint64_t*>(page), 0x5678u); // the TLB forgot the old frame
    KEXPECT_EQ(MUST(arch::unmap_page(root, page)), second);
    KEXPECT(arch::replace_page(root, page, first, arch::PageFlags::None).is_error()); // nothing to replace
    mm::free_frame(first);
    mm::free_frame(second);
    mm::free_kernel_region(page, 4096);
}

KTEST(map_translate_and_unmap_a_kernel_page) {
    uint64_t root = mm::kernel_root();
    uint64_t page = MUST(mm::allocate_kernel_region(4096));
    uint64_t frame = MUST(mm::allocate_zeroed_frame());
    KASSERT(
        !arch::map_page(root, page, frame, arch::PageFlags::Writable, mm::kernel_frame_source()).is_error());
    auto translation = arch::translate(root, page + 123);
    KASSERT(!translation.is_error());
    KEXPECT_EQ(translation.value().physical, frame + 123);
    KEXPECT(arch::has(translation.value().flags, arch::PageFlags::Writable));
    KEXPECT(!arch::has(translation.value().flags, arch::PageFlags::Executable));

    *reinterpret_cast<volatile uint64_t*>(page) = 0x1234;
    KEXPECT_EQ(*mm::physical_to_virtual<uint64_t>(frame), 0x1234u);
    KEXPECT(arch::map_page(root, page, frame, arch::PageFlags::Writable, mm::kernel_frame_source())
                .error()
                .code() == ktl::Errno::Exists);

    KEXPECT_EQ(MUST(arch::unmap_page(root, page)), frame);
    KEXPECT(arch::translate(root, page).is_error());
    arch::CaughtFault fault;
    KEXPECT(faults([&] { (void)*reinterpret_cast<volatile uint64_t*>(page); }, fault));
    KEXPECT_EQ(fault.faulting_address, page);
    mm::free_frame(frame);
    mm::free_kernel_region(page, 4096);
}

KTEST(read_only_pages_fault_on_write_and_recover_after_protect) {
    uint64_t root = mm::kernel_root();
    uint64_t page = MUST(mm::allocate_mapped_region(1, 4096, arch::PageFlags::Writable));
    auto* word = reinterpret_cast<volatile uint64_t*>(page);
    *word = 1;
    KASSERT(!arch::protect_page(root, page, arch::PageFlags::None).is_error());
    arch::CaughtFault fault;
    KEXPECT(faults([&] { *word = 2; }, fault));
    KEXPECT_EQ(fault.vector, page_fault);
    KEXPECT_EQ(fault.error_code & (fault_present | fault_write), fault_present | fault_write);
    KEXPECT_EQ(*word, 1u);
    KASSERT(!arch::protect_page(root, page, arch::PageFlags::Writable).is_error());
    *word = 3;
    KEXPECT_EQ(*word, 3u);
    mm::free_mapped_region(page, 1);
}

namespace {
[[gnu::noinline]] int function_in_text() {
    return 7;
}
const uint64_t constant_in_rodata = 0x5eed;
// A `ret` instruction in writable data: executing it must fault (NX).
uint8_t return_instruction_in_data[16] = {0xc3};
} // namespace

KTEST(kernel_text_and_rodata_are_read_only_and_data_is_not_executable) {
    arch::CaughtFault fault;
    KEXPECT(faults(
        [] { *reinterpret_cast<volatile uint8_t*>(reinterpret_cast<uint64_t>(&function_in_text)) = 0x90; },
        fault));
    KEXPECT_EQ(fault.error_code & (fault_present | fault_write), fault_present | fault_write);
    KEXPECT_EQ(function_in_text(), 7);

    KEXPECT(faults([] { *const_cast<volatile uint64_t*>(&constant_in_rodata) = 1; }, fault));
    KEXPECT_EQ(fault.faulting_address, reinterpret_cast<uint64_t>(&constant_in_rodata));

    KEXPECT(faults([] { reinterpret_cast<void (*)()>(return_instruction_in_data)(); }, fault));
    KEXPECT_EQ(fault.error_code & fault_fetch, fault_fetch);

    // The direct map is data too.
    uint64_t frame = MUST(mm::allocate_zeroed_frame());
    *mm::physical_to_virtual<uint8_t>(frame) = 0xc3;
    KEXPECT(faults([&] { mm::physical_to_virtual<void()>(frame)(); }, fault));
    KEXPECT_EQ(fault.error_code & fault_fetch, fault_fetch);
    mm::free_frame(frame);
}

KTEST(smep_and_smap_keep_the_kernel_out_of_user_pages) {
    arch::PagingFeatures features = arch::paging_features();
    // The runner boots TCG with -cpu max, which has both; a CPU without them skips the checks.
    if (!features.supervisor_mode_access_prevention || !features.supervisor_mode_execution_prevention)
        return;
    mm::AddressSpace* space = MUST(mm::AddressSpace::create());
    uint64_t user_page = 0x400000;
    KASSERT(!space->allocate_and_map(user_page, arch::PageFlags::Writable | arch::PageFlags::Executable)
                 .is_error());
    space->activate();
    arch::CaughtFault fault;
    KEXPECT(faults([&] { (void)*reinterpret_cast<volatile uint64_t*>(user_page); }, fault));
    KEXPECT_EQ(fault.error_code & (fault_present | fault_user), fault_present);
    {
        arch::UserAccessScope allowed;
        *reinterpret_cast<volatile uint8_t*>(user_page) = 0xc3;
    }
    KEXPECT(faults([&] { reinterpret_cast<void (*)()>(user_page)(); }, fault));
    KEXPECT_EQ(fault.error_code & fault_fetch, fault_fetch);
    arch::activate_root(mm::kernel_root());
    mm::AddressSpace::destroy(space);
}

KTEST(address_space_created_and_destroyed_1000_times_loses_no_frames) {
    auto cycle = [] {
        mm::AddressSpace* space = MUST(mm::AddressSpace::create());
        // Far apart, so each needs its own page-table pages at every level.
        for (uint64_t address : {0x1000ull, 0x40000000ull, 0x7fffffffe000ull})
            MUST(space->allocate_and_map(address, arch::PageFlags::Writable));
        MUST(space->unmap_and_free(0x1000));
        mm::AddressSpace::destroy(space);
    };
    cycle(); // warms the heap's slab for AddressSpace objects
    uint64_t free_before = mm::frame_statistics().free_frames;
    for (int i = 0; i < 1000; ++i)
        cycle();
    KEXPECT_EQ(mm::frame_statistics().free_frames, free_before);
}

KTEST(address_spaces_share_the_kernel_half_and_not_the_user_half) {
    mm::AddressSpace* first = MUST(mm::AddressSpace::create());
    mm::AddressSpace* second = MUST(mm::AddressSpace::create());
    KASSERT(!first->allocate_and_map(0x200000, arch::PageFlags::Writable).is_error());
    KEXPECT(!first->translate(0x200000).is_error());
    KEXPECT(second->translate(0x200000).is_error());
    // A kernel mapping made after both exist is visible in both.
    uint64_t page = MUST(mm::allocate_mapped_region(1, 4096, arch::PageFlags::Writable));
    KEXPECT_EQ(MUST(first->translate(page)).physical, MUST(second->translate(page)).physical);
    KEXPECT(first->allocate_and_map(0xffff800000000000ull, arch::PageFlags::Writable).is_error());
    mm::free_mapped_region(page, 1);
    mm::AddressSpace::destroy(first);
    mm::AddressSpace::destroy(second);
}

namespace {
constexpr mm::RegionAttributes read_write_demand_zero{
    mm::Protection::Read | mm::Protection::Write, mm::RegionKind::Anonymous, mm::RegionFlags::DemandZero, 0};
} // namespace

// The kernel used to read PROT_NONE pages (present, supervisor only): write() from one succeeded.
KTEST(prot_none_page_keeps_its_frame_and_faults_for_the_kernel_too) {
    constexpr uint64_t page = 0x400000;
    mm::AddressSpace* space = MUST(mm::AddressSpace::create());
    MUST(space->add_region(page, arch::page_size, read_write_demand_zero));
    MUST(space->allocate_and_map(page, arch::PageFlags::Writable));
    uint64_t frame = MUST(space->translate(page)).physical;
    *mm::physical_to_virtual<uint64_t>(frame) = 0x5eed;

    MUST(space->protect_region(page, arch::page_size, mm::Protection::None));
    arch::Translation hidden = MUST(space->translate(page));
    KEXPECT_EQ(hidden.physical, frame);
    KEXPECT(arch::has(hidden.flags, arch::PageFlags::NoAccess));
    auto remapped =
        arch::map_page(space->root(), page, frame, arch::PageFlags::User, mm::kernel_frame_source());
    KEXPECT(remapped.is_error() && remapped.error().code() == ktl::Errno::Exists);
    int walked = 0;
    arch::walk(space->root(), page, page + arch::page_size, [&](uint64_t address, arch::Translation found) {
        ++walked;
        KEXPECT_EQ(address, page);
        KEXPECT_EQ(found.physical, frame);
        KEXPECT(arch::has(found.flags, arch::PageFlags::NoAccess));
    });
    KEXPECT_EQ(walked, 1);
    KEXPECT(space->handle_page_fault(page, false, false) == arch::PageFaultOutcome::Refused);

    space->activate();
    arch::CaughtFault fault;
    KEXPECT(faults([&] { (void)*reinterpret_cast<volatile uint64_t*>(page); }, fault));
    KEXPECT_EQ(fault.faulting_address, page);
    KEXPECT_EQ(fault.error_code & fault_present, 0u); // not present, rather than a SMAP refusal
    uint64_t value = 0;
    auto copied = mm::copy_from_user(&value, page, sizeof value);
    KEXPECT(copied.is_error() && copied.error().code() == ktl::Errno::BadAddress);

    MUST(space->protect_region(page, arch::page_size, mm::Protection::Read | mm::Protection::Write));
    KEXPECT_EQ(MUST(space->translate(page)).physical, frame);
    KEXPECT(!mm::copy_from_user(&value, page, sizeof value).is_error());
    KEXPECT_EQ(value, 0x5eedu);
    arch::activate_root(mm::kernel_root());
    mm::AddressSpace::destroy(space);
}

KTEST(no_access_is_refused_for_kernel_and_large_pages) {
    uint64_t page = MUST(mm::allocate_mapped_region(1, 4096, arch::PageFlags::Writable));
    auto kernel = arch::protect_page(mm::kernel_root(), page, arch::PageFlags::NoAccess);
    KEXPECT(kernel.is_error() && kernel.error().code() == ktl::Errno::InvalidArgument);
    KEXPECT(!arch::has(MUST(arch::translate(mm::kernel_root(), page)).flags, arch::PageFlags::NoAccess));
    mm::free_mapped_region(page, 1);

    mm::AddressSpace* space = MUST(mm::AddressSpace::create());
    auto large = arch::map_page(space->root(), 0x200000, 0x200000, arch::PageFlags::NoAccess,
                                mm::kernel_frame_source(), arch::PageSize::Large);
    KEXPECT(large.is_error() && large.error().code() == ktl::Errno::InvalidArgument);
    mm::AddressSpace::destroy(space);
}

KTEST(prot_none_pages_lose_no_frames_through_munmap_or_destroy) {
    auto cycle = [](bool unmap_first) {
        constexpr uint64_t start = 0x400000;
        mm::AddressSpace* space = MUST(mm::AddressSpace::create());
        MUST(space->add_region(start, 2 * arch::page_size, read_write_demand_zero));
        MUST(space->allocate_and_map(start, arch::PageFlags::Writable));
        MUST(space->allocate_and_map(start + arch::page_size, arch::PageFlags::Writable));
        MUST(space->protect_region(start, 2 * arch::page_size, mm::Protection::None));
        if (unmap_first) {
            MUST(space->unmap_region(start, arch::page_size));
            KEXPECT(space->translate(start).is_error());
            MUST(space->unmap_and_free(start + arch::page_size));
        }
        mm::AddressSpace::destroy(space);
    };
    cycle(true); // warms the heap's slabs for the space and its regions
    cycle(false);
    uint64_t free_before = mm::frame_statistics().free_frames;
    for (int i = 0; i < 100; ++i) {
        cycle(true);
        cycle(false);
    }
    KEXPECT_EQ(mm::frame_statistics().free_frames, free_before);
}

// The counts are the whole heap's: a background task (a driver's, a reaper's) that allocates or frees
// meanwhile moves them, so a round that sees such a change is run again; a leak of the test's own
// blocks fails every round.
KTEST(heap_grows_well_past_its_start_and_shrinks_back) {
    constexpr int large_blocks = 128, small_blocks = 20000;
    static void* large[large_blocks];
    static void* small[small_blocks];
    mm::HeapStatistics before, grown, shrunk;
    uint64_t frames_before = 0;
    for (int round = 0; round < 3; ++round) {
        mm::trim_kernel_heap();
        before = mm::kernel_heap_statistics();
        frames_before = mm::frame_statistics().free_frames;
        for (int i = 0; i < large_blocks; ++i) {
            large[i] = mm::kmalloc(128 * 1024);
            KASSERT(large[i] != nullptr);
            static_cast<uint8_t*>(large[i])[128 * 1024 - 1] = 1;
        }
        for (int i = 0; i < small_blocks; ++i) {
            small[i] = mm::kmalloc(16 + i % 200);
            KASSERT(small[i] != nullptr);
        }
        grown = mm::kernel_heap_statistics();
        for (int i = 0; i < large_blocks; ++i)
            mm::kfree(large[i]);
        for (int i = 0; i < small_blocks; ++i)
            mm::kfree(small[i]);
        mm::trim_kernel_heap();
        shrunk = mm::kernel_heap_statistics();
        if (grown.live_allocations == before.live_allocations + large_blocks + small_blocks &&
            shrunk.live_allocations == before.live_allocations)
            break;
        klog::info("test", "heap counts moved under the test (round {}): {} -> {} -> {}", round,
                   before.live_allocations, grown.live_allocations, shrunk.live_allocations);
    }
    KEXPECT(grown.bytes_reserved >= before.bytes_reserved + large_blocks * 128 * 1024);
    KEXPECT_EQ(grown.live_allocations, before.live_allocations + large_blocks + small_blocks);
    KEXPECT_EQ(shrunk.live_allocations, before.live_allocations);
    KEXPECT(shrunk.bytes_reserved <= before.bytes_reserved + 64 * 1024);
    // Frames come back too (page tables made for the growth may stay).
    KEXPECT(mm::frame_statistics().free_frames + 64 >= frames_before);
}

KTEST(allocation_failure_returns_null_and_is_counted) {
    uint64_t failed_before = mm::kernel_heap_statistics().failed_allocations;
    KEXPECT(mm::kmalloc(1ull << 40) == nullptr);
    KEXPECT(mm::kmalloc(64, 8192) == nullptr); // alignment beyond a page is refused
    KEXPECT(mm::kernel_heap_statistics().failed_allocations >= failed_before + 1);
    auto* through_new = new (std::nothrow) uint8_t[1ull << 40];
    KEXPECT(through_new == nullptr);
}

KTEST(kmalloc_honours_alignment_and_new_constructs) {
    for (size_t alignment : {size_t(16), size_t(64), size_t(512), size_t(4096)}) {
        void* block = mm::kmalloc(100, alignment);
        KASSERT(block != nullptr);
        KEXPECT_EQ(reinterpret_cast<uint64_t>(block) % alignment, 0u);
        mm::kfree(block);
    }
    struct Counted {
        int value = 41;
    };
    Counted* counted = new (std::nothrow) Counted;
    KASSERT(counted != nullptr);
    KEXPECT_EQ(counted->value, 41);
    delete counted;
}

KTEST(kernel_stacks_have_an_unmapped_guard_page_named_in_reports) {
    mm::KernelStack stack = MUST(mm::allocate_kernel_stack("guard-test"));
    uint64_t guard = stack.bottom - 4096;
    KEXPECT(arch::translate(mm::kernel_root(), guard).is_error());
    KEXPECT(!arch::translate(mm::kernel_root(), stack.top - 8).is_error());
    KEXPECT_EQ(stack.top % 16, 0u);
    arch::CaughtFault fault;
    KEXPECT(faults([&] { *reinterpret_cast<volatile uint64_t*>(guard + 8) = 1; }, fault));
    KEXPECT(mm::guard_page_owner(guard + 8) &&
            ktl::StringView(mm::guard_page_owner(guard + 8)) == "guard-test");
    KEXPECT(mm::stack_owner(stack.top - 8) &&
            ktl::StringView(mm::stack_owner(stack.top - 8)) == "guard-test");
    mm::free_kernel_stack(stack);
    KEXPECT(mm::guard_page_owner(guard + 8) == nullptr);
}

KTEST(mmio_mappings_are_uncached) {
    // The local APIC's page is device memory on every x86-64 machine.
    void* apic = MUST(mm::map_mmio(0xfee00000, 4096));
    auto translation = MUST(arch::translate(mm::kernel_root(), reinterpret_cast<uint64_t>(apic)));
    KEXPECT_EQ(translation.physical, 0xfee00000u);
    KEXPECT(arch::has(translation.flags, arch::PageFlags::Uncached));
    KEXPECT(!arch::has(translation.flags, arch::PageFlags::Executable));
    uint32_t version = *reinterpret_cast<volatile uint32_t*>(static_cast<uint8_t*>(apic) + 0x30);
    KEXPECT((version & 0xff) >= 0x10); // an integrated APIC reports version 0x1X
    mm::unmap_mmio(apic, 4096);
}
