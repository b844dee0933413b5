// The initrd reaches the kernel: the image's own (the module "initrd" GRUB loads from
// /boot/initrd.cpio), and the runner's --initrd=DIR under each firmware, whose packed size the kernel
// must log. The size is worked out here from the newc layout, independently of the writer.
#include "e2e_support.h"

#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>

using testing::HasSubstr;

namespace {

namespace fs = std::filesystem;

const char* const boot_complete = "blog_os: boot complete";

size_t align4(size_t n) {
    return (n + 3) & ~size_t{3};
}
// A newc entry: the 110-byte header and the name with its NUL, padded to 4; the data, padded to 4.
size_t newc_entry_size(const std::string& name, size_t data_size) {
    return align4(110 + name.size() + 1) + align4(data_size);
}
const size_t newc_trailer_size = newc_entry_size("TRAILER!!!", 0);

// The kernel's line for the initrd module ends with its size: "…physical 0x92f000, 284 bytes".
testing::Matcher<std::string> logs_initrd_of_size(size_t size) {
    return testing::ContainsRegex("ramdisk/module 'initrd': physical 0x[0-9a-f]+, " + std::to_string(size) +
                                  " bytes");
}

// The path after "runner: image: " on the runner's stderr.
std::string booted_image(const std::string& runner_errors) {
    const std::string prefix = "runner: image: ";
    auto start = runner_errors.find(prefix);
    if (start == std::string::npos)
        return {};
    start += prefix.size();
    return runner_errors.substr(start, runner_errors.find('\n', start) - start);
}

class InitrdOption : public testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/blog_os_e2e_initrd_XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        m_tree = pattern;
    }
    void TearDown() override { fs::remove_all(m_tree); }

    fs::path m_tree;
};

TEST_P(InitrdOption, KernelGetsThePackedDirectory) {
    const std::string firmware = GetParam();
    const std::string content = "hello from an initrd packed by the runner (" + firmware + ")\n";
    std::ofstream(m_tree / "hello.txt", std::ios::binary) << content;
    const size_t packed_size = newc_entry_size("hello.txt", content.size()) + newc_trailer_size;

    auto run =
        e2e::run_kernel("initrd-" + firmware, {"--firmware=" + firmware, "--initrd=" + m_tree.string(),
                                               "--expect=" + std::string(boot_complete), "--timeout=120"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.runner_errors, HasSubstr("runner: initrd: " + m_tree.string() + " packed (1 entries, " +
                                             std::to_string(packed_size) + " bytes)"));
    EXPECT_THAT(run.serial, logs_initrd_of_size(packed_size));
    // The debug information still comes from the same image.
    EXPECT_THAT(run.serial, HasSubstr("ramdisk/module 'kernel-debug-info': physical 0x"));
    // The copy of the ISO was temporary.
    std::string image = booted_image(run.runner_errors);
    ASSERT_NE(image, "");
    EXPECT_NE(image, BLOG_OS_ISO);
    EXPECT_FALSE(fs::exists(image)) << image;
    EXPECT_FALSE(fs::exists(fs::path(image).parent_path())) << image;
}

INSTANTIATE_TEST_SUITE_P(Firmware, InitrdOption, testing::Values("bios", "uefi"),
                         [](const testing::TestParamInfo<const char*>& info) {
                             return std::string(info.param);
                         });

TEST(Initrd, TheImagesOwnInitrdIsTheModuleNamedInitrd) {
    auto run = e2e::run_kernel("initrd-default",
                               {"--firmware=bios", "--expect=" + std::string(boot_complete), "--timeout=60"});
    ASSERT_EQ(run.exit_code, 0) << run.runner_errors << run.serial;
    EXPECT_THAT(run.serial, logs_initrd_of_size(fs::file_size(BLOG_OS_INITRD)));
    EXPECT_EQ(booted_image(run.runner_errors), BLOG_OS_ISO);
}

} // namespace
