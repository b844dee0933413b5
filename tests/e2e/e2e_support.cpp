#include "e2e_support.h"

#include <cstdio>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace e2e {

std::string test_log_path(const std::string& file_name) {
    return std::string(BLOG_OS_TEST_LOG_DIR) + "/" + file_name;
}

std::string read_file(const std::string& path) {
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream contents;
    contents << stream.rdbuf();
    return contents.str();
}

std::string strip_terminal_codes(const std::string& text) {
    std::string plain;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
            i += 2;
            while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7e))
                ++i;
            continue;
        }
        if (text[i] != '\r')
            plain += text[i];
    }
    return plain;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

std::vector<std::string> complete_lines_of(const std::string& text) {
    size_t end = text.rfind('\n');
    return end == std::string::npos ? std::vector<std::string>() : lines_of(text.substr(0, end + 1));
}

RunResult run_kernel(const std::string& name, const std::vector<std::string>& arguments) {
    std::string serial_log = test_log_path("e2e-" + name + ".log");
    std::string json_log = test_log_path("e2e-" + name + ".json.log");
    std::string runner_errors = test_log_path("e2e-" + name + ".runner.txt");
    std::string runner_output = test_log_path("e2e-" + name + ".stdout.txt");
    std::remove(serial_log.c_str());
    std::remove(json_log.c_str());

    std::vector<std::string> argv_storage = {BLOG_OS_RUNNER, std::string("--iso=") + BLOG_OS_ISO,
                                             std::string("--kernel=") + BLOG_OS_KERNEL,
                                             "--serial-log=" + serial_log, "--headless"};
    argv_storage.insert(argv_storage.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& argument : argv_storage)
        argv.push_back(argument.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, runner_output.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, runner_errors.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    RunResult result;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
        int status = 0;
        waitpid(pid, &status, 0);
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    posix_spawn_file_actions_destroy(&actions);
    result.serial = strip_terminal_codes(read_file(serial_log));
    result.json_log = read_file(json_log);
    result.runner_errors = read_file(runner_errors);
    result.runner_output = read_file(runner_output);
    return result;
}

InteractiveRunner::InteractiveRunner(std::vector<std::string> arguments) {
    m_master = posix_openpt(O_RDWR | O_NOCTTY);
    if (m_master < 0 || grantpt(m_master) != 0 || unlockpt(m_master) != 0)
        return;
    std::string slave_name = ptsname(m_master);
    std::vector<std::string> argv_storage = {BLOG_OS_RUNNER, std::string("--kernel=") + BLOG_OS_KERNEL,
                                             "--headless"};
    argv_storage.insert(argv_storage.end(), arguments.begin(), arguments.end());
    m_pid = fork();
    if (m_pid == 0) {
        // A session of its own whose controlling terminal is the slave, as a login shell's is.
        setsid();
        int slave = open(slave_name.c_str(), O_RDWR);
        if (slave < 0)
            _exit(127);
        for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
            dup2(slave, fd);
        close(slave);
        close(m_master);
        std::vector<char*> argv;
        for (std::string& argument : argv_storage)
            argv.push_back(argument.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
}

InteractiveRunner::~InteractiveRunner() {
    if (m_pid > 0 && !m_exited) {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
    }
    if (m_master >= 0)
        close(m_master);
}

bool InteractiveRunner::wait_for(const std::string& text, int seconds) {
    for (int waited_ms = 0; waited_ms < seconds * 1000;) {
        std::string plain = strip_terminal_codes(m_output);
        if (size_t found = plain.find(text, m_checked); found != std::string::npos) {
            m_checked = found + text.size();
            return true;
        }
        pollfd poller{m_master, POLLIN, 0};
        int ready = poll(&poller, 1, 100);
        waited_ms += 100;
        if (ready <= 0)
            continue;
        char buffer[4096];
        ssize_t got = read(m_master, buffer, sizeof buffer);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue; // a signal or a spurious wake-up, not the end of the runner
        if (got <= 0)
            return false; // the runner closed the terminal (EIO): it has exited
        m_output.append(buffer, static_cast<size_t>(got));
    }
    return false;
}

bool InteractiveRunner::type(const std::string& keys) {
    return write(m_master, keys.data(), keys.size()) == ssize_t(keys.size());
}

int InteractiveRunner::exit_code(int seconds) {
    for (int waited_ms = 0; waited_ms < seconds * 1000; waited_ms += 100) {
        char buffer[4096];
        pollfd poller{m_master, POLLIN, 0};
        if (poll(&poller, 1, 0) > 0) {
            ssize_t got = read(m_master, buffer, sizeof buffer);
            if (got > 0)
                m_output.append(buffer, static_cast<size_t>(got));
        }
        int status = 0;
        if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_exited = true;
            // What it wrote last is still in the terminal.
            for (ssize_t got; poll(&poller, 1, 0) > 0 && (got = read(m_master, buffer, sizeof buffer)) > 0;)
                m_output.append(buffer, static_cast<size_t>(got));
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        usleep(100'000);
    }
    return -1;
}

// QEMU's screendump writes binary PPM: "P6\n<width> <height>\n255\n" then RGB bytes.
bool read_ppm(const std::string& bytes, Image& image) {
    unsigned width = 0, height = 0, max_value = 0;
    int header_length = 0;
    if (std::sscanf(bytes.c_str(), "P6 %u %u %u%n", &width, &height, &max_value, &header_length) != 3 ||
        max_value != 255)
        return false;
    size_t offset = size_t(header_length) + 1;
    if (bytes.size() < offset + size_t(width) * height * 3)
        return false;
    image.width = width;
    image.height = height;
    image.rgb.assign(bytes.begin() + offset, bytes.begin() + offset + size_t(width) * height * 3);
    return true;
}

} // namespace e2e
