// Job control through a pseudo-terminal: the shell is a session leader on its own terminal, as
// on a console, and the test types keys and reads the screen. ^Z and ^C come from the terminal's
// line discipline, so these check the process groups and the terminal's foreground group.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// The prompt ends "$ ", or "# " for root, after the directory (and a nonzero status).
std::string prompt_end() {
    return geteuid() == 0 ? " # " : " $ ";
}

class TerminalSession {
public:
    TerminalSession() {
        m_master = posix_openpt(O_RDWR | O_NOCTTY);
        EXPECT_GE(m_master, 0);
        grantpt(m_master);
        unlockpt(m_master);
        std::string slave_name = ptsname(m_master);
        char home[] = "/tmp/shell-pty-XXXXXX";
        m_home = mkdtemp(home);
        m_pid = fork();
        if (m_pid == 0) {
            setsid();
            int slave = open(slave_name.c_str(), O_RDWR);
            ioctl(slave, TIOCSCTTY, 0);
            dup2(slave, 0);
            dup2(slave, 1);
            dup2(slave, 2);
            if (slave > 2)
                close(slave);
            setenv("HOME", m_home.c_str(), 1);
            setenv("PATH", "/usr/bin:/bin", 1);
            execl(BLOG_OS_SHELL_BINARY, "sh", static_cast<char*>(nullptr));
            _exit(127);
        }
    }
    ~TerminalSession() {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
        close(m_master);
        std::string command = "rm -rf " + m_home;
        (void)!system(command.c_str());
    }

    void type(std::string_view keys) { (void)!write(m_master, keys.data(), keys.size()); }

    // Waits (up to 10 s) for `text` in what the shell printed since the last match.
    bool expect(std::string_view text) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (;;) {
            size_t found = m_screen.find(text, m_seen);
            if (found != std::string::npos) {
                m_seen = found + text.size();
                return true;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                ADD_FAILURE() << "never saw \"" << text << "\" in:\n" << m_screen.substr(m_seen);
                return false;
            }
            pollfd poller{m_master, POLLIN, 0};
            if (poll(&poller, 1, static_cast<int>(left.count())) <= 0)
                continue;
            char buffer[1024];
            ssize_t length = read(m_master, buffer, sizeof(buffer));
            if (length <= 0) {
                ADD_FAILURE() << "terminal closed before \"" << text << "\"";
                return false;
            }
            m_screen.append(buffer, static_cast<size_t>(length));
        }
    }

    // Runs `cat` in the foreground and waits until it echoes: the terminal is then its own.
    void start_cat() {
        type("cat\r");
        ASSERT_TRUE(expect("cat\x1b[K\r\r\n"));
        // Keys typed before the shell hands the terminal back to canonical mode would be read raw.
        usleep(300 * 1000);
        type("ping\r");
        ASSERT_TRUE(expect("ping\r\nping\r\n"));
    }

private:
    int m_master = -1;
    pid_t m_pid = -1;
    std::string m_home;
    std::string m_screen;
    size_t m_seen = 0;
};

} // namespace

TEST(ShellJobControl, ControlZStopsTheForegroundJobAndFgResumesIt) {
    TerminalSession session;
    ASSERT_TRUE(session.expect(prompt_end()));
    session.start_cat();
    session.type("\x1a");
    ASSERT_TRUE(session.expect("[1]+  Stopped    cat"));
    session.type("jobs\r");
    ASSERT_TRUE(session.expect("[1]   Stopped    cat"));
    session.type("fg\r");
    ASSERT_TRUE(session.expect("cat\r\n"));
    session.type("pong\r");
    ASSERT_TRUE(session.expect("pong\r\npong\r\n"));
    session.type("\x04");
    session.type("echo status $?\r");
    ASSERT_TRUE(session.expect("status 0"));
}

TEST(ShellJobControl, ControlCReachesTheForegroundJobOnly) {
    TerminalSession session;
    ASSERT_TRUE(session.expect(prompt_end()));
    session.start_cat();
    session.type("\x03");
    ASSERT_TRUE(session.expect(std::string("[130]") + prompt_end()));
    session.type("echo alive $?\r");
    ASSERT_TRUE(session.expect("alive 130"));
}

TEST(ShellJobControl, BackgroundJobsRunInTheirOwnGroupAndBgContinuesThem) {
    TerminalSession session;
    ASSERT_TRUE(session.expect(prompt_end()));
    session.type("sleep 30 &\r");
    ASSERT_TRUE(session.expect("[1] "));
    session.type("jobs\r");
    ASSERT_TRUE(session.expect("[1]   Running    sleep 30"));
    session.start_cat();
    session.type("\x1a");
    ASSERT_TRUE(session.expect("[2]+  Stopped    cat"));
    session.type("bg %2\r");
    ASSERT_TRUE(session.expect("[2] cat &"));
    // A background job reading the terminal is stopped by SIGTTIN, not given the input.
    session.type("kill %1; wait %1; echo killed $?\r");
    ASSERT_TRUE(session.expect("killed 143"));
}

// POSIX: an interactive shell ignores SIGTERM (init's shutdown round sends it to everyone), but
// the commands it starts get the default action back.
TEST(ShellJobControl, AnInteractiveShellSurvivesSigtermAndItsCommandsDoNot) {
    TerminalSession session;
    ASSERT_TRUE(session.expect(prompt_end()));
    session.type("kill -TERM $$; echo survived\r");
    ASSERT_TRUE(session.expect("survived"));
    session.type("sh -c 'kill -TERM $$; echo not reached'; echo child $?\r");
    ASSERT_TRUE(session.expect("child 143"));
}
