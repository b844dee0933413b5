// What a module and the kernel agree on, shared by the module API header (kernel/module/module_api.h),
// the loader and modinfo: the descriptor every .ko carries in its descriptor section, and the kernel
// API version. Raise kernel_api_version whenever an exported function's meaning or signature changes
// or one is removed: modules built against another version are refused.
#pragma once

#include <cstddef>
#include <cstdint>

// A macro too, so module_api.h can write it into .modinfo as text.
#define BLOG_OS_MODULE_API_VERSION 1

namespace module {

inline constexpr uint32_t kernel_api_version = BLOG_OS_MODULE_API_VERSION;
inline constexpr uint32_t descriptor_magic = 0x444f4d42; // "BMOD" in memory
inline constexpr const char descriptor_section_name[] = ".blog_os.module";
inline constexpr const char modinfo_section_name[] = ".modinfo";
// Linux's MODULE_NAME_LEN less its NUL: what /proc/modules and delete_module's name hold.
inline constexpr size_t max_name_length = 55;

// The descriptor as it lies in the module's data, every pointer 64 bits.
struct DescriptorRecord {
    uint32_t magic;
    uint32_t api_version;
    uint32_t size; // sizeof(DescriptorRecord): a changed layout is refused, not misread
    uint32_t reserved;
    uint64_t name, version, description, author, license; // const char*, NUL-terminated
    uint64_t init;                                        // int (*)(const char* parameters)
    uint64_t exit;                                        // void (*)(), or 0
    uint64_t self;                                        // void** the kernel fills with the module's handle
};
static_assert(sizeof(DescriptorRecord) == 80);
static_assert(offsetof(DescriptorRecord, name) == 16 && offsetof(DescriptorRecord, self) == 72);

// Declared parameters (MODULE_PARAMETER in module_api.h): one record each in their own section, so
// the kernel can set them from the insmod words before init runs and show them in
// /sys/module/NAME/parameters. A module without the section has no parameters; older kernels ignore it.
inline constexpr const char parameter_section_name[] = ".blog_os.parameters";
enum class ParameterKind : uint32_t {
    Integer = 1, // long: decimal, or hexadecimal with 0x, optionally negative
    Boolean = 2, // bool: y/n, 1/0, true/false; the bare name sets it
    String = 3,  // char[size]: at most size - 1 bytes, NUL-terminated
};
struct ParameterRecord {
    uint64_t name;    // const char*: [a-z0-9_], at most max_parameter_name_length
    uint32_t kind;    // ParameterKind
    uint32_t size;    // the variable's size in bytes
    uint64_t address; // the variable, in the module's writable data
};
static_assert(sizeof(ParameterRecord) == 24);
static_assert(offsetof(ParameterRecord, size) == 12 && offsetof(ParameterRecord, address) == 16);
inline constexpr size_t max_parameter_name_length = 63;
inline constexpr size_t max_parameters = 64;

} // namespace module
