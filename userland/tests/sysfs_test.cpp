// /sys as Linux lays it out: the PCI functions' directories, links and attribute formats, the
// character devices' class entries, and what sysfs refuses. Each test checks invariants that hold on
// any Linux with sysfs mounted, so it runs on the host too; on blog_os, where the machine is QEMU's,
// what must be there is required.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace {

bool on_blog_os() {
    return sys::detect_system() == sys::System::BlogOs;
}

// A file's content in a buffer of its own (each call overwrites `buffer`); empty if unreadable.
std::string_view read_text(const char* path, char (&buffer)[4096]) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    size_t length = 0;
    for (ssize_t got;
         length < sizeof buffer && (got = read(fd, buffer + length, sizeof buffer - length)) > 0;)
        length += static_cast<size_t>(got);
    close(fd);
    return {buffer, length};
}

std::string_view link_text(const char* path, char (&buffer)[512]) {
    ssize_t length = readlink(path, buffer, sizeof buffer);
    return length < 0 ? std::string_view() : std::string_view(buffer, static_cast<size_t>(length));
}

// "0x" and exactly `digits` lowercase hex digits, then a newline: Linux's format for ids and class.
bool is_hex_line(std::string_view text, size_t digits) {
    if (text.size() != digits + 3 || text.substr(0, 2) != "0x" || text.back() != '\n')
        return false;
    for (size_t i = 2; i < 2 + digits; ++i) {
        if (!strchr("0123456789abcdef", text[i]))
            return false;
    }
    return true;
}

// Calls `visit` with each name in `directory` but . and ..; returns how many.
template <typename Visit>
size_t for_each_entry(const char* directory, Visit visit) {
    DIR* listing = opendir(directory);
    if (!listing)
        return 0;
    size_t count = 0;
    while (dirent* entry = readdir(listing)) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        ++count;
        visit(entry->d_name);
    }
    closedir(listing);
    return count;
}

TEST(sys_is_a_sysfs_mount_with_linux_top_level_directories) {
    struct statfs status {};
    ASSERT_EQ(statfs("/sys", &status), 0);
    EXPECT_EQ(static_cast<unsigned long>(status.f_type), 0x62656572ul); // SYSFS_MAGIC
    for (const char* directory : {"/sys/bus", "/sys/class", "/sys/dev/char", "/sys/devices", "/sys/kernel"}) {
        struct stat entry {};
        if (EXPECT_EQ(stat(directory, &entry), 0))
            EXPECT_TRUE(S_ISDIR(entry.st_mode));
    }
}

// Each /sys/bus/pci/devices entry is a link into /sys/devices whose files say what config space says.
TEST(pci_devices_are_links_to_directories_with_linux_attributes) {
    size_t functions = for_each_entry("/sys/bus/pci/devices", [](const char* name) {
        char path[256], file[320], text[4096], link[512];
        snprintf(path, sizeof path, "/sys/bus/pci/devices/%s", name);
        std::string_view target = link_text(path, link);
        EXPECT_TRUE(target.substr(0, 20) == "../../../devices/pci");
        EXPECT_TRUE(target.size() > strlen(name) && target.substr(target.size() - strlen(name)) == name);
        snprintf(file, sizeof file, "%s/vendor", path);
        std::string_view vendor_text = read_text(file, text);
        EXPECT_TRUE(is_hex_line(vendor_text, 4));
        unsigned vendor = static_cast<unsigned>(strtoul(text, nullptr, 16));
        snprintf(file, sizeof file, "%s/device", path);
        EXPECT_TRUE(is_hex_line(read_text(file, text), 4));
        unsigned device = static_cast<unsigned>(strtoul(text, nullptr, 16));
        snprintf(file, sizeof file, "%s/class", path);
        EXPECT_TRUE(is_hex_line(read_text(file, text), 6));
        snprintf(file, sizeof file, "%s/subsystem_vendor", path);
        EXPECT_TRUE(is_hex_line(read_text(file, text), 4));
        // The first four bytes of config are the vendor and device ids, little-endian.
        snprintf(file, sizeof file, "%s/config", path);
        std::string_view config = read_text(file, text);
        if (EXPECT_GE(config.size(), 64u)) {
            auto byte = [&](size_t i) {
                return static_cast<unsigned>(static_cast<unsigned char>(config[i]));
            };
            EXPECT_EQ(byte(0) | byte(1) << 8, vendor);
            EXPECT_EQ(byte(2) | byte(3) << 8, device);
        }
        snprintf(file, sizeof file, "%s/subsystem", path);
        std::string_view subsystem = link_text(file, link);
        EXPECT_TRUE(subsystem.size() >= 8 && subsystem.substr(subsystem.size() - 8) == "/bus/pci");
        // resource: one "start end flags" line per BAR and the ROM at least.
        snprintf(file, sizeof file, "%s/resource", path);
        size_t lines = 0;
        for (char character : read_text(file, text))
            lines += character == '\n';
        EXPECT_GE(lines, 7u);
    });
    if (on_blog_os())
        EXPECT_GT(functions, 0u);
}

// sysfs attributes without a store refuse writers, root included (Linux's kernfs says EACCES), and
// nobody makes directories there.
TEST(read_only_attributes_refuse_writing_even_to_root) {
    char first[64] = {};
    for_each_entry("/sys/bus/pci/devices", [&](const char* name) {
        if (!first[0])
            snprintf(first, sizeof first, "%s", name);
    });
    if (!first[0] || geteuid() != 0)
        return;
    char path[256];
    snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/vendor", first);
    EXPECT_ERRNO(open(path, O_WRONLY | O_CLOEXEC), EACCES);
    EXPECT_ERRNO(mkdir("/sys/bus/pci/made-by-a-test", 0755), EPERM);
}

// /sys/class/<class>/<name> and /sys/dev/char/<major>:<minor> lead to a directory whose `dev` is the
// node's number and whose uevent names it.
TEST(character_devices_have_class_and_number_entries) {
    struct Device {
        const char* node;
        const char* class_entry;
    } devices[] = {{"/dev/null", "/sys/class/mem/null"}, {"/dev/ttyS0", "/sys/class/tty/ttyS0"}};
    for (const Device& device : devices) {
        struct stat node {};
        if (stat(device.node, &node) != 0 || access(device.class_entry, F_OK) != 0) {
            EXPECT_FALSE(on_blog_os());
            continue;
        }
        char expected[32], path[256], text[4096];
        snprintf(expected, sizeof expected, "%u:%u\n", major(node.st_rdev), minor(node.st_rdev));
        snprintf(path, sizeof path, "%s/dev", device.class_entry);
        EXPECT_TRUE(read_text(path, text) == expected);
        expected[strlen(expected) - 1] = '\0';
        snprintf(path, sizeof path, "/sys/dev/char/%s/dev", expected);
        std::string_view by_number = read_text(path, text);
        EXPECT_TRUE(by_number.substr(0, strlen(expected)) == expected);
        snprintf(path, sizeof path, "%s/uevent", device.class_entry);
        std::string_view uevent = read_text(path, text);
        char devname[64];
        snprintf(devname, sizeof devname, "DEVNAME=%s\n", strrchr(device.node, '/') + 1);
        EXPECT_TRUE(uevent.find("MAJOR=") != std::string_view::npos);
        EXPECT_TRUE(uevent.find(devname) != std::string_view::npos);
    }
}

} // namespace
