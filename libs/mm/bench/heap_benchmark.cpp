// heap_benchmark: mm::Heap against glibc malloc/free on the same pre-generated allocation traces.
//   small_lifo   16-128 byte objects allocated in batches and freed in reverse order
//   mixed        sizes 16 B - 8 KiB (mostly small) with frees of random live blocks
//   fifo         a queue: every block is freed in allocation order, 512 in flight
// The heap's backend is glibc's memalign (posix_memalign), so after the first iteration an operation costs no
// system call on either side. Each benchmark reports items/s (one item = one allocate or free); after the run
// a line per trace gives ours / glibc. Numbers only, nothing here asserts anything.
#include "mm/heap.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

// One step of a trace: allocate `size` bytes into `slot`, or free `slot` when size is 0.
struct Operation {
    uint32_t slot;
    uint32_t size;
};

struct Trace {
    std::vector<Operation> operations;
    size_t slots = 0;
};

Trace small_lifo_trace() {
    std::mt19937 random(1);
    Trace trace;
    trace.slots = 64;
    for (int batch = 0; batch < 2000; ++batch) {
        const uint32_t count = 1 + random() % 64;
        for (uint32_t slot = 0; slot < count; ++slot)
            trace.operations.push_back({slot, 16 + static_cast<uint32_t>(random() % 113)});
        for (uint32_t slot = count; slot-- > 0;)
            trace.operations.push_back({slot, 0});
    }
    return trace;
}

Trace mixed_trace() {
    std::mt19937 random(2);
    Trace trace;
    trace.slots = 2048;
    std::vector<uint32_t> free_slots, live_slots;
    for (uint32_t slot = 0; slot < trace.slots; ++slot)
        free_slots.push_back(slot);
    auto pick_size = [&]() -> uint32_t {
        const uint32_t bucket = random() % 100;
        if (bucket < 70)
            return 16 + random() % (256 - 16 + 1);
        if (bucket < 92)
            return 257 + random() % (2048 - 257 + 1);
        return 2049 + random() % (8192 - 2049 + 1);
    };
    for (int step = 0; step < 200'000; ++step) {
        // Hovers around a thousand live blocks.
        const bool allocate =
            live_slots.empty() || (!free_slots.empty() && random() % 2048 >= live_slots.size());
        if (allocate) {
            const uint32_t slot = free_slots.back();
            free_slots.pop_back();
            live_slots.push_back(slot);
            trace.operations.push_back({slot, pick_size()});
        } else {
            const size_t position = random() % live_slots.size();
            const uint32_t slot = live_slots[position];
            live_slots[position] = live_slots.back();
            live_slots.pop_back();
            free_slots.push_back(slot);
            trace.operations.push_back({slot, 0});
        }
    }
    for (uint32_t slot : live_slots)
        trace.operations.push_back({slot, 0});
    return trace;
}

Trace fifo_trace() {
    std::mt19937 random(3);
    Trace trace;
    constexpr uint32_t depth = 512;
    trace.slots = depth;
    for (uint32_t slot = 0; slot < depth; ++slot)
        trace.operations.push_back({slot, 32 + static_cast<uint32_t>(random() % 481)});
    for (uint32_t step = 0; step < 100'000; ++step) {
        const uint32_t oldest = step % depth;
        trace.operations.push_back({oldest, 0});
        trace.operations.push_back({oldest, 32 + static_cast<uint32_t>(random() % 481)});
    }
    for (uint32_t i = 0; i < depth; ++i)
        trace.operations.push_back({(100'000 + i) % depth, 0});
    return trace;
}

// posix_memalign rather than aligned_alloc: the same glibc code, but C11 aligned_alloc wants sizes that
// are multiples of the alignment (ASan enforces it) and a large block's pages are not.
void* allocate_aligned(size_t alignment, size_t bytes) {
    void* base = nullptr;
    return posix_memalign(&base, alignment, bytes) == 0 ? base : nullptr;
}

class MemalignBackend final : public mm::HeapBackend {
public:
    void* allocate_pages(size_t count, size_t alignment) override {
        return allocate_aligned(alignment, count * mm::Heap::page_size);
    }
    void free_pages(void* base, size_t) override { std::free(base); }
};

struct GlibcAllocator {
    void* allocate(size_t size) { return std::malloc(size); }
    void free(void* pointer) { std::free(pointer); }
};

struct HeapAllocator {
    MemalignBackend backend;
    mm::Heap heap{backend, {}};
    void* allocate(size_t size) { return heap.allocate(size); }
    void free(void* pointer) { heap.free(pointer); }
};

template <typename Allocator>
void run_trace(benchmark::State& state, const Trace& trace) {
    static Allocator allocator; // stays warm across iterations and runs
    std::vector<void*> slots(trace.slots);
    for (auto _ : state) {
        for (const Operation& operation : trace.operations) {
            if (operation.size != 0) {
                auto* pointer = static_cast<char*>(allocator.allocate(operation.size));
                *pointer = 1; // touch it, as a real user would
                slots[operation.slot] = pointer;
            } else {
                allocator.free(slots[operation.slot]);
            }
        }
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * trace.operations.size()));
}

// The console output plus the items/s of every run, for the ratio lines at the end; with
// --benchmark_repetitions the ratio compares medians.
class RatioReporter final : public benchmark::ConsoleReporter {
public:
    // Colours only on a terminal (the flag that says so is read by the default reporter, not this one).
    RatioReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            auto rate = run.counters.find("items_per_second");
            if (run.error_occurred || rate == run.counters.end())
                continue;
            if (run.run_type == Run::RT_Iteration)
                m_rates[run.run_name.function_name].push_back(rate->second.value);
            else if (run.aggregate_name == "median") // --benchmark_report_aggregates_only
                m_rates[run.run_name.function_name] = {rate->second.value};
        }
    }
    void print_ratios(const std::vector<std::string>& traces) const {
        for (const std::string& trace : traces) {
            const double ours = median(trace + "/heap");
            const double glibc = median(trace + "/glibc");
            if (ours > 0 && glibc > 0)
                std::printf("heap/glibc ratio %s: %.2f (ops/s ours / ops/s glibc)\n", trace.c_str(),
                            ours / glibc);
        }
    }

private:
    double median(const std::string& name) const {
        auto rates = m_rates.find(name);
        if (rates == m_rates.end() || rates->second.empty())
            return 0;
        std::vector<double> sorted = rates->second;
        std::sort(sorted.begin(), sorted.end());
        return sorted[sorted.size() / 2];
    }

    std::map<std::string, std::vector<double>> m_rates;
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    static const Trace small_lifo = small_lifo_trace();
    static const Trace mixed = mixed_trace();
    static const Trace fifo = fifo_trace();
    const std::vector<std::pair<std::string, const Trace*>> traces = {
        {"small_lifo", &small_lifo}, {"mixed", &mixed}, {"fifo", &fifo}};
    std::vector<std::string> names;
    for (const auto& [name, trace] : traces) {
        const Trace* captured = trace;
        benchmark::RegisterBenchmark((name + "/heap").c_str(), [captured](benchmark::State& state) {
            run_trace<HeapAllocator>(state, *captured);
        })->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark((name + "/glibc").c_str(), [captured](benchmark::State& state) {
            run_trace<GlibcAllocator>(state, *captured);
        })->Unit(benchmark::kMillisecond);
        names.push_back(name);
    }
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_ratios(names);
    benchmark::Shutdown();
    return 0;
}
