// The runner: boots a built ISO in QEMU, streams COM1 to the terminal and the serial log, watches it for
// markers, talks QMP for screenshots and quitting, and turns the way QEMU ends into an exit status.
// One poll() loop does everything, so COM1 is always being read whatever else is going on.
#include "exit_status.h"
#include "initrd_image.h"
#include "keys.h"
#include "options.h"
#include "process.h"
#include "qemu/exit_codes.h"
#include "qemu_command.h"
#include "qmp.h"
#include "serial_scanner.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#ifndef BLOG_OS_DEFAULT_GDB_SCRIPT
#error "the build must define BLOG_OS_DEFAULT_GDB_SCRIPT"
#endif

namespace runner {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How long QEMU gets to act on a quit request or SIGTERM before the next, harsher step.
constexpr auto stop_grace = 2s;
// After QEMU exits, how long its output may take to drain before the runner stops waiting for it.
constexpr auto drain_grace = 2s;
// gdb is started once QMP answers (QEMU is then listening for gdb too), or after this long regardless.
constexpr auto gdb_start_fallback = 5s;
// --send-keys goes one key (or combination) at a time, each held this long and the next sent this
// much later: QEMU's PS/2 keyboard holds only 16 bytes the guest has not read, so keys are fed at
// the pace of a fast typist rather than queued in QEMU all at once.
constexpr int key_hold_ms = 50;
constexpr auto key_interval = 100ms;
// Once every --expect text has come, how long the line being printed may take to end before QEMU is
// stopped: the serial log then holds it whole (tools/bench reads the counts after "bench: done").
constexpr auto line_end_grace = 500ms;

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int signal_number) {
    g_stop_signal = signal_number;
}

void set_signal_handler(int signal_number, void (*handler)(int)) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // No SA_RESTART: poll() must return so the loop sees the signal.
    sigaction(signal_number, &action, nullptr);
}

void say(const std::string& line) {
    write_all(STDERR_FILENO, line + "\n");
}

// The run's resources that outlive any one step: removed however the runner leaves.
struct TempFiles {
    std::string directory;
    std::string socket;
    std::vector<std::string> files; // --initrd's archive and ISO copy
    ~TempFiles() {
        if (!socket.empty())
            ::unlink(socket.c_str());
        for (const auto& file : files)
            ::unlink(file.c_str());
        if (!directory.empty())
            ::rmdir(directory.c_str());
    }
};

class Runner {
public:
    explicit Runner(RunnerOptions options)
        : m_options(std::move(options)), m_scanner(m_options.expectations) {}

    int run();

private:
    enum class Ending { None, GoalsMet, ScreenshotFailed, Timeout, Signal, GdbExited };
    enum class StopStage { None, QuitRequested, TermSent, KillSent };
    enum class Screenshot { NotRequested, AwaitingBanner, InProgress, Taken, Failed };
    static constexpr int screendump_tag = 1;
    static constexpr int quit_tag = 2;
    static constexpr int send_key_tag = 3;
    // COM1 text kept for --keys-after, from the newest end (markers are short).
    static constexpr size_t key_marker_window = 64 * 1024;

    std::optional<int> check_prerequisites();
    std::optional<int> prepare_initrd_image();
    bool start_qemu();
    void loop();
    void step(Clock::time_point now);
    void poll_once();
    void read_serial();
    void read_qemu_stderr();
    void read_qmp();
    void flush_qmp();
    void handle_qmp_replies();
    void start_gdb();
    void begin_stop(Ending ending, Clock::time_point now);
    void send_qemu_signal(int signal_number);
    bool goals_met() const;
    void note_expectations_met(Clock::time_point now);
    void send_due_keys(Clock::time_point now);
    std::string screenshot_problem() const;
    int finish();

    RunnerOptions m_options;
    SerialScanner m_scanner;
    QemuPlan m_plan;
    TempFiles m_temp;
    std::string m_qemu_path;

    FileDescriptor m_serial_log;
    FileDescriptor m_serial;      // QEMU's stdout: COM1.
    FileDescriptor m_qemu_stderr; // Forwarded, less our own SIGTERM's echo.
    std::string m_stderr_line;
    bool m_stdout_ok = true;

