// RegionMap: every change is one "rewrite" of a window of neighbouring nodes. The window holds the
// regions overlapping the range plus those touching it on either side (the only ones a change can make
// mergeable). Its regions are cut into pieces (outside the range: unchanged; inside: removed, replaced or
// re-protected), touching equal pieces are merged into runs, and the runs are written back into the
// window's nodes in order; spare nodes are erased, missing ones inserted after the last. A first pass
// only counts the runs, so the nodes a change needs (at most two) are allocated before anything moves.
#include "mm/region_map.h"

#include "ktl/assert.h"

#include <new>

namespace mm {

struct RegionMap::Node : Region {
    Node* left = nullptr;
    Node* right = nullptr;
    Node* parent = nullptr;
    Node* previous = nullptr; // address order
    Node* next = nullptr;
    int height = 1;
};

struct RegionChange {
    enum class Operation : uint8_t { Insert, Replace, Remove, Protect };
    Operation operation;
    uint64_t start;
    uint64_t end;
    RegionAttributes attributes; // Insert and Replace: the new region's; Protect: only the protection
};

namespace {

using Change = RegionChange;

constexpr uint64_t page_mask = RegionMap::page_size - 1;

constexpr uint64_t min(uint64_t a, uint64_t b) {
    return a < b ? a : b;
}
constexpr uint64_t max(uint64_t a, uint64_t b) {
    return a > b ? a : b;
}

bool is_valid_protection(Protection protection) {
    return (static_cast<uint8_t>(protection) & ~0x7u) == 0;
}

bool is_valid(const RegionAttributes& attributes) {
    return is_valid_protection(attributes.protection) &&
           static_cast<uint8_t>(attributes.kind) <= static_cast<uint8_t>(RegionKind::PrivateFile) &&
           (static_cast<uint8_t>(attributes.flags) & ~0x3u) == 0;
}

// Cuts a change's window into pieces, in address order, and hands them to a sink with add(Region).
class PieceStream {
public:
    explicit PieceStream(const Change& change) : m_change(change) {}

    template <typename Sink>
    void add_source(const Region& source, Sink& sink) {
        if (source.start >= m_change.end)
            emit_new_region(sink);
        if (source.start < m_change.start)
            sink.add(Region{source.start, min(source.end, m_change.start), source.attributes});
        uint64_t inside_start = max(source.start, m_change.start);
        uint64_t inside_end = min(source.end, m_change.end);
        if (inside_start < inside_end) {
            if (m_change.operation == Change::Operation::Protect) {
                Region piece{inside_start, inside_end, source.attributes};
                piece.attributes.protection = m_change.attributes.protection;
                sink.add(piece);
            } else {
                emit_new_region(sink);
            }
        }
        if (source.end > m_change.end) {
            emit_new_region(sink);
            sink.add(Region{max(source.start, m_change.end), source.end, source.attributes});
        }
    }

    template <typename Sink>
    void finish(Sink& sink) {
        emit_new_region(sink);
    }

private:
    template <typename Sink>
    void emit_new_region(Sink& sink) {
        bool adds_region = m_change.operation == Change::Operation::Insert ||
                           m_change.operation == Change::Operation::Replace;
        if (adds_region && !m_new_region_emitted) {
            m_new_region_emitted = true;
            sink.add(Region{m_change.start, m_change.end, m_change.attributes});
        }
    }

