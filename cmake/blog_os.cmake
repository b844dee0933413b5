# Build helpers shared by every folder.
#
# Code under libs/ is compiled twice: once for the host (unit tests, the runner) and once with the
# kernel's freestanding flags. blog_os_library(NAME SOURCES ...) makes NAME and NAME_kernel.

# Flags every kernel translation unit needs; each was shown necessary (see docs/architecture.md).
add_library(kernel_flags INTERFACE)
target_compile_options(kernel_flags INTERFACE
    -ffreestanding -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie
    -fno-omit-frame-pointer -fno-stack-protector -fasynchronous-unwind-tables -fno-strict-aliasing
    -ffile-prefix-map=${PROJECT_SOURCE_DIR}/=
    $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti -fno-threadsafe-statics -Wall -Wextra -Wno-unused-parameter>
    $<$<CONFIG:Debug>:-O1> $<$<CONFIG:Release>:-O2>
    -g
    # GRUB reads the whole kernel ELF, DWARF included, by BIOS calls that move a CD sector at a time:
    # the release image keeps what backtraces use (functions, scopes, inlining, lines) and drops
    # variable locations and struct layouts outside their own header's unit, 5.6 MB -> 3.3 MB.
    # Debug builds keep everything for gdb.
    $<$<CONFIG:Release>:-fno-var-tracking -femit-struct-debug-baseonly>)
target_compile_definitions(kernel_flags INTERFACE BLOG_OS_KERNEL=1 $<$<CONFIG:Debug>:BLOG_OS_DEBUG=1>)
target_include_directories(kernel_flags INTERFACE ${PROJECT_SOURCE_DIR}/libs ${PROJECT_SOURCE_DIR}/kernel)

add_library(host_flags INTERFACE)
target_compile_options(host_flags INTERFACE -Wall -Wextra -Wno-unused-parameter)
target_include_directories(host_flags INTERFACE ${PROJECT_SOURCE_DIR}/libs)

function(blog_os_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    target_link_libraries(${name} PUBLIC host_flags)
    add_library(${name}_kernel STATIC ${ARG_SOURCES})
    target_link_libraries(${name}_kernel PUBLIC kernel_flags)
    foreach(dependency IN LISTS ARG_DEPENDS)
        target_link_libraries(${name} PUBLIC ${dependency})
        target_link_libraries(${name}_kernel PUBLIC ${dependency}_kernel)
    endforeach()
endfunction()

# blog_os_host_test(NAME SOURCES ... LIBS ...): a GoogleTest executable whose cases CTest lists one by one.
find_package(GTest REQUIRED)
include(GoogleTest)
function(blog_os_host_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main host_flags)
    gtest_discover_tests(${name} TEST_PREFIX "host." DISCOVERY_TIMEOUT 60 PROPERTIES LABELS host)
endfunction()

# add_kernel_module(NAME SOURCES ... [DESTINATION dir]): NAME.ko, an ELF64 relocatable object that the
# kernel loads at run time (docs/drivers.md). The sources compile with the kernel's own flags
# (kernel_flags: freestanding, no red zone, no SSE, no exceptions or RTTI, -mcmodel=kernel) plus
# kernel/module/module_runtime.cpp (the descriptor, operator new/delete), and `ld -r` joins them,
# without debug information. With DESTINATION the file is copied into the initrd tree
# (BLOG_OS_USERLAND_ROOT/dir/NAME.ko) before the initrd is packed. The .ko's path is in
# the target property KO_FILE of NAME_ko.
function(add_kernel_module name)
    cmake_parse_arguments(ARG "" "DESTINATION" "SOURCES" ${ARGN})
    add_library(${name}_module_objects OBJECT ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/kernel/module/module_runtime.cpp)
    target_link_libraries(${name}_module_objects PRIVATE kernel_flags)
    target_compile_options(${name}_module_objects PRIVATE -fno-common)
    set(output ${CMAKE_CURRENT_BINARY_DIR}/${name}.ko)
    add_custom_command(OUTPUT ${output}
        COMMAND ${CMAKE_LINKER} -r --strip-debug -o ${output} $<TARGET_OBJECTS:${name}_module_objects>
        DEPENDS $<TARGET_OBJECTS:${name}_module_objects>
        COMMAND_EXPAND_LISTS
        COMMENT "Linking kernel module ${name}.ko")
    set(outputs ${output})
    if(ARG_DESTINATION)
        set(installed ${BLOG_OS_USERLAND_ROOT}/${ARG_DESTINATION}/${name}.ko)
        add_custom_command(OUTPUT ${installed}
            COMMAND ${CMAKE_COMMAND} -E make_directory ${BLOG_OS_USERLAND_ROOT}/${ARG_DESTINATION}
            COMMAND ${CMAKE_COMMAND} -E copy ${output} ${installed}
            DEPENDS ${output})
        list(APPEND outputs ${installed})
    endif()
    add_custom_target(${name}_ko ALL DEPENDS ${outputs})
    set_target_properties(${name}_ko PROPERTIES KO_FILE ${output})
    set_property(GLOBAL APPEND PROPERTY BLOG_OS_KERNEL_MODULE_TARGETS ${name}_ko)
endfunction()
