// Host test support for libs/ext2: block stores over a file and over memory, a fixed clock, and
// e2fsprogs (mke2fs to make images, e2fsck -fn and debugfs to check what the library wrote).
// Tests whose tools are missing skip, naming the tool.
#pragma once

#include "ext2/ext2.h"
#include "ktl/assert.h"

#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace ext2::test {

inline std::string find_tool(const char* name) {
    for (const char* directory : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/", "/usr/local/sbin/"}) {
        std::string path = std::string(directory) + name;
        if (access(path.c_str(), X_OK) == 0)
            return path;
    }
    return {};
}

#define EXT2_REQUIRE_TOOLS()                                                                                 \
    do {                                                                                                     \
        for (const char* tool : {"mke2fs", "e2fsck", "debugfs"})                                             \
            if (::ext2::test::find_tool(tool).empty())                                                       \
                GTEST_SKIP() << tool << " not found: install e2fsprogs";                                     \
    } while (0)

struct CommandResult {
    int status = -1;
    std::string output;
};

inline CommandResult run_command(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return result;
    char chunk[4096];
    size_t count;
    while ((count = fread(chunk, 1, sizeof chunk, pipe)) > 0)
        result.output.append(chunk, count);
    int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

inline std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// A directory removed with the test.
class TemporaryDirectory {
public:
    TemporaryDirectory() {
        char pattern[] = "/tmp/ext2_test_XXXXXX";
        m_path = mkdtemp(pattern);
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    const std::string& path() const { return m_path; }
    std::string operator/(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

class FixedClock final : public Clock {
public:
    int64_t now() override { return time; }
    int64_t time = 1700000000;
};

// Blocks in a file, as the kernel's would be on a device.
class FileStore final : public BlockStore {
public:
    explicit FileStore(const std::string& path) {
        m_fd = open(path.c_str(), O_RDWR);
        struct stat status {};
        if (m_fd >= 0 && fstat(m_fd, &status) == 0)
            m_size = static_cast<uint64_t>(status.st_size);
    }
    ~FileStore() override {
        if (m_fd >= 0)
            close(m_fd);
    }
    bool is_open() const { return m_fd >= 0; }
    uint64_t size() const override { return m_size; }
    ErrorOr<void> read_block(uint64_t block, uint32_t block_size, uint8_t* buffer) override {
        if ((block + 1) * block_size > m_size)
            return Errno::IoError;
        if (pread(m_fd, buffer, block_size, static_cast<off_t>(block * block_size)) != ssize_t(block_size))
            return Errno::IoError;
        ++reads;
        return {};
    }
    ErrorOr<void> write_block(uint64_t block, uint32_t block_size, const uint8_t* buffer) override {
        if ((block + 1) * block_size > m_size)
            return Errno::IoError;
        if (pwrite(m_fd, buffer, block_size, static_cast<off_t>(block * block_size)) != ssize_t(block_size))
            return Errno::IoError;
        ++writes;
        return {};
    }
    ErrorOr<void> flush() override { return {}; }
    uint64_t reads = 0, writes = 0;

private:
    int m_fd = -1;
    uint64_t m_size = 0;
};

// Blocks in memory (the fuzz test's mutated images).
class MemoryStore final : public BlockStore {
public:
    explicit MemoryStore(std::vector<uint8_t> bytes) : m_bytes(std::move(bytes)) {}
    uint64_t size() const override { return m_bytes.size(); }
    ErrorOr<void> read_block(uint64_t block, uint32_t block_size, uint8_t* buffer) override {
        if (block >= m_bytes.size() / block_size)
            return Errno::IoError;
        std::copy_n(m_bytes.data() + block * block_size, block_size, buffer);
        return {};
    }
    ErrorOr<void> write_block(uint64_t block, uint32_t block_size, const uint8_t* buffer) override {
        if (block >= m_bytes.size() / block_size)
            return Errno::IoError;
        std::copy_n(buffer, block_size, m_bytes.data() + block * block_size);
        return {};
    }
    ErrorOr<void> flush() override { return {}; }
    ErrorOr<const uint8_t*> borrow_block(uint64_t block, uint32_t block_size) override {
        if (!lend || block >= m_bytes.size() / block_size)
            return Errno::NotSupported;
        ++lent;
        ++outstanding;
        return m_bytes.data() + block * block_size;
    }
    void return_block(uint64_t, uint32_t) override { --outstanding; }
    std::vector<uint8_t>& bytes() { return m_bytes; }
    bool lend = false;
    uint64_t lent = 0;
    int64_t outstanding = 0;

private:
    std::vector<uint8_t> m_bytes;
};

// mke2fs -t ext2 -b BLOCK -d SOURCE `options` into `image` of `size` (e.g. "8M").
inline CommandResult make_image(const std::string& image, uint32_t block_size, const std::string& source,
                                const std::string& size, const std::string& options = "") {
    std::string command = find_tool("mke2fs") + " -q -t ext2 -b " + std::to_string(block_size) + " " +
                          options + " -E root_owner=0:0" +
                          (source.empty() ? "" : " -d " + shell_quote(source)) + " -F " + shell_quote(image) +
                          " " + size;
    return run_command(command);
}

inline CommandResult e2fsck(const std::string& image) {
    return run_command(find_tool("e2fsck") + " -fn " + shell_quote(image));
}

inline std::string debugfs(const std::string& image, const std::string& request, bool writable = false) {
    return run_command(find_tool("debugfs") + (writable ? " -w" : "") + " -R " + shell_quote(request) + " " +
                       shell_quote(image))
        .output;
}

// The numbers debugfs's "blocks" prints for a path: every block of the file, indirect ones included.
inline std::vector<uint64_t> debugfs_block_numbers(const std::string& image, const std::string& path) {
    std::string listed = debugfs(image, "blocks " + path);
    std::vector<uint64_t> blocks;
    size_t newline = listed.find('\n'); // the banner
    std::string numbers = newline == std::string::npos ? listed : listed.substr(newline + 1);
    for (size_t at = 0; at < numbers.size();) {
        size_t end = numbers.find_first_of(" \n", at);
        if (end == std::string::npos)
            end = numbers.size();
        if (end > at && numbers[at] >= '0' && numbers[at] <= '9')
            blocks.push_back(std::stoull(numbers.substr(at, end - at)));
        at = end + 1;
    }
    return blocks;
}

// The file's bytes as debugfs reads them (its first line is debugfs's banner on stderr: dumped to a
// file instead).
inline std::string debugfs_cat(const std::string& image, const std::string& path,
                               const std::string& scratch) {
    run_command(find_tool("debugfs") + " -R " + shell_quote("dump " + path + " " + scratch) + " " +
                shell_quote(image));
    FILE* file = fopen(scratch.c_str(), "rb");
    if (!file)
        return "<missing>";
    std::string bytes;
    char chunk[65536];
    size_t count;
    while ((count = fread(chunk, 1, sizeof chunk, file)) > 0)
        bytes.append(chunk, count);
    fclose(file);
    unlink(scratch.c_str());
    return bytes;
}

inline void write_file(const std::string& path, const std::string& bytes) {
    FILE* file = fopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr) << path;
    fwrite(bytes.data(), 1, bytes.size(), file);
    fclose(file);
}

// Deterministic bytes that differ per position and seed, so a misplaced block shows.
inline std::string pattern(size_t length, uint32_t seed) {
    std::string bytes(length, '\0');
    uint32_t state = seed * 2654435761u + 1;
    for (size_t i = 0; i < length; ++i) {
        state = state * 1103515245u + 12345u;
        bytes[i] = static_cast<char>(state >> 16);
    }
    return bytes;
}

inline std::string text(ktl::StringView view) {
    return std::string(view.data(), view.length());
}

inline std::string read_all(FileSystem& fs, InodeNumber inode) {
    auto metadata = fs.metadata(inode);
    if (metadata.is_error())
        return "<error>";
    std::string bytes(metadata.value().size, '\0');
    auto read = fs.read(inode, 0, reinterpret_cast<uint8_t*>(bytes.data()), bytes.size());
    if (read.is_error() || read.value() != bytes.size())
        return "<short read>";
    return bytes;
}

inline ErrorOr<size_t> write_string(FileSystem& fs, InodeNumber inode, uint64_t offset,
                                    const std::string& bytes) {
    return fs.write(inode, offset, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Resolves a path from the root, one lookup per component.
inline ErrorOr<InodeNumber> resolve(FileSystem& fs, const std::string& path) {
    InodeNumber inode = root_inode;
    size_t start = 0;
    while (start < path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        if (end > start)
            inode = TRY(fs.lookup(inode, ktl::StringView(path.data() + start, end - start)));
        start = end + 1;
    }
    return inode;
}

inline std::vector<std::string> list(FileSystem& fs, InodeNumber directory) {
    std::vector<std::string> names;
    auto listed = fs.read_directory(directory, 0, [&](const DirectoryEntry& entry) {
        names.push_back(text(entry.name));
        return true;
    });
    if (listed.is_error())
        names.push_back("<error>");
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace ext2::test
