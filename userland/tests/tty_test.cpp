// Terminals through a pseudo-terminal pair: posix_openpt/unlockpt/ptsname, canonical line editing,
// echo, output processing, raw reads with VMIN and VTIME, the window size, and job control (a child
// in a new session takes the slave as its controlling terminal; ^C, ^Z, background reads and the
// master's close reach it as signals). Every check passes on a Linux host too. Children report over
// pipes; poll's timeouts only keep a broken kernel from hanging the test.
#include "test/test.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace {

struct Pty {
    int master = -1;
    int slave = -1;
    ~Pty() {
        if (master >= 0)
            close(master);
        if (slave >= 0)
            close(slave);
    }
};

// A pair with the slave opened O_NOCTTY: the test process never takes it as its terminal.
bool open_pty(Pty& pty) {
    pty.master = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty.master < 0 || grantpt(pty.master) != 0 || unlockpt(pty.master) != 0) {
        printf("  posix_openpt/grantpt/unlockpt: %s\n", strerror(errno));
        return false;
    }
    const char* name = ptsname(pty.master);
    pty.slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
    if (pty.slave < 0) {
        printf("  open(%s): %s\n", name ? name : "(null)", strerror(errno));
        return false;
    }
    return true;
}

// What a read brought: a few hundred bytes at most here.
struct Text {
    char data[512];
    size_t size = 0;
    void append(const char* bytes, size_t count) {
        for (size_t i = 0; i < count && size < sizeof data; ++i)
            data[size++] = bytes[i];
    }
    std::string_view view() const { return {data, size}; }
};

void write_text(int fd, std::string_view text) {
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        printf("  write: %s\n", strerror(errno));
}

// Reads until `size` bytes have come (or 5 s pass without any).
Text read_exactly(int fd, size_t size) {
    Text text;
    while (text.size < size) {
        pollfd poller{fd, POLLIN, 0};
        if (poll(&poller, 1, 5000) <= 0)
            break;
        char buffer[256];
        ssize_t got = read(fd, buffer, size - text.size < sizeof buffer ? size - text.size : sizeof buffer);
        if (got <= 0)
            break;
        text.append(buffer, static_cast<size_t>(got));
    }
    return text;
}

Text read_once(int fd) {
    char buffer[256];
    ssize_t got = read(fd, buffer, sizeof buffer);
    Text text;
    if (got > 0)
        text.append(buffer, static_cast<size_t>(got));
    return text;
}

// Nothing more queued on `fd` (what echo sent has all been read).
bool nothing_more(int fd) {
    pollfd poller{fd, POLLIN, 0};
    return poll(&poller, 1, 0) == 0;
}

void set_local_flags(int fd, tcflag_t on, tcflag_t off, int minimum = -1, int time = -1) {
    termios mode{};
    tcgetattr(fd, &mode);
    mode.c_lflag = (mode.c_lflag | on) & ~off;
    if (minimum >= 0)
        mode.c_cc[VMIN] = static_cast<cc_t>(minimum);
    if (time >= 0)
        mode.c_cc[VTIME] = static_cast<cc_t>(time);
    tcsetattr(fd, TCSANOW, &mode);
}

uint64_t now_ms() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000 + static_cast<uint64_t>(now.tv_nsec) / 1'000'000;
}

// A child that starts a session and takes the slave as its controlling terminal, writes one byte
// to `ready` and then runs `body`, exiting with what it returns.
template <typename Body>
pid_t session_child(Pty& pty, int ready, Body body) {
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    close(pty.master);
    if (setsid() < 0 || ioctl(pty.slave, TIOCSCTTY, 0) != 0)
        _exit(90);
    (void)!write(ready, "r", 1);
    _exit(body());
}

bool wait_ready(int ready) {
    char byte = 0;
    return read(ready, &byte, 1) == 1;
}

} // namespace

