#include "fs/pipe.h"

#include "mm/kernel_heap.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"

#include <new>

namespace fs {

namespace {

// The buffer both ends share; freed when the second end goes.
class PipeBuffer {
public:
    ~PipeBuffer() { mm::kfree(m_bytes); }
    bool allocate() {
        m_bytes = static_cast<char*>(mm::kmalloc(pipe_capacity));
        return m_bytes != nullptr;
    }

    ktl::ErrorOr<size_t> read(mm::UserPtr<char> buffer, size_t length, bool nonblocking);
    ktl::ErrorOr<size_t> write(mm::UserPtr<const char> buffer, size_t length, bool nonblocking);
    void close_end(bool writer);

private:
    // Moves up to `length` bytes between the ring and user memory, in at most two pieces.
    ktl::ErrorOr<size_t> take(mm::UserPtr<char> buffer, size_t length);
    ktl::ErrorOr<size_t> put(mm::UserPtr<const char> buffer, size_t length);

    sync::Mutex m_lock; // held across copies: a copy may fault a page in and sleep
    char* m_bytes = nullptr;
    size_t m_head = 0; // next byte to read
    size_t m_used = 0;
    bool m_reader_open = true;
    bool m_writer_open = true;
    sched::WaitQueue m_readable;
    sched::WaitQueue m_writable;
};

ktl::ErrorOr<size_t> PipeBuffer::take(mm::UserPtr<char> buffer, size_t length) {
    size_t count = length < m_used ? length : m_used;
    size_t first = pipe_capacity - m_head < count ? pipe_capacity - m_head : count;
    TRY(mm::copy_to_user(buffer.address(), m_bytes + m_head, first));
    TRY(mm::copy_to_user(buffer.address() + first, m_bytes, count - first));
    m_head = (m_head + count) % pipe_capacity;
    m_used -= count;
    return count;
}

ktl::ErrorOr<size_t> PipeBuffer::put(mm::UserPtr<const char> buffer, size_t length) {
    size_t space = pipe_capacity - m_used;
    size_t count = length < space ? length : space;
    size_t tail = (m_head + m_used) % pipe_capacity;
    size_t first = pipe_capacity - tail < count ? pipe_capacity - tail : count;
    TRY(mm::copy_from_user(m_bytes + tail, buffer.address(), first));
    TRY(mm::copy_from_user(m_bytes, buffer.address() + first, count - first));
    m_used += count;
    return count;
}

ktl::ErrorOr<size_t> PipeBuffer::read(mm::UserPtr<char> buffer, size_t length, bool nonblocking) {
    if (length == 0)
        return 0;
    for (;;) {
        {
            sync::MutexLocker locker(m_lock);
            if (m_used > 0) {
                size_t count = TRY(take(buffer, length));
                m_writable.wake_all();
                return count;
            }
            if (!m_writer_open)
                return 0; // end of file
        }
        if (nonblocking)
            return ktl::Errno::TryAgain;
        m_readable.wait_until(
            [&] { return __atomic_load_n(&m_used, __ATOMIC_RELAXED) > 0 || !m_writer_open; });
    }
}

ktl::ErrorOr<size_t> PipeBuffer::write(mm::UserPtr<const char> buffer, size_t length, bool nonblocking) {
    size_t written = 0;
    // A small write waits for room for all of it, so it lands in one piece.
    size_t needed_room = length <= pipe_atomic_limit ? length : 1;
    while (written < length) {
        {
            sync::MutexLocker locker(m_lock);
            if (!m_reader_open)
                return written > 0 ? ktl::ErrorOr<size_t>(written) : ktl::Errno::BrokenPipe;
            if (pipe_capacity - m_used >= needed_room) {
                auto put_now = put(mm::UserPtr<const char>(buffer.address() + written), length - written);
                if (put_now.is_error())
                    return written > 0 ? ktl::ErrorOr<size_t>(written) : put_now.error();
                written += put_now.value();
                m_readable.wake_all();
                needed_room = 1;
                continue;
            }
        }
        if (nonblocking)
            return written > 0 ? ktl::ErrorOr<size_t>(written) : ktl::Errno::TryAgain;
        m_writable.wait_until([&] {
            return pipe_capacity - __atomic_load_n(&m_used, __ATOMIC_RELAXED) >= needed_room ||
                   !m_reader_open;
        });
    }
    return written;
}

void PipeBuffer::close_end(bool writer) {
    {
        sync::MutexLocker locker(m_lock);
        (writer ? m_writer_open : m_reader_open) = false;
    }
    m_readable.wake_all();
    m_writable.wake_all();
}

// Both ends hold the buffer; the one that closes last frees it.
class PipeEnd final : public File {
public:
    PipeEnd(PipeBuffer* buffer, bool writer, uint32_t flags, uint32_t* ends_open)
        : File(flags | (writer ? open_write_only : open_read_only)), m_buffer(buffer), m_writer(writer),
          m_ends_open(ends_open) {}
    ~PipeEnd() override {
        m_buffer->close_end(m_writer);
        if (__atomic_sub_fetch(m_ends_open, 1, __ATOMIC_ACQ_REL) == 0) {
            delete m_buffer;
            delete m_ends_open;
        }
    }

    ktl::ErrorOr<size_t> read(mm::UserPtr<char> buffer, size_t length) override {
        if (m_writer)
            return ktl::Errno::BadFileDescriptor;
        return m_buffer->read(buffer, length, flags() & open_nonblocking);
    }
    ktl::ErrorOr<size_t> write(mm::UserPtr<const char> buffer, size_t length) override {
        if (!m_writer)
            return ktl::Errno::BadFileDescriptor;
        return m_buffer->write(buffer, length, flags() & open_nonblocking);
    }
    ktl::ErrorOr<void> status(FileStatus& status) override {
        constexpr uint32_t fifo = 0010000;
        status.mode = fifo | 0600;
        status.block_size = pipe_atomic_limit;
        return {};
    }
    const char* kind() const override { return "pipe"; }

private:
    PipeBuffer* m_buffer;
    bool m_writer;
    uint32_t* m_ends_open;
};

} // namespace

ktl::ErrorOr<PipeEnds> create_pipe(uint32_t flags) {
    auto* buffer = new (std::nothrow) PipeBuffer;
    auto* ends_open = new (std::nothrow) uint32_t(2);
    PipeEnd* reader = nullptr;
    PipeEnd* writer = nullptr;
    if (buffer && ends_open && buffer->allocate()) {
        reader = new (std::nothrow) PipeEnd(buffer, false, flags & open_nonblocking, ends_open);
        writer = new (std::nothrow) PipeEnd(buffer, true, flags & open_nonblocking, ends_open);
    }
    if (!reader || !writer) {
        if (reader || writer) {
            *ends_open = 1; // the one end that exists frees the buffer as it goes
            delete reader;
            delete writer;
        } else {
            delete buffer;
            delete ends_open;
        }
        return ktl::Errno::NoMemory;
    }
    return PipeEnds{FileRef::adopt(reader), FileRef::adopt(writer)};
}

} // namespace fs
