// Direct boot: QEMU's -kernel loads kernel.elf through its PVH entry under SeaBIOS, with no GRUB and no
// ISO; the initrd comes from -initrd and the command line from -append and fw_cfg.
#include "e2e_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using testing::HasSubstr;

namespace {

TEST(DirectBoot, PvhBootReachesInitAndItsShell) {
    auto run = e2e::run_kernel(
        "direct-boot", {"--direct", "--firmware=bios", "--timeout=60", "--expect=Welcome to blog_os"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("loaded by 'PVH (hvm_start_info version 1)'"));
    EXPECT_THAT(run.serial, HasSubstr("ramdisk/module 'initrd': physical 0x"));
    EXPECT_THAT(run.serial, HasSubstr("no framebuffer from the loader: serial console only"));
    EXPECT_THAT(run.serial, HasSubstr("no 'kernel-debug-info' boot module"));
    EXPECT_THAT(run.serial, HasSubstr("ACPI RSDP revision 0"));
    EXPECT_THAT(run.serial, HasSubstr("Starting init process\n"));
    EXPECT_THAT(run.serial, HasSubstr("Welcome to blog_os"));
}

// -append (the loader's command line) and the runner's fw_cfg file both reach the kernel, in that order.
TEST(DirectBoot, CommandLineArrivesThroughAppendAndFwCfg) {
    auto run = e2e::run_kernel("direct-cmdline",
                               {"--direct", "--firmware=bios", "--timeout=60", "--cmdline=loglevel=info",
                                "--qemu-arg=-append", "--qemu-arg=ps", "--expect=blog_os: boot complete"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, HasSubstr("command line 'ps loglevel=info'"));
    EXPECT_THAT(run.serial, testing::ContainsRegex("\\[sched\\][^\n]*INFO[^\n]* +1 boot +running"));
}

} // namespace
