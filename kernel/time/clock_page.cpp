// The clock data page: storage, writers and the kernel's own coarse readers.
//
// The page is a page-aligned object in the kernel image's .bss rather than an allocated frame, so the
// clock can publish into it from the first tick, before the frame allocator exists. Nothing else shares
// its frame (it is exactly one page), so mapping it into user space shows nothing but the clock.
#include "time/clock_page.h"

#include "mm/direct_map.h"
#include "sync/spinlock.h"

namespace time {

namespace {

union alignas(vdso::data_page_size) ClockPage {
    vdso::Data data;
    uint8_t bytes[vdso::data_page_size];
};
static_assert(sizeof(ClockPage) == vdso::data_page_size);

constinit ClockPage page{.data = {.sequence = 0, .layout_version = vdso::data_layout_version}};
// Serialises writers: the tick (interrupts off) and clock_settime (a task) must not nest on one CPU, or
// two CPUs interleave, either of which would leave the sequence even in the middle of a write.
sync::IrqSpinlock page_lock;

template <typename Write>
void publish(Write write) {
    sync::SpinlockGuard guard(page_lock);
    vdso::begin_write(page.data);
    write(page.data);
    vdso::end_write(page.data);
}

} // namespace

const vdso::Data& clock_page() {
    return page.data;
}

uint64_t clock_page_physical() {
    return reinterpret_cast<uint64_t>(&page) - mm::kernel_virtual_base;
}

void publish_tsc_clock(const vdso::TscClock& clock) {
    publish([&](vdso::Data& data) {
        vdso::store(data.tsc_base_cycles, clock.base_cycles);
        vdso::store(data.tsc_base_ns, clock.base_ns);
        vdso::store(data.tsc_multiplier, clock.multiplier);
        vdso::store(data.tsc_shift, clock.shift);
        vdso::store(data.clock_mode, static_cast<uint32_t>(vdso::clock_mode_tsc));
    });
}

void publish_tick_clock() {
    publish([](vdso::Data& data) {
        vdso::store(data.clock_mode, static_cast<uint32_t>(vdso::clock_mode_syscall));
    });
}

void publish_realtime_offset(uint64_t offset_ns) {
    publish([&](vdso::Data& data) {
        vdso::store(data.realtime_offset_ns, offset_ns);
        vdso::store(data.realtime_valid, uint32_t{1});
    });
}

void publish_tick(uint64_t coarse_monotonic_ns) {
    publish([&](vdso::Data& data) { vdso::store(data.coarse_monotonic_ns, coarse_monotonic_ns); });
}

void publish_cpu_number_source(vdso::CpuNumberSource source) {
    publish([&](vdso::Data& data) { vdso::store(data.cpu_number_source, static_cast<uint32_t>(source)); });
}

uint64_t coarse_monotonic_ns() {
    return vdso::read_stable(page.data,
                             [](const vdso::Data& data) { return vdso::load(data.coarse_monotonic_ns); });
}

uint64_t coarse_realtime_ns() {
    return vdso::read_stable(page.data, [](const vdso::Data& data) {
        return vdso::load(data.coarse_monotonic_ns) + vdso::load(data.realtime_offset_ns);
    });
}

} // namespace time
