// Futexes between kernel tasks: a waiter and a waker meet on a key, a wake changes nothing for a waiter
// on another word or with another bitset, a futex mutex under contention loses no wake, requeue moves
// a waiter, timeouts end a wait, a thousand waiters on a thousand words all wake; and the keys of
// file mappings and private memory.
#include "ktl/assert.h"
#include "mm/address_space.h"
#include "proc/futex.h"
#include "sched/scheduler.h"
#include "test/ktest.h"
#include "time/clock.h"

#include <new>

namespace {

using proc::futex::Key;

// Keys of their own: no address space is this test's local, so no user futex shares them.
struct Words {
    uint32_t value[4] = {};
    Key key(size_t index) const { return Key{this, index * sizeof(uint32_t), nullptr}; }
};

struct Waiting {
    Key key;
    const uint32_t* word = nullptr;
    uint32_t expected = 0;
    uint32_t bitset = proc::futex::match_any;
    uint64_t deadline_ns = proc::futex::no_deadline;
    int result = -1; // 0 woken, else the errno
};

void wait_on(void* argument) {
    auto& waiting = *static_cast<Waiting*>(argument);
    auto read = [&]() -> ktl::ErrorOr<uint32_t> { return __atomic_load_n(waiting.word, __ATOMIC_ACQUIRE); };
    auto outcome =
        proc::futex::wait(waiting.key, read, waiting.expected, waiting.bitset, waiting.deadline_ns);
    __atomic_store_n(&waiting.result, outcome.is_error() ? static_cast<int>(outcome.error().code()) : 0,
                     __ATOMIC_RELEASE);
}

sched::TaskHandle start_waiter(Waiting& waiting) {
    auto spawned = sched::spawn("futex-waiter", wait_on, &waiting);
    KTL_ASSERT(!spawned.is_error());
    return static_cast<sched::TaskHandle&&>(spawned.value());
}

// Until `count` tasks wait on `key` (false after five seconds).
bool await_waiters(const Key& key, size_t count) {
    uint64_t give_up = time::monotonic_ns() + 5'000'000'000;
    while (proc::futex::waiter_count(key) < count) {
        if (time::monotonic_ns() > give_up)
            return false;
        sched::sleep_for(1'000'000);
    }
    return true;
}

int result_of(const Waiting& waiting) {
    return __atomic_load_n(&waiting.result, __ATOMIC_ACQUIRE);
}

} // namespace

KTEST(futex_a_waiter_sleeps_until_another_task_wakes_its_word) {
    Words words;
    Waiting waiting{words.key(0), &words.value[0], 0};
    sched::TaskHandle waiter = start_waiter(waiting);
    KASSERT(await_waiters(words.key(0), 1));
    sched::sleep_for(2'000'000);
    KEXPECT_EQ(result_of(waiting), -1);                 // still asleep: nothing woke it
    KEXPECT_EQ(proc::futex::wake(words.key(1), 1), 0u); // another word wakes nobody
    __atomic_store_n(&words.value[0], 1, __ATOMIC_RELEASE);
    KEXPECT_EQ(proc::futex::wake(words.key(0), 1), 1u);
    waiter.join();
    KEXPECT_EQ(result_of(waiting), 0);
    KEXPECT_EQ(proc::futex::waiter_count(words.key(0)), 0u);
}

KTEST(futex_a_wait_on_a_word_that_changed_returns_eagain_without_sleeping) {
    Words words;
    words.value[0] = 7;
    auto read = [&]() -> ktl::ErrorOr<uint32_t> { return words.value[0]; };
    auto outcome = proc::futex::wait(words.key(0), read, 6, proc::futex::match_any);
    KASSERT(outcome.is_error());
    KEXPECT_EQ(outcome.error().code(), ktl::Errno::TryAgain);
    KEXPECT_EQ(proc::futex::waiter_count(words.key(0)), 0u);
}

