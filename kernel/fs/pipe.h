// Pipes: a bounded byte buffer with a read end and a write end, each an open file description.
// Reading an empty pipe blocks until data comes or the last writer closes (end of file); writing to
// a pipe with no reader fails with EPIPE (and SIGPIPE once signals exist). Writes of at most
// PIPE_BUF bytes are atomic: they never interleave with another writer's.
#pragma once

#include "fs/file.h"

namespace fs {

struct PipeEnds {
    FileRef read_end;
    FileRef write_end;
};
// `flags` may hold open_nonblocking (pipe2's O_NONBLOCK).
ktl::ErrorOr<PipeEnds> create_pipe(uint32_t flags);

inline constexpr size_t pipe_capacity = 16 * 1024;
inline constexpr size_t pipe_atomic_limit = 4096; // PIPE_BUF

} // namespace fs