TEST(ptmx_gives_a_locked_slave_that_unlockpt_opens) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ASSERT_TRUE(master >= 0);
    unsigned index = 1000;
    EXPECT_EQ(ioctl(master, TIOCGPTN, &index), 0);
    char name[32];
    snprintf(name, sizeof name, "/dev/pts/%u", index);
    EXPECT_ERRNO(open(name, O_RDWR | O_NOCTTY), EIO);
    EXPECT_EQ(grantpt(master), 0);
    EXPECT_EQ(unlockpt(master), 0);
    EXPECT_STREQ(ptsname(master), name);
    int slave = open(name, O_RDWR | O_NOCTTY);
    EXPECT_TRUE(slave >= 0);
    struct stat status {};
    EXPECT_EQ(stat(name, &status), 0);
    EXPECT_TRUE(S_ISCHR(status.st_mode));
    EXPECT_EQ(major(status.st_rdev), 136u);
    EXPECT_EQ(minor(status.st_rdev), index);
    EXPECT_EQ(status.st_mode & 0600, 0600u); // the owner reads and writes, others do not
    EXPECT_EQ(status.st_mode & 0007, 0u);
    EXPECT_EQ(status.st_uid, geteuid());
    EXPECT_TRUE(isatty(slave));
    EXPECT_TRUE(isatty(master));
    close(slave);
    close(master);
}

TEST(canonical_mode_edits_the_line_with_erase_kill_and_werase) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.master, "abc\x7f"
                           "d\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("abd\n"));
    EXPECT_EQ(read_exactly(pty.master, 12).view(), std::string_view("abc\b \bd\r\n"));
    write_text(pty.master, "xyz\x15hi\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("hi\n"));
    write_text(pty.master, "one two\x17three\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("one three\n"));
}

TEST(eof_ends_a_read_without_a_newline_and_alone_reads_as_end_of_file) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.master, "end\x04\x04");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("end"));
    char byte;
    EXPECT_EQ(read(pty.slave, &byte, 1), 0);
}

TEST(a_line_is_not_readable_until_it_ends) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.master, "part");
    EXPECT_EQ(read_exactly(pty.master, 4).view(),
              std::string_view("part")); // its echo: the line has been taken in
    pollfd poller{pty.slave, POLLIN, 0};
    EXPECT_EQ(poll(&poller, 1, 0), 0);
    int available = -1;
    EXPECT_EQ(ioctl(pty.slave, FIONREAD, &available), 0);
    EXPECT_EQ(available, 0);
    write_text(pty.master, "\n");
    EXPECT_EQ(read_exactly(pty.master, 2).view(), std::string_view("\r\n"));
    EXPECT_EQ(ioctl(pty.slave, FIONREAD, &available), 0);
    EXPECT_EQ(available, 5);
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("part\n"));
}

TEST(icrnl_turns_a_typed_return_into_a_newline) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.master, "hello\r");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("hello\n"));
    EXPECT_EQ(read_exactly(pty.master, 7).view(), std::string_view("hello\r\n"));
}

TEST(echoctl_shows_control_characters_as_caret_letters) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.master, "a\x01"
                           "b\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("a\x01"
                                                            "b\n"));
    EXPECT_EQ(read_exactly(pty.master, 6).view(), std::string_view("a^Ab\r\n"));
    // ^C with no foreground group: the line goes, "^C" shows.
    write_text(pty.master, "x");
    EXPECT_EQ(read_exactly(pty.master, 1).view(), std::string_view("x"));
    write_text(pty.master, "\x03");
    EXPECT_EQ(read_exactly(pty.master, 2).view(), std::string_view("^C"));
    write_text(pty.master, "y\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("y\n"));
}

TEST(lnext_takes_the_next_character_literally) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.master, "\x16\x15z\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("\x15z\n"));
}

TEST(echo_off_echoes_nothing) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    set_local_flags(pty.slave, 0, ECHO);
    write_text(pty.master, "secret\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("secret\n"));
    EXPECT_TRUE(nothing_more(pty.master));
}

TEST(onlcr_turns_output_newlines_into_return_newline_until_opost_is_off) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.slave, "a\nb");
    EXPECT_EQ(read_exactly(pty.master, 4).view(), std::string_view("a\r\nb"));
    termios mode{};
    ASSERT_EQ(tcgetattr(pty.slave, &mode), 0);
    mode.c_oflag &= ~OPOST;
    ASSERT_EQ(tcsetattr(pty.slave, TCSANOW, &mode), 0);
    write_text(pty.slave, "c\nd");
    EXPECT_EQ(read_exactly(pty.master, 3).view(), std::string_view("c\nd"));
}

