#include "proc/futex.h"

#include "arch/paging.h"
#include "ktl/intrusive_list.h"
#include "mm/address_space.h"
#include "mm/user_memory.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"

namespace proc::futex {

namespace {

struct Bucket;

// One waiting task, on its own stack. Its bucket and key change only under the bucket locks (a
// requeue moves it); `woken` is set by a waker that took it off the list, under the same lock.
struct Waiter : ktl::IntrusiveListNode<> {
    Key key;
    uint32_t bitset = match_any;
    Bucket* bucket = nullptr;
    bool woken = false;
    // The task sleeps on a queue of its own: a wake reaches exactly the waiters it chose, and the
    // wait can become interruptible (EINTR) where WaitQueue does.
    sched::WaitQueue queue;
};

using WaiterList = ktl::IntrusiveList<Waiter>;

// A sleeping lock: the value check reads user memory, which may page in. Lock order: two buckets
// in address order, then an address space's lock and a file's (a page-in, or a requeue dropping the
// last reference to a mapping), then a waiter's queue. Nothing takes a bucket holding those.
struct Bucket {
    sync::MutexProtected<WaiterList> waiters;
};

// A power of two, many more than the waiters usually alive at once, so chains stay short.
constexpr size_t bucket_count = 256;
constinit Bucket buckets[bucket_count];

Bucket& bucket_for(const Key& key) {
    uint64_t hash = reinterpret_cast<uint64_t>(key.domain) ^ (key.position * 0x9e37'79b9'7f4a'7c15);
    hash ^= hash >> 31;
    hash *= 0xbf58'476d'1ce4'e5b9;
    hash ^= hash >> 29;
    return buckets[hash % bucket_count];
}

Bucket* bucket_of(const Waiter& waiter) {
    return __atomic_load_n(&waiter.bucket, __ATOMIC_ACQUIRE);
}

// Under the waiter's bucket lock. The waiter may return (and its frame vanish) as soon as it holds
// that lock again, which it cannot before we release it.
void wake_waiter(WaiterList& list, Waiter& waiter) {
    list.remove(waiter);
    __atomic_store_n(&waiter.woken, true, __ATOMIC_RELEASE);
    waiter.queue.wake_all();
}

// Runs `callback(first_list, second_list)` holding both buckets' locks, in address order; the same
// list twice when both keys hash to one bucket.
template <typename Callback>
decltype(auto) with_buckets(Bucket& first, Bucket& second, Callback&& callback) {
    if (&first == &second)
        return first.waiters.with([&](WaiterList& list) { return callback(list, list); });
    Bucket& lower = &first < &second ? first : second;
    Bucket& upper = &first < &second ? second : first;
    return lower.waiters.with([&](WaiterList& lower_list) {
        return upper.waiters.with([&](WaiterList& upper_list) {
            return &lower == &first ? callback(lower_list, upper_list) : callback(upper_list, lower_list);
        });
    });
}

// Wakes up to `count` (at least one) matching waiters of `list`; returns how many.
size_t wake_in(WaiterList& list, const Key& key, int32_t count, uint32_t bitset) {
    size_t woken = 0;
    for (Waiter& waiter : list) {
        if (!waiter.key.same_futex(key) || !(waiter.bitset & bitset))
            continue;
        wake_waiter(list, waiter);
        if (static_cast<int64_t>(++woken) >= count)
            break;
    }
    return woken;
}

// Takes the waiter off whatever bucket it is on now; returns whether a waker did so first.
bool leave(Waiter& waiter) {
    for (;;) {
        Bucket* bucket = bucket_of(waiter);
        int outcome = bucket->waiters.with([&](WaiterList& list) {
            if (bucket_of(waiter) != bucket)
                return -1; // requeued meanwhile: try its new bucket
            if (__atomic_load_n(&waiter.woken, __ATOMIC_ACQUIRE))
                return 1;
            list.remove(waiter);
            return 0;
        });
        if (outcome >= 0)
            return outcome == 1;
    }
}

} // namespace

ktl::ErrorOr<Key> key_for(mm::AddressSpace& space, uint64_t address, bool shared) {
    if (address % sizeof(uint32_t) != 0)
        return ktl::Errno::InvalidArgument;
    if (!mm::is_user_range(address, sizeof(uint32_t)))
        return ktl::Errno::BadAddress;
    if (shared) {
        mm::AddressSpace::Backing backing = TRY(space.backing_of(address));
        if (backing.kind == mm::RegionKind::SharedFile) {
            Key key;
            key.domain = backing.object->identity();
            key.position = backing.page_index * arch::page_size + address % arch::page_size;
            key.pin = static_cast<ktl::RefPtr<mm::MappedObject>&&>(backing.object);
            return key;
        }
    }
    // Only this address space can reach the word: its own address names it.
    return Key{&space, address, nullptr};
}

ktl::ErrorOr<void> wait(const Key& key, WordReader read, uint32_t expected, uint32_t bitset,
                        uint64_t deadline_ns) {
    if (bitset == 0)
        return ktl::Errno::InvalidArgument;
    Bucket& bucket = bucket_for(key);
    Waiter waiter;
    waiter.key = key;
    waiter.bitset = bitset;
    waiter.bucket = &bucket;
    TRY(bucket.waiters.with([&](WaiterList& list) -> ktl::ErrorOr<void> {
        // A waker changes the word, then takes this lock: reading it here, with the waiter about to
        // be listed before the lock drops, means the wake either sees us or we see its value.
        uint32_t value = TRY(read());
        if (value != expected)
            return ktl::Errno::TryAgain;
        list.push_back(waiter);
        return {};
    }));
    auto woken = [&] { return __atomic_load_n(&waiter.woken, __ATOMIC_ACQUIRE); };
    // A signal ends the wait (SIGKILL must reach a task blocked here): an untimed wait is restarted
    // or fails with EINTR as the handler says; a timed one fails with EINTR (Linux restarts it with
    // the time left).
    sched::WaitResult waited = waiter.queue.wait_until_interruptible(woken, deadline_ns);
    // A wake that lands between the deadline and leave() still counts: the waker reported it.
    if (!leave(waiter)) {
        if (waited != sched::WaitResult::Interrupted)
            return ktl::Errno::TimedOut;
        return deadline_ns == no_deadline ? ktl::Errno::RestartSyscall : ktl::Errno::Interrupted;
    }
    return {};
}

size_t wake(const Key& key, int32_t count, uint32_t bitset) {
    return bucket_for(key).waiters.with([&](WaiterList& list) { return wake_in(list, key, count, bitset); });
}

ktl::ErrorOr<size_t> requeue(const Key& from, const Key& to, int32_t wake_count, int32_t requeue_count,
                             ktl::FunctionRef<ktl::ErrorOr<void>()> check) {
    if (wake_count < 0 || requeue_count < 0)
        return ktl::Errno::InvalidArgument;
    Bucket& from_bucket = bucket_for(from);
    Bucket& to_bucket = bucket_for(to);
    return with_buckets(from_bucket, to_bucket,
                        [&](WaiterList& from_list, WaiterList& to_list) -> ktl::ErrorOr<size_t> {
                            TRY(check());
                            int64_t woken = 0, moved = 0;
                            for (Waiter& waiter : from_list) {
                                if (moved >= requeue_count && woken >= wake_count)
                                    break;
                                if (!waiter.key.same_futex(from))
                                    continue;
                                if (woken < wake_count) {
                                    wake_waiter(from_list, waiter);
                                    ++woken;
                                    continue;
                                }
                                // Its pin moves to the new key's object. The old one may be another
                                // process's mapping that went away since: freeing it here takes only
                                // the file's locks, which come after the buckets (see Bucket).
                                waiter.key = to;
                                if (&from_list != &to_list) {
                                    from_list.remove(waiter);
                                    to_list.push_back(waiter);
                                    __atomic_store_n(&waiter.bucket, &to_bucket, __ATOMIC_RELEASE);
                                }
                                ++moved;
                            }
                            return static_cast<size_t>(woken + moved);
                        });
}

ktl::ErrorOr<size_t> wake_op(const Key& first, const Key& second, int32_t count, int32_t second_count,
                             ktl::FunctionRef<ktl::ErrorOr<bool>()> operate) {
    return with_buckets(bucket_for(first), bucket_for(second),
                        [&](WaiterList& first_list, WaiterList& second_list) -> ktl::ErrorOr<size_t> {
                            bool passed = TRY(operate());
                            size_t woken = wake_in(first_list, first, count, match_any);
                            if (passed)
                                woken += wake_in(second_list, second, second_count, match_any);
                            return woken;
                        });
}

size_t waiter_count(const Key& key) {
    return bucket_for(key).waiters.with([&](WaiterList& list) {
        size_t count = 0;
        for (Waiter& waiter : list)
            count += waiter.key.same_futex(key) ? 1 : 0;
        return count;
    });
}

namespace {
enum : uint32_t { op_set = 0, op_add = 1, op_or = 2, op_andn = 3, op_xor = 4 };
enum : uint32_t { cmp_eq = 0, cmp_ne = 1, cmp_lt = 2, cmp_le = 3, cmp_gt = 4, cmp_ge = 5 };
constexpr uint32_t op_argument_shift = 8; // FUTEX_OP_OPARG_SHIFT: the argument is a bit number

int32_t sign_extend_12(uint32_t value) {
    return static_cast<int32_t>(value << 20) >> 20;
}
} // namespace

ktl::ErrorOr<uint32_t> apply_operation(uint32_t encoded, uint32_t old) {
    uint32_t operation = (encoded >> 28) & 7;
    int32_t argument = sign_extend_12((encoded >> 12) & 0xfff);
    // Linux takes a shift outside 0..31 modulo 32 (with a warning) rather than failing.
    if ((encoded >> 28) & op_argument_shift)
        argument = static_cast<int32_t>(1u << (static_cast<uint32_t>(argument) & 31));
    uint32_t value = static_cast<uint32_t>(argument);
    switch (operation) {
    case op_set:
        return value;
    case op_add:
        return old + value;
    case op_or:
        return old | value;
    case op_andn:
        return old & ~value;
    case op_xor:
        return old ^ value;
    default:
        return ktl::Errno::NotImplemented;
    }
}

ktl::ErrorOr<bool> compare(uint32_t encoded, uint32_t old) {
    int32_t value = static_cast<int32_t>(old);
    int32_t argument = sign_extend_12(encoded & 0xfff);
    switch ((encoded >> 24) & 0xf) {
    case cmp_eq:
        return value == argument;
    case cmp_ne:
        return value != argument;
    case cmp_lt:
        return value < argument;
    case cmp_le:
        return value <= argument;
    case cmp_gt:
        return value > argument;
    case cmp_ge:
        return value >= argument;
    default:
        return ktl::Errno::NotImplemented;
    }
}

} // namespace proc::futex
