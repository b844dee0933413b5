// The serial console typed at, as `make run` is: the runner runs on a pseudo-terminal (so it gives
// QEMU its terminal with signal=off) and the keys reach COM1. A line typed there reaches a job that
// took /dev/ttyS0 as its controlling terminal, Ctrl-T still lists the tasks, and Ctrl-C interrupts
// the job instead of killing QEMU.
#include "e2e_support.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using testing::HasSubstr;

namespace {

// The runner on the slave side of a pseudo-terminal; the test types at the master.
class InteractiveRunner {
public:
    explicit InteractiveRunner(std::vector<std::string> arguments) {
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
    ~InteractiveRunner() {
        if (m_pid > 0 && !m_exited) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
        if (m_master >= 0)
            close(m_master);
    }

    bool started() const { return m_master >= 0 && m_pid > 0; }

    // Reads the console until `text` has appeared since the last wait (or `seconds` pass); the
    // terminal codes are stripped first.
    bool wait_for(const std::string& text, int seconds = 60) {
        for (int waited_ms = 0; waited_ms < seconds * 1000;) {
            if (e2e::strip_terminal_codes(m_output).find(text, m_checked) != std::string::npos) {
                m_checked = e2e::strip_terminal_codes(m_output).find(text, m_checked) + text.size();
                return true;
            }
            pollfd poller{m_master, POLLIN, 0};
            int ready = poll(&poller, 1, 100);
            waited_ms += 100;
            if (ready <= 0)
                continue;
            char buffer[4096];
            ssize_t got = read(m_master, buffer, sizeof buffer);
            if (got <= 0)
                return false; // the runner closed the terminal: it has exited
            m_output.append(buffer, static_cast<size_t>(got));
        }
        return false;
    }

    void type(const std::string& keys) {
        ASSERT_EQ(write(m_master, keys.data(), keys.size()), ssize_t(keys.size()));
    }

    // The runner's exit code, once it has exited by itself (within `seconds`); -1 if it has not.
    int exit_code(int seconds = 60) {
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
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            usleep(100'000);
        }
        return -1;
    }

    std::string output() const { return e2e::strip_terminal_codes(m_output); }

private:
    int m_master = -1;
    pid_t m_pid = -1;
    bool m_exited = false;
    std::string m_output;
    size_t m_checked = 0;
};

TEST(SerialConsole, TypedKeysReachTheForegroundJobAndCtrlCInterruptsIt) {
    InteractiveRunner runner({"--direct", "--firmware=bios", "--timeout=120",
                              "--serial-log=" + e2e::test_log_path("e2e-serial-console.log"),
                              "--cmdline=init=/tests/tty_test -- --child serial_console_job"});
    ASSERT_TRUE(runner.started());
    ASSERT_TRUE(runner.wait_for("Ctrl-A X")) << runner.output(); // the banner names the way out
    ASSERT_TRUE(runner.wait_for("serial job: ready")) << runner.output();
    runner.type("\x14"); // Ctrl-T: the kernel lists its tasks, the job sees nothing
    ASSERT_TRUE(runner.wait_for("tty-input")) << runner.output();
    runner.type("hello\r");
    ASSERT_TRUE(runner.wait_for("serial job: read 'hello'")) << runner.output();
    runner.type("\x03");
    ASSERT_TRUE(runner.wait_for("serial job: ended by SIGINT")) << runner.output();
    EXPECT_EQ(runner.exit_code(), 0) << runner.output(); // init's exit stops the machine: QEMU survived ^C
}

} // namespace
