// Running the runner from a test and reading back what it saved.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace e2e {

struct RunResult {
    int exit_code = -1;
    std::string serial;        // COM1, with escapes and carriage returns removed
    std::string json_log;      // COM2, one JSON object per line
    std::string runner_errors; // the runner's own stderr
    std::string runner_output; // the runner's stdout (the console, or gdb's session)
};

// Boots the image with the runner; `name` names the log files under the test-log directory.
RunResult run_kernel(const std::string& name, const std::vector<std::string>& arguments);

std::string test_log_path(const std::string& file_name);

// A screenshot as QEMU's screendump writes it (binary PPM): 3 bytes a pixel, rows top to bottom.
struct Image {
    uint32_t width = 0, height = 0;
    std::vector<uint8_t> rgb;
    const uint8_t* pixel(uint32_t x, uint32_t y) const { return &rgb[(size_t(y) * width + x) * 3]; }
};
// False when `bytes` is not a whole "P6 W H 255" image.
bool read_ppm(const std::string& bytes, Image& image);
std::string read_file(const std::string& path);
// Removes ANSI escape sequences and carriage returns, as a person reading the console would see it.
std::string strip_terminal_codes(const std::string& text);
std::vector<std::string> lines_of(const std::string& text);
// Only the lines a newline ends: the runner stops QEMU the moment it sees what it expects, which
// can cut the record the guest was writing on another port.
std::vector<std::string> complete_lines_of(const std::string& text);

// The runner on the slave side of a pseudo-terminal, as `make run` is on a terminal; the test types at
// the master. `arguments` come after --kernel and --headless.
class InteractiveRunner {
public:
    explicit InteractiveRunner(std::vector<std::string> arguments);
    ~InteractiveRunner();
    InteractiveRunner(const InteractiveRunner&) = delete;
    InteractiveRunner& operator=(const InteractiveRunner&) = delete;

    bool started() const { return m_master >= 0 && m_pid > 0; }

    // Reads the console until `text` has appeared since the last wait (or `seconds` pass); the
    // terminal codes are stripped first.
    bool wait_for(const std::string& text, int seconds = 60);
    // Writes keys to the terminal; false if they could not all be written.
    bool type(const std::string& keys);
    // The runner's exit code, once it has exited by itself (within `seconds`); -1 if it has not.
    int exit_code(int seconds = 60);
    std::string output() const { return strip_terminal_codes(m_output); }

private:
    int m_master = -1;
    int m_pid = -1;
    bool m_exited = false;
    std::string m_output;
    size_t m_checked = 0;
};

} // namespace e2e
