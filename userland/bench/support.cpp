// The shared helpers of the benchmark's operations (support.h).
#include "support.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>

namespace bench {

bool fail(const char* operation, const char* what) {
    fprintf(stderr, "bench %s: %s\n", operation, what);
    return false;
}

bool fail_errno(const char* operation, const char* call, int error) {
    fprintf(stderr, "bench %s: %s failed: %s\n", operation, call, strerror(error));
    return false;
}

Outcome failed() {
    return Outcome{false, 0};
}

uint64_t new_salt() {
    return (monotonic_ns() * 0x9e3779b97f4a7c15u) ^ static_cast<uint64_t>(getpid()) ^ 1;
}

uint64_t file_word(uint64_t salt, uint64_t offset) {
    return (offset * 0xff51afd7ed558ccdu) ^ salt;
}

void fill_block(unsigned char* block, uint64_t salt, uint64_t offset) {
    for (long at = 0; at < kFileBlock; at += 8) {
        uint64_t word = file_word(salt, offset + static_cast<uint64_t>(at));
        memcpy(block + at, &word, sizeof word);
    }
}

void stamp_block(unsigned char* block, uint64_t salt, uint64_t offset) {
    uint64_t word = file_word(salt, offset);
    memcpy(block, &word, sizeof word);
}

uint64_t first_word(const unsigned char* block) {
    uint64_t word;
    memcpy(&word, block, sizeof word);
    return word;
}

bool write_contents(const char* operation, int fd, uint64_t salt, long bytes) {
    alignas(64) unsigned char block[kFileBlock];
    for (long offset = 0; offset < bytes; offset += kFileBlock) {
        fill_block(block, salt, static_cast<uint64_t>(offset));
        if (pwrite(fd, block, kFileBlock, offset) != kFileBlock)
            return fail_errno(operation, "pwrite while making the file", errno);
    }
    return true;
}

bool contents_match(const char* operation, int fd, uint64_t salt, long bytes) {
    struct stat status {};
    if (fstat(fd, &status) != 0)
        return fail_errno(operation, "fstat", errno);
    if (status.st_size != bytes)
        return fail(operation, "the file does not have the size written");
    alignas(64) unsigned char expected[kFileBlock];
    alignas(64) unsigned char got[kFileBlock];
    for (long offset = 0; offset < bytes; offset += kFileBlock) {
        fill_block(expected, salt, static_cast<uint64_t>(offset));
        if (pread(fd, got, kFileBlock, offset) != kFileBlock)
            return fail_errno(operation, "pread while checking", errno);
        if (memcmp(expected, got, kFileBlock) != 0)
            return fail(operation, "a block did not read back as written");
    }
    return true;
}

bool valid_size(const char* operation, long bytes) {
    if (bytes <= 0 || bytes % kFileBlock != 0)
        return fail(operation, "the size is not a positive number of blocks");
    return true;
}

int create_file(const char* operation, const Path& path) {
    if (!path.fits())
        return fail(operation, "the path is too long"), -1;
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        fail_errno(operation, "open(O_CREAT)", errno);
    return fd;
}

bool remove_file(const char* operation, const Path& path) {
    if (unlink(path.c_str()) != 0)
        return fail_errno(operation, "unlink", errno);
    return true;
}

} // namespace bench
