#include "mm/reclaim.h"

#include "console/log.h"
#include "mm/kernel_heap.h"
#include "sched/scheduler.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"

namespace mm {

namespace {

constexpr size_t objects_per_round = 256;

constinit sync::MutexProtected<ktl::IntrusiveList<Shrinker, Shrinker>> shrinkers;
sched::WaitQueue reclaim_requests;
bool reclaim_wanted = false;
bool reclaim_running = false;
uint32_t pauses = 0;

[[noreturn]] void reclaim_forever(void*) {
    for (;;) {
        reclaim_requests.wait_until([] {
            return __atomic_load_n(&reclaim_wanted, __ATOMIC_ACQUIRE) &&
                   __atomic_load_n(&pauses, __ATOMIC_ACQUIRE) == 0;
        });
        __atomic_store_n(&reclaim_wanted, false, __ATOMIC_RELEASE);
        size_t freed = reclaim_now();
        klog::debug("mm", "memory short: reclaim freed {} cached objects", freed);
    }
}

} // namespace

void register_shrinker(Shrinker& shrinker) {
    shrinkers.with([&](auto& list) { list.push_back(shrinker); });
}

void start_reclaim() {
    auto task = sched::spawn("reclaim", reclaim_forever, nullptr, {});
    if (task.is_error()) {
        klog::warn("mm", "no reclaim task ({}): caches are not shrunk under pressure", task.error().name());
        return;
    }
    task.value().reset();
    __atomic_store_n(&reclaim_running, true, __ATOMIC_RELEASE);
}

void note_memory_pressure() {
    if (!__atomic_load_n(&reclaim_running, __ATOMIC_ACQUIRE))
        return;
    // Wake only on the edge: the allocator calls this for every frame while memory stays short.
    if (!__atomic_exchange_n(&reclaim_wanted, true, __ATOMIC_ACQ_REL))
        reclaim_requests.wake_one();
}

ReclaimPause::ReclaimPause() {
    __atomic_add_fetch(&pauses, 1, __ATOMIC_ACQ_REL);
}

ReclaimPause::~ReclaimPause() {
    if (__atomic_sub_fetch(&pauses, 1, __ATOMIC_ACQ_REL) == 0 &&
        __atomic_load_n(&reclaim_wanted, __ATOMIC_ACQUIRE))
        reclaim_requests.wake_one();
}

size_t reclaim_now() {
    size_t freed = shrinkers.with([](auto& list) {
        size_t total = 0;
        for (Shrinker& shrinker : list)
            total += shrinker.shrink(objects_per_round);
        return total;
    });
    trim_kernel_heap();
    return freed;
}

} // namespace mm
