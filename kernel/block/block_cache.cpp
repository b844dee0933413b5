// The block cache (block/block_cache.h): a hash map of a device's pages by index, each a page frame
// the device reads into and writes from directly. A page is held (by handles and by I/O in progress)
// or free to drop; dirty pages sit on a list in the order they became dirty, which write-back walks.
//
// Locking: each cache's mutex guards its map, lists and every page's state; I/O runs without it (a
// page's `busy` flag says one is in progress, and `io_done` wakes who waits for it). The list of
// caches (for the shrinker) is taken before no cache lock.
#include "block/block_cache.h"

#include "block/block_cache_internal.h"
#include "console/log.h"
#include "ktl/hash_map.h"
#include "ktl/intrusive_list.h"
#include "ktl/vector.h"
#include "mm/direct_map.h"
#include "mm/physical.h"
#include "mm/reclaim.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"
#include "time/clock.h"

#include <new>

namespace block {

namespace {

constexpr uint32_t page_bytes = 4096;
constexpr uint32_t page_shift = 12;
// Pages taken per round of write-back; neighbours go in one request of up to Request::max_segments.
constexpr size_t write_back_batch = 64;
// The most pages one read brings in: a miss right after the last read doubles the window up to it
// (sequential readers get 128 KiB requests, Linux's default read-ahead), any other miss reads one page.
constexpr uint32_t max_read_window = Request::max_segments;

struct LruTag;
struct DirtyTag;
struct CacheListTag;

// Pages [first, first + count) of a device.
struct PageRange {
    uint64_t first = 0;
    uint64_t count = 0;
};

} // namespace

class CachedPage;

namespace {

struct WriteBatch {
    Request requests[write_back_batch];
    size_t first_page[write_back_batch]; // each request's first entry in `pages`
    CachedPage* pages[write_back_batch];
    size_t count = 0;
};

} // namespace

class CachedPage : public ktl::IntrusiveListNode<LruTag>, public ktl::IntrusiveListNode<DirtyTag> {
public:
    uint64_t index = 0;
    uint64_t frame = 0;
    uint32_t holders = 0;         // handles, mappings, and tasks inside acquire or write-back
    uint32_t mapped_writable = 0; // mappings that may store into it without a fault
    bool valid = false;           // holds the device's bytes (read in, or overwritten whole)
    bool dirty = false;
    bool busy = false; // a read or a write of it is in progress
    uint64_t dirtied_at = 0;

    uint8_t* bytes() const { return mm::physical_to_virtual<uint8_t>(frame); }
};

class BlockCache : public ktl::IntrusiveListNode<CacheListTag> {
public:
    explicit BlockCache(BlockDevice& device) : m_device(device) {}
    ~BlockCache();

    ktl::ErrorOr<CachedPage*> acquire(uint64_t index, bool read_in);
    void release(CachedPage& page);
    void mark_dirty(CachedPage& page);
    void set_mapped_writable(CachedPage& page, bool mapped);
    ktl::ErrorOr<void> write_back(uint64_t older_than_ns, bool all);
    ktl::ErrorOr<void> write_back_pages(const PageRange* ranges, size_t count);
    size_t drop_clean(size_t count);
    CacheStatistics statistics();
    BlockDevice& device() { return m_device; }
    BlockHandle handle(CachedPage& page, uint32_t in_page, uint32_t size, uint64_t number) {
        return BlockHandle(this, &page, page.bytes() + in_page, size, number);
    }

private:
    // The bytes of page `index` that lie on the device (a whole page but at the very end).
    uint32_t page_length(uint64_t index) const {
        uint64_t size = m_device.size();
        uint64_t start = index << page_shift;
        if (start >= size)
            return 0;
        return size - start < page_bytes ? static_cast<uint32_t>(size - start) : page_bytes;
    }
    void free_page(CachedPage& page);
    // Under the lock: the page is this task's to write (busy, held, off the dirty list).
    void take_for_write(CachedPage& page);
    // Writes the batch's pages (taken for write) as requests of neighbours, all in flight at once,
    // and waits for them; a page that fails is dirty again. The first error is returned.
    ktl::ErrorOr<void> write_batch(WriteBatch& batch);
    // Under the lock: up to `count` pages after `index` that are not cached, made busy for a read;
    // stops at the first one cached, the device's end or a failed allocation.
    size_t make_read_ahead(uint64_t index, size_t count, CachedPage** out);