    pid_t m_qemu_pid = -1;
    std::optional<QemuTermination> m_qemu_end;
    Clock::time_point m_qemu_end_time;
    pid_t m_gdb_pid = -1;
    bool m_gdb_started = false;
    Clock::time_point m_start_time;
    // When each --expect text appeared, counted from QEMU's start (tools/bench reads these lines).
    std::vector<std::optional<Clock::duration>> m_expectation_times;

    FileDescriptor m_qmp_socket;
    QmpProtocol m_qmp;
    bool m_qmp_broken = false;

    Screenshot m_screenshot = Screenshot::NotRequested;
    std::string m_screenshot_temp;
    std::string m_screenshot_error;

    size_t m_next_key_step = 0;
    std::string m_serial_since_keys; // COM1 since the last --send-keys step went out
    std::deque<KeyChord> m_keys_to_send;
    Clock::time_point m_next_key_time;

    Ending m_ending = Ending::None;
    std::optional<Clock::time_point> m_goals_met_at;
    StopStage m_stop_stage = StopStage::None;
    Clock::time_point m_escalate_at;
    bool m_signalled_qemu = false;
};

std::optional<int> Runner::check_prerequisites() {
    constexpr int unknown = static_cast<int>(qemu::RunnerExit::Unknown);
    auto qemu_path = find_in_path(qemu_binary);
    if (!qemu_path) {
        say(std::string("runner: ") + qemu_binary + " not found in PATH (Debian package qemu-system-x86)");
        return unknown;
    }
    m_qemu_path = *qemu_path;
    if (m_options.firmware == Firmware::Uefi && !file_exists(ovmf_path)) {
        say(std::string("runner: UEFI firmware ") + ovmf_path +
            " not found (Debian package ovmf; or use --firmware=bios)");
        return unknown;
    }
    if (m_options.boots_linux()) {
        if (!file_exists(m_options.linux_kernel)) {
            say("runner: Linux kernel image not found: " + m_options.linux_kernel);
            return unknown;
        }
    } else if (m_options.direct) {
        if (!file_exists(m_options.kernel)) {
            say("runner: kernel ELF not found: " + m_options.kernel + " (build it first)");
            return unknown;
        }
    } else if (!file_exists(m_options.iso)) {
        say("runner: ISO image not found: " + m_options.iso + " (build it first)");
        return unknown;
    }
    if (!m_options.initrd.empty() && !m_options.boots_without_iso() && !find_in_path("xorriso")) {
        say("runner: xorriso not found in PATH (Debian package xorriso); --initrd needs it to copy the ISO");
        return unknown;
    }
    if (m_options.gdb) {
        if (!find_in_path("gdb")) {
            say("runner: gdb not found in PATH (Debian package gdb)");
            return unknown;
        }
        if (!file_exists(m_options.kernel)) {
            say("runner: kernel ELF not found: " + m_options.kernel);
            return unknown;
        }
        if (!m_options.gdb_script.empty() && !file_exists(m_options.gdb_script)) {
            say("runner: gdb script " + m_options.gdb_script + " not found; starting gdb without it");
            m_options.gdb_script.clear();
        }
    }
    return std::nullopt;
}

