// Linked into every .ko by add_kernel_module(): the module's descriptor (which the loader finds by
// its section), its handle slot, the API version in .modinfo, and operator new/delete over the
// module's tracked allocator. Built with the module, never part of the kernel.
#include "module/module_api.h"

extern "C" {
extern const char blog_os_module_name[];
[[gnu::weak]] extern const char blog_os_module_version[];
[[gnu::weak]] extern const char blog_os_module_description[];
[[gnu::weak]] extern const char blog_os_module_author[];
[[gnu::weak]] extern const char blog_os_module_license[];
int blog_os_module_init(const char* parameters);
[[gnu::weak]] void blog_os_module_exit();

void* blog_os_this_module = nullptr;
}

namespace {

// module::DescriptorRecord with the pointers typed, so the compiler emits R_X86_64_64 relocations
// instead of code to fill it.
struct Descriptor {
    uint32_t magic;
    uint32_t api_version;
    uint32_t size;
    uint32_t reserved;
    const char *name, *version, *description, *author, *license;
    int (*init)(const char*);
    void (*exit)();
    void** self;
};
static_assert(sizeof(Descriptor) == sizeof(module::DescriptorRecord));

#define BLOG_OS_STRINGIFY_(x) #x
#define BLOG_OS_STRINGIFY(x) BLOG_OS_STRINGIFY_(x)
[[gnu::section(".modinfo"), gnu::used, gnu::aligned(1)]] const char api_version_info[] =
    "api_version=" BLOG_OS_STRINGIFY(BLOG_OS_MODULE_API_VERSION);

} // namespace

[[gnu::section(".blog_os.module"), gnu::used]] Descriptor blog_os_module_descriptor = {
    module::descriptor_magic, module::kernel_api_version, sizeof(Descriptor),         0,
    blog_os_module_name,      blog_os_module_version,     blog_os_module_description, blog_os_module_author,
    blog_os_module_license,   blog_os_module_init,        blog_os_module_exit,        &blog_os_this_module,
};

// <new> declares it; a module has no C++ library to define it.
namespace std {
const nothrow_t nothrow{};
}

void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return module_allocate(blog_os_this_module, size, 16);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return module_allocate(blog_os_this_module, size, 16);
}
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
    return module_allocate(blog_os_this_module, size, size_t(alignment));
}
void operator delete(void* pointer) noexcept {
    module_free(blog_os_this_module, pointer);
}
void operator delete[](void* pointer) noexcept {
    module_free(blog_os_this_module, pointer);
}
void operator delete(void* pointer, size_t) noexcept {
    module_free(blog_os_this_module, pointer);
}
void operator delete[](void* pointer, size_t) noexcept {
    module_free(blog_os_this_module, pointer);
}
void operator delete(void* pointer, std::align_val_t) noexcept {
    module_free(blog_os_this_module, pointer);
}
void operator delete(void* pointer, size_t, std::align_val_t) noexcept {
    module_free(blog_os_this_module, pointer);
}
