// File descriptor calls: read and write (plain, positioned, vectored), lseek, pipes, dup, fcntl,
// ioctl, fstat, ftruncate and friends (fcntl's locks are in lock_calls.cpp), sendfile, copy_file_range,
// splice, memfd_create.
#include "block/block_cache.h"
#include "fs/pipe.h"
#include "fs/tmpfs/tmpfs.h"
#include "ktl/string_builder.h"
#include "syscalls/file_support.h"

#include <utility>

namespace syscalls {

namespace {

constexpr int max_io_vectors = 1024;      // IOV_MAX
constexpr long max_io_bytes = 0x7ffff000; // Linux's MAX_RW_COUNT: larger requests are shortened

size_t clamp_length(size_t length) {
    return length > static_cast<size_t>(max_io_bytes) ? static_cast<size_t>(max_io_bytes) : length;
}

constexpr uint64_t fd_cloexec = 1;

constexpr uint64_t fionbio = 0x5421, fioclex = 0x5451, fionclex = 0x5450;

ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> readable(int fd) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (!file->can_read())
        return ktl::Errno::BadFileDescriptor;
    return file;
}

ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> writable(int fd) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (!file->can_write())
        return ktl::Errno::BadFileDescriptor;
    return file;
}

// Reads of a directory: EISDIR, as Linux's read(2) says.
ktl::ErrorOr<void> not_a_directory(fs::OpenFile& file) {
    if (file.inode() && file.is_seekable() && file.inode()->access().is_directory())
        return ktl::Errno::IsDirectory;
    return {};
}

} // namespace

Result sys_read(int fd, mm::UserPtr<char> buffer, size_t length) {
    fs::RefPtr<fs::OpenFile> file = TRY(readable(fd));
    if (!mm::is_user_range(buffer.address(), length))
        return ktl::Errno::BadAddress;
    TRY(not_a_directory(*file));
    return static_cast<long>(TRY(file->read(fs::IoBuffer::user(buffer), clamp_length(length))));
}

Result sys_write(int fd, mm::UserPtr<const char> buffer, size_t length) {
    fs::RefPtr<fs::OpenFile> file = TRY(writable(fd));
    if (!mm::is_user_range(buffer.address(), length))
        return ktl::Errno::BadAddress;
    return static_cast<long>(TRY(file->write(fs::IoBuffer::user(buffer), clamp_length(length))));
}

namespace {

// pread64 and pwrite64's checks, in Linux's order: the offset, a file with offsets, the buffer.
ktl::ErrorOr<void> check_positioned(fs::OpenFile& file, int64_t offset, uint64_t buffer, size_t length) {
    if (offset < 0)
        return ktl::Errno::InvalidArgument;
    if (!file.is_seekable())
        return ktl::Errno::IllegalSeek;
    if (!mm::is_user_range(buffer, length))
        return ktl::Errno::BadAddress;
    return {};
}

} // namespace

Result sys_pread64(int fd, mm::UserPtr<char> buffer, size_t length, int64_t offset) {
    fs::RefPtr<fs::OpenFile> file = TRY(readable(fd));
    TRY(check_positioned(*file, offset, buffer.address(), length));
    TRY(not_a_directory(*file));
    return static_cast<long>(
        TRY(file->read_at(static_cast<uint64_t>(offset), fs::IoBuffer::user(buffer), clamp_length(length))));
}

Result sys_pwrite64(int fd, mm::UserPtr<const char> buffer, size_t length, int64_t offset) {
    fs::RefPtr<fs::OpenFile> file = TRY(writable(fd));
    TRY(check_positioned(*file, offset, buffer.address(), length));
    return static_cast<long>(
        TRY(file->write_at(static_cast<uint64_t>(offset), fs::IoBuffer::user(buffer), clamp_length(length))));
}

Result sys_close(int fd) {
    TRY(TRY(current_files())->close(fd));
    return 0;
}

Result sys_close_range(unsigned first, unsigned last, unsigned flags) {
    constexpr unsigned close_range_unshare = 2, close_range_cloexec = 4;
    if (flags & ~(close_range_unshare | close_range_cloexec))
        return ktl::Errno::InvalidArgument;
    if (first > last)
        return ktl::Errno::InvalidArgument;
    TRY(current_files())->close_range(first, last, flags & close_range_cloexec);
    return 0;
}

