// Reading COM1's byte stream for markers. Firmware and GRUB write ANSI escape sequences and CRs into the
// same stream as the kernel, and reads cut the stream anywhere, so matching works on cleaned lines that
// are assembled across reads. Pure: bytes in, state out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace runner {

// Splits a byte stream into lines, dropping '\r' and escape sequences (ESC '[' ... final byte, and the
// short ESC forms), including those cut in two by a read.
class LineSplitter {
public:
    // A line longer than this is handed out in pieces, so a kernel that never prints '\n' cannot make
    // the runner's memory grow without bound.
    static constexpr size_t max_line_length = 64 * 1024;

    // Returns the lines completed by this chunk, without their '\n'.
    std::vector<std::string> feed(std::string_view chunk);
    // The cleaned text received since the last '\n'.
    const std::string& partial_line() const { return m_line; }

private:
    enum class State { Text, Escape, Csi };
    State m_state = State::Text;
    std::string m_line;
};

// Tracks which --expect texts and whether the banner marker have appeared on COM1 (substring matches,
// also within a line not yet ended).
class SerialScanner {
public:
    explicit SerialScanner(std::vector<std::string> expectations);

    void feed(std::string_view chunk);

    bool banner_drawn() const { return m_banner_drawn; }
    bool has_expectations() const { return !m_expectations.empty(); }
    bool all_expectations_met() const;
    // Whether the index-th --expect text has appeared.
    bool met(size_t index) const { return index < m_met.size() && m_met[index]; }
    // In the order given on the command line.
    std::vector<std::string> missing_expectations() const;
    // Whether text has arrived since the last newline: a line the guest is still printing.
    bool line_in_progress() const { return !m_splitter.partial_line().empty(); }

private:
    void check(std::string_view line);

    LineSplitter m_splitter;
    std::vector<std::string> m_expectations;
    std::vector<bool> m_met;
    bool m_banner_drawn = false;
};

} // namespace runner
