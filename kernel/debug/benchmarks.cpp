#include "debug/benchmarks.h"

#include "arch/cpu.h"
#include "arch/paging.h"
#include "bus/pci_msi.h"
#include "console/console.h"
#include "debug/edu_device.h"
#include "irq/irq.h"
#include "ktl/assert.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/physical.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"
#include "time/clock.h"

namespace debug {

namespace {

constexpr int rounds = 4096;

template <typename Operation>
uint64_t cycles_per_round(Operation&& operation) {
    uint64_t start = arch::read_cycle_counter();
    for (int round = 0; round < rounds; ++round)
        operation(round);
    return (arch::read_cycle_counter() - start) / rounds;
}

constexpr int switch_rounds = 20'000;

void yield_forever(void* argument) {
    auto& stop = *static_cast<volatile bool*>(argument);
    while (!stop)
        sched::yield();
}

// Ping-pong over two semaphores: each round trip is two wakeups and two blocks.
struct PingPong {
    sync::Semaphore ping{0}, pong{0};
};
void answer_pings(void* argument) {
    auto& pair = *static_cast<PingPong*>(argument);
    for (int round = 0; round < switch_rounds; ++round) {
        pair.ping.down();
        pair.pong.up();
    }
}

// Two tasks yielding to each other; the caller only waits, so the pair has the processor.
struct YieldRun {
    volatile bool stop = false;
    uint64_t cycles = 0, switches = 0;
};
void measure_yields(void* argument) {
    auto& run = *static_cast<YieldRun*>(argument);
    sched::yield();
    uint64_t switches_before = sched::statistics().context_switches;
    uint64_t start = arch::read_cycle_counter();
    for (int round = 0; round < switch_rounds; ++round)
        sched::yield();
    run.cycles = arch::read_cycle_counter() - start;
    run.switches = sched::statistics().context_switches - switches_before;
    run.stop = true;
}

void print_yield_round_trip(const char* which, bool uses_fpu) {
    YieldRun run;
    auto partner = MUST(
        sched::spawn("bench-yield", yield_forever, const_cast<bool*>(&run.stop), {.uses_fpu = uses_fpu}));
    MUST(sched::spawn("bench-measure", measure_yields, &run, {.uses_fpu = uses_fpu})).join();
    partner.join();
    // Each round trip is two switches (there and back); count from the switches that happened.
    console::print("benchmark: yield round trip between two {} {} cycles ({} switches in {} yields)\n", which,
                   run.switches ? run.cycles * 2 / run.switches : 0, run.switches, switch_rounds);
}

void run_scheduler_benchmarks() {
    print_yield_round_trip("kernel tasks", false);
    print_yield_round_trip("tasks using the FPU", true);

    PingPong pair;
    auto answerer = MUST(sched::spawn("bench-pong", answer_pings, &pair));
    uint64_t start = arch::read_cycle_counter();
    for (int round = 0; round < switch_rounds; ++round) {
        pair.ping.up();
        pair.pong.down();
    }
    uint64_t elapsed = arch::read_cycle_counter() - start;
    answerer.join();
    console::print("benchmark: wakeup (semaphore up to the woken task running) {} cycles\n",
                   elapsed / (2 * switch_rounds));

    start = arch::read_cycle_counter();
    for (int round = 0; round < 2'000; ++round)
        MUST(sched::spawn(
                 "bench-spawn", [](void*) {}, nullptr))
            .join();
    console::print("benchmark: spawn + run + exit + join a task {} cycles\n",
                   (arch::read_cycle_counter() - start) / 2'000);
}

} // namespace

// Device to handler: the TSC just before the MMIO write that makes QEMU's edu raise its interrupt, and
// again first thing in the handler. Without an edu device (QEMU -device edu) it says so.
struct LatencyProbe {
    debug::EduDevice* device = nullptr;
    volatile uint64_t handler_cycles = 0;
    volatile bool arrived = false;
};

irq::Result on_latency_interrupt(void* context) {
    uint64_t now = arch::read_cycle_counter();
    auto& probe = *static_cast<LatencyProbe*>(context);
    uint32_t status = probe.device->interrupt_status();
    if (!status)
        return irq::Result::NotMine;
    probe.device->acknowledge_interrupt(status);
    probe.handler_cycles = now;
    probe.arrived = true;
    return irq::Result::Handled;
}

constexpr int latency_samples = 2001;

// Raises `latency_samples` interrupts one at a time; the sorted latencies in cycles, or 0 samples if
// one never arrived.
int sample_interrupt_latency(LatencyProbe& probe, uint64_t (&cycles)[latency_samples]) {
    for (int sample = 0; sample < latency_samples; ++sample) {
        probe.arrived = false;
        uint64_t start = arch::read_cycle_counter();
        probe.device->raise_interrupt(1);
        uint64_t give_up = start + 10'000'000'000ull;
        while (!probe.arrived && arch::read_cycle_counter() < give_up)
            asm volatile("pause");
        if (!probe.arrived)
            return 0;
        cycles[sample] = probe.handler_cycles - start;
    }
    // Insertion sort: two thousand values, once.
    for (int i = 1; i < latency_samples; ++i)
        for (int j = i; j > 0 && cycles[j - 1] > cycles[j]; --j) {
            uint64_t swap = cycles[j];
            cycles[j] = cycles[j - 1];
            cycles[j - 1] = swap;
        }
    return latency_samples;
}

void report_latency(const char* how, int count, const uint64_t* sorted) {
    uint64_t tsc_hz = time::clock_info().tsc_hz;
    if (count == 0) {
        console::print("benchmark: interrupt latency ({}): an interrupt never arrived\n", how);
        return;
    }
    auto ns = [&](uint64_t cycles) { return tsc_hz ? cycles * 1'000'000'000ull / tsc_hz : 0; };
    console::print("benchmark: interrupt latency ({}, device to handler) min {} ns, median {} ns, "
                   "max {} ns over {} interrupts\n",
                   how, ns(sorted[0]), ns(sorted[count / 2]), ns(sorted[count - 1]), count);
}

void measure_interrupt_latency() {
    auto device = debug::EduDevice::open();
    if (device.is_error()) {
        console::print("benchmark: interrupt latency skipped: no edu device (QEMU -device edu)\n");
        return;
    }
    static uint64_t cycles[latency_samples];
    LatencyProbe probe;
    probe.device = device.value().ptr();
    {
        auto msi = bus::pci::Msi::enable(probe.device->function(), on_latency_interrupt, &probe, "edu-bench");
        if (msi.is_error())
            console::print("benchmark: interrupt latency (MSI) skipped: {}\n", msi.error().name());
        else
            report_latency("MSI", sample_interrupt_latency(probe, cycles), cycles);
    }
    auto intx = irq::request_pci_intx(probe.device->function(), on_latency_interrupt, &probe, "edu-bench");
    if (intx.is_error())
        console::print("benchmark: interrupt latency (INTx) skipped: {}\n", intx.error().name());
    else
        report_latency("INTx", sample_interrupt_latency(probe, cycles), cycles);
}

void run_benchmarks() {
    console::print(
        "benchmark: cycles per operation ({} rounds each; TSC cycles, so TCG numbers are emulated time)\n",
        rounds);

    static uint64_t frames[rounds];
    uint64_t allocate = cycles_per_round([](int round) { frames[round] = MUST(mm::allocate_frame()); });
    uint64_t release = cycles_per_round([](int round) { mm::free_frame(frames[round]); });
    console::print("benchmark: frame allocate {} cycles, frame free {} cycles\n", allocate, release);

    uint64_t region = MUST(mm::allocate_kernel_region(rounds * arch::page_size));
    uint64_t frame = MUST(mm::allocate_frame());
    uint64_t map = cycles_per_round([&](int round) {
        MUST(arch::map_page(mm::kernel_root(), region + round * arch::page_size, frame,
                            arch::PageFlags::Writable, mm::kernel_frame_source()));
    });
    uint64_t unmap = cycles_per_round([&](int round) {
        (void)MUST(arch::unmap_page(mm::kernel_root(), region + round * arch::page_size));
    });
    mm::free_frame(frame);
    mm::free_kernel_region(region, rounds * arch::page_size);
    console::print("benchmark: map 4 KiB page {} cycles, unmap {} cycles\n", map, unmap);

    // What the heap pays for a new 64 KiB slab: a region, 16 frames, 16 mappings.
    constexpr int region_rounds = 256;
    static uint64_t regions[region_rounds];
    uint64_t start = arch::read_cycle_counter();
    for (int round = 0; round < region_rounds; ++round)
        regions[round] = MUST(mm::allocate_mapped_region(16, 65536, arch::PageFlags::Writable));
    console::print("benchmark: map a fresh 64 KiB region {} cycles\n",
                   (arch::read_cycle_counter() - start) / region_rounds);
    start = arch::read_cycle_counter();
    for (int round = 0; round < region_rounds; ++round)
        for (int page = 0; page < 16; ++page)
            *reinterpret_cast<volatile uint8_t*>(regions[round] + page * 4096) = 1;
    // Under TCG the host backs guest RAM lazily: a frame's first touch costs far more than any allocator.
    console::print("benchmark: first write to each of 16 fresh pages {} cycles\n",
                   (arch::read_cycle_counter() - start) / region_rounds);
    start = arch::read_cycle_counter();
    for (int round = 0; round < region_rounds; ++round)
        mm::free_mapped_region(regions[round], 16);
    uint64_t unmap_region = (arch::read_cycle_counter() - start) / region_rounds;
    console::print("benchmark: unmap a 64 KiB region {} cycles\n", unmap_region);

    static void* blocks[rounds];
    for (size_t size : {size_t(32), size_t(256), size_t(4096)}) {
        uint64_t allocate_block = cycles_per_round([&](int round) { blocks[round] = mm::kmalloc(size); });
        uint64_t free_block = cycles_per_round([](int round) { mm::kfree(blocks[round]); });
        console::print("benchmark: kmalloc({}) {} cycles, kfree {} cycles\n", size, allocate_block,
                       free_block);
    }
    mm::trim_kernel_heap();
    run_scheduler_benchmarks();
    measure_interrupt_latency();
}

} // namespace debug