int Runner::run() {
    if (auto status = check_prerequisites())
        return *status;

    // The logs may go to a build directory that this run is the first to use.
    make_directories(directory_of(m_options.serial_log));
    m_serial_log.reset(::open(m_options.serial_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!m_serial_log.is_open()) {
        say("runner: cannot write the serial log " + m_options.serial_log + ": " + std::strerror(errno));
        return static_cast<int>(qemu::RunnerExit::Unknown);
    }

    auto proc_modules = read_text_file("/proc/modules").value_or("");
    m_plan.accel = resolve_accel(m_options.accel, proc_modules, kvm_device_usable());
    m_plan.json_log_path = json_log_path_for(m_options.serial_log);
    m_plan.debug_log_path = directory_of(m_options.serial_log) + "/qemu-debug.log";
    const char* display = std::getenv("DISPLAY");
    m_plan.display_available = display && *display;

    // A unix socket path must fit in 108 bytes, which a deep $TMPDIR may not leave room for.
    auto directory = make_temp_directory("blog_os-runner");
    if (directory && directory->size() > 80) {
        ::rmdir(directory->c_str());
        ::setenv("TMPDIR", "/tmp", 1);
        directory = make_temp_directory("blog_os-runner");
    }
    if (!directory) {
        say(std::string("runner: cannot create a temporary directory: ") + std::strerror(errno));
        return static_cast<int>(qemu::RunnerExit::Unknown);
    }
    m_temp.directory = *directory;
    m_temp.socket = m_plan.qmp_socket_path = *directory + "/qmp.sock";

    if (m_options.gdb) {
        auto port = find_free_tcp_port();
        if (!port) {
            say("runner: no free TCP port for QEMU's gdb server");
            return static_cast<int>(qemu::RunnerExit::Unknown);
        }
        m_plan.gdb_port = *port;
    }
    if (!m_options.screenshot.empty()) {
        make_directories(directory_of(m_options.screenshot));
        m_screenshot = Screenshot::AwaitingBanner;
    }

    // Before the initrd is packed, so Ctrl-C during xorriso still cleans up.
    ::signal(SIGPIPE, SIG_IGN);
    set_signal_handler(SIGINT, on_stop_signal);
    set_signal_handler(SIGTERM, on_stop_signal);
    set_signal_handler(SIGHUP, on_stop_signal);

    std::string booted = m_options.boots_linux() ? m_options.linux_kernel
                         : m_options.direct      ? m_options.kernel + " directly (PVH)"
                                                 : m_options.iso;
    say("runner: booting " + booted + " (" + firmware_name(m_options.firmware) + ", " +
        machine_name(m_options.machine) + ", " + m_options.memory + ", " + accel_name(m_plan.accel) + ")");
    if (!m_options.initrd.empty()) {
        if (auto status = prepare_initrd_image())
            return *status;
    }
    if (m_options.direct && m_options.initrd.empty()) {
        // The build's archive, the one its ISO carries; without it the kernel boots to no /init.
        if (file_exists(default_initrd_path))
            m_plan.initrd_archive = default_initrd_path;
        else
            say(std::string("runner: no initrd: ") + default_initrd_path + " not found");
    }
    if (m_options.direct && !m_plan.initrd_archive.empty())
        say("runner: -initrd " + m_plan.initrd_archive);
    if (!m_options.boots_without_iso())
        say("runner: image: " + (m_plan.boot_iso.empty() ? m_options.iso : m_plan.boot_iso));
    if (m_options.debug_int)
        say("runner: interrupts and CPU resets are logged to " + m_plan.debug_log_path);
    if (m_options.gdb)
        say("runner: serial output goes to " + m_options.serial_log);

    // QEMU restores the terminal itself, unless it is killed; keep a copy to put back in that case.
    termios saved_terminal{};
    bool stdin_is_tty = ::isatty(STDIN_FILENO);
    bool restore_terminal = stdin_is_tty && ::tcgetattr(STDIN_FILENO, &saved_terminal) == 0;

    if (!start_qemu())
        return static_cast<int>(qemu::RunnerExit::Unknown);
    loop();
    int status = finish();

    if (restore_terminal)
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
    return status;
}

std::optional<int> Runner::prepare_initrd_image() {
    auto image = m_options.boots_without_iso()
                     ? prepare_initrd_archive(m_options.initrd, m_temp.directory)
                     : make_initrd_image(m_options.iso, m_options.initrd, m_temp.directory);
    m_temp.files.insert(m_temp.files.end(), image.temp_files.begin(), image.temp_files.end());
    for (const auto& warning : image.warnings)
        say("runner: " + warning);
    if (g_stop_signal) {
        say(std::string("runner: interrupted by ") + sigabbrev_np(static_cast<int>(g_stop_signal)) +
            " before QEMU started");
        return static_cast<int>(qemu::RunnerExit::QemuKilled);
    }
    if (!image.error.empty()) {
        say("runner: " + image.error);
        return static_cast<int>(qemu::RunnerExit::Unknown);
    }
    m_plan.boot_iso = image.iso;
    if (m_options.boots_without_iso())
        m_plan.initrd_archive = image.archive;
    std::string size = std::to_string(image.archive_size) + " bytes";
    say("runner: initrd: " +
        (image.packed
             ? m_options.initrd + " packed (" + std::to_string(image.entries) + " entries, " + size + ")"
             : m_options.initrd + " (" + size + ")") +
        (m_options.boots_linux() ? std::string(" as Linux's initramfs")
         : m_options.direct      ? std::string(" as -initrd")
                                 : std::string(" as ") + iso_initrd_path + " in a copy of the image"));
    return std::nullopt;
}

bool Runner::start_qemu() {
    bool interactive = qemu_stdin_is_terminal(m_options, ::isatty(STDIN_FILENO));
    m_plan.interactive = interactive;
    auto argv = build_qemu_argv(m_options, m_plan);
    argv[0] = m_qemu_path;

    FileDescriptor serial_write, stderr_write;
    if (!make_pipe(m_serial, serial_write) || !make_pipe(m_qemu_stderr, stderr_write)) {
        say(std::string("runner: pipe: ") + std::strerror(errno));
        return false;
    }
    if (interactive)
        say("runner: Ctrl-C goes to blog_os; Ctrl-A X quits QEMU, Ctrl-A C toggles its monitor");
    FileDescriptor null_input(::open("/dev/null", O_RDONLY | O_CLOEXEC));

    SpawnOptions spawn;
    spawn.stdin_fd = interactive ? -1 : null_input.get();
    spawn.stdout_fd = serial_write.get();
    spawn.stderr_fd = stderr_write.get();
    // An interactive QEMU reads the terminal, which only the foreground process group may do. Otherwise
    // it gets a group of its own so Ctrl-C reaches only the runner (and gdb), which then stops QEMU.
    spawn.new_process_group = !interactive;
    auto spawned = spawn_process(argv, spawn);
    if (spawned.pid < 0) {
        say("runner: " + spawned.error);
        return false;
    }
    m_qemu_pid = spawned.pid;
    m_start_time = Clock::now();
    return true;
}

void Runner::loop() {
    while (true) {
        auto now = Clock::now();
        if (!m_qemu_end) {
            m_qemu_end = try_reap(m_qemu_pid);
            if (m_qemu_end)
                m_qemu_end_time = now;
        }
        if (m_gdb_pid > 0 && try_reap(m_gdb_pid)) {
            m_gdb_pid = -1;
            set_signal_handler(SIGINT, on_stop_signal);
            if (m_ending == Ending::None)
                begin_stop(Ending::GdbExited, now);
        }

        // QMP too: its SHUTDOWN event says whether the guest powered off or reset.
        bool output_done = !m_serial.is_open() && !m_qemu_stderr.is_open() && !m_qmp_socket.is_open();
        // gdb never starts if QEMU is gone first; once started, the run lasts as long as gdb does.
        bool gdb_done =
            !m_options.gdb || m_ending == Ending::Signal || (m_gdb_pid < 0 && (m_gdb_started || m_qemu_end));
        if (m_qemu_end && gdb_done && (output_done || now - m_qemu_end_time > drain_grace))
            return;

        step(now);
        flush_qmp();
        poll_once();
    }
}

// Acts on whatever the last poll brought: signals, deadlines, markers, QMP state.
void Runner::step(Clock::time_point now) {
    if (g_stop_signal && m_ending == Ending::None)
        begin_stop(Ending::Signal, now);

    int timeout = m_options.effective_timeout_seconds();
    if (timeout > 0 && m_ending == Ending::None && !m_qemu_end &&
        now - m_start_time >= std::chrono::seconds(timeout))
        begin_stop(Ending::Timeout, now);

    if (!m_qemu_end && !m_qmp_socket.is_open() && !m_qmp_broken) {
        m_qmp_socket = connect_unix_socket(m_plan.qmp_socket_path); // Not there yet: try again next time.
    }

    if (m_options.gdb && !m_gdb_started && !m_qemu_end && m_ending == Ending::None &&
        (m_qmp.ready() || now - m_start_time > gdb_start_fallback))
        start_gdb();

    if (m_screenshot == Screenshot::AwaitingBanner && m_scanner.banner_drawn() && !m_qemu_end &&
        !m_qmp_broken) {
        // QEMU writes a temporary name beside the target; the rename makes the file appear complete.
        std::string target = absolute_path(m_options.screenshot);
        m_screenshot_temp = directory_of(target) + "/.runner-screenshot-" + std::to_string(::getpid()) +
                            (target.ends_with(".png") ? ".png" : ".ppm");
        m_qmp.enqueue(screendump_tag, qmp_screendump_command(m_screenshot_temp, target.ends_with(".png")));
        m_screenshot = Screenshot::InProgress;
    }

    if (m_ending == Ending::None && !m_qemu_end && !m_qmp_broken)
        send_due_keys(now);

    if (m_ending == Ending::None && !m_qemu_end && m_scanner.has_expectations() &&
        m_scanner.all_expectations_met()) {
        if (!m_goals_met_at)
            m_goals_met_at = now;
        bool line_finished = !m_scanner.line_in_progress() || now >= *m_goals_met_at + line_end_grace;
        if (line_finished && (m_screenshot == Screenshot::NotRequested || m_screenshot == Screenshot::Taken))
            begin_stop(Ending::GoalsMet, now);
        else if (line_finished && m_screenshot == Screenshot::Failed)
            begin_stop(Ending::ScreenshotFailed, now);
    }

    // Escalate a stop that QEMU has not acted on.
    if (!m_qemu_end && m_stop_stage != StopStage::None && now >= m_escalate_at) {
        if (m_stop_stage == StopStage::QuitRequested) {
            send_qemu_signal(SIGTERM);
            m_stop_stage = StopStage::TermSent;
            m_escalate_at = now + stop_grace;
        } else if (m_stop_stage == StopStage::TermSent) {
            send_qemu_signal(SIGKILL);
            m_stop_stage = StopStage::KillSent;
        }
    }
}

void Runner::poll_once() {
    pollfd fds[3];
    nfds_t count = 0;
    auto add = [&](const FileDescriptor& fd, short events) {
        if (fd.is_open())
            fds[count++] = {fd.get(), events, 0};
    };
    add(m_serial, POLLIN);
    add(m_qemu_stderr, POLLIN);
    add(m_qmp_socket, POLLIN);
    // Short enough for deadlines, QMP connection attempts and child exits to be noticed promptly.
    int result = ::poll(fds, count, 50);
    if (result <= 0)
        return; // Timeout or EINTR: step() looks at signals and deadlines.
    read_serial();
    read_qemu_stderr();
    read_qmp();
}

void Runner::read_serial() {
    char buffer[16 * 1024];
    while (m_serial.is_open()) {
        ssize_t got = ::read(m_serial.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == EAGAIN)
            return;
        if (got <= 0) {
            m_serial.reset();
            return;
        }
        std::string_view chunk(buffer, static_cast<size_t>(got));
        if (!m_options.gdb && m_stdout_ok)
            m_stdout_ok = write_all(STDOUT_FILENO, chunk); // A closed stdout must not stop the run.
        write_all(m_serial_log.get(), chunk);
        m_scanner.feed(chunk);
        if (m_next_key_step < m_options.key_steps.size()) {
            m_serial_since_keys.append(chunk);
            if (m_serial_since_keys.size() > 2 * key_marker_window)
                m_serial_since_keys.erase(0, m_serial_since_keys.size() - key_marker_window);
        }
        note_expectations_met(Clock::now());
    }
}

void Runner::read_qemu_stderr() {
    char buffer[4096];
    auto forward = [this](const std::string& line) {
        // QEMU echoes the SIGTERM the runner sent it; the runner says why itself.
        if (m_signalled_qemu && line.find("terminating on signal") != std::string::npos)
            return;
        write_all(STDERR_FILENO, line);
    };
    while (m_qemu_stderr.is_open()) {
        ssize_t got = ::read(m_qemu_stderr.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == EAGAIN)
            return;
        if (got <= 0) {
            if (!m_stderr_line.empty())
                forward(m_stderr_line + "\n");
            m_stderr_line.clear();
            m_qemu_stderr.reset();
            return;
        }
        m_stderr_line.append(buffer, static_cast<size_t>(got));
        size_t newline;
        while ((newline = m_stderr_line.find('\n')) != std::string::npos) {
            forward(m_stderr_line.substr(0, newline + 1));
            m_stderr_line.erase(0, newline + 1);
        }
    }
}

void Runner::read_qmp() {
    char buffer[4096];
    while (m_qmp_socket.is_open()) {
        ssize_t got = ::read(m_qmp_socket.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && errno == EAGAIN)
            break;
        if (got <= 0) {
            // QEMU is exiting (or closed the monitor): SIGTERM does the rest of any stop.
            m_qmp_socket.reset();
            m_qmp_broken = true;
            break;
        }
        m_qmp.feed(std::string_view(buffer, static_cast<size_t>(got)));
    }
    if (!m_qmp.failure().empty() && !m_qmp_broken) {
        say("runner: QMP: " + m_qmp.failure());
        m_qmp_socket.reset();
        m_qmp_broken = true;
    }
    handle_qmp_replies();
}

void Runner::flush_qmp() {
    std::string output = m_qmp.take_output();
    if (output.empty() || !m_qmp_socket.is_open())
        return;
    // Commands are a few hundred bytes: the socket buffer takes them whole.
    int flags = ::fcntl(m_qmp_socket.get(), F_GETFL);
    ::fcntl(m_qmp_socket.get(), F_SETFL, flags & ~O_NONBLOCK);
    bool written = write_all(m_qmp_socket.get(), output);
    ::fcntl(m_qmp_socket.get(), F_SETFL, flags);
    if (!written) {
        m_qmp_socket.reset();
        m_qmp_broken = true;
    }
}

// Starts the next --send-keys step once its marker has appeared (and the keys before it are
// typed), and sends its keys one at a time.
void Runner::send_due_keys(Clock::time_point now) {
    while (m_keys_to_send.empty() && m_next_key_step < m_options.key_steps.size()) {
        const KeyStep& step = m_options.key_steps[m_next_key_step];
        if (!step.after.empty() && m_serial_since_keys.find(step.after) == std::string::npos)
            break;
        for (auto& chord : parse_keys(step.keys).chords)
            m_keys_to_send.push_back(std::move(chord));
        say("runner: typing " + step.keys);
        m_serial_since_keys.clear();
        ++m_next_key_step;
    }
    if (m_keys_to_send.empty() || now < m_next_key_time || !m_qmp.ready())
        return;
    m_qmp.enqueue(send_key_tag, qmp_send_key_command(m_keys_to_send.front(), key_hold_ms));
    m_keys_to_send.pop_front();
    m_next_key_time = now + key_interval;
}

void Runner::handle_qmp_replies() {
    for (const auto& reply : m_qmp.take_replies()) {
        if (reply.tag == send_key_tag && !reply.ok)
            say("runner: QMP send-key failed: " + reply.error);
        if (reply.tag != screendump_tag)
            continue;
        if (!reply.ok) {
            m_screenshot = Screenshot::Failed;
            m_screenshot_error = reply.error;
            ::unlink(m_screenshot_temp.c_str());
            continue;
        }
        if (::rename(m_screenshot_temp.c_str(), m_options.screenshot.c_str()) != 0) {
            m_screenshot = Screenshot::Failed;
            m_screenshot_error = "cannot rename " + m_screenshot_temp + ": " + std::strerror(errno);
            ::unlink(m_screenshot_temp.c_str());
            continue;
        }
        m_screenshot = Screenshot::Taken;
        say("runner: screenshot saved to " + m_options.screenshot);
    }
}

void Runner::start_gdb() {
    m_gdb_started = true;
    // gdb handles Ctrl-C itself (it interrupts the guest); the runner must survive it.
    ::signal(SIGINT, SIG_IGN);
    auto argv = build_gdb_argv(m_options.kernel, m_plan.gdb_port, m_options.gdb_script);
    auto spawned = spawn_process(argv, {});
    if (spawned.pid < 0) {
        say("runner: " + spawned.error);
        set_signal_handler(SIGINT, on_stop_signal);
        begin_stop(Ending::GdbExited, Clock::now());
        return;
    }
    m_gdb_pid = spawned.pid;
}

void Runner::begin_stop(Ending ending, Clock::time_point now) {
    m_ending = ending;
    if (ending == Ending::Signal && m_gdb_pid > 0)
        ::kill(m_gdb_pid, SIGTERM);
    if (m_qemu_end)
        return;
    bool polite =
        ending == Ending::GoalsMet || ending == Ending::ScreenshotFailed || ending == Ending::GdbExited;
    if (polite && m_qmp.ready() && m_qmp_socket.is_open()) {
        m_qmp.enqueue(quit_tag, qmp_command("quit"));
        m_stop_stage = StopStage::QuitRequested;
    } else {
        send_qemu_signal(SIGTERM);
        m_stop_stage = StopStage::TermSent;
    }
    m_escalate_at = now + stop_grace;
}

void Runner::send_qemu_signal(int signal_number) {
    m_signalled_qemu = true;
    ::kill(m_qemu_pid, signal_number);
}

void Runner::note_expectations_met(Clock::time_point now) {
    m_expectation_times.resize(m_options.expectations.size());
    for (size_t i = 0; i < m_expectation_times.size(); ++i) {
        if (!m_expectation_times[i] && m_scanner.met(i)) {
            m_expectation_times[i] = now - m_start_time;
            double seconds = std::chrono::duration<double>(*m_expectation_times[i]).count();
            char text[32];
            std::snprintf(text, sizeof text, "%.3f", seconds);
            say("runner: expected text seen " + std::string(text) +
                " s after QEMU started: " + m_options.expectations[i]);
        }
    }
}

bool Runner::goals_met() const {
    return m_scanner.has_expectations() && m_scanner.all_expectations_met() &&
           (m_screenshot == Screenshot::NotRequested || m_screenshot == Screenshot::Taken);
}

std::string Runner::screenshot_problem() const {
    switch (m_screenshot) {
    case Screenshot::NotRequested:
    case Screenshot::Taken:
        return {};
    case Screenshot::AwaitingBanner:
        return std::string("no screenshot taken: the kernel never printed '") + qemu::banner_drawn_marker +
               "'";
    case Screenshot::InProgress:
        return "no screenshot taken: QEMU ended before it answered";
    case Screenshot::Failed:
        return "screenshot failed: " + m_screenshot_error;
    }
    return {};
}

int Runner::finish() {
    // QEMU may have gone while a stop was in progress; make sure nothing of it is left.
    if (!m_qemu_end) {
        send_qemu_signal(SIGKILL);
        while (!(m_qemu_end = try_reap(m_qemu_pid)))
            ::usleep(10'000);
    }

    ExitDecision decision;
    int timeout = m_options.effective_timeout_seconds();
    switch (m_ending) {
    case Ending::GoalsMet:
    case Ending::GdbExited:
        decision = {qemu::RunnerExit::Success, {}};
        break;
    case Ending::ScreenshotFailed:
        decision = {qemu::RunnerExit::Failure, {"runner: " + screenshot_problem()}};
        break;
    case Ending::Timeout:
        decision = {qemu::RunnerExit::Timeout,
                    {"runner: timeout: no result after " + std::to_string(timeout) +
                     " s (--timeout=" + std::to_string(timeout) + ")"}};
        break;
    case Ending::Signal:
        decision = {qemu::RunnerExit::QemuKilled,
                    {std::string("runner: interrupted by ") + sigabbrev_np(static_cast<int>(g_stop_signal)) +
                     "; QEMU stopped"}};
        break;
    case Ending::None:
        if (goals_met()) {
            decision = {qemu::RunnerExit::Success, {}}; // Everything expected came, just before QEMU ended.
            break;
        }
        decision =
            map_qemu_exit(*m_qemu_end, m_options.test, shutdown_reason_from_qmp(m_qmp.shutdown_reason()));
        if (m_scanner.has_expectations()) {
            decision = apply_unmet_goals(decision, m_scanner.missing_expectations(), screenshot_problem());
        } else if (!screenshot_problem().empty()) {
            decision.messages.push_back("runner: " + screenshot_problem());
        }
        break;
    }
    if (m_screenshot == Screenshot::InProgress)
        ::unlink(m_screenshot_temp.c_str());
    for (const auto& message : decision.messages)
        say(message);
    return decision.status();
}

} // namespace
} // namespace runner

int main(int argc, char** argv) {
    // CI may start the runner with stdin closed; keep 0-2 taken so no pipe or log lands on them.
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0)
            ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    }
    std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = runner::parse_options(args, BLOG_OS_DEFAULT_GDB_SCRIPT);
    if (!parsed.error.empty()) {
        runner::write_all(STDERR_FILENO, "runner: " + parsed.error + "\n\n" + runner::usage_text());
        return runner::usage_exit_code;
    }
    if (parsed.options.help) {
        runner::write_all(STDOUT_FILENO, runner::usage_text());
        return 0;
    }
    runner::Runner runner(std::move(parsed.options));
    return runner.run();
}
