// Giving memory back under pressure. Caches that can drop what nobody uses (the dentry cache)
// register a Shrinker; when free frames fall below a low watermark the frame allocator wakes the
// reclaim task, which asks every shrinker for memory and then returns emptied heap pages. The
// allocator itself never calls a shrinker: it may run with the heap's or a cache's lock held.
#pragma once

#include "ktl/intrusive_list.h"

#include <cstddef>

namespace mm {

class Shrinker : public ktl::IntrusiveListNode<Shrinker> {
public:
    // Frees up to `count` objects nobody holds; returns how many went. Must not wait for memory.
    virtual size_t shrink(size_t count) = 0;

protected:
    ~Shrinker() = default;
};

void register_shrinker(Shrinker& shrinker);
// Starts the reclaim task; the allocator only wakes it after this.
void start_reclaim();
// The frame allocator's note that free frames are short (cheap; callable with any lock held).
void note_memory_pressure();
// Runs every shrinker once and trims the heap, in the caller's task; returns objects freed.
size_t reclaim_now();

// Keeps the reclaim task from running while it lives: for tests that count every frame.
class ReclaimPause {
public:
    ReclaimPause();
    ~ReclaimPause();
    ReclaimPause(const ReclaimPause&) = delete;
    ReclaimPause& operator=(const ReclaimPause&) = delete;
};

} // namespace mm
