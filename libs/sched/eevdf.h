// The scheduling policy, EEVDF (earliest eligible virtual deadline first), with no kernel in it so the
// host tests can drive it. Each runnable entity has a virtual runtime (real run time scaled by
// 1024/weight), and a virtual deadline one weighted slice after it. The queue's virtual time V is the
// weight-averaged virtual runtime; an entity is eligible when its virtual runtime is not ahead of V
// (it is owed service), and the eligible entity with the earliest deadline runs.
//
// Entities live in a treap ordered by virtual runtime, each node also keeping the smallest deadline of
// its subtree, so picking is O(log n) expected and nothing is allocated.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sched {

inline constexpr int min_nice = -20;
inline constexpr int max_nice = 19;
inline constexpr uint32_t nice_0_weight = 1024;
// Weights grow by ~1.25 per nice level (the table Linux uses): a task one level nicer gets ~10% less
// CPU than its neighbour.
uint32_t weight_for_nice(int nice);

struct SchedEntity {
    uint64_t id = 0;       // breaks ties, so picks are deterministic
    void* owner = nullptr; // what the entity schedules (the kernel's task); the queue never reads it
    uint32_t weight = nice_0_weight;
    int64_t vruntime = 0;
    int64_t deadline = 0;
    // Accounting, in nanoseconds of real time.
    uint64_t runtime_ns = 0;
    uint64_t wait_ns = 0;
    uint64_t switches = 0;
    uint64_t enqueued_at_ns = 0;
    int64_t lag = 0; // V - vruntime when it left the queue, restored (clamped) when it comes back

    // Treap links, owned by the queue.
    SchedEntity* left = nullptr;
    SchedEntity* right = nullptr;
    uint32_t heap_priority = 0;
    int64_t min_deadline = 0;
    uint64_t min_deadline_id = 0;
    bool queued = false;
};

class EevdfQueue {
public:
    explicit EevdfQueue(uint64_t base_slice_ns = 3'000'000) : m_base_slice_ns(base_slice_ns) {}

    // Makes `entity` runnable at `now_ns`. A new entity starts at V (no debt, no credit); a woken one
    // gets back the lag it left with, clamped to one slice either way, so sleeping earns no hoard of credit.
    void enqueue(SchedEntity& entity, uint64_t now_ns);
    // Removes a runnable entity (it blocks or exits), remembering its lag.
    void dequeue(SchedEntity& entity);
    // Gives `entity` (queued or not) a new weight (setpriority). The service it is owed or owes,
    // lag times weight, stays what it was, so its virtual lag scales by old/new weight; a queued
    // entity is placed again with it and a fresh slice.
    void reweight(SchedEntity& entity, uint32_t weight);
    // The eligible entity with the earliest virtual deadline; nullptr if the queue is empty.
    SchedEntity* pick() const;
    // Marks `entity` as chosen to run at `now_ns`, and as ready-but-not-running again from `now_ns`
    // (wait-time and switch accounting).
    void start_running(SchedEntity& entity, uint64_t now_ns);
    void stop_running(SchedEntity& entity, uint64_t now_ns);
    // Charges `delta_ns` of run time to a queued entity. Returns true when it used up its slice (it got
    // a new deadline): the caller should pick again.
    bool charge(SchedEntity& entity, uint64_t delta_ns);
    // The entity gives up the rest of its slice: its deadline moves one slice later, so any other
    // eligible entity is picked before it (with no run time charged, it would otherwise win again).
    void yield(SchedEntity& entity);

    // V, the weight-averaged virtual runtime; 0 when empty.
    int64_t virtual_time() const;
    bool is_eligible(const SchedEntity& entity) const;
    size_t size() const { return m_size; }
    // For tests: the treap is ordered, heap-ordered, its augmentation exact and its sums right.
    bool check_invariants() const;
    uint64_t base_slice_ns() const { return m_base_slice_ns; }

private:
    int64_t weighted_slice(const SchedEntity& entity) const;
    void insert(SchedEntity& entity);
    void remove(SchedEntity& entity);
    uint32_t next_priority();

    SchedEntity* m_root = nullptr;
    size_t m_size = 0;
    uint64_t m_base_slice_ns;
    // Sum of vruntime * weight and of weight over queued entities: V = sum / weight.
    __int128 m_weighted_vruntime = 0;
    uint64_t m_total_weight = 0;
    uint32_t m_random = 0x9e3779b9;
};

} // namespace sched