    BlockDevice& m_device;
    sync::Mutex m_lock;
    ktl::HashMap<uint64_t, CachedPage*> m_pages;
    ktl::IntrusiveList<CachedPage, LruTag> m_lru;     // least recently used first
    ktl::IntrusiveList<CachedPage, DirtyTag> m_dirty; // oldest first
    sched::WaitQueue m_io_done;
    uint64_t m_reads = 0;
    uint64_t m_writes = 0;
    uint32_t m_writes_in_progress = 0;       // pages being written back, read without the lock by waiters
    uint64_t m_next_sequential = UINT64_MAX; // the page after the last read
    uint32_t m_read_window = 1;
};

namespace {

sync::MutexProtected<ktl::IntrusiveList<BlockCache, CacheListTag>> all_caches;

// Gives clean pages nobody holds back to the frame allocator when memory runs short.
class CacheShrinker final : public mm::Shrinker {
public:
    size_t shrink(size_t count) override {
        return all_caches.with([&](ktl::IntrusiveList<BlockCache, CacheListTag>& caches) {
            size_t freed = 0;
            for (BlockCache& cache : caches) {
                if (freed >= count)
                    break;
                freed += cache.drop_clean(count - freed);
            }
            return freed;
        });
    }
};
CacheShrinker shrinker;
bool shrinker_registered = false;

} // namespace

BlockCache* create_cache(BlockDevice& device) {
    auto* cache = new (std::nothrow) BlockCache(device);
    if (!cache)
        return nullptr;
    // Outside the list's lock: the reclaim task holds the shrinkers' lock while it takes ours.
    if (!__atomic_exchange_n(&shrinker_registered, true, __ATOMIC_ACQ_REL))
        mm::register_shrinker(shrinker);
    all_caches.with([&](ktl::IntrusiveList<BlockCache, CacheListTag>& caches) { caches.push_back(*cache); });
    return cache;
}

void destroy_cache(BlockCache* cache) {
    if (!cache)
        return;
    all_caches.with([&](ktl::IntrusiveList<BlockCache, CacheListTag>& caches) { caches.remove(*cache); });
    delete cache;
}

BlockCache::~BlockCache() {
    // The device is going: nothing holds a page (every handle holds the device). Dirty pages not
    // written back by now are lost, as on a disk removed without sync.
    while (CachedPage* page = m_lru.first())
        free_page(*page);
}

void BlockCache::free_page(CachedPage& page) {
    m_lru.remove(page);
    if (static_cast<ktl::IntrusiveListNode<DirtyTag>&>(page).is_linked())
        m_dirty.remove(page);
    m_pages.remove(page.index);
    mm::free_frame(page.frame);
    delete &page;
}

ktl::ErrorOr<CachedPage*> BlockCache::acquire(uint64_t index, bool read_in) {
    uint32_t length = page_length(index);
    if (length == 0)
        return ktl::Errno::OutOfRange;
    CachedPage* page = nullptr;
    {
        sync::MutexLocker locker(m_lock);
        if (CachedPage** found = m_pages.get(index)) {
            page = *found;
            m_lru.remove(*page);
            m_lru.push_back(*page);
        } else {
            auto frame = mm::allocate_frame();
            if (frame.is_error()) {
                drop_clean(64);
                frame = TRY(mm::allocate_frame());
            }
            page = new (std::nothrow) CachedPage;
            if (!page) {
                mm::free_frame(frame.value());
                return ktl::Errno::NoMemory;
            }
            page->index = index;
            page->frame = frame.value();
            if (auto added = m_pages.try_set(index, page); added.is_error()) {
                mm::free_frame(page->frame);
                delete page;
                return added.error();
            }
            m_lru.push_back(*page);
        }
        ++page->holders;
    }
    for (;;) {
        bool start_read = false;
        {
            sync::MutexLocker locker(m_lock);
            if (page->valid)
                return page;
            // Not overwritten while another task reads it in: that read would land on the new bytes.
            if (!read_in && !page->busy) {
                __builtin_memset(page->bytes(), 0, page_bytes);
                page->valid = true;
                return page;
            }
            if (!page->busy) {
                page->busy = true;
                start_read = true;
            }
        }
        if (!start_read) {
            // Someone else is reading it in: wait, then look again (its read may have failed).
            m_io_done.wait_until([&] { return !__atomic_load_n(&page->busy, __ATOMIC_ACQUIRE); });
            continue;
        }
        CachedPage* ahead[max_read_window];
        size_t ahead_count = 0;
        {
            sync::MutexLocker locker(m_lock);
            m_read_window = index == m_next_sequential
                                ? (m_read_window * 2 < max_read_window ? m_read_window * 2 : max_read_window)
                                : 1;
            if (length == page_bytes)
                ahead_count = make_read_ahead(index, m_read_window - 1, ahead);
            m_next_sequential = index + 1 + ahead_count;
        }
        Request request;
        request.operation = Operation::Read;
        request.sector = index << (page_shift - sector_shift);
        request.add_segment(page->frame, length);
        if (length < page_bytes)
            __builtin_memset(page->bytes() + length, 0, page_bytes - length);
        for (size_t i = 0; i < ahead_count; ++i) {
            uint32_t ahead_length = page_length(ahead[i]->index);
            if (ahead_length < page_bytes)
                __builtin_memset(ahead[i]->bytes() + ahead_length, 0, page_bytes - ahead_length);
            request.add_segment(ahead[i]->frame, ahead_length);
        }
        ktl::ErrorOr<void> result = m_device.submit_and_wait(request);
        {
            sync::MutexLocker locker(m_lock);
            page->valid = !result.is_error();
            ++m_reads;
            __atomic_store_n(&page->busy, false, __ATOMIC_RELEASE);
            // Read-ahead pages nobody asked for yet; after a failure each is read again on its own.
            for (size_t i = 0; i < ahead_count; ++i) {
                ahead[i]->valid = !result.is_error();
                __atomic_store_n(&ahead[i]->busy, false, __ATOMIC_RELEASE);
            }
        }
        m_io_done.wake_all();
        if (result.is_error()) {
            release(*page);
            return result.error();
        }
        return page;
    }
}

size_t BlockCache::make_read_ahead(uint64_t index, size_t count, CachedPage** out) {
    size_t made = 0;
    while (made < count) {
        uint64_t next = index + 1 + made;
        // A partial page ends the device: it may only come last, which it does.
        if (page_length(next) == 0 || m_pages.get(next))
            break;
        auto frame = mm::allocate_frame();
        if (frame.is_error())
            break;
        auto* page = new (std::nothrow) CachedPage;
        if (!page) {
            mm::free_frame(frame.value());
            break;
        }
        page->index = next;
        page->frame = frame.value();
        page->busy = true;
        if (m_pages.try_set(next, page).is_error()) {
            mm::free_frame(page->frame);
            delete page;
            break;
        }
        m_lru.push_back(*page);
        out[made++] = page;
        if (page_length(next) < page_bytes)
            break;
    }
    return made;
}

void BlockCache::release(CachedPage& page) {
    sync::MutexLocker locker(m_lock);
    --page.holders;
}

void BlockCache::mark_dirty(CachedPage& page) {
    sync::MutexLocker locker(m_lock);
    if (page.dirty)
        return;
    page.dirty = true;
    page.dirtied_at = time::monotonic_ns();
    m_dirty.push_back(page);
}

namespace {

// Insertion sort: a batch is short and nearly in order already (pages are dirtied front to back).
void sort_by_index(CachedPage** pages, size_t count) {
    for (size_t i = 1; i < count; ++i) {
        CachedPage* moving = pages[i];
        size_t j = i;
        for (; j > 0 && pages[j - 1]->index > moving->index; --j)
            pages[j] = pages[j - 1];
        pages[j] = moving;
    }
}

} // namespace

void BlockCache::set_mapped_writable(CachedPage& page, bool mapped) {
    sync::MutexLocker locker(m_lock);
    page.mapped_writable += mapped ? 1 : -1;
}

void BlockCache::take_for_write(CachedPage& page) {
    page.busy = true;
    ++m_writes_in_progress;
    page.dirty = false; // a mark_dirty from now on makes it dirty again
    if (static_cast<ktl::IntrusiveListNode<DirtyTag>&>(page).is_linked())
        m_dirty.remove(page);
    ++page.holders;
}

ktl::ErrorOr<void> BlockCache::write_batch(WriteBatch& batch) {
    // Pages in index order, neighbours joined into one request; all requests in flight at once
    // (the device may reorder and overlap them).
    sort_by_index(batch.pages, batch.count);
    size_t request_count = 0;
    for (size_t i = 0; i < batch.count; ++i) {
        CachedPage& page = *batch.pages[i];
        Request* request = request_count ? &batch.requests[request_count - 1] : nullptr;
        bool joins = request && batch.pages[i - 1]->index + 1 == page.index &&
                     request->segment_count < Request::max_segments;
        if (!joins) {
            request = &batch.requests[request_count++];
            *request = Request();
            request->operation = Operation::Write;
            request->sector = page.index << (page_shift - sector_shift);
        }
        request->add_segment(page.frame, page_length(page.index));
        batch.first_page[request_count - 1] = joins ? batch.first_page[request_count - 1] : i;
    }
    for (size_t r = 0; r < request_count; ++r)
        m_device.submit(batch.requests[r]);
    ktl::ErrorOr<void> first_error = {};
    for (size_t r = 0; r < request_count; ++r) {
        ktl::ErrorOr<void> result = batch.requests[r].wait();
        sync::MutexLocker locker(m_lock);
        size_t first = batch.first_page[r];
        for (size_t i = first; i < first + batch.requests[r].segment_count; ++i) {
            CachedPage& page = *batch.pages[i];
            __atomic_store_n(&page.busy, false, __ATOMIC_RELEASE);
            __atomic_sub_fetch(&m_writes_in_progress, 1, __ATOMIC_RELEASE);
            --page.holders;
            ++m_writes;
            if (result.is_error() && !page.dirty) {
                page.dirty = true;
                m_dirty.push_back(page);
            }
        }
        if (result.is_error() && !first_error.is_error())
            first_error = result.error();
    }
    m_io_done.wake_all();
    batch.count = 0;
    return first_error;
}

ktl::ErrorOr<void> BlockCache::write_back(uint64_t older_than_ns, bool all) {
    {
        sync::MutexLocker locker(m_lock);
        if (all) {
            // Stores through a shared mapping leave no trace: a page mapped writable is written at
            // every sync while it stays mapped.
            for (CachedPage& page : m_lru) {
                if (page.mapped_writable && !page.dirty) {
                    page.dirty = true;
                    page.dirtied_at = time::monotonic_ns();
                    m_dirty.push_back(page);
                }
            }
        }
        // Nothing dirty (what the flusher finds most of the time): no batch to allocate.
        if (m_dirty.is_empty() && m_writes_in_progress == 0)
            return {};
    }
    auto* batch = new (std::nothrow) WriteBatch;
    if (!batch)
        return ktl::Errno::NoMemory;
    ktl::ErrorOr<void> result = {};
    uint64_t now = time::monotonic_ns();
    for (;;) {
        batch->count = 0;
        bool waited_for_busy = false;
        {
            sync::MutexLocker locker(m_lock);
            for (CachedPage* page = m_dirty.first(); page && batch->count < write_back_batch;) {
                CachedPage* next = ktl::IntrusiveList<CachedPage, DirtyTag>::next(*page);
                if (!all && now - page->dirtied_at < older_than_ns)
                    break; // the list is oldest first
                if (page->busy) {
                    waited_for_busy = true; // another write-back has it; wait for that to end
                    page = next;
                    continue;
                }
                take_for_write(*page);
                batch->pages[batch->count++] = page;
                page = next;
            }
        }
        if (batch->count == 0) {
            if (!waited_for_busy)
                break;
            m_io_done.wait_until(
                [&] { return __atomic_load_n(&m_writes_in_progress, __ATOMIC_ACQUIRE) == 0; });
            continue;
        }
        result = write_batch(*batch);
        if (result.is_error())
            break;
    }
    delete batch;
    return result;
}

ktl::ErrorOr<void> BlockCache::write_back_pages(const PageRange* ranges, size_t count) {
    auto* batch = new (std::nothrow) WriteBatch;
    if (!batch)
        return ktl::Errno::NoMemory;
    // Pages of the set another task is writing (or reading in): held, and waited for at the end,
    // since fsync must not return before bytes dirtied before it are on the medium.
    CachedPage* in_flight[write_back_batch];
    size_t in_flight_count = 0;
    bool in_flight_overflow = false;
    ktl::ErrorOr<void> result = {};
    for (bool again = true; again && !result.is_error();) {
        again = false;
        size_t range = 0;
        uint64_t offset = 0; // within ranges[range]
        while (range < count && !result.is_error()) {
            {
                sync::MutexLocker locker(m_lock);
                // One scan of the set, a batch at a time: each page is looked up once per pass.
                for (; range < count && batch->count < write_back_batch; ++range, offset = 0) {
                    for (; offset < ranges[range].count && batch->count < write_back_batch; ++offset) {
                        CachedPage** found = m_pages.get(ranges[range].first + offset);
                        if (!found)
                            continue;
                        CachedPage& page = **found;
                        if (page.busy) {
                            if (in_flight_count < write_back_batch) {
                                ++page.holders;
                                in_flight[in_flight_count++] = &page;
                            } else {
                                in_flight_overflow = true;
                            }
                        } else if (page.dirty || page.mapped_writable) {
                            take_for_write(page);
                            batch->pages[batch->count++] = &page;
                        }
                    }
                    if (offset < ranges[range].count)
                        break; // the batch is full: go on from here
                }
            }
            if (batch->count)
                result = write_batch(*batch);
        }
        // Writes others had in flight: wait for them; a page they failed (or that was dirtied again)
        // is dirty now and the next pass writes it.
        for (size_t i = 0; i < in_flight_count; ++i) {
            CachedPage* page = in_flight[i];
            m_io_done.wait_until([&] { return !__atomic_load_n(&page->busy, __ATOMIC_ACQUIRE); });
            sync::MutexLocker locker(m_lock);
            --page->holders;
            again = again || page->dirty;
        }
        if (in_flight_overflow) {
            m_io_done.wait_until(
                [&] { return __atomic_load_n(&m_writes_in_progress, __ATOMIC_ACQUIRE) == 0; });
            again = true;
        }
        in_flight_count = 0;
        in_flight_overflow = false;
    }
    delete batch;
    return result;
}

size_t BlockCache::drop_clean(size_t count) {
    // Called with the lock held by acquire (allocation failure) or not (the shrinker): a recursive
    // call would deadlock, so the shrinker's path takes it and acquire's does not.
    size_t freed = 0;
    bool locked_here = !m_lock.is_locked_by_current();
    if (locked_here)
        m_lock.lock();
    for (CachedPage* page = m_lru.first(); page && freed < count;) {
        CachedPage* next = ktl::IntrusiveList<CachedPage, LruTag>::next(*page);
        if (page->holders == 0 && !page->dirty && !page->busy) {
            free_page(*page);
            ++freed;
        }
        page = next;
    }
    if (locked_here)
        m_lock.unlock();
    return freed;
}

CacheStatistics BlockCache::statistics() {
    sync::MutexLocker locker(m_lock);
    return {m_pages.size(), m_dirty.size(), m_reads, m_writes};
}

BlockHandle::BlockHandle(BlockHandle&& other)
    : m_cache(other.m_cache), m_page(other.m_page), m_data(other.m_data), m_size(other.m_size),
      m_number(other.m_number) {
    other.m_cache = nullptr;
    other.m_page = nullptr;
    other.m_data = nullptr;
}

BlockHandle& BlockHandle::operator=(BlockHandle&& other) {
    if (this != &other) {
        release();
        m_cache = other.m_cache;
        m_page = other.m_page;
        m_data = other.m_data;
        m_size = other.m_size;
        m_number = other.m_number;
        other.m_cache = nullptr;
        other.m_page = nullptr;
        other.m_data = nullptr;
    }
    return *this;
}

void BlockHandle::mark_dirty() {
    if (m_page)
        m_cache->mark_dirty(*m_page);
}

void BlockHandle::release() {
    if (m_page)
        m_cache->release(*m_page);
    m_cache = nullptr;
    m_page = nullptr;
    m_data = nullptr;
}

namespace {

ktl::ErrorOr<BlockHandle> get(BlockDevice& device, uint64_t number, uint32_t size, bool overwrite) {
    if (size < device.logical_block_size() || size > page_bytes || (size & (size - 1)) != 0)
        return ktl::Errno::InvalidArgument;
    if (number >= device.size() / size)
        return ktl::Errno::OutOfRange;
    BlockCache* cache = device.cache();
    if (!cache)
        return ktl::Errno::NoMemory;
    uint64_t offset = number * size;
    uint64_t index = offset >> page_shift;
    uint32_t in_page = static_cast<uint32_t>(offset & (page_bytes - 1));
    // Overwriting the whole part of the page that lies on the device needs no read.
    uint64_t page_end = (index << page_shift) + page_bytes;
    uint64_t on_device = page_end < device.size() ? page_bytes : device.size() - (index << page_shift);
    bool covers_page = in_page == 0 && size >= on_device;
    CachedPage* page = TRY(cache->acquire(index, !(overwrite && covers_page)));
    return cache->handle(*page, in_page, size, number);
}

} // namespace

ktl::ErrorOr<BlockHandle> get_block(BlockDevice& device, uint64_t number, uint32_t size) {
    return get(device, number, size, false);
}

ktl::ErrorOr<BlockHandle> get_block_for_overwrite(BlockDevice& device, uint64_t number, uint32_t size) {
    return get(device, number, size, true);
}

ktl::ErrorOr<size_t> read(BlockDevice& device, uint64_t offset, void* buffer, size_t length) {
    uint64_t size = device.size();
    if (offset >= size)
        return 0;
    if (length > size - offset)
        length = size - offset;
    BlockCache* cache = device.cache();
    if (!cache)
        return ktl::Errno::NoMemory;
    size_t done = 0;
    while (done < length) {
        uint64_t at = offset + done;
        uint32_t in_page = static_cast<uint32_t>(at & (page_bytes - 1));
        size_t part = page_bytes - in_page < length - done ? page_bytes - in_page : length - done;
        auto page = cache->acquire(at >> page_shift, true);
        if (page.is_error())
            return done > 0 ? ktl::ErrorOr<size_t>(done) : ktl::ErrorOr<size_t>(page.error());
        __builtin_memcpy(static_cast<uint8_t*>(buffer) + done, page.value()->bytes() + in_page, part);
        cache->release(*page.value());
        done += part;
    }
    return done;
}

ktl::ErrorOr<size_t> write(BlockDevice& device, uint64_t offset, const void* buffer, size_t length) {
    if (device.is_read_only())
        return ktl::Errno::ReadOnlyFilesystem;
    uint64_t size = device.size();
    if (length == 0)
        return 0;
    if (offset >= size)
        return ktl::Errno::NoSpace;
    if (length > size - offset)
        length = size - offset;
    BlockCache* cache = device.cache();
    if (!cache)
        return ktl::Errno::NoMemory;
    size_t done = 0;
    while (done < length) {
        uint64_t at = offset + done;
        uint64_t index = at >> page_shift;
        uint32_t in_page = static_cast<uint32_t>(at & (page_bytes - 1));
        size_t part = page_bytes - in_page < length - done ? page_bytes - in_page : length - done;
        uint64_t on_device =
            size - (index << page_shift) < page_bytes ? size - (index << page_shift) : page_bytes;
        bool whole = in_page == 0 && part >= on_device;
        auto page = cache->acquire(index, !whole);
        if (page.is_error())
            return done > 0 ? ktl::ErrorOr<size_t>(done) : ktl::ErrorOr<size_t>(page.error());
        __builtin_memcpy(page.value()->bytes() + in_page, static_cast<const uint8_t*>(buffer) + done, part);
        cache->mark_dirty(*page.value());
        cache->release(*page.value());
        done += part;
    }
    return done;
}

ktl::ErrorOr<void> sync_device(BlockDevice& device) {
    if (BlockCache* cache = device.cache_if_any())
        TRY(cache->write_back(0, true));
    if (device.is_read_only())
        return {};
    return flush(device);
}

ktl::ErrorOr<void> write_back_blocks(BlockDevice& device, const BlockRange* ranges, size_t count,
                                     uint32_t block_size) {
    if (block_size == 0 || block_size > page_bytes || (block_size & (block_size - 1)) != 0)
        return ktl::Errno::InvalidArgument;
    BlockCache* cache = device.cache_if_any();
    if (!cache || count == 0)
        return {};
    const uint64_t device_blocks = device.size() / block_size;
    ktl::Vector<PageRange> pages;
    TRY(pages.try_reserve(count));
    for (size_t i = 0; i < count; ++i) {
        // Blocks past the device's end have no page to write: cut (this also bounds the arithmetic).
        uint64_t first = ranges[i].first;
        if (first >= device_blocks || ranges[i].count == 0)
            continue;
        uint64_t end = ranges[i].count > device_blocks - first ? device_blocks : first + ranges[i].count;
        uint64_t first_page = (first * block_size) >> page_shift;
        uint64_t end_page = (end * block_size + page_bytes - 1) >> page_shift;
        MUST(pages.try_append(PageRange{first_page, end_page - first_page}));
    }
    return cache->write_back_pages(pages.data(), pages.size());
}

void sync_all() {
    for_each_device([](BlockDevice& device) {
        if (auto synced = sync_device(device); synced.is_error())
            klog::warn("block", "{}: write-back failed: {}", device.name(), synced.error().name());
    });
}

ktl::ErrorOr<void> invalidate_device(BlockDevice& device) {
    TRY(sync_device(device));
    if (BlockCache* cache = device.cache_if_any())
        cache->drop_clean(SIZE_MAX);
    return {};
}

void write_back_expired(uint64_t age_ns) {
    for_each_device([&](BlockDevice& device) {
        BlockCache* cache = device.cache_if_any();
        if (!cache)
            return;
        if (auto written = cache->write_back(age_ns, false); written.is_error())
            klog::warn("block", "{}: periodic write-back failed: {}", device.name(), written.error().name());
    });
}

namespace {

// What mmap of a device file holds: the pages it handed out, pinned until the last mapping goes.
class BlockMapping final : public mm::MappedObject {
public:
    BlockMapping(ktl::RefPtr<BlockDevice> device, BlockCache& cache)
        : m_device(static_cast<ktl::RefPtr<BlockDevice>&&>(device)), m_cache(cache) {}

