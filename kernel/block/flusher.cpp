// The block layer's boot step and its periodic write-back task: every 5 s it writes the pages that
// have been dirty for 30 s (Linux's dirty_writeback_centisecs and dirty_expire_centisecs defaults),
// so data written and never synced reaches the disk within about half a minute.
#include "block/block_cache.h"
#include "block/block_device.h"
#include "block/block_file.h"
#include "console/log.h"
#include "sched/task.h"
#include "sched/wait_queue.h"
#include "time/clock.h"

namespace block {

namespace {

constexpr uint64_t writeback_interval_ns = 5'000'000'000;
constexpr uint64_t dirty_expire_ns = 30'000'000'000;

constinit sched::WaitQueue flusher_sleep;

void flusher(void*) {
    for (;;) {
        flusher_sleep.wait_until([] { return false; }, time::monotonic_ns() + writeback_interval_ns);
        write_back_expired(dirty_expire_ns);
    }
}

} // namespace

void initialize() {
    install_block_opener();
    auto task = sched::spawn("block-flush", flusher, nullptr);
    if (task.is_error())
        klog::warn("block", "no periodic write-back task: {}", task.error().name());
    // Dropping the handle detaches the task: it runs for the kernel's lifetime.
}

} // namespace block
