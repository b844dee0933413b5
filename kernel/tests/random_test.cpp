// The kernel CSPRNG: outputs differ, bytes are uniform by a test whose false-failure probability is
// below 1e-9, every length (0 and odd ones, at odd addresses) is filled exactly, and the sources it
// reports match what the CPU offers.
#include "arch/entropy.h"
#include "random/random.h"
#include "test/ktest.h"

#include <initializer_list>

namespace {

constexpr size_t uniformity_sample_bytes = 64 * 1024;
uint8_t uniformity_sample[uniformity_sample_bytes]; // static: too big for a test's stack

bool equal(const uint8_t* a, const uint8_t* b, size_t length) {
    for (size_t i = 0; i < length; ++i)
        if (a[i] != b[i])
            return false;
    return true;
}

} // namespace

KTEST(random_two_fills_differ) {
    uint8_t first[32], second[32];
    random::fill(first, sizeof first);
    random::fill(second, sizeof second);
    KEXPECT(!equal(first, second, sizeof first)); // equal with probability 2^-256
    uint64_t a = random::next_u64(), b = random::next_u64();
    KEXPECT(a != b); // 2^-64
}

// 65536 bytes in 256 bins: each count is Binomial(65536, 1/256) (mean 256, sd 16) and the sum of
// (count - 256)^2 / 256 is chi-square with 255 degrees of freedom. For an ideal source:
//   P(chi-square > 430) = 4.3e-11, P(chi-square < 130) = 4.9e-12 (too even is as suspect as too rough),
//   P(some count outside 140..380) <= 256 * P(one is) = 4.4e-11,
// so a false failure has probability below 1e-10. A stuck bit, a missing byte value or a counter fails.
KTEST(random_bytes_look_uniform_over_64_kib) {
    // Several request sizes, so both the whole-block and the partial-block paths contribute.
    size_t filled = 0, step = 1;
    while (filled < uniformity_sample_bytes) {
        size_t chunk = step < uniformity_sample_bytes - filled ? step : uniformity_sample_bytes - filled;
        random::fill(uniformity_sample + filled, chunk);
        filled += chunk;
        step = step * 3 + 1;
    }
    uint32_t counts[256] = {};
    for (uint8_t byte : uniformity_sample)
        ++counts[byte];
    constexpr uint64_t expected = uniformity_sample_bytes / 256;
    uint64_t squared_deviations = 0; // chi-square times `expected`, kept in integers
    for (int value = 0; value < 256; ++value) {
        int64_t deviation = static_cast<int64_t>(counts[value]) - static_cast<int64_t>(expected);
        squared_deviations += static_cast<uint64_t>(deviation * deviation);
        if (counts[value] < 140 || counts[value] > 380)
            ktest::fail(__FILE__, __LINE__, "byte {:#04x} appeared {} times, outside 140..380", value,
                        counts[value]);
    }
    if (squared_deviations < 130 * expected || squared_deviations > 430 * expected)
        ktest::fail(__FILE__, __LINE__, "chi-square {}/{} is outside 130..430", squared_deviations, expected);
}

KTEST(random_fill_of_zero_and_odd_lengths_writes_exactly_those_bytes) {
    constexpr uint8_t canary = 0xa5;
    uint8_t buffer[160];
    for (uint8_t& byte : buffer)
        byte = canary;
    random::fill(buffer + 1, 0);
    random::fill(nullptr, 0);
    for (uint8_t byte : buffer)
        KASSERT(byte == canary);

    for (size_t length : {1u, 3u, 7u, 31u, 33u, 63u, 65u, 127u, 129u}) {
        bool changed = false;
        // Small lengths can legitimately come out equal to the canary; 8 tries make that 2^-64.
        for (int attempt = 0; attempt < 8 && !changed; ++attempt) {
            for (uint8_t& byte : buffer)
                byte = canary;
            random::fill(buffer + 1, length); // odd address: no alignment assumed
            KASSERT(buffer[0] == canary);
            for (size_t i = 1 + length; i < sizeof buffer; ++i)
                if (buffer[i] != canary) {
                    ktest::fail(__FILE__, __LINE__, "fill of {} bytes wrote byte {}", length, i - 1);
                    return;
                }
            for (size_t i = 1; i <= length; ++i)
                changed |= buffer[i] != canary;
        }
        if (!changed)
            ktest::fail(__FILE__, __LINE__, "fill of {} bytes left them all unchanged", length);
    }
}

KTEST(random_sources_match_what_the_cpu_offers) {
    random::EntropySources sources = random::entropy_sources();
    arch::HardwareRandomSupport support = arch::hardware_random_support();
    KEXPECT_EQ(sources.rdseed, support.seed_instruction);
    KEXPECT_EQ(sources.rdrand, support.random_instruction);
    KEXPECT(sources.jitter_samples > 0);
    KEXPECT(sources.clock);
}
