#include "sched/eevdf.h"

#include <initializer_list>

namespace sched {

namespace {

// Linux's nice-to-weight table: 1024 at nice 0, each step ~1.25x.
constexpr uint32_t nice_weights[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,  335,  272,  215,
    172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,   15,
};

// Orders the tree: by virtual runtime, then id.
bool key_less(const SchedEntity& a, const SchedEntity& b) {
    return a.vruntime != b.vruntime ? a.vruntime < b.vruntime : a.id < b.id;
}

// Orders deadlines: earliest first, then id.
bool deadline_less(int64_t deadline_a, uint64_t id_a, int64_t deadline_b, uint64_t id_b) {
    return deadline_a != deadline_b ? deadline_a < deadline_b : id_a < id_b;
}

void update(SchedEntity* node) {
    node->min_deadline = node->deadline;
    node->min_deadline_id = node->id;
    for (SchedEntity* child : {node->left, node->right}) {
        if (child && deadline_less(child->min_deadline, child->min_deadline_id, node->min_deadline,
                                   node->min_deadline_id)) {
            node->min_deadline = child->min_deadline;
            node->min_deadline_id = child->min_deadline_id;
        }
    }
}

// Splits `node`'s subtree into keys before `pivot` and the rest.
void split(SchedEntity* node, const SchedEntity& pivot, SchedEntity*& before, SchedEntity*& after) {
    if (!node) {
        before = after = nullptr;
        return;
    }
    if (key_less(*node, pivot)) {
        split(node->right, pivot, node->right, after);
        before = node;
    } else {
        split(node->left, pivot, before, node->left);
        after = node;
    }
    update(node);
}

SchedEntity* merge(SchedEntity* before, SchedEntity* after) {
    if (!before || !after)
        return before ? before : after;
    if (before->heap_priority > after->heap_priority) {
        before->right = merge(before->right, after);
        update(before);
        return before;
    }
    after->left = merge(before, after->left);
    update(after);
    return after;
}

// Finds the node with the given (min_deadline, id) below `node`, following the augmentation.
SchedEntity* find_min_deadline(SchedEntity* node) {
    while (node) {
        if (node->deadline == node->min_deadline && node->id == node->min_deadline_id)
            return node;
        if (node->left && node->left->min_deadline == node->min_deadline &&
            node->left->min_deadline_id == node->min_deadline_id)
            node = node->left;
        else
            node = node->right;
    }
    return nullptr;
}

} // namespace

uint32_t weight_for_nice(int nice) {
    if (nice < min_nice)
        nice = min_nice;
    if (nice > max_nice)
        nice = max_nice;
    return nice_weights[nice - min_nice];
}

int64_t EevdfQueue::weighted_slice(const SchedEntity& entity) const {
    return static_cast<int64_t>(m_base_slice_ns * nice_0_weight / entity.weight);
}

uint32_t EevdfQueue::next_priority() {
    // xorshift32: treap priorities need only be well spread, not secure.
    m_random ^= m_random << 13;
    m_random ^= m_random >> 17;
    m_random ^= m_random << 5;
    return m_random;
}

int64_t EevdfQueue::virtual_time() const {
    if (m_total_weight == 0)
        return 0;
    return static_cast<int64_t>(m_weighted_vruntime / static_cast<__int128>(m_total_weight));
}

bool EevdfQueue::is_eligible(const SchedEntity& entity) const {
    // vruntime <= V, without dividing: vruntime * total_weight <= sum(vruntime * weight).
    return static_cast<__int128>(entity.vruntime) * m_total_weight <= m_weighted_vruntime;
}

void EevdfQueue::insert(SchedEntity& entity) {
    entity.left = entity.right = nullptr;
    entity.heap_priority = next_priority();
    update(&entity);
    SchedEntity *before, *after;
    split(m_root, entity, before, after);
    m_root = merge(merge(before, &entity), after);
    m_weighted_vruntime += static_cast<__int128>(entity.vruntime) * entity.weight;
    m_total_weight += entity.weight;
    ++m_size;
}

void EevdfQueue::remove(SchedEntity& entity) {
    // Split out exactly this entity: keys before it, then it, then the rest.
    SchedEntity *before, *rest, *self, *after;
    split(m_root, entity, before, rest);
    SchedEntity successor = entity;
    successor.id = entity.id + 1; // the next key after it
    split(rest, successor, self, after);
    m_root = merge(before, after);
    m_weighted_vruntime -= static_cast<__int128>(entity.vruntime) * entity.weight;
    m_total_weight -= entity.weight;
    --m_size;
    (void)self;
}

void EevdfQueue::enqueue(SchedEntity& entity, uint64_t now_ns) {
    if (entity.queued)
        return;
    int64_t slice = weighted_slice(entity);
    int64_t lag = entity.lag;
    if (lag > slice)
        lag = slice;
    if (lag < -slice)
        lag = -slice;
    // Joining moves V towards the newcomer: placed at V - lag among weight W, it would be left with
    // lag * W / (W + w). Scaling first gives it back exactly the (clamped) lag it left with.
    if (m_size && m_total_weight > 0)
        lag = static_cast<int64_t>(static_cast<__int128>(lag) * (m_total_weight + entity.weight) /
                                   m_total_weight);
    entity.vruntime = (m_size ? virtual_time() : entity.vruntime) - lag;
    entity.deadline = entity.vruntime + slice;
    entity.enqueued_at_ns = now_ns;
    entity.queued = true;
    insert(entity);
}

void EevdfQueue::dequeue(SchedEntity& entity) {
    if (!entity.queued)
        return;
    entity.lag = virtual_time() - entity.vruntime;
    remove(entity);
    entity.queued = false;
}

void EevdfQueue::reweight(SchedEntity& entity, uint32_t weight) {
    if (weight == 0 || weight == entity.weight)
        return;
    bool was_queued = entity.queued;
    uint64_t enqueued_at = entity.enqueued_at_ns;
    dequeue(entity);
    entity.lag = static_cast<int64_t>(static_cast<__int128>(entity.lag) * entity.weight / weight);
    entity.weight = weight;
    if (was_queued) {
        enqueue(entity, enqueued_at);
        entity.enqueued_at_ns = enqueued_at; // its wait goes on
    }
}

SchedEntity* EevdfQueue::pick() const {
    // Walk down by vruntime. An eligible node makes its whole left subtree eligible too (smaller
    // vruntime), so that subtree's best is its min_deadline; ineligible nodes send the walk left.
    const SchedEntity* best = nullptr;
    int64_t best_deadline = 0;
    uint64_t best_id = 0;
    SchedEntity* best_subtree = nullptr;
    for (SchedEntity* node = m_root; node;) {
        if (!is_eligible(*node)) {
            node = node->left;
            continue;
        }
        if (!best || deadline_less(node->deadline, node->id, best_deadline, best_id)) {
            best = node;
            best_deadline = node->deadline;
            best_id = node->id;
            best_subtree = nullptr;
        }
        if (node->left &&
            deadline_less(node->left->min_deadline, node->left->min_deadline_id, best_deadline, best_id)) {
            best_subtree = node->left;
            best_deadline = node->left->min_deadline;
            best_id = node->left->min_deadline_id;
        }
        node = node->right;
    }
    if (best_subtree)
        return find_min_deadline(best_subtree);
    return const_cast<SchedEntity*>(best);
}

void EevdfQueue::start_running(SchedEntity& entity, uint64_t now_ns) {
    if (now_ns > entity.enqueued_at_ns)
        entity.wait_ns += now_ns - entity.enqueued_at_ns;
    ++entity.switches;
}

void EevdfQueue::stop_running(SchedEntity& entity, uint64_t now_ns) {
    entity.enqueued_at_ns = now_ns;
}

namespace {
struct Totals {
    size_t count = 0;
    __int128 weighted = 0;
    uint64_t weight = 0;
};
bool check_subtree(const SchedEntity* node, const SchedEntity* low, const SchedEntity* high, Totals& totals) {
    if (!node)
        return true;
    if ((low && !key_less(*low, *node)) || (high && !key_less(*node, *high)))
        return false;
    for (const SchedEntity* child : {node->left, node->right})
        if (child && child->heap_priority > node->heap_priority)
            return false;
    int64_t min_deadline = node->deadline;
    uint64_t min_id = node->id;
    for (const SchedEntity* child : {node->left, node->right}) {
        if (child && deadline_less(child->min_deadline, child->min_deadline_id, min_deadline, min_id)) {
            min_deadline = child->min_deadline;
            min_id = child->min_deadline_id;
        }
    }
    if (node->min_deadline != min_deadline || node->min_deadline_id != min_id || !node->queued)
        return false;
    ++totals.count;
    totals.weighted += static_cast<__int128>(node->vruntime) * node->weight;
    totals.weight += node->weight;
    return check_subtree(node->left, low, node, totals) && check_subtree(node->right, node, high, totals);
}
} // namespace

bool EevdfQueue::check_invariants() const {
    Totals totals;
    return check_subtree(m_root, nullptr, nullptr, totals) && totals.count == m_size &&
           totals.weighted == m_weighted_vruntime && totals.weight == m_total_weight;
}

bool EevdfQueue::charge(SchedEntity& entity, uint64_t delta_ns) {
    entity.runtime_ns += delta_ns;
    bool queued = entity.queued;
    if (queued)
        remove(entity);
    entity.vruntime += static_cast<int64_t>(delta_ns * nice_0_weight / entity.weight);
    bool slice_used = entity.vruntime >= entity.deadline;
    if (slice_used)
        entity.deadline = entity.vruntime + weighted_slice(entity);
    if (queued)
        insert(entity);
    return slice_used;
}

void EevdfQueue::yield(SchedEntity& entity) {
    bool queued = entity.queued;
    if (queued)
        remove(entity);
    entity.deadline += weighted_slice(entity);
    if (queued)
        insert(entity);
}

} // namespace sched