TEST(default_termios_is_linuxs) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    termios mode{};
    ASSERT_EQ(tcgetattr(pty.slave, &mode), 0);
    EXPECT_EQ(mode.c_iflag & (ICRNL | INLCR | IGNCR), static_cast<tcflag_t>(ICRNL));
    EXPECT_EQ(mode.c_oflag & (OPOST | ONLCR), static_cast<tcflag_t>(OPOST | ONLCR));
    tcflag_t local = ECHO | ECHOE | ECHOK | ECHOCTL | ICANON | ISIG | IEXTEN;
    EXPECT_EQ(mode.c_lflag & local, local);
    EXPECT_EQ(mode.c_cc[VINTR], 3);
    EXPECT_EQ(mode.c_cc[VQUIT], 0x1c);
    EXPECT_EQ(mode.c_cc[VERASE], 0x7f);
    EXPECT_EQ(mode.c_cc[VKILL], 0x15);
    EXPECT_EQ(mode.c_cc[VEOF], 4);
    EXPECT_EQ(mode.c_cc[VSUSP], 0x1a);
    EXPECT_EQ(mode.c_cc[VWERASE], 0x17);
    EXPECT_EQ(mode.c_cc[VLNEXT], 0x16);
    EXPECT_EQ(mode.c_cc[VMIN], 1);
    EXPECT_EQ(mode.c_cc[VTIME], 0);
}

TEST(raw_mode_reads_follow_vmin_and_vtime) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    set_local_flags(pty.slave, 0, ICANON | ECHO | ISIG, 0, 0);
    char buffer[16];
    // VMIN 0, VTIME 0: whatever is there, at once.
    EXPECT_EQ(read(pty.slave, buffer, sizeof buffer), 0);
    // VMIN 0, VTIME 1: nothing for a tenth of a second reads as 0.
    set_local_flags(pty.slave, 0, 0, 0, 1);
    uint64_t start = now_ms();
    EXPECT_EQ(read(pty.slave, buffer, sizeof buffer), 0);
    EXPECT_GE(now_ms() - start, 50u);
    // VMIN 2, VTIME 0: waits for two bytes; more are returned when there.
    set_local_flags(pty.slave, 0, 0, 2, 0);
    write_text(pty.master, "x");
    int result[2];
    ASSERT_EQ(pipe(result), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char got[16];
        ssize_t count = read(pty.slave, got, sizeof got);
        (void)!write(result[1], got, count > 0 ? static_cast<size_t>(count) : 0);
        _exit(0);
    }
    write_text(pty.master, "y");
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    close(result[1]);
    EXPECT_EQ(read_once(result[0]).view(), std::string_view("xy"));
    close(result[0]);
    write_text(pty.master, "abcd");
    EXPECT_EQ(read_exactly(pty.slave, 4).view(), std::string_view("abcd"));
    // VMIN 5, VTIME 1: the inter-byte timer ends the read with fewer.
    set_local_flags(pty.slave, 0, 0, 5, 1);
    write_text(pty.master, "ab");
    EXPECT_EQ(read(pty.slave, buffer, sizeof buffer), 2);
}

TEST(tcsetsf_flushes_pending_input) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.master, "old\n");
    EXPECT_EQ(read_exactly(pty.master, 5).view(), std::string_view("old\r\n"));
    termios mode{};
    ASSERT_EQ(tcgetattr(pty.slave, &mode), 0);
    ASSERT_EQ(tcsetattr(pty.slave, TCSAFLUSH, &mode), 0);
    write_text(pty.master, "new\n");
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("new\n"));
    EXPECT_EQ(tcflush(pty.slave, TCIFLUSH), 0);
}

