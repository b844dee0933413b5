// Thin POSIX helpers for the runner: starting and reaping child processes, sockets, files. Errors come
// back as message strings; nothing here prints.
#pragma once

#include "exit_status.h"

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace runner {

// An owned file descriptor, closed on destruction.
class FileDescriptor {
public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : m_fd(other.release()) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept;
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { reset(); }

    int get() const { return m_fd; }
    bool is_open() const { return m_fd >= 0; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd = -1);

private:
    int m_fd = -1;
};

struct SpawnOptions {
    int stdin_fd = -1;  // -1: inherit the runner's.
    int stdout_fd = -1; // -1: inherit.
    int stderr_fd = -1; // -1: inherit.
    // A process group of its own keeps the terminal's Ctrl-C away from the child.
    bool new_process_group = false;
};

// Starts argv[0] (looked up in PATH) and returns its pid, or an error message (exec failures included).
struct SpawnResult {
    pid_t pid = -1;
    std::string error;
};
SpawnResult spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

// Non-blocking reap: the termination once the child has ended.
std::optional<QemuTermination> try_reap(pid_t pid);

// Blocking reap, for short helper programs (xorriso).
QemuTermination wait_for_exit(pid_t pid);

// The full path of an executable found in PATH.
std::optional<std::string> find_in_path(std::string_view name);

bool file_exists(const std::string& path);
std::optional<std::string> read_text_file(const std::string& path);
// An absolute version of path (relative to the current directory); the file need not exist.
std::string absolute_path(const std::string& path);

// Creates path and any missing parents (like mkdir -p). False with errno set on failure.
bool make_directories(const std::string& path);

// Writes everything, retrying on EINTR and short writes. False on error (EPIPE included).
bool write_all(int fd, std::string_view data);

// A pipe whose ends are close-on-exec; the read end non-blocking.
bool make_pipe(FileDescriptor& read_end, FileDescriptor& write_end);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
std::optional<int> find_free_tcp_port();

// Connects to a unix socket; an unopened descriptor if nothing listens there (yet).
FileDescriptor connect_unix_socket(const std::string& path);

// Whether /dev/kvm opens read-write.
bool kvm_device_usable();

// A fresh private directory under $TMPDIR (or /tmp).
std::optional<std::string> make_temp_directory(std::string_view prefix);

} // namespace runner
