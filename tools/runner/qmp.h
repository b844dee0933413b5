// The QEMU Machine Protocol as the runner speaks it: greeting, qmp_capabilities, then one command at a time,
// each answered by a "return" or "error" message, with asynchronous "event" messages in between. Pure: bytes
// in, bytes out; main.cpp moves them over the socket, so the runner never blocks on QMP while COM1 output
// waits to be read.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runner {

enum class QmpMessageKind { Greeting, Return, Error, Event, Unknown };

// Looks at the top-level keys of one JSON object ("QMP", "return", "error", "event").
QmpMessageKind classify_qmp_message(std::string_view message);

// The first string value stored under key anywhere in message, unescaped; e.g. an error's "desc".
std::optional<std::string> find_json_string(std::string_view message, std::string_view key);

// A JSON string literal, quotes included.
std::string json_quote(std::string_view text);

std::string qmp_command(std::string_view name);
// filename must be absolute: QEMU resolves it against its own working directory.
std::string qmp_screendump_command(std::string_view filename, bool png);

struct QmpReply {
    int tag = 0;
    bool ok = false;
    std::string error; // QEMU's description when !ok.
};

class QmpProtocol {
public:
    // Sent once the handshake is done and every earlier command has its reply. tag identifies the reply.
    void enqueue(int tag, std::string command);
    // Bytes read from the socket; may hold partial or several messages.
    void feed(std::string_view bytes);
    // Bytes to write to the socket now.
    std::string take_output();
    std::vector<QmpReply> take_replies();

    bool ready() const { return m_state == State::Ready; }
    // The "reason" of the last SHUTDOWN event ("guest-shutdown", "guest-reset", "host-qmp-quit", …);
    // empty before one came.
    const std::string& shutdown_reason() const { return m_shutdown_reason; }
    // Set when the handshake failed; the message says why.
    const std::string& failure() const { return m_failure; }

private:
    enum class State { AwaitGreeting, AwaitCapabilities, Ready, Failed };
    struct Command {
        int tag;
        std::string text;
    };

    void handle_message(std::string_view message);
    void send_next();

    State m_state = State::AwaitGreeting;
    std::string m_input;
    std::string m_output;
    std::deque<Command> m_queue;
    std::optional<int> m_in_flight;
    std::vector<QmpReply> m_replies;
    std::string m_failure;
    std::string m_shutdown_reason;
};

} // namespace runner
