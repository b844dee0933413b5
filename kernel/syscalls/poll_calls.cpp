// Waiting for several descriptors: poll, ppoll, select, pselect6. One core waits on every file's
// poll queue at once and wakes when any of them changes, the deadline passes or a signal comes
// (EINTR). ppoll's and pselect6's masks hold while the call waits, as sigsuspend's do.
#include "proc/signals.h"
#include "sched/wait_queue.h"
#include "syscalls/file_support.h"
#include "time/clock.h"

#include <new>

namespace syscalls {

namespace {

constexpr int max_poll_descriptors = fs::FileTable::max_descriptors;
constexpr uint64_t no_deadline = UINT64_MAX;

struct PollEntry {
    int fd = -1;
    uint32_t events = 0;
    uint32_t returned = 0;
    fs::RefPtr<fs::OpenFile> file;
    sched::Waiter waiter;
    sched::WaitQueue* queue = nullptr;
};

// Fills `returned` for every entry; returns how many have something. Always-reported events
// (error, hang-up, invalid) count even when not asked for, as poll(2) says.
int check(PollEntry* entries, int count) {
    int ready = 0;
    for (int i = 0; i < count; ++i) {
        PollEntry& entry = entries[i];
        if (entry.fd < 0) {
            entry.returned = 0;
            continue;
        }
        if (!entry.file) {
            entry.returned = fs::poll_invalid;
        } else {
            uint32_t events = entry.file->poll_events();
            entry.returned = events & (entry.events | fs::poll_error | fs::poll_hang_up);
        }
        if (entry.returned)
            ++ready;
    }
    return ready;
}

// Waits until something in `entries` is ready or `deadline_ns` passes; returns the ready count, or
// EINTR when a signal comes first (poll and select are never restarted, as on Linux).
ktl::ErrorOr<int> wait_for_events(PollEntry* entries, int count, uint64_t deadline_ns) {
    sched::InterruptibleScope interruptible;
    for (;;) {
        for (int i = 0; i < count; ++i) {
            if (entries[i].file && (entries[i].queue = entries[i].file->poll_queue()))
                entries[i].queue->prepare_to_wait(entries[i].waiter);
        }
        int ready = check(entries, count);
        bool expired = ready == 0 && deadline_ns != no_deadline && time::monotonic_ns() >= deadline_ns;
        bool interrupted = ready == 0 && !expired && sched::InterruptibleScope::interrupted();
        if (ready == 0 && !expired && !interrupted) {
            if (deadline_ns == no_deadline)
                sched::WaitQueue::block_current();
            else
                (void)sched::WaitQueue::block_current_until(deadline_ns);
        }
        for (int i = 0; i < count; ++i) {
            if (entries[i].queue)
                (void)entries[i].queue->finish_wait(entries[i].waiter);
            entries[i].queue = nullptr;
        }
        if (ready > 0 || expired)
            return ready;
        if (interrupted)
            return ktl::Errno::Interrupted;
        if (deadline_ns != no_deadline && time::monotonic_ns() >= deadline_ns)
            return check(entries, count);
    }
}

uint64_t deadline_from_timespec(const Timespec& timeout) {
    uint64_t now = time::monotonic_ns();
    uint64_t seconds = static_cast<uint64_t>(timeout.seconds);
    if (seconds > (UINT64_MAX - now) / 1'000'000'000 - 1)
        return no_deadline;
    return now + seconds * 1'000'000'000 + static_cast<uint64_t>(timeout.nanoseconds);
}

ktl::ErrorOr<uint64_t> read_timespec_deadline(mm::UserPtr<Timespec> timeout) {
    if (timeout.is_null())
        return no_deadline;
    Timespec value = TRY(mm::read_user(timeout));
    if (value.seconds < 0 || value.nanoseconds < 0 || value.nanoseconds >= 1'000'000'000)
        return ktl::Errno::InvalidArgument;
    return deadline_from_timespec(value);
}

struct LinuxPollFd {
    int32_t fd;
    int16_t events;
    int16_t returned;
};
static_assert(sizeof(LinuxPollFd) == 8);

Result poll_until(mm::UserPtr<LinuxPollFd> fds, uint64_t count, uint64_t deadline_ns) {
    if (count > static_cast<uint64_t>(max_poll_descriptors))
        return ktl::Errno::InvalidArgument;
    fs::FileTable* table = TRY(current_files());
    auto* entries = new (std::nothrow) PollEntry[count ? count : 1];
    if (!entries)
        return ktl::Errno::NoMemory;
    struct Freer {
        PollEntry* pointer;
        ~Freer() { delete[] pointer; }
    } freer{entries};
    for (uint64_t i = 0; i < count; ++i) {
        LinuxPollFd raw = TRY(mm::read_user(fds.offset(i)));
        entries[i].fd = raw.fd;
        entries[i].events = static_cast<uint16_t>(raw.events);
        if (raw.fd >= 0) {
            auto file = table->get(raw.fd);
            if (!file.is_error())
                entries[i].file = file.release_value();
        }
    }
    int ready = TRY(wait_for_events(entries, static_cast<int>(count), deadline_ns));
    for (uint64_t i = 0; i < count; ++i) {
        int16_t returned = static_cast<int16_t>(entries[i].returned);
        TRY(mm::copy_to_user(mm::UserPtr<int16_t>(fds.offset(i).address() + 6), &returned));
    }
    return ready;
}

} // namespace

Result sys_poll(mm::UserPtr<uint8_t> fds, uint64_t count, int timeout_ms) {
    uint64_t deadline =
        timeout_ms < 0 ? no_deadline : time::monotonic_ns() + static_cast<uint64_t>(timeout_ms) * 1'000'000;
    return poll_until(mm::UserPtr<LinuxPollFd>(fds.address()), count, deadline);
}

Result sys_ppoll(mm::UserPtr<uint8_t> fds, uint64_t count, mm::UserPtr<Timespec> timeout,
                 mm::UserPtr<uint64_t> signal_mask, size_t mask_size) {
    if (!signal_mask.is_null() && mask_size != sizeof(uint64_t))
        return ktl::Errno::InvalidArgument;
    uint64_t deadline = TRY(read_timespec_deadline(timeout));
    if (!signal_mask.is_null())
        proc::suspend_mask(TRY(mm::read_user(signal_mask))); // put back on the way out (see signals.h)
    return poll_until(mm::UserPtr<LinuxPollFd>(fds.address()), count, deadline);
}

namespace {

constexpr int fd_set_bits = 1024; // FD_SETSIZE

Result select_until(int count, mm::UserPtr<uint64_t> read_set, mm::UserPtr<uint64_t> write_set,
                    mm::UserPtr<uint64_t> except_set, uint64_t deadline_ns) {
    if (count < 0 || count > fd_set_bits)
        return ktl::Errno::InvalidArgument;
    constexpr int words = fd_set_bits / 64;
    uint64_t sets[3][words] = {};
    mm::UserPtr<uint64_t> pointers[3] = {read_set, write_set, except_set};
    size_t used_words = static_cast<size_t>((count + 63) / 64);
    for (int set = 0; set < 3; ++set) {
        if (!pointers[set].is_null() && used_words > 0)
            TRY(mm::copy_from_user(sets[set], pointers[set], used_words));
    }
    fs::FileTable* table = TRY(current_files());
    auto* entries = new (std::nothrow) PollEntry[count ? count : 1];
    if (!entries)
        return ktl::Errno::NoMemory;
    struct Freer {
        PollEntry* pointer;
        ~Freer() { delete[] pointer; }
    } freer{entries};
    for (int fd = 0; fd < count; ++fd) {
        uint64_t bit = 1ull << (fd % 64);
        uint32_t events = 0;
        if (sets[0][fd / 64] & bit)
            events |= fs::poll_in | fs::poll_read_normal | fs::poll_hang_up | fs::poll_error;
        if (sets[1][fd / 64] & bit)
            events |= fs::poll_out | fs::poll_write_normal | fs::poll_error;
        if (sets[2][fd / 64] & bit)
            events |= fs::poll_priority;
        if (!events)
            continue;
        entries[fd].fd = fd;
        entries[fd].events = events;
        entries[fd].file = TRY(table->get(fd)); // select: EBADF for a closed fd in any set
    }
    TRY(wait_for_events(entries, count, deadline_ns));
    uint64_t results[3][words] = {};
    int ready = 0;
    for (int fd = 0; fd < count; ++fd) {
        uint32_t got = entries[fd].returned;
        if (entries[fd].fd < 0 || !got)
            continue;
        uint64_t bit = 1ull << (fd % 64);
        if ((sets[0][fd / 64] & bit) &&
            (got & (fs::poll_in | fs::poll_read_normal | fs::poll_hang_up | fs::poll_error))) {
            results[0][fd / 64] |= bit;
            ++ready;
        }
        if ((sets[1][fd / 64] & bit) && (got & (fs::poll_out | fs::poll_write_normal | fs::poll_error))) {
            results[1][fd / 64] |= bit;
            ++ready;
        }
        if ((sets[2][fd / 64] & bit) && (got & fs::poll_priority)) {
            results[2][fd / 64] |= bit;
            ++ready;
        }
    }
    for (int set = 0; set < 3; ++set) {
        if (!pointers[set].is_null() && used_words > 0)
            TRY(mm::copy_to_user(pointers[set], results[set], used_words));
    }
    return ready;
}

} // namespace

Result sys_select(int count, mm::UserPtr<uint64_t> read_set, mm::UserPtr<uint64_t> write_set,
                  mm::UserPtr<uint64_t> except_set, mm::UserPtr<int64_t> timeout) {
    uint64_t deadline = no_deadline;
    if (!timeout.is_null()) {
        int64_t value[2]; // struct timeval
        TRY(mm::copy_from_user(value, timeout, 2));
        if (value[0] < 0 || value[1] < 0 || value[1] >= 1'000'000)
            return ktl::Errno::InvalidArgument;
        deadline = deadline_from_timespec({value[0], value[1] * 1000});
    }
    Result ready = select_until(count, read_set, write_set, except_set, deadline);
    if (!timeout.is_null() && !ready.is_error()) {
        // Linux writes back the time left.
        uint64_t now = time::monotonic_ns();
        uint64_t left = deadline > now ? deadline - now : 0;
        int64_t value[2] = {static_cast<int64_t>(left / 1'000'000'000),
                            static_cast<int64_t>(left % 1'000'000'000 / 1000)};
        TRY(mm::copy_to_user(timeout, value, 2));
    }
    return ready;
}

Result sys_pselect6(int count, mm::UserPtr<uint64_t> read_set, mm::UserPtr<uint64_t> write_set,
                    mm::UserPtr<uint64_t> except_set, mm::UserPtr<Timespec> timeout,
                    mm::UserPtr<uint64_t> signal_data) {
    uint64_t deadline = TRY(read_timespec_deadline(timeout));
    if (!signal_data.is_null()) {
        uint64_t data[2]; // { const sigset_t* mask; size_t size; }
        TRY(mm::copy_from_user(data, signal_data, 2));
        if (data[0]) {
            if (data[1] != sizeof(uint64_t))
                return ktl::Errno::InvalidArgument;
            proc::suspend_mask(TRY(mm::read_user(mm::UserPtr<uint64_t>(data[0]))));
        }
    }
    Result ready = select_until(count, read_set, write_set, except_set, deadline);
    if (!timeout.is_null() && !ready.is_error()) {
        uint64_t now = time::monotonic_ns();
        uint64_t left = deadline > now ? deadline - now : 0;
        Timespec value{static_cast<int64_t>(left / 1'000'000'000),
                       static_cast<int64_t>(left % 1'000'000'000)};
        TRY(mm::copy_to_user(timeout, &value));
    }
    return ready;
}

} // namespace syscalls
