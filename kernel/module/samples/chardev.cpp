// A character device, 240:0 (Linux's local-use range), whose reads return one line: while a file of
// it is open the kernel pins the module, so delete_module says EBUSY.
#include "module/module_api.h"

namespace {

constexpr uint32_t major = 240;
const char text[] = "hello from a module\n";

long read_text(uint64_t offset, void* buffer, size_t length) {
    size_t size = sizeof text - 1;
    if (offset >= size)
        return 0;
    size_t count = size - offset < length ? size - offset : length;
    memcpy(buffer, text + offset, count);
    return long(count);
}

int chardev_init(const char*) {
    return module_register_character_device(blog_os_this_module, "modtest", major, 0, read_text);
}

void chardev_exit() {
    module_unregister_character_device(blog_os_this_module, major, 0);
}

} // namespace

MODULE_NAME("chardev");
MODULE_VERSION("1.0");
MODULE_DESCRIPTION("a character device that reads one line");
MODULE_LICENSE("MIT");
MODULE_INIT(chardev_init);
MODULE_EXIT(chardev_exit);
