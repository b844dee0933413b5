#include "fs/tmpfs/page_tree.h"

#include "mm/kernel_heap.h"

#include <cstring>

namespace fs::tmpfs {

namespace {

constexpr uint64_t fanout = 1u << PageTree::bits_per_level;

unsigned index_at(uint64_t index, unsigned level) {
    // Level 0 is the root; the last level holds frames.
    unsigned shift = PageTree::bits_per_level * (PageTree::levels - 1 - level);
    return static_cast<unsigned>((index >> shift) & (fanout - 1));
}

uint64_t span_of_level(unsigned level) {
    return 1ull << (PageTree::bits_per_level * (PageTree::levels - 1 - level));
}

} // namespace

PageTree::~PageTree() {
    remove_from(0, [](uint64_t) {});
}

uint64_t PageTree::get(uint64_t index) const {
    if (index >= max_pages)
        return 0;
    Node* node = m_root;
    for (unsigned level = 0; node && level < levels - 1; ++level)
        node = static_cast<Node*>(node->slots[index_at(index, level)]);
    return node ? reinterpret_cast<uint64_t>(node->slots[index_at(index, levels - 1)]) : 0;
}

ktl::ErrorOr<uint64_t*> PageTree::slot(uint64_t index) {
    if (index >= max_pages)
        return ktl::Errno::FileTooBig;
    Node** link = &m_root;
    for (unsigned level = 0; level < levels; ++level) {
        if (!*link) {
            auto* node = static_cast<Node*>(mm::kmalloc(sizeof(Node), sizeof(Node)));
            if (!node)
                return ktl::Errno::NoMemory;
            memset(node, 0, sizeof(Node));
            *link = node;
        }
        if (level == levels - 1)
            return reinterpret_cast<uint64_t*>(&(*link)->slots[index_at(index, level)]);
        link = reinterpret_cast<Node**>(&(*link)->slots[index_at(index, level)]);
    }
    return ktl::Errno::InvalidArgument; // not reached
}

size_t PageTree::remove_below(Node* node, unsigned level, uint64_t base, uint64_t first,
                              ktl::FunctionRef<void(uint64_t)> release, bool& now_empty) {
    size_t removed = 0;
    bool any_left = false;
    uint64_t span = span_of_level(level);
    for (uint64_t slot = 0; slot < fanout; ++slot) {
        void*& entry = node->slots[slot];
        if (!entry)
            continue;
        uint64_t start = base + slot * span;
        if (start + span <= first) {
            any_left = true;
            continue;
        }
        if (level == levels - 1) {
            release(reinterpret_cast<uint64_t>(entry));
            entry = nullptr;
            ++removed;
            continue;
        }
        bool child_empty = false;
        removed += remove_below(static_cast<Node*>(entry), level + 1, start, first, release, child_empty);
        if (child_empty) {
            mm::kfree(entry);
            entry = nullptr;
        } else {
            any_left = true;
        }
    }
    now_empty = !any_left;
    return removed;
}

size_t PageTree::remove_from(uint64_t first, ktl::FunctionRef<void(uint64_t frame)> release) {
    if (!m_root)
        return 0;
    bool empty = false;
    size_t removed = remove_below(m_root, 0, 0, first, release, empty);
    if (empty) {
        mm::kfree(m_root);
        m_root = nullptr;
    }
    m_count -= removed;
    return removed;
}

} // namespace fs::tmpfs
