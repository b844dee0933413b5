# Toolchain for blog_os user programs: clang++ 14 + ld.lld, C++20, static ET_EXEC linked against
# Debian's musl (musl-dev). Nothing from glibc may leak in, so the standard include and library
# search paths are switched off and every directory is named here.
#
# Include order matters: libstdc++'s headers (header-only parts only) must come before musl's C
# headers so that <cstdlib> & co. can #include_next them, then clang's own (stddef.h, intrinsics).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(BLOG_OS_MUSL_LIBDIR /usr/lib/x86_64-linux-musl CACHE PATH "Debian musl-dev library directory")
set(BLOG_OS_MUSL_INCLUDEDIR /usr/include/x86_64-linux-musl CACHE PATH "Debian musl-dev header directory")
set(BLOG_OS_GCC_VERSION 12 CACHE STRING "GCC whose libstdc++ headers and libgcc user programs use")

# Fail here, before CMake's compiler checks bury the cause under a failed test compile.
if(NOT EXISTS ${BLOG_OS_MUSL_LIBDIR}/libc.a OR NOT EXISTS ${BLOG_OS_MUSL_INCLUDEDIR}/stdio.h)
    message(FATAL_ERROR "blog_os userland: musl not found (${BLOG_OS_MUSL_LIBDIR}/libc.a): install musl-dev "
                        "(apt-get install --no-install-recommends musl-dev musl-tools)")
endif()

find_program(BLOG_OS_CLANGXX NAMES clang++-14 clang++ REQUIRED)
find_program(BLOG_OS_LLD NAMES ld.lld-14 ld.lld REQUIRED)
set(CMAKE_CXX_COMPILER ${BLOG_OS_CLANGXX})
set(CMAKE_CXX_COMPILER_TARGET x86_64-linux-musl)

execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-resource-dir
                OUTPUT_VARIABLE _clang_resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
set(_libstdcxx_include /usr/include/c++/${BLOG_OS_GCC_VERSION})
set(_libstdcxx_arch_include /usr/include/x86_64-linux-gnu/c++/${BLOG_OS_GCC_VERSION})
set(_libgcc /usr/lib/gcc/x86_64-linux-gnu/${BLOG_OS_GCC_VERSION}/libgcc.a)
foreach(required IN ITEMS ${_libstdcxx_include}/type_traits ${_libgcc} ${_clang_resource_dir}/include/stddef.h)
    if(NOT EXISTS ${required})
        message(FATAL_ERROR "blog_os userland: ${required} is missing (install g++-${BLOG_OS_GCC_VERSION} and clang)")
    endif()
endforeach()

# -nostdinc drops every default include directory; libstdc++'s os_defines.h tests glibc's version
# macro, which musl does not have.
string(JOIN " " CMAKE_CXX_FLAGS_INIT
    -nostdinc
    -isystem ${_libstdcxx_include} -isystem ${_libstdcxx_arch_include}
    -isystem ${BLOG_OS_MUSL_INCLUDEDIR}
    -isystem ${_clang_resource_dir}/include
    "-D'__GLIBC_PREREQ(major,minor)=0'"
    -fno-pie -fno-exceptions -fno-rtti -fno-omit-frame-pointer -g)

# -static -no-pie: a plain ET_EXEC (Debian's static-pie output is a broken ET_DYN with PT_INTERP).
# -nostdlib: no glibc crt files or libraries; crt1/crti/crtn and libc.a are named in link order,
# libgcc supplies compiler builtins (e.g. 128-bit division).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -static -no-pie -nostdlib -Wl,--build-id -Wno-unused-command-line-argument")
set(CMAKE_CXX_LINK_EXECUTABLE
    "<CMAKE_CXX_COMPILER> <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> ${BLOG_OS_MUSL_LIBDIR}/crt1.o ${BLOG_OS_MUSL_LIBDIR}/crti.o <OBJECTS> -o <TARGET> <LINK_LIBRARIES> ${BLOG_OS_MUSL_LIBDIR}/libc.a ${_libgcc} ${BLOG_OS_MUSL_LIBDIR}/crtn.o")

# Search only the musl tree for libraries and headers find_* might look for.
set(CMAKE_FIND_ROOT_PATH ${BLOG_OS_MUSL_LIBDIR} ${BLOG_OS_MUSL_INCLUDEDIR})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
