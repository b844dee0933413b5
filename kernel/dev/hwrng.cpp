#include "dev/hwrng.h"

#include "console/log.h"
#include "fs/char_device.h"
#include "ktl/vector.h"
#include "random/random.h"
#include "sched/scheduler.h"
#include "sched/task.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "time/clock.h"

#include <new>

namespace dev::hwrng {

namespace {

constexpr ktl::StringView log_subsystem = "hwrng";
constexpr uint32_t hwrng_major = 10, hwrng_minor = 183;
constexpr size_t chunk_bytes = 4096; // what one source request may return at most
constexpr size_t pool_feed_bytes = 64;
constexpr uint64_t pool_feed_interval_ns = 60'000'000'000;

struct CoreState {
    ktl::Vector<Source*> sources;
    bool node_registered = false;
    Statistics statistics;
};
// Reads run under this mutex too: one at a time, and unregister waits for the one running.
sync::MutexProtected<CoreState> core;

struct Feeder {
    sched::TaskHandle task;
    bool stop = false;
    sched::WaitQueue wake;
};
// Started and stopped only under `feeder_control`, outside the core lock (the task takes it).
Feeder feeder;
sync::Mutex feeder_control;

ktl::ErrorOr<size_t> read_locked(CoreState& state, void* buffer, size_t length) {
    if (state.sources.is_empty())
        return ktl::Errno::NoDevice;
    Source& source = *state.sources[0];
    size_t got = TRY(source.read(source.context, buffer, length < chunk_bytes ? length : chunk_bytes));
    if (got > length)
        return ktl::Errno::IoError; // a source that claims more than asked is broken
    ++state.statistics.requests;
    state.statistics.bytes_read += got;
    return got;
}

void feed_pool(void*) {
    bool logged = false;
    while (!__atomic_load_n(&feeder.stop, __ATOMIC_ACQUIRE)) {
        uint8_t bytes[pool_feed_bytes];
        size_t filled = 0;
        for (int attempt = 0; attempt < 8 && filled < sizeof bytes; ++attempt) {
            auto got = core.with(
                [&](CoreState& state) { return read_locked(state, bytes + filled, sizeof bytes - filled); });
            if (got.is_error())
                break;
            filled += got.value();
        }
        if (filled > 0) {
            random::add_hardware_entropy(bytes, filled, filled * 8);
            core.with([&](CoreState& state) { state.statistics.bytes_credited += filled; });
            if (!logged)
                klog::info(log_subsystem, "{} bytes mixed into the random pool ({} bits credited)", filled,
                           filled * 8);
            logged = true;
        }
        __builtin_memset(bytes, 0, sizeof bytes);
        feeder.wake.wait_until([] { return __atomic_load_n(&feeder.stop, __ATOMIC_ACQUIRE); },
                               time::monotonic_ns() + pool_feed_interval_ns);
    }
}

void start_feeder() {
    sync::MutexLocker locker(feeder_control);
    if (feeder.task)
        return;
    __atomic_store_n(&feeder.stop, false, __ATOMIC_RELEASE);
    auto task = sched::spawn("hwrng", feed_pool, nullptr);
    if (task.is_error())
        klog::warn(log_subsystem, "no task to feed the random pool: {}", task.error().name());
    else
        feeder.task = static_cast<sched::TaskHandle&&>(task.value());
}

void stop_feeder() {
    sync::MutexLocker locker(feeder_control);
    if (!feeder.task)
        return;
    __atomic_store_n(&feeder.stop, true, __ATOMIC_RELEASE);
    feeder.wake.wake_all();
    feeder.task.join(); // empties the handle
}

// /dev/hwrng: raw source bytes, as many as asked for (a page a request).
class HwrngFile final : public fs::OpenFile {
public:
    HwrngFile(fs::RefPtr<fs::Inode> inode, uint32_t flags)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags) {}

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        if (length == 0)
            return 0;
        ktl::Vector<uint8_t> chunk;
        TRY(chunk.try_resize(length < chunk_bytes ? length : chunk_bytes));
        size_t done = 0;
        int empty_answers = 0;
        ktl::ErrorOr<size_t> result = 0;
        while (done < length) {
            size_t part = length - done < chunk.size() ? length - done : chunk.size();
            auto got = core.with([&](CoreState& state) { return read_locked(state, chunk.data(), part); });
            if (got.is_error()) {
                result = got.error();
                break;
            }
            if (got.value() == 0 && ++empty_answers > 16) {
                result = ktl::Errno::IoError;
                break;
            }
            auto copied = buffer.write(chunk.data(), got.value(), done);
            if (copied.is_error()) {
                result = copied.error();
                break;
            }
            done += got.value();
        }
        __builtin_memset(chunk.data(), 0, chunk.size()); // raw entropy does not linger on the heap
        if (done > 0 || !result.is_error())
            return done;
        return result;
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer, size_t) override { return ktl::Errno::InvalidArgument; }
    const char* kind() const override { return "device"; }
};

class HwrngDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        // The module of the source reads go to stays while the file is open: pinned under the core's
        // lock, so it cannot finish unregistering meanwhile.
        module::Module* owner = TRY(core.with([](CoreState& state) -> ktl::ErrorOr<module::Module*> {
            if (state.sources.is_empty())
                return ktl::Errno::NoDeviceOrAddress;
            module::Module* first = state.sources[0]->owner;
            if (first && !module::try_get(first))
                return ktl::Errno::NoDeviceOrAddress;
            return first;
        }));
        auto file = ktl::try_make_ref_counted<HwrngFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags);
        if (file.is_error()) {
            if (owner)
                module::put(owner);
            return file.error();
        }
        if (owner)
            file.value()->hold_module(owner);
        return fs::RefPtr<fs::OpenFile>(file.value().ptr());
    }
};
constinit HwrngDevice hwrng_device;

} // namespace

ktl::ErrorOr<void> register_source(Source& source) {
    if (!source.read)
        return ktl::Errno::InvalidArgument;
    bool first = TRY(core.with([&](CoreState& state) -> ktl::ErrorOr<bool> {
        for (Source* registered : state.sources)
            if (registered == &source)
                return ktl::Errno::Exists;
        bool was_empty = state.sources.is_empty();
        if (!state.node_registered) {
            fs::CharacterDeviceInfo info{"hwrng", hwrng_major, hwrng_minor, 0600};
            info.class_name = "misc";
            TRY(fs::register_character_device(info, hwrng_device));
            state.node_registered = true;
        }
        if (auto added = state.sources.try_append(&source); added.is_error()) {
            if (was_empty) {
                fs::unregister_character_device(hwrng_major, hwrng_minor);
                state.node_registered = false;
            }
            return added.error();
        }
        ++state.statistics.sources;
        return was_empty;
    }));
    if (first)
        start_feeder();
    return {};
}

void unregister_source(Source& source) {
    bool last = core.with([&](CoreState& state) {
        for (size_t i = 0; i < state.sources.size(); ++i) {
            if (state.sources[i] == &source) {
                state.sources.remove(i);
                --state.statistics.sources;
                break;
            }
        }
        return state.sources.is_empty();
    });
    if (!last)
        return;
    stop_feeder(); // outside the core lock, which the task takes
    core.with([](CoreState& state) {
        // A source may have come meanwhile: the node stays for it (and its own feeder start).
        if (state.sources.is_empty() && state.node_registered) {
            fs::unregister_character_device(hwrng_major, hwrng_minor);
            state.node_registered = false;
        }
    });
    if (core.with([](CoreState& state) { return !state.sources.is_empty(); }))
        start_feeder();
}

ktl::ErrorOr<size_t> read(void* buffer, size_t length) {
    return core.with([&](CoreState& state) { return read_locked(state, buffer, length); });
}

Statistics statistics() {
    return core.with([](CoreState& state) { return state.statistics; });
}

} // namespace dev::hwrng