Result sys_fstat(int fd, mm::UserPtr<uint8_t> status) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    fs::InodeMetadata metadata = TRY(file->metadata());
    LinuxStat stat = to_linux_stat(metadata);
    TRY(mm::copy_to_user(status.address(), &stat, sizeof stat));
    return 0;
}

Result sys_lseek(int fd, int64_t offset, int whence) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (whence < 0 || whence > 4)
        return ktl::Errno::InvalidArgument;
    if (file->is_path_only())
        return ktl::Errno::BadFileDescriptor;
    return TRY(file->seek(offset, static_cast<fs::Whence>(whence)));
}

Result sys_ioctl(int fd, uint64_t full_request, uint64_t argument) {
    // Linux takes the request as an unsigned int: musl's ioctl(int, int, ...) sign-extends the ones
    // with the top bit set (TIOCGPTN, _IOR's), which must still match.
    uint64_t request = static_cast<uint32_t>(full_request);
    fs::FileTable* table = TRY(current_files());
    fs::RefPtr<fs::OpenFile> file = TRY(table->get(fd));
    if (file->is_path_only())
        return ktl::Errno::BadFileDescriptor;
    switch (request) {
    case fionbio: {
        int32_t on = TRY(mm::read_user(mm::UserPtr<int32_t>(argument)));
        uint32_t flags = file->flags();
        file->set_status_flags(on ? flags | fs::open_nonblocking : flags & ~fs::open_nonblocking);
        return 0;
    }
    case fioclex:
    case fionclex:
        TRY(table->set_close_on_exec(fd, request == fioclex));
        return 0;
    default:
        return file->ioctl(request, argument);
    }
}

namespace {

// readv/writev and their positioned forms: one call per vector, stopping at the first short
// transfer as Linux does.
template <typename Transfer>
Result transfer_vectors(mm::UserPtr<IoVector> vectors, int count, Transfer&& transfer) {
    if (count < 0 || count > max_io_vectors)
        return ktl::Errno::InvalidArgument;
    // Check every vector before moving anything: a bad one fails the whole call.
    uint64_t total = 0;
    for (int index = 0; index < count; ++index) {
        IoVector vector = TRY(mm::read_user(vectors.offset(index)));
        if (vector.length > static_cast<uint64_t>(INT64_MAX) - total)
            return ktl::Errno::InvalidArgument;
        total += vector.length;
        if (!mm::is_user_range(vector.base, vector.length))
            return ktl::Errno::BadAddress;
    }
    long done = 0;
    for (int index = 0; index < count; ++index) {
        IoVector vector = TRY(mm::read_user(vectors.offset(index)));
        if (vector.length == 0)
            continue;
        auto moved = transfer(vector.base, clamp_length(vector.length), static_cast<uint64_t>(done));
        if (moved.is_error())
            return done > 0 ? Result(done) : Result(moved.error());
        done += static_cast<long>(moved.value());
        if (moved.value() < vector.length)
            break;
    }
    return done;
}

// A read of a pipe or terminal stops after one transfer: a second one could block although data
// was already delivered. Regular files read on.
Result read_vectors(fs::OpenFile& file, mm::UserPtr<IoVector> vectors, int count, int64_t offset) {
    bool stream = !file.is_seekable();
    bool read_once = false;
    return transfer_vectors(
        vectors, count, [&](uint64_t base, uint64_t length, uint64_t done) -> ktl::ErrorOr<size_t> {
            if (stream && read_once)
                return 0;
            read_once = true;
            if (offset < 0)
                return file.read(fs::IoBuffer::user(base), length);
            return file.read_at(static_cast<uint64_t>(offset) + done, fs::IoBuffer::user(base), length);
        });
}

Result write_vectors(fs::OpenFile& file, mm::UserPtr<IoVector> vectors, int count, int64_t offset) {
    return transfer_vectors(
        vectors, count, [&](uint64_t base, uint64_t length, uint64_t done) -> ktl::ErrorOr<size_t> {
            if (offset < 0)
                return file.write(fs::IoBuffer::user(base), length);
            return file.write_at(static_cast<uint64_t>(offset) + done, fs::IoBuffer::user(base), length);
        });
}

} // namespace