    ~BlockMapping() override {
        m_pages.with([&](ktl::HashMap<uint64_t, Pinned>& pages) {
            for (auto& entry : pages) {
                if (entry.value.writable) {
                    m_cache.mark_dirty(*entry.value.page); // its last stores are written back
                    m_cache.set_mapped_writable(*entry.value.page, false);
                }
                m_cache.release(*entry.value.page);
            }
        });
    }

    ktl::ErrorOr<uint64_t> frame_for(uint64_t index, Access access) override {
        uint64_t pages = (m_device->size() + page_bytes - 1) >> page_shift;
        if (index >= pages)
            return ktl::Errno::BadAddress;
        return m_pages.with([&](ktl::HashMap<uint64_t, Pinned>& pinned) -> ktl::ErrorOr<uint64_t> {
            Pinned* found = pinned.get(index);
            if (!found) {
                CachedPage* page = TRY(m_cache.acquire(index, true));
                if (auto kept = pinned.try_set(index, Pinned{page, false}); kept.is_error()) {
                    m_cache.release(*page);
                    return kept.error();
                }
                found = pinned.get(index);
            }
            if (access == Access::Write) {
                if (m_device->is_read_only())
                    return ktl::Errno::BadAddress;
                if (!found->writable) {
                    found->writable = true;
                    m_cache.set_mapped_writable(*found->page, true);
                }
                m_cache.mark_dirty(*found->page);
            }
            return found->page->frame;
        });
    }

