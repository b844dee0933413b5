#include "virtio/split_queue.h"

namespace virtio {

namespace {

constexpr size_t align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

// The device runs beside us: our writes to the rings must be visible before the index that publishes
// them, and its entries must be read only after the index that published them. x86 keeps stores in
// order and loads in order, so these are compiler barriers there; the full fence orders our index
// store before the load of the device's suppression fields (store-load is the one x86 reorders).
inline void publish_barrier() {
    __atomic_thread_fence(__ATOMIC_RELEASE);
}
inline void consume_barrier() {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
}
inline void full_barrier() {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

} // namespace

const char* describe(QueueFault fault) {
    switch (fault) {
    case QueueFault::None:
        return "none";
    case QueueFault::UsedIndexJump:
        return "the used index moved past the requests in flight";
    case QueueFault::UsedIdOutOfRange:
        return "a used entry names a descriptor beyond the table";
    case QueueFault::UsedIdNotInFlight:
        return "a used entry names a descriptor that heads no request in flight";
    case QueueFault::UsedLengthTooLong:
        return "a used entry claims more bytes than the request's writable buffers hold";
    }
    return "unknown";
}

ktl::ErrorOr<SplitQueueLayout> SplitQueueLayout::for_size(uint16_t size) {
    if (size == 0 || size > max_queue_size || (size & (size - 1)) != 0)
        return ktl::Errno::InvalidArgument;
    SplitQueueLayout layout;
    layout.size = size;
    layout.descriptors = 0;
    layout.available = sizeof(Descriptor) * size;
    // flags, idx, ring[size], used_event
    size_t available_bytes = 2 + 2 + 2 * size_t(size) + 2;
    layout.used = align_up(layout.available + available_bytes, legacy_queue_alignment);
    // flags, idx, ring[size], avail_event
    layout.total_bytes = layout.used + 2 + 2 + sizeof(UsedElement) * size + 2;
    return layout;
}

ktl::ErrorOr<void> SplitQueue::initialize(uint16_t index, uint16_t size, QueueMemory memory,
                                          bool event_index) {
    SplitQueueLayout layout = TRY(SplitQueueLayout::for_size(size));
    if (!memory.virtual_base || memory.bytes < layout.total_bytes ||
        reinterpret_cast<uintptr_t>(memory.virtual_base) % legacy_queue_alignment != 0 ||
        memory.physical_base % legacy_queue_alignment != 0)
        return ktl::Errno::InvalidArgument;
    ktl::Vector<DescriptorState> state;
    TRY(state.try_resize(size));
    m_index = index;
    m_layout = layout;
    m_memory = memory;
    m_event_index = event_index;
    m_state = static_cast<ktl::Vector<DescriptorState>&&>(state);
    reset_state();
    return {};
}

void SplitQueue::reset_state() {
    auto* bytes = static_cast<volatile uint8_t*>(m_memory.virtual_base);
    for (size_t i = 0; i < m_layout.total_bytes; ++i)
        bytes[i] = 0;
    for (uint16_t i = 0; i < m_layout.size; ++i)
        m_state[i] = DescriptorState{static_cast<uint16_t>(i + 1), 0, false, 0, nullptr};
    m_free_head = 0;
    m_free_count = m_layout.size;
    m_in_flight = 0;
    m_next_available = 0;
    m_notified_available = 0;
    m_last_used = 0;
    m_interrupts_enabled = true;
    m_fault = QueueFault::None;
}

QueueAddresses SplitQueue::addresses() const {
    return {m_layout.size, m_memory.physical_base + m_layout.descriptors,
            m_memory.physical_base + m_layout.available, m_memory.physical_base + m_layout.used};
}

volatile Descriptor* SplitQueue::descriptor(uint16_t index) const {
    return reinterpret_cast<volatile Descriptor*>(static_cast<uint8_t*>(m_memory.virtual_base) +
                                                  m_layout.descriptors) +
           index;
}
volatile uint16_t* SplitQueue::available_flags() const {
    return reinterpret_cast<volatile uint16_t*>(static_cast<uint8_t*>(m_memory.virtual_base) +
                                                m_layout.available);
}
volatile uint16_t* SplitQueue::available_index() const {
    return available_flags() + 1;
}
volatile uint16_t* SplitQueue::available_ring() const {
    return available_flags() + 2;
}
volatile uint16_t* SplitQueue::used_event() const {
    return available_ring() + m_layout.size;
}
volatile uint16_t* SplitQueue::used_flags() const {
    return reinterpret_cast<volatile uint16_t*>(static_cast<uint8_t*>(m_memory.virtual_base) + m_layout.used);
}
volatile uint16_t* SplitQueue::used_index() const {
    return used_flags() + 1;
}
volatile UsedElement* SplitQueue::used_ring() const {
    return reinterpret_cast<volatile UsedElement*>(used_flags() + 2);
}
volatile uint16_t* SplitQueue::available_event() const {
    return reinterpret_cast<volatile uint16_t*>(used_ring() + m_layout.size);
}

ktl::ErrorOr<uint16_t> SplitQueue::add(std::span<const BufferSegment> readable,
                                       std::span<const BufferSegment> writable, void* cookie) {
    if (is_broken())
        return ktl::Errno::IoError;
    size_t count = readable.size() + writable.size();
    if (count == 0 || count > m_layout.size)
        return ktl::Errno::InvalidArgument;
    if (count > m_free_count)
        return ktl::Errno::TryAgain;

    uint16_t head = m_free_head;
    uint16_t current = head;
    uint64_t writable_bytes = 0;
    for (size_t i = 0; i < count; ++i) {
        bool device_writes = i >= readable.size();
        const BufferSegment& segment = device_writes ? writable[i - readable.size()] : readable[i];
        uint16_t next = m_state[current].next;
        bool last = i + 1 == count;
        volatile Descriptor* entry = descriptor(current);
        entry->address = segment.physical;
        entry->length = segment.length;
        entry->flags = static_cast<uint16_t>((last ? 0 : descriptor_flag::next) |
                                             (device_writes ? descriptor_flag::write : 0));
        entry->next = last ? 0 : next;
        if (device_writes)
            writable_bytes += segment.length;
        if (!last)
            current = next;
    }
    m_free_head = m_state[current].next;
    m_free_count = static_cast<uint16_t>(m_free_count - count);
    DescriptorState& state = m_state[head];
    state.chain_length = static_cast<uint16_t>(count);
    state.head_in_flight = true;
    state.writable_bytes = writable_bytes;
    state.cookie = cookie;
    ++m_in_flight;

    available_ring()[m_next_available & (m_layout.size - 1)] = head;
    publish_barrier();
    ++m_next_available;
    *available_index() = m_next_available;
    return head;
}

bool SplitQueue::needs_notification() {
    full_barrier();
    uint16_t previous = m_notified_available;
    uint16_t now = m_next_available;
    m_notified_available = now;
    if (previous == now || is_broken())
        return false;
    if (m_event_index) {
        // Notify if the device's event index lies in (previous, now]: it asked to hear of that entry.
        uint16_t event = *available_event();
        return static_cast<uint16_t>(now - event - 1) < static_cast<uint16_t>(now - previous);
    }
    return (*used_flags() & used_flag_no_notify) == 0;
}

bool SplitQueue::has_pending_used() const {
    return !is_broken() && *used_index() != m_last_used;
}

ktl::ErrorOr<bool> SplitQueue::take_used(Completion& out) {
    if (is_broken())
        return ktl::Errno::IoError;
    uint16_t device_index = *used_index();
    consume_barrier();
    uint16_t published = static_cast<uint16_t>(device_index - m_last_used);
    if (published == 0)
        return false;
    if (published > m_in_flight) {
        mark_broken(QueueFault::UsedIndexJump);
        return ktl::Errno::IoError;
    }
    volatile UsedElement* element = &used_ring()[m_last_used & (m_layout.size - 1)];
    uint32_t id = element->id; // each read once: the device may change them under us
    uint32_t written = element->length;
    if (id >= m_layout.size) {
        mark_broken(QueueFault::UsedIdOutOfRange);
        return ktl::Errno::IoError;
    }
    DescriptorState& head = m_state[id];
    if (!head.head_in_flight) {
        mark_broken(QueueFault::UsedIdNotInFlight);
        return ktl::Errno::IoError;
    }
    if (written > head.writable_bytes) {
        mark_broken(QueueFault::UsedLengthTooLong);
        return ktl::Errno::IoError;
    }

    // Back to the free list, following our own links (the table the device can see is not read).
    uint16_t tail = static_cast<uint16_t>(id);
    for (uint16_t i = 1; i < head.chain_length; ++i)
        tail = m_state[tail].next;
    m_state[tail].next = m_free_head;
    m_free_head = static_cast<uint16_t>(id);
    m_free_count = static_cast<uint16_t>(m_free_count + head.chain_length);
    out.cookie = head.cookie;
    out.written = written;
    head.head_in_flight = false;
    head.cookie = nullptr;
    head.chain_length = 0;
    head.writable_bytes = 0;
    --m_in_flight;
    ++m_last_used;
    if (m_event_index && m_interrupts_enabled)
        *used_event() = m_last_used; // interrupt us when the next one is used
    return true;
}

void SplitQueue::disable_interrupts() {
    m_interrupts_enabled = false;
    if (!m_event_index)
        *available_flags() = avail_flag_no_interrupt;
}

bool SplitQueue::enable_interrupts() {
    m_interrupts_enabled = true;
    if (m_event_index)
        *used_event() = m_last_used;
    else
        *available_flags() = 0;
    // The device may have used an entry before it saw the change: look once more after it is visible.
    full_barrier();
    return has_pending_used();
}

void SplitQueue::reclaim_after_reset(ktl::FunctionRef<void(void* cookie)> reclaim) {
    for (uint16_t i = 0; i < m_layout.size; ++i)
        if (m_state[i].head_in_flight)
            reclaim(m_state[i].cookie);
    reset_state();
}

} // namespace virtio
