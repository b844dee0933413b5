# The vDSO (kernel/vdso/image/): user code the kernel embeds and maps into every process. Built here,
# not as a CMake library, because it needs exactly these flags and nothing from the kernel's or the
# host's: freestanding, position independent, no libc, no stack protector (it would read musl's TLS),
# no relocations (nothing relocates it), one read+execute segment (vdso.lds), the exports and their
# LINUX_2.6 version (vdso.ver), a SysV hash table (musl reads only DT_HASH) besides the GNU one.
# Included before libs/, whose ELF tests read the image too.
set(BLOG_OS_VDSO_SOURCE_DIR ${PROJECT_SOURCE_DIR}/kernel/vdso/image)
set(BLOG_OS_VDSO_IMAGE ${CMAKE_BINARY_DIR}/vdso/vdso.so)
add_custom_command(
    OUTPUT ${BLOG_OS_VDSO_IMAGE}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/vdso
    COMMAND ${CMAKE_CXX_COMPILER} -std=gnu++20 -O2 -g -fPIC -ffreestanding -fno-exceptions -fno-rtti
        -fno-stack-protector -fno-asynchronous-unwind-tables -funwind-tables -mgeneral-regs-only
        -Wall -Wextra -Werror -ffile-prefix-map=${PROJECT_SOURCE_DIR}/=
        -I${PROJECT_SOURCE_DIR}/libs -MD -MF ${BLOG_OS_VDSO_IMAGE}.d
        -nostdlib -shared -Wl,-soname=linux-vdso.so.1 -Wl,--hash-style=both
        -Wl,--version-script=${BLOG_OS_VDSO_SOURCE_DIR}/vdso.ver -Wl,-T,${BLOG_OS_VDSO_SOURCE_DIR}/vdso.lds
        -Wl,--no-undefined -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--eh-frame-hdr
        -Wl,--build-id=none -Wl,-Bsymbolic
        -o ${BLOG_OS_VDSO_IMAGE} ${BLOG_OS_VDSO_SOURCE_DIR}/vdso.cpp
    DEPENDS ${BLOG_OS_VDSO_SOURCE_DIR}/vdso.cpp ${BLOG_OS_VDSO_SOURCE_DIR}/vdso.ver
        ${BLOG_OS_VDSO_SOURCE_DIR}/vdso.lds
    DEPFILE ${BLOG_OS_VDSO_IMAGE}.d
    COMMENT "Building the vDSO ${BLOG_OS_VDSO_IMAGE}"
    VERBATIM)
add_custom_target(vdso_image DEPENDS ${BLOG_OS_VDSO_IMAGE})
