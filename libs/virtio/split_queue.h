// The split virtqueue (virtio 1.x §2.7) from the driver's side: a descriptor table, the available ring
// the driver fills and the used ring the device fills, in memory the caller allocates (and whose
// physical address it gives), plus the driver's private bookkeeping: the free list, each request's
// chain and cookie. Many requests may be in flight and complete in any order.
//
// The device is another agent and is not trusted. The driver never reads back what it wrote into
// shared memory (free-list links and chain lengths live in private state), reads each device-written
// field once, and checks every used-ring entry: a head out of range or not in flight, a length beyond
// the chain's writable bytes, or a used index that moved further than there are requests in flight
// marks the queue broken. A broken queue refuses every call with IoError; the driver then resets the
// device (so it stops touching memory) and reclaims its buffers with `reclaim_after_reset`.
//
// Not locked: the owner serialises calls (the kernel keeps a queue behind an IRQ-safe lock).
#pragma once

#include "ktl/error_or.h"
#include "ktl/function_ref.h"
#include "ktl/vector.h"
#include "virtio/spec.h"
#include "virtio/transport.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace virtio {

// Offsets of the three parts in one block. The used ring starts on a 4096-byte boundary, which legacy
// devices require and modern ones accept, so one layout serves both.
struct SplitQueueLayout {
    uint16_t size = 0;
    size_t descriptors = 0;
    size_t available = 0;
    size_t used = 0;
    size_t total_bytes = 0;

    // InvalidArgument unless `size` is a power of two in 1..32768.
    static ktl::ErrorOr<SplitQueueLayout> for_size(uint16_t size);
};

// Memory for one queue: `bytes` from `virtual_base`, which the device sees at `physical_base`. Zeroed,
// 4096-byte aligned, and kept until the device was reset.
struct QueueMemory {
    void* virtual_base = nullptr;
    uint64_t physical_base = 0;
    size_t bytes = 0;
};

// One buffer of a request, by the address the device uses.
struct BufferSegment {
    uint64_t physical = 0;
    uint32_t length = 0;
};

struct Completion {
    void* cookie = nullptr;
    uint32_t written = 0; // bytes the device wrote, checked against the writable buffers' total
};

enum class QueueFault : uint8_t {
    None,
    UsedIndexJump,     // the used index advanced past the requests in flight
    UsedIdOutOfRange,  // a used entry names a descriptor beyond the table
    UsedIdNotInFlight, // or one that heads no request in flight (free, mid-chain, completed twice)
    UsedLengthTooLong, // or claims more bytes than the request's writable buffers hold
};
const char* describe(QueueFault fault);

class SplitQueue {
public:
    SplitQueue() = default;
    SplitQueue(const SplitQueue&) = delete;
    SplitQueue& operator=(const SplitQueue&) = delete;

    // Takes `memory` (at least SplitQueueLayout::for_size(size).total_bytes, zeroed, page-aligned) for
    // queue `index`. With `event_index` (VIRTIO_F_RING_EVENT_IDX negotiated) notifications and
    // interrupts are suppressed through the event fields instead of the flags. NoMemory if the private
    // state cannot be allocated.
    ktl::ErrorOr<void> initialize(uint16_t index, uint16_t size, QueueMemory memory, bool event_index);

    uint16_t index() const { return m_index; }
    uint16_t size() const { return m_layout.size; }
    QueueAddresses addresses() const;

    // One request: `readable` buffers (device reads) then `writable` ones (device writes), as one chain.
    // Returns the head descriptor. `cookie` comes back with the completion. TryAgain when too few
    // descriptors are free, InvalidArgument for an empty request or one longer than the queue, IoError
    // once broken. The device learns of it after needs_notification() says to notify and the owner did.
    ktl::ErrorOr<uint16_t> add(std::span<const BufferSegment> readable,
                               std::span<const BufferSegment> writable, void* cookie);

    // After one or more add(): whether the device asked to be told (flags or event index). Resets the
    // batch, so call it once per batch and notify when it says so.
    bool needs_notification();

    // The next completed request, if any (false: none yet). IoError once broken (see above).
    ktl::ErrorOr<bool> take_used(Completion& out);
    // Whether the device has published a completion not yet taken (cheap; no checks).
    bool has_pending_used() const;

    // Interrupt suppression (a hint the device may ignore). enable_interrupts() returns true when
    // completions arrived meanwhile, which the caller must then take, as no interrupt may come for them.
    void disable_interrupts();
    bool enable_interrupts();

    bool is_broken() const { return m_fault != QueueFault::None; }
    QueueFault fault() const { return m_fault; }
    uint16_t free_descriptors() const { return m_free_count; }
    uint16_t requests_in_flight() const { return m_in_flight; }

    // Once the device is reset and can no longer touch memory: hands back every request still in
    // flight and returns the queue to its initial, empty state (fault cleared, rings zeroed).
    void reclaim_after_reset(ktl::FunctionRef<void(void* cookie)> reclaim);

private:
    // The driver's own copy of what each descriptor means; the shared table is only ever written.
    struct DescriptorState {
        uint16_t next = 0;         // the free list's link, or the chain's next descriptor
        uint16_t chain_length = 0; // heads only
        bool head_in_flight = false;
        uint64_t writable_bytes = 0; // heads only: the most the device may say it wrote
        void* cookie = nullptr;
    };

    void mark_broken(QueueFault fault) { m_fault = fault; }
    void reset_state();
    volatile Descriptor* descriptor(uint16_t index) const;
    volatile uint16_t* available_flags() const;
    volatile uint16_t* available_index() const;
    volatile uint16_t* available_ring() const;
    volatile uint16_t* used_event() const;
    volatile uint16_t* used_flags() const;
    volatile uint16_t* used_index() const;
    volatile UsedElement* used_ring() const;
    volatile uint16_t* available_event() const;

    uint16_t m_index = 0;
    SplitQueueLayout m_layout;
    QueueMemory m_memory;
    bool m_event_index = false;
    bool m_interrupts_enabled = true;
    ktl::Vector<DescriptorState> m_state;
    uint16_t m_free_head = 0;
    uint16_t m_free_count = 0;
    uint16_t m_in_flight = 0;
    uint16_t m_next_available = 0;     // our available index (the device may not change it)
    uint16_t m_notified_available = 0; // the available index at the last needs_notification()
    uint16_t m_last_used = 0;          // the next used entry to take
    QueueFault m_fault = QueueFault::None;
};

} // namespace virtio