Result sys_readv(int fd, mm::UserPtr<IoVector> vectors, int count) {
    fs::RefPtr<fs::OpenFile> file = TRY(readable(fd)); // EBADF before looking at the vectors, as Linux does
    TRY(not_a_directory(*file));
    return read_vectors(*file, vectors, count, -1);
}

Result sys_writev(int fd, mm::UserPtr<IoVector> vectors, int count) {
    fs::RefPtr<fs::OpenFile> file = TRY(writable(fd));
    return write_vectors(*file, vectors, count, -1);
}

Result sys_preadv(int fd, mm::UserPtr<IoVector> vectors, int count, int64_t offset) {
    fs::RefPtr<fs::OpenFile> file = TRY(readable(fd));
    if (offset < 0)
        return ktl::Errno::InvalidArgument;
    if (!file->is_seekable())
        return ktl::Errno::IllegalSeek;
    TRY(not_a_directory(*file));
    return read_vectors(*file, vectors, count, offset);
}

Result sys_pwritev(int fd, mm::UserPtr<IoVector> vectors, int count, int64_t offset) {
    fs::RefPtr<fs::OpenFile> file = TRY(writable(fd));
    if (offset < 0)
        return ktl::Errno::InvalidArgument;
    if (!file->is_seekable())
        return ktl::Errno::IllegalSeek;
    return write_vectors(*file, vectors, count, offset);
}

Result sys_pipe2(mm::UserPtr<int32_t> fds, uint32_t flags) {
    if (flags & ~(fs::open_close_on_exec | fs::open_nonblocking | fs::open_direct))
        return ktl::Errno::InvalidArgument;
    fs::FileTable* table = TRY(current_files());
    fs::Credentials credentials = TRY(current_process_or_error())->credentials();
    fs::PipeEnds ends = TRY(fs::create_pipe(flags, credentials.uid, credentials.gid));
    bool close_on_exec = flags & fs::open_close_on_exec;
    int read_fd = TRY(table->install(std::move(ends.read_end), close_on_exec));
    auto write_fd = table->install(std::move(ends.write_end), close_on_exec);
    if (write_fd.is_error()) {
        (void)table->close(read_fd);
        return write_fd.error();
    }
    int32_t pair[2] = {read_fd, write_fd.value()};
    if (auto copied = mm::copy_to_user(fds, pair, 2); copied.is_error()) {
        (void)table->close(pair[0]);
        (void)table->close(pair[1]);
        return copied.error();
    }
    return 0;
}

Result sys_pipe(mm::UserPtr<int32_t> fds) {
    return sys_pipe2(fds, 0);
}

Result sys_dup(int fd) {
    fs::FileTable* table = TRY(current_files());
    fs::RefPtr<fs::OpenFile> file = TRY(table->get(fd));
    return TRY(table->install(std::move(file), false));
}

Result sys_dup3(int fd, int new_fd, uint32_t flags) {
    if (flags & ~fs::open_close_on_exec)
        return ktl::Errno::InvalidArgument;
    if (fd == new_fd)
        return ktl::Errno::InvalidArgument;
    fs::FileTable* table = TRY(current_files());
    fs::RefPtr<fs::OpenFile> file = TRY(table->get(fd));
    TRY(table->install_at(new_fd, std::move(file), flags & fs::open_close_on_exec));
    return new_fd;
}

Result sys_dup2(int fd, int new_fd) {
    if (fd == new_fd) {
        TRY(TRY(current_files())->get(fd)); // EBADF if fd is not open, else nothing to do
        return new_fd;
    }
    return sys_dup3(fd, new_fd, 0);
}