KTEST(futex_a_wait_ends_with_etimedout_at_its_deadline_and_leaves_no_waiter) {
    Words words;
    auto read = [&]() -> ktl::ErrorOr<uint32_t> { return words.value[0]; };
    uint64_t start = time::monotonic_ns();
    auto outcome = proc::futex::wait(words.key(0), read, 0, proc::futex::match_any, start + 5'000'000);
    KASSERT(outcome.is_error());
    KEXPECT_EQ(outcome.error().code(), ktl::Errno::TimedOut);
    KEXPECT(time::monotonic_ns() >= start + 5'000'000);
    KEXPECT_EQ(proc::futex::waiter_count(words.key(0)), 0u);
    KEXPECT_EQ(proc::futex::wake(words.key(0), 1), 0u);
}

namespace {

// Drepper's futex mutex ("Futexes Are Tricky", mutex 2): 0 free, 1 locked, 2 locked with waiters.
// A lost wake leaves a waiter asleep with the lock free: its wait then runs into the deadline.
struct FutexMutexTest {
    uint32_t word = 0;
    uint64_t counter = 0;
    int rounds = 0;
    uint32_t timeouts = 0;
    uint32_t sleeps = 0; // waits that slept and were woken
    Key key() const { return Key{this, 0, nullptr}; }
};

void lock_futex_mutex(FutexMutexTest& test) {
    uint32_t state = 0;
    if (__atomic_compare_exchange_n(&test.word, &state, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    if (state != 2)
        state = __atomic_exchange_n(&test.word, 2, __ATOMIC_ACQUIRE);
    auto read = [&]() -> ktl::ErrorOr<uint32_t> { return __atomic_load_n(&test.word, __ATOMIC_ACQUIRE); };
    while (state != 0) {
        auto waited = proc::futex::wait(test.key(), read, 2, proc::futex::match_any,
                                        time::monotonic_ns() + 5'000'000'000);
        if (waited.is_error() && waited.error().code() == ktl::Errno::TimedOut)
            __atomic_add_fetch(&test.timeouts, 1, __ATOMIC_RELAXED);
        if (!waited.is_error())
            __atomic_add_fetch(&test.sleeps, 1, __ATOMIC_RELAXED);
        state = __atomic_exchange_n(&test.word, 2, __ATOMIC_ACQUIRE);
    }
}

void unlock_futex_mutex(FutexMutexTest& test) {
    if (__atomic_fetch_sub(&test.word, 1, __ATOMIC_RELEASE) != 1) {
        __atomic_store_n(&test.word, 0, __ATOMIC_RELEASE);
        proc::futex::wake(test.key(), 1);
    }
}

void increment_under_futex_mutex(void* argument) {
    auto& test = *static_cast<FutexMutexTest*>(argument);
    for (int round = 0; round < test.rounds; ++round) {
        lock_futex_mutex(test);
        uint64_t value = test.counter;
        if (round % 16 == 0)
            sched::yield(); // let the others find it taken and sleep
        test.counter = value + 1;
        unlock_futex_mutex(test);
    }
}

} // namespace

KTEST(futex_a_mutex_built_on_futexes_loses_no_wake_and_no_increment) {
    FutexMutexTest test;
    test.rounds = 2'000;
    constexpr int thread_count = 4;
    sched::TaskHandle threads[thread_count];
    for (auto& thread : threads) {
        auto spawned = sched::spawn("futex-mutex", increment_under_futex_mutex, &test);
        KASSERT(!spawned.is_error());
        thread = static_cast<sched::TaskHandle&&>(spawned.value());
    }
    for (auto& thread : threads)
        thread.join();
    KEXPECT_EQ(test.counter, uint64_t(thread_count) * test.rounds);
    KEXPECT_EQ(test.timeouts, 0u);
    KEXPECT(test.sleeps > 0); // the lock was contended: tasks slept and were woken
    KEXPECT_EQ(test.word, 0u);
    KEXPECT_EQ(proc::futex::waiter_count(test.key()), 0u);
}

KTEST(futex_wake_bitset_wakes_only_waiters_that_share_a_bit) {
    Words words;
    Waiting low{words.key(0), &words.value[0], 0, 0b01};
    Waiting high{words.key(0), &words.value[0], 0, 0b10};
    sched::TaskHandle low_task = start_waiter(low);
    sched::TaskHandle high_task = start_waiter(high);
    KASSERT(await_waiters(words.key(0), 2));
    KEXPECT_EQ(proc::futex::wake(words.key(0), 100, 0b10), 1u);
    high_task.join();
    KEXPECT_EQ(result_of(high), 0);
    KEXPECT_EQ(result_of(low), -1);
    KEXPECT_EQ(proc::futex::wake(words.key(0), 100, 0b01), 1u);
    low_task.join();
    KEXPECT_EQ(result_of(low), 0);
}

KTEST(futex_requeue_moves_a_waiter_to_the_second_word_where_a_wake_finds_it) {
    Words words;
    Waiting waiting{words.key(0), &words.value[0], 0};
    sched::TaskHandle waiter = start_waiter(waiting);
    KASSERT(await_waiters(words.key(0), 1));
    // A failing check (FUTEX_CMP_REQUEUE with a stale value) moves nothing.
    auto stale = proc::futex::requeue(words.key(0), words.key(1), 0, 1,
                                      []() -> ktl::ErrorOr<void> { return ktl::Errno::TryAgain; });
    KEXPECT(stale.is_error());
    KEXPECT_EQ(proc::futex::waiter_count(words.key(0)), 1u);
    auto moved =
        proc::futex::requeue(words.key(0), words.key(1), 0, 1, []() -> ktl::ErrorOr<void> { return {}; });
    KASSERT(!moved.is_error());
    KEXPECT_EQ(moved.value(), 1u);
    KEXPECT_EQ(proc::futex::waiter_count(words.key(0)), 0u);
    KEXPECT_EQ(proc::futex::waiter_count(words.key(1)), 1u);
    KEXPECT_EQ(proc::futex::wake(words.key(0), 1), 0u);
    KEXPECT_EQ(result_of(waiting), -1);
    KEXPECT_EQ(proc::futex::wake(words.key(1), 1), 1u);
    waiter.join();
    KEXPECT_EQ(result_of(waiting), 0);
}

KTEST(futex_a_requeued_waiter_times_out_from_its_new_bucket) {
    Words words;
    Waiting waiting{words.key(0), &words.value[0], 0};
    waiting.deadline_ns = time::monotonic_ns() + 50'000'000;
    sched::TaskHandle waiter = start_waiter(waiting);
    KASSERT(await_waiters(words.key(0), 1));
    KEXPECT_EQ(MUST(proc::futex::requeue(words.key(0), words.key(3), 0, 1,
                                         []() -> ktl::ErrorOr<void> { return {}; })),
               1u);
    waiter.join();
    KEXPECT_EQ(result_of(waiting), static_cast<int>(ktl::Errno::TimedOut));
    KEXPECT_EQ(proc::futex::waiter_count(words.key(3)), 0u);
}

// The kernel has room for 512 task stacks, so the thousand wait in four waves of 250, each wave
// on words of its own: every wake finds exactly its one waiter among the rest.
KTEST(futex_a_thousand_waiters_on_a_thousand_words_all_wake) {
    constexpr size_t total = 1000, wave = 250;
    struct Crowd {
        uint32_t words[total] = {};
        Waiting waiting[total];
        sched::TaskHandle tasks[wave];
    };
    auto* crowd = new (std::nothrow) Crowd;
    KASSERT(crowd != nullptr);
    size_t started = 0, waiting = 0, woken = 0, succeeded = 0;
    for (size_t first = 0; first < total; first += wave) {
        for (size_t i = first; i < first + wave; ++i) {
            crowd->waiting[i] = Waiting{Key{crowd, i * sizeof(uint32_t), nullptr}, &crowd->words[i], 0};
            sched::SpawnOptions options;
            options.stack_size = 16 * 1024;
            auto spawned = sched::spawn("futex-crowd", wait_on, &crowd->waiting[i], options);
            if (spawned.is_error())
                break;
            crowd->tasks[i - first] = static_cast<sched::TaskHandle&&>(spawned.value());
            ++started;
        }
        for (size_t i = first; i < first + wave; ++i)
            waiting += crowd->tasks[i - first] && await_waiters(crowd->waiting[i].key, 1) ? 1 : 0;
        // From the last to the first, so a wake that took the wrong waiter would leave one behind.
        for (size_t i = first + wave; i-- > first;)
            woken += proc::futex::wake(crowd->waiting[i].key, 1);
        for (size_t i = first; i < first + wave; ++i) {
            if (!crowd->tasks[i - first])
                continue;
            crowd->tasks[i - first].join();
            succeeded += result_of(crowd->waiting[i]) == 0 ? 1 : 0;
        }
    }
    KEXPECT_EQ(started, total);
    KEXPECT_EQ(waiting, total);
    KEXPECT_EQ(woken, total);
    KEXPECT_EQ(succeeded, total);
    delete crowd;
}

namespace {

// A file's pages for the key test: never faulted in. Each mmap of a file may get an object of its
// own; `file` is what they all belong to.
class NoPages : public mm::MappedObject {
public:
    explicit NoPages(const void* file) : m_file(file) {}
    ktl::ErrorOr<uint64_t> frame_for(uint64_t, Access) override { return ktl::Errno::BadAddress; }
    const void* identity() const override { return m_file; }

private:
    const void* m_file;
};

constexpr mm::Protection read_write = mm::Protection::Read | mm::Protection::Write;

} // namespace

KTEST(futex_keys_meet_in_a_shared_file_page_and_stay_apart_in_private_memory) {
    mm::AddressSpace* space = MUST(mm::AddressSpace::create());
    int the_file = 0;
    auto* object = new (std::nothrow) NoPages(&the_file);
    auto* other_object = new (std::nothrow) NoPages(&the_file);
    KASSERT(object != nullptr && other_object != nullptr);
    ktl::RefPtr<mm::MappedObject> file = ktl::adopt_ref<mm::MappedObject>(*object);
    ktl::RefPtr<mm::MappedObject> other_mmap = ktl::adopt_ref<mm::MappedObject>(*other_object);
    constexpr uint64_t first = 0x10'0000, second = 0x20'0000, copy = 0x30'0000, anonymous = 0x40'0000;
    // Pages 2..3 of the file at `first`, pages 3..4 at `second` (another mmap, another object): the
    // file's page 3 is in both.
    MUST(space->map_object(first, 2 * arch::page_size, read_write, read_write, true, file, 2, true));
    MUST(space->map_object(second, 2 * arch::page_size, read_write, read_write, true, other_mmap, 3, true));
    MUST(space->map_object(copy, arch::page_size, read_write, read_write, false, file, 3, true));
    MUST(space->add_region(anonymous, arch::page_size,
                           {read_write, mm::RegionKind::Anonymous, mm::RegionFlags::DemandZero, 0}));

    Key through_first = MUST(proc::futex::key_for(*space, first + arch::page_size + 12, true));
    Key through_second = MUST(proc::futex::key_for(*space, second + 12, true));
    KEXPECT(through_first.same_futex(through_second));
    KEXPECT(through_first.domain == &the_file);
    KEXPECT_EQ(through_first.position, 3 * arch::page_size + 12);
    KEXPECT(!through_first.same_futex(MUST(proc::futex::key_for(*space, second + 16, true))));
    // Private futexes, a private file mapping and anonymous memory: the space and the address.
    Key private_key = MUST(proc::futex::key_for(*space, second + 12, false));
    KEXPECT(private_key.domain == space && private_key.position == second + 12);
    KEXPECT(!private_key.same_futex(through_first));
    Key copied = MUST(proc::futex::key_for(*space, copy + 12, true));
    KEXPECT(copied.domain == space && copied.position == copy + 12);
    Key anonymous_key = MUST(proc::futex::key_for(*space, anonymous + 8, true));
    KEXPECT(anonymous_key.domain == space && anonymous_key.position == anonymous + 8);

    auto unmapped = proc::futex::key_for(*space, 0x50'0000, true);
    KEXPECT(unmapped.is_error() && unmapped.error().code() == ktl::Errno::BadAddress);
    auto misaligned = proc::futex::key_for(*space, first + 2, true);
    KEXPECT(misaligned.is_error() && misaligned.error().code() == ktl::Errno::InvalidArgument);
    // A key holds its object: with the space gone, each has our reference and its key's.
    mm::AddressSpace::destroy(space);
    KEXPECT_EQ(file->ref_count(), 2u);
    KEXPECT_EQ(other_mmap->ref_count(), 2u);
}
