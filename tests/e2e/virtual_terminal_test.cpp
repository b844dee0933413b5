// The PS/2 keyboard and the virtual terminals as a person at the machine uses them: a shell on tty1
// (started by /bin/openvt as init), commands typed through QEMU's keyboard (the runner's
// --send-keys), Ctrl-C for the foreground job, Alt-F2 and Alt-F1 to switch terminals, and kernel
// messages on the screen only at warning and above. What the
// screen shows is read back from /dev/vcs1 and /dev/vcs by commands typed into the same shell,
// which print it on COM1 between markers.
#include "e2e_support.h"

#include "console/psf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using testing::Contains;
using testing::HasSubstr;
using testing::Not;

// The screen's rows, from one line of /dev/vcs output (rows x columns characters, no line ends),
// each with its trailing blanks removed.
std::vector<std::string> screen_rows(const std::string& text, size_t columns) {
    std::vector<std::string> rows;
    for (size_t start = 0; start < text.size(); start += columns) {
        std::string row = text.substr(start, columns);
        row.erase(row.find_last_not_of(' ') + 1);
        rows.push_back(row);
    }
    return rows;
}

// The line after the line `label` in COM1's output: one dump of a vcs device.
std::string dump_after(const std::vector<std::string>& lines, const std::string& label) {
    for (size_t i = 0; i + 1 < lines.size(); ++i)
        if (lines[i] == label)
            return lines[i + 1];
    return {};
}

size_t font_width() {
    std::string bytes = e2e::read_file(BLOG_OS_CONSOLE_FONT_PATH);
    static console::PsfFont font;
    if (font.load(ktl::ByteReader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())).is_error())
        return 0;
    return font.width();
}

TEST(VirtualTerminals, TypedCommandsCtrlCAndAltFnSwitchingShowOnTheScreen) {
    // GRUB sets up 1024x768 (the screen test checks it); the VTs use the whole width.
    size_t width = font_width();
    ASSERT_GT(width, 0u);
    size_t columns = 1024 / width;
    // Markers come from arithmetic so that the typed command lines, which the dumps show, do not
    // contain them.
    // Each step waits for the marker the step before printed on COM1, so no typed line reaches the
    // screen while a command's output does. "m N" prints the marker stepN; "d N M" prints /dev/vcsM
    // (M left out: /dev/vcs) between a line "vcsN:" and the marker dumpN. The markers never appear
    // in what is typed, which the screen dumps show.
    auto run = e2e::run_kernel(
        "virtual-terminals",
        {"--firmware=bios",
         "--timeout=170",
         "--cmdline=init=/bin/openvt -- 1 /bin/sh",
         "--keys-after=openvt: /bin/sh on /dev/tty1",
         "--send-keys=d() {{ {{ echo vcs$1:; cat /dev/vcs$2; echo; echo dump$1; } >/dev/console; }\n"
         "m() {{ echo step$1 >/dev/console; }\necho $((6*7)); m 1\n",
         "--keys-after=step1",
         "--send-keys=d 1 1\n",
         "--keys-after=dump1",
         "--send-keys=(m 9; exec sleep 30)\n",
         "--keys-after=step9",
         "--send-keys={ctrl-c}echo status $?; m 2\n",
         "--keys-after=step2",
         "--send-keys=d 2 1\n",
         "--keys-after=dump2",
         "--send-keys={{ read l </dev/tty2; echo got $l >/dev/console; d 3; } &\n{alt-f2}hello tty2\n",
         "--keys-after=dump3",
         "--send-keys={alt-f1}echo back on $((0+1)); m 3\n",
         "--keys-after=step3",
         "--send-keys=echo \"<4>kmsg warn$((1+1))\" >/dev/kmsg; echo \"<6>kmsg info$((1+1))\" >/dev/kmsg; m "
         "4\n",
         "--keys-after=step4",
         "--send-keys=echo {caps_lock}loud{caps_lock} quiet; m 5\n",
         "--keys-after=step5",
         "--send-keys=d 4\n",
         "--expect=dump4"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << "\n" << run.serial;
    auto lines = e2e::lines_of(run.serial);

    // tty1 shows the command and its answer.
    auto first = screen_rows(dump_after(lines, "vcs1:"), columns);
    EXPECT_THAT(first, Contains(HasSubstr("echo $((6*7))")));
    EXPECT_THAT(first, Contains("42")) << "tty1's screen lacks the shell's answer";

    // Ctrl-C on the keyboard ended the foreground job with SIGINT, the shell going on.
    auto second = screen_rows(dump_after(lines, "vcs2:"), columns);
    EXPECT_THAT(second, Contains("status 130")) << "the job was not ended by SIGINT";

    // After Alt-F2 the keyboard typed into tty2 and /dev/vcs showed tty2's screen, not tty1's.
    EXPECT_THAT(lines, Contains("got hello tty2"));
    auto third = screen_rows(dump_after(lines, "vcs3:"), columns);
    EXPECT_THAT(third, Contains("hello tty2"));
    EXPECT_THAT(third, Not(Contains("status 130")));

    // Alt-F1 went back to tty1, whose screen kept its text.
    auto fourth = screen_rows(dump_after(lines, "vcs4:"), columns);
    EXPECT_THAT(fourth, Contains("back on 1"));
    EXPECT_THAT(fourth, Contains("status 130"));
    EXPECT_THAT(fourth, Not(Contains("hello tty2")));
    // tty1 took over the boot console's screen, so the end of the boot log is still there after the
    // switch back repainted tty1.
    EXPECT_THAT(fourth, Contains(HasSubstr("PS/2 keyboard ready")));

    // Caps Lock (its LED command answered through the interrupt) shifted the letters between.
    EXPECT_THAT(fourth, Contains("LOUD quiet"));

    // After boot the kernel log shows on the active terminal only at warning and above (loglevel
    // 5 by default); COM1 has every record.
    EXPECT_THAT(fourth, Contains(HasSubstr("kmsg warn2")));
    EXPECT_THAT(fourth, Not(Contains(HasSubstr("kmsg info2"))));
    EXPECT_THAT(run.serial, HasSubstr("kmsg info2"));
}

} // namespace
