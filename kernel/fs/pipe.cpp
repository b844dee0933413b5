#include "fs/pipe.h"

#include "mm/kernel_heap.h"
#include "sched/wait_queue.h"
#include "sync/mutex.h"

#include <new>

namespace fs {

namespace {

uint64_t live_pipes = 0;

} // namespace

// The buffer every end shares; freed with the last end.
class Pipe : public ktl::RefCounted<Pipe> {
public:
    Pipe() { __atomic_add_fetch(&live_pipes, 1, __ATOMIC_RELAXED); }
    ~Pipe() {
        mm::kfree(m_bytes);
        __atomic_sub_fetch(&live_pipes, 1, __ATOMIC_RELAXED);
    }
    bool allocate() {
        m_bytes = static_cast<char*>(mm::kmalloc(m_capacity));
        return m_bytes != nullptr;
    }
    size_t capacity() const { return __atomic_load_n(&m_capacity, __ATOMIC_RELAXED); }
    // F_SETPIPE_SZ: a new ring of `size` bytes with the unread bytes moved over; Busy if they do
    // not fit.
    ktl::ErrorOr<void> resize(size_t size) {
        sync::MutexLocker locker(m_lock);
        if (size == m_capacity)
            return {};
        if (m_used > size)
            return ktl::Errno::Busy;
        auto* bytes = static_cast<char*>(mm::kmalloc(size));
        if (!bytes)
            return ktl::Errno::NoMemory;
        for (size_t i = 0; i < m_used; ++i)
            bytes[i] = m_bytes[(m_head + i) % m_capacity];
        mm::kfree(m_bytes);
        m_bytes = bytes;
        m_head = 0;
        __atomic_store_n(&m_capacity, size, __ATOMIC_RELAXED);
        m_changed.wake_all(); // room may have grown
        return {};
    }

    ktl::ErrorOr<size_t> read(IoBuffer buffer, size_t length, bool nonblocking);
    ktl::ErrorOr<size_t> write(IoBuffer buffer, size_t length, bool nonblocking);
    // Counts an end without the mutex, so a FIFO's open can count it under the FIFO's spinlock at
    // the moment the other side learns of it; open_end also wakes who waits on the pipe.
    void count_end(bool writer) {
        __atomic_add_fetch(writer ? &m_writers : &m_readers, 1, __ATOMIC_ACQ_REL);
        if (writer)
            __atomic_store_n(&m_had_writer, true, __ATOMIC_RELEASE);
    }
    void open_end(bool writer) {
        count_end(writer);
        m_changed.wake_all();
    }
    void close_end(bool writer) {
        __atomic_sub_fetch(writer ? &m_writers : &m_readers, 1, __ATOMIC_ACQ_REL);
        m_changed.wake_all();
    }
    // Without the mutex: a poller calls this after enlisting itself as blocked, and must not sleep
    // on a lock in between (its wake could be lost). Each field is read atomically.
    uint32_t poll_events(bool writer) {
        size_t used = __atomic_load_n(&m_used, __ATOMIC_ACQUIRE);
        uint32_t events = 0;
        if (!writer) {
            if (used > 0)
                events |= poll_in | poll_read_normal;
            if (__atomic_load_n(&m_writers, __ATOMIC_ACQUIRE) == 0 &&
                __atomic_load_n(&m_had_writer, __ATOMIC_ACQUIRE))
                events |= poll_hang_up;
        } else {
            if (capacity() - used >= pipe_atomic_limit)
                events |= poll_out | poll_write_normal;
            if (__atomic_load_n(&m_readers, __ATOMIC_ACQUIRE) == 0)
                events |= poll_error;
        }
        return events;
    }
    size_t available() {
        sync::MutexLocker locker(m_lock);
        return m_used;
    }
    sched::WaitQueue& changed() { return m_changed; }

private:
    // Moves up to `length` bytes between the ring and the buffer, in at most two pieces.
    ktl::ErrorOr<size_t> take(IoBuffer buffer, size_t length);
    ktl::ErrorOr<size_t> put(IoBuffer buffer, size_t length);

