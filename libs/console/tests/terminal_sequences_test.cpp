// The TextConsole's escape sequences one by one, as a user would see them on the screen.
#include "console/tests/recording_surface.h"
#include "console/text_console.h"

#include <gtest/gtest.h>

namespace {

using console_test::Terminal;

} // namespace