    uint64_t existing_frame(uint64_t index) override {
        // Only pages this mapping holds: a cached page it does not hold may be dropped meanwhile.
        return m_pages.with([&](ktl::HashMap<uint64_t, Pinned>& pinned) {
            Pinned* found = pinned.get(index);
            return found ? found->page->frame : uint64_t(0);
        });
    }

    const void* identity() const override { return &m_cache; }

private:
    struct Pinned {
        CachedPage* page = nullptr;
        bool writable = false;
    };
    ktl::RefPtr<BlockDevice> m_device;
    BlockCache& m_cache;
    sync::MutexProtected<ktl::HashMap<uint64_t, Pinned>> m_pages;
};

} // namespace

ktl::ErrorOr<ktl::RefPtr<mm::MappedObject>> create_mapping(BlockDevice& device) {
    BlockCache* cache = device.cache();
    if (!cache)
        return ktl::Errno::NoMemory;
    auto mapping = TRY(ktl::try_make_ref_counted<BlockMapping>(ktl::RefPtr<BlockDevice>(&device), *cache));
    return ktl::RefPtr<mm::MappedObject>(mapping.ptr());
}

size_t dirty_pages_total() {
    return all_caches.with([](ktl::IntrusiveList<BlockCache, CacheListTag>& caches) {
        size_t dirty = 0;
        for (BlockCache& cache : caches)
            dirty += cache.statistics().dirty_pages;
        return dirty;
    });
}

CacheStatistics statistics(BlockDevice& device) {
    BlockCache* cache = device.cache_if_any();
    return cache ? cache->statistics() : CacheStatistics{};
}

} // namespace block
