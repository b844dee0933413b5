// The vDSO's kernel side: the embedded image passes the ELF check, the clock page's sequence count
// refuses torn reads (also with a writer task preempted mid-update), the page says what the kernel's
// clock says, and an address space maps the shared frames read-only and never frees them.
#include "arch/cpu.h"
#include "arch/paging.h"
#include "elf/shared_object.h"
#include "ktl/assert.h"
#include "mm/address_space.h"
#include "mm/physical.h"
#include "sched/scheduler.h"
#include "sched/task.h"
#include "test/ktest.h"
#include "time/clock.h"
#include "time/clock_page.h"
#include "time/rtc.h"
#include "vdso/vdso.h"

#include <cstring>
#include <new>

extern "C" const uint8_t vdso_image_start[], vdso_image_end[];

namespace {

struct TornReadTest {
    vdso::Data data;
    volatile bool stop = false;
};

// Keeps tsc_base_ns == 3 * tsc_base_cycles and realtime_offset_ns == ~tsc_base_cycles, pausing as
// long inside each update as between updates, so the tick preempts it halfway about every other time.
void write_page_forever(void* argument) {
    auto* test = static_cast<TornReadTest*>(argument);
    for (uint64_t round = 1; !test->stop; ++round) {
        vdso::begin_write(test->data);
        vdso::store(test->data.tsc_base_cycles, round);
        for (int i = 0; i < 100; ++i)
            asm volatile("pause");
        vdso::store(test->data.tsc_base_ns, round * 3);
        vdso::store(test->data.realtime_offset_ns, ~round);
        vdso::end_write(test->data);
        for (int i = 0; i < 100; ++i)
            asm volatile("pause");
    }
}

} // namespace