Result sys_fcntl(int fd, int command, uint64_t argument) {
    fs::FileTable* table = TRY(current_files());
    fs::RefPtr<fs::OpenFile> file = TRY(table->get(fd));
    switch (command) {
    case fcntl_dupfd:
    case fcntl_dupfd_cloexec:
        if (argument >= static_cast<uint64_t>(table->limit()))
            return ktl::Errno::InvalidArgument; // Linux: at or above RLIMIT_NOFILE
        return TRY(
            table->install(std::move(file), command == fcntl_dupfd_cloexec, static_cast<int>(argument)));
    case fcntl_getfd:
        return TRY(table->close_on_exec(fd)) ? fd_cloexec : 0;
    case fcntl_setfd:
        TRY(table->set_close_on_exec(fd, argument & fd_cloexec));
        return 0;
    case fcntl_getfl:
        return file->flags() & ~fs::open_close_on_exec;
    case fcntl_setfl:
        if (file->is_path_only())
            return ktl::Errno::BadFileDescriptor;
        file->set_status_flags(static_cast<uint32_t>(argument));
        return 0;
    case fcntl_getlk:
    case fcntl_setlk:
    case fcntl_setlkw:
    case fcntl_ofd_getlk:
    case fcntl_ofd_setlk:
    case fcntl_ofd_setlkw:
        return TRY(fcntl_record_lock(fd, *file, command, argument));
    case fcntl_getown:
        return 0;
    case fcntl_setown:
        return 0; // no SIGIO yet: the owner would never be signalled
    case fcntl_getpipe_size:
        return static_cast<long>(TRY(fs::pipe_capacity_of(*file)));
    case fcntl_setpipe_size:
        return static_cast<long>(TRY(fs::set_pipe_capacity(
            *file, argument, TRY(current_process_or_error())->credentials().is_superuser())));
    case fcntl_get_seals:
        return ktl::Errno::InvalidArgument;
    default:
        return ktl::Errno::InvalidArgument;
    }
}

Result sys_ftruncate(int fd, int64_t length) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (file->is_path_only())
        return ktl::Errno::BadFileDescriptor;
    if (length < 0)
        return ktl::Errno::InvalidArgument;
    if (!file->can_write() || !file->inode())
        return ktl::Errno::InvalidArgument; // Linux: EINVAL for an fd not open for writing
    fs::InodeMetadata metadata = file->inode()->metadata();
    if (!metadata.is_regular())
        return metadata.is_directory() ? ktl::Errno::IsDirectory : ktl::Errno::InvalidArgument;
    TRY(file->inode()->truncate(static_cast<uint64_t>(length)));
    return 0;
}

Result sys_fallocate(int fd, int mode, int64_t offset, int64_t length) {
    constexpr int keep_size = 1;
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (offset < 0 || length <= 0)
        return ktl::Errno::InvalidArgument;
    if (mode & ~keep_size)
        return ktl::Errno::NotSupported; // punching holes and zeroing ranges come later
    if (!file->can_write())
        return ktl::Errno::BadFileDescriptor;
    if (!file->inode())
        return ktl::Errno::IllegalSeek;
    fs::InodeMetadata metadata = file->inode()->metadata();
    if (metadata.is_directory())
        return ktl::Errno::IsDirectory;
    if (!metadata.is_regular())
        return file->is_seekable() ? ktl::Errno::NoDevice : ktl::Errno::IllegalSeek;
    if (static_cast<uint64_t>(offset) > UINT64_MAX - static_cast<uint64_t>(length))
        return ktl::Errno::FileTooBig;
    uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(length);
    TRY(file->inode()->allocate(static_cast<uint64_t>(offset), end - static_cast<uint64_t>(offset)));
    if (!(mode & keep_size) && end > metadata.size)
        TRY(file->inode()->truncate(end));
    return 0;
}

namespace {

Result sync_file(int fd, bool data_only) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (file->is_path_only())
        return ktl::Errno::BadFileDescriptor;
    // Linux: only what has a file system behind it can be synced; pipes and terminals cannot.
    if (!file->inode() || !file->is_seekable())
        return ktl::Errno::InvalidArgument;
    fs::InodeMetadata metadata = file->inode()->metadata();
    if (!metadata.is_regular() && !metadata.is_directory() && !metadata.is_block_device())
        return ktl::Errno::InvalidArgument;
    TRY(file->sync(data_only));
    return 0;
}

} // namespace

Result sys_fsync(int fd) {
    return sync_file(fd, false);
}

Result sys_fdatasync(int fd) {
    return sync_file(fd, true);
}

Result sys_sync() {
    fs::for_each_mount([](const fs::Mount& mount, const fs::Path&) { (void)mount.file_system().sync(); });
    block::sync_all(); // what file systems left in the block cache, and writes to device files
    return 0;
}

