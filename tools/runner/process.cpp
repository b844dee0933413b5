// POSIX helpers for the runner; see process.h.
#include "process.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace runner {

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
    if (this != &other)
        reset(other.release());
    return *this;
}

void FileDescriptor::reset(int fd) {
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = fd;
}

SpawnResult spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options) {
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<char*> c_argv;
    for (const auto& arg : argv)
        c_argv.push_back(const_cast<char*>(arg.c_str()));
    c_argv.push_back(nullptr);

    // The child reports a failed exec through this pipe; a successful exec closes it (O_CLOEXEC).
    int status_pipe[2];
    if (::pipe2(status_pipe, O_CLOEXEC) != 0)
        return {-1, std::string("pipe: ") + std::strerror(errno)};

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        int error = errno;
        ::close(status_pipe[0]);
        ::close(status_pipe[1]);
        return {-1, std::string("fork: ") + std::strerror(error)};
    }
    if (pid == 0) {
        ::close(status_pipe[0]);
        if (options.new_process_group)
            ::setpgid(0, 0);
        // A runner killed outright must not leave QEMU running unseen.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent)
            ::_exit(127);
        // Ignored signals stay ignored across exec; the child starts with the defaults instead.
        for (int signal_number : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGQUIT})
            ::signal(signal_number, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (options.stdin_fd >= 0)
            ::dup2(options.stdin_fd, STDIN_FILENO);
        if (options.stdout_fd >= 0)
            ::dup2(options.stdout_fd, STDOUT_FILENO);
        if (options.stderr_fd >= 0)
            ::dup2(options.stderr_fd, STDERR_FILENO);
        ::execvp(c_argv[0], c_argv.data());
        int error = errno;
        [[maybe_unused]] auto written = ::write(status_pipe[1], &error, sizeof error);
        ::_exit(127);
    }

    ::close(status_pipe[1]);
    int child_errno = 0;
    ssize_t got;
    do {
        got = ::read(status_pipe[0], &child_errno, sizeof child_errno);
    } while (got < 0 && errno == EINTR);
    ::close(status_pipe[0]);
    if (got == sizeof child_errno) {
        ::waitpid(pid, nullptr, 0);
        return {-1, "cannot run " + argv[0] + ": " + std::strerror(child_errno)};
    }
    return {pid, {}};
}

std::optional<QemuTermination> try_reap(pid_t pid) {
    int status = 0;
    pid_t result;
    do {
        result = ::waitpid(pid, &status, WNOHANG);
    } while (result < 0 && errno == EINTR);
    if (result != pid)
        return std::nullopt;
    if (WIFSIGNALED(status))
        return QemuTermination::signaled(WTERMSIG(status));
    return QemuTermination::exited(WEXITSTATUS(status));
}

QemuTermination wait_for_exit(pid_t pid) {
    int status = 0;
    pid_t result;
    do {
        result = ::waitpid(pid, &status, 0);
    } while (result < 0 && errno == EINTR);
    if (result != pid)
        return QemuTermination::exited(127);
    if (WIFSIGNALED(status))
        return QemuTermination::signaled(WTERMSIG(status));
    return QemuTermination::exited(WEXITSTATUS(status));
}

std::optional<std::string> find_in_path(std::string_view name) {
    if (name.find('/') != std::string_view::npos) {
        std::string path(name);
        return ::access(path.c_str(), X_OK) == 0 ? std::optional(path) : std::nullopt;
    }
    const char* path_variable = std::getenv("PATH");
    std::string_view directories = path_variable ? path_variable : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        auto colon = directories.find(':');
        std::string directory(directories.substr(0, colon));
        std::string candidate = (directory.empty() ? "." : directory) + "/" + std::string(name);
        struct stat info;
        if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (colon == std::string_view::npos)
            return std::nullopt;
        directories.remove_prefix(colon + 1);
    }
}

bool file_exists(const std::string& path) {
    struct stat info;
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::optional<std::string> read_text_file(const std::string& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.is_open())
        return std::nullopt;
    std::string text;
    char buffer[4096];
    while (true) {
        ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return std::nullopt;
        if (got == 0)
            return text;
        text.append(buffer, static_cast<size_t>(got));
    }
}

std::string absolute_path(const std::string& path) {
    if (path.starts_with("/"))
        return path;
    char directory[PATH_MAX];
    if (!::getcwd(directory, sizeof directory))
        return path;
    return std::string(directory) + "/" + path;
}

bool make_directories(const std::string& path) {
    struct stat info;
    if (path.empty() || ::stat(path.c_str(), &info) == 0)
        return true;
    auto slash = path.find_last_of('/');
    if (slash != std::string::npos && slash > 0 && !make_directories(path.substr(0, slash)))
        return false;
    return ::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        data.remove_prefix(static_cast<size_t>(written));
    }
    return true;
}

bool make_pipe(FileDescriptor& read_end, FileDescriptor& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return false;
    ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    return true;
}

std::optional<int> find_free_tcp_port() {
    FileDescriptor fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.is_open())
        return std::nullopt;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        return std::nullopt;
    socklen_t length = sizeof address;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return std::nullopt;
    return ntohs(address.sin_port);
}

FileDescriptor connect_unix_socket(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        return {};
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    FileDescriptor fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.is_open())
        return {};
    int result;
    do {
        result = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
    } while (result != 0 && errno == EINTR);
    if (result != 0)
        return {};
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
    return fd;
}

bool kvm_device_usable() {
    FileDescriptor fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    return fd.is_open();
}

std::optional<std::string> make_temp_directory(std::string_view prefix) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string base = tmpdir && *tmpdir ? tmpdir : "/tmp";
    std::string pattern = base + "/" + std::string(prefix) + ".XXXXXX";
    if (!::mkdtemp(pattern.data()))
        return std::nullopt;
    return pattern;
}

} // namespace runner