TEST(job_control_ioctls_need_the_controlling_terminal) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    EXPECT_ERRNO(tcgetpgrp(pty.slave), ENOTTY);
    EXPECT_ERRNO(tcgetsid(pty.slave), ENOTTY);
    EXPECT_ERRNO(tcsetpgrp(pty.slave, getpgrp()), ENOTTY);
    int not_a_terminal[2];
    ASSERT_EQ(pipe(not_a_terminal), 0);
    termios mode{};
    EXPECT_ERRNO(tcgetattr(not_a_terminal[0], &mode), ENOTTY);
    close(not_a_terminal[0]);
    close(not_a_terminal[1]);
}

TEST(a_session_leader_acquires_the_slave_it_opens_and_dev_tty_reaches_it) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    const char* name = ptsname(pty.master);
    pid_t parent_group = getpgrp();
    pid_t pid = fork();
    if (pid == 0) {
        if (setsid() < 0)
            _exit(1);
        if (open("/dev/tty", O_RDWR) >= 0 || errno != ENXIO)
            _exit(2);
        int fd = open(name, O_RDWR);
        if (fd < 0)
            _exit(3);
        if (tcgetpgrp(fd) != getpid() || tcgetsid(fd) != getpid())
            _exit(4);
        int tty = open("/dev/tty", O_RDWR);
        if (tty < 0 || !isatty(tty))
            _exit(5);
        if (tcsetpgrp(fd, 999999) == 0 || errno != ESRCH)
            _exit(6);
        if (tcsetpgrp(fd, parent_group) == 0 || errno != EPERM) // a group of another session
            _exit(8);
        if (write(tty, "via tty\n", 8) != 8)
            _exit(7);
        _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(read_exactly(pty.master, 9).view(), std::string_view("via tty\r\n"));
}

// What ps reads: /proc/PID/stat's pgrp, session, tty_nr (the terminal's st_rdev, in the kernel's
// 32-bit encoding) and tpgid (the terminal's foreground group, -1 without a terminal).
TEST(proc_stat_shows_the_group_session_and_controlling_terminal) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    struct stat slave_status {};
    ASSERT_EQ(fstat(pty.slave, &slave_status), 0);
    unsigned expected_tty = (minor(slave_status.st_rdev) & 0xff) | (major(slave_status.st_rdev) << 8) |
                            ((minor(slave_status.st_rdev) & ~0xffu) << 12);
    int pipe_ends[2];
    ASSERT_EQ(pipe(pipe_ends), 0);
    pid_t pid = session_child(pty, pipe_ends[1], [&] {
        pid_t job = fork();
        if (job == 0) { // a second group, put in the foreground
            setpgid(0, 0);
            pause();
            _exit(0);
        }
        setpgid(job, job);
        if (tcsetpgrp(pty.slave, job) != 0)
            return 10;
        auto fields = [](pid_t of, long& group, long& session, long& tty, long& foreground) {
            char path[64];
            snprintf(path, sizeof(path), "/proc/%d/stat", of);
            FILE* file = fopen(path, "r");
            if (!file)
                return false;
            char state = 0;
            long parent = 0;
            // "pid (comm) state ppid pgrp session tty_nr tpgid": comm has no spaces here.
            bool read = fscanf(file, "%*d %*s %c %ld %ld %ld %ld %ld", &state, &parent, &group, &session,
                               &tty, &foreground) == 6;
            fclose(file);
            return read;
        };
        long group = 0, session = 0, tty = 0, foreground = 0;
        int result = 0;
        if (!fields(getpid(), group, session, tty, foreground))
            result = 11;
        else if (group != getpid() || session != getpid())
            result = 12;
        else if (tty != static_cast<long>(expected_tty))
            result = 13;
        else if (foreground != job)
            result = 14;
        else if (!fields(job, group, session, tty, foreground) || group != job || session != getpid())
            result = 15;
        kill(job, SIGKILL);
        waitpid(job, nullptr, 0);
        return result;
    });
    ASSERT_TRUE(wait_ready(pipe_ends[0]));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    // The test process itself: its own group and session, whatever terminal it has.
    FILE* file = fopen("/proc/self/stat", "r");
    ASSERT_TRUE(file != nullptr);
    long group = 0, session = 0, tty = 0, foreground = 0;
    char state = 0;
    long parent = 0;
    ASSERT_EQ(
        fscanf(file, "%*d %*s %c %ld %ld %ld %ld %ld", &state, &parent, &group, &session, &tty, &foreground),
        6);
    fclose(file);
    EXPECT_EQ(group, getpgrp());
    EXPECT_EQ(session, getsid(0));
    if (tty == 0)
        EXPECT_EQ(foreground, -1);
    close(pipe_ends[0]);
    close(pipe_ends[1]);
}

