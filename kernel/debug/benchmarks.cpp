#include "debug/benchmarks.h"

#include "arch/cpu.h"
#include "arch/paging.h"
#include "console/console.h"
#include "ktl/assert.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_space.h"
#include "mm/physical.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"

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
}

} // namespace debug
