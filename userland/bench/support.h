// What the benchmark's operations share (operations.cpp, disk_operations.cpp): failure lines, the
// stopwatch, paths and descriptors, and the salted file contents every file check compares against.
#pragma once

#include "operations.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <unistd.h>

namespace bench {

// One line on stderr, "bench OPERATION: WHAT"; both return false so a check can `return fail(…)`.
bool fail(const char* operation, const char* what);
bool fail_errno(const char* operation, const char* call, int error);
Outcome failed();

// A timer for the measured part of an operation.
class Stopwatch {
public:
    void start() { m_started = monotonic_ns(); }
    void stop() { m_elapsed += monotonic_ns() - m_started; }
    Outcome done() const { return Outcome{true, m_elapsed}; }

private:
    uint64_t m_started = 0;
    uint64_t m_elapsed = 0;
};

// A path under a directory; operations whose path does not fit fail rather than use a shorter one.
class Path {
public:
    Path(const char* directory, const char* name) {
        int length = snprintf(m_text, sizeof m_text, "%s/%s", directory, name);
        m_fits = length > 0 && static_cast<size_t>(length) < sizeof m_text;
    }
    const char* c_str() const { return m_text; }
    bool fits() const { return m_fits; }

private:
    char m_text[256];
    bool m_fits = false;
};

class Fd {
public:
    explicit Fd(int fd = -1) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }
    void reset(int fd = -1) {
        if (m_fd >= 0)
            close(m_fd);
        m_fd = fd;
    }

private:
    int m_fd;
};

// The contents of the test files: each 8-byte word depends on its offset in the file and on a salt
// chosen per file, so that a block from another place, another file or an earlier pass differs.
// The first word of a block is the cheap check (a store when writing, a load when reading).
uint64_t new_salt();
uint64_t file_word(uint64_t salt, uint64_t offset);
void fill_block(unsigned char* block, uint64_t salt, uint64_t offset);
// The first word of a block of `template_block` (filled for offset 0) made right for `offset`.
void stamp_block(unsigned char* block, uint64_t salt, uint64_t offset);
uint64_t first_word(const unsigned char* block);

// Writes `bytes` of the salted contents in whole blocks from offset 0.
bool write_contents(const char* operation, int fd, uint64_t salt, long bytes);
// True iff the file holds exactly `bytes` of the salted contents (fill_block everywhere).
bool contents_match(const char* operation, int fd, uint64_t salt, long bytes);
bool valid_size(const char* operation, long bytes);

// Creates (or empties) `path` for reading and writing.
int create_file(const char* operation, const Path& path);
bool remove_file(const char* operation, const Path& path);

} // namespace bench
