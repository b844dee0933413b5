// A ChaCha20 generator with fast key erasure (Bernstein, "Fast-key-erasure random-number generators",
// 2017): every request runs the block function once under the lock, keeps 32 bytes as the generator's
// next key and takes the other 32 as a key of its own, which it expands outside the lock and erases.
// A later compromise of the generator therefore reveals nothing already handed out.
//
// Seed material is compressed by `absorb`: XOR 32 bytes into a key, then replace the key with the first
// half of the ChaCha20 block under it (a fixed, domain-separating nonce). The block function's
// feed-forward makes each step one-way, so the key depends on every input and adding predictable input
// cannot remove unpredictability already there. Gathering and compressing happen outside the lock; the
// lock covers one or two block computations.
#include "random/random.h"

#include "arch/cpu.h"
#include "arch/entropy.h"
#include "console/log.h"
#include "crypto/chacha20.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "time/rtc.h"

namespace random {

namespace {

constexpr ktl::StringView log_subsystem = "random";

using crypto::chacha20_block_size;
using crypto::chacha20_key_size;

constexpr uint8_t absorb_nonce[crypto::chacha20_nonce_size] = {'b', 'l', 'o', 'g', '_', 'o',
                                                               's', ' ', 'm', 'i', 'x', 0};
constexpr uint8_t output_nonce[crypto::chacha20_nonce_size] = {};

constexpr int hardware_words_per_seed = 8; // 512 bits from each instruction: twice the key
constexpr int boot_jitter_samples = 128, reseed_jitter_samples = 32;
constexpr uint64_t reseed_interval_ns = 60'000'000'000;
// Each request key expands to at most this much, well inside ChaCha20's 2^32-block counter.
constexpr size_t max_bytes_per_request_key = 1 << 20;

// Raw seed material: 64-bit words from every source, compressed before the lock is taken.
struct SeedMaterial {
    static constexpr int capacity = 2 * hardware_words_per_seed + 2 * boot_jitter_samples + 8;
    uint64_t words[capacity];
    int count = 0;
    void add(uint64_t word) {
        if (count < capacity)
            words[count++] = word;
    }
};

void absorb(uint8_t (&key)[chacha20_key_size], const uint8_t* input, size_t length) {
    uint8_t block[chacha20_block_size];
    for (size_t done = 0; done < length; done += chacha20_key_size) {
        for (size_t i = 0; i < chacha20_key_size && done + i < length; ++i)
            key[i] ^= input[done + i];
        crypto::chacha20_block(key, 0, absorb_nonce, block);
        for (size_t i = 0; i < chacha20_key_size; ++i)
            key[i] = block[i];
    }
    crypto::secure_zero(block, sizeof block);
}

// Cycle counts around a short loop whose length depends on caches, branch predictors, interrupts and,
// under a hypervisor, the host. Not credited with any amount of entropy: mixed in because it can help.
void add_jitter(SeedMaterial& material, int samples) {
    uint64_t churn = arch::read_cycle_counter();
    for (int sample = 0; sample < samples; ++sample) {
        uint64_t start = arch::read_cycle_counter();
        for (int step = 0; step < 16 + static_cast<int>(churn & 15); ++step)
            churn = churn * 6364136223846793005ull + arch::read_cycle_counter();
        uint64_t end = arch::read_cycle_counter();
        material.add(end - start);
        material.add(end ^ churn);
    }
}

void add_hardware(SeedMaterial& material, EntropySources& found) {
    for (int word = 0; word < hardware_words_per_seed; ++word) {
        uint64_t value;
        if (arch::read_hardware_seed(value)) {
            material.add(value);
            found.rdseed = true;
        }
        if (arch::read_hardware_random(value)) {
            material.add(value);
            found.rdrand = true;
        }
    }
}

// Gathers material and compresses it into 32 bytes (outside any lock).
void gather_seed(uint8_t (&digest)[chacha20_key_size], int jitter_samples, bool with_wall_clock,
                 EntropySources& found) {
    SeedMaterial material;
    add_hardware(material, found);
    add_jitter(material, jitter_samples);
    found.jitter_samples = static_cast<uint32_t>(jitter_samples);
    if (with_wall_clock)
        material.add(time::realtime_ns());
    material.add(time::monotonic_ns());
    material.add(arch::read_cycle_counter());
    found.clock = true;
    for (uint8_t& byte : digest)
        byte = 0;
    absorb(digest, reinterpret_cast<const uint8_t*>(material.words), material.count * sizeof(uint64_t));
    crypto::secure_zero(material.words, sizeof material.words);
}

struct Generator {
    uint8_t key[chacha20_key_size] = {};
    bool seeded = false;
    EntropySources sources;
};
sync::SpinlockProtected<Generator> generator;

bool seeded;             // mirrors Generator::seeded, readable without the lock
uint64_t next_reseed_ns; // monotonic time of the next periodic reseed
bool reseed_in_progress; // one reseed at a time; the others go on with the current key

void reseed_if_due() {
    if (time::monotonic_ns() < __atomic_load_n(&next_reseed_ns, __ATOMIC_RELAXED))
        return;
    if (__atomic_exchange_n(&reseed_in_progress, true, __ATOMIC_ACQUIRE))
        return;
    EntropySources found;
    uint8_t digest[chacha20_key_size];
    gather_seed(digest, reseed_jitter_samples, false, found);
    generator.with([&](Generator& state) {
        absorb(state.key, digest, sizeof digest);
        ++state.sources.reseeds;
    });
    crypto::secure_zero(digest, sizeof digest);
    __atomic_store_n(&next_reseed_ns, time::monotonic_ns() + reseed_interval_ns, __ATOMIC_RELAXED);
    __atomic_store_n(&reseed_in_progress, false, __ATOMIC_RELEASE);
}

// A key of the caller's own, taken from the generator's keystream with the generator's key replaced.
void take_request_key(uint8_t (&request_key)[chacha20_key_size]) {
    generator.with([&](Generator& state) {
        uint8_t block[chacha20_block_size];
        crypto::chacha20_block(state.key, 0, output_nonce, block);
        for (size_t i = 0; i < chacha20_key_size; ++i) {
            state.key[i] = block[i];
            request_key[i] = block[chacha20_key_size + i];
        }
        crypto::secure_zero(block, sizeof block);
    });
}

void log_sources(const EntropySources& sources) {
    if (!sources.rdseed && !sources.rdrand) {
        klog::warn(log_subsystem,
                   "no RDSEED or RDRAND: seeded only from {} TSC jitter samples and the clocks, which an "
                   "observer of this machine's timing may be able to guess",
                   sources.jitter_samples);
        return;
    }
    klog::info(log_subsystem, "seeded from {}{}{} TSC jitter samples and the clocks",
               sources.rdseed ? "RDSEED, " : "", sources.rdrand ? "RDRAND, " : "", sources.jitter_samples);
}

} // namespace

void initialize() {
    if (__atomic_load_n(&seeded, __ATOMIC_ACQUIRE))
        return;
    EntropySources found;
    uint8_t digest[chacha20_key_size];
    gather_seed(digest, boot_jitter_samples, true, found);
    bool first = generator.with([&](Generator& state) {
        absorb(state.key, digest, sizeof digest);
        bool was_seeded = state.seeded;
        state.seeded = true;
        if (!was_seeded)
            state.sources = found;
        return !was_seeded;
    });
    crypto::secure_zero(digest, sizeof digest);
    if (!first)
        return; // another CPU seeded first; our material was mixed in all the same
    __atomic_store_n(&next_reseed_ns, time::monotonic_ns() + reseed_interval_ns, __ATOMIC_RELAXED);
    __atomic_store_n(&seeded, true, __ATOMIC_RELEASE);
    log_sources(found);
}

void fill(void* buffer, size_t length) {
    initialize();
    reseed_if_due();
    uint8_t* output = static_cast<uint8_t*>(buffer);
    uint8_t request_key[chacha20_key_size];
    for (size_t done = 0; done < length;) {
        size_t chunk = length - done < max_bytes_per_request_key ? length - done : max_bytes_per_request_key;
        take_request_key(request_key);
        crypto::chacha20_keystream(request_key, 0, output_nonce, output + done, chunk);
        done += chunk;
    }
    crypto::secure_zero(request_key, sizeof request_key);
}

void add_hardware_entropy(const void* data, size_t length, size_t credited_bits) {
    if (length == 0)
        return;
    initialize();
    if (credited_bits > length * 8)
        credited_bits = length * 8;
    // Compressed outside the lock, as the seed is; only the digest is absorbed under it.
    uint8_t digest[chacha20_key_size] = {};
    absorb(digest, static_cast<const uint8_t*>(data), length);
    generator.with([&](Generator& state) {
        absorb(state.key, digest, sizeof digest);
        state.sources.hardware_bits += credited_bits;
        state.sources.hardware_bytes += length;
    });
    crypto::secure_zero(digest, sizeof digest);
}

uint64_t next_u64() {
    uint64_t value;
    fill(&value, sizeof value);
    return value;
}

EntropySources entropy_sources() {
    initialize();
    return generator.with([](Generator& state) { return state.sources; });
}

} // namespace random
