// Who the system says it is: uname(2)'s fields, which /proc/version and /proc/sys/kernel repeat, so
// every way of asking gets one answer.
#pragma once

namespace proc::uname {

inline constexpr const char* system_name = "blog_os";   // sysname, /proc/sys/kernel/ostype
inline constexpr const char* node_name = "blog-os";     // nodename, /proc/sys/kernel/hostname
inline constexpr const char* release = BLOG_OS_VERSION; // /proc/sys/kernel/osrelease
inline constexpr const char* version = "#1 PREEMPT blog_os " BLOG_OS_BUILD_TYPE;
inline constexpr const char* machine = "x86_64";
inline constexpr const char* domain_name = "(none)";

} // namespace proc::uname
