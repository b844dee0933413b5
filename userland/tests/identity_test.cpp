// Who and where the process is: user and group ids, uname.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cstring>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace {

bool nul_terminated(const char (&field)[65]) {
    return memchr(field, '\0', sizeof(field)) != nullptr;
}

} // namespace

// Whatever user the tests run as, the ids must agree with each other (not set-id programs).
TEST(user_and_group_ids_are_consistent) {
    EXPECT_EQ(getuid(), geteuid());
    EXPECT_EQ(getgid(), getegid());
    EXPECT_EQ(sys::raw_syscall(SYS_getuid), static_cast<long>(getuid()));
    EXPECT_EQ(sys::raw_syscall(SYS_geteuid), static_cast<long>(geteuid()));
    EXPECT_EQ(sys::raw_syscall(SYS_getgid), static_cast<long>(getgid()));
    EXPECT_EQ(sys::raw_syscall(SYS_getegid), static_cast<long>(getegid()));
}

TEST(user_ids_match_the_auxiliary_vector) {
    EXPECT_EQ(getauxval(AT_UID), static_cast<unsigned long>(getuid()));
    EXPECT_EQ(getauxval(AT_EUID), static_cast<unsigned long>(geteuid()));
    EXPECT_EQ(getauxval(AT_GID), static_cast<unsigned long>(getgid()));
    EXPECT_EQ(getauxval(AT_EGID), static_cast<unsigned long>(getegid()));
}

TEST(uname_fields_are_nul_terminated_and_name_an_x86_64_system) {
    utsname name;
    memset(&name, 0xff, sizeof(name));
    ASSERT_EQ(uname(&name), 0);
    EXPECT_TRUE(nul_terminated(name.sysname));
    EXPECT_TRUE(nul_terminated(name.nodename));
    EXPECT_TRUE(nul_terminated(name.release));
    EXPECT_TRUE(nul_terminated(name.version));
    EXPECT_TRUE(nul_terminated(name.machine));
    EXPECT_TRUE(nul_terminated(name.domainname));
    EXPECT_GT(strlen(name.sysname), 0u);
    EXPECT_GT(strlen(name.release), 0u);
    EXPECT_STREQ(name.machine, "x86_64");
}

TEST(uname_into_a_bad_pointer_fails_with_efault) {
    EXPECT_EQ(sys::raw_syscall(SYS_uname, 1), -EFAULT);
}
