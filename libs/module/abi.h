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

} // namespace module
