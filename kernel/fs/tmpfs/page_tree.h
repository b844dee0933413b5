// A sparse array of page frames indexed by page number: a radix tree of 512-way nodes, four levels
// (2^36 pages, the 256 TiB a tmpfs file may reach). A missing subtree is a hole. Lookups cost four
// loads whatever the file's size, and freeing a tail visits only the nodes that exist.
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"

#include <cstddef>
#include <cstdint>

namespace fs::tmpfs {

class PageTree {
public:
    static constexpr unsigned bits_per_level = 9;
    static constexpr unsigned levels = 4;
    static constexpr uint64_t max_pages = 1ull << (bits_per_level * levels);

    PageTree() = default;
    ~PageTree();
    PageTree(const PageTree&) = delete;
    PageTree& operator=(const PageTree&) = delete;

    // The frame at `index`, or 0 for a hole.
    uint64_t get(uint64_t index) const;
    // The slot for `index`, creating the nodes on the way; NoMemory if one cannot be made.
    ktl::ErrorOr<uint64_t*> slot(uint64_t index);
    // Calls `release` for every frame at `first` or after and empties those slots (and nodes left
    // empty). Returns how many frames went.
    size_t remove_from(uint64_t first, ktl::FunctionRef<void(uint64_t frame)> release);
    size_t size() const { return m_count; }
    void count_added() { ++m_count; }

private:
    struct Node {
        void* slots[1u << bits_per_level];
    };
    size_t remove_below(Node* node, unsigned level, uint64_t base, uint64_t first,
                        ktl::FunctionRef<void(uint64_t)> release, bool& now_empty);

    Node* m_root = nullptr;
    size_t m_count = 0;
};

} // namespace fs::tmpfs