TEST(window_size_changes_send_sigwinch_to_the_foreground_group) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    winsize size{};
    size.ws_row = 30;
    size.ws_col = 100;
    ASSERT_EQ(ioctl(pty.master, TIOCSWINSZ, &size), 0);
    winsize read_back{};
    EXPECT_EQ(ioctl(pty.slave, TIOCGWINSZ, &read_back), 0);
    EXPECT_EQ(read_back.ws_row, 30);
    EXPECT_EQ(read_back.ws_col, 100);
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    sigset_t old;
    sigprocmask(SIG_BLOCK, &winch, &old);
    pid_t pid = session_child(pty, ready[1], [&] {
        timespec timeout{10, 0};
        siginfo_t info{};
        return sigtimedwait(&winch, &info, &timeout) == SIGWINCH ? 0 : 1;
    });
    sigprocmask(SIG_SETMASK, &old, nullptr);
    ASSERT_TRUE(wait_ready(ready[0]));
    size.ws_row = 40;
    EXPECT_EQ(ioctl(pty.master, TIOCSWINSZ, &size), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    close(ready[0]);
    close(ready[1]);
}

namespace {

// Types `key` at the master while a session leader reads its slave: `signal` should end it.
void type_signal_key(char key, int signal) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = session_child(pty, ready[1], [&] {
        char byte;
        (void)!read(pty.slave, &byte, 1);
        return 0;
    });
    ASSERT_TRUE(wait_ready(ready[0]));
    int group = -1;
    EXPECT_EQ(ioctl(pty.master, TIOCGPGRP, &group), 0); // the master asks about its slave
    EXPECT_EQ(group, pid);
    write_text(pty.master, std::string_view(&key, 1));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_SIGNALED(status, signal);
    close(ready[0]);
    close(ready[1]);
}

} // namespace

TEST(ctrl_c_typed_at_the_master_interrupts_the_foreground_group) {
    type_signal_key('\x03', SIGINT);
}

TEST(ctrl_backslash_typed_at_the_master_quits_the_foreground_group) {
    type_signal_key('\x1c', SIGQUIT);
}

TEST(ctrl_z_stops_the_foreground_group_and_wait_reports_it) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    int ready[2], go[2], foreground[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(go), 0);
    ASSERT_EQ(pipe(foreground), 0);
    // The session leader's own group is orphaned (its parent is in another session), and the
    // terminal's stop signals do not stop an orphaned group: the job is a group of its own. It reads
    // only once it is in the foreground, or the read itself would stop it with SIGTTIN.
    pid_t pid = session_child(pty, ready[1], [&] {
        pid_t job = fork();
        if (job == 0) {
            setpgid(0, 0);
            char byte;
            if (read(go[0], &byte, 1) != 1)
                _exit(1);
            (void)!read(pty.slave, &byte, 1);
            _exit(0);
        }
        setpgid(job, job);
        if (tcsetpgrp(pty.slave, job) != 0)
            return 10;
        (void)!write(go[1], "g", 1);
        (void)!write(foreground[1], "f", 1);
        int status = 0;
        if (waitpid(job, &status, WUNTRACED) != job || !WIFSTOPPED(status))
            return 11;
        int signal = WSTOPSIG(status);
        kill(job, SIGKILL);
        waitpid(job, &status, 0);
        return signal;
    });
    ASSERT_TRUE(wait_ready(ready[0]));
    ASSERT_TRUE(wait_ready(foreground[0])); // the job is in the foreground
    write_text(pty.master, "\x1a");
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, SIGTSTP);
    EXPECT_EQ(read_exactly(pty.master, 2).view(), std::string_view("^Z"));
    for (int fd : {ready[0], ready[1], go[0], go[1], foreground[0], foreground[1]})
        close(fd);
}

