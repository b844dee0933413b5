// An unordered map with fallible allocation: open addressing with linear probing over a power-of-two
// table. Removal leaves a tombstone (so probe chains stay intact) and an insert that would fill more than
// 3/4 of the table with entries and tombstones rehashes, dropping them, so lookups stay O(1) expected
// however many removals came before. The table never shrinks, except to nothing by clear(). Lookups take any
// type the KeyTraits accept: a HashMap<String, V> is searched by StringView without allocating.
#pragma once

#include "ktl/assert.h"
#include "ktl/error_or.h"
#include "ktl/hash.h"

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace ktl {

template <typename K, typename V, typename KeyTraits = Traits<K>>
class HashMap {
public:
    // Iteration yields these; changing `key` in place breaks the map.
    struct Entry {
        K key;
        V value;
    };

private:
    enum class State : uint8_t { Empty, Used, Deleted };
    static_assert(alignof(Entry) <= alignof(std::max_align_t), "over-aligned entries are not supported");
    struct Bucket {
        State state = State::Empty;
        uint64_t hash = 0;
        alignas(Entry) unsigned char storage[sizeof(Entry)];
        Entry& entry() { return *std::launder(reinterpret_cast<Entry*>(storage)); }
    };

    template <typename BucketType, typename EntryType>
    class IteratorBase {
    public:
        IteratorBase(BucketType* bucket, BucketType* end) : m_bucket(bucket), m_end(end) { skip_unused(); }
        EntryType& operator*() const { return m_bucket->entry(); }
        EntryType* operator->() const { return &m_bucket->entry(); }
        IteratorBase& operator++() {
            ++m_bucket;
            skip_unused();
            return *this;
        }
        bool operator==(const IteratorBase& other) const { return m_bucket == other.m_bucket; }

    private:
        void skip_unused() {
            while (m_bucket != m_end && m_bucket->state != State::Used)
                ++m_bucket;
        }
        BucketType* m_bucket;
        BucketType* m_end;
    };

public:
    using Iterator = IteratorBase<Bucket, Entry>;
    using ConstIterator = IteratorBase<Bucket, const Entry>;

    HashMap() = default;
    HashMap(const HashMap&) = delete;
    HashMap& operator=(const HashMap&) = delete;
    HashMap(HashMap&& other) { take(other); }
    HashMap& operator=(HashMap&& other) {
        if (this != &other) {
            clear();
            take(other);
        }
        return *this;
    }
    ~HashMap() { clear(); }

    size_t size() const { return m_size; }
    bool is_empty() const { return m_size == 0; }
    size_t capacity() const { return m_capacity; }

    // Inserts, or replaces the value of an equal key. On ENOMEM the map is unchanged.
    [[nodiscard]] ErrorOr<void> try_set(K key, V value) {
        uint64_t hash = KeyTraits::hash(key);
        if (Bucket* bucket = find_bucket(key, hash)) {
            bucket->entry().value = std::move(value);
            return {};
        }
        if ((m_size + m_deleted + 1) * 4 > m_capacity * 3) {
            // Doubles when entries fill half the table, else only sweeps the tombstones; never shrinks.
            size_t capacity = capacity_for(m_size + 1);
            TRY(rehash(capacity > m_capacity ? capacity : m_capacity));
        }
        Bucket& bucket = free_bucket(hash);
        if (bucket.state == State::Deleted)
            --m_deleted;
        new (bucket.storage) Entry{std::move(key), std::move(value)};
        bucket.state = State::Used;
        bucket.hash = hash;
        ++m_size;
        return {};
    }

    // Room for `count` entries without another allocation.
    [[nodiscard]] ErrorOr<void> try_reserve(size_t count) {
        size_t capacity = capacity_for(count);
        if (capacity == 0)
            return Errno::NoMemory;
        if (capacity <= m_capacity)
            return {};
        return rehash(capacity);
    }

    template <typename Q>
    V* get(const Q& key) {
        Bucket* bucket = find_bucket(key, KeyTraits::hash(key));
        return bucket ? &bucket->entry().value : nullptr;
    }
    template <typename Q>
    const V* get(const Q& key) const {
        return const_cast<HashMap*>(this)->get(key);
    }
    template <typename Q>
    bool contains(const Q& key) const {
        return get(key) != nullptr;
    }

    // Returns whether the key was present.
    template <typename Q>
    bool remove(const Q& key) {
        Bucket* bucket = find_bucket(key, KeyTraits::hash(key));
        if (!bucket)
            return false;
        bucket->entry().~Entry();
        --m_size;
        // No probe chain continues past an empty bucket, so a run of tombstones just before one can be
        // emptied too.
        size_t mask = m_capacity - 1;
        size_t index = static_cast<size_t>(bucket - m_buckets);
        if (m_buckets[(index + 1) & mask].state != State::Empty) {
            bucket->state = State::Deleted;
            ++m_deleted;
            return true;
        }
        bucket->state = State::Empty;
        for (index = (index - 1) & mask; m_buckets[index].state == State::Deleted;
             index = (index - 1) & mask) {
            m_buckets[index].state = State::Empty;
            --m_deleted;
        }
        return true;
    }

    // Destroys every entry and frees the table.
    void clear() {
        for (size_t i = 0; i < m_capacity; ++i) {
            if (m_buckets[i].state == State::Used)
                m_buckets[i].entry().~Entry();
        }
        delete[] m_buckets;
        m_buckets = nullptr;
        m_capacity = 0;
        m_size = 0;
        m_deleted = 0;
    }

    Iterator begin() { return {m_buckets, m_buckets + m_capacity}; }
    Iterator end() { return {m_buckets + m_capacity, m_buckets + m_capacity}; }
    ConstIterator begin() const { return {m_buckets, m_buckets + m_capacity}; }
    ConstIterator end() const { return {m_buckets + m_capacity, m_buckets + m_capacity}; }

private:
    // The smallest power-of-two table (at least 8) that holds `count` entries at most half full; 0 if
    // that many buckets could not be addressed.
    static size_t capacity_for(size_t count) {
        if (count > SIZE_MAX / sizeof(Bucket) / 2)
            return 0;
        size_t capacity = 8;
        while (capacity / 2 < count)
            capacity *= 2;
        return capacity;
    }

    template <typename Q>
    Bucket* find_bucket(const Q& key, uint64_t hash) {
        if (m_capacity == 0)
            return nullptr;
        size_t mask = m_capacity - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            Bucket& bucket = m_buckets[i];
            if (bucket.state == State::Empty)
                return nullptr;
            if (bucket.state == State::Used && bucket.hash == hash &&
                KeyTraits::equals(bucket.entry().key, key))
                return &bucket;
        }
    }

    // The first empty or deleted bucket on `hash`'s probe chain; the table is never full.
    Bucket& free_bucket(uint64_t hash) {
        size_t mask = m_capacity - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            if (m_buckets[i].state != State::Used)
                return m_buckets[i];
        }
    }

    // Moves every entry into a fresh table of `capacity` buckets; on ENOMEM nothing changes.
    ErrorOr<void> rehash(size_t capacity) {
        if (capacity == 0 || capacity > SIZE_MAX / sizeof(Bucket))
            return Errno::NoMemory;
        Bucket* buckets = new (std::nothrow) Bucket[capacity];
        if (!buckets)
            return Errno::NoMemory;
        Bucket* old_buckets = std::exchange(m_buckets, buckets);
        size_t old_capacity = std::exchange(m_capacity, capacity);
        for (size_t i = 0; i < old_capacity; ++i) {
            Bucket& old_bucket = old_buckets[i];
            if (old_bucket.state != State::Used)
                continue;
            Bucket& bucket = free_bucket(old_bucket.hash);
            new (bucket.storage) Entry(std::move(old_bucket.entry()));
            bucket.state = State::Used;
            bucket.hash = old_bucket.hash;
            old_bucket.entry().~Entry();
        }
        delete[] old_buckets;
        m_deleted = 0;
        return {};
    }

    void take(HashMap& other) {
        m_buckets = std::exchange(other.m_buckets, nullptr);
        m_capacity = std::exchange(other.m_capacity, 0);
        m_size = std::exchange(other.m_size, 0);
        m_deleted = std::exchange(other.m_deleted, 0);
    }

    Bucket* m_buckets = nullptr;
    size_t m_capacity = 0;
    size_t m_size = 0;
    size_t m_deleted = 0;
};

} // namespace ktl