    sync::Mutex m_lock; // held across copies: a copy may fault a page in and sleep
    char* m_bytes = nullptr;
    size_t m_capacity = pipe_default_capacity;
    size_t m_head = 0; // next byte to read
    size_t m_used = 0;
    uint32_t m_readers = 0; // atomics: a FIFO counts its ends under its own spinlock (count_end)
    uint32_t m_writers = 0;
    bool m_had_writer = false; // a FIFO opened for reading alone is not at end of file yet for poll
    // Every change: readers, writers and pollers all wait here.
    sched::WaitQueue m_changed;
};

ktl::ErrorOr<size_t> Pipe::take(IoBuffer buffer, size_t length) {
    size_t count = length < m_used ? length : m_used;
    size_t first = m_capacity - m_head < count ? m_capacity - m_head : count;
    TRY(buffer.write(m_bytes + m_head, first));
    TRY(buffer.write(m_bytes, count - first, first));
    m_head = (m_head + count) % m_capacity;
    m_used -= count;
    return count;
}

ktl::ErrorOr<size_t> Pipe::put(IoBuffer buffer, size_t length) {
    size_t space = m_capacity - m_used;
    size_t count = length < space ? length : space;
    size_t tail = (m_head + m_used) % m_capacity;
    size_t first = m_capacity - tail < count ? m_capacity - tail : count;
    TRY(buffer.read(m_bytes + tail, first));
    TRY(buffer.read(m_bytes, count - first, first));
    m_used += count;
    return count;
}

ktl::ErrorOr<size_t> Pipe::read(IoBuffer buffer, size_t length, bool nonblocking) {
    if (length == 0)
        return 0;
    for (;;) {
        {
            sync::MutexLocker locker(m_lock);
            if (m_used > 0) {
                size_t count = TRY(take(buffer, length));
                m_changed.wake_all();
                return count;
            }
            if (__atomic_load_n(&m_writers, __ATOMIC_ACQUIRE) == 0)
                return 0; // end of file
        }
        if (nonblocking)
            return ktl::Errno::TryAgain;
        auto waited = m_changed.wait_until_interruptible([&] {
            return __atomic_load_n(&m_used, __ATOMIC_RELAXED) > 0 ||
                   __atomic_load_n(&m_writers, __ATOMIC_RELAXED) == 0;
        });
        if (waited == sched::WaitResult::Interrupted)
            return ktl::Errno::RestartSyscall;
    }
}

ktl::ErrorOr<size_t> Pipe::write(IoBuffer buffer, size_t length, bool nonblocking) {
    size_t written = 0;
    // A small write waits for room for all of it, so it lands in one piece.
    size_t needed_room = length <= pipe_atomic_limit ? length : 1;
    while (written < length) {
        {
            sync::MutexLocker locker(m_lock);
            // EPIPE: the syscall layer raises SIGPIPE with it.
            if (__atomic_load_n(&m_readers, __ATOMIC_ACQUIRE) == 0)
                return written > 0 ? ktl::ErrorOr<size_t>(written) : ktl::Errno::BrokenPipe;
            if (m_capacity - m_used >= needed_room) {
                auto put_now = put(buffer.offset(written), length - written);
                if (put_now.is_error())
                    return written > 0 ? ktl::ErrorOr<size_t>(written) : put_now.error();
                written += put_now.value();
                m_changed.wake_all();
                needed_room = 1;
                continue;
            }
        }
        if (nonblocking)
            return written > 0 ? ktl::ErrorOr<size_t>(written) : ktl::Errno::TryAgain;
        auto waited = m_changed.wait_until_interruptible([&] {
            return capacity() - __atomic_load_n(&m_used, __ATOMIC_RELAXED) >= needed_room ||
                   __atomic_load_n(&m_readers, __ATOMIC_RELAXED) == 0;
        });
        // A write cut short by a signal reports what it wrote (POSIX).
        if (waited == sched::WaitResult::Interrupted)
            return written > 0 ? ktl::ErrorOr<size_t>(written) : ktl::Errno::RestartSyscall;
    }
    return written;
}

namespace {

// pipe(2)'s ends share an inode no directory names: fstat reports a FIFO, /proc shows pipe:[N].
// pipe(2)'s ends share an inode no directory names. It lives in an internal pipefs instance with a
// mount of its own (in no mount table), so a description has a path: /proc/self/fd/N leads back to
// the pipe, and opening it there makes another end of the same pipe, as on Linux.
class PipeRootInode final : public Inode {
public:
    explicit PipeRootInode(FileSystem& file_system) : Inode(file_system, 1) {
        set_access(mode_directory | 0500, 0, 0);
    }
    InodeMetadata metadata() override {
        InodeMetadata metadata;
        metadata.device = file_system().device();
        metadata.inode = number();
        metadata.mode = mode_directory | 0500;
        metadata.link_count = 2;
        return metadata;
    }
    ktl::ErrorOr<void> set_attributes(const AttributeChange&) override { return ktl::Errno::NotPermitted; }
};

class PipeFileSystem final : public FileSystem {
public:
    ktl::ErrorOr<void> initialize() {
        m_root = TRY(ktl::try_make_ref_counted<PipeRootInode>(*this));
        return {};
    }
    RefPtr<Inode> root() override { return RefPtr<Inode>(m_root.ptr()); }
    ktl::StringView type_name() const override { return "pipefs"; }

private:
    RefPtr<PipeRootInode> m_root;
};

class AnonymousPipeInode final : public Inode {
public:
    AnonymousPipeInode(FileSystem& file_system, uint64_t number, RefPtr<Pipe> pipe, uint32_t uid,
                       uint32_t gid)
        : Inode(file_system, number), m_pipe(static_cast<RefPtr<Pipe>&&>(pipe)), m_uid(uid), m_gid(gid) {
        m_time = current_time();
        set_access(mode_fifo | 0600, uid, gid);
    }
    InodeMetadata metadata() override {
        InodeMetadata metadata;
        metadata.device = file_system().device();
        metadata.inode = number();
        metadata.mode = mode_fifo | 0600;
        metadata.uid = m_uid;
        metadata.gid = m_gid;
        metadata.link_count = 1;
        metadata.block_size = pipe_atomic_limit;
        metadata.access_time = metadata.modify_time = metadata.change_time = m_time;
        return metadata;
    }
    ktl::ErrorOr<void> set_attributes(const AttributeChange& change) override {
        if (change.which & AttributeChange::ModifyTime)
            m_time = change.modify_time;
        return {};
    }
    // Opening the pipe again (through /proc/self/fd): a new end of the same pipe, never waiting.
    ktl::ErrorOr<RefPtr<OpenFile>> open_special(uint32_t flags) override;

private:
    Timestamp m_time;
    RefPtr<Pipe> m_pipe;
    uint32_t m_uid;
    uint32_t m_gid;
};

struct PipeFileSystemState {
    RefPtr<PipeFileSystem> file_system;
    RefPtr<Mount> mount;
};
PipeFileSystemState* pipe_state = nullptr;
sync::Mutex pipe_state_lock;
uint64_t next_pipe_inode = 1;

// The pipe's inode and the path its descriptions carry.
ktl::ErrorOr<Path> make_pipe_path(RefPtr<Pipe> pipe, uint32_t uid, uint32_t gid) {
    RefPtr<Mount> mount;
    RefPtr<PipeFileSystem> file_system;
    {
        sync::MutexLocker locker(pipe_state_lock);
        if (!pipe_state) {
            auto made = TRY(ktl::try_make_ref_counted<PipeFileSystem>());
            TRY(made->initialize());
            RefPtr<Dentry> root = TRY(Dentry::create_root(made->root()));
            ktl::String source = TRY(ktl::String::try_create("pipefs"));
            auto made_mount = TRY(ktl::try_make_ref_counted<Mount>(RefPtr<FileSystem>(made.ptr()),
                                                                   static_cast<RefPtr<Dentry>&&>(root),
                                                                   static_cast<ktl::String&&>(source), 0));
            auto* state = new (std::nothrow) PipeFileSystemState{made, made_mount};
            if (!state)
                return ktl::Errno::NoMemory;
            pipe_state = state;
        }
        mount = pipe_state->mount;
        file_system = pipe_state->file_system;
    }
    uint64_t number = __atomic_add_fetch(&next_pipe_inode, 1, __ATOMIC_RELAXED);
    auto inode = TRY(ktl::try_make_ref_counted<AnonymousPipeInode>(
        *file_system, number, static_cast<RefPtr<Pipe>&&>(pipe), uid, gid));
    RefPtr<Dentry> dentry = TRY(Dentry::create_root(RefPtr<Inode>(inode.ptr())));
    return Path{static_cast<RefPtr<Mount>&&>(mount), static_cast<RefPtr<Dentry>&&>(dentry)};
}

// One open end: a reader, a writer, or both (a FIFO opened O_RDWR).
class PipeEnd final : public OpenFile {
public:
    // A FIFO's end comes counted on the pipe already (open_fifo); a pipe(2) end is counted here.
    PipeEnd(RefPtr<Inode> inode, RefPtr<Pipe> pipe, bool reads, bool writes, uint32_t flags, FifoState* fifo)
        : OpenFile(static_cast<RefPtr<Inode>&&>(inode),
                   (flags & ~open_access_mode) | (reads && writes ? open_read_write
                                                  : writes        ? open_write_only
                                                                  : open_read_only)),
          m_pipe(static_cast<RefPtr<Pipe>&&>(pipe)), m_reads(reads), m_writes(writes), m_fifo(fifo) {
        if (m_reads && !m_fifo)
            m_pipe->open_end(false);
        if (m_writes && !m_fifo)
            m_pipe->open_end(true);
    }
    ~PipeEnd() override {
        if (m_reads)
            m_pipe->close_end(false);
        if (m_writes)
            m_pipe->close_end(true);
        if (m_fifo) {
            leave_fifo(*m_fifo, m_reads, m_writes);
            // Opens waiting for the other side recheck.
            inode()->wait_queue().wake_all();
        }
    }