TEST(a_background_read_gets_sigttin_or_eio_when_it_is_ignored) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = session_child(pty, ready[1], [&] {
        // A job in the background of the session: its own group, not the foreground one.
        pid_t reader = fork();
        if (reader == 0) {
            setpgid(0, 0);
            char byte;
            (void)!read(pty.slave, &byte, 1);
            _exit(0);
        }
        setpgid(reader, reader);
        int status = 0;
        if (waitpid(reader, &status, WUNTRACED) != reader || !WIFSTOPPED(status))
            return 10;
        int signal = WSTOPSIG(status);
        kill(reader, SIGKILL);
        waitpid(reader, &status, 0);
        pid_t ignoring = fork();
        if (ignoring == 0) {
            setpgid(0, 0);
            ::signal(SIGTTIN, SIG_IGN);
            char byte;
            _exit(read(pty.slave, &byte, 1) < 0 && errno == EIO ? 0 : 1);
        }
        setpgid(ignoring, ignoring);
        if (waitpid(ignoring, &status, 0) != ignoring || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return 11;
        return signal;
    });
    ASSERT_TRUE(wait_ready(ready[0]));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, SIGTTIN);
    close(ready[0]);
    close(ready[1]);
}

TEST(tostop_sends_sigttou_to_a_background_writer) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    set_local_flags(pty.slave, TOSTOP, 0);
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = session_child(pty, ready[1], [&] {
        pid_t writer = fork();
        if (writer == 0) {
            setpgid(0, 0);
            (void)!write(pty.slave, "x", 1);
            _exit(0);
        }
        setpgid(writer, writer);
        int status = 0;
        if (waitpid(writer, &status, WUNTRACED) != writer || !WIFSTOPPED(status))
            return 10;
        int signal = WSTOPSIG(status);
        kill(writer, SIGKILL);
        waitpid(writer, &status, 0);
        return signal;
    });
    ASSERT_TRUE(wait_ready(ready[0]));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, SIGTTOU);
    close(ready[0]);
    close(ready[1]);
}

namespace {
volatile sig_atomic_t hangups = 0;
void count_hangup(int) {
    hangups = hangups + 1;
}
} // namespace

TEST(closing_the_master_hangs_up_the_slave_and_signals_its_session) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    int ready[2], report[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(report), 0);
    // The child inherits the handler, so no SIGHUP can come before it is there.
    struct sigaction action {
    }, old_action{};
    action.sa_handler = count_hangup;
    action.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &action, &old_action);
    pid_t pid = session_child(pty, ready[1], [&] {
        char byte;
        ssize_t got = read(pty.slave, &byte, 1);
        // Linux ends a read the hangup catches with EIO or end of file, whichever its wakeup sees
        // first (the other side closed, or the hangup itself); both say the line is gone.
        bool read_ended = got == 0 || (got < 0 && errno == EIO);
        ssize_t wrote = write(pty.slave, "x", 1);
        int write_errno = wrote < 0 ? errno : 0;
        char text[64];
        int length = snprintf(text, sizeof text, "read %s write %zd %d hup %d",
                              read_ended ? "ended" : "went on", wrote, write_errno, hangups > 0 ? 1 : 0);
        (void)!write(report[1], text, static_cast<size_t>(length));
        return 0;
    });
    sigaction(SIGHUP, &old_action, nullptr);
    ASSERT_TRUE(wait_ready(ready[0]));
    close(report[1]);
    close(pty.slave);
    pty.slave = -1;
    close(pty.master);
    pty.master = -1;
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    char text[64] = {};
    (void)!read(report[0], text, sizeof text - 1);
    EXPECT_STREQ(text, "read ended write -1 5 hup 1"); // writes fail with EIO, as Linux's pty
    close(report[0]);
    close(ready[0]);
    close(ready[1]);
}

TEST(the_master_reads_eio_once_the_slave_has_closed) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    write_text(pty.slave, "bye");
    close(pty.slave);
    pty.slave = -1;
    EXPECT_EQ(read_exactly(pty.master, 3).view(), std::string_view("bye"));
    char byte;
    EXPECT_ERRNO(read(pty.master, &byte, 1), EIO);
}