Result sys_syncfs(int fd) {
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (file->inode())
        TRY(file->inode()->file_system().sync());
    // A device file's own cached pages too (Linux's syncfs of a device node syncs only devtmpfs).
    if (file->inode() && file->inode()->metadata().is_block_device() && !file->is_path_only())
        TRY(file->sync());
    return 0;
}

namespace {

// Moves bytes between two descriptions through a kernel buffer: sendfile, copy_file_range and
// splice share it. `in_offset`/`out_offset` null means the description's own offset.
Result copy_between(fs::OpenFile& in, uint64_t* in_offset, fs::OpenFile& out, uint64_t* out_offset,
                    size_t count) {
    constexpr size_t chunk = 64 * 1024;
    auto* buffer = static_cast<uint8_t*>(mm::kmalloc(chunk));
    if (!buffer)
        return ktl::Errno::NoMemory;
    struct Freer {
        uint8_t* pointer;
        ~Freer() { mm::kfree(pointer); }
    } freer{buffer};
    count = clamp_length(count);
    size_t done = 0;
    while (done < count) {
        size_t want = count - done < chunk ? count - done : chunk;
        auto got = in_offset ? in.read_at(*in_offset, fs::IoBuffer::kernel(static_cast<void*>(buffer)), want)
                             : in.read(fs::IoBuffer::kernel(static_cast<void*>(buffer)), want);
        if (got.is_error())
            return done > 0 ? Result(static_cast<long>(done)) : Result(got.error());
        if (got.value() == 0)
            break;
        size_t written = 0;
        while (written < got.value()) {
            auto put = out_offset
                           ? out.write_at(*out_offset + written,
                                          fs::IoBuffer::kernel(static_cast<const void*>(buffer + written)),
                                          got.value() - written)
                           : out.write(fs::IoBuffer::kernel(static_cast<const void*>(buffer + written)),
                                       got.value() - written);
            if (put.is_error() || put.value() == 0) {
                // What was read but not written is lost for a stream, as Linux's splice loses it too.
                if (in_offset)
                    *in_offset += written;
                if (out_offset)
                    *out_offset += written;
                done += written;
                if (done > 0)
                    return static_cast<long>(done);
                return put.is_error() ? Result(put.error()) : Result(0l);
            }
            written += put.value();
        }
        if (in_offset)
            *in_offset += written;
        if (out_offset)
            *out_offset += written;
        done += written;
        if (got.value() < want)
            break;
    }
    return static_cast<long>(done);
}

// copy_file_range's and splice's optional offsets: read before the copy (EINVAL if negative),
// written back after it. A null pointer means "the description's own offset".
class UserOffset {
public:
    explicit UserOffset(mm::UserPtr<int64_t> pointer) : m_pointer(pointer) {}
    ktl::ErrorOr<void> load() {
        if (m_pointer.is_null())
            return {};
        int64_t value = TRY(mm::read_user(m_pointer));
        if (value < 0)
            return ktl::Errno::InvalidArgument;
        m_position = static_cast<uint64_t>(value);
        return {};
    }
    uint64_t* position() { return m_pointer.is_null() ? nullptr : &m_position; }
    ktl::ErrorOr<void> store() {
        if (m_pointer.is_null())
            return {};
        int64_t value = static_cast<int64_t>(m_position);
        return mm::copy_to_user(m_pointer, &value);
    }

private:
    mm::UserPtr<int64_t> m_pointer;
    uint64_t m_position = 0;
};

Result copy_with_offsets(fs::OpenFile& in, mm::UserPtr<int64_t> in_offset, fs::OpenFile& out,
                         mm::UserPtr<int64_t> out_offset, size_t count) {
    UserOffset from(in_offset), to(out_offset);
    TRY(from.load());
    TRY(to.load());
    Result done = copy_between(in, from.position(), out, to.position(), count);
    TRY(from.store());
    TRY(to.store());
    return done;
}

} // namespace