    // Drops one open's counts from a FIFO, and the FIFO's pipe with the last of them.
    static void leave_fifo(FifoState& fifo, bool reads, bool writes) {
        Pipe* last = nullptr;
        {
            sync::SpinlockGuard guard(fifo.lock);
            if (reads)
                --fifo.readers;
            if (writes)
                --fifo.writers;
            if (fifo.readers == 0 && fifo.writers == 0) {
                last = fifo.pipe;
                fifo.pipe = nullptr;
            }
        }
        if (last)
            last->unref();
    }

    ktl::ErrorOr<size_t> read(IoBuffer buffer, size_t length) override {
        if (!m_reads)
            return ktl::Errno::BadFileDescriptor;
        return m_pipe->read(buffer, length, is_nonblocking());
    }
    ktl::ErrorOr<size_t> write(IoBuffer buffer, size_t length) override {
        if (!m_writes)
            return ktl::Errno::BadFileDescriptor;
        return m_pipe->write(buffer, length, is_nonblocking());
    }
    ktl::ErrorOr<size_t> read_at(uint64_t, IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<size_t> write_at(uint64_t, IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<int64_t> seek(int64_t, Whence) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument) override {
        constexpr uint64_t fionread = 0x541b;
        if (request == fionread) {
            int32_t available = static_cast<int32_t>(m_pipe->available());
            TRY(mm::copy_to_user(mm::UserPtr<int32_t>(argument), &available));
            return 0;
        }
        return OpenFile::ioctl(request, argument);
    }
    uint32_t poll_events() override {
        return (m_reads ? m_pipe->poll_events(false) : 0) | (m_writes ? m_pipe->poll_events(true) : 0);
    }
    sched::WaitQueue* poll_queue() override { return &m_pipe->changed(); }
    bool is_seekable() const override { return false; }
    const char* kind() const override { return "pipe"; }
    Pipe& pipe() { return *m_pipe; }

private:
    RefPtr<Pipe> m_pipe;
    bool m_reads;
    bool m_writes;
    FifoState* m_fifo; // the FIFO inode's, which this end's inode reference keeps alive
};

ktl::ErrorOr<RefPtr<Pipe>> make_pipe() {
    auto pipe = TRY(ktl::try_make_ref_counted<Pipe>());
    if (!pipe->allocate())
        return ktl::Errno::NoMemory;
    return pipe;
}

ktl::ErrorOr<RefPtr<OpenFile>> AnonymousPipeInode::open_special(uint32_t flags) {
    uint32_t mode = flags & open_access_mode;
    if (mode == open_access_mode)
        return ktl::Errno::InvalidArgument;
    auto end =
        TRY(ktl::try_make_ref_counted<PipeEnd>(RefPtr<Inode>(*this), m_pipe, mode != open_write_only,
                                               mode != open_read_only, flags & ~open_access_mode, nullptr));
    return RefPtr<OpenFile>(end.ptr());
}

} // namespace

ktl::ErrorOr<PipeEnds> create_pipe(uint32_t flags, uint32_t uid, uint32_t gid) {
    RefPtr<Pipe> pipe = TRY(make_pipe());
    Path path = TRY(make_pipe_path(pipe, uid, gid));
    RefPtr<Inode> inode = path.dentry->inode_ref();
    uint32_t status = flags & open_nonblocking;
    auto reader = TRY(ktl::try_make_ref_counted<PipeEnd>(inode, pipe, true, false, status, nullptr));
    auto writer = TRY(ktl::try_make_ref_counted<PipeEnd>(inode, pipe, false, true, status, nullptr));
    reader->set_path(path);
    writer->set_path(path);
    return PipeEnds{RefPtr<OpenFile>(reader.ptr()), RefPtr<OpenFile>(writer.ptr())};
}

ktl::ErrorOr<RefPtr<OpenFile>> open_fifo(Inode& inode, FifoState& state, uint32_t flags) {
    uint32_t mode = flags & open_access_mode;
    if (mode == open_access_mode)
        return ktl::Errno::InvalidArgument;
    bool reads = mode != open_write_only;
    bool writes = mode != open_read_only;
    RefPtr<Pipe> fresh;
    RefPtr<Pipe> pipe;
    // Whether the other side was open when this open was counted, and how often it had been
    // opened then: an open that must wait stops at the next open of the other side, even if that
    // one has closed again by the time this one runs (Linux's wait for a partner).
    bool partner_open = false;
    uint64_t partner_opens = 0;
    for (;;) {
        {
            sync::SpinlockGuard guard(state.lock);
            if (writes && !reads && state.readers == 0 && (flags & open_nonblocking))
                return ktl::Errno::NoDeviceOrAddress;
            if (state.pipe || fresh) {
                if (!state.pipe)
                    state.pipe = fresh.leak_ref(); // the FIFO's reference while any end is open
                pipe = RefPtr<Pipe>(state.pipe);
                // Counted now, so an open waiting on the other side sees this one.
                if (reads) {
                    ++state.readers;
                    ++state.reader_opens;
                }
                if (writes) {
                    ++state.writers;
                    ++state.writer_opens;
                }
                partner_open = writes ? state.readers > 0 : state.writers > 0;
                partner_opens = writes ? state.reader_opens : state.writer_opens;
                // On the pipe too, in the same step: a reader that sees this writer counted here
                // must not find the pipe without writers (end of file) before the end exists.
                if (reads)
                    pipe->count_end(false);
                if (writes)
                    pipe->count_end(true);
                break;
            }
        }
        fresh = TRY(make_pipe()); // not under the spinlock: allocation may sleep
    }
    inode.wait_queue().wake_all();
    pipe->changed().wake_all();
    auto end = ktl::try_make_ref_counted<PipeEnd>(RefPtr<Inode>(inode), pipe, reads, writes,
                                                  flags & ~open_access_mode, &state);
    if (end.is_error()) {
        if (reads)
            pipe->close_end(false);
        if (writes)
            pipe->close_end(true);
        PipeEnd::leave_fifo(state, reads, writes);
        return end.error();
    }
    RefPtr<OpenFile> result(end.value().ptr());
    if (!(reads && writes) && !(flags & open_nonblocking) && !partner_open) {
        auto waited = inode.wait_queue().wait_until_interruptible([&] {
            sync::SpinlockGuard guard(state.lock);
            if (writes)
                return state.reader_opens != partner_opens;
            return state.writer_opens != partner_opens;
        });
        if (waited == sched::WaitResult::Interrupted)
            return ktl::Errno::RestartSyscall; // dropping `result` leaves the FIFO again
    }
    return result;
}

ktl::ErrorOr<size_t> pipe_capacity_of(OpenFile& file) {
    if (ktl::StringView(file.kind()) != "pipe")
        return ktl::Errno::BadFileDescriptor;
    return static_cast<PipeEnd&>(file).pipe().capacity();
}

ktl::ErrorOr<size_t> set_pipe_capacity(OpenFile& file, uint64_t size, bool privileged) {
    if (ktl::StringView(file.kind()) != "pipe")
        return ktl::Errno::BadFileDescriptor;
    // Linux rounds up to a power of two pages, at least one page; past pipe-max-size only with
    // privilege.
    if (size > pipe_maximum_capacity && !privileged)
        return ktl::Errno::NotPermitted;
    if (size > pipe_privileged_maximum_capacity)
        return ktl::Errno::NoMemory;
    size_t rounded = 4096;
    while (rounded < size)
        rounded *= 2;
    TRY(static_cast<PipeEnd&>(file).pipe().resize(rounded));
    return rounded;
}

size_t pipe_count() {
    return __atomic_load_n(&live_pipes, __ATOMIC_RELAXED);
}

} // namespace fs