TEST(tiocnotty_gives_up_the_terminal_and_hangs_up_the_foreground_group) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t pid = session_child(pty, ready[1], [&] {
        struct sigaction action {};
        action.sa_handler = count_hangup;
        sigaction(SIGHUP, &action, nullptr);
        if (ioctl(pty.slave, TIOCNOTTY) != 0)
            return 1;
        if (hangups != 1) // the leader's own group is the foreground one
            return 2;
        if (tcgetsid(pty.slave) != -1 || errno != ENOTTY)
            return 3;
        if (open("/dev/tty", O_RDWR) >= 0 || errno != ENXIO)
            return 4;
        if (ioctl(pty.slave, TIOCSCTTY, 0) != 0) // free again: it can be taken back
            return 5;
        return tcgetsid(pty.slave) == getpid() ? 0 : 6;
    });
    ASSERT_TRUE(wait_ready(ready[0]));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    close(ready[0]);
    close(ready[1]);
}

namespace {
int report_fd = -1;
void report_hangup(int) {
    (void)!write(report_fd, "h", 1);
}
void report_continue(int) {
    (void)!write(report_fd, "c", 1);
}

// What a child wrote to `fd` until it closed it (or 10 s passed without a byte: a broken kernel).
Text read_report(int fd) {
    Text text;
    for (;;) {
        pollfd poller{fd, POLLIN, 0};
        if (poll(&poller, 1, 10000) <= 0)
            break;
        char buffer[16];
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (got <= 0)
            break;
        text.append(buffer, static_cast<size_t>(got));
    }
    return text;
}
} // namespace

TEST(a_session_leaders_exit_hangs_up_its_terminals_foreground_group) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    int ready[2], job_pid[2], report[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(job_pid), 0);
    ASSERT_EQ(pipe(report), 0);
    pid_t pid = session_child(pty, ready[1], [&] {
        int job_ready[2];
        if (pipe(job_ready) != 0)
            return 1;
        pid_t job = fork();
        if (job == 0) {
            setpgid(0, 0);
            report_fd = report[1];
            struct sigaction action {};
            action.sa_handler = report_hangup;
            sigaction(SIGHUP, &action, nullptr);
            (void)!write(job_ready[1], "j", 1);
            for (;;)
                pause(); // until SIGHUP's handler has run: then its exit
        }
        setpgid(job, job);
        char byte;
        if (read(job_ready[0], &byte, 1) != 1 || tcsetpgrp(pty.slave, job) != 0)
            return 2;
        (void)!write(job_pid[1], &job, sizeof job);
        return 0; // the leader's exit: the foreground job gets SIGHUP
    });
    close(report[1]);
    ASSERT_TRUE(wait_ready(ready[0]));
    pid_t job = -1;
    ASSERT_EQ(read(job_pid[0], &job, sizeof job), static_cast<ssize_t>(sizeof job));
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    // The job's handler reports, and pause() keeps it waiting for good: end it ourselves.
    pollfd poller{report[0], POLLIN, 0};
    EXPECT_EQ(poll(&poller, 1, 10000), 1);
    char byte = 0;
    EXPECT_EQ(read(report[0], &byte, 1), 1);
    EXPECT_EQ(byte, 'h');
    kill(job, SIGKILL);
    for (int fd : {ready[0], ready[1], job_pid[0], job_pid[1], report[0]})
        close(fd);
}

