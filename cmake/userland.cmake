# User space (userland/) is its own CMake project with its own toolchain (clang++ over musl, see
# userland/cmake/musl-toolchain.cmake); this file builds it as an external project and installs it
# into one tree that becomes the initrd's root:
#
#   target `userland`            configure + build + install (always re-run, so edits rebuild)
#   BLOG_OS_USERLAND_ROOT        ${CMAKE_BINARY_DIR}/userland-root: init, bin/*, tests/*
#   BLOG_OS_USERLAND_FILES       every installed program, as absolute paths in that tree
#
# The test programs are static Linux binaries checking Linux semantics, so they also run natively
# here: CTest tests `userland-linux.<program>` (label host), and `userland-linux.init-test` runs them
# all through init. Nothing here needs the kernel, so host-only builds include it.
include(ExternalProject)
include(${PROJECT_SOURCE_DIR}/userland/programs.cmake)

set(BLOG_OS_USERLAND_ROOT ${CMAKE_BINARY_DIR}/userland-root CACHE INTERNAL "Install tree of the user programs")

set(_userland_files ${BLOG_OS_USERLAND_ROOT}/${BLOG_OS_USERLAND_INIT})
foreach(program IN LISTS BLOG_OS_USERLAND_BIN_PROGRAMS)
    list(APPEND _userland_files ${BLOG_OS_USERLAND_ROOT}/bin/${program})
endforeach()
foreach(program IN LISTS BLOG_OS_USERLAND_TEST_PROGRAMS)
    list(APPEND _userland_files ${BLOG_OS_USERLAND_ROOT}/tests/${program})
endforeach()
set(BLOG_OS_USERLAND_FILES ${_userland_files} CACHE INTERNAL "Programs installed in BLOG_OS_USERLAND_ROOT")

# Same optimisation level as the rest of the build, but never without symbols (backtraces).
if(CMAKE_BUILD_TYPE STREQUAL "Release")
    set(_userland_build_type RelWithDebInfo)
else()
    set(_userland_build_type ${CMAKE_BUILD_TYPE})
endif()

ExternalProject_Add(userland
    SOURCE_DIR ${PROJECT_SOURCE_DIR}/userland
    BINARY_DIR ${CMAKE_BINARY_DIR}/userland-build
    INSTALL_DIR ${BLOG_OS_USERLAND_ROOT}
    CMAKE_ARGS
        -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/userland/cmake/musl-toolchain.cmake
        -DCMAKE_INSTALL_PREFIX=<INSTALL_DIR>
        -DCMAKE_BUILD_TYPE=${_userland_build_type}
        -DBLOG_OS_PCI_IDS_COMPACT=${BLOG_OS_PCI_IDS_COMPACT}
    # lspci's names (tools/pciids), installed as /usr/share/misc/pci.ids.compact.
    DEPENDS pci_ids_compact
    BUILD_ALWAYS ON
    # The install step (run after every build) is what produces the files; declared here so that
    # Ninja knows a rule makes them for targets that depend on them (the initrd).
    BUILD_BYPRODUCTS ${BLOG_OS_USERLAND_FILES}
    USES_TERMINAL_CONFIGURE ON
    USES_TERMINAL_BUILD ON)
# The toolchain file is only read at configure time: reconfigure when it or the program list changes.
ExternalProject_Add_StepDependencies(userland configure
    ${PROJECT_SOURCE_DIR}/userland/cmake/musl-toolchain.cmake ${PROJECT_SOURCE_DIR}/userland/programs.cmake)

foreach(program IN LISTS BLOG_OS_USERLAND_TEST_PROGRAMS)
    add_test(NAME userland-linux.${program} COMMAND ${BLOG_OS_USERLAND_ROOT}/tests/${program})
    set_tests_properties(userland-linux.${program} PROPERTIES LABELS host TIMEOUT 120)
endforeach()
add_test(NAME userland-linux.init-test COMMAND ${BLOG_OS_USERLAND_ROOT}/init test ${BLOG_OS_USERLAND_ROOT})
set_tests_properties(userland-linux.init-test PROPERTIES LABELS host TIMEOUT 300)
# The utilities (/bin/toolbox and its links) against GNU coreutils, grep and findutils on a fixture tree.
add_test(NAME userland-linux.toolbox-vs-gnu
    COMMAND ${PROJECT_SOURCE_DIR}/userland/toolbox/tests/compare-with-gnu.sh ${BLOG_OS_USERLAND_ROOT}/bin)
set_tests_properties(userland-linux.toolbox-vs-gnu PROPERTIES LABELS host TIMEOUT 300)
# lspci on a sysfs tree recorded from Linux, against what pciutils' lspci printed for it.
add_test(NAME userland-linux.lspci-vs-pciutils
    COMMAND ${PROJECT_SOURCE_DIR}/userland/toolbox/tests/lspci/compare.sh ${BLOG_OS_USERLAND_ROOT}/bin/toolbox
            ${BLOG_OS_PCI_IDS_LSPCI_FIXTURE})
set_tests_properties(userland-linux.lspci-vs-pciutils PROPERTIES LABELS host TIMEOUT 60)

# The shell against Debian's dash: every script in tests/shell must print the same and exit the
# same under both (docs/shell.md). Host tests: /bin/sh is a static Linux binary too.
find_program(BLOG_OS_DASH dash)
if(BLOG_OS_DASH)
    file(GLOB _shell_scripts CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/shell/*.sh)
    list(FILTER _shell_scripts EXCLUDE REGEX "/compare\\.sh$")
    foreach(script IN LISTS _shell_scripts)
        get_filename_component(name ${script} NAME_WE)
        add_test(NAME host.shell-vs-dash.${name}
                 COMMAND ${PROJECT_SOURCE_DIR}/tests/shell/compare.sh ${BLOG_OS_DASH} ${BLOG_OS_USERLAND_ROOT}/bin/sh ${script})
        set_tests_properties(host.shell-vs-dash.${name} PROPERTIES LABELS host TIMEOUT 60)
    endforeach()
endif()
