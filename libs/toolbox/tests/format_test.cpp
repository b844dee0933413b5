// Permission strings, human sizes and listing dates, against values read off GNU ls, du and df.
#include "toolbox/format.h"

#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>

namespace {

std::string mode(mode_t value) {
    char text[11];
    toolbox::format_mode(value, text);
    return text;
}

std::string human(uint64_t bytes) {
    char text[16];
    toolbox::format_human_size(bytes, text, sizeof(text));
    return text;
}

TEST(ToolboxFormat, ModeStringsShowTypeAndPermissions) {
    EXPECT_EQ(mode(S_IFDIR | 0755), "drwxr-xr-x");
    EXPECT_EQ(mode(S_IFREG | 0644), "-rw-r--r--");
    EXPECT_EQ(mode(S_IFLNK | 0777), "lrwxrwxrwx");
    EXPECT_EQ(mode(S_IFCHR | 0620), "crw--w----");
}

TEST(ToolboxFormat, SpecialBitsAreLowerCaseOnlyWithExecute) {
    EXPECT_EQ(mode(S_IFREG | 04755), "-rwsr-xr-x");
    EXPECT_EQ(mode(S_IFREG | 04644), "-rwSr--r--");
    EXPECT_EQ(mode(S_IFDIR | 01777), "drwxrwxrwt");
    EXPECT_EQ(mode(S_IFDIR | 02750), "drwxr-s---");
}

TEST(ToolboxFormat, HumanSizesRoundUpLikeGnu) {
    EXPECT_EQ(human(0), "0");
    EXPECT_EQ(human(1023), "1023");
    EXPECT_EQ(human(1024), "1.0K");
    EXPECT_EQ(human(1025), "1.1K");
    EXPECT_EQ(human(4096), "4.0K");
    EXPECT_EQ(human(10 * 1024 - 1), "10K");
    EXPECT_EQ(human(12345), "13K");
    EXPECT_EQ(human(1048575), "1.0M");
    EXPECT_EQ(human(1572864), "1.5M");
    EXPECT_EQ(human(5ull << 30), "5.0G");
}

TEST(ToolboxFormat, RecentFilesShowTheTimeOlderOnesTheYear) {
    struct tm when = {};
    when.tm_year = 2026 - 1900;
    when.tm_mon = 11;
    when.tm_mday = 7;
    when.tm_hour = 9;
    when.tm_min = 5;
    char text[32];
    toolbox::format_listing_time(when, 3600, text, sizeof(text));
    EXPECT_STREQ(text, "Dec  7 09:05");
    toolbox::format_listing_time(when, 400 * 86400, text, sizeof(text));
    EXPECT_STREQ(text, "Dec  7  2026");
    toolbox::format_listing_time(when, -60, text, sizeof(text));
    EXPECT_STREQ(text, "Dec  7  2026");
}

} // namespace
