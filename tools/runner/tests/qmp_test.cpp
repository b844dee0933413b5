// QMP messages and the handshake/command state machine, fed with what QEMU 7.2 actually sends.
#include "qmp.h"

#include <gtest/gtest.h>

namespace {

using runner::QmpMessageKind;
using runner::QmpProtocol;

constexpr const char* greeting =
    R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2"}, )"
    R"("capabilities": ["oob"]}})"
    "\r\n";

TEST(runner_qmp, ClassifiesMessagesByTopLevelKey) {
    EXPECT_EQ(runner::classify_qmp_message(greeting), QmpMessageKind::Greeting);
    EXPECT_EQ(runner::classify_qmp_message(R"({"return": {}})"), QmpMessageKind::Return);
    EXPECT_EQ(runner::classify_qmp_message(R"({"error": {"class": "GenericError", "desc": "no"}})"),
              QmpMessageKind::Error);
    EXPECT_EQ(runner::classify_qmp_message(
                  R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"})"),
              QmpMessageKind::Event);
    // Keys nested deeper, or inside strings, do not count.
    EXPECT_EQ(runner::classify_qmp_message(R"({"timestamp": {"return": 1}, "event": "X"})"),
              QmpMessageKind::Event);
    EXPECT_EQ(runner::classify_qmp_message(R"({"data": "\"return\": {}"})"), QmpMessageKind::Unknown);
    EXPECT_EQ(runner::classify_qmp_message("not json"), QmpMessageKind::Unknown);
}

TEST(runner_qmp, JsonStrings) {
    EXPECT_EQ(runner::json_quote("a\"b\\c\n"), R"("a\"b\\c\u000a")");
    EXPECT_EQ(
        runner::find_json_string(R"({"error": {"class": "X", "desc": "Could not open '/x\"y'"}})", "desc"),
        "Could not open '/x\"y'");
    EXPECT_FALSE(runner::find_json_string(R"({"return": {}})", "desc").has_value());
}

TEST(runner_qmp, Commands) {
    EXPECT_EQ(runner::qmp_command("quit"), R"({"execute":"quit"})");
    EXPECT_EQ(runner::qmp_screendump_command("/a/b.ppm", false),
              R"({"execute":"screendump","arguments":{"filename":"/a/b.ppm"}})");
    EXPECT_EQ(runner::qmp_screendump_command("/a/b.png", true),
              R"({"execute":"screendump","arguments":{"filename":"/a/b.png","format":"png"}})");
}

TEST(runner_qmp, HandshakeThenOneCommandAtATime) {
    QmpProtocol qmp;
    qmp.enqueue(1, "first");
    qmp.enqueue(2, "second");
    EXPECT_EQ(qmp.take_output(), ""); // Nothing before the greeting.
    // The greeting arrives in two pieces.
    std::string text = greeting;
    qmp.feed(text.substr(0, 10));
    EXPECT_EQ(qmp.take_output(), "");
    qmp.feed(text.substr(10));
    EXPECT_EQ(qmp.take_output(), "{\"execute\":\"qmp_capabilities\"}\n");
    EXPECT_FALSE(qmp.ready());

    qmp.feed("{\"return\": {}}\r\n");
    EXPECT_TRUE(qmp.ready());
    EXPECT_EQ(qmp.take_output(), "first\n");
    EXPECT_TRUE(qmp.take_replies().empty());

    // Events in between are skipped; the reply releases the next command.
    qmp.feed("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n");
    EXPECT_TRUE(qmp.take_replies().empty());
    qmp.feed("{\"return\": {}}\r\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"bad\"}}\r\n");
    auto replies = qmp.take_replies();
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].tag, 1);
    EXPECT_TRUE(replies[0].ok);
    EXPECT_EQ(replies[1].tag, 2);
    EXPECT_FALSE(replies[1].ok);
    EXPECT_EQ(replies[1].error, "bad");
    EXPECT_EQ(qmp.take_output(), "second\n");
}

// QEMU 7.2's event for `-no-reboot` after a guest reset, then for an ACPI power-off.
TEST(runner_qmp, ShutdownEventsLeaveTheirReason) {
    QmpProtocol qmp;
    EXPECT_EQ(qmp.shutdown_reason(), "");
    qmp.feed(greeting);
    qmp.feed("{\"return\": {}}\r\n");
    qmp.feed("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESET\", \"data\": "
             "{\"guest\": true, \"reason\": \"guest-reset\"}}\r\n");
    EXPECT_EQ(qmp.shutdown_reason(), ""); // RESET is not SHUTDOWN
    qmp.feed("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"SHUTDOWN\", \"data\": "
             "{\"guest\": true, \"reason\": \"guest-reset\"}}\r\n");
    EXPECT_EQ(qmp.shutdown_reason(), "guest-reset");
    qmp.feed("{\"timestamp\": {\"seconds\": 2, \"microseconds\": 0}, \"event\": \"SHUTDOWN\", \"data\": "
             "{\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n");
    EXPECT_EQ(qmp.shutdown_reason(), "guest-shutdown");
}

TEST(runner_qmp, FailedHandshake) {
    QmpProtocol qmp;
    qmp.feed(greeting);
    qmp.take_output();
    qmp.feed("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"nope\"}}\n");
    EXPECT_FALSE(qmp.ready());
    EXPECT_NE(qmp.failure().find("nope"), std::string::npos);
}

} // namespace
