// COM1 line assembly, escape stripping and marker tracking; see serial_scanner.h.
#include "serial_scanner.h"

#include "qemu/exit_codes.h"

namespace runner {

namespace {

constexpr char escape = '\x1b';

bool is_csi_final(unsigned char byte) {
    return byte >= 0x40 && byte <= 0x7e;
}
// Parameter (0x30-0x3f) and intermediate (0x20-0x2f) bytes may come before the final byte.
bool is_csi_middle(unsigned char byte) {
    return byte >= 0x20 && byte <= 0x3f;
}

} // namespace

std::vector<std::string> LineSplitter::feed(std::string_view chunk) {
    std::vector<std::string> lines;
    for (char c : chunk) {
        auto byte = static_cast<unsigned char>(c);
        switch (m_state) {
        case State::Escape:
            if (c == '[') {
                m_state = State::Csi;
                continue;
            }
            // ESC, intermediates (0x20-0x2f), then one final byte: "ESC c", "ESC ( B" and the like.
            if (byte >= 0x20 && byte <= 0x2f)
                continue;
            m_state = State::Text;
            if (byte >= 0x30 && byte <= 0x7e)
                continue;
            break; // Not an escape sequence after all: treat the byte as text.
        case State::Csi:
            if (is_csi_middle(byte))
                continue;
            m_state = State::Text;
            if (is_csi_final(byte))
                continue;
            break; // Malformed: the byte (a newline, say) still counts as text.
        case State::Text:
            break;
        }

        if (c == escape) {
            m_state = State::Escape;
        } else if (c == '\n') {
            lines.push_back(std::move(m_line));
            m_line.clear();
        } else if (c != '\r') {
            m_line += c;
            if (m_line.size() >= max_line_length) {
                lines.push_back(std::move(m_line));
                m_line.clear();
            }
        }
    }
    return lines;
}

SerialScanner::SerialScanner(std::vector<std::string> expectations)
    : m_expectations(std::move(expectations)), m_met(m_expectations.size(), false) {}

void SerialScanner::feed(std::string_view chunk) {
    for (const auto& line : m_splitter.feed(chunk))
        check(line);
    check(m_splitter.partial_line());
}

void SerialScanner::check(std::string_view line) {
    if (line.empty())
        return;
    if (!m_banner_drawn && line.find(qemu::banner_drawn_marker) != std::string_view::npos)
        m_banner_drawn = true;
    for (size_t i = 0; i < m_expectations.size(); ++i) {
        if (!m_met[i] && line.find(m_expectations[i]) != std::string_view::npos)
            m_met[i] = true;
    }
}

bool SerialScanner::all_expectations_met() const {
    for (bool met : m_met) {
        if (!met)
            return false;
    }
    return true;
}

std::vector<std::string> SerialScanner::missing_expectations() const {
    std::vector<std::string> missing;
    for (size_t i = 0; i < m_expectations.size(); ++i) {
        if (!m_met[i])
            missing.push_back(m_expectations[i]);
    }
    return missing;
}

} // namespace runner
