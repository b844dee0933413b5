// The driver API: the one header a loadable module (.ko, built by add_kernel_module() in
// cmake/blog_os.cmake) includes. A module may call only what the kernel exports with KERNEL_EXPORT
// (kernel/module/export.h; the list is in docs/drivers.md); anything else is refused at load with
// "unknown symbol NAME". Every allocation is recorded against the module and freed when it is
// unloaded. Use new (std::nothrow): plain new is not provided, since nothing may throw.
//
//   #include "module/module_api.h"
//   static int hello_init(const char* parameters) { module_info("hello"); return 0; }
//   static void hello_exit() { module_info("goodbye"); }
//   MODULE_NAME("hello");
//   MODULE_INIT(hello_init);
//   MODULE_EXIT(hello_exit);
//   MODULE_LICENSE("MIT");
#pragma once

#include "module/abi.h" // libs/module: the descriptor and the API version

#include <cstddef>
#include <cstdint>
#include <new>

extern "C" {

// This module's handle: the kernel writes it before any of the module's code runs.
extern void* blog_os_this_module;

// Log levels, as klog's.
enum : int { module_log_error = 0, module_log_warn = 1, module_log_info = 2, module_log_debug = 3 };
// One kernel log record tagged with the module's name. printf's %s %c %d %i %u %x %X %p %% with the
// l, ll and z length modifiers and a zero-padded width.
void module_log(void* module, int level, const char* format, ...) __attribute__((format(printf, 3, 4)));

// Tracked heap memory: null when none is left; `alignment` a power of two up to 4096.
void* module_allocate(void* module, size_t size, size_t alignment);
void module_free(void* module, void* pointer);

// Character devices (Linux numbers; 240-254 are for local use). read(offset, buffer, length)
// returns the bytes it put in `buffer` (a kernel buffer), 0 at the end, or a negative errno. The
// kernel pins the module while any open file of the device exists, so delete_module says EBUSY.
// Returns 0 or a negative errno; the module unregisters in its exit function.
typedef long (*module_read_function)(uint64_t offset, void* buffer, size_t length);
int module_register_character_device(void* module, const char* name, uint32_t major, uint32_t minor,
                                     module_read_function read);
void module_unregister_character_device(void* module, uint32_t major, uint32_t minor);

void* memcpy(void* destination, const void* source, size_t count);
void* memmove(void* destination, const void* source, size_t count);
void* memset(void* destination, int value, size_t count);
int memcmp(const void* left, const void* right, size_t count);
size_t strlen(const char* text);

} // extern "C"

#define module_error(...) module_log(blog_os_this_module, module_log_error, __VA_ARGS__)
#define module_warn(...) module_log(blog_os_this_module, module_log_warn, __VA_ARGS__)
#define module_info(...) module_log(blog_os_this_module, module_log_info, __VA_ARGS__)
#define module_debug(...) module_log(blog_os_this_module, module_log_debug, __VA_ARGS__)

inline void* module_malloc(size_t size) {
    return module_allocate(blog_os_this_module, size, 16);
}
inline void module_mfree(void* pointer) {
    module_free(blog_os_this_module, pointer);
}

// The declarations. Each writes "key=value" into .modinfo (what modinfo prints without loading) and
// defines the symbol the descriptor (module_runtime.cpp) points at. NAME and INIT are required.
#define BLOG_OS_MODULE_CONCAT_(a, b) a##b
#define BLOG_OS_MODULE_CONCAT(a, b) BLOG_OS_MODULE_CONCAT_(a, b)
#define BLOG_OS_MODULE_STRING(key, value)                                                                    \
    extern "C" const char blog_os_module_##key[] = value;                                                    \
    [[gnu::section(".modinfo"), gnu::used, gnu::aligned(1)]] static const char BLOG_OS_MODULE_CONCAT(        \
        blog_os_modinfo_, __COUNTER__)[] = #key "=" value

#define MODULE_NAME(value) BLOG_OS_MODULE_STRING(name, value)
#define MODULE_VERSION(value) BLOG_OS_MODULE_STRING(version, value)
#define MODULE_DESCRIPTION(value) BLOG_OS_MODULE_STRING(description, value)
#define MODULE_AUTHOR(value) BLOG_OS_MODULE_STRING(author, value)
#define MODULE_LICENSE(value) BLOG_OS_MODULE_STRING(license, value)
// A parameter: `variable` (a long, a bool or a char array at namespace scope in the module) is set
// from the insmod word "variable=value" (a bare "variable" for a bool) before the constructors and
// init run, and /sys/module/NAME/parameters/variable shows its value while the module is loaded.
// A value that does not parse or fit fails the load (EINVAL, ENOSPC); words naming no parameter are
// logged and left to init, which still gets the whole string. modinfo shows "parm: variable:description".
//   long count = 1;          MODULE_PARAMETER(count, "how many times");
//   char who[32] = "world";  MODULE_PARAMETER(who, "whom to greet");
template <typename T>
struct blog_os_parameter_kind;
template <>
struct blog_os_parameter_kind<long> {
    static constexpr module::ParameterKind kind = module::ParameterKind::Integer;
};
template <>
struct blog_os_parameter_kind<bool> {
    static constexpr module::ParameterKind kind = module::ParameterKind::Boolean;
};
template <size_t size>
struct blog_os_parameter_kind<char[size]> {
    static constexpr module::ParameterKind kind = module::ParameterKind::String;
};
struct blog_os_parameter_record {
    const char* name;
    module::ParameterKind kind;
    uint32_t size;
    void* address;
};
static_assert(sizeof(blog_os_parameter_record) == sizeof(module::ParameterRecord));
#define MODULE_PARAMETER(variable, description)                                                              \
    [[gnu::section(".blog_os.parameters"),                                                                   \
      gnu::used]] static blog_os_parameter_record BLOG_OS_MODULE_CONCAT(blog_os_parameter_, __COUNTER__) = { \
        #variable, blog_os_parameter_kind<decltype(variable)>::kind, sizeof(variable), &variable};           \
    [[gnu::section(".modinfo"), gnu::used, gnu::aligned(1)]] static const char BLOG_OS_MODULE_CONCAT(        \
        blog_os_modinfo_, __COUNTER__)[] = "parm=" #variable ":" description

// int function(const char* parameters): 0, or a negative errno that fails the load (the module is
// then removed whole, its allocations freed).
#define MODULE_INIT(function)                                                                                \
    extern "C" int blog_os_module_init(const char* parameters) {                                             \
        return function(parameters);                                                                         \
    }
// void function(): undoes init; runs at delete_module. Without one the module cannot be removed.
#define MODULE_EXIT(function)                                                                                \
    extern "C" void blog_os_module_exit() {                                                                  \
        function();                                                                                          \
    }
