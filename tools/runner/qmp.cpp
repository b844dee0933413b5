// QMP message handling; see qmp.h. QEMU sends one compact JSON object per line, so a small scanner of
// top-level keys is all the JSON the runner needs.
#include "qmp.h"

#include <cstdio>
#include <utility>

namespace runner {

namespace {

size_t skip_blanks(std::string_view text, size_t at) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n'))
        ++at;
    return at;
}

// Reads the JSON string starting at the opening quote at text[at]; returns its value and moves at past
// the closing quote. Returns nullopt for an unterminated string.
std::optional<std::string> read_json_string(std::string_view text, size_t& at) {
    std::string value;
    for (size_t i = at + 1; i < text.size(); ++i) {
        char c = text[i];
        if (c == '"') {
            at = i + 1;
            return value;
        }
        if (c != '\\') {
            value += c;
            continue;
        }
        if (++i >= text.size())
            return std::nullopt;
        switch (text[i]) {
        case 'n':
            value += '\n';
            break;
        case 't':
            value += '\t';
            break;
        case 'r':
            value += '\r';
            break;
        case 'b':
            value += '\b';
            break;
        case 'f':
            value += '\f';
            break;
        case 'u':
            // Error descriptions are ASCII; anything else is shown as '?' rather than decoded.
            value += '?';
            i += 4;
            break;
        default:
            value += text[i]; // '"', '\\', '/'.
        }
    }
    return std::nullopt;
}

std::vector<std::string> top_level_keys(std::string_view text) {
    std::vector<std::string> keys;
    size_t at = skip_blanks(text, 0);
    if (at >= text.size() || text[at] != '{')
        return keys;
    ++at;
    int depth = 1;
    bool expect_key = true;
    while (at < text.size() && depth > 0) {
        char c = text[at];
        if (c == '"') {
            auto string = read_json_string(text, at);
            if (!string)
                return keys;
            if (depth == 1 && expect_key) {
                keys.push_back(*string);
                expect_key = false;
            }
            continue;
        }
        if (c == '{' || c == '[')
            ++depth;
        else if (c == '}' || c == ']')
            --depth;
        else if (c == ',' && depth == 1)
            expect_key = true;
        ++at;
    }
    return keys;
}

} // namespace

QmpMessageKind classify_qmp_message(std::string_view message) {
    for (const auto& key : top_level_keys(message)) {
        if (key == "QMP")
            return QmpMessageKind::Greeting;
        if (key == "return")
            return QmpMessageKind::Return;
        if (key == "error")
            return QmpMessageKind::Error;
        if (key == "event")
            return QmpMessageKind::Event;
    }
    return QmpMessageKind::Unknown;
}

std::optional<std::string> find_json_string(std::string_view message, std::string_view key) {
    std::string quoted_key = json_quote(key);
    for (size_t at = message.find(quoted_key); at != std::string_view::npos;
         at = message.find(quoted_key, at + 1)) {
        size_t colon = skip_blanks(message, at + quoted_key.size());
        if (colon >= message.size() || message[colon] != ':')
            continue;
        size_t value = skip_blanks(message, colon + 1);
        if (value >= message.size() || message[value] != '"')
            continue;
        return read_json_string(message, value);
    }
    return std::nullopt;
}

std::string json_quote(std::string_view text) {
    std::string quoted = "\"";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            quoted += '\\';
            quoted += c;
        } else if (byte < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
            quoted += escaped;
        } else {
            quoted += c;
        }
    }
    return quoted + "\"";
}

std::string qmp_command(std::string_view name) {
    return "{\"execute\":" + json_quote(name) + "}";
}

std::string qmp_screendump_command(std::string_view filename, bool png) {
    std::string arguments = "{\"filename\":" + json_quote(filename);
    if (png)
        arguments += ",\"format\":\"png\"";
    return "{\"execute\":\"screendump\",\"arguments\":" + arguments + "}}";
}

void QmpProtocol::enqueue(int tag, std::string command) {
    m_queue.push_back({tag, std::move(command)});
    send_next();
}

void QmpProtocol::feed(std::string_view bytes) {
    m_input.append(bytes);
    size_t newline;
    while ((newline = m_input.find('\n')) != std::string::npos) {
        std::string message = m_input.substr(0, newline);
        m_input.erase(0, newline + 1);
        if (!message.empty() && message.back() == '\r')
            message.pop_back();
        if (!message.empty())
            handle_message(message);
    }
}

std::string QmpProtocol::take_output() {
    return std::exchange(m_output, {});
}

std::vector<QmpReply> QmpProtocol::take_replies() {
    return std::exchange(m_replies, {});
}

void QmpProtocol::handle_message(std::string_view message) {
    auto kind = classify_qmp_message(message);
    if (kind == QmpMessageKind::Event && find_json_string(message, "event") == "SHUTDOWN")
        m_shutdown_reason = find_json_string(message, "reason").value_or("");
    if (kind == QmpMessageKind::Event || kind == QmpMessageKind::Unknown)
        return;
    switch (m_state) {
    case State::AwaitGreeting:
        if (kind == QmpMessageKind::Greeting) {
            m_output += qmp_command("qmp_capabilities") + "\n";
            m_state = State::AwaitCapabilities;
        }
        return;
    case State::AwaitCapabilities:
        if (kind == QmpMessageKind::Return) {
            m_state = State::Ready;
            send_next();
        } else if (kind == QmpMessageKind::Error) {
            m_state = State::Failed;
            m_failure =
                "qmp_capabilities failed: " + find_json_string(message, "desc").value_or("no reason given");
        }
        return;
    case State::Ready:
        if (!m_in_flight || (kind != QmpMessageKind::Return && kind != QmpMessageKind::Error))
            return;
        m_replies.push_back({*m_in_flight, kind == QmpMessageKind::Return,
                             kind == QmpMessageKind::Error
                                 ? find_json_string(message, "desc").value_or("no reason given")
                                 : std::string()});
        m_in_flight.reset();
        send_next();
        return;
    case State::Failed:
        return;
    }
}

void QmpProtocol::send_next() {
    if (m_state != State::Ready || m_in_flight || m_queue.empty())
        return;
    m_in_flight = m_queue.front().tag;
    m_output += m_queue.front().text + "\n";
    m_queue.pop_front();
}

} // namespace runner
