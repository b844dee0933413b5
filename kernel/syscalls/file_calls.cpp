// File descriptor calls: read and write, vectors, pipes, dup, fcntl, ioctl, fstat.
#include "fs/pipe.h"
#include "proc/process.h"
#include "syscalls/handlers.h"

#include <utility>

namespace syscalls {

namespace {

constexpr int max_io_vectors = 1024;      // IOV_MAX
constexpr long max_io_bytes = 0x7ffff000; // Linux's MAX_RW_COUNT: larger requests are shortened

ktl::ErrorOr<fs::FileTable*> files() {
    proc::Process* process = proc::current_process();
    if (!process)
        return ktl::Errno::BadFileDescriptor;
    return &process->files();
}

size_t clamp_length(size_t length) {
    return length > static_cast<size_t>(max_io_bytes) ? static_cast<size_t>(max_io_bytes) : length;
}

// Linux's struct stat on x86-64.
struct LinuxStat {
    uint64_t device;
    uint64_t inode;
    uint64_t link_count;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t padding0;
    uint64_t rdev;
    int64_t size;
    int64_t block_size;
    int64_t blocks;
    int64_t access_seconds, access_nanoseconds;
    int64_t modify_seconds, modify_nanoseconds;
    int64_t change_seconds, change_nanoseconds;
    int64_t reserved[3];
};
static_assert(sizeof(LinuxStat) == 144);

enum : int {
    fcntl_dupfd = 0,
    fcntl_getfd = 1,
    fcntl_setfd = 2,
    fcntl_getfl = 3,
    fcntl_setfl = 4,
    fcntl_dupfd_cloexec = 1030,
};
constexpr uint64_t fd_cloexec = 1;

} // namespace

Result sys_read(int fd, mm::UserPtr<char> buffer, size_t length) {
    fs::FileRef file = TRY(TRY(files())->get(fd));
    if (!file->can_read())
        return ktl::Errno::BadFileDescriptor;
    if (!mm::is_user_range(buffer.address(), length))
        return ktl::Errno::BadAddress;
    return static_cast<long>(TRY(file->read(buffer, clamp_length(length))));
}

Result sys_write(int fd, mm::UserPtr<const char> buffer, size_t length) {
    fs::FileRef file = TRY(TRY(files())->get(fd));
    if (!file->can_write())
        return ktl::Errno::BadFileDescriptor;
    if (!mm::is_user_range(buffer.address(), length))
        return ktl::Errno::BadAddress;
    return static_cast<long>(TRY(file->write(buffer, clamp_length(length))));
}

Result sys_close(int fd) {
    TRY(TRY(files())->close(fd));
    return 0;
}

Result sys_fstat(int fd, mm::UserPtr<uint8_t> status) {
    fs::FileRef file = TRY(TRY(files())->get(fd));
    fs::FileStatus file_status;
    TRY(file->status(file_status));
    LinuxStat stat{};
    stat.device = file_status.device;
    stat.inode = file_status.inode;
    stat.link_count = 1;
    stat.mode = file_status.mode;
    stat.rdev = file_status.rdev;
    stat.size = static_cast<int64_t>(file_status.size);
    stat.block_size = file_status.block_size;
    stat.blocks = static_cast<int64_t>((file_status.size + 511) / 512);
    TRY(mm::copy_to_user(status.address(), &stat, sizeof stat));
    return 0;
}

Result sys_lseek(int fd, int64_t, int) {
    TRY(TRY(files())->get(fd));
    return ktl::Errno::IllegalSeek; // terminals and pipes; regular files come with the VFS
}

Result sys_ioctl(int fd, uint64_t request, uint64_t argument) {
    fs::FileRef file = TRY(TRY(files())->get(fd));
    return file->ioctl(request, argument);
}

namespace {

// readv/writev: one call per vector, stopping at the first short transfer as Linux does.
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
    }
    long done = 0;
    for (int index = 0; index < count; ++index) {
        IoVector vector = TRY(mm::read_user(vectors.offset(index)));
        if (vector.length == 0)
            continue;
        auto moved = transfer(vector.base, vector.length);
        if (moved.is_error())
            return done > 0 ? Result(done) : Result(moved.error());
        done += moved.value();
        if (static_cast<uint64_t>(moved.value()) < vector.length)
            break;
    }
    return done;
}

} // namespace

Result sys_readv(int fd, mm::UserPtr<IoVector> vectors, int count) {
    fs::FileRef file = TRY(TRY(files())->get(fd)); // EBADF before looking at the vectors, as Linux does
    if (!file->can_read())
        return ktl::Errno::BadFileDescriptor;
    // One read at most: a second one could block although data was already delivered (a pipe that
    // filled the first vector exactly). Short reads are allowed; musl's stdio reads on.
    bool read_once = false;
    return transfer_vectors(vectors, count, [&](uint64_t base, uint64_t length) -> Result {
        if (read_once)
            return 0;
        read_once = true;
        return sys_read(fd, mm::UserPtr<char>(base), length);
    });
}

Result sys_writev(int fd, mm::UserPtr<IoVector> vectors, int count) {
    fs::FileRef file = TRY(TRY(files())->get(fd)); // EBADF before looking at the vectors, as Linux does
    if (!file->can_write())
        return ktl::Errno::BadFileDescriptor;
    return transfer_vectors(vectors, count, [&](uint64_t base, uint64_t length) {
        return sys_write(fd, mm::UserPtr<const char>(base), length);
    });
}

Result sys_pipe2(mm::UserPtr<int32_t> fds, uint32_t flags) {
    if (flags & ~(fs::open_close_on_exec | fs::open_nonblocking))
        return ktl::Errno::InvalidArgument;
    fs::FileTable* table = TRY(files());
    fs::PipeEnds ends = TRY(fs::create_pipe(flags));
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
    fs::FileTable* table = TRY(files());
    fs::FileRef file = TRY(table->get(fd));
    return TRY(table->install(std::move(file), false));
}

Result sys_dup3(int fd, int new_fd, uint32_t flags) {
    if (flags & ~fs::open_close_on_exec)
        return ktl::Errno::InvalidArgument;
    if (fd == new_fd)
        return ktl::Errno::InvalidArgument;
    fs::FileTable* table = TRY(files());
    fs::FileRef file = TRY(table->get(fd));
    TRY(table->install_at(new_fd, std::move(file), flags & fs::open_close_on_exec));
    return new_fd;
}

Result sys_dup2(int fd, int new_fd) {
    if (fd == new_fd) {
        TRY(TRY(files())->get(fd)); // EBADF if fd is not open, else nothing to do
        return new_fd;
    }
    return sys_dup3(fd, new_fd, 0);
}

Result sys_fcntl(int fd, int command, uint64_t argument) {
    fs::FileTable* table = TRY(files());
    fs::FileRef file = TRY(table->get(fd));
    switch (command) {
    case fcntl_dupfd:
    case fcntl_dupfd_cloexec:
        if (argument >= static_cast<uint64_t>(fs::FileTable::max_descriptors))
            return ktl::Errno::InvalidArgument;
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
        file->set_status_flags(static_cast<uint32_t>(argument));
        return 0;
    default:
        return ktl::Errno::InvalidArgument;
    }
}

} // namespace syscalls