    const Change& m_change;
    bool m_new_region_emitted = false;
};

// Joins touching pieces with equal attributes into runs and hands each finished run to `on_run`.
template <typename OnRun>
class RunMerger {
public:
    explicit RunMerger(OnRun& on_run) : m_on_run(on_run) {}
    void add(const Region& piece) {
        if (m_has_run && m_run.end == piece.start && m_run.attributes == piece.attributes) {
            m_run.end = piece.end;
            return;
        }
        finish();
        m_run = piece;
        m_has_run = true;
    }
    void finish() {
        if (m_has_run)
            m_on_run(m_run);
        m_has_run = false;
    }

private:
    OnRun& m_on_run;
    Region m_run;
    bool m_has_run = false;
};

class HeapRegionNodeAllocator final : public RegionNodeAllocator {
public:
    void* allocate_node(size_t size, size_t alignment) override {
        KTL_ASSERT(alignment <= alignof(max_align_t));
        return ::operator new(size, std::nothrow);
    }
    void free_node(void* node, size_t) override { ::operator delete(node); }
};

constinit HeapRegionNodeAllocator g_heap_region_node_allocator;

} // namespace

RegionNodeAllocator& heap_region_node_allocator() {
    return g_heap_region_node_allocator;
}

const Region& RegionMap::Iterator::operator*() const {
    return *m_node;
}

RegionMap::Iterator& RegionMap::Iterator::operator++() {
    m_node = m_node->next;
    return *this;
}

ktl::ErrorOr<uint64_t> RegionMap::checked_end(uint64_t start, uint64_t length) {
    if ((start & page_mask) != 0 || (length & page_mask) != 0 || length == 0 || length > ~start)
        return ktl::Errno::InvalidArgument;
    return start + length;
}

ktl::ErrorOr<void> RegionMap::insert(uint64_t start, uint64_t length, RegionAttributes attributes) {
    uint64_t end = TRY(checked_end(start, length));
    if (!is_valid(attributes))
        return ktl::Errno::InvalidArgument;
    return apply(Change{Change::Operation::Insert, start, end, attributes}, {});
}

ktl::ErrorOr<void> RegionMap::map_fixed(uint64_t start, uint64_t length, RegionAttributes attributes,
                                        RegionCallback removed) {
    uint64_t end = TRY(checked_end(start, length));
    if (!is_valid(attributes))
        return ktl::Errno::InvalidArgument;
    return apply(Change{Change::Operation::Replace, start, end, attributes}, removed);
}

ktl::ErrorOr<void> RegionMap::unmap(uint64_t start, uint64_t length, RegionCallback removed) {
    uint64_t end = TRY(checked_end(start, length));
    return apply(Change{Change::Operation::Remove, start, end, {}}, removed);
}

ktl::ErrorOr<void> RegionMap::protect(uint64_t start, uint64_t length, Protection protection) {
    if (!is_valid_protection(protection))
        return ktl::Errno::InvalidArgument;
    if (length == 0)
        return (start & page_mask) == 0 ? ktl::ErrorOr<void>{} : ktl::Errno::InvalidArgument;
    uint64_t end = TRY(checked_end(start, length));
    RegionAttributes attributes;
    attributes.protection = protection;
    return apply(Change{Change::Operation::Protect, start, end, attributes}, {});
}

ktl::ErrorOr<void> RegionMap::apply(const RegionChange& change, RegionCallback removed) {
    // The window: from the last region starting below the range if it reaches the range's start, else
    // the first one after it, up to the last region starting at or before the range's end.
    Node* first = change.start > 0 ? last_starting_at_or_below(change.start - 1) : nullptr;
    if (first == nullptr)
        first = m_first;
    else if (first->end < change.start)
        first = first->next;
    Node* before_window = first ? first->previous : m_last;
    size_t window_count = 0;
    for (Node* node = first; node && node->start <= change.end; node = node->next)
        ++window_count;

    if (change.operation == Change::Operation::Insert) {
        Node* node = first;
        for (size_t i = 0; i < window_count; ++i, node = node->next) {
            if (node->start < change.end && node->end > change.start)
                return ktl::Errno::Exists;
        }
    }
    if (change.operation == Change::Operation::Protect) {
        uint64_t covered_up_to = change.start;
        Node* node = first;
        for (size_t i = 0; i < window_count; ++i, node = node->next) {
            if (node->end <= change.start || node->start >= change.end)
                continue; // touches the range without overlapping it
            if (node->start > covered_up_to)
                return ktl::Errno::NoMemory;
            covered_up_to = node->end;
        }
        if (covered_up_to < change.end)
            return ktl::Errno::NoMemory;
    }

    // Counting pass: how many runs replace the window's nodes.
    size_t run_count = 0;
    {
        auto count_run = [&](const Region&) { ++run_count; };
        RunMerger merger(count_run);
        PieceStream pieces(change);
        Node* node = first;
        for (size_t i = 0; i < window_count; ++i, node = node->next)
            pieces.add_source(*node, merger);
        pieces.finish(merger);
        merger.finish();
    }

    // A change adds at most two nodes: the two halves around a range cut out of the middle of a region.
    constexpr size_t max_new_nodes = 2;
    Node* new_nodes[max_new_nodes] = {};
    size_t new_node_count = run_count > window_count ? run_count - window_count : 0;
    KTL_ASSERT(new_node_count <= max_new_nodes);
    for (size_t i = 0; i < new_node_count; ++i) {
        new_nodes[i] = allocate_node();
        if (new_nodes[i] == nullptr) {
            for (size_t j = 0; j < i; ++j)
                free_node(new_nodes[j]);
            return ktl::Errno::NoMemory;
        }
    }

    // From here on the change cannot fail.
    if (change.operation == Change::Operation::Replace || change.operation == Change::Operation::Remove) {
        Node* node = first;
        for (size_t i = 0; i < window_count; ++i, node = node->next) {
            uint64_t removed_start = max(node->start, change.start);
            uint64_t removed_end = min(node->end, change.end);
            if (removed_start < removed_end)
                removed(Region{removed_start, removed_end, node->attributes});
        }
    }

    // Writing pass. Run i goes into window node i, which may not have been read yet when an early node
    // split into several runs: such nodes are copied into `read_ahead` before being overwritten.
    constexpr size_t read_ahead_capacity = 4;
    Region read_ahead[read_ahead_capacity];
    size_t read_ahead_head = 0;
    size_t read_ahead_count = 0;
    Node* read_cursor = first;
    size_t read_count = 0;
    Node* write_cursor = first;
    size_t written_count = 0;
    Node* last_written = before_window;

    auto write_run = [&](const Region& run) {
        if (written_count < window_count) {
            while (read_count <= written_count) {
                KTL_ASSERT(read_ahead_count < read_ahead_capacity);
                read_ahead[(read_ahead_head + read_ahead_count++) % read_ahead_capacity] = *read_cursor;
                read_cursor = read_cursor->next;
                ++read_count;
            }
            static_cast<Region&>(*write_cursor) = run;
            last_written = write_cursor;
            write_cursor = write_cursor->next;
            ++written_count;
            return;
        }
        KTL_ASSERT(new_node_count > 0);
        Node* node = new_nodes[--new_node_count];
        static_cast<Region&>(*node) = run;
        insert_after(last_written, node);
        last_written = node;
    };
    RunMerger merger(write_run);
    PieceStream pieces(change);
    while (true) {
        Region source;
        if (read_ahead_count > 0) {
            source = read_ahead[read_ahead_head];
            read_ahead_head = (read_ahead_head + 1) % read_ahead_capacity;
            --read_ahead_count;
        } else if (read_count < window_count) {
            source = *read_cursor;
            read_cursor = read_cursor->next;
            ++read_count;
        } else {
            break;
        }
        pieces.add_source(source, merger);
    }
    pieces.finish(merger);
    merger.finish();
    KTL_ASSERT(new_node_count == 0);

    // Window nodes left over once every run is written (regions removed or merged away).
    while (written_count < window_count) {
        Node* next = write_cursor->next;
        erase(write_cursor);
        free_node(write_cursor);
        write_cursor = next;
        ++written_count;
    }
    return {};
}

ktl::ErrorOr<uint64_t> RegionMap::find_free(uint64_t length, uint64_t hint, uint64_t lowest,
                                            uint64_t highest) const {
    if (length == 0 || (length & page_mask) != 0 || (lowest & page_mask) != 0 || (highest & page_mask) != 0 ||
        lowest >= highest)
        return ktl::Errno::InvalidArgument;
    if (length > highest - lowest)
        return ktl::Errno::NoMemory;

    if (hint != 0 && hint <= ~page_mask) {
        uint64_t aligned_hint = (hint + page_mask) & ~page_mask;
        if (aligned_hint >= lowest && aligned_hint <= highest - length) {
            const Region* next = find_at_or_above(aligned_hint);
            if (next == nullptr || next->start >= aligned_hint + length)
                return aligned_hint;
        }
    }

    // Top-down: each gap between `below` (the region under the gap) and `top`, highest first.
    uint64_t top = highest;
    const Node* below = last_starting_at_or_below(highest - 1);
    while (top > lowest) {
        if (below && below->end > top) { // a region straddling `highest`
            top = below->start;
            below = below->previous;
            continue;
        }
        uint64_t bottom = below && below->end > lowest ? below->end : lowest;
        if (top - bottom >= length)
            return top - length;
        if (below == nullptr)
            break;
        top = below->start;
        below = below->previous;
    }
    return ktl::Errno::NoMemory;
}

RegionMap::Node* RegionMap::last_starting_at_or_below(uint64_t address) const {
    Node* best = nullptr;
    for (Node* node = m_root; node;) {
        if (node->start <= address) {
            best = node;
            node = node->right;
        } else {
            node = node->left;
        }
    }
    return best;
}

const Region* RegionMap::find(uint64_t address) const {
    const Node* node = last_starting_at_or_below(address);
    return node && address < node->end ? node : nullptr;
}

const Region* RegionMap::find_at_or_above(uint64_t address) const {
    const Node* node = last_starting_at_or_below(address);
    if (node == nullptr)
        return m_first;
    return address < node->end ? node : node->next;
}

ktl::ErrorOr<void> RegionMap::clone_into(RegionMap& destination) const {
    if (!destination.is_empty())
        return ktl::Errno::InvalidArgument;
    for (const Node* node = m_first; node; node = node->next) {
        Node* copy = destination.allocate_node();
        if (copy == nullptr) {
            destination.clear();
            return ktl::Errno::NoMemory;
        }
        static_cast<Region&>(*copy) = *node;
        destination.insert_after(destination.m_last, copy);
    }
    return {};
}

void RegionMap::clear(RegionCallback removed) {
    Node* node = m_first;
    m_root = m_first = m_last = nullptr;
    m_count = 0;
    while (node) {
        Node* next = node->next;
        removed(*node);
        free_node(node);
        node = next;
    }
}

RegionMap::Node* RegionMap::allocate_node() {
    void* memory = m_allocator.allocate_node(sizeof(Node), alignof(Node));
    return memory ? new (memory) Node() : nullptr;
}

void RegionMap::free_node(Node* node) {
    node->~Node();
    m_allocator.free_node(node, sizeof(Node));
}

// ---- AVL tree with parent pointers, changed only by position ----

namespace {

// A template only because RegionMap::Node is private.
template <typename Node>
int height_of(const Node* node) {
    return node ? node->height : 0;
}

template <typename Node>
void update_height(Node* node) {
    int left = height_of(node->left);
    int right = height_of(node->right);
    node->height = 1 + (left > right ? left : right);
}

} // namespace

void RegionMap::replace_child(Node* parent, Node* old_child, Node* new_child) {
    if (parent == nullptr)
        m_root = new_child;
    else if (parent->left == old_child)
        parent->left = new_child;
    else
        parent->right = new_child;
}

RegionMap::Node* RegionMap::rotate_left(Node* node) {
    Node* pivot = node->right;
    Node* parent = node->parent;
    node->right = pivot->left;
    if (pivot->left)
        pivot->left->parent = node;
    pivot->left = node;
    node->parent = pivot;
    pivot->parent = parent;
    replace_child(parent, node, pivot);
    update_height(node);
    update_height(pivot);
    return pivot;
}

RegionMap::Node* RegionMap::rotate_right(Node* node) {
    Node* pivot = node->left;
    Node* parent = node->parent;
    node->left = pivot->right;
    if (pivot->right)
        pivot->right->parent = node;
    pivot->right = node;
    node->parent = pivot;
    pivot->parent = parent;
    replace_child(parent, node, pivot);
    update_height(node);
    update_height(pivot);
    return pivot;
}

void RegionMap::rebalance_upwards(Node* node) {
    while (node) {
        int left = height_of(node->left);
        int right = height_of(node->right);
        update_height(node);
        if (left > right + 1) {
            if (height_of(node->left->left) < height_of(node->left->right))
                rotate_left(node->left);
            node = rotate_right(node);
        } else if (right > left + 1) {
            if (height_of(node->right->right) < height_of(node->right->left))
                rotate_right(node->right);
            node = rotate_left(node);
        }
        node = node->parent;
    }
}

void RegionMap::insert_after(Node* position, Node* node) {
    node->left = node->right = nullptr;
    node->height = 1;
    node->previous = position;
    node->next = position ? position->next : m_first;
    (node->previous ? node->previous->next : m_first) = node;
    (node->next ? node->next->previous : m_last) = node;

    if (m_root == nullptr) {
        node->parent = nullptr;
        m_root = node;
    } else if (position && position->right == nullptr) {
        position->right = node;
        node->parent = position;
    } else {
        // The in-order successor of `position` (the first node if there is none) has no left child.
        Node* successor = node->next;
        successor->left = node;
        node->parent = successor;
    }
    ++m_count;
    rebalance_upwards(node->parent);
}

void RegionMap::erase(Node* node) {
    (node->previous ? node->previous->next : m_first) = node->next;
    (node->next ? node->next->previous : m_last) = node->previous;

    Node* rebalance_from;
    if (node->left && node->right) {
        // Put the in-order successor (leftmost of the right subtree, no left child) in node's place.
        Node* successor = node->right;
        while (successor->left)
            successor = successor->left;
        if (successor->parent != node) {
            rebalance_from = successor->parent;
            successor->parent->left = successor->right;
            if (successor->right)
                successor->right->parent = successor->parent;
            successor->right = node->right;
            node->right->parent = successor;
        } else {
            rebalance_from = successor;
        }
        successor->left = node->left;
        node->left->parent = successor;
        successor->parent = node->parent;
        replace_child(node->parent, node, successor);
        successor->height = node->height;
    } else {
        Node* child = node->left ? node->left : node->right;
        if (child)
            child->parent = node->parent;
        replace_child(node->parent, node, child);
        rebalance_from = node->parent;
    }
    --m_count;
    rebalance_upwards(rebalance_from);
}

bool RegionMap::check_invariants() const {
    // Tree: parent links, heights, balance; its in-order walk must visit exactly the list, in order.
    const Node* expected_in_order = m_first;
    size_t visited = 0;
    bool ok = true;
    auto check_subtree = [&](auto& self, const Node* node, const Node* parent) -> int {
        if (node == nullptr || !ok)
            return 0;
        if (node->parent != parent)
            ok = false;
        int left = self(self, node->left, node);
        if (node != expected_in_order)
            ok = false;
        expected_in_order = expected_in_order ? expected_in_order->next : nullptr;
        ++visited;
        int right = self(self, node->right, node);
        int height = 1 + (left > right ? left : right);
        if (node->height != height || left > right + 1 || right > left + 1)
            ok = false;
        return height;
    };
    check_subtree(check_subtree, m_root, nullptr);
    if (!ok || visited != m_count || expected_in_order != nullptr)
        return false;

    // List: links, alignment, order, no overlap, no two touching regions that could be one.
    const Node* previous = nullptr;
    size_t listed = 0;
    for (const Node* node = m_first; node; node = node->next, ++listed) {
        if (node->previous != previous || (node->start & page_mask) != 0 || (node->end & page_mask) != 0 ||
            node->start >= node->end || !is_valid(node->attributes))
            return false;
        if (previous && (previous->end > node->start ||
                         (previous->end == node->start && previous->attributes == node->attributes)))
            return false;
        previous = node;
    }
    return previous == m_last && listed == m_count;
}

} // namespace mm
