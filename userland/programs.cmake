# The programs the userland project installs, shared with the kernel project's cmake/userland.cmake
# (which registers CTest tests and image contents) so both agree on one list.
#
# Paths are relative to the root of the install tree, which becomes the initrd's root.
set(BLOG_OS_USERLAND_INIT init)
set(BLOG_OS_USERLAND_BIN_PROGRAMS hello bench getpid-loop fault ticker fuzz fork-loop thread-loop sh toolbox openvt)
set(BLOG_OS_USERLAND_TEST_PROGRAMS
    io_test process_test memory_test time_test identity_test system_test signal_test fault_test
    bench_test vdso_test file_test directory_test devices_test fork_test futex_test timer_test tty_test
    thread_test toolbox_test vt_test sysfs_test fb_test module_test block_device_test truncate_test)
