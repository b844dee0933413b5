// The virtio-rng driver under whichever machine the test run boots: with QEMU's entropy device
// (bios-pc has the transitional one, driven through its modern interface; bios-q35 a legacy-only one)
// it reads differing bytes, has credited the pool, and can be stopped and started again without
// leaking; without one it registers nothing and reads say so.
#include "bus/virtio/virtio_pci.h"
#include "dev/virtio_rng.h"
#include "fs/char_device.h"
#include "mm/kernel_heap.h"
#include "mm/statistics.h"
#include "random/random.h"
#include "sched/scheduler.h"
#include "test/ktest.h"
#include "time/clock.h"
#include "virtio/spec.h"

namespace {

uint32_t entropy_functions() {
    uint32_t count = 0;
    bus::virtio::for_each_virtio_function(
        [&](const ::pci::Function&, const ::virtio::pci::Identity& identity) {
            count += identity.device_type == ::virtio::device_type::entropy;
        });
    return count;
}

bool hwrng_registered() {
    bool found = false;
    fs::for_each_character_device(
        [&](const fs::CharacterDeviceInfo& info) { found |= info.major == 10 && info.minor == 183; });
    return found;
}

bool differing_reads() {
    uint8_t first[64] = {}, second[64] = {};
    auto one = dev::virtio_rng::read(first, sizeof first);
    auto two = dev::virtio_rng::read(second, sizeof second);
    if (one.is_error() || two.is_error() || one.value() != sizeof first || two.value() != sizeof second)
        return false;
    return __builtin_memcmp(first, second, sizeof first) != 0;
}

} // namespace

KTEST(virtio_rng_reads_differing_bytes_and_credits_the_pool_when_qemu_has_the_device) {
    uint32_t functions = entropy_functions();
    if (functions == 0) {
        KEXPECT_EQ(dev::virtio_rng::statistics().devices, 0u);
        KEXPECT(!hwrng_registered());
        uint8_t byte;
        auto read = dev::virtio_rng::read(&byte, 1);
        KASSERT(read.is_error());
        KEXPECT_EQ(read.error().code(), ktl::Errno::NoDevice);
        return;
    }
    KEXPECT_EQ(dev::virtio_rng::statistics().devices, functions);
    KEXPECT(hwrng_registered());
    KEXPECT(differing_reads());
    // The feeding task ran at boot; give it a moment if the tests started first.
    uint64_t deadline = time::monotonic_ns() + 2'000'000'000;
    while (random::entropy_sources().hardware_bits < 512 && time::monotonic_ns() < deadline)
        sched::sleep_for(10'000'000);
    KEXPECT(random::entropy_sources().hardware_bits >= 512);
    KEXPECT(dev::virtio_rng::statistics().bytes_credited >= 64);
}

KTEST(virtio_rng_stopped_and_started_20_times_leaves_memory_at_its_baseline) {
    if (entropy_functions() == 0) {
        // Without a device start() does nothing and stop() has nothing to undo.
        dev::virtio_rng::stop();
        KEXPECT(!dev::virtio_rng::start().is_error());
        KEXPECT(!hwrng_registered());
        return;
    }
    auto cycle = [] {
        dev::virtio_rng::stop();
        if (hwrng_registered() || dev::virtio_rng::statistics().devices != 0)
            return false;
        if (dev::virtio_rng::start().is_error())
            return false;
        return hwrng_registered() && differing_reads();
    };
    KASSERT(cycle()); // warms the heap's slabs
    sched::reap_exited_tasks_now();
    mm::trim_kernel_heap();
    mm::MemoryStatistics before = mm::memory_statistics();
    for (int i = 0; i < 20; ++i)
        KASSERT(cycle());
    sched::reap_exited_tasks_now();
    mm::trim_kernel_heap();
    mm::MemoryStatistics after = mm::memory_statistics();
    KEXPECT_EQ(after.frames.free_frames, before.frames.free_frames);
    KEXPECT_EQ(after.heap.bytes_allocated, before.heap.bytes_allocated);
    KEXPECT_EQ(after.heap.live_allocations, before.heap.live_allocations);
}

// The "MSI-X interrupts arrive": QEMU's virtio-rng-pci has an MSI-X table of two entries, so
// every device the driver binds takes its completions by MSI-X, and reads count interrupts. Bound
// afresh first: another test may have borrowed the function's MSI-X meanwhile.
KTEST(virtio_rng_completions_arrive_by_msix_interrupts) {
    if (entropy_functions() == 0)
        return; // the no-device answers are checked above
    dev::virtio_rng::stop();
    KASSERT(!dev::virtio_rng::start().is_error());
    dev::virtio_rng::Statistics before = dev::virtio_rng::statistics();
    KEXPECT_EQ(before.msix_devices, before.devices);
    KEXPECT(differing_reads());
    dev::virtio_rng::Statistics after = dev::virtio_rng::statistics();
    KEXPECT(after.queue_interrupts >= before.queue_interrupts + 2);
}