Result sys_sendfile(int out_fd, int in_fd, mm::UserPtr<int64_t> offset, size_t count) {
    fs::RefPtr<fs::OpenFile> in = TRY(readable(in_fd));
    fs::RefPtr<fs::OpenFile> out = TRY(writable(out_fd));
    if (out->flags() & fs::open_append)
        return ktl::Errno::InvalidArgument;
    if (offset.is_null())
        return copy_between(*in, nullptr, *out, nullptr, count);
    int64_t start = TRY(mm::read_user(offset));
    if (start < 0)
        return ktl::Errno::InvalidArgument;
    if (!in->is_seekable())
        return ktl::Errno::IllegalSeek;
    uint64_t position = static_cast<uint64_t>(start);
    Result done = copy_between(*in, &position, *out, nullptr, count);
    int64_t end = static_cast<int64_t>(position);
    TRY(mm::copy_to_user(offset, &end));
    return done;
}

Result sys_copy_file_range(int in_fd, mm::UserPtr<int64_t> in_offset, int out_fd,
                           mm::UserPtr<int64_t> out_offset, size_t count, uint32_t flags) {
    if (flags != 0)
        return ktl::Errno::InvalidArgument;
    fs::RefPtr<fs::OpenFile> in = TRY(readable(in_fd));
    fs::RefPtr<fs::OpenFile> out = TRY(writable(out_fd));
    if (!in->inode() || !out->inode() || !in->inode()->metadata().is_regular() ||
        !out->inode()->metadata().is_regular())
        return in->inode() && in->inode()->metadata().is_directory() ? ktl::Errno::IsDirectory
                                                                     : ktl::Errno::InvalidArgument;
    if (out->flags() & fs::open_append)
        return ktl::Errno::BadFileDescriptor;
    return copy_with_offsets(*in, in_offset, *out, out_offset, count);
}

Result sys_splice(int in_fd, mm::UserPtr<int64_t> in_offset, int out_fd, mm::UserPtr<int64_t> out_offset,
                  size_t count, uint32_t flags) {
    constexpr uint32_t splice_flags = 1 | 2 | 4 | 8; // MOVE, NONBLOCK, MORE, GIFT
    if (flags & ~splice_flags)
        return ktl::Errno::InvalidArgument;
    fs::RefPtr<fs::OpenFile> in = TRY(readable(in_fd));
    fs::RefPtr<fs::OpenFile> out = TRY(writable(out_fd));
    bool in_pipe = in->kind() == ktl::StringView("pipe");
    bool out_pipe = out->kind() == ktl::StringView("pipe");
    if (!in_pipe && !out_pipe)
        return ktl::Errno::InvalidArgument; // one end must be a pipe
    if ((in_pipe && !in_offset.is_null()) || (out_pipe && !out_offset.is_null()))
        return ktl::Errno::IllegalSeek;
    // One pipe-sized piece at most, so a splice from a pipe never waits after moving data.
    size_t limit = count < fs::pipe_default_capacity ? count : fs::pipe_default_capacity;
    return copy_with_offsets(*in, in_offset, *out, out_offset, limit);
}

Result sys_memfd_create(mm::UserPtr<const char> name, uint32_t flags) {
    constexpr uint32_t memfd_cloexec = 1, memfd_allow_sealing = 2, memfd_hugetlb = 4;
    if (flags & ~(memfd_cloexec | memfd_allow_sealing | memfd_hugetlb))
        return ktl::Errno::InvalidArgument;
    if (flags & memfd_hugetlb)
        return ktl::Errno::InvalidArgument;
    // Seals (F_ADD_SEALS) are not there yet: a program that needs them learns it here, not later.
    if (flags & memfd_allow_sealing)
        return ktl::Errno::InvalidArgument;
    char text[250];
    size_t length = TRY(mm::copy_string_from_user(text, name.address(), sizeof text));
    // Named "/memfd:NAME (deleted)" in /proc/self/fd, as on Linux.
    ktl::StringBuilder display;
    TRY(display.try_append("/memfd:"));
    TRY(display.try_append(ktl::StringView(text, length)));
    TRY(display.try_append(" (deleted)"));
    ktl::String display_name = TRY(display.try_build());
    auto file = TRY(fs::tmpfs::create_unlinked_file(display_name.view()));
    return TRY(TRY(current_files())->install(fs::RefPtr<fs::OpenFile>(file.ptr()), flags & memfd_cloexec));
}

} // namespace syscalls
