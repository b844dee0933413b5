// The clock page's protocol on the host: the TSC scaling, and a writer thread hammering the page while a
// reader checks it never accepts half an update.
#include "vdso/vdso_data.h"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <thread>

namespace {

TEST(VdsoData, TscScalingIsTheKernelsFormula) {
    // 2.5 GHz with 32 fraction bits: 0.4 ns a cycle.
    vdso::TscClock clock{1000, 5'000'000'000, (uint64_t(1'000'000'000) << 32) / 2'500'000'000u, 32};
    EXPECT_EQ(vdso::tsc_to_ns(clock, 1000), 5'000'000'000u);
    EXPECT_EQ(vdso::tsc_to_ns(clock, 1000 + 2'500'000'000u), 6'000'000'000u - 1); // truncated fraction
    // A day of cycles does not overflow the product, and the multiplier's truncation costs under a
    // nanosecond a second (0.23 here).
    uint64_t day = 86'400ull * 2'500'000'000u;
    EXPECT_NEAR(static_cast<double>(vdso::tsc_to_ns(clock, 1000 + day) - 5'000'000'000u), 86'400e9, 86'400);
}

TEST(VdsoData, AReadDuringAWriteIsRefused) {
    vdso::Data data{};
    uint64_t value = 0;
    auto read = [](const vdso::Data& page) { return vdso::load(page.coarse_monotonic_ns); };
    EXPECT_TRUE(vdso::try_read_stable(data, read, value));
    vdso::begin_write(data);
    vdso::store(data.coarse_monotonic_ns, uint64_t{7});
    EXPECT_FALSE(vdso::try_read_stable(data, read, value)); // odd: a write is in progress
    vdso::end_write(data);
    EXPECT_TRUE(vdso::try_read_stable(data, read, value));
    EXPECT_EQ(value, 7u);
    EXPECT_EQ(data.sequence, 2u);
}

TEST(VdsoData, AReaderNeverSeesHalfAnUpdate) {
    // The writer keeps tsc_base_ns == tsc_base_cycles * 3 and realtime_offset_ns == ~tsc_base_cycles; a
    // torn read would break one of them.
    vdso::Data data{};
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        for (uint64_t round = 1; !stop.load(std::memory_order_relaxed); ++round) {
            vdso::begin_write(data);
            vdso::store(data.tsc_base_cycles, round);
            vdso::store(data.tsc_base_ns, round * 3);
            vdso::store(data.realtime_offset_ns, ~round);
            vdso::end_write(data);
        }
    });
    struct Fields {
        uint64_t cycles, ns, offset;
    };
    uint64_t distinct = 0, last = 0;
    // At least 2 million reads, and on a loaded host (where the writer may not have run yet) on
    // until it has, for up to 20 s.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (long i = 0; i < 2'000'000 || (distinct <= 1 && std::chrono::steady_clock::now() < give_up); ++i) {
        Fields fields = vdso::read_stable(data, [](const vdso::Data& page) {
            return Fields{vdso::load(page.tsc_base_cycles), vdso::load(page.tsc_base_ns),
                          vdso::load(page.realtime_offset_ns)};
        });
        ASSERT_EQ(fields.ns, fields.cycles * 3);
        ASSERT_EQ(fields.offset, fields.cycles == 0 ? 0 : ~fields.cycles);
        ASSERT_GE(fields.cycles, last); // one writer: values only move forward
        distinct += fields.cycles != last;
        last = fields.cycles;
    }
    stop = true;
    writer.join();
    EXPECT_GT(distinct, 1u); // the reader really ran alongside the writer
}

} // namespace