TEST(a_stopped_group_that_becomes_orphaned_gets_sighup_then_sigcont) {
    int ready[2], report[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(report), 0);
    pid_t leader = fork();
    if (leader == 0) {
        // The job's group links to the session through its parent, the leader, in another group of
        // the same session; the leader's exit orphans it while it is stopped.
        if (setsid() < 0)
            _exit(1);
        pid_t job = fork();
        if (job == 0) {
            setpgid(0, 0);
            report_fd = report[1];
            struct sigaction action {};
            action.sa_handler = report_hangup;
            sigaction(SIGHUP, &action, nullptr);
            action.sa_handler = report_continue;
            sigaction(SIGCONT, &action, nullptr);
            raise(SIGSTOP);
            (void)!write(report[1], ".", 1);
            _exit(0);
        }
        setpgid(job, job);
        int status = 0;
        if (waitpid(job, &status, WUNTRACED) != job || !WIFSTOPPED(status))
            _exit(2);
        (void)!write(ready[1], &job, sizeof job);
        _exit(0);
    }
    close(report[1]);
    pid_t job = -1;
    ASSERT_EQ(read(ready[0], &job, sizeof job), static_cast<ssize_t>(sizeof job));
    int status = 0;
    ASSERT_EQ(waitpid(leader, &status, 0), leader);
    EXPECT_EXITED(status, 0);
    Text text = read_report(report[0]); // to its end: the job has exited
    std::string_view got = text.view();
    EXPECT_EQ(got.size(), 3u);
    EXPECT_NE(got.find('h'), std::string_view::npos);
    EXPECT_NE(got.find('c'), std::string_view::npos);
    EXPECT_EQ(got.find('.'), 2u); // both handlers ran before the stop ended
    if (got.size() != 3)
        kill(job, SIGKILL);
    for (int fd : {ready[0], ready[1], report[0]})
        close(fd);
}

TEST(poll_sees_each_side_become_readable_and_the_other_side_close) {
    Pty pty;
    ASSERT_TRUE(open_pty(pty));
    pollfd both[2] = {{pty.master, POLLIN | POLLOUT, 0}, {pty.slave, POLLIN | POLLOUT, 0}};
    EXPECT_EQ(poll(both, 2, 0), 2);
    EXPECT_EQ(both[0].revents, POLLOUT);
    EXPECT_EQ(both[1].revents, POLLOUT);
    // A child waits in poll on one side while the other side is written.
    for (bool master_waits : {true, false}) {
        int waiting = master_waits ? pty.master : pty.slave;
        pid_t pid = fork();
        if (pid == 0) {
            pollfd poller{waiting, POLLIN, 0};
            _exit(poll(&poller, 1, 10000) == 1 && poller.revents == POLLIN ? 0 : 1);
        }
        if (master_waits)
            write_text(pty.slave, "out");
        else
            write_text(pty.master, "in\n");
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_EXITED(status, 0);
    }
    EXPECT_EQ(read_exactly(pty.master, 7).view(), std::string_view("outin\r\n")); // the output, then echo
    EXPECT_EQ(read_once(pty.slave).view(), std::string_view("in\n"));
    close(pty.slave);
    pty.slave = -1;
    pollfd master{pty.master, POLLIN, 0};
    EXPECT_EQ(poll(&master, 1, 0), 1);
    EXPECT_TRUE(master.revents & POLLHUP);

    Pty second;
    ASSERT_TRUE(open_pty(second));
    close(second.master);
    second.master = -1;
    pollfd slave{second.slave, POLLIN, 0};
    EXPECT_EQ(poll(&slave, 1, 0), 1);
    EXPECT_TRUE(slave.revents & POLLHUP);
}

// The serial console end to end (`tty_test --child serial_console_job` as init, blog_os only; the
// host's tests/e2e/serial_console_test.cpp types at COM1 through the runner): a job in a session of
// its own takes /dev/ttyS0 as its controlling terminal, reads a typed line, then waits in a second
// read that only the ^C typed on the host ends.
CHILD_SCENARIO(serial_console_job) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setsid() < 0)
            _exit(1);
        int fd = open("/dev/ttyS0", O_RDWR);
        if (fd < 0 || tcgetpgrp(fd) != getpid())
            _exit(2);
        dprintf(fd, "serial job: ready\n");
        char line[64] = {};
        ssize_t got = read(fd, line, sizeof line - 1);
        if (got <= 0 || line[got - 1] != '\n')
            _exit(3);
        line[got - 1] = '\0';
        dprintf(fd, "serial job: read '%s'\n", line);
        for (;;)
            (void)!read(fd, line, sizeof line);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 4;
    bool interrupted = WIFSIGNALED(status) && WTERMSIG(status) == SIGINT;
    printf("serial job: %s (status %d)\n", interrupted ? "ended by SIGINT" : "not interrupted", status);
    return interrupted ? 0 : 1;
}
