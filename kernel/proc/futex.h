// Futexes (Linux's futex(2)): tasks wait on a 32-bit word in user memory and are woken by address.
// A key names the word: private words by (address space, address), words in a shared file mapping by
// (object, byte offset in it) so processes mapping the same file meet. Waiters hash by key into
// buckets, each with its own lock and list; a waiter lives on its task's stack for the wait only.
// docs/futex.md has the semantics and the lock order.
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/ref_ptr.h"
#include "mm/mapped_object.h"

#include <cstddef>
#include <cstdint>

namespace mm {
class AddressSpace;
}

namespace proc::futex {

inline constexpr uint32_t match_any = 0xffffffff; // FUTEX_BITSET_MATCH_ANY
inline constexpr uint64_t no_deadline = ~uint64_t(0);

// Two keys name the same futex when domain and position are equal.
struct Key {
    const void* domain = nullptr; // the address space, or the identity of a shared file page's object
    uint64_t position = 0;        // the virtual address, or the byte offset in the object
    // Holds a shared key's object while the key is in use, so its address names no other object.
    ktl::RefPtr<mm::MappedObject> pin;

    bool same_futex(const Key& other) const { return domain == other.domain && position == other.position; }
};

// The key of the word at `address` in `space`. Private (or anonymous) memory: (space, address), with
// no look-up, as Linux. Shared: a shared file mapping's page gives (object, offset), anything else
// (space, address); BadAddress where nothing is mapped. InvalidArgument unless 4-byte aligned.
ktl::ErrorOr<Key> key_for(mm::AddressSpace& space, uint64_t address, bool shared);

// Reads the futex word. Runs with the bucket's lock held, which is a sleeping lock: it may page in.
using WordReader = ktl::FunctionRef<ktl::ErrorOr<uint32_t>()>;

// Blocks while the word holds `expected`, checked under the bucket lock after enlisting, so a wake
// that follows a change of the word is never lost. TryAgain (EAGAIN) if the word differs, TimedOut
// once `deadline_ns` (monotonic) passes unwoken, InvalidArgument for an empty bitset.
ktl::ErrorOr<void> wait(const Key& key, WordReader read, uint32_t expected, uint32_t bitset,
                        uint64_t deadline_ns = no_deadline);

// Wakes up to `count` waiters on `key` whose bitset shares a bit with `bitset`, oldest first; a
// count below one still wakes one, as Linux. Returns how many it woke.
size_t wake(const Key& key, int32_t count, uint32_t bitset = match_any);

// FUTEX_(CMP_)REQUEUE: under both buckets' locks, runs `check` (an error ends the call: EAGAIN when
// the word moved), then wakes up to `wake_count` waiters on `from` and moves up to `requeue_count`
// more to `to`. Returns woken plus moved; InvalidArgument for a negative count.
ktl::ErrorOr<size_t> requeue(const Key& from, const Key& to, int32_t wake_count, int32_t requeue_count,
                             ktl::FunctionRef<ktl::ErrorOr<void>()> check);

// FUTEX_WAKE_OP: under both buckets' locks, runs `operate` (changes the second word, says whether
// its old value passed the comparison), wakes up to `count` waiters on `first` and, if it passed, up
// to `second_count` on `second`. Returns the total woken.
ktl::ErrorOr<size_t> wake_op(const Key& first, const Key& second, int32_t count, int32_t second_count,
                             ktl::FunctionRef<ktl::ErrorOr<bool>()> operate);

// How many tasks wait on `key` now (tests, diagnostics).
size_t waiter_count(const Key& key);

// The FUTEX_WAKE_OP operation encoded in `encoded` on `old`: the new value, or NotImplemented
// (ENOSYS) for an unknown operation, as Linux.
ktl::ErrorOr<uint32_t> apply_operation(uint32_t encoded, uint32_t old);
// Its comparison of `old` with the encoded argument; NotImplemented for an unknown comparison.
ktl::ErrorOr<bool> compare(uint32_t encoded, uint32_t old);

} // namespace proc::futex
