// Debian's busybox in the image (docs/utilities.md): every applet scenario in tests/busybox/scenarios
// runs in one boot through our /bin/sh and through busybox's own ash, and each must print and exit
// as the same busybox ash makes it print and exit on this Linux host; PATH finds ours first; vi
// edits a file on the console.
#include "e2e_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <regex>
#include <string>
#include <utility>

using testing::HasSubstr;

namespace {

namespace fs = std::filesystem;

struct Outcome {
    std::string output;
    std::string status;
    std::string errors; // shown on a difference, never compared: messages are each program's own
};

// (scenario, shell label) -> what run.sh printed between its markers.
using Outcomes = std::map<std::pair<std::string, std::string>, Outcome>;

Outcomes parse_outcomes(const std::string& text) {
    static const std::regex begin("^@@ begin (\\S+) (\\S+)$");
    static const std::regex end("^(.*)@@ end (\\S+) (\\S+) status ([0-9]+)$");
    static const std::regex kernel_log("^\\[ *[0-9]+\\.[0-9]+\\]\\[");
    Outcomes outcomes;
    Outcome* current = nullptr;
    Outcome* last = nullptr;
    std::smatch match;
    for (const std::string& line : e2e::lines_of(text)) {
        if (std::regex_search(line, kernel_log))
            continue;
        if (std::regex_match(line, match, begin)) {
            current = &outcomes[{match[1], match[2]}];
            *current = {};
        } else if (current && std::regex_match(line, match, end)) {
            // Output without a final newline runs into the marker.
            if (match[1].length() > 0)
                current->output += match[1].str() + "<no newline>\n";
            current->status = match[4];
            last = current;
            current = nullptr;
        } else if (line.rfind("@@ stderr ", 0) == 0) {
            if (last)
                last->errors += line.substr(10) + "\n";
        } else if (current) {
            current->output += line + "\n";
        }
    }
    return outcomes;
}

std::string run_on_host(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
        return output;
    char buffer[4096];
    for (size_t got; (got = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        output.append(buffer, got);
    pclose(pipe);
    return output;
}

TEST(Busybox, EveryAppletScenarioPrintsUnderOurShellAndAshWhatAshPrintsOnLinux) {
    // The image's own copy, so the host runs the very binary blog_os runs.
    const fs::path busybox = fs::path(BLOG_OS_USERLAND_ROOT) / "bin/busybox";
    ASSERT_TRUE(fs::exists(busybox)) << busybox << " missing: the build installs it (busybox-static)";
    const std::string driver = std::string(BLOG_OS_SOURCE_DIR) + "/tests/busybox/run.sh";
    char pattern[] = "/tmp/blog_os_e2e_busybox_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    Outcomes linux_outcomes = parse_outcomes(run_on_host(busybox.string() + " ash " + driver + " " + pattern +
                                                         "/work 'ash=" + busybox.string() + " ash'"));
    fs::remove_all(pattern);
    ASSERT_GE(linux_outcomes.size(), 40u) << "fewer scenarios than expected ran on Linux";

    auto run = e2e::run_kernel(
        "busybox-scenarios",
        {"--firmware=bios", "--timeout=200",
         "--cmdline=init=/bin/sh -- /tests/busybox/run.sh /tmp/busybox sh=/bin/sh ash=/usr/bin/ash"});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    Outcomes blog_os_outcomes = parse_outcomes(run.serial);

    int compared = 0;
    for (const auto& [key, expected] : linux_outcomes) {
        for (const char* shell : {"sh", "ash"}) {
            const std::string& name = key.first;
            auto found = blog_os_outcomes.find({name, shell});
            if (found == blog_os_outcomes.end()) {
                ADD_FAILURE() << "scenario " << name << " did not finish under " << shell << " in blog_os";
                continue;
            }
            const Outcome& got = found->second;
            ++compared;
            EXPECT_TRUE(got.output == expected.output && got.status == expected.status)
                << "scenario " << name << " under " << shell
                << " in blog_os differs from busybox ash on Linux\n"
                << "--- Linux (status " << expected.status << "):\n"
                << expected.output << "--- blog_os (status " << got.status << "):\n"
                << got.output << "--- blog_os stderr:\n"
                << got.errors << "--- Linux stderr:\n"
                << expected.errors;
        }
    }
    EXPECT_EQ(compared, 2 * static_cast<int>(linux_outcomes.size()));
}

// PATH is /bin:/usr/bin: our utilities in /bin win, busybox's applets fill in from /usr/bin.
TEST(Busybox, AppletsAreReachableThroughPathAndOursComeFirst) {
    auto run = e2e::run_kernel("busybox-path", {"--firmware=bios", "--timeout=60",
                                                "--cmdline=init=/bin/sh -- -c \"for c in sort awk ash vi; do "
                                                "command -v $c; done; ls -l /usr/bin/awk; echo path-done\""});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("/bin/sort\n/usr/bin/awk\n/usr/bin/ash\n/usr/bin/vi\n"));
    EXPECT_THAT(run.serial, testing::ContainsRegex("/usr/bin/awk -> \\.\\./\\.\\./bin/busybox\n"));
    EXPECT_THAT(run.serial, HasSubstr("path-done\n"));
}

// vi, full screen on the serial console, edits and saves a file with keys from a pipe (as it does
// on Linux under a terminal; the first key waits until vi has set the terminal up, or vi loses it).
TEST(Busybox, ViDrawsOnTheConsoleAndSavesAnEdit) {
    auto run = e2e::run_kernel(
        "busybox-vi", {"--firmware=bios", "--timeout=60",
                       "--cmdline=init=/bin/sh -- -c \"(sleep 1; printf 'ihello from vi\\033'; sleep 1; "
                       "printf ':wq\\r'; sleep 1) | vi /tmp/edited; echo vi=$?; cat /tmp/edited\""});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("/tmp/edited [Modified]")); // its status line
    EXPECT_THAT(run.serial, HasSubstr("vi=0\nhello from vi\n"));
}

} // namespace
