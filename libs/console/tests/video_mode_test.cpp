#include "console/video_mode.h"

#include <gtest/gtest.h>

using console::parse_video_mode;
using console::VideoMode;

TEST(VideoMode, ReadsLinuxSpellings) {
    VideoMode mode;
    ASSERT_TRUE(parse_video_mode("1280x800", mode));
    EXPECT_EQ(mode.width, 1280u);
    EXPECT_EQ(mode.height, 800u);
    EXPECT_EQ(mode.bits_per_pixel, 0u);
    ASSERT_TRUE(parse_video_mode("Virtual-1:1024x768-32@60", mode));
    EXPECT_EQ(mode.width, 1024u);
    EXPECT_EQ(mode.height, 768u);
    EXPECT_EQ(mode.bits_per_pixel, 32u);
    ASSERT_TRUE(parse_video_mode("800x600MR@75e", mode));
    EXPECT_EQ(mode.width, 800u);
    EXPECT_EQ(mode.height, 600u);
}

TEST(VideoMode, RefusesWhatIsNotAMode) {
    VideoMode mode{1, 2, 3};
    for (const char* text :
         {"", "off", "Virtual-1:", "1024", "1024x", "x768", "0x768", "1024x0", "1024x768-", "1024x768-0",
          "1024x768@", "1024x768 ", "999999x768", "1024x768-32x", "-1024x768", "1024X768"})
        EXPECT_FALSE(parse_video_mode(text, mode)) << text;
    EXPECT_EQ(mode.width, 1u); // left as it was
}