KTEST(the_embedded_vdso_image_passes_the_elf_check) {
    KASSERT(vdso::available());
    ktl::ByteReader image(vdso_image_start, static_cast<size_t>(vdso_image_end - vdso_image_start));
    auto object = elf::SharedObject::parse(image);
    KASSERT(!object.is_error());
    KEXPECT_EQ(object.value().image_size(), vdso::image_size());
    KEXPECT(vdso::image_size() <= vdso::max_image_size);
    for (ktl::StringView name :
         {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu"})
        KEXPECT(!object.value().find_symbol(name, "LINUX_2.6").is_error());
    // The check is a real one: the same bytes without their dynamic section's hash table are refused.
    KEXPECT(elf::SharedObject::parse(image.slice(0, 64).value()).is_error());
}

KTEST(a_clock_page_read_during_a_write_is_refused) {
    vdso::Data data;
    auto read = [](const vdso::Data& page) { return vdso::load(page.coarse_monotonic_ns); };
    uint64_t value = 0;
    KEXPECT(vdso::try_read_stable(data, read, value));
    vdso::begin_write(data);
    vdso::store(data.coarse_monotonic_ns, uint64_t{42});
    KEXPECT(!vdso::try_read_stable(data, read, value));
    vdso::end_write(data);
    KEXPECT(vdso::try_read_stable(data, read, value));
    KEXPECT_EQ(value, 42u);
}

KTEST(clock_page_readers_never_accept_an_update_preempted_halfway) {
    auto* test = new (std::nothrow) TornReadTest;
    KASSERT(test != nullptr);
    auto writer = sched::spawn("page-writer", write_page_forever, test);
    KASSERT(!writer.is_error());
    struct Fields {
        uint64_t cycles, ns, offset;
    };
    auto read = [](const vdso::Data& page) {
        return Fields{vdso::load(page.tsc_base_cycles), vdso::load(page.tsc_base_ns),
                      vdso::load(page.realtime_offset_ns)};
    };
    uint64_t refused = 0, accepted = 0, last = 0;
    bool consistent = true;
    // 100 ms is about 50 preemptions each way; on a loaded host fewer land inside an update, so the
    // reading goes on (up to 5 s) until one has been caught.
    uint64_t start = time::monotonic_ns();
    for (;;) {
        uint64_t elapsed = time::monotonic_ns() - start;
        if ((elapsed >= 100'000'000 && refused > 0) || elapsed >= 5'000'000'000)
            break;
        Fields fields{};
        if (!vdso::try_read_stable(test->data, read, fields)) {
            ++refused;
            sched::yield(); // let the writer finish its update
            continue;
        }
        ++accepted;
        consistent = consistent && fields.ns == fields.cycles * 3 &&
                     fields.offset == (fields.cycles == 0 ? 0 : ~fields.cycles) && fields.cycles >= last;
        last = fields.cycles;
    }
    test->stop = true;
    writer.value().join();
    delete test;
    KEXPECT(consistent);
    KEXPECT(accepted > 0);
    KEXPECT(refused > 0); // the writer really was caught halfway, and the reader refused it
}

KTEST(the_clock_page_tells_what_the_kernel_clock_says) {
    const vdso::Data& page = time::clock_page();
    KEXPECT_EQ(vdso::load(page.sequence) % 2, 0u);
    KEXPECT_EQ(vdso::load(page.layout_version), vdso::data_layout_version);
    bool tsc = time::clock_info().ns_source == ktl::StringView("TSC");
    KEXPECT_EQ(vdso::load(page.clock_mode),
               static_cast<uint32_t>(tsc ? vdso::clock_mode_tsc : vdso::clock_mode_syscall));
    for (int i = 0; i < 1000 && tsc; ++i) {
        uint64_t before = time::monotonic_ns();
        uint64_t from_page = vdso::read_stable(page, [](const vdso::Data& data) {
            return vdso::tsc_to_ns(vdso::tsc_clock_of(data), arch::read_cycle_counter());
        });
        uint64_t after = time::monotonic_ns();
        KASSERT(before <= from_page && from_page <= after);
    }
    // The wall clock: the page's offset is the kernel's.
    time::realtime_ns();
    KEXPECT_EQ(vdso::load(page.realtime_valid), 1u);
    uint64_t monotonic = time::monotonic_ns();
    uint64_t realtime = time::realtime_ns();
    uint64_t from_page = monotonic + vdso::load(page.realtime_offset_ns);
    KEXPECT(from_page <= realtime && realtime - from_page < 10'000'000);
}

KTEST(the_coarse_clocks_follow_the_tick_and_never_run_ahead) {
    uint64_t first = time::coarse_monotonic_ns();
    KEXPECT(first <= time::monotonic_ns());
    time::wait_ticks(2);
    uint64_t second = time::coarse_monotonic_ns();
    KEXPECT(second > first);
    KEXPECT(second <= time::monotonic_ns());
    uint64_t realtime = time::realtime_coarse_ns();
    KEXPECT(realtime <= time::realtime_ns());
}

KTEST(an_address_space_maps_the_vdso_read_only_and_never_frees_its_frames) {
    KASSERT(vdso::available());
    auto cycle = [] {
        mm::AddressSpace* space = MUST(mm::AddressSpace::create());
        MUST(vdso::map_into(*space));
        mm::AddressSpace::destroy(space);
    };
    cycle(); // warms the heap
    uint64_t free_before = mm::frame_statistics().free_frames;

    mm::AddressSpace* space = MUST(mm::AddressSpace::create());
    KASSERT(!vdso::map_into(*space).is_error());
    auto page = space->translate(vdso::clock_page_address);
    KASSERT(!page.is_error());
    KEXPECT_EQ(page.value().physical, time::clock_page_physical());
    KEXPECT(arch::has(page.value().flags, arch::PageFlags::User));
    KEXPECT(!arch::has(page.value().flags, arch::PageFlags::Writable));
    KEXPECT(!arch::has(page.value().flags, arch::PageFlags::Executable));
    auto image = space->translate(vdso::image_address);
    KASSERT(!image.is_error());
    KEXPECT(arch::has(image.value().flags, arch::PageFlags::Executable));
    KEXPECT(!arch::has(image.value().flags, arch::PageFlags::Writable));
    KEXPECT(memcmp(mm::physical_to_virtual<uint8_t>(image.value().physical),
                   "\x7f"
                   "ELF",
                   4) == 0);
    // Shared by every process: never writable, whatever mprotect asks; taking permissions away is fine.
    auto writable =
        space->protect_region(vdso::clock_page_address, 4096, mm::Protection::Read | mm::Protection::Write);
    KEXPECT(writable.is_error() && writable.error().code() == ktl::Errno::AccessDenied);
    KEXPECT(!space->protect_region(vdso::image_address, 4096, mm::Protection::None).is_error());
    // munmap and MAP_FIXED over it unmap the pages but leave the frames to the kernel.
    KEXPECT(!space->unmap_region(vdso::image_address, 4096).is_error());
    KEXPECT(space->translate(vdso::image_address).is_error());
    KEXPECT(!space
                 ->map_region(
                     vdso::clock_page_address, 4096,
                     {mm::Protection::Read, mm::RegionKind::Anonymous, mm::RegionFlags::DemandZero, 0}, true)
                 .is_error());
    mm::AddressSpace::destroy(space);
    KEXPECT_EQ(mm::frame_statistics().free_frames, free_before);
    // The frames are intact: the kernel's page still holds the clock.
    KEXPECT_EQ(vdso::load(time::clock_page().layout_version), vdso::data_layout_version);
}
