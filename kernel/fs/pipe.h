// Pipes and FIFOs: a bounded byte buffer with read ends and write ends, each an open file
// description. Reading an empty pipe blocks until data comes or the last writer closes (end of
// file); writing to a pipe with no reader fails with EPIPE (and SIGPIPE once signals exist). Writes
// of at most PIPE_BUF bytes are atomic: they never interleave with another writer's.
//
// pipe(2) makes both ends on an anonymous inode (what fstat and /proc/self/fd show as
// "pipe:[N]"); a FIFO (mknod S_IFIFO) makes its pipe when first opened, and open(2) waits for the
// other side as POSIX says.
#pragma once

#include "fs/open_file.h"
#include "sync/spinlock.h"

namespace fs {

class Pipe;

struct PipeEnds {
    RefPtr<OpenFile> read_end;
    RefPtr<OpenFile> write_end;
};
// `flags` may hold open_nonblocking (pipe2's O_NONBLOCK); the pipe's inode belongs to `uid`/`gid`
// (the creator's), so it can reopen the pipe through /proc/self/fd after dropping root.
ktl::ErrorOr<PipeEnds> create_pipe(uint32_t flags, uint32_t uid = 0, uint32_t gid = 0);

// A FIFO inode's state: the pipe while any end is open, and how many of each end there are.
struct FifoState {
    sync::Spinlock lock;
    Pipe* pipe = nullptr; // one reference while any end is open
    uint32_t readers = 0;
    uint32_t writers = 0;
    // Opens of each side ever: an open waiting for the other side also stops when that side came
    // and went before it woke (a writer that wrote and closed leaves the reader its end of file).
    uint64_t reader_opens = 0;
    uint64_t writer_opens = 0;
};
// open(2) of a FIFO: O_RDONLY waits for a writer and O_WRONLY for a reader unless O_NONBLOCK
// (then O_WRONLY without a reader is ENXIO); O_RDWR never waits.
ktl::ErrorOr<RefPtr<OpenFile>> open_fifo(Inode& inode, FifoState& state, uint32_t flags);

inline constexpr size_t pipe_default_capacity = 64 * 1024;           // Linux's default
inline constexpr size_t pipe_maximum_capacity = 1024 * 1024;         // /proc/sys/fs/pipe-max-size
inline constexpr size_t pipe_privileged_maximum_capacity = 64 << 20; // what root may ask for
// F_GETPIPE_SZ and F_SETPIPE_SZ (BadFileDescriptor for anything but a pipe end). Setting rounds up
// to a power of two pages; Busy when the unread bytes would not fit.
ktl::ErrorOr<size_t> pipe_capacity_of(OpenFile& file);
ktl::ErrorOr<size_t> set_pipe_capacity(OpenFile& file, uint64_t size, bool privileged);
inline constexpr size_t pipe_atomic_limit = 4096; // PIPE_BUF

// Pipes alive, for leak checks.
size_t pipe_count();

} // namespace fs
