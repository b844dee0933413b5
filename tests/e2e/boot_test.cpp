// A normal boot as a user sees it on the serial console, and the structured log beside it.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using testing::HasSubstr;

namespace {

const char* const boot_complete = "blog_os: boot complete";

TEST(Boot, UefiBootLogsKernelRamdiskAndMemoryMap) {
    auto run = e2e::run_kernel(
        "boot-uefi", {"--firmware=uefi", "--expect=" + std::string(boot_complete), "--timeout=120"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("loaded by 'GRUB 2"));
    EXPECT_THAT(run.serial, HasSubstr("kernel: physical 0x100000.."));
    EXPECT_THAT(run.serial, HasSubstr("ramdisk/module 'kernel-debug-info': physical 0x"));
    EXPECT_THAT(run.serial, HasSubstr("kernel debug information: "));
    EXPECT_THAT(run.serial, HasSubstr("memory map ("));
    EXPECT_THAT(run.serial, HasSubstr(" usable"));
    EXPECT_THAT(run.serial, HasSubstr("framebuffer 1024x768, 32 bpp"));
    // OVMF hands over both RSDP tags; the kernel prefers ACPI 2.0's XSDT.
    EXPECT_THAT(run.serial, HasSubstr("ACPI RSDP revision 2"));
    EXPECT_THAT(run.serial, HasSubstr("[][][boot][INFO]"));
}

TEST(Boot, BiosBootHasFramebufferAndOldRsdp) {
    auto run = e2e::run_kernel("boot-bios",
                               {"--firmware=bios", "--expect=" + std::string(boot_complete), "--timeout=60"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("framebuffer 1024x768, 32 bpp"));
    EXPECT_THAT(run.serial, HasSubstr("ACPI RSDP revision 0"));
}

TEST(Boot, JsonLogHasOneObjectPerRecord) {
    auto run = e2e::run_kernel("json",
                               {"--firmware=bios", "--expect=" + std::string(boot_complete), "--timeout=60"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors;
    auto records = e2e::complete_lines_of(run.json_log);
    ASSERT_GE(records.size(), 5u);
    bool saw_memory_map = false, saw_boot_task = false;
    for (const std::string& record : records) {
        EXPECT_EQ(record.front(), '{') << record;
        EXPECT_EQ(record.back(), '}') << record;
        EXPECT_THAT(record, HasSubstr("\"level\":\""));
        EXPECT_THAT(record, HasSubstr("\"subsystem\":\""));
        EXPECT_THAT(record, HasSubstr("\"file\":\"kernel/"));
        // Before the scheduler starts no task runs; afterwards each record names its task. The
        // runner stops QEMU after "boot complete", by which time /init (process 1) may have logged.
        EXPECT_THAT(record,
                    testing::ContainsRegex("\"task\":(null|\\{\"id\":[0-9]+,\"name\":\"[a-z0-9-]+\"\\}),"
                                           "\"process\":(null|\\{\"id\":1\\})"));
        if (record.find("memory map (") != std::string::npos)
            saw_memory_map = true;
        if (record.find("\"task\":{\"id\":1,\"name\":\"boot\"}") != std::string::npos)
            saw_boot_task = true;
    }
    EXPECT_TRUE(saw_memory_map);
    EXPECT_TRUE(saw_boot_task);
}

// `ps` logs the task table once boot completes; text records name their task.
TEST(Boot, PsListsTheTasksAndRecordsNameTheirTask) {
    auto run = e2e::run_kernel(
        "ps", {"--firmware=bios", "--cmdline=ps", "--expect=" + std::string(boot_complete), "--timeout=60"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors;
    // [^\n]: one line (the level tag is coloured, so escape sequences sit between the fields).
    EXPECT_THAT(run.serial,
                testing::ContainsRegex("\\[T1\\]\\[\\]\\[sched\\][^\n]*INFO[^\n]* +ID NAME +STATE"));
    EXPECT_THAT(run.serial,
                testing::ContainsRegex("\\[sched\\][^\n]*INFO[^\n]* +0 idle +(running|runnable) +19"));
    EXPECT_THAT(run.serial, testing::ContainsRegex("\\[sched\\][^\n]*INFO[^\n]* +1 boot +running +0"));
}

TEST(Boot, LogLevelOnTheCommandLineFiltersRecords) {
    auto quiet = e2e::run_kernel("loglevel-warn", {"--firmware=bios", "--cmdline=loglevel=warn",
                                                   "--expect=" + std::string(boot_complete), "--timeout=60"});
    ASSERT_EQ(quiet.exit_code, 0) << quiet.runner_errors;
    EXPECT_EQ(quiet.serial.find("[INFO]"), std::string::npos);
    EXPECT_THAT(quiet.serial, HasSubstr(boot_complete));

    auto chatty =
        e2e::run_kernel("loglevel-debug", {"--firmware=bios", "--cmdline=loglevel=debug",
                                           "--expect=" + std::string(boot_complete), "--timeout=60"});
    ASSERT_EQ(chatty.exit_code, 0) << chatty.runner_errors;
    EXPECT_THAT(chatty.serial, HasSubstr("[INFO]"));
    EXPECT_THAT(chatty.serial, HasSubstr("command line 'loglevel=debug'"));
}

TEST(Boot, CpuWithoutLongModeGetsAClearMessage) {
    // SeaBIOS and 32-bit GRUB run on a qemu32 CPU; the kernel's 32-bit entry must refuse clearly.
    auto run = e2e::run_kernel("no-long-mode", {"--firmware=bios", "--qemu-arg=-cpu", "--qemu-arg=qemu32",
                                                "--expect=this CPU has no 64-bit long mode", "--timeout=60"});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
}

TEST(Runner, TimeoutExitsFourWithOneLineNamingIt) {
    // A normal boot never exits by itself, so a 2-second limit must expire.
    auto run = e2e::run_kernel("timeout", {"--firmware=bios", "--timeout=2"});
    EXPECT_EQ(run.exit_code, 4);
    EXPECT_THAT(run.runner_errors, HasSubstr("timeout"));
    EXPECT_THAT(run.runner_errors, HasSubstr("--timeout=2"));
}

} // namespace
